import { useQuery } from '@tanstack/react-query'
import { Suspense, lazy, useEffect, useState } from 'react'
import { Link, useNavigate, useParams, useSearchParams } from 'react-router'
import { api, errorMessage } from '../api'
import type { EntityDetails } from '../bindings/EntityDetails'
import type { EntitySummary } from '../bindings/EntitySummary'
import type { ProblemRecord } from '../bindings/ProblemRecord'
import { CodeBlock } from '../components/CodeBlock'
import { docsApi } from '../docsApi'
import { snapshotsApi } from '../snapshotsApi'
import { EntityLink } from '../components/EntityLink'
import { copyText } from '../lib/clipboard'
import { groupRelations, relatedOf } from '../lib/relations'
import { entityPath, kindLabel, refFromRoute, refName } from '../lib/refs'

const RelationsGraph = lazy(() => import('../components/RelationsGraph'))
const ApiDefinitionView = lazy(() => import('../components/ApiDefinitionView'))
const DocsTab = lazy(() => import('./DocsTab'))

type Tab = 'overview' | 'docs' | 'graph' | 'definition' | 'yaml'

/** One entity: what it is, who owns it, what it relates to, where it comes from. */
export function EntityPage() {
  const route = useParams()
  const key = refFromRoute(route.kind ?? '', route.namespace ?? '', route.name ?? '')
  return <EntityView key={key} entityRef={key} />
}

function EntityView({ entityRef: key }: { entityRef: string }) {
  const [params, setParams] = useSearchParams()
  const details = useQuery({ queryKey: ['entity', key], queryFn: () => api.getEntity(key) })
  const data = details.data
  const isApi = data?.record.entity.kind.toLowerCase() === 'api'
  const hasDocs = useQuery({ queryKey: ['has-docs', key], queryFn: () => docsApi.hasDocs(key) }).data === true
  const tabs: { id: Tab; label: string }[] = [
    { id: 'overview', label: 'Overview' },
    ...(hasDocs ? [{ id: 'docs' as Tab, label: 'Docs' }] : []),
    { id: 'graph', label: 'Relations graph' },
    ...(isApi ? [{ id: 'definition' as Tab, label: 'Definition' }] : []),
    { id: 'yaml', label: 'YAML' },
  ]
  const requested = (params.get('tab') ?? 'overview') as Tab
  const tab = tabs.some((t) => t.id === requested) ? requested : 'overview'

  useEffect(() => {
    document.getElementById('main')?.scrollTo({ top: 0 })
  }, [])

  if (details.isError) {
    return (
      <div className="page">
        <div className="notice error" role="alert">
          {errorMessage(details.error)}
        </div>
        <p>
          <Link to="/">Back to the catalog</Link>
        </p>
      </div>
    )
  }
  if (!data) return <div className="page muted">Loading…</div>
  const { entity } = data.record
  return (
    <div className="page" id="entity-page" data-ref={key}>
      <Header details={data} />
      <div className="tabs" role="tablist">
        {tabs.map((t) => (
          <button
            key={t.id}
            role="tab"
            className="tab"
            id={`tab-${t.id}`}
            aria-selected={tab === t.id}
            onClick={() => setParams(t.id === 'overview' ? {} : { tab: t.id }, { replace: true })}
          >
            {t.label}
          </button>
        ))}
      </div>
      {tab === 'overview' && <Overview details={data} />}
      {tab === 'docs' && (
        <Suspense fallback={<div className="muted">Loading the docs…</div>}>
          <DocsTab entityRef={key} />
        </Suspense>
      )}
      {tab === 'graph' && (
        <Suspense fallback={<div className="muted">Loading the graph…</div>}>
          <RelationsGraph entityRef={key} />
        </Suspense>
      )}
      {tab === 'definition' && (
        <Suspense fallback={<div className="muted">Loading the definition…</div>}>
          <ApiDefinitionView entityRef={key} />
        </Suspense>
      )}
      {tab === 'yaml' && <YamlTab entityRef={key} problems={data.problems} />}
      <span hidden data-kind={entity.kind} />
    </div>
  )
}

function Header({ details }: { details: EntityDetails }) {
  const { record, files } = details
  const { entity } = record
  const spec = entity.spec ?? {}
  const [toast, setToast] = useState<string | null>(null)
  const flash = (text: string) => {
    setToast(text)
    window.setTimeout(() => setToast(null), 1800)
  }
  const act = (work: Promise<void>) => work.catch((e) => flash(errorMessage(e)))
  return (
    <header className="entity-head">
      <div className="title">
        <div>
          <span className="kind">{kindLabel(entity.kind)}</span>
          {typeof spec.type === 'string' && <span className="chip" style={{ marginLeft: 6 }}>{spec.type}</span>}
          {typeof spec.lifecycle === 'string' && <span className="chip" style={{ marginLeft: 6 }}>{spec.lifecycle}</span>}
        </div>
        <h1 id="entity-title">{entity.metadata.title ?? entity.metadata.name}</h1>
        <div className="muted mono small">{record.key}</div>
        {entity.metadata.tags && entity.metadata.tags.length > 0 && (
          <div className="link-list">
            {entity.metadata.tags.map((tag) => (
              <Link key={tag} className="chip" to={`/?tag=${encodeURIComponent(tag)}`}>
                #{tag}
              </Link>
            ))}
          </div>
        )}
      </div>
      {files && (
        <div className="actions">
          <button className="button" onClick={() => void act(api.openEntityFolder(record.key))}>
            Open folder
          </button>
          <button className="button" onClick={() => void act(api.openEntityFile(record.key))}>
            Open in editor
          </button>
          <button
            className="button"
            id="copy-path"
            onClick={() => void copyText(files.file).then(() => flash('Path copied'), (e) => flash(errorMessage(e)))}
          >
            Copy path
          </button>
        </div>
      )}
      {toast && (
        <div className="toast" role="status">
          {toast}
        </div>
      )}
    </header>
  )
}

function Overview({ details }: { details: EntityDetails }) {
  const { record, relations, problems } = details
  const { entity } = record
  const kind = entity.kind.toLowerCase()
  const spec = (entity.spec ?? {}) as Record<string, unknown>
  const one = (type: Parameters<typeof relatedOf>[1]) => relatedOf(relations, type)
  const owner = one('ownedBy')[0]
  const system = kind !== 'system' && kind !== 'domain' ? one('partOf').find((r) => r.key.startsWith('system:')) : undefined
  const domain = one('partOf').find((r) => r.key.startsWith('domain:'))
  const profile = (spec.profile ?? {}) as { displayName?: string; email?: string }
  return (
    <div className="grid">
      {problems.length > 0 && <Problems problems={problems} />}
      <div className="grid two">
        <section className="card" aria-label="About">
          <h2>About</h2>
          {entity.metadata.description && <p style={{ marginTop: 0 }}>{entity.metadata.description}</p>}
          <dl className="fields">
            {owner && (
              <>
                <dt>Owner</dt>
                <dd><EntityLink entityRef={owner.key} title={owner.title} missing={owner.missing} impliedKind="group" /></dd>
              </>
            )}
            {system && (
              <>
                <dt>System</dt>
                <dd><EntityLink entityRef={system.key} title={system.title} missing={system.missing} impliedKind="system" /></dd>
              </>
            )}
            {domain && (
              <>
                <dt>Domain</dt>
                <dd><EntityLink entityRef={domain.key} title={domain.title} missing={domain.missing} impliedKind="domain" /></dd>
              </>
            )}
            {typeof spec.type === 'string' && (<><dt>Type</dt><dd>{spec.type}</dd></>)}
            {typeof spec.lifecycle === 'string' && (<><dt>Lifecycle</dt><dd>{spec.lifecycle}</dd></>)}
            {profile.displayName && (<><dt>Name</dt><dd>{profile.displayName}</dd></>)}
            {profile.email && (<><dt>Email</dt><dd>{profile.email}</dd></>)}
            <dt>Namespace</dt>
            <dd>{entity.metadata.namespace}</dd>
          </dl>
          {entity.metadata.links && entity.metadata.links.length > 0 && (
            <>
              <h3 style={{ margin: '14px 0 6px' }}>Links</h3>
              <div className="link-list">
                {entity.metadata.links.map((link) => (
                  <button key={link.url} className="button small" title={link.url} onClick={() => void api.openLink(link.url)}>
                    {link.title ?? link.url} ↗
                  </button>
                ))}
              </div>
            </>
          )}
          {Object.keys(entity.metadata.annotations ?? {}).length > 0 && (
            <details style={{ marginTop: 14 }}>
              <summary className="small muted">Annotations ({Object.keys(entity.metadata.annotations ?? {}).length})</summary>
              <dl className="fields small" style={{ marginTop: 8 }}>
                {Object.entries(entity.metadata.annotations ?? {}).map(([k, v]) => (
                  <FragmentPair key={k} term={k} value={v} />
                ))}
              </dl>
            </details>
          )}
        </section>
        <SourceCard details={details} />
      </div>
      {(kind === 'group' || kind === 'user') && <People details={details} />}
      <section className="card" aria-label="Relations" id="relations">
        <h2>Relations</h2>
        {relations.length === 0 && <p className="muted">No relations.</p>}
        <div className="grid two">
          {groupRelations(relations).map((group) => (
            <div key={group.type} className="relation-group" data-relation={group.type}>
              <h3>{group.label}</h3>
              <ul>
                {group.items.map((r) => (
                  <li key={r.key}>
                    {r.kind && <span className="kind">{kindLabel(r.kind)}</span>}
                    <EntityLink entityRef={r.key} title={r.title} missing={r.missing} impliedKind={r.kind ?? undefined} />
                  </li>
                ))}
              </ul>
            </div>
          ))}
        </div>
      </section>
    </div>
  )
}

function FragmentPair({ term, value }: { term: string; value: string }) {
  return (
    <>
      <dt className="mono">{term}</dt>
      <dd className="mono">{value}</dd>
    </>
  )
}

function SourceCard({ details }: { details: EntityDetails }) {
  const { record } = details
  const location = record.location
  return (
    <section className="card" aria-label="Source">
      <h2>Where it comes from</h2>
      <dl className="fields">
        <dt>Source</dt>
        <dd>
          <Link to={`/?source=${record.source_id}`}>{record.source_name}</Link>
        </dd>
        {location && (
          <>
            <dt>Repository</dt>
            <dd className="mono small">{location.repo}</dd>
            <dt>File</dt>
            <dd className="mono small" id="entity-file">
              {location.file}
              {location.line ? `:${location.line}` : ''}
            </dd>
            {location.commit && (
              <>
                <dt>Commit</dt>
                <dd className="mono small" title={location.commit}>
                  {location.commit.slice(0, 12)}
                  {location.branch ? ` on ${location.branch}` : ''}
                </dd>
              </>
            )}
            {location.remote_url && (
              <>
                <dt>Remote</dt>
                <dd className="mono small">{location.remote_url}</dd>
              </>
            )}
          </>
        )}
      </dl>
      {location && record.source_kind === 'snapshot' && <RepositoryHere entityRef={record.key} />}
    </section>
  )
}

/** For an entity from a snapshot: whether its repository is on this machine, and if not,
 * the URL to clone it from. */
function RepositoryHere({ entityRef }: { entityRef: string }) {
  const where = useQuery({ queryKey: ['entity-repository', entityRef], queryFn: () => snapshotsApi.entityRepository(entityRef) })
  const [copied, setCopied] = useState(false)
  const found = where.data
  if (!found || found.kind === 'none') return null
  if (found.kind === 'local') {
    return (
      <div className="notice small" style={{ marginTop: 12 }} id="repository-here">
        A working copy is on this machine: <span className="mono">{found.path}</span>
      </div>
    )
  }
  const command = found.cloneUrl ? `git clone ${found.cloneUrl}` : null
  return (
    <div className="notice warning small" style={{ marginTop: 12 }} id="repository-elsewhere">
      This came in a snapshot: its repository is not on this machine.
      {command ? (
        <div className="row" style={{ display: 'flex', gap: 8, alignItems: 'center', marginTop: 6 }}>
          <code className="mono" id="clone-command">
            {command}
          </code>
          <button
            className="button"
            id="copy-clone-command"
            onClick={() => void copyText(command).then(() => setCopied(true))}
          >
            {copied ? 'Copied' : 'Copy'}
          </button>
        </div>
      ) : (
        <div>The snapshot does not say where to clone it from ({found.repo}).</div>
      )}
    </div>
  )
}

function People({ details }: { details: EntityDetails }) {
  const { relations, owned, record } = details
  const kind = record.entity.kind.toLowerCase()
  const members = relatedOf(relations, 'hasMember')
  const parent = relatedOf(relations, 'childOf')
  const children = relatedOf(relations, 'parentOf')
  const memberOf = relatedOf(relations, 'memberOf')
  const list = (items: typeof members, empty: string, impliedKind: string) =>
    items.length === 0 ? (
      <p className="muted small">{empty}</p>
    ) : (
      <ul className="plain-list">
        {items.map((r) => (
          <li key={r.key}>
            <EntityLink entityRef={r.key} title={r.title} missing={r.missing} impliedKind={impliedKind} />
          </li>
        ))}
      </ul>
    )
  return (
    <div className="grid two">
      {kind === 'group' ? (
        <section className="card" aria-label="Team" id="group-people">
          <h2>Team</h2>
          <h3>Parent</h3>
          {list(parent, 'No parent group.', 'group')}
          <h3 style={{ marginTop: 10 }}>Child groups</h3>
          {list(children, 'No child groups.', 'group')}
          <h3 style={{ marginTop: 10 }}>Members ({members.length})</h3>
          {list(members, 'No members.', 'user')}
        </section>
      ) : (
        <section className="card" aria-label="Groups">
          <h2>Member of</h2>
          {list(memberOf, 'Not a member of any group.', 'group')}
        </section>
      )}
      <OwnedCard owned={owned} kind={kind} self={record.key} />
    </div>
  )
}

function OwnedCard({ owned, kind, self }: { owned: EntitySummary[]; kind: string; self: string }) {
  const navigate = useNavigate()
  return (
    <section className="card" aria-label="Owned" id="owned">
      <h2>Owns ({owned.length})</h2>
      <p className="muted small" style={{ marginTop: -6 }}>
        {kind === 'group'
          ? 'Directly, through child groups, or through members.'
          : 'Directly, or through the groups they belong to.'}
      </p>
      {owned.length === 0 && <p className="muted">Nothing.</p>}
      <ul className="plain-list" style={{ maxHeight: 360, overflow: 'auto' }}>
        {owned.map((e) => (
          <li key={e.key}>
            <span className="kind">{kindLabel(e.kind)}</span>
            <a href={`#${entityPath(e.key)}`} onClick={(ev) => { ev.preventDefault(); navigate(entityPath(e.key)) }}>
              {e.title ?? e.name}
            </a>
            {e.owner && e.owner !== self && <span className="muted small">via {refName(e.owner)}</span>}
          </li>
        ))}
      </ul>
    </section>
  )
}

/** Problems of the entity's file, each with where it is. */
export function Problems({ problems }: { problems: ProblemRecord[] }) {
  const errors = problems.filter((p) => p.severity === 'error').length
  return (
    <section className={`notice ${errors > 0 ? 'error' : 'warning'}`} id="entity-problems" aria-label="Problems">
      <strong>
        {errors > 0
          ? `Its file has ${errors} ${errors === 1 ? 'error' : 'errors'}`
          : `${problems.length} ${problems.length === 1 ? 'warning' : 'warnings'}`}
      </strong>
      {problems.map((p, i) => (
        <div key={i} className="problem">
          <div className="where">
            {p.file ?? ''}
            {p.line ? `:${p.line}` : ''}
            {p.column ? `:${p.column}` : ''}
            {p.field ? ` · ${p.field}` : ''} · {p.code}
          </div>
          <div style={{ color: 'var(--text)' }}>{p.message}</div>
        </div>
      ))}
    </section>
  )
}

function YamlTab({ entityRef, problems }: { entityRef: string; problems: ProblemRecord[] }) {
  const text = useQuery({ queryKey: ['yaml', entityRef], queryFn: () => api.descriptorText(entityRef) })
  if (text.isError) return <div className="notice">{errorMessage(text.error)}</div>
  if (!text.data) return <div className="muted">Loading…</div>
  const marked = problems.flatMap((p) => (p.file === text.data.file && p.line ? [p.line] : []))
  return (
    <section className="card">
      <h2 className="mono small" style={{ fontWeight: 500 }}>{text.data.file}</h2>
      <CodeBlock text={text.data.text} language="yaml" firstLine={text.data.firstLine} marked={marked} id="entity-yaml" />
    </section>
  )
}
