//! A snapshot made on one machine gives another, offline and with nothing cloned, the same
//! portal: entities, relations, search, problems and docs. Newer snapshots replace older
//! ones; local definitions win conflicts until the user chooses otherwise.

use std::path::Path;

use greenroom::techdocs::clean_html;
use serde_json::Value;

use crate::{Env, Machine, component, git_repo, listing, org};

/// What `ls`, `show` and `search` say, without the ids that differ between machines.
fn portal(machine: &Machine) -> Value {
    let strip = |value: &mut Value, keys: &[&str]| {
        if let Some(object) = value.as_object_mut() {
            for key in keys {
                object.remove(*key);
            }
        }
    };
    let mut entities = machine.json(&["ls"]);
    for item in entities.as_array_mut().expect("array") {
        strip(item, &["source_id"]);
    }
    let mut shown = Vec::new();
    for item in entities.as_array().expect("array") {
        let key = item["key"].as_str().expect("key");
        let mut show = machine.json(&["show", key]);
        strip(&mut show, &["source"]);
        for problem in show["problems"].as_array_mut().expect("array") {
            strip(problem, &["source_id", "source_name"]);
        }
        shown.push(show);
    }
    let mut docs = machine.json(&["docs", "search", "restart"]);
    for hit in docs.as_array_mut().expect("array") {
        strip(hit, &["siteId", "score"]);
    }
    let mut search = machine.json(&["search", "pay"]);
    for hit in search.as_array_mut().expect("array") {
        strip(hit, &["score"]);
    }
    let mut problems = machine.json(&["problems"]);
    for problem in problems.as_array_mut().expect("array") {
        strip(problem, &["source_id", "source_name"]);
    }
    serde_json::json!({
        "ls": entities,
        "show": shown,
        "search": search,
        "docs": docs,
        "problems": problems,
        "stats": machine.json(&["stats"]),
    })
}

fn site_files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files = Vec::new();
    for line in listing(dir).lines() {
        let path = line.rsplit_once(' ').expect("size").0;
        let full = dir.join(path);
        if full.is_file() {
            let bytes = std::fs::read(&full).expect("read");
            let bytes = if path.ends_with(".html") {
                clean_html(&String::from_utf8(bytes).expect("utf8")).into_bytes()
            } else {
                bytes
            };
            files.push((path.to_owned(), bytes));
        }
    }
    files
}

#[test]
fn an_onboarding_pack_gives_a_fresh_machine_the_same_portal_offline() {
    let env = Env::new();
    let repos = env.path("repos");
    org(&repos);
    let platform = env.machine("platform");
    let added = platform.ok(&["source", "add", repos.to_str().expect("utf8")]);
    assert!(added.contains("docs: 2 sites"), "{added}");
    let pack = env.path("onboarding.greenroom");
    let pack = pack.to_str().expect("utf8");
    let exported = platform.json(&[
        "snapshot",
        "export",
        "--out",
        pack,
        "--with-docs",
        "--name",
        "Platform team",
    ]);
    assert_eq!(exported["manifest"]["counts"]["entities"], 5);
    assert_eq!(exported["manifest"]["counts"]["docSites"], 2);
    assert_eq!(exported["manifest"]["counts"]["pages"], 3);
    assert_eq!(exported["manifest"]["counts"]["assets"], 1);
    assert_eq!(exported["manifest"]["counts"]["apiDefinitions"], 1);
    assert_eq!(exported["manifest"]["origin"]["id"], "platform-team");
    let site_here = env.path("site-here");
    platform.ok(&[
        "docs",
        "build",
        "payments",
        "--out",
        site_here.to_str().expect("utf8"),
    ]);
    let before = portal(&platform);

    // The same catalog exports to the same bytes.
    let again = env.path("again.greenroom");
    platform.ok(&[
        "snapshot",
        "export",
        "--out",
        again.to_str().expect("utf8"),
        "--with-docs",
        "--name",
        "Platform team",
    ]);
    assert_eq!(
        std::fs::read(pack).expect("read"),
        std::fs::read(&again).expect("read")
    );

    // A new hire's laptop: no repositories at all.
    std::fs::remove_dir_all(&repos).expect("remove repos");
    let laptop = env.machine("laptop");
    let inspected = laptop.ok(&["snapshot", "inspect", pack]);
    assert!(
        inspected.contains("Snapshot of Platform team (origin `platform-team`)"),
        "{inspected}"
    );
    assert!(inspected.contains("5 entities"), "{inspected}");
    assert!(
        inspected.contains("all 5 entities are valid"),
        "{inspected}"
    );
    assert!(
        !laptop.data.join("catalog.db").exists(),
        "inspect imports nothing"
    );

    let report = laptop.json(&["snapshot", "import", pack]);
    assert_eq!(report["created"], true);
    assert_eq!(report["added"], 5);
    assert_eq!(report["pages"], 3);
    assert_eq!(report["shadowed"], 0);
    let name = report["sourceName"].as_str().expect("name");
    assert!(name.starts_with("Platform team snapshot, 20"), "{name}");

    assert_eq!(before, portal(&laptop), "the laptop shows the same portal");
    let site_there = env.path("site-there");
    laptop.ok(&[
        "docs",
        "build",
        "payments",
        "--out",
        site_there.to_str().expect("utf8"),
    ]);
    let (here, there) = (site_files(&site_here), site_files(&site_there));
    assert_eq!(
        here.iter().map(|f| &f.0).collect::<Vec<_>>(),
        there.iter().map(|f| &f.0).collect::<Vec<_>>()
    );
    assert!(
        there
            .iter()
            .any(|(p, bytes)| p.ends_with("img/flow.png") && bytes == crate::PNG),
        "the image travels"
    );
    for ((path, a), (_, b)) in here.iter().zip(&there) {
        assert_eq!(a, b, "{path} differs");
    }

    let list = laptop.json(&["snapshot", "list"]);
    assert_eq!(list[0]["snapshot"]["origin"]["name"], "Platform team");
    assert!(list[0]["ageMillis"].as_i64().expect("age") >= 0);
    assert_eq!(list[0]["source"]["priority"], 50);
    let listed = laptop.ok(&["snapshot", "list"]);
    assert!(listed.contains("unsigned"), "{listed}");

    let repo = laptop.ok(&["snapshot", "repo", "payments"]);
    assert!(
        repo.contains(
            "not on this machine; clone it with: git clone https://git.example.com/org/payments.git"
        ),
        "{repo}"
    );

    // Removing the snapshot removes its entities and its docs.
    let source = list[0]["source"]["id"].to_string();
    laptop.ok(&["snapshot", "remove", &source]);
    assert_eq!(laptop.json(&["stats"])["entities"], 0);
    assert!(
        laptop
            .json(&["docs", "search", "restart"])
            .as_array()
            .expect("array")
            .is_empty()
    );
    assert_eq!(listing(&laptop.data.join("docs-cache/snapshots")), "");

    // So does removing it as any source (the app's Remove does that).
    let again = laptop.json(&["snapshot", "import", pack]);
    assert_ne!(listing(&laptop.data.join("docs-cache/snapshots")), "");
    laptop.ok(&["source", "remove", &again["sourceId"].to_string()]);
    assert_eq!(laptop.json(&["stats"])["entities"], 0);
    assert_eq!(listing(&laptop.data.join("docs-cache/snapshots")), "");
}

#[test]
fn a_newer_snapshot_replaces_the_older_one_and_an_older_one_is_refused() {
    let env = Env::new();
    let repos = env.path("repos");
    org(&repos);
    let platform = env.machine("platform");
    platform.ok(&["source", "add", repos.to_str().expect("utf8")]);
    let first = env.path("first.greenroom");
    platform.ok(&[
        "snapshot",
        "export",
        "--out",
        first.to_str().expect("utf8"),
        "--with-docs",
        "--name",
        "Platform team",
    ]);

    let laptop = env.machine("laptop");
    let imported = laptop.json(&["snapshot", "import", first.to_str().expect("utf8")]);

    // A day later: a new service, a changed one, one gone.
    std::thread::sleep(std::time::Duration::from_millis(20));
    std::fs::remove_dir_all(repos.join("checkout")).expect("remove");
    git_repo(
        &repos.join("billing"),
        &[("catalog-info.yaml", component("billing", "").as_bytes())],
    );
    crate::write(
        &repos.join("payments"),
        "catalog-info.yaml",
        component("payments", "").replace("The payments service", "Takes payments"),
    );
    platform.ok(&["index"]);
    let second = env.path("second.greenroom");
    platform.ok(&[
        "snapshot",
        "export",
        "--out",
        second.to_str().expect("utf8"),
        "--with-docs",
        "--name",
        "Platform team",
    ]);

    let replaced = laptop.json(&["snapshot", "import", second.to_str().expect("utf8")]);
    assert_eq!(replaced["created"], false);
    assert_eq!(replaced["sourceId"], imported["sourceId"]);
    assert_eq!(replaced["added"], 1, "billing: {replaced}");
    assert_eq!(
        replaced["removed"], 2,
        "checkout and payments-api: {replaced}"
    );
    assert_eq!(replaced["updated"], 1, "payments: {replaced}");
    assert_eq!(
        laptop
            .json(&["source", "list"])
            .as_array()
            .expect("array")
            .len(),
        1
    );
    assert_eq!(
        laptop.json(&["show", "payments"])["entity"]["metadata"]["description"],
        "Takes payments"
    );
    assert!(
        laptop
            .json(&["docs", "search", "orders"])
            .as_array()
            .expect("array")
            .is_empty(),
        "checkout's docs went"
    );
    let folders = listing(&laptop.data.join("docs-cache/snapshots"));
    assert_eq!(
        folders.lines().filter(|l| !l.contains('/')).count(),
        1,
        "one docs folder: {folders}"
    );

    // The same file again: nothing to do.
    assert!(
        laptop
            .ok(&["snapshot", "import", second.to_str().expect("utf8")])
            .contains("nothing changed")
    );

    // Going back needs saying so.
    let before = laptop.dump();
    let refused = laptop.fails(&["snapshot", "import", first.to_str().expect("utf8")]);
    assert!(
        refused.contains("is older than the one already imported"),
        "{refused}"
    );
    assert_eq!(before, laptop.dump());
    let back = laptop.json(&[
        "snapshot",
        "import",
        first.to_str().expect("utf8"),
        "--allow-older",
    ]);
    assert_eq!(back["added"], 2);
}

#[test]
fn local_definitions_win_and_the_conflict_is_visible() {
    let env = Env::new();
    let repos = env.path("repos");
    org(&repos);
    let platform = env.machine("platform");
    platform.ok(&["source", "add", repos.to_str().expect("utf8")]);
    let pack = env.path("pack.greenroom");
    platform.ok(&[
        "snapshot",
        "export",
        "--out",
        pack.to_str().expect("utf8"),
        "--with-docs",
        "--name",
        "Platform team",
    ]);

    // A developer who has their own checkout of payments, with local changes.
    let mine = env.path("mine");
    git_repo(
        &mine.join("payments"),
        &[
            (
                "catalog-info.yaml",
                component("payments", "")
                    .replace("The payments service", "My branch of payments")
                    .as_bytes(),
            ),
            (
                "docs/index.md",
                b"# Payments (local)\n\nWork in progress.\n",
            ),
        ],
    );
    let laptop = env.machine("laptop");
    laptop.ok(&["source", "add", mine.to_str().expect("utf8")]);
    let text = laptop.ok(&["snapshot", "import", pack.to_str().expect("utf8")]);
    assert!(
        text.contains("Conflicts: 1 of its entities are also defined by your sources, which win"),
        "{text}"
    );
    assert!(text.contains("component:default/payments"), "{text}");
    assert_eq!(
        laptop.json(&["show", "payments"])["entity"]["metadata"]["description"],
        "My branch of payments"
    );
    let problems = laptop.json(&["problems"]);
    let conflict = problems
        .as_array()
        .expect("array")
        .iter()
        .find(|p| p["code"] == "conflict")
        .expect("a conflict problem");
    assert!(
        conflict["source_name"]
            .as_str()
            .expect("name")
            .contains("Platform team snapshot"),
        "{conflict}"
    );
    // The snapshot's other entities are there.
    assert_eq!(
        laptop.json(&["show", "checkout"])["entity"]["metadata"]["name"],
        "checkout"
    );
    let local = laptop.ok(&["snapshot", "repo", "payments"]);
    assert!(local.contains(", on this machine."), "{local}");

    // The person decides the snapshot wins.
    let snapshot = laptop.json(&["snapshot", "list"])[0]["source"]["id"].to_string();
    laptop.ok(&["source", "priority", &snapshot, "200"]);
    assert_eq!(
        laptop.json(&["show", "payments"])["entity"]["metadata"]["description"],
        "The payments service"
    );
}

#[test]
fn a_snapshot_from_before_schema_7_whose_entities_carry_their_location_imports_the_same() {
    use greenroom::catalog::snapshot::{Limits, Snapshot, write_snapshot};
    use serde_json::value::RawValue;

    let env = Env::new();
    let repos = env.path("repos");
    org(&repos);
    let platform = env.machine("platform");
    platform.ok(&["source", "add", repos.to_str().expect("utf8")]);
    let newer = env.path("newer.greenroom");
    platform.ok(&["snapshot", "export", "--out", newer.to_str().expect("utf8")]);

    // The same snapshot as Greenroom wrote it before: each entity names its file.
    let mut snapshot =
        Snapshot::read(&std::fs::read(&newer).expect("read"), &Limits::default()).expect("good");
    for repo in &mut snapshot.catalog.repos {
        for file in &mut repo.files {
            let location = format!("{}{}", repo.location, file.path);
            for entity in &mut file.entities {
                let mut json: Value = serde_json::from_str(entity.entity.get()).expect("json");
                let metadata = json["metadata"].as_object_mut().expect("metadata");
                let annotations = metadata
                    .entry("annotations")
                    .or_insert_with(|| serde_json::json!({}));
                annotations["backstage.io/managed-by-location"] = location.clone().into();
                annotations["backstage.io/managed-by-origin-location"] = location.clone().into();
                entity.entity = RawValue::from_string(json.to_string()).expect("json");
            }
        }
    }
    let older_bytes =
        write_snapshot(snapshot.manifest.clone(), &snapshot.catalog, None, None).expect("write");
    let older = env.path("older.greenroom");
    std::fs::write(&older, older_bytes).expect("write");

    let (laptop, desktop) = (env.machine("laptop"), env.machine("desktop"));
    laptop.ok(&["snapshot", "import", older.to_str().expect("utf8")]);
    desktop.ok(&["snapshot", "import", newer.to_str().expect("utf8")]);
    assert_eq!(portal(&laptop), portal(&desktop));
    let shown = laptop.json(&["show", "payments"]);
    let annotations = &shown["entity"]["metadata"]["annotations"];
    let location = annotations["backstage.io/managed-by-location"]
        .as_str()
        .expect("made again when read");
    assert!(
        location.starts_with("file:") && location.ends_with("/payments/catalog-info.yaml"),
        "{location}"
    );
    assert_eq!(
        annotations["backstage.io/managed-by-origin-location"],
        location
    );

    // What was stored of each entity does not depend on which of the two files it came from.
    let replaced = laptop.json(&["snapshot", "import", newer.to_str().expect("utf8")]);
    assert_eq!(replaced["created"], false);
    assert_eq!(
        (
            &replaced["added"],
            &replaced["updated"],
            &replaced["removed"]
        ),
        (&Value::from(0), &Value::from(0), &Value::from(0)),
        "{replaced}"
    );
}
