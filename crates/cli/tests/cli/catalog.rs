use std::time::{Duration, Instant};

use crate::{Env, TEAM, component, text};

fn seeded() -> Env {
    let env = Env::new();
    env.repo("payments", &[(
        "catalog-info.yaml",
        &format!(
            "{}---\napiVersion: backstage.io/v1alpha1\nkind: API\nmetadata:\n  name: payments-api\nspec:\n  type: openapi\n  lifecycle: production\n  owner: team-a\n  definition: \"openapi: 3.0.0\"\n",
            component("payments", "  providesApis: [payments-api]\n  dependsOn: [component:ledger, resource:payments-db]\n")
        ),
    )]);
    env.repo(
        "ledger",
        &[(
            "catalog-info.yaml",
            &component("ledger", "  system: billing\n"),
        )],
    );
    env.repo("org", &[("catalog-info.yaml", TEAM)]);
    env
}

#[test]
fn a_folder_becomes_a_queryable_catalog() {
    let env = seeded();
    let added = env.ok(&["source", "add", env.repos().to_str().expect("utf-8")]);
    assert!(
        added.contains("3 repositories (3 read, 0 unchanged), 4 added"),
        "{added}"
    );
    // No progress bar when stdout is not a terminal: the output is only the summary.
    assert_eq!(added.lines().count(), 2, "{added}");

    let components = env.json(&["ls", "--kind", "component", "--owner", "team-a"]);
    let names: Vec<&str> = components
        .as_array()
        .expect("array")
        .iter()
        .map(|e| e["name"].as_str().expect("name"))
        .collect();
    assert_eq!(names, ["ledger", "payments"]);
    for e in components.as_array().expect("array") {
        assert_eq!(e["kind"], "Component");
        assert_eq!(e["namespace"], "default");
    }

    let shown = env.json(&["show", "payments"]);
    assert_eq!(
        (
            shown["kind"].as_str(),
            shown["namespace"].as_str(),
            shown["name"].as_str()
        ),
        (Some("Component"), Some("default"), Some("payments"))
    );
    let relations: Vec<(String, String, bool)> = shown["relations"]
        .as_array()
        .expect("relations")
        .iter()
        .map(|r| {
            (
                r["type"].as_str().unwrap_or_default().to_owned(),
                r["key"].as_str().unwrap_or_default().to_owned(),
                r["missing"].as_bool().unwrap_or(false),
            )
        })
        .collect();
    assert!(
        relations.contains(&("dependsOn".into(), "component:default/ledger".into(), false)),
        "{relations:?}"
    );
    assert!(
        relations.contains(&(
            "dependsOn".into(),
            "resource:default/payments-db".into(),
            true
        )),
        "{relations:?}"
    );
    assert!(
        relations.contains(&(
            "providesApi".into(),
            "api:default/payments-api".into(),
            false
        )),
        "{relations:?}"
    );
    assert!(
        shown["location"]["commit"]
            .as_str()
            .is_some_and(|c| c.len() == 40)
    );

    let human = env.ok(&["show", "component:payments"]);
    assert!(
        human.contains("resource:default/payments-db  (not in the catalog)"),
        "{human}"
    );

    let hits = env.json(&["search", "ledg"]);
    assert_eq!(hits[0]["name"], "ledger");

    let mermaid = env.ok(&["graph", "payments", "--format", "mermaid"]);
    assert!(
        mermaid.starts_with("graph LR") && mermaid.contains("-->|dependsOn|"),
        "{mermaid}"
    );
    let dot = env.ok(&[
        "graph",
        "payments",
        "--format",
        "dot",
        "--relation",
        "dependsOn",
    ]);
    assert!(
        dot.contains("\"component:default/payments\" -> \"component:default/ledger\""),
        "{dot}"
    );
    assert!(!dot.contains("providesApi"), "{dot}");
    let graph = env.ok(&["graph", "team-a", "--depth", "2", "--format", "json"]);
    let graph: serde_json::Value = serde_json::from_str(&graph).expect("json");
    assert!(graph["nodes"].as_array().expect("nodes").len() >= 4);

    let unknown = env.run(&["show", "paymnts"]);
    assert!(!unknown.status.success());
    assert!(
        text(&unknown.stderr).contains("did you mean"),
        "{}",
        text(&unknown.stderr)
    );

    let sources = env.json(&["source", "list"]);
    assert_eq!(sources[0]["entity_count"], 4);
    env.ok(&["source", "remove", "repos"]);
    assert_eq!(env.json(&["ls"]).as_array().map(Vec::len), Some(0));
}

#[test]
fn reindexing_reports_only_what_changed() {
    let env = seeded();
    env.ok(&["source", "add", env.repos().to_str().expect("utf-8")]);
    let again = env.ok(&["index"]);
    assert!(
        again.contains("(0 read, 3 unchanged), no changes"),
        "{again}"
    );
    crate::write(
        &env.repos().join("ledger"),
        "catalog-info.yaml",
        component("ledger", "  system: treasury\n"),
    );
    let changed = env.ok(&["index"]);
    assert!(
        changed.contains("(1 read, 2 unchanged), 0 added, 1 updated, 0 removed"),
        "{changed}"
    );
    std::fs::remove_dir_all(env.repos().join("ledger")).expect("remove repo");
    let removed = env.ok(&["index"]);
    assert!(removed.contains("1 removed"), "{removed}");
}

#[test]
fn searching_works_while_an_index_is_being_written() {
    let env = Env::new();
    env.ok(&[
        "demo",
        "--repos",
        "400",
        "--no-index",
        "--out",
        env.repos().to_str().expect("utf-8"),
    ]);
    env.ok(&[
        "source",
        "add",
        "--no-index",
        env.repos().to_str().expect("utf-8"),
    ]);
    env.ok(&["index"]); // A first index, so that searches have something to find.
    // Make every repository change, so that the next index rewrites everything.
    for entry in std::fs::read_dir(env.repos().join("services")).expect("services") {
        let file = entry.expect("entry").path().join("catalog-info.yaml");
        let content = std::fs::read_to_string(&file).expect("read");
        std::fs::write(
            &file,
            content.replacen("description: ", "description: Changed. ", 1),
        )
        .expect("write");
    }
    let mut index = env
        .command(&["index"])
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("index");
    let started = Instant::now();
    let mut during = 0;
    while index.try_wait().expect("wait").is_none() && started.elapsed() < Duration::from_secs(120)
    {
        let output = env.run(&["search", "orders", "--json"]);
        let still_running = index.try_wait().expect("wait").is_none();
        assert!(
            output.status.success(),
            "search failed during an index: {}",
            text(&output.stderr)
        );
        let hits: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");
        assert!(!hits.as_array().expect("array").is_empty());
        if still_running {
            during += 1;
        }
    }
    assert!(index.wait().expect("index").success());
    assert!(
        during > 0,
        "the index finished before any search could run alongside it"
    );
}

#[test]
fn a_catalog_from_a_newer_greenroom_is_refused_and_left_alone() {
    let env = seeded();
    env.ok(&["source", "add", env.repos().to_str().expect("utf-8")]);
    let db = env.data().join("catalog.db");
    let conn = rusqlite::Connection::open(&db).expect("open");
    conn.pragma_update(None, "user_version", 99)
        .expect("version");
    drop(conn);
    let before = std::fs::read(&db).expect("read");
    let refused = env.run(&["ls"]);
    assert!(!refused.status.success());
    let message = text(&refused.stderr);
    assert!(
        message.contains("newer Greenroom") && message.contains("--data-dir"),
        "{message}"
    );
    assert!(env.run(&["index"]).status.code() != Some(0));
    assert_eq!(
        std::fs::read(&db).expect("read"),
        before,
        "the newer catalog was modified"
    );
}
