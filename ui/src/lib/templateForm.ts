// What the template wizard does with a template's form, apart from drawing it: which catalog
// entities a picker offers (Backstage's `catalogFilter`), the refs it writes, RepoUrlPicker's
// `host?owner=o&repo=r` value and the local folder it becomes, secrets kept apart from the
// answers, and the answers as the review page lists them.
import type { EntityQuery } from '../bindings/EntityQuery'
import type { EntitySummary } from '../bindings/EntitySummary'
import type { FormField } from '../bindings/FormField'
import type { FormPage } from '../bindings/FormPage'

/** The answers of a form: JSON, keyed by property. */
export type Values = Record<string, unknown>

/** The widget names the wizard registers for Backstage's field extensions. */
export const PICKER_WIDGETS = {
  ownerPicker: 'OwnerPicker',
  entityPicker: 'EntityPicker',
  ownedEntityPicker: 'EntityPicker',
  myGroupsPicker: 'OwnerPicker',
  entityNamePicker: 'EntityNamePicker',
  entityTagsPicker: 'EntityTagsPicker',
  multiEntityPicker: 'MultiEntityPicker',
  repoUrlPicker: 'RepoUrlPicker',
  repoBranchPicker: 'text',
  password: 'password',
  secret: 'password',
} as const

function widgetOf(field: FormField): string {
  return field.widget.kind === 'other' ? 'text' : PICKER_WIDGETS[field.widget.kind]
}

/** The page's uiSchema with each field extension turned into one of the wizard's widgets
 * (RJSF widgets get the label, description and errors of a normal field). */
export function uiSchemaWithWidgets(page: FormPage): Record<string, unknown> {
  const ui = structuredClone((page.uiSchema ?? {}) as Record<string, unknown>)
  for (const field of page.fields) {
    let node = ui
    for (const part of field.path) {
      const next = node[part]
      node[part] = typeof next === 'object' && next !== null ? next : {}
      node = node[part] as Record<string, unknown>
    }
    delete node['ui:field']
    node['ui:widget'] = widgetOf(field)
  }
  return ui
}

/** One `catalogFilter` object: keys are entity fields, values one or several allowed values. */
type CatalogFilter = Record<string, unknown>

const QUERY_KEYS: Record<string, keyof Pick<EntityQuery, 'kinds' | 'types' | 'lifecycles' | 'owners' | 'namespaces' | 'tags' | 'systems'>> = {
  kind: 'kinds',
  'spec.type': 'types',
  'spec.lifecycle': 'lifecycles',
  'spec.owner': 'owners',
  'spec.system': 'systems',
  'metadata.namespace': 'namespaces',
  'metadata.tags': 'tags',
}

const EMPTY_QUERY: EntityQuery = {
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
  limit: 500,
}

/** The catalog queries a picker's options come from: one per filter of `catalogFilter`
 * (several filters are alternatives), or the picker's default kinds. Keys the local
 * catalog cannot filter on are ignored, so a picker offers more rather than nothing. */
export function pickerQueries(options: Record<string, unknown>, defaultKinds: string[]): EntityQuery[] {
  const raw = options.catalogFilter
  const filters: CatalogFilter[] = Array.isArray(raw)
    ? (raw.filter((f) => typeof f === 'object' && f !== null) as CatalogFilter[])
    : typeof raw === 'object' && raw !== null
      ? [raw as CatalogFilter]
      : []
  // Older templates name kinds with `allowedKinds`.
  const allowed = Array.isArray(options.allowedKinds) ? (options.allowedKinds as unknown[]).map(String) : null
  if (filters.length === 0) {
    return [{ ...EMPTY_QUERY, kinds: (allowed ?? defaultKinds).map((k) => k.toLowerCase()) }]
  }
  return filters.map((filter) => {
    const query: EntityQuery = { ...EMPTY_QUERY, kinds: [], types: [], owners: [], lifecycles: [], systems: [], namespaces: [], tags: [] }
    for (const [key, value] of Object.entries(filter)) {
      const target = QUERY_KEYS[key]
      if (!target) continue
      const values = (Array.isArray(value) ? value : [value]).filter((v) => typeof v === 'string') as string[]
      const lower = target === 'tags' || target === 'namespaces' ? values : values.map((v) => v.toLowerCase())
      query[target] = target === 'owners' || target === 'systems' ? lower.map((v) => (v.includes(':') ? v : `${target === 'owners' ? 'group' : 'system'}:default/${v}`)) : lower
    }
    if (query.kinds.length === 0 && allowed) query.kinds = allowed.map((k) => k.toLowerCase())
    return query
  })
}

/** The ref a picker writes, as Backstage's pickers do (`stringifyEntityRef`): lower-case kind. */
export function refOf(entity: Pick<EntitySummary, 'kind' | 'namespace' | 'name'>): string {
  return `${entity.kind.toLowerCase()}:${entity.namespace}/${entity.name}`
}

/** A ref typed by hand, completed with the picker's default kind and namespace. */
export function completeRef(text: string, defaultKind: string | undefined, defaultNamespace = 'default'): string {
  const typed = text.trim()
  if (!typed) return ''
  const colon = typed.indexOf(':')
  const kind = colon >= 0 ? typed.slice(0, colon) : defaultKind
  const rest = colon >= 0 ? typed.slice(colon + 1) : typed
  const slash = rest.indexOf('/')
  const namespace = slash >= 0 ? rest.slice(0, slash) : defaultNamespace
  const name = slash >= 0 ? rest.slice(slash + 1) : rest
  return kind ? `${kind.toLowerCase()}:${namespace}/${name}` : `${namespace}/${name}`
}

/** A RepoUrlPicker value: `github.com?owner=acme&repo=orders`. */
export interface RepoUrl {
  host: string
  owner: string
  repo: string
  /** Other parameters some hosts use (organization, workspace, project). */
  extra: Record<string, string>
}

/** Reads a RepoUrlPicker value (Backstage's `parseRepoPickerUrl`). */
export function parseRepoUrl(value: unknown): RepoUrl {
  const text = typeof value === 'string' ? value : ''
  const question = text.indexOf('?')
  const host = question >= 0 ? text.slice(0, question) : text
  const params = new URLSearchParams(question >= 0 ? text.slice(question + 1) : '')
  const extra: Record<string, string> = {}
  params.forEach((v, k) => {
    if (k !== 'owner' && k !== 'repo') extra[k] = v
  })
  return { host, owner: params.get('owner') ?? '', repo: params.get('repo') ?? '', extra }
}

/** Writes a RepoUrlPicker value (Backstage's `serializeRepoPickerUrl`). */
export function formatRepoUrl(repo: RepoUrl): string {
  const params = new URLSearchParams()
  for (const [k, v] of Object.entries(repo.extra)) if (v) params.set(k, v)
  if (repo.owner) params.set('owner', repo.owner)
  if (repo.repo) params.set('repo', repo.repo)
  return `${repo.host}?${params.toString()}`
}

/** The remote a publish step would set for a RepoUrlPicker value, as people read it. */
export function remoteOf(value: unknown): string | null {
  const { host, owner, repo } = parseRepoUrl(value)
  if (!host || !repo) return null
  return `https://${host}/${owner ? `${owner}/` : ''}${repo}`
}

/** Gets the value at a property path. */
export function valueAt(values: Values, path: string[]): unknown {
  return path.reduce<unknown>((node, key) => (typeof node === 'object' && node !== null ? (node as Values)[key] : undefined), values)
}

/** The folder a project is created in: the repository's name (RepoUrlPicker), else the
 * `name` answer, else the template's name, under `parent`. */
export function targetFolder(parent: string, pages: FormPage[], values: Values, fallback: string): string {
  const repoField = pages.flatMap((p) => p.fields).find((f) => f.widget.kind === 'repoUrlPicker')
  const fromRepo = repoField ? parseRepoUrl(valueAt(values, repoField.path)).repo : ''
  const fromName = typeof values.name === 'string' ? values.name : ''
  const leaf = (fromRepo || fromName || fallback).replace(/[\\/]+/g, '-').replace(/^\.+/, '')
  const base = parent.replace(/[\\/]+$/, '')
  return base ? `${base}/${leaf}` : leaf
}

/** Splits the answers: `ui:field: Secret` values go to the run's secrets, never into the
 * parameters (as in Backstage); `ui:widget: password` values stay in the parameters. */
export function splitSecrets(pages: FormPage[], values: Values): { parameters: Values; secrets: Values } {
  const parameters = structuredClone(values)
  const secrets: Values = {}
  for (const field of pages.flatMap((p) => p.fields)) {
    if (field.widget.kind !== 'secret') continue
    const parentPath = field.path.slice(0, -1)
    const last = field.path[field.path.length - 1]
    const parent = valueAt(parameters, parentPath)
    if (typeof parent === 'object' && parent !== null && last in (parent as Values)) {
      secrets[field.path.join('.')] = (parent as Values)[last]
      delete (parent as Values)[last]
    }
  }
  return { parameters, secrets }
}

/** One answer as the review page shows it. */
export interface ReviewRow {
  page: string
  label: string
  value: string
}

/** The answers, page by page, with titles from the schema and secrets masked. */
export function reviewRows(pages: FormPage[], values: Values): ReviewRow[] {
  const rows: ReviewRow[] = []
  const secret = new Set(pages.flatMap((p) => p.fields.filter((f) => f.secret).map((f) => f.path.join('.'))))
  pages.forEach((page, index) => {
    const properties = ((page.schema as { properties?: Record<string, { title?: string }> }).properties ?? {})
    for (const [name, schema] of Object.entries(properties)) {
      const value = values[name]
      if (value === undefined || value === '') continue
      rows.push({
        page: page.title ?? `Page ${index + 1}`,
        label: schema?.title ?? name,
        value: secret.has(name) ? '••••••' : display(value),
      })
    }
  })
  return rows
}

function display(value: unknown): string {
  if (typeof value === 'string') return value
  if (Array.isArray(value) && value.every((v) => typeof v !== 'object')) return value.join(', ')
  return JSON.stringify(value)
}

/** The route of a template's wizard. */
export function wizardPath(entityRef: string): string {
  const colon = entityRef.indexOf(':')
  const rest = colon >= 0 ? entityRef.slice(colon + 1) : entityRef
  const slash = rest.indexOf('/')
  const namespace = slash >= 0 ? rest.slice(0, slash) : 'default'
  const name = slash >= 0 ? rest.slice(slash + 1) : rest
  return `/create/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}`
}

/** Whether a template matches the typed words (each in its title, name, description, type
 * or tags) and the chosen tag. */
export function matchesTemplate(
  template: { title: string; name: string; description?: string; templateType?: string; tags: string[] },
  text: string,
  tag: string | null,
): boolean {
  if (tag && !template.tags.includes(tag)) return false
  const haystack = [template.title, template.name, template.description ?? '', template.templateType ?? '', ...template.tags]
    .join(' ')
    .toLowerCase()
  return text
    .toLowerCase()
    .split(/\s+/)
    .filter(Boolean)
    .every((word) => haystack.includes(word))
}
