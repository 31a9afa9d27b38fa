import { keepPreviousData, useQueries } from '@tanstack/react-query'
import { useVirtualizer } from '@tanstack/react-virtual'
import { useEffect, useMemo, useRef, useState } from 'react'
import { useNavigate } from 'react-router'
import { api } from '../api'
import type { EntityQuery } from '../bindings/EntityQuery'
import type { EntitySummary } from '../bindings/EntitySummary'
import type { SortField } from '../bindings/SortField'
import { count } from '../lib/format'
import { entityPath, kindLabel, refName } from '../lib/refs'
import { PAGE_SIZE, pagesFor } from '../lib/paging'
import { recallScroll, rememberScroll } from '../lib/scrollMemory'

const ROW_HEIGHT = 44

const COLUMNS: { label: string; sort?: SortField }[] = [
  { label: 'Name', sort: 'name' },
  { label: 'Kind', sort: 'kind' },
  { label: 'Type', sort: 'type' },
  { label: 'Owner', sort: 'owner' },
  { label: 'System', sort: 'system' },
  { label: 'Lifecycle', sort: 'lifecycle' },
  { label: 'Tags' },
]

interface Props {
  query: EntityQuery
  /** Identifies the view, to remember where it was scrolled to. */
  viewKey: string
  onSort: (sort: SortField) => void
  onTotal?: (total: number) => void
  onFirstPaint?: (rows: number) => void
}

/** The catalog as a virtualised table: only the rows on screen exist in the page. */
export function CatalogTable({ query, viewKey, onSort, onTotal, onFirstPaint }: Props) {
  const navigate = useNavigate()
  const scroller = useRef<HTMLDivElement>(null)
  const [range, setRange] = useState<[number, number]>([0, 30])
  const [selected, setSelected] = useState(0)
  const baseKey = useMemo(() => JSON.stringify({ ...query, offset: 0, limit: null }), [query])

  const pages = pagesFor(range[0], range[1])
  if (!pages.includes(0)) pages.unshift(0) // Page 0 carries the total.
  const results = useQueries({
    queries: pages.map((page) => ({
      queryKey: ['list', baseKey, page],
      queryFn: () => {
        performance.mark(`list-${page}-asked`)
        return api.listEntities({ ...query, offset: page * PAGE_SIZE, limit: PAGE_SIZE }).finally(() => performance.mark(`list-${page}-answered`))
      },
      placeholderData: page === 0 ? keepPreviousData : undefined,
    })),
  })
  const first = results[0]
  const total = first.data?.total ?? 0
  const rowAt = (index: number): EntitySummary | undefined => {
    const page = Math.floor(index / PAGE_SIZE)
    const at = pages.indexOf(page)
    return at >= 0 ? results[at].data?.items[index - page * PAGE_SIZE] : undefined
  }

  const virtualizer = useVirtualizer({
    count: total,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
    initialOffset: () => recallScroll(viewKey),
  })
  const items = virtualizer.getVirtualItems()
  const firstIndex = items[0]?.index ?? 0
  const lastIndex = items[items.length - 1]?.index ?? 0
  useEffect(() => {
    setRange((r) => (r[0] === firstIndex && r[1] === lastIndex ? r : [firstIndex, lastIndex]))
  }, [firstIndex, lastIndex])

  useEffect(() => onTotal?.(total), [total, onTotal])
  const painted = useRef(false)
  useEffect(() => {
    if (painted.current || !first.data) return
    painted.current = true
    requestAnimationFrame(() => onFirstPaint?.(first.data!.items.length))
  }, [first.data, onFirstPaint])

  // A new filter starts at the top; the same view (Back) keeps its place.
  const lastView = useRef(viewKey)
  useEffect(() => {
    if (lastView.current !== viewKey) {
      lastView.current = viewKey
      setSelected(0)
      scroller.current?.scrollTo({ top: recallScroll(viewKey) })
    }
  }, [viewKey])

  const open = (index: number) => {
    const row = rowAt(index)
    if (row) navigate(entityPath(row.key))
  }

  const onKeyDown = (event: React.KeyboardEvent) => {
    const move = (to: number) => {
      event.preventDefault()
      const next = Math.max(0, Math.min(total - 1, to))
      setSelected(next)
      virtualizer.scrollToIndex(next, { align: 'auto' })
    }
    const pageRows = Math.max(1, Math.floor((scroller.current?.clientHeight ?? 400) / ROW_HEIGHT) - 1)
    if (event.key === 'ArrowDown') move(selected + 1)
    else if (event.key === 'ArrowUp') move(selected - 1)
    else if (event.key === 'PageDown') move(selected + pageRows)
    else if (event.key === 'PageUp') move(selected - pageRows)
    else if (event.key === 'Home') move(0)
    else if (event.key === 'End') move(total - 1)
    else if (event.key === 'Enter') {
      event.preventDefault()
      open(selected)
    }
  }

  return (
    <div className="table" role="grid" aria-rowcount={total} aria-label="Entities">
      <div className="table-head" role="row">
        {COLUMNS.map((column) =>
          column.sort ? (
            <button
              key={column.label}
              role="columnheader"
              aria-sort={
                query.sort === column.sort ? (query.descending ? 'descending' : 'ascending') : 'none'
              }
              onClick={() => onSort(column.sort!)}
            >
              {column.label}
              {query.sort === column.sort && <span aria-hidden>{query.descending ? '↓' : '↑'}</span>}
            </button>
          ) : (
            <div key={column.label} role="columnheader" className="static">
              {column.label}
            </div>
          ),
        )}
      </div>
      <div
        className="table-body"
        ref={scroller}
        tabIndex={0}
        id="catalog-rows"
        aria-activedescendant={total > 0 ? `row-${selected}` : undefined}
        onKeyDown={onKeyDown}
        onScroll={(e) => rememberScroll(viewKey, e.currentTarget.scrollTop)}
      >
        {first.isSuccess && total === 0 && (
          <div className="table-empty">No entity matches these filters.</div>
        )}
        {first.isError && <div className="table-empty">The catalog could not be read.</div>}
        <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
          {items.map((item) => {
            const row = rowAt(item.index)
            return (
              <div
                key={item.key}
                id={`row-${item.index}`}
                role="row"
                aria-rowindex={item.index + 1}
                aria-selected={item.index === selected}
                className={`table-row${item.index === selected ? ' selected' : ''}`}
                style={{ transform: `translateY(${item.start}px)` }}
                data-key={row?.key}
                onClick={() => {
                  setSelected(item.index)
                  open(item.index)
                }}
              >
                {row ? <Row row={row} /> : <Placeholder />}
              </div>
            )
          })}
        </div>
      </div>
      <div className="table-foot" aria-live="polite">
        {first.data ? `${count(total)} ${total === 1 ? 'entity' : 'entities'}` : 'Loading…'}
      </div>
    </div>
  )
}

function Row({ row }: { row: EntitySummary }) {
  return (
    <>
      <div className="name" role="gridcell">
        <strong>
          {row.title ?? row.name}
          {row.error_count > 0 && (
            <span className="chip badge-error" style={{ marginLeft: 8 }} title="Its file has errors">
              {row.error_count} {row.error_count === 1 ? 'error' : 'errors'}
            </span>
          )}
        </strong>
        <span>{row.description ?? (row.title ? row.name : '')}</span>
      </div>
      <div role="gridcell" className="kind-cell">
        <span className="kind">{kindLabel(row.kind)}</span>
      </div>
      <div role="gridcell">{row.type ?? ''}</div>
      <div role="gridcell">{row.owner ? refName(row.owner) : ''}</div>
      <div role="gridcell">{row.system ? refName(row.system) : ''}</div>
      <div role="gridcell">{row.lifecycle ?? ''}</div>
      <div role="gridcell" className="muted small">
        {row.tags.join(', ')}
      </div>
    </>
  )
}

function Placeholder() {
  return (
    <>
      {COLUMNS.map((c) => (
        <div key={c.label}>
          <div className="skeleton" />
        </div>
      ))}
    </>
  )
}
