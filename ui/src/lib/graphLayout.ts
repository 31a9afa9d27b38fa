// Lays out an entity's neighbourhood left to right with dagre (as Backstage's catalog
// graph does), for React Flow.
import dagre from '@dagrejs/dagre'
import type { Graph } from '../bindings/Graph'
import { RELATION_LABELS } from './relations'

export const NODE_WIDTH = 200
export const NODE_HEIGHT = 52

/** A positioned node. */
export interface PlacedNode {
  id: string
  x: number
  y: number
  kind: string | null
  title: string | null
  missing: boolean
  root: boolean
}

/** A labelled edge. */
export interface PlacedEdge {
  id: string
  source: string
  target: string
  label: string
}

/** Positions for every node of the graph, and its edges with their labels. */
export function layoutGraph(graph: Graph): { nodes: PlacedNode[]; edges: PlacedEdge[] } {
  const g = new dagre.graphlib.Graph({ multigraph: true })
  g.setGraph({ rankdir: 'LR', nodesep: 18, ranksep: 90, marginx: 20, marginy: 20 })
  g.setDefaultEdgeLabel(() => ({}))
  for (const node of graph.nodes) g.setNode(node.key, { width: NODE_WIDTH, height: NODE_HEIGHT })
  const edges: PlacedEdge[] = graph.edges.map((edge) => ({
    id: `${edge.source}|${edge.type}|${edge.target}`,
    source: edge.source,
    target: edge.target,
    label: RELATION_LABELS[edge.type].toLowerCase(),
  }))
  for (const edge of edges) g.setEdge(edge.source, edge.target, {}, edge.id)
  dagre.layout(g)
  const nodes = graph.nodes.map((node) => {
    const placed = g.node(node.key)
    return {
      id: node.key,
      x: placed.x - NODE_WIDTH / 2,
      y: placed.y - NODE_HEIGHT / 2,
      kind: node.kind,
      title: node.title,
      missing: node.missing,
      root: node.key === graph.root,
    }
  })
  return { nodes, edges }
}
