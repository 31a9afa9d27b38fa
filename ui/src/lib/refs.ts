// Entity references as the catalog writes them: `kind:namespace/name`, lower case.

/** The parts of a canonical ref. */
export interface RefParts {
  kind: string
  namespace: string
  name: string
}

/** Splits `component:default/orders`; a ref without kind or namespace gets `default`. */
export function parseRef(key: string): RefParts {
  const colon = key.indexOf(':')
  const kind = colon >= 0 ? key.slice(0, colon) : ''
  const rest = colon >= 0 ? key.slice(colon + 1) : key
  const slash = rest.indexOf('/')
  return slash >= 0
    ? { kind, namespace: rest.slice(0, slash), name: rest.slice(slash + 1) }
    : { kind, namespace: 'default', name: rest }
}

/** The app route of an entity's page. */
export function entityPath(key: string): string {
  const { kind, namespace, name } = parseRef(key)
  return `/entity/${encodeURIComponent(kind)}/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}`
}

/** The canonical ref from the route's parts. */
export function refFromRoute(kind: string, namespace: string, name: string): string {
  return `${kind}:${namespace}/${name}`.toLowerCase()
}

/** A short form for people: the namespace only when not `default`, the kind only when
 * it differs from `impliedKind`. */
export function shortRef(key: string, impliedKind?: string): string {
  const { kind, namespace, name } = parseRef(key)
  const base = namespace === 'default' ? name : `${namespace}/${name}`
  return impliedKind && kind === impliedKind.toLowerCase() ? base : `${kind}:${base}`
}

/** Just the name (and a non-default namespace). */
export function refName(key: string): string {
  return shortRef(key, parseRef(key).kind)
}

/** `Component`, `API`, ... from a lower-case kind. */
export function kindLabel(kind: string): string {
  const lower = kind.toLowerCase()
  if (lower === 'api') return 'API'
  return lower.charAt(0).toUpperCase() + lower.slice(1)
}
