// Outlines of AsyncAPI and GraphQL definitions: what a reader looks for first.
import { Kind, parse } from 'graphql'

/** An AsyncAPI channel and what is done on it. */
export interface ChannelOutline {
  name: string
  operations: { action: string; message: string; summary: string | null }[]
}

function str(value: unknown): string | null {
  return typeof value === 'string' ? value : null
}
function obj(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {}
}

function messageName(message: unknown): string {
  const m = obj(message)
  const ref = str(m.$ref)
  return str(m.name) ?? str(m.title) ?? (ref ? ref.split('/').pop() ?? ref : 'message')
}

/** Title, version and channels of an AsyncAPI 2 or 3 document. */
export function asyncApiOutline(document: unknown) {
  const doc = obj(document)
  const info = obj(doc.info)
  const channels: ChannelOutline[] = []
  const version = str(doc.asyncapi) ?? ''
  if (version.startsWith('3')) {
    const ops = Object.entries(obj(doc.operations))
    for (const [channelName, channel] of Object.entries(obj(doc.channels))) {
      const c = obj(channel)
      const address = str(c.address) ?? channelName
      const operations = ops
        .filter(([, op]) => {
          const ref = str(obj(obj(op).channel).$ref) ?? ''
          return ref.endsWith(`/${channelName}`)
        })
        .map(([name, op]) => ({
          action: str(obj(op).action) ?? 'operation',
          message: Object.keys(obj(c.messages)).join(', ') || name,
          summary: str(obj(op).summary),
        }))
      channels.push({ name: address, operations })
    }
  } else {
    for (const [name, channel] of Object.entries(obj(doc.channels))) {
      const c = obj(channel)
      const operations = (['publish', 'subscribe'] as const)
        .filter((action) => action in c)
        .map((action) => {
          const op = obj(c[action])
          return { action, message: messageName(op.message), summary: str(op.summary) }
        })
      channels.push({ name, operations })
    }
  }
  return {
    title: str(info.title) ?? 'AsyncAPI',
    version: str(info.version),
    description: str(info.description),
    channels,
  }
}

/** A GraphQL type and its fields. */
export interface GraphqlType {
  kind: string
  name: string
  fields: string[]
}

/** The types of a GraphQL schema, or `null` when it does not parse. */
export function graphqlOutline(text: string): GraphqlType[] | null {
  try {
    const document = parse(text, { noLocation: true })
    const types: GraphqlType[] = []
    for (const def of document.definitions) {
      switch (def.kind) {
        case Kind.OBJECT_TYPE_DEFINITION:
        case Kind.INTERFACE_TYPE_DEFINITION:
        case Kind.INPUT_OBJECT_TYPE_DEFINITION:
          types.push({
            kind: def.kind === Kind.OBJECT_TYPE_DEFINITION ? 'type' : def.kind === Kind.INTERFACE_TYPE_DEFINITION ? 'interface' : 'input',
            name: def.name.value,
            fields: (def.fields ?? []).map((f) => f.name.value),
          })
          break
        case Kind.ENUM_TYPE_DEFINITION:
          types.push({ kind: 'enum', name: def.name.value, fields: (def.values ?? []).map((v) => v.name.value) })
          break
        case Kind.UNION_TYPE_DEFINITION:
          types.push({ kind: 'union', name: def.name.value, fields: (def.types ?? []).map((t) => t.name.value) })
          break
        case Kind.SCALAR_TYPE_DEFINITION:
          types.push({ kind: 'scalar', name: def.name.value, fields: [] })
          break
        default:
          break
      }
    }
    return types
  } catch {
    return null
  }
}
