import { fireEvent, render, screen } from '@testing-library/react'
import { describe, expect, it, vi } from 'vitest'
import type { Facets } from '../bindings/Facets'
import { emptyQuery } from '../lib/catalogQuery'
import { FacetPanel } from './Facets'

const none: Facets = { kinds: [], types: [], owners: [], lifecycles: [], systems: [], namespaces: [], tags: [], sources: [] }

describe('the filter panel', () => {
  it('shows each choice with its count and toggles it', () => {
    const onToggle = vi.fn<(field: string, value: string) => void>()
    const facets = { ...none, kinds: [{ value: 'Component', count: 1234 }, { value: 'API', count: 5 }] }
    render(<FacetPanel query={{ ...emptyQuery(), kinds: ['API'] }} facets={facets} sources={[]} onToggle={onToggle} />)
    const component = screen.getByRole('checkbox', { name: /Component/ })
    expect(component.textContent).toContain('1,234')
    expect(component.getAttribute('aria-checked')).toBe('false')
    expect(screen.getByRole('checkbox', { name: /API/ }).getAttribute('aria-checked')).toBe('true')
    fireEvent.click(component)
    expect(onToggle).toHaveBeenCalledWith('kinds', 'Component')
  })

  it('folds long lists but keeps selected values visible', () => {
    const tags = Array.from({ length: 20 }, (_, i) => ({ value: `tag-${i}`, count: 20 - i }))
    render(
      <FacetPanel query={{ ...emptyQuery(), tags: ['tag-15', 'gone'] }} facets={{ ...none, tags }} sources={[]} onToggle={() => {}} />,
    )
    const shown = screen.getAllByRole('checkbox').map((b) => b.getAttribute('data-value'))
    expect(shown).toHaveLength(10) // 8 first, the selected tag-15, and `gone` (no longer counted)
    expect(shown).toContain('tag-15')
    expect(shown).toContain('gone')
    fireEvent.click(screen.getByText('Show all 21'))
    expect(screen.getAllByRole('checkbox')).toHaveLength(21)
  })

  it('names sources and shows owners without the default namespace', () => {
    const facets = { ...none, owners: [{ value: 'group:default/team-a', count: 3 }], sources: [{ value: '2', count: 3 }] }
    const sources = [{ id: 2, name: 'work' }] as never
    render(<FacetPanel query={emptyQuery()} facets={facets} sources={sources} onToggle={() => {}} />)
    expect(screen.getByRole('checkbox', { name: /team-a/ }).textContent).not.toContain('default')
    expect(screen.getByRole('checkbox', { name: /work/ })).toBeTruthy()
  })
})
