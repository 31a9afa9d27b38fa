//! YAML written as npm `yaml` 2 writes it (Backstage's catalog:write).

use serde_json::{Value, json};

use crate::reference;

#[test]
fn yaml_matches_npm_yaml() {
    let values = [
        json!({"metadata": {
            "description": "A library of widgets: shared by the storefront, the back office and every batch job that renders product pages",
            "long": "word ".repeat(40).trim(),
            "url": "https://example.com/a/very/long/path/that/goes/on/and/on/and/on/for/more/than/eighty/characters/total",
            "multi": "line one\nline two is here\n\n",
            "lead": "  leading",
            "quote": "it's",
            "both": "it's \"x\"",
            "indented": "a\n  b\nc",
            "trailing": "x\n  ",
            "specials": ["true", "False", "null", "~", "", "0x1F", "1e3", ".5", "- dash", "? q", "@at", "a # b", "x:", "%pct", "---", "tab\there", "bell\u{7}"],
        },
        "list": [{"a": 1, "b": [1, 2]}, [3, 4], "x: y", null, 1.5, 1e21, 0.000001, -3, {}, []]}),
        json!({"apiVersion": "backstage.io/v1alpha1", "kind": "Component", "metadata": {"name": "svc", "annotations": {"backstage.io/source-template": "template:default/x"}}, "spec": {"type": "service", "owner": "group:default/team", "lifecycle": "experimental"}}),
    ];
    let jobs: Vec<Value> = values
        .iter()
        .map(|v| json!({"kind": "yaml", "value": v}))
        .collect();
    for (value, want) in values.iter().zip(reference::run(&jobs)) {
        let want = want["ok"].as_str().expect("yaml.stringify succeeds");
        assert_eq!(greenroom_scaffolder::to_yaml(value), want);
    }
}
