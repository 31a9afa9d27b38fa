import { describe, expect, it } from 'vitest'
import { entityPath, kindLabel, parseRef, refFromRoute, shortRef } from './refs'

describe('entity refs', () => {
  it('splits canonical refs and fills in the default namespace', () => {
    expect(parseRef('component:default/orders')).toEqual({ kind: 'component', namespace: 'default', name: 'orders' })
    expect(parseRef('group:ops/sre')).toEqual({ kind: 'group', namespace: 'ops', name: 'sre' })
    expect(parseRef('orders')).toEqual({ kind: '', namespace: 'default', name: 'orders' })
  })

  it('round-trips through the route', () => {
    const path = entityPath('api:default/pay ments')
    expect(path).toBe('/entity/api/default/pay%20ments')
    const [, , kind, namespace, name] = path.split('/').map(decodeURIComponent)
    expect(refFromRoute(kind, namespace, name)).toBe('api:default/pay ments')
  })

  it('shortens refs for people', () => {
    expect(shortRef('group:default/team-a', 'group')).toBe('team-a')
    expect(shortRef('group:default/team-a')).toBe('group:team-a')
    expect(shortRef('user:ops/ada', 'user')).toBe('ops/ada')
    expect(kindLabel('api')).toBe('API')
    expect(kindLabel('component')).toBe('Component')
  })
})
