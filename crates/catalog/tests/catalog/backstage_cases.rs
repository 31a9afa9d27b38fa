//! Backstage's own test cases (collected in `tests/backstage_cases/`, see its README),
//! replayed against Greenroom's reader and validator. Every row states the verdict of the
//! released Backstage packages; a mismatch fails with the row's source.

use std::path::PathBuf;

use greenroom_catalog::rules::{formats, validate_document};
use greenroom_catalog::{EntityRef, RelationType, declared_relations};
use greenroom_yaml::{Limits, Mark, Node, parse_documents};
use serde_json::Value;

fn table(name: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/backstage_cases")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn rows(value: &Value) -> &Vec<Value> {
    value.as_array().expect("a table is an array of rows")
}

fn source(row: &Value) -> &str {
    row["source"].as_str().unwrap_or("?")
}

/// Runs one validator over a JSON value; non-strings are invalid for every string rule.
fn check_value(function: &str, value: &Value) -> Option<bool> {
    let rule: fn(&str) -> bool = match function {
        "isValidApiVersion" => formats::is_valid_api_version,
        "isValidKind" => formats::is_valid_kind,
        "isValidObjectName" | "isValidEntityName" => formats::is_valid_object_name,
        "isValidNamespace" => formats::is_valid_namespace,
        "isValidLabelKey" => formats::is_valid_label_key,
        "isValidLabelValue" => formats::is_valid_label_value,
        "isValidAnnotationKey" => formats::is_valid_annotation_key,
        "isValidAnnotationValue" => |_| true,
        "isValidDnsSubdomain" => formats::is_valid_dns_subdomain,
        "isValidDnsLabel" => formats::is_valid_dns_label,
        "isValidUrl" => formats::is_valid_url,
        "isValidString" | "isNonEmptyString" => formats::is_valid_string,
        "isValidTag" => formats::is_valid_tag,
        // Internal helpers tested through callbacks, or JavaScript-only concerns.
        "isValidPrefixAndOrSuffix" | "isJsonSafe" => return None,
        other => panic!("validators.json names an unknown function {other}"),
    };
    Some(value.as_str().is_some_and(rule))
}

#[test]
fn field_format_validators_match_backstage() {
    let table = table("validators.json");
    let mut failures = Vec::new();
    let mut checked = 0;
    for (function, cases) in table.as_object().expect("object of functions") {
        for row in rows(cases) {
            if row.get("value_js").is_some() {
                continue; // `undefined`, functions and symbols have no JSON form.
            }
            let Some(got) = check_value(function, &row["value"]) else {
                continue;
            };
            checked += 1;
            if Some(got) != row["valid"].as_bool() {
                failures.push(format!(
                    "{function}({}) = {got}, Backstage: {} [{}]",
                    row["value"],
                    row["valid"],
                    source(row)
                ));
            }
        }
    }
    assert!(checked > 200, "only {checked} rows checked");
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn entity_refs_parse_as_in_backstage() {
    let table = table("entity_refs.json");
    let mut failures = Vec::new();
    for row in rows(&table["parse"]) {
        let Some(input) = row["input"]
            .as_str()
            .or(row["input"].is_null().then_some(""))
        else {
            continue; // Compound `{kind, namespace, name}` inputs are not a text form.
        };
        if row.get("input_js").is_some() {
            continue;
        }
        let context = &row["context"];
        let kind = context.get("defaultKind").and_then(Value::as_str);
        let namespace = context
            .get("defaultNamespace")
            .and_then(Value::as_str)
            .unwrap_or("");
        let got = EntityRef::parse(input, kind, namespace);
        let expected = row["expected"].as_object().map(|e| {
            EntityRef::new(
                e["kind"].as_str().unwrap_or_default(),
                e["namespace"].as_str().unwrap_or_default(),
                e["name"].as_str().unwrap_or_default(),
            )
        });
        let ok = match (&got, &expected) {
            (Ok(got), Some(expected)) => got == expected,
            (Err(_), None) => true,
            _ => false,
        };
        if !ok {
            failures.push(format!(
                "parse({input:?}, {context}) = {got:?}, Backstage: {expected:?} [{}]",
                source(row)
            ));
        }
    }
    for row in rows(&table["compare"]) {
        let (Some(reference), Some(entity)) = (row["ref"].as_str(), row.get("entity")) else {
            continue;
        };
        let context = &row["context"];
        let kind = context.get("defaultKind").and_then(Value::as_str);
        let namespace = context
            .get("defaultNamespace")
            .and_then(Value::as_str)
            .unwrap_or("");
        let entity_key = EntityRef::new(
            entity["kind"].as_str().unwrap_or_default(),
            entity["metadata"]["namespace"]
                .as_str()
                .unwrap_or("default"),
            entity["metadata"]["name"].as_str().unwrap_or_default(),
        )
        .key();
        let matches =
            EntityRef::parse(reference, kind, namespace).is_ok_and(|r| r.key() == entity_key);
        if Some(matches) != row["matches"].as_bool() {
            failures.push(format!(
                "compare({reference:?}, {entity_key}) = {matches} [{}]",
                source(row)
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// A JSON entity as the YAML document a file would hold.
fn document(entity: &Value) -> Node {
    Node::from_json(entity, Mark::new(1, 1))
}

#[test]
fn whole_documents_get_backstages_verdict() {
    let table = table("entities.json");
    let mut failures = Vec::new();
    let mut checked = 0;
    for row in rows(&table) {
        let Some(expected) = row["pipeline"]["valid"].as_bool() else {
            continue;
        };
        if row["name"]
            .as_str()
            .is_some_and(|n| n.contains("mcp-server"))
        {
            continue; // Behind Backstage's opt-in model-layer flag; see the README.
        }
        checked += 1;
        let verdict = validate_document(&document(&row["entity"]));
        let valid = verdict.entity.is_some();
        if valid != expected {
            let ours: Vec<String> = verdict
                .problems
                .iter()
                .filter(|p| p.is_error())
                .map(ToString::to_string)
                .collect();
            failures.push(format!(
                "{}: ours {valid} {ours:?}, Backstage {expected} ({}) [{}]",
                row["name"],
                row["pipeline"]["error"],
                source(row)
            ));
        }
    }
    assert!(checked > 350, "only {checked} rows checked");
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn relations_are_emitted_in_both_directions_as_backstage_does() {
    let table = table("relations.json");
    for row in rows(&table) {
        let verdict = validate_document(&document(&row["entity"]));
        if row.get("error").is_some_and(|e| !e.is_null()) {
            assert!(
                verdict.entity.is_none(),
                "expected an error: {} [{}]",
                row["error"],
                source(row)
            );
            continue;
        }
        let entity = verdict.entity.unwrap_or_else(|| {
            panic!(
                "valid entity expected: {:?} [{}]",
                verdict.problems,
                source(row)
            )
        });
        let mut ours: Vec<(String, &str, String)> = declared_relations(&entity)
            .into_iter()
            .flat_map(|r| [r.inverse(), r])
            .map(|r| (r.source.key(), r.relation_type.as_str(), r.target.key()))
            .collect();
        let mut expected: Vec<(String, &str, String)> = rows(&row["relations"])
            .iter()
            .map(|r| {
                let parse = |v: &Value| {
                    EntityRef::from_key(v.as_str().expect("ref"))
                        .expect("full ref")
                        .key()
                };
                let kind =
                    RelationType::parse(r["type"].as_str().expect("type")).expect("known type");
                (parse(&r["source"]), kind.as_str(), parse(&r["target"]))
            })
            .collect();
        ours.sort();
        expected.sort();
        assert_eq!(ours, expected, "[{}]", source(row));
    }
}

#[test]
fn multi_document_files_are_read_document_by_document() {
    let table = table("yaml_documents.json");
    for row in rows(&table) {
        let text = row["yaml"].as_str().expect("yaml text");
        let results: Vec<Result<Value, String>> = parse_documents(text, &Limits::default())
            .into_iter()
            .filter(|d| !d.content.as_ref().is_ok_and(Node::is_null))
            .map(|d| match d.content {
                Ok(node) if node.as_map().is_some() => Ok(node.to_json()),
                Ok(node) => Err(format!(
                    "Expected object at root, got {}",
                    node.value.type_name()
                )),
                Err(e) => Err(e.message),
            })
            .collect();
        let expected = rows(&row["expected"]);
        assert_eq!(
            results.len(),
            expected.len(),
            "{results:?} [{}]",
            source(row)
        );
        for (got, want) in results.iter().zip(expected) {
            match (got, want["kind"].as_str()) {
                (Ok(json), Some("entity")) => {
                    assert_eq!(json, &want["entity"], "[{}]", source(row))
                }
                (Err(_), Some("error")) => {}
                _ => panic!("got {got:?}, Backstage {want} [{}]", source(row)),
            }
        }
    }
}
