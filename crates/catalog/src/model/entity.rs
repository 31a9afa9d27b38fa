//! The entity envelope, as Backstage defines it (`packages/catalog-model/src/entity/Entity.ts`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::entity_ref::{DEFAULT_NAMESPACE, EntityRef};

/// A catalog entity: the document a descriptor file holds, after placeholders were resolved
/// and the default namespace filled in.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Entity {
    /// E.g. `backstage.io/v1alpha1`.
    pub api_version: String,
    /// E.g. `Component`; matched case-sensitively against the built-in kinds.
    pub kind: String,
    /// Name, namespace and the descriptive fields.
    pub metadata: Metadata,
    /// The kind-specific part, kept as written.
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub spec: Map<String, Value>,
}

/// The metadata every entity carries.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Metadata {
    /// Unique within kind and namespace.
    pub name: String,
    /// Defaults to `default`.
    #[serde(default = "default_namespace")]
    pub namespace: String,
    /// A display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// A short description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Identifying key/value pairs.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    /// Non-identifying key/value pairs, e.g. `backstage.io/techdocs-ref`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
    /// Classifying tags, e.g. `java`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// External links.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<Link>,
    /// Any other metadata keys, which Backstage accepts and keeps.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// A link from `metadata.links`.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Link {
    /// An absolute URL.
    pub url: String,
    /// What to show instead of the URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// An icon key, e.g. `dashboard`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub icon: Option<String>,
    /// A free-form classification, e.g. `runbook`.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub link_type: Option<String>,
}

fn default_namespace() -> String {
    DEFAULT_NAMESPACE.to_owned()
}

impl Entity {
    /// This entity's reference.
    pub fn entity_ref(&self) -> EntityRef {
        EntityRef::new(&self.kind, &self.metadata.namespace, &self.metadata.name)
    }

    /// A field of the spec. A spec holds a handful of keys, and comparing them costs less
    /// than hashing the name (the map hashes with SipHash), so a small spec is scanned: the
    /// catalog looks up a dozen fields of every entity it writes.
    pub fn spec_field(&self, field: &str) -> Option<&Value> {
        const SCANNED: usize = 16;
        if self.spec.len() <= SCANNED {
            self.spec
                .iter()
                .find_map(|(k, v)| (k == field).then_some(v))
        } else {
            self.spec.get(field)
        }
    }

    /// A string field of the spec, e.g. `spec_str("type")`.
    pub fn spec_str(&self, field: &str) -> Option<&str> {
        self.spec_field(field).and_then(Value::as_str)
    }

    /// The strings of an array field of the spec; other items are skipped.
    pub fn spec_strs(&self, field: &str) -> impl Iterator<Item = &str> {
        self.spec_field(field)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
    }

    /// An annotation's value.
    pub fn annotation(&self, key: &str) -> Option<&str> {
        self.metadata.annotations.get(key).map(String::as_str)
    }

    /// The entity as a JSON document, as Backstage would return it.
    pub fn to_json(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entity_with_spec(spec: serde_json::Value) -> Entity {
        serde_json::from_value(serde_json::json!({
            "apiVersion": "backstage.io/v1alpha1",
            "kind": "Component",
            "metadata": { "name": "a" },
            "spec": spec,
        }))
        .expect("an entity")
    }

    #[test]
    fn spec_fields_are_found_in_small_and_large_specs() {
        let small = entity_with_spec(serde_json::json!({ "type": "service", "owner": 7 }));
        assert_eq!(small.spec_str("type"), Some("service"));
        assert_eq!(small.spec_field("owner"), Some(&Value::from(7)));
        assert_eq!(small.spec_str("owner"), None);
        assert_eq!(small.spec_field("system"), None);

        let mut many: Map<String, Value> = (0..40).map(|i| (format!("k{i}"), i.into())).collect();
        many.insert(
            "dependsOn".into(),
            serde_json::json!(["component:b", 3, "c"]),
        );
        let large = entity_with_spec(Value::Object(many));
        assert_eq!(large.spec_field("k39"), Some(&Value::from(39)));
        assert_eq!(large.spec_field("k40"), None);
        assert_eq!(
            large.spec_strs("dependsOn").collect::<Vec<_>>(),
            ["component:b", "c"]
        );
    }
}
