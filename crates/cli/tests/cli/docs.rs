use crate::{Env, component, text};

fn docs_repo(env: &Env) {
    env.repo("payments", &[
        ("catalog-info.yaml", &component("payments", "").replace("  tags: [rust]\n", "  tags: [rust]\n  annotations:\n    backstage.io/techdocs-ref: dir:.\n")),
        ("mkdocs.yml", "site_name: Payments\nnav:\n  - Home: index.md\n  - Operations: ops/runbook.md\n"),
        ("docs/index.md", "# Payments\n\nMoves money. See the [runbook](ops/runbook.md#restarting-the-ledger).\n"),
        ("docs/ops/runbook.md", "# Runbook\n\n## Restarting the ledger\n\nDrain the queue first, then restart.\n\n## Paging\n\nPage team-a.\n"),
    ]);
}

#[test]
fn docs_are_built_checked_and_searchable() {
    let env = Env::new();
    docs_repo(&env);
    let added = env.ok(&["source", "add", env.repos().to_str().expect("utf-8")]);
    assert!(added.contains("docs: 1 sites, 2 pages"), "{added}");

    let hits = env.json(&["docs", "search", "restarting", "ledger"]);
    assert_eq!(hits[0]["anchor"], "restarting-the-ledger");
    assert_eq!(hits[0]["pageUrl"], "ops/runbook/");
    assert_eq!(hits[0]["entity"], "component:default/payments");
    let within = env.json(&["docs", "search", "page", "--entity", "payments"]);
    assert_eq!(within[0]["title"], "Paging");

    let out = env.dir.path().join("site");
    env.ok(&[
        "docs",
        "build",
        "payments",
        "--out",
        out.to_str().expect("utf-8"),
    ]);
    let runbook =
        std::fs::read_to_string(out.join("ops/runbook/index.html")).expect("runbook page");
    assert!(
        runbook.contains("id=\"restarting-the-ledger\""),
        "{runbook}"
    );

    let folder = env.repos().join("payments");
    assert_eq!(
        env.run(&["docs", "check", folder.to_str().expect("utf-8")])
            .status
            .code(),
        Some(0)
    );
    crate::write(
        &folder,
        "docs/index.md",
        "# Payments\n\nSee [gone](ops/gone.md) and [runbook](ops/runbook.md#nope).\n",
    );
    let broken = env.run(&["docs", "check", folder.to_str().expect("utf-8")]);
    assert_eq!(broken.status.code(), Some(1));
    let report = text(&broken.stdout);
    assert!(
        report.contains("docs/index.md:3: error: link 'ops/gone.md'"),
        "{report}"
    );
    assert!(report.contains("has no anchor '#nope'"), "{report}");

    // A docs edit is re-indexed on the next index; an unchanged site is left alone.
    crate::write(
        &folder,
        "docs/ops/runbook.md",
        "# Runbook\n\n## Failing over\n\nSwitch regions.\n",
    );
    let again = env.ok(&["index"]);
    assert!(
        again.contains("docs: 1 sites, 2 pages (1 sites changed)"),
        "{again}"
    );
    assert_eq!(
        env.json(&["docs", "search", "failing"])[0]["anchor"],
        "failing-over"
    );
    assert!(
        env.json(&["docs", "search", "restarting"])
            .as_array()
            .expect("array")
            .is_empty()
    );
    assert!(env.ok(&["index"]).contains("(0 sites changed)"));
}
