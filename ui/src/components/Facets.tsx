import { useState } from 'react'
import type { EntityQuery } from '../bindings/EntityQuery'
import type { FacetCount } from '../bindings/FacetCount'
import type { Facets } from '../bindings/Facets'
import type { SourceRecord } from '../bindings/SourceRecord'
import { FILTERS, type FilterField } from '../lib/catalogQuery'
import { count } from '../lib/format'
import { kindLabel, refName } from '../lib/refs'

/** How many choices a filter shows before "Show all". */
const FOLDED = 8

interface Props {
  query: EntityQuery
  facets: Facets | undefined
  sources: SourceRecord[] | undefined
  onToggle: (field: FilterField, value: string) => void
}

/** The filter panel: each filter's choices with how many entities have them. */
export function FacetPanel({ query, facets, sources, onToggle }: Props) {
  if (!facets) return <aside className="facets" aria-label="Filters" />
  const sourceName = (id: string) => sources?.find((s) => String(s.id) === id)?.name ?? `source ${id}`
  return (
    <aside className="facets" aria-label="Filters">
      {FILTERS.map((filter) => (
        <FacetGroup
          key={filter.field}
          label={filter.label}
          field={filter.field}
          counts={facets[filter.field]}
          selected={query[filter.field]}
          display={
            filter.field === 'kinds'
              ? kindLabel
              : filter.field === 'owners' || filter.field === 'systems'
                ? refName
                : (v) => v
          }
          onToggle={onToggle}
        />
      ))}
      <FacetGroup
        label="Source"
        field="sources"
        counts={facets.sources}
        selected={query.sources.map(String)}
        display={sourceName}
        onToggle={onToggle}
      />
    </aside>
  )
}

interface GroupProps {
  label: string
  field: FilterField
  counts: FacetCount[]
  selected: string[]
  display: (value: string) => string
  onToggle: (field: FilterField, value: string) => void
}

function FacetGroup({ label, field, counts, selected, display, onToggle }: GroupProps) {
  const [unfolded, setUnfolded] = useState(false)
  const isSelected = (value: string) => selected.some((s) => s.toLowerCase() === value.toLowerCase())
  // Selected values stay visible even when they are past the fold or count nothing now.
  const missing = selected
    .filter((s) => !counts.some((c) => c.value.toLowerCase() === s.toLowerCase()))
    .map((value) => ({ value, count: 0 }))
  const all = [...counts, ...missing]
  if (all.length === 0) return null
  const shown = unfolded ? all : all.filter((c, i) => i < FOLDED || isSelected(c.value))
  return (
    <section className="facet" aria-label={label} data-facet={field}>
      <h3>{label}</h3>
      {shown.map((c) => {
        const checked = isSelected(c.value)
        return (
          <button
            key={c.value}
            className={`facet-option${checked ? ' checked' : ''}`}
            role="checkbox"
            aria-checked={checked}
            data-value={c.value}
            onClick={() => onToggle(field, c.value)}
            title={c.value}
          >
            <input type="checkbox" checked={checked} readOnly tabIndex={-1} aria-hidden />
            <span className="label">{display(c.value)}</span>
            <span className="count">{count(c.count)}</span>
          </button>
        )
      })}
      {all.length > FOLDED && (
        <button className="link-button" onClick={() => setUnfolded(!unfolded)}>
          {unfolded ? 'Show fewer' : `Show all ${all.length}`}
        </button>
      )}
    </section>
  )
}
