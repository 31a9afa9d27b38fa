// Relation types as people read them, and their grouping on an entity's page.
import type { Related } from '../bindings/Related'
import type { RelationType } from '../bindings/RelationType'

/** How a relation reads from the entity whose page shows it, in display order. */
export const RELATION_LABELS: Record<RelationType, string> = {
  ownedBy: 'Owned by',
  ownerOf: 'Owns',
  partOf: 'Part of',
  hasPart: 'Has parts',
  providesApi: 'Provides APIs',
  consumesApi: 'Consumes APIs',
  apiProvidedBy: 'Provided by',
  apiConsumedBy: 'Consumed by',
  dependsOn: 'Depends on',
  dependencyOf: 'Dependency of',
  memberOf: 'Member of',
  hasMember: 'Members',
  parentOf: 'Parent of',
  childOf: 'Child of',
}

const ORDER = Object.keys(RELATION_LABELS) as RelationType[]

/** A group of relations of one type. */
export interface RelationGroup {
  type: RelationType
  label: string
  items: Related[]
}

/** Relations grouped by type, in display order, each group sorted by name. */
export function groupRelations(relations: Related[]): RelationGroup[] {
  const byType = new Map<RelationType, Related[]>()
  for (const relation of relations) {
    const list = byType.get(relation.type) ?? []
    list.push(relation)
    byType.set(relation.type, list)
  }
  return ORDER.filter((type) => byType.has(type)).map((type) => ({
    type,
    label: RELATION_LABELS[type],
    items: [...(byType.get(type) ?? [])].sort((a, b) => a.key.localeCompare(b.key)),
  }))
}

/** The entities of one relation type. */
export function relatedOf(relations: Related[], type: RelationType): Related[] {
  return relations.filter((r) => r.type === type)
}
