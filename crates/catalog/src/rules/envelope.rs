//! The envelope and metadata: `EntityEnvelope`/`EntityMeta` schemas,
//! `NoForeignRootFieldsEntityPolicy` and `FieldFormatEntityPolicy`.

use greenroom_yaml::{Node, Value};

use super::formats::*;
use super::{Envelope, Findings, child_path, index_path};
use crate::model::entity_ref::DEFAULT_NAMESPACE;

const ROOT_FIELDS: [&str; 4] = ["apiVersion", "kind", "metadata", "spec"];
const NAME_RULE: &str = "use 1-63 characters of letters, digits, `-`, `_` and `.`, \
                         starting and ending with a letter or digit";
const DNS_RULE: &str = "use 1-63 lower-case letters and digits, separated by `-`";

/// Checks the envelope; returns its key fields when they are usable for the spec checks.
pub(super) fn check<'a>(root: &'a Node, findings: &mut Findings) -> Option<Envelope<'a>> {
    let Some(entries) = root.as_map() else {
        findings.error(
            "not-an-object",
            "",
            root,
            format!(
                "expected an entity (a mapping with apiVersion, kind, metadata and spec) at the root of the \
                 document, got {}",
                root.value.type_name()
            ),
        );
        return None;
    };
    for (key, _) in entries {
        let name = key.key_string();
        if !ROOT_FIELDS.contains(&name.as_str()) {
            let why = match name.as_str() {
                "relations" | "status" => " (the catalog computes it; remove it from the file)",
                _ => "; only apiVersion, kind, metadata and spec are allowed at the root",
            };
            findings.error(
                "foreign-root-field",
                &name,
                key,
                format!("unknown root field `{name}`{why}"),
            );
        }
    }

    let api_version = required_string(
        root,
        "apiVersion",
        "apiVersion",
        "backstage.io/v1alpha1",
        findings,
    );
    if let Some((node, value)) = api_version
        && !is_valid_api_version(value)
    {
        findings.error(
            "invalid-format",
            "apiVersion",
            node,
            format!("`{value}` is not a valid apiVersion; expected e.g. `backstage.io/v1alpha1`"),
        );
    }
    let kind = required_string(root, "kind", "kind", "Component", findings);
    if let Some((node, value)) = kind
        && !is_valid_kind(value)
    {
        findings.error(
            "invalid-format",
            "kind",
            node,
            format!("`{value}` is not a valid kind; expected a letter followed by letters and digits, e.g. `Component`"),
        );
    }

    let namespace = check_metadata(root, findings);

    if let Some(spec) = root.get("spec")
        && !spec.is_null()
        && spec.as_map().is_none()
    {
        findings.error(
            "wrong-type",
            "spec",
            spec,
            format!("spec must be a mapping, got {}", spec.value.type_name()),
        );
    }

    let (_, api_version) = api_version?;
    let (_, kind) = kind?;
    Some(Envelope {
        api_version,
        kind,
        namespace: namespace.unwrap_or(DEFAULT_NAMESPACE),
    })
}

/// Checks `metadata`; returns the namespace when it is valid.
fn check_metadata<'a>(root: &'a Node, findings: &mut Findings) -> Option<&'a str> {
    let Some(metadata) = root.get("metadata") else {
        findings.error(
            "missing-field",
            "metadata",
            root,
            "metadata is required, with at least a name",
        );
        return None;
    };
    if metadata.as_map().is_none() {
        findings.error(
            "wrong-type",
            "metadata",
            metadata,
            format!(
                "metadata must be a mapping, got {}",
                metadata.value.type_name()
            ),
        );
        return None;
    }

    if let Some((node, name)) =
        required_string(metadata, "name", "metadata.name", "my-service", findings)
        && !is_valid_object_name(name)
    {
        findings.error(
            "invalid-name",
            "metadata.name",
            node,
            format!(
                "`{name}` is not a valid name; {NAME_RULE}{}",
                suggest_name(name)
            ),
        );
    }

    let mut namespace = None;
    if let Some(node) = metadata.get("namespace") {
        match string_value(node, "metadata.namespace", findings) {
            Some(value) if is_valid_namespace(value) => namespace = Some(value),
            Some(value) => findings.error(
                "invalid-namespace",
                "metadata.namespace",
                node,
                format!(
                    "`{value}` is not a valid namespace; {DNS_RULE} (e.g. `{}`)",
                    dns_suggestion(value)
                ),
            ),
            None => {}
        }
    }

    if let Some(node) = metadata.get("title")
        && let Some(title) = string_value(node, "metadata.title", findings)
        && title.is_empty()
    {
        findings.error(
            "empty-value",
            "metadata.title",
            node,
            "metadata.title must not be empty; remove it or give a title",
        );
    }
    if let Some(node) = metadata.get("description") {
        string_value(node, "metadata.description", findings);
    }
    for (field, min) in [("uid", 1), ("etag", 1)] {
        if let Some(node) = metadata.get(field)
            && let Some(value) = string_value(node, &format!("metadata.{field}"), findings)
            && value.len() < min
        {
            findings.error(
                "empty-value",
                &format!("metadata.{field}"),
                node,
                format!("metadata.{field} must not be empty"),
            );
        }
    }
    check_labels(metadata, findings);
    check_annotations(metadata, findings);
    check_tags(metadata, findings);
    check_links(metadata, findings);
    namespace
}

fn check_labels(metadata: &Node, findings: &mut Findings) {
    let Some(labels) = mapping_field(metadata, "labels", "metadata.labels", findings) else {
        return;
    };
    for (key, value) in labels {
        let name = key.key_string();
        // Made only for a finding: most entities have none.
        let field = || child_path("metadata.labels", &name);
        if !is_valid_label_key(&name) {
            findings.error(
                "invalid-label",
                &field(),
                key,
                format!("`{name}` is not a valid label key; {}", key_rule()),
            );
        }
        match &value.value {
            Value::String(v) if is_valid_label_value(v) => {}
            Value::String(v) => findings.error(
                "invalid-label",
                &field(),
                value,
                format!("`{v}` is not a valid label value; labels hold identifiers: {NAME_RULE}, or be empty (use an annotation for free text)"),
            ),
            other => findings.error(
                "wrong-type",
                &field(),
                value,
                format!("label values must be strings, got {}; quote the value", other.type_name()),
            ),
        }
    }
}

fn check_annotations(metadata: &Node, findings: &mut Findings) {
    let Some(annotations) =
        mapping_field(metadata, "annotations", "metadata.annotations", findings)
    else {
        return;
    };
    for (key, value) in annotations {
        let name = key.key_string();
        // Made only for a finding: most entities have none.
        let field = || child_path("metadata.annotations", &name);
        if !is_valid_annotation_key(&name) {
            findings.error(
                "invalid-annotation",
                &field(),
                key,
                format!("`{name}` is not a valid annotation key; {}", key_rule()),
            );
        }
        if !matches!(value.value, Value::String(_)) {
            findings.error(
                "wrong-type",
                &field(),
                value,
                format!(
                    "annotation values must be strings, got {}; quote the value",
                    value.value.type_name()
                ),
            );
        }
    }
}

fn check_tags(metadata: &Node, findings: &mut Findings) {
    let Some(tags) = metadata.get("tags") else {
        return;
    };
    let Some(items) = tags.as_seq() else {
        findings.error(
            "wrong-type",
            "metadata.tags",
            tags,
            format!(
                "metadata.tags must be a list, got {}",
                tags.value.type_name()
            ),
        );
        return;
    };
    for (i, item) in items.iter().enumerate() {
        let field = || index_path("metadata.tags", i);
        match &item.value {
            Value::String(tag) if is_valid_tag(tag) => {}
            Value::String(tag) => findings.error(
                "invalid-tag",
                &field(),
                item,
                format!(
                    "`{tag}` is not a valid tag; use 1-63 lower-case letters, digits and `:+#`, separated by single `-` (e.g. `{}`)",
                    tag_suggestion(tag)
                ),
            ),
            other => findings.error("wrong-type", &field(), item, format!("tags must be strings, got {}", other.type_name())),
        }
    }
}

fn check_links(metadata: &Node, findings: &mut Findings) {
    let Some(links) = metadata.get("links") else {
        return;
    };
    let Some(items) = links.as_seq() else {
        findings.error(
            "wrong-type",
            "metadata.links",
            links,
            format!(
                "metadata.links must be a list, got {}",
                links.value.type_name()
            ),
        );
        return;
    };
    for (i, link) in items.iter().enumerate() {
        let field = index_path("metadata.links", i);
        if link.as_map().is_none() {
            findings.error(
                "wrong-type",
                &field,
                link,
                "each link must be a mapping with at least a url",
            );
            continue;
        }
        match link.get("url") {
            None => findings.error(
                "missing-field",
                &format!("{field}.url"),
                link,
                "a link needs a url",
            ),
            Some(node) => {
                if let Some(url) = string_value(node, &format!("{field}.url"), findings)
                    && !is_valid_url(url)
                {
                    findings.error(
                        "invalid-url",
                        &format!("{field}.url"),
                        node,
                        format!("`{url}` is not an absolute URL; write it with its scheme, e.g. `https://example.com/docs`"),
                    );
                }
            }
        }
        for key in ["title", "icon", "type"] {
            let Some(node) = link.get(key) else { continue };
            let path = format!("{field}.{key}");
            if let Some(value) = string_value(node, &path, findings)
                && !is_valid_string(value)
            {
                findings.error(
                    "empty-value",
                    &path,
                    node,
                    format!("a link's {key} must not be empty; remove it or fill it in"),
                );
            }
        }
    }
}

fn required_string<'a>(
    parent: &'a Node,
    key: &str,
    path: &str,
    example: &str,
    findings: &mut Findings,
) -> Option<(&'a Node, &'a str)> {
    let Some(node) = parent.get(key) else {
        findings.error(
            "missing-field",
            path,
            parent,
            format!("{path} is required, e.g. `{key}: {example}`"),
        );
        return None;
    };
    let value = string_value(node, path, findings)?;
    if value.is_empty() {
        findings.error(
            "empty-value",
            path,
            node,
            format!("{path} must not be empty, e.g. `{key}: {example}`"),
        );
        return None;
    }
    Some((node, value))
}

/// The node's string, or an error naming what it is instead.
pub(super) fn string_value<'a>(
    node: &'a Node,
    path: &str,
    findings: &mut Findings,
) -> Option<&'a str> {
    match &node.value {
        Value::String(s) => Some(s),
        other => {
            let hint = match other {
                Value::Int(_) | Value::Float(_) | Value::Bool(_) => {
                    "; quote the value to make it a string"
                }
                _ => "",
            };
            findings.error(
                "wrong-type",
                path,
                node,
                format!("{path} must be a string, got {}{hint}", other.type_name()),
            );
            None
        }
    }
}

fn mapping_field<'a>(
    parent: &'a Node,
    key: &str,
    path: &str,
    findings: &mut Findings,
) -> Option<&'a [(Node, Node)]> {
    let node = parent.get(key)?;
    if node.is_null() {
        return None;
    }
    let map = node.as_map();
    if map.is_none() {
        findings.error(
            "wrong-type",
            path,
            node,
            format!("{path} must be a mapping, got {}", node.value.type_name()),
        );
    }
    map
}

fn key_rule() -> String {
    format!(
        "write `[prefix/]name` with at most one `/`, a lower-case DNS prefix (e.g. `example.com`) and a name that {}",
        &NAME_RULE[4..]
    )
}

fn suggest_name(name: &str) -> String {
    let suggestion: String = name
        .trim()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '-'
            }
        })
        .collect::<String>()
        .trim_matches(|c: char| !c.is_ascii_alphanumeric())
        .chars()
        .take(63)
        .collect();
    if suggestion.is_empty() || suggestion == name {
        String::new()
    } else {
        format!(" (e.g. `{suggestion}`)")
    }
}

fn dns_suggestion(value: &str) -> String {
    let lowered: String = value
        .to_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    let trimmed = lowered.trim_matches('-');
    if trimmed.is_empty() {
        DEFAULT_NAMESPACE.to_owned()
    } else {
        trimmed.chars().take(63).collect()
    }
}

fn tag_suggestion(tag: &str) -> String {
    let mut out = String::new();
    for c in tag.to_lowercase().chars() {
        let c = if c.is_ascii_alphanumeric() || matches!(c, ':' | '+' | '#') {
            c
        } else {
            '-'
        };
        if !(c == '-' && out.ends_with('-')) {
            out.push(c);
        }
    }
    out.trim_matches('-').chars().take(63).collect()
}
