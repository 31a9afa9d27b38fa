import { useQuery } from '@tanstack/react-query'
import { useMemo, useState } from 'react'
import { Link, useSearchParams } from 'react-router'
import { errorMessage } from '../api'
import { createApi } from '../createApi'
import { matchesTemplate, wizardPath } from '../lib/templateForm'
import '../create.css'

/** Create: the templates to start a project from, with search and tags. */
export function CreatePage() {
  const list = useQuery({ queryKey: ['templates'], queryFn: createApi.templates })
  const [params, setParams] = useSearchParams()
  // What is typed lives here; the address follows it (so Back returns to the same list).
  const [text, setText] = useState(params.get('q') ?? '')
  const tag = params.get('tag')
  const templates = useMemo(() => list.data?.templates ?? [], [list.data])
  const tags = useMemo(() => {
    const counts = new Map<string, number>()
    for (const t of templates) for (const name of t.tags) counts.set(name, (counts.get(name) ?? 0) + 1)
    return [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
  }, [templates])
  const shown = templates.filter((t) => matchesTemplate(t, text, tag))
  const update = (next: { q?: string; tag?: string | null }) => {
    if (next.q !== undefined) setText(next.q)
    const merged = { q: next.q ?? text, tag: next.tag === undefined ? tag : next.tag }
    const out: Record<string, string> = {}
    if (merged.q) out.q = merged.q
    if (merged.tag) out.tag = merged.tag
    setParams(out, { replace: true })
  }
  return (
    <div className="page" id="create-page">
      <header className="page-head">
        <h1>Create</h1>
        <p className="muted">Start a project from a template: the files are generated on this machine, and the new entity joins the catalog.</p>
      </header>
      <div className="create-filters">
        <input
          type="search"
          id="template-filter"
          placeholder="Filter templates"
          value={text}
          onChange={(e) => update({ q: e.target.value })}
        />
        <div className="link-list" aria-label="Tags">
          {tags.map(([name, n]) => (
            <button
              key={name}
              className={`chip tag-chip${tag === name ? ' selected' : ''}`}
              data-tag={name}
              aria-pressed={tag === name}
              onClick={() => update({ tag: tag === name ? null : name })}
            >
              #{name} <span className="muted">{n}</span>
            </button>
          ))}
        </div>
      </div>
      {list.isError && <div className="notice error">{errorMessage(list.error)}</div>}
      {!list.data && !list.isError && <div className="muted">Loading the templates…</div>}
      {list.data && shown.length === 0 && <div className="notice">No template matches.</div>}
      <div className="template-grid">
        {shown.map((t) => (
          <article key={t.entityRef} className="card template-card" data-ref={t.entityRef}>
            <div className="template-card-head">
              <span className="kind">{t.templateType ?? 'template'}</span>
              <span className="muted small">{t.source.kind === 'builtin' ? 'Built in' : 'From the catalog'}</span>
            </div>
            <h2>{t.title}</h2>
            {t.description && <p className="muted">{t.description}</p>}
            <div className="link-list">
              {t.tags.map((name) => (
                <span key={name} className="chip">#{name}</span>
              ))}
            </div>
            <div className="template-card-foot">
              {t.owner && <span className="muted small">Owner: {t.owner}</span>}
              <Link className="button primary" to={wizardPath(t.entityRef)} data-choose={t.entityRef}>
                Choose
              </Link>
            </div>
          </article>
        ))}
      </div>
      {list.data && list.data.problems.length > 0 && (
        <details className="notice warning" style={{ marginTop: 16 }}>
          <summary>{list.data.problems.length} template files could not be loaded</summary>
          <ul>
            {list.data.problems.map((p, i) => (
              <li key={i} className="mono small">{p}</li>
            ))}
          </ul>
        </details>
      )}
    </div>
  )
}
