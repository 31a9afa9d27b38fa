use greenroom_yaml::{Limits, parse_single};

use super::*;

fn verdict(yaml: &str) -> Verdict {
    validate_document(&parse_single(yaml, &Limits::default()).expect("test YAML parses"))
}

fn errors(yaml: &str) -> Vec<(String, String)> {
    verdict(yaml)
        .problems
        .into_iter()
        .filter(Problem::is_error)
        .map(|p| (p.field.unwrap_or_default(), p.code))
        .collect()
}

const COMPONENT: &str = "apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: payments
  tags: [java, c++]
spec:
  type: service
  lifecycle: production
  owner: team-a
  dependsOn: [resource:db]
";

#[test]
fn a_valid_component_becomes_an_entity_in_the_default_namespace() {
    let v = verdict(COMPONENT);
    assert!(v.problems.is_empty(), "{:?}", v.problems);
    let entity = v.entity.expect("entity");
    assert_eq!(entity.entity_ref().key(), "component:default/payments");
    assert_eq!(entity.spec_str("owner"), Some("team-a"));
}

#[test]
fn every_error_is_reported_with_field_and_position() {
    let yaml = "apiVersion: backstage.io/v1alpha1
kind: Component
relations: []
metadata:
  name: My Service
  tags: [Java]
spec:
  type: service
  owner: 42
";
    let v = verdict(yaml);
    let found: Vec<(Option<String>, Option<u32>)> = v
        .problems
        .iter()
        .filter(|p| p.is_error())
        .map(|p| (p.field.clone(), p.line))
        .collect();
    assert_eq!(
        found,
        vec![
            (Some("relations".into()), Some(3)),
            (Some("metadata.name".into()), Some(5)),
            (Some("metadata.tags[0]".into()), Some(6)),
            (Some("spec.lifecycle".into()), Some(8)),
            (Some("spec.owner".into()), Some(9)),
        ]
    );
    assert!(v.entity.is_none());
    let name = v
        .problems
        .iter()
        .find(|p| p.field.as_deref() == Some("metadata.name"))
        .expect("name problem");
    assert!(
        name.message.contains("e.g. `My-Service`"),
        "{}",
        name.message
    );
}

#[test]
fn kinds_are_case_sensitive_and_versioned() {
    let lower = COMPONENT.replace("kind: Component", "kind: component");
    let v = verdict(&lower);
    assert!(
        v.problems[0].message.contains("write `Component`"),
        "{}",
        v.problems[0]
    );
    assert_eq!(
        errors(&COMPONENT.replace("v1alpha1", "v2")),
        vec![("apiVersion".into(), "unknown-api-version".into())]
    );
    assert_eq!(
        errors(&COMPONENT.replace("kind: Component", "kind: Widget")),
        vec![("kind".into(), "unknown-kind".into())]
    );
}

#[test]
fn depends_on_needs_a_kind() {
    let yaml = COMPONENT.replace("[resource:db]", "[db]");
    assert_eq!(
        errors(&yaml),
        vec![("spec.dependsOn[0]".into(), "invalid-ref".into())]
    );
}

#[test]
fn misspelt_spec_keys_are_warnings() {
    let yaml = format!("{COMPONENT}  subComponentOf: other\n");
    let v = verdict(&yaml);
    assert!(v.entity.is_some());
    assert_eq!(v.problems.len(), 1);
    assert_eq!(v.problems[0].severity, crate::Severity::Warning);
    assert!(
        v.problems[0]
            .message
            .contains("did you mean `subcomponentOf`")
    );
}

#[test]
fn the_root_must_be_a_mapping() {
    assert_eq!(
        errors("- a\n- b\n"),
        vec![(String::new(), "not-an-object".into())]
    );
}
