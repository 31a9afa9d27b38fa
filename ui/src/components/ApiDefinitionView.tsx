import { useQuery } from '@tanstack/react-query'
import { Suspense, lazy, useState } from 'react'
import { api, errorMessage } from '../api'
import type { ApiDefinition } from '../bindings/ApiDefinition'
import { asyncApiOutline, graphqlOutline } from '../lib/apiOutline'
import { CodeBlock } from './CodeBlock'

const OpenApiView = lazy(() => import('./OpenApiView'))

/** An API's definition, rendered offline: OpenAPI with Swagger UI (no calls are made),
 * AsyncAPI and GraphQL as an outline over their highlighted source. */
export default function ApiDefinitionView({ entityRef }: { entityRef: string }) {
  const definition = useQuery({
    queryKey: ['definition', entityRef],
    queryFn: () => api.apiDefinition(entityRef),
  })
  const [raw, setRaw] = useState(false)
  if (definition.isError) return <div className="notice error">{errorMessage(definition.error)}</div>
  const data = definition.data
  if (!data) return <div className="muted">Loading…</div>
  const rendered = renderable(data)
  return (
    <div className="grid" id="api-definition" data-api-type={data.apiType}>
      {data.problems.length > 0 && (
        <div className="notice warning" role="alert">
          {data.problems.map((p) => (
            <div key={p}>{p}</div>
          ))}
        </div>
      )}
      <div style={{ display: 'flex', gap: 10, alignItems: 'center' }}>
        <span className="chip">{data.apiType || 'definition'}</span>
        {data.file && <span className="mono small muted">{data.file}</span>}
        {data.referencedFiles.length > 0 && (
          <span className="small muted" title={data.referencedFiles.join('\n')}>
            + {data.referencedFiles.length} referenced {data.referencedFiles.length === 1 ? 'file' : 'files'}
          </span>
        )}
        {rendered && (
          <button className="button small" style={{ marginLeft: 'auto' }} onClick={() => setRaw(!raw)}>
            {raw ? 'Show rendered' : 'Show source'}
          </button>
        )}
      </div>
      {rendered && !raw ? rendered : <Source data={data} />}
    </div>
  )
}

function renderable(data: ApiDefinition) {
  const type = data.apiType.toLowerCase()
  if (type === 'openapi' && data.document) {
    return (
      <Suspense fallback={<div className="muted">Loading the renderer…</div>}>
        <div className="openapi card">
          <OpenApiView document={data.document as object} />
        </div>
      </Suspense>
    )
  }
  if (type === 'asyncapi' && data.document) {
    const outline = asyncApiOutline(data.document)
    return (
      <section className="card" id="asyncapi-outline">
        <h2>
          {outline.title} {outline.version && <span className="muted small">v{outline.version}</span>}
        </h2>
        {outline.description && <p>{outline.description}</p>}
        {outline.channels.map((c) => (
          <div key={c.name} className="problem">
            <div className="mono">{c.name}</div>
            {c.operations.map((op) => (
              <div key={op.action + op.message} className="small">
                <span className="chip">{op.action}</span> {op.message}
                {op.summary ? <span className="muted"> — {op.summary}</span> : null}
              </div>
            ))}
          </div>
        ))}
      </section>
    )
  }
  if (type === 'graphql') {
    const outline = graphqlOutline(data.text)
    if (!outline) return null
    return (
      <section className="card" id="graphql-outline">
        <h2>Schema</h2>
        {outline.map((t) => (
          <div key={t.name} className="problem">
            <span className="chip">{t.kind}</span> <strong className="mono">{t.name}</strong>
            {t.fields.length > 0 && <div className="mono small muted">{t.fields.join(', ')}</div>}
          </div>
        ))}
      </section>
    )
  }
  return null
}

function Source({ data }: { data: ApiDefinition }) {
  const language =
    data.language === 'graphql'
      ? 'graphql'
      : data.language === 'json'
        ? 'json'
        : data.language === 'yaml'
          ? 'yaml'
          : data.apiType.toLowerCase() === 'grpc'
            ? 'protobuf'
            : 'text'
  return (
    <section className="card">
      <CodeBlock text={data.text} language={language} id="definition-source" />
    </section>
  )
}
