import { describe, expect, it } from 'vitest'
import type { Graph } from '../bindings/Graph'
import { NODE_WIDTH, layoutGraph } from './graphLayout'

const graph: Graph = {
  root: 'component:default/orders',
  nodes: [
    { key: 'component:default/orders', kind: 'Component', title: 'Orders', depth: 0, missing: false },
    { key: 'group:default/team-a', kind: 'Group', title: null, depth: 1, missing: false },
    { key: 'component:default/ledger', kind: null, title: null, depth: 1, missing: true },
  ],
  edges: [
    { source: 'component:default/orders', type: 'ownedBy', target: 'group:default/team-a' },
    { source: 'component:default/orders', type: 'dependsOn', target: 'component:default/ledger' },
  ],
  truncated: false,
}

describe('the relations graph layout', () => {
  it('places every entity left to right, relations labelled as people read them', () => {
    const { nodes, edges } = layoutGraph(graph)
    expect(nodes.map((n) => n.id)).toEqual(graph.nodes.map((n) => n.key))
    const [root, team, ledger] = nodes
    expect(root.root).toBe(true)
    expect(team.x).toBeGreaterThanOrEqual(root.x + NODE_WIDTH)
    expect(ledger.x).toBe(team.x)
    expect(ledger.y).not.toBe(team.y)
    expect(ledger.missing).toBe(true)
    expect(edges.map((e) => e.label)).toEqual(['owned by', 'depends on'])
    expect(new Set(edges.map((e) => e.id)).size).toBe(2)
  })
})
