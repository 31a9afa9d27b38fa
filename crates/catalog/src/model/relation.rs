//! Relations between entities (`packages/catalog-model/src/kinds/relations.ts`).

use serde::{Deserialize, Serialize};

use super::entity::Entity;
use super::entity_ref::EntityRef;
use super::kinds::find_kind;

/// A well-known relation type. Each has an inverse; the catalog stores both directions.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum RelationType {
    /// The entity is owned by a group or user.
    OwnedBy,
    /// Inverse of `ownedBy`.
    OwnerOf,
    /// The entity needs another one at run time.
    DependsOn,
    /// Inverse of `dependsOn`.
    DependencyOf,
    /// A component serves an API.
    ProvidesApi,
    /// Inverse of `providesApi`.
    ApiProvidedBy,
    /// A component calls an API.
    ConsumesApi,
    /// Inverse of `consumesApi`.
    ApiConsumedBy,
    /// The entity belongs to a system, domain or parent component.
    PartOf,
    /// Inverse of `partOf`.
    HasPart,
    /// A user belongs to a group.
    MemberOf,
    /// Inverse of `memberOf`.
    HasMember,
    /// A group contains another group.
    ParentOf,
    /// Inverse of `parentOf`.
    ChildOf,
}

impl RelationType {
    /// Every relation type.
    pub const ALL: [RelationType; 14] = [
        RelationType::OwnedBy,
        RelationType::OwnerOf,
        RelationType::DependsOn,
        RelationType::DependencyOf,
        RelationType::ProvidesApi,
        RelationType::ApiProvidedBy,
        RelationType::ConsumesApi,
        RelationType::ApiConsumedBy,
        RelationType::PartOf,
        RelationType::HasPart,
        RelationType::MemberOf,
        RelationType::HasMember,
        RelationType::ParentOf,
        RelationType::ChildOf,
    ];

    /// The name Backstage uses, e.g. `ownedBy`.
    pub fn as_str(self) -> &'static str {
        match self {
            RelationType::OwnedBy => "ownedBy",
            RelationType::OwnerOf => "ownerOf",
            RelationType::DependsOn => "dependsOn",
            RelationType::DependencyOf => "dependencyOf",
            RelationType::ProvidesApi => "providesApi",
            RelationType::ApiProvidedBy => "apiProvidedBy",
            RelationType::ConsumesApi => "consumesApi",
            RelationType::ApiConsumedBy => "apiConsumedBy",
            RelationType::PartOf => "partOf",
            RelationType::HasPart => "hasPart",
            RelationType::MemberOf => "memberOf",
            RelationType::HasMember => "hasMember",
            RelationType::ParentOf => "parentOf",
            RelationType::ChildOf => "childOf",
        }
    }

    /// Parses a name such as `ownedBy`.
    pub fn parse(name: &str) -> Option<Self> {
        RelationType::ALL.into_iter().find(|t| t.as_str() == name)
    }

    /// The same relation seen from the other end.
    pub fn inverse(self) -> Self {
        match self {
            RelationType::OwnedBy => RelationType::OwnerOf,
            RelationType::OwnerOf => RelationType::OwnedBy,
            RelationType::DependsOn => RelationType::DependencyOf,
            RelationType::DependencyOf => RelationType::DependsOn,
            RelationType::ProvidesApi => RelationType::ApiProvidedBy,
            RelationType::ApiProvidedBy => RelationType::ProvidesApi,
            RelationType::ConsumesApi => RelationType::ApiConsumedBy,
            RelationType::ApiConsumedBy => RelationType::ConsumesApi,
            RelationType::PartOf => RelationType::HasPart,
            RelationType::HasPart => RelationType::PartOf,
            RelationType::MemberOf => RelationType::HasMember,
            RelationType::HasMember => RelationType::MemberOf,
            RelationType::ParentOf => RelationType::ChildOf,
            RelationType::ChildOf => RelationType::ParentOf,
        }
    }
}

impl std::fmt::Display for RelationType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A directed relation between two entities.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Relation {
    /// Where the relation starts.
    pub source: EntityRef,
    /// The relation type.
    #[serde(rename = "type")]
    pub relation_type: RelationType,
    /// Where it points.
    pub target: EntityRef,
}

impl Relation {
    /// The same relation seen from the target.
    pub fn inverse(&self) -> Relation {
        Relation {
            source: self.target.clone(),
            relation_type: self.relation_type.inverse(),
            target: self.source.clone(),
        }
    }
}

/// The relations an entity's spec declares, from the entity to its targets. References
/// that do not parse are skipped here; validation reports them.
pub fn declared_relations(entity: &Entity) -> Vec<Relation> {
    let source = entity.entity_ref();
    let mut relations = Vec::new();
    for_each_declared(entity, |relation_type, text, default_kind| {
        if let Ok(target) = EntityRef::parse(text, default_kind, &entity.metadata.namespace) {
            relations.push(Relation {
                source: source.clone(),
                relation_type,
                target,
            });
        }
    });
    relations
}

/// The same as [`declared_relations`], as each relation's type and its target's canonical
/// key (what the catalog stores; no reference is built).
pub fn declared_relation_keys(entity: &Entity) -> Vec<(RelationType, String)> {
    let mut keys = Vec::new();
    for_each_declared(entity, |relation_type, text, default_kind| {
        if let Ok(key) = EntityRef::parse_key(text, default_kind, &entity.metadata.namespace) {
            keys.push((relation_type, key));
        }
    });
    keys
}

/// Calls `declared` with each reference the spec declares a relation by: the relation, the
/// reference's text and the kind it implies when the text leaves it out. (A callback rather
/// than an iterator: the catalog asks this of every entity it writes, and a list of texts
/// per field cost an allocation each.)
fn for_each_declared<'e>(
    entity: &'e Entity,
    mut declared: impl FnMut(RelationType, &'e str, Option<&'static str>),
) {
    let Some(kind) = find_kind(&entity.api_version, &entity.kind) else {
        return;
    };
    for field in kind.fields {
        let (Some(reference), Some(value)) = (field.reference, entity.spec_field(field.name))
        else {
            continue;
        };
        match value {
            serde_json::Value::String(text) => {
                declared(reference.relation, text, reference.default_kind);
            }
            serde_json::Value::Array(items) => {
                for text in items.iter().filter_map(serde_json::Value::as_str) {
                    declared(reference.relation, text, reference.default_kind);
                }
            }
            _ => {}
        }
    }
}
