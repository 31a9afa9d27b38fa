//! Kind recognition and each kind's spec (`src/schema/kinds/*.schema.json`), and the entity
//! references in spec fields (`BuiltinKindsEntityProcessor`).

use greenroom_yaml::Node;

use super::envelope::string_value;
use super::{Envelope, Findings, index_path, is_unresolved_placeholder};
use crate::model::entity_ref::{EntityRef, RefError};
use crate::model::kinds::{
    FieldShape, KINDS, KindSpec, SpecField, TEMPLATE_API_VERSION, find_kind, kind_ignoring_case,
};

pub(super) fn check(root: &Node, envelope: &Envelope<'_>, findings: &mut Findings) {
    let Some(kind) = recognise(root, envelope, findings) else {
        return;
    };
    let Some(spec) = root.get("spec").filter(|s| !s.is_null()) else {
        findings.error(
            "missing-field",
            "spec",
            root,
            format!(
                "spec is required for a {} (its required fields: {})",
                kind.kind,
                required_fields(kind)
            ),
        );
        return;
    };
    if spec.as_map().is_none() {
        return; // Reported with the envelope.
    }
    for field in kind.fields {
        check_field(spec, field, kind, envelope.namespace, findings);
    }
    if kind.kind == "Template" {
        super::template::check(spec, findings);
    }
}

/// Finds the processor that claims this kind and apiVersion, as Backstage's processors do.
fn recognise(
    root: &Node,
    envelope: &Envelope<'_>,
    findings: &mut Findings,
) -> Option<&'static KindSpec> {
    if let Some(kind) = find_kind(envelope.api_version, envelope.kind) {
        return Some(kind);
    }
    let kind_node = root.get("kind").unwrap_or(root);
    let message = match kind_ignoring_case(envelope.kind) {
        Some(known) if known.kind != envelope.kind => format!(
            "unknown kind `{}`: kinds are case-sensitive, write `{}` (Backstage would report \"no processor recognized the entity\")",
            envelope.kind, known.kind
        ),
        Some(known) => {
            let node = root.get("apiVersion").unwrap_or(root);
            findings.error(
                "unknown-api-version",
                "apiVersion",
                node,
                format!(
                    "a {} does not accept apiVersion `{}`; use {} (Backstage would report \"no processor recognized the entity\")",
                    known.kind,
                    envelope.api_version,
                    known.api_versions.iter().map(|v| format!("`{v}`")).collect::<Vec<_>>().join(" or ")
                ),
            );
            return None;
        }
        None => format!(
            "unknown kind `{}`: Backstage recognises {} (with apiVersion backstage.io/v1alpha1) and Template (with {}); \
             another kind needs a custom processor, so Backstage would refuse it",
            envelope.kind,
            KINDS
                .iter()
                .filter(|k| k.kind != "Template")
                .map(|k| k.kind)
                .collect::<Vec<_>>()
                .join(", "),
            TEMPLATE_API_VERSION
        ),
    };
    findings.error("unknown-kind", "kind", kind_node, message);
    None
}

fn required_fields(kind: &KindSpec) -> String {
    let names: Vec<&str> = kind
        .fields
        .iter()
        .filter(|f| f.required)
        .map(|f| f.name)
        .collect();
    if names.is_empty() {
        "none".to_owned()
    } else {
        names.join(", ")
    }
}

fn check_field(
    spec: &Node,
    field: &SpecField,
    kind: &KindSpec,
    namespace: &str,
    findings: &mut Findings,
) {
    let path = format!("spec.{}", field.name);
    let Some(node) = spec.get(field.name) else {
        if field.required {
            let example = match field.shape {
                FieldShape::Strings | FieldShape::List => format!("`{}: []`", field.name),
                _ => format!("`{}: ...`", field.name),
            };
            findings.error(
                "missing-field",
                &path,
                spec,
                format!("{path} is required for a {} (e.g. {example})", kind.kind),
            );
        }
        return;
    };
    if is_unresolved_placeholder(node) {
        return;
    }
    match field.shape {
        FieldShape::String => {
            if let Some(value) = non_empty_string(node, &path, findings)
                && let Some(reference) = field.reference
            {
                check_reference(
                    node,
                    value,
                    &path,
                    reference.default_kind,
                    namespace,
                    findings,
                );
            }
        }
        FieldShape::Strings => {
            let Some(items) = node.as_seq() else {
                findings.error(
                    "wrong-type",
                    &path,
                    node,
                    format!("{path} must be a list of strings, got {}; write each item on its own `- ` line", node.value.type_name()),
                );
                return;
            };
            for (i, item) in items.iter().enumerate() {
                let item_path = index_path(&path, i);
                if let Some(value) = non_empty_string(item, &item_path, findings)
                    && let Some(reference) = field.reference
                {
                    check_reference(
                        item,
                        value,
                        &item_path,
                        reference.default_kind,
                        namespace,
                        findings,
                    );
                }
            }
        }
        FieldShape::Object => {
            if node.as_map().is_none() {
                findings.error(
                    "wrong-type",
                    &path,
                    node,
                    format!("{path} must be a mapping, got {}", node.value.type_name()),
                );
            } else if field.name == "profile" {
                for key in ["displayName", "email", "picture"] {
                    if let Some(value) = node.get(key) {
                        non_empty_string(value, &format!("{path}.{key}"), findings);
                    }
                }
            }
        }
        FieldShape::List => {
            if node.as_seq().is_none() {
                findings.error(
                    "wrong-type",
                    &path,
                    node,
                    format!("{path} must be a list, got {}", node.value.type_name()),
                );
            }
        }
        FieldShape::ObjectOrList => {
            if node.as_map().is_none() && node.as_seq().is_none() {
                findings.error(
                    "wrong-type",
                    &path,
                    node,
                    format!(
                        "{path} must be a mapping or a list of mappings, got {}",
                        node.value.type_name()
                    ),
                );
            }
        }
        FieldShape::OneOf(allowed) => {
            if let Some(value) = string_value(node, &path, findings)
                && !allowed.contains(&value)
            {
                findings.error(
                    "invalid-value",
                    &path,
                    node,
                    format!(
                        "`{value}` is not allowed for {path}; use one of: {}",
                        allowed.join(", ")
                    ),
                );
            }
        }
    }
}

pub(super) fn non_empty_string<'a>(
    node: &'a Node,
    path: &str,
    findings: &mut Findings,
) -> Option<&'a str> {
    let value = string_value(node, path, findings)?;
    if value.is_empty() {
        findings.error(
            "empty-value",
            path,
            node,
            format!("{path} must not be empty"),
        );
        return None;
    }
    Some(value)
}

fn check_reference(
    node: &Node,
    text: &str,
    path: &str,
    default_kind: Option<&str>,
    namespace: &str,
    findings: &mut Findings,
) {
    match EntityRef::parse(text, default_kind, namespace) {
        Ok(_) => {}
        Err(RefError::MissingKind(_)) => findings.error(
            "invalid-ref",
            path,
            node,
            format!(
                "`{text}` must name the kind of entity it refers to, e.g. `component:{text}` or `resource:{text}` \
                 ({path} has no default kind)"
            ),
        ),
        Err(e) => findings.error("invalid-ref", path, node, format!("{e}; write it as `[kind:][namespace/]name`")),
    }
}
