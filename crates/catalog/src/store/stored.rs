//! What the catalog stores for an entity: its JSON without the location annotations of its
//! file (readers make them again from the row's repository and file, see [`locate`]), the
//! hash that tells whether it changed (which whoever validates an entity can make on its own
//! thread, see [`prepare_stored`]), and the rows derived from it (filter columns,
//! relations, search text).

use std::borrow::Cow;

use super::StoreError;
use crate::descriptor::ReadEntity;
use crate::model::entity::Entity;
use crate::model::entity_ref::EntityRef;
use crate::model::relation::{RelationType, declared_relation_keys};

/// An entity as the catalog stores it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredForm {
    /// The location of the file it was read from (e.g. `file:/src/payments/catalog-info.yaml`).
    pub location: String,
    /// The entity's JSON, without its location annotations.
    pub json: String,
    /// BLAKE3 of `json`, in hex.
    pub hash: String,
}

/// What the catalog derives from an entity: the columns it filters on, its declared
/// relations and what else search finds it by. (Made on the writer's thread: made where
/// the entity is validated, its many small strings cost more to hand over than to make.)
pub(super) struct Derived {
    /// `spec.type`.
    pub(super) spec_type: Option<String>,
    /// `spec.lifecycle`.
    pub(super) lifecycle: Option<String>,
    /// `spec.owner`, as a canonical ref.
    pub(super) owner: Option<String>,
    /// `spec.system`, as a canonical ref.
    pub(super) system: Option<String>,
    /// Its tags, as a JSON array.
    pub(super) tags: String,
    /// The relations it declares: their type and the target's canonical ref.
    pub(super) relations: Vec<(RelationType, String)>,
    /// What else full-text search finds it by.
    pub(super) search: String,
}

/// Makes the stored form of an entity read from the file at `location`, so that the write
/// takes it as it is: callers that validate on other threads than the writer's call this
/// there. The entity loses its location annotations, as stored.
pub fn prepare_stored(read: &mut ReadEntity, location: &str) -> Result<(), StoreError> {
    unlocate(&mut read.entity);
    read.stored = Some(stored_form(&read.entity, location)?);
    Ok(())
}

/// The stored form of `entity` read at `location`: the one made ahead if it was made for
/// that location, otherwise made now.
pub(super) fn stored_form_of<'r>(
    read: &'r ReadEntity,
    location: &str,
) -> Result<Cow<'r, StoredForm>, StoreError> {
    match &read.stored {
        Some(stored) if stored.location == location => Ok(Cow::Borrowed(stored)),
        _ => Ok(Cow::Owned(stored_form(&unlocated(&read.entity), location)?)),
    }
}

/// The stored form of an entity without location annotations.
fn stored_form(entity: &Entity, location: &str) -> Result<StoredForm, StoreError> {
    let (json, hash) = body_and_hash(entity)?;
    Ok(StoredForm {
        location: location.to_owned(),
        json,
        hash,
    })
}

/// The JSON stored of an entity without location annotations, and its hash.
pub(super) fn body_and_hash(entity: &Entity) -> Result<(String, String), StoreError> {
    let json = serde_json::to_string(entity).map_err(|e| StoreError::Corrupt {
        path: Default::default(),
        reason: e.to_string(),
    })?;
    let hash = blake3::hash(json.as_bytes()).to_hex().to_string();
    Ok((json, hash))
}

/// The annotations that say where an entity was read. Backstage sets both on every entity it
/// reads, whatever the file says; so does the catalog, when an entity is read from it.
const LOCATION_KEYS: [&str; 2] = [
    "backstage.io/managed-by-location",
    "backstage.io/managed-by-origin-location",
];

/// The entity as stored: without location annotations. Descriptors seldom have them (and
/// snapshots no longer do), so that it is seldom copied.
fn unlocated(entity: &Entity) -> Cow<'_, Entity> {
    let annotations = &entity.metadata.annotations;
    if LOCATION_KEYS
        .iter()
        .all(|key| !annotations.contains_key(*key))
    {
        return Cow::Borrowed(entity);
    }
    let mut entity = entity.clone();
    unlocate(&mut entity);
    Cow::Owned(entity)
}

/// Takes the location annotations off an entity, as it is stored.
pub(super) fn unlocate(entity: &mut Entity) {
    for key in LOCATION_KEYS {
        entity.metadata.annotations.remove(key);
    }
}

/// Gives a stored entity the location annotations of the file it was read from.
pub(super) fn locate(entity: &mut Entity, location: &str) {
    for key in LOCATION_KEYS {
        entity
            .metadata
            .annotations
            .insert(key.to_owned(), location.to_owned());
    }
}

impl Derived {
    /// Derives the rows of `entity` (its location annotations do not matter here).
    pub(super) fn of(entity: &Entity) -> Derived {
        let namespace = &entity.metadata.namespace;
        let reference = |field: &str, kind: &str| {
            entity
                .spec_str(field)
                .and_then(|text| EntityRef::parse_key(text, Some(kind), namespace).ok())
        };
        Derived {
            spec_type: entity.spec_str("type").map(str::to_owned),
            lifecycle: entity.spec_str("lifecycle").map(str::to_owned),
            owner: reference("owner", "Group"),
            system: reference("system", "System"),
            tags: tags_json(entity.metadata.tags.iter().map(String::as_str)),
            relations: declared_relation_keys(entity),
            search: search_text(entity),
        }
    }
}

/// Tags as the catalog stores them in an entity's row: a JSON array of strings, each once,
/// in the order first given.
pub(super) fn tags_json<'t>(tags: impl IntoIterator<Item = &'t str>) -> String {
    let mut once: Vec<&str> = Vec::new();
    for tag in tags {
        if !once.contains(&tag) {
            once.push(tag);
        }
    }
    serde_json::to_string(&once).unwrap_or_else(|_| "[]".to_owned())
}

/// What else full-text search should find an entity by. References are searched by what
/// they name: `group:default/team-a` by `team-a`.
pub(super) fn search_text(entity: &Entity) -> String {
    let mut text = Vec::new();
    text.push(entity.kind.as_str());
    text.push(named(&entity.metadata.namespace));
    for field in ["type", "lifecycle"] {
        text.extend(entity.spec_str(field));
    }
    for field in ["owner", "system", "domain"] {
        text.extend(entity.spec_str(field).map(named));
    }
    text.extend(entity.metadata.tags.iter().map(String::as_str));
    text.extend(
        entity
            .metadata
            .links
            .iter()
            .filter_map(|l| l.title.as_deref()),
    );
    if let Some(profile) = entity.spec_field("profile") {
        for key in ["displayName", "email"] {
            if let Some(value) = profile.get(key).and_then(serde_json::Value::as_str) {
                text.push(value);
            }
        }
    }
    text.retain(|word| !word.is_empty());
    text.join(" ")
}

/// A namespace or an entity reference without what every entity shares or what is syntax:
/// the kind, and the `default` namespace (as a word, it would find every entity, and cost
/// the search index a list of them all).
fn named(reference: &str) -> &str {
    let rest = reference
        .split_once(':')
        .map_or(reference, |(_, rest)| rest);
    if rest.eq_ignore_ascii_case("default") {
        return "";
    }
    match rest.split_once('/') {
        Some((namespace, name)) if namespace.eq_ignore_ascii_case("default") => name,
        _ => rest,
    }
}
