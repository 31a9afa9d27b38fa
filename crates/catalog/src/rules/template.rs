//! The parts of a v1beta3 Template's spec that Backstage's template schema checks beyond
//! required fields: steps, parameters, output, presentation, secrets and the experimental
//! sections.

use greenroom_yaml::{Node, Value};

use super::envelope::string_value;
use super::spec::non_empty_string;
use super::{Findings, index_path};

pub(super) fn check(spec: &Node, findings: &mut Findings) {
    if let Some(steps) = spec.get("steps").and_then(Node::as_seq) {
        for (i, step) in steps.iter().enumerate() {
            check_step(step, &index_path("spec.steps", i), findings);
        }
    }
    if let Some(parameters) = spec.get("parameters") {
        match &parameters.value {
            Value::Map(_) => permissions(parameters, "spec.parameters", findings),
            Value::Seq(pages) => {
                for (i, page) in pages.iter().enumerate() {
                    let path = index_path("spec.parameters", i);
                    if expect_map(page, &path, findings) {
                        permissions(page, &path, findings);
                    }
                }
            }
            _ => {} // Reported by the spec shape check.
        }
    }
    if let Some(output) = spec.get("output").filter(|o| o.as_map().is_some()) {
        check_output(output, findings);
    }
    if let Some(secrets) = spec.get("secrets").filter(|s| s.as_map().is_some())
        && let Some(schema) = secrets.get("schema")
    {
        expect_map(schema, "spec.secrets.schema", findings);
    }
    if let Some(presentation) = spec.get("presentation").filter(|p| p.as_map().is_some())
        && let Some(labels) = presentation.get("buttonLabels")
        && expect_map(labels, "spec.presentation.buttonLabels", findings)
    {
        for key in ["backButtonText", "createButtonText", "reviewButtonText"] {
            if let Some(text) = labels.get(key) {
                string_value(
                    text,
                    &format!("spec.presentation.buttonLabels.{key}"),
                    findings,
                );
            }
        }
    }
    if let Some(recovery) = spec.get("EXPERIMENTAL_recovery")
        && expect_map(recovery, "spec.EXPERIMENTAL_recovery", findings)
        && let Some(strategy) = recovery.get("EXPERIMENTAL_strategy")
    {
        string_value(
            strategy,
            "spec.EXPERIMENTAL_recovery.EXPERIMENTAL_strategy",
            findings,
        );
    }
    if let Some(decorators) = spec.get("EXPERIMENTAL_formDecorators")
        && expect_list(decorators, "spec.EXPERIMENTAL_formDecorators", findings)
    {
        for (i, decorator) in decorators.as_seq().unwrap_or_default().iter().enumerate() {
            let path = index_path("spec.EXPERIMENTAL_formDecorators", i);
            if expect_map(decorator, &path, findings) {
                optional_string(decorator, "id", &path, findings);
                if let Some(input) = decorator.get("input") {
                    expect_map(input, &format!("{path}.input"), findings);
                }
            }
        }
    }
}

fn check_step(step: &Node, path: &str, findings: &mut Findings) {
    if step.as_map().is_none() {
        findings.error(
            "wrong-type",
            path,
            step,
            format!("{path} must be a mapping with at least an action"),
        );
        return;
    }
    match step.get("action") {
        None => findings.error(
            "missing-field",
            &format!("{path}.action"),
            step,
            "each step needs an action, e.g. `action: fetch:template`",
        ),
        Some(action) => {
            string_value(action, &format!("{path}.action"), findings);
        }
    }
    optional_string(step, "id", path, findings);
    optional_string(step, "name", path, findings);
    if let Some(input) = step.get("input") {
        expect_map(input, &format!("{path}.input"), findings);
    }
    condition(step, path, findings);
    permissions(step, path, findings);
}

fn check_output(output: &Node, findings: &mut Findings) {
    for (key, value) in output.as_map().unwrap_or_default() {
        let name = key.key_string();
        let path = format!("spec.output.{name}");
        match name.as_str() {
            "links" | "text" => {
                if !expect_list(value, &path, findings) {
                    continue;
                }
                let fields: &[&str] = if name == "links" {
                    &["url", "entityRef", "title", "icon"]
                } else {
                    &["title", "icon"]
                };
                for (i, item) in value.as_seq().unwrap_or_default().iter().enumerate() {
                    let item_path = index_path(&path, i);
                    if !expect_map(item, &item_path, findings) {
                        continue;
                    }
                    condition(item, &item_path, findings);
                    for field in fields {
                        if let Some(v) = item.get(field) {
                            non_empty_string(v, &format!("{item_path}.{field}"), findings);
                        }
                    }
                    if name == "text" {
                        optional_string(item, "content", &item_path, findings);
                    }
                }
            }
            _ => {
                string_value(value, &path, findings);
            }
        }
    }
}

/// `if` conditions are template strings or booleans.
fn condition(parent: &Node, path: &str, findings: &mut Findings) {
    if let Some(value) = parent.get("if")
        && !matches!(value.value, Value::String(_) | Value::Bool(_))
    {
        findings.error(
            "wrong-type",
            &format!("{path}.if"),
            value,
            format!(
                "{path}.if must be a string or a boolean, got {}",
                value.value.type_name()
            ),
        );
    }
}

/// `backstage:permissions: { tags: [string] }`.
fn permissions(parent: &Node, path: &str, findings: &mut Findings) {
    let Some(value) = parent.get("backstage:permissions") else {
        return;
    };
    let path = format!("{path}[\"backstage:permissions\"]");
    if !expect_map(value, &path, findings) {
        return;
    }
    if let Some(tags) = value.get("tags")
        && expect_list(tags, &format!("{path}.tags"), findings)
    {
        for (i, tag) in tags.as_seq().unwrap_or_default().iter().enumerate() {
            string_value(tag, &index_path(&format!("{path}.tags"), i), findings);
        }
    }
}

fn optional_string(parent: &Node, key: &str, path: &str, findings: &mut Findings) {
    if let Some(value) = parent.get(key) {
        string_value(value, &format!("{path}.{key}"), findings);
    }
}

fn expect_map(node: &Node, path: &str, findings: &mut Findings) -> bool {
    let ok = node.as_map().is_some();
    if !ok {
        findings.error(
            "wrong-type",
            path,
            node,
            format!("{path} must be a mapping, got {}", node.value.type_name()),
        );
    }
    ok
}

fn expect_list(node: &Node, path: &str, findings: &mut Findings) -> bool {
    let ok = node.as_seq().is_some();
    if !ok {
        findings.error(
            "wrong-type",
            path,
            node,
            format!("{path} must be a list, got {}", node.value.type_name()),
        );
    }
    ok
}
