import { describe, expect, it } from 'vitest'
import type { Related } from '../bindings/Related'
import { groupRelations } from './relations'

const rel = (type: Related['type'], key: string): Related => ({ type, key, kind: null, title: null, missing: false })

describe('relations on an entity page', () => {
  it('groups by type in reading order, each group sorted', () => {
    const groups = groupRelations([
      rel('dependsOn', 'component:default/zeta'),
      rel('ownedBy', 'group:default/team-a'),
      rel('dependsOn', 'component:default/alpha'),
      rel('providesApi', 'api:default/orders'),
    ])
    expect(groups.map((g) => g.label)).toEqual(['Owned by', 'Provides APIs', 'Depends on'])
    expect(groups[2].items.map((r) => r.key)).toEqual(['component:default/alpha', 'component:default/zeta'])
  })
})
