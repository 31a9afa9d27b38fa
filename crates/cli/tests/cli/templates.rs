use crate::{Env, text};

#[test]
fn a_built_in_template_creates_a_project_that_joins_the_catalog() {
    let env = Env::new();
    let templates = env.json(&["template", "list"]);
    let refs: Vec<&str> = templates
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|t| t["entityRef"].as_str())
        .collect();
    for expected in [
        "template:default/rust-service",
        "template:default/react-webapp",
        "template:default/typescript-library",
        "template:default/docs-site",
    ] {
        assert!(refs.contains(&expected), "{refs:?}");
    }

    let out = env.dir.path().join("handbook");
    let answers = [
        "--set",
        "name=handbook",
        "--set",
        "owner=team-a",
        "--set",
        "system=platform",
        "--set",
        "repoUrl=github.com?owner=acme&repo=handbook",
    ];
    let mut dry = vec!["scaffold", "docs-site", "--dry-run"];
    dry.extend(answers);
    let preview = env.ok(&dry);
    assert!(
        preview.contains("catalog-info.yaml") && preview.contains("mkdocs.yml"),
        "{preview}"
    );
    assert!(!out.exists(), "a dry run wrote files");

    let mut run = vec![
        "scaffold",
        "docs-site",
        "--out",
        out.to_str().expect("utf-8"),
    ];
    run.extend(answers);
    let created = env.ok(&run);
    assert!(
        created.contains("in the catalog: component:default/handbook"),
        "{created}"
    );
    let shown = env.json(&["show", "handbook"]);
    assert_eq!(shown["entity"]["spec"]["owner"], "team-a");
    assert!(out.join(".greenroom/answers.yaml").exists());

    let update = env.ok(&["scaffold", "update", out.to_str().expect("utf-8")]);
    assert!(update.contains("is up to date"), "{update}");

    let missing = env.run(&[
        "scaffold",
        "docs-site",
        "--out",
        env.dir.path().join("x").to_str().expect("utf-8"),
    ]);
    assert!(!missing.status.success());
    assert!(
        text(&missing.stderr).contains("required"),
        "{}",
        text(&missing.stderr)
    );
}
