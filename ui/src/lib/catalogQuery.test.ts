import { describe, expect, it } from 'vitest'
import { emptyQuery, isFiltered, paramsFromQuery, queryFromParams, sortBy, toggleValue } from './catalogQuery'

describe('the catalog view in the URL', () => {
  it('round-trips every filter, the text, the sort and its direction', () => {
    const query = {
      ...emptyQuery(),
      kinds: ['Component', 'API'],
      owners: ['group:default/team-a'],
      tags: ['java'],
      sources: [3],
      text: 'payments',
      withErrors: true,
      sort: 'owner' as const,
      descending: true,
    }
    const params = paramsFromQuery(query)
    expect(params.toString()).toBe(
      'kind=Component&kind=API&owner=group%3Adefault%2Fteam-a&tag=java&source=3&q=payments&errors=1&sort=owner&desc=1',
    )
    expect(queryFromParams(params)).toEqual(query)
  })

  it('ignores malformed values instead of failing', () => {
    const query = queryFromParams(new URLSearchParams('sort=nonsense&source=x&kind=&q=%20%20'))
    expect(query).toEqual(emptyQuery())
    expect(isFiltered(query)).toBe(false)
  })

  it('toggles a value on and off, ignoring case', () => {
    const on = toggleValue(emptyQuery(), 'kinds', 'Component')
    expect(on.kinds).toEqual(['Component'])
    expect(isFiltered(on)).toBe(true)
    expect(toggleValue(on, 'kinds', 'component').kinds).toEqual([])
    const source = toggleValue(emptyQuery(), 'sources', '7')
    expect(source.sources).toEqual([7])
    expect(toggleValue(source, 'sources', '7').sources).toEqual([])
  })

  it('flips the direction when the same column is sorted again', () => {
    const byOwner = sortBy(emptyQuery(), 'owner')
    expect([byOwner.sort, byOwner.descending]).toEqual(['owner', false])
    expect(sortBy(byOwner, 'owner').descending).toBe(true)
    expect(sortBy(sortBy(byOwner, 'owner'), 'kind').descending).toBe(false)
  })
})
