//! Warnings for what Backstage accepts but is likely a mistake.

use greenroom_yaml::{Node, Value};

use super::{FieldPath, Findings, child_path, edit_distance};
use crate::model::entity_ref::EntityRef;
use crate::model::kinds::find_kind;

const METADATA_FIELDS: [&str; 11] = [
    "name",
    "namespace",
    "title",
    "description",
    "labels",
    "annotations",
    "tags",
    "links",
    "uid",
    "etag",
    "generation",
];

pub(super) fn check(root: &Node, findings: &mut Findings) {
    if root.as_map().is_none() {
        return;
    }
    let kind_name = root.get("kind").and_then(Node::as_str).unwrap_or_default();
    walk(
        root,
        &mut FieldPath::default(),
        kind_name == "Template",
        findings,
    );
    if let Some(metadata) = root.get("metadata").filter(|m| m.as_map().is_some()) {
        misspelt_keys(metadata, "metadata", &METADATA_FIELDS, findings);
    }
    let api_version = root
        .get("apiVersion")
        .and_then(Node::as_str)
        .unwrap_or_default();
    let Some(kind) = find_kind(api_version, kind_name) else {
        return;
    };
    if let Some(spec) = root.get("spec").filter(|s| s.as_map().is_some()) {
        let known: Vec<&str> = kind.fields.iter().map(|f| f.name).collect();
        misspelt_keys(spec, "spec", &known, findings);
        unusual_owner(spec, root, findings);
    }
}

/// Flags `<<` merge keys and unrendered template expressions anywhere in the document.
fn walk<'a>(node: &'a Node, path: &mut FieldPath<'a>, is_template: bool, findings: &mut Findings) {
    match &node.value {
        Value::Map(entries) => {
            for (key, value) in entries {
                path.push_key(key);
                if key.as_str() == Some("<<") {
                    findings.warning(
                        "merge-key",
                        &path.render(),
                        key,
                        "YAML merge keys (`<<`) are not supported by Backstage: the merged fields will be missing; \
                         write the fields out instead",
                    );
                }
                walk(value, path, is_template, findings);
                path.pop();
            }
        }
        Value::Seq(items) => {
            for (i, item) in items.iter().enumerate() {
                path.push_index(i);
                walk(item, path, is_template, findings);
                path.pop();
            }
        }
        Value::String(text) if !is_template && (text.contains("${{") || text.contains("{%")) => {
            findings.warning(
                "unrendered-template",
                &path.render(),
                node,
                "this value looks like an unrendered template expression; was the file copied from a template \
                 without running it?",
            );
        }
        _ => {}
    }
}

/// Unknown keys that are probably misspellings of known ones: Backstage ignores them
/// silently, so `subComponentOf` quietly creates no relation.
fn misspelt_keys(parent: &Node, path: &str, known: &[&str], findings: &mut Findings) {
    let Some(entries) = parent.as_map() else {
        return;
    };
    for (key, _) in entries {
        let name = key.key_string();
        if known.contains(&name.as_str()) {
            continue;
        }
        if let Some(suggestion) = known.iter().find(|k| is_likely_typo(&name, k)) {
            findings.warning(
                "unknown-field",
                &child_path(path, &name),
                key,
                format!("unknown field `{name}`; did you mean `{suggestion}`? Backstage ignores unknown fields"),
            );
        }
    }
}

fn is_likely_typo(written: &str, known: &str) -> bool {
    if written.eq_ignore_ascii_case(known) {
        return true;
    }
    let singular_or_plural =
        written.strip_suffix('s') == Some(known) || known.strip_suffix('s') == Some(written);
    singular_or_plural
        || (known.len() > 4 && edit_distance(&written.to_lowercase(), &known.to_lowercase()) <= 2)
}

/// An owner that is not a group or user is legal but almost always a mistake.
fn unusual_owner(spec: &Node, root: &Node, findings: &mut Findings) {
    let Some(owner) = spec.get("owner") else {
        return;
    };
    let Some(text) = owner.as_str() else { return };
    let namespace = root
        .at(["metadata", "namespace"])
        .and_then(Node::as_str)
        .unwrap_or("default");
    if let Ok(target) = EntityRef::parse(text, Some("Group"), namespace)
        && !matches!(target.kind.to_ascii_lowercase().as_str(), "group" | "user")
    {
        findings.warning(
            "unusual-owner",
            "spec.owner",
            owner,
            format!("the owner `{text}` is a {}, not a Group or User; owners are usually teams or people", target.kind),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typo_detection() {
        assert!(is_likely_typo("subComponentOf", "subcomponentOf"));
        assert!(is_likely_typo("dependOn", "dependsOn"));
        assert!(is_likely_typo("providesApi", "providesApis"));
        assert!(is_likely_typo("lifecyle", "lifecycle"));
        assert!(!is_likely_typo("kubernetes", "type"));
        assert!(!is_likely_typo("definitionUrl", "definition"));
    }
}
