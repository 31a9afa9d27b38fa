// The catalog view lives in the URL (`#/?kind=component&owner=...`), so Back returns to
// the same filters and sort, and a view can be bookmarked or shared.
import type { EntityQuery } from '../bindings/EntityQuery'
import type { SortField } from '../bindings/SortField'

/** The list filters a person can set, by URL parameter. */
export const FILTERS = [
  { param: 'kind', field: 'kinds', label: 'Kind' },
  { param: 'type', field: 'types', label: 'Type' },
  { param: 'owner', field: 'owners', label: 'Owner' },
  { param: 'lifecycle', field: 'lifecycles', label: 'Lifecycle' },
  { param: 'system', field: 'systems', label: 'System' },
  { param: 'namespace', field: 'namespaces', label: 'Namespace' },
  { param: 'tag', field: 'tags', label: 'Tag' },
] as const

export type FilterField = (typeof FILTERS)[number]['field'] | 'sources'

const SORTS: SortField[] = ['name', 'kind', 'type', 'owner', 'lifecycle', 'system', 'title']

/** An empty query: everything, by name. */
export function emptyQuery(): EntityQuery {
  return {
    kinds: [],
    types: [],
    owners: [],
    lifecycles: [],
    systems: [],
    namespaces: [],
    tags: [],
    sources: [],
    text: null,
    withErrors: false,
    sort: 'name',
    descending: false,
    offset: 0,
    limit: null,
  }
}

/** The query a URL's parameters describe; unknown or malformed values are ignored. */
export function queryFromParams(params: URLSearchParams): EntityQuery {
  const query = emptyQuery()
  for (const filter of FILTERS) {
    query[filter.field] = params.getAll(filter.param).filter((v) => v.length > 0)
  }
  query.sources = params
    .getAll('source')
    .map(Number)
    .filter((n) => Number.isInteger(n))
  const text = params.get('q')?.trim()
  query.text = text ? text : null
  query.withErrors = params.get('errors') === '1'
  const sort = params.get('sort') as SortField | null
  if (sort && SORTS.includes(sort)) query.sort = sort
  query.descending = params.get('desc') === '1'
  return query
}

/** The URL parameters of a query, in a stable order. */
export function paramsFromQuery(query: EntityQuery): URLSearchParams {
  const params = new URLSearchParams()
  for (const filter of FILTERS) {
    for (const value of query[filter.field]) params.append(filter.param, value)
  }
  for (const source of query.sources) params.append('source', String(source))
  if (query.text) params.set('q', query.text)
  if (query.withErrors) params.set('errors', '1')
  if (query.sort !== 'name') params.set('sort', query.sort)
  if (query.descending) params.set('desc', '1')
  return params
}

/** The query with one filter value switched on or off. */
export function toggleValue(query: EntityQuery, field: FilterField, value: string): EntityQuery {
  if (field === 'sources') {
    const id = Number(value)
    const has = query.sources.includes(id)
    return { ...query, sources: has ? query.sources.filter((s) => s !== id) : [...query.sources, id] }
  }
  const values = query[field]
  const has = values.some((v) => v.toLowerCase() === value.toLowerCase())
  return {
    ...query,
    [field]: has ? values.filter((v) => v.toLowerCase() !== value.toLowerCase()) : [...values, value],
  }
}

/** Whether any filter (not the sort) is set. */
export function isFiltered(query: EntityQuery): boolean {
  return (
    FILTERS.some((f) => query[f.field].length > 0) ||
    query.sources.length > 0 ||
    query.text !== null ||
    query.withErrors
  )
}

/** Sorting by a column: the same column again flips the direction. */
export function sortBy(query: EntityQuery, sort: SortField): EntityQuery {
  if (query.sort === sort) return { ...query, descending: !query.descending }
  return { ...query, sort, descending: false }
}
