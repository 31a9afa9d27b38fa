import { useQuery } from '@tanstack/react-query'
import {
  Background,
  Controls,
  type Edge,
  Handle,
  MarkerType,
  type Node,
  type NodeProps,
  Position,
  ReactFlow,
} from '@xyflow/react'
import '@xyflow/react/dist/style.css'
import { useMemo, useState } from 'react'
import { useNavigate } from 'react-router'
import { api, errorMessage } from '../api'
import { NODE_HEIGHT, NODE_WIDTH, layoutGraph } from '../lib/graphLayout'
import { entityPath, kindLabel, shortRef } from '../lib/refs'

type EntityNodeData = { kind: string | null; title: string | null; entityRef: string; missing: boolean; root: boolean }

function EntityNode({ data }: NodeProps<Node<EntityNodeData>>) {
  return (
    <div
      className={`graph-node${data.root ? ' root' : ''}${data.missing ? ' missing' : ''}`}
      title={data.missing ? `${data.entityRef} is not in the catalog` : data.entityRef}
      data-ref={data.entityRef}
    >
      <Handle type="target" position={Position.Left} style={{ opacity: 0 }} />
      {data.kind && <div className="kind">{kindLabel(data.kind)}</div>}
      <strong>{data.title ?? shortRef(data.entityRef, data.kind ?? undefined)}</strong>
      <Handle type="source" position={Position.Right} style={{ opacity: 0 }} />
    </div>
  )
}

const nodeTypes = { entity: EntityNode }
/** Up to this many entities, the graph is fitted to the view. */
const SHOWN_WHOLE = 14

/** The entity's neighbourhood: drag to pan, scroll to zoom, click an entity to open it. */
export default function RelationsGraph({ entityRef }: { entityRef: string }) {
  const [depth, setDepth] = useState(1)
  const navigate = useNavigate()
  const graph = useQuery({
    queryKey: ['graph', entityRef, depth],
    queryFn: () => api.entityGraph(entityRef, depth),
  })
  const flow = useMemo(() => {
    if (!graph.data) return null
    const { nodes, edges } = layoutGraph(graph.data)
    return {
      root: nodes.find((n) => n.root),
      nodes: nodes.map(
        (n): Node<EntityNodeData> => ({
          id: n.id,
          type: 'entity',
          position: { x: n.x, y: n.y },
          data: { kind: n.kind, title: n.title, entityRef: n.id, missing: n.missing, root: n.root },
          connectable: false,
          draggable: false,
        }),
      ),
      edges: edges.map(
        (e): Edge => ({
          id: e.id,
          source: e.source,
          target: e.target,
          label: e.label,
          markerEnd: { type: MarkerType.ArrowClosed, width: 16, height: 16 },
          style: { stroke: 'var(--muted)' },
        }),
      ),
    }
  }, [graph.data])

  return (
    <section className="card" aria-label="Relations graph">
      <div style={{ display: 'flex', justifyContent: 'space-between', alignItems: 'center', marginBottom: 10 }}>
        <h2>Relations graph</h2>
        <label className="small">
          Depth{' '}
          <select value={depth} onChange={(e) => setDepth(Number(e.target.value))} id="graph-depth">
            {[1, 2, 3, 4].map((d) => (
              <option key={d} value={d}>
                {d} {d === 1 ? 'relation' : 'relations'}
              </option>
            ))}
          </select>
        </label>
      </div>
      {graph.isError && <div className="notice error">{errorMessage(graph.error)}</div>}
      {graph.data?.truncated && (
        <p className="small muted">The neighbourhood is large: only the nearest {graph.data.nodes.length} entities are shown.</p>
      )}
      <div className="graph" id="relations-graph">
        {flow && (
          <ReactFlow
            key={`${entityRef}-${depth}`}
            nodes={flow.nodes}
            edges={flow.edges}
            nodeTypes={nodeTypes}
            // A small neighbourhood is shown whole; a large one stays readable, centred on
            // the entity, with the rest a pan or a zoom away.
            fitView={flow.nodes.length <= SHOWN_WHOLE}
            fitViewOptions={{ padding: 0.15, maxZoom: 1.2 }}
            onInit={(instance) => {
              if (flow.nodes.length > SHOWN_WHOLE && flow.root) {
                void instance.setCenter(flow.root.x + NODE_WIDTH / 2, flow.root.y + NODE_HEIGHT / 2, { zoom: 0.85 })
              }
            }}
            minZoom={0.1}
            nodesConnectable={false}
            proOptions={{ hideAttribution: true }}
            onNodeClick={(_, node) => {
              if (!node.data.missing && !node.data.root) navigate(entityPath(node.id))
            }}
          >
            <Background gap={24} size={1} />
            <Controls showInteractive={false} />
          </ReactFlow>
        )}
      </div>
    </section>
  )
}
