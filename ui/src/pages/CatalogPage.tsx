import { keepPreviousData, useQuery } from '@tanstack/react-query'
import { useCallback, useEffect, useMemo, useRef, useState } from 'react'
import { useSearchParams } from 'react-router'
import { api } from '../api'
import type { EntityQuery } from '../bindings/EntityQuery'
import { CatalogTable } from '../components/CatalogTable'
import { FacetPanel } from '../components/Facets'
import { FirstRun } from '../components/FirstRun'
import { firstRunBusy } from '../lib/flag'
import { scriptStarted } from '../lib/startup'
import {
  type FilterField,
  emptyQuery,
  isFiltered,
  paramsFromQuery,
  queryFromParams,
  sortBy,
  toggleValue,
} from '../lib/catalogQuery'

/** Typing waits this long before the list is asked again. */
const TYPING_PAUSE_MS = 120

/** The catalog: filters with counts, and every matching entity in a table. */
export function CatalogPage() {
  performance.mark('catalog-render')
  const [params, setParams] = useSearchParams()
  const query = useMemo(() => queryFromParams(params), [params])
  const viewKey = params.toString()
  const sources = useQuery({ queryKey: ['sources'], queryFn: api.sources })
  // The counts wait for the first rows: the table is what a person looks at first.
  const [painted, setPainted] = useState(false)
  const facets = useQuery({
    queryKey: ['facets', JSON.stringify(query)],
    queryFn: () => api.entityFacets(query),
    placeholderData: keepPreviousData,
    enabled: painted,
  })
  const [total, setTotal] = useState<number | null>(null)
  const welcoming = firstRunBusy.use()

  const update = useCallback(
    (next: EntityQuery, replace = false) => setParams(paramsFromQuery(next), { replace }),
    [setParams],
  )
  const onFirstPaint = useCallback((rows: number) => {
    setPainted(true)
    const marks = performance.getEntriesByType('mark').map((m) => `${m.name}=${m.startTime.toFixed(0)}`)
    marks.unshift(`script=${scriptStarted.toFixed(0)}`)
    marks.push(`painted=${performance.now().toFixed(0)}`)
    void api.catalogPainted(rows, marks.join(' ')).catch(() => undefined)
  }, [])

  if (welcoming || (sources.isSuccess && sources.data.length === 0 && !isFiltered(query))) {
    return <FirstRun />
  }
  return (
    <div className="catalog">
      <FacetPanel
        query={query}
        facets={facets.data}
        sources={sources.data}
        onToggle={(field: FilterField, value: string) => update(toggleValue(query, field, value))}
      />
      <div className="catalog-main">
        <div className="toolbar">
          <h1 style={{ marginRight: 8 }}>Catalog</h1>
          <SearchBox value={query.text ?? ''} onChange={(text) => update({ ...query, text: text || null }, true)} />
          <label className="small" style={{ display: 'flex', gap: 6, alignItems: 'center' }}>
            <input
              type="checkbox"
              id="only-errors"
              checked={query.withErrors}
              onChange={(e) => update({ ...query, withErrors: e.target.checked })}
              style={{ accentColor: 'var(--accent)' }}
            />
            Only with errors
          </label>
          {isFiltered(query) && (
            <button className="button small ghost" onClick={() => update({ ...emptyQuery(), sort: query.sort, descending: query.descending })}>
              Clear filters
            </button>
          )}
          {total !== null && <span className="muted small" id="match-count">{total.toLocaleString('en-US')} shown</span>}
        </div>
        <CatalogTable
          query={query}
          viewKey={viewKey}
          onSort={(sort) => update(sortBy(query, sort), true)}
          onTotal={setTotal}
          onFirstPaint={onFirstPaint}
        />
      </div>
    </div>
  )
}

/** The text filter: updates the view after a short pause in typing; `/` focuses it. */
function SearchBox({ value, onChange }: { value: string; onChange: (text: string) => void }) {
  const [text, setText] = useState(value)
  const [shown, setShown] = useState(value)
  const input = useRef<HTMLInputElement>(null)
  const pending = useRef<number | undefined>(undefined)
  // The view changed from elsewhere (Back, Clear filters): show its text.
  if (shown !== value) {
    setShown(value)
    setText(value)
  }
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const target = event.target as HTMLElement
      if (event.key === '/' && !['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName)) {
        event.preventDefault()
        input.current?.focus()
      }
    }
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [])
  return (
    <input
      ref={input}
      type="search"
      id="catalog-filter"
      placeholder="Filter by name, title, description, tags…  ( / )"
      aria-label="Filter the catalog"
      value={text}
      onChange={(e) => {
        const next = e.target.value
        setText(next)
        window.clearTimeout(pending.current)
        pending.current = window.setTimeout(() => onChange(next.trim()), TYPING_PAUSE_MS)
      }}
      onKeyDown={(e) => {
        if (e.key === 'Enter') {
          window.clearTimeout(pending.current)
          onChange(text.trim())
        } else if (e.key === 'ArrowDown') {
          e.preventDefault()
          document.getElementById('catalog-rows')?.focus()
        }
      }}
    />
  )
}
