//! The SQLite catalog: writes, incremental updates, conflicts, queries, search, the change
//! feed, and readers during a write.

use std::fs;
use std::path::Path;

use greenroom_catalog::store::{
    EntityQuery, NewSource, ProblemQuery, RepoContent, RepoIndex, SortField, SourceIndex,
    SourceKind,
};
use greenroom_catalog::{Catalog, RelationType, WorkingTree, read_tree};

struct Org {
    dir: tempfile::TempDir,
}

impl Org {
    fn new() -> Org {
        Org {
            dir: tempfile::tempdir().expect("tempdir"),
        }
    }

    fn write(&self, repo: &str, file: &str, text: &str) {
        let path = self.dir.path().join(repo).join(file);
        fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        fs::write(path, text).expect("write");
    }

    fn remove(&self, repo: &str, file: &str) {
        fs::remove_file(self.dir.path().join(repo).join(file)).expect("remove");
    }

    fn repo(&self, repo: &str) -> RepoIndex {
        let root = self.dir.path().join(repo);
        let tree = WorkingTree::new(&root).expect("tree");
        let files = read_tree(&tree, &["catalog-info.yaml".to_owned()]);
        let fingerprint = files
            .iter()
            .map(|f| f.content_hash.as_str())
            .collect::<Vec<_>>()
            .join(",");
        RepoIndex {
            path: root.display().to_string(),
            name: repo.to_owned(),
            head: Some("0123abcd".into()),
            branch: Some("main".into()),
            remote_url: None,
            location: format!("file:{}/", root.display()),
            fingerprint,
            watch: "{}".into(),
            content: RepoContent::Read {
                files,
                problems: Vec::new(),
            },
        }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }
}

fn component(name: &str, extra: &str) -> String {
    format!(
        "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: {name}\n  description: The {name} service\nspec:\n  type: service\n  lifecycle: production\n  owner: team-a\n{extra}"
    )
}

const TEAMS: &str = "apiVersion: backstage.io/v1alpha1
kind: Group
metadata:
  name: platform
spec:
  type: department
  children: [team-a]
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata:
  name: team-a
  title: Team A
spec:
  type: team
  parent: platform
  children: []
  members: [alice]
---
apiVersion: backstage.io/v1alpha1
kind: User
metadata:
  name: alice
spec:
  memberOf: [team-a]
---
apiVersion: backstage.io/v1alpha1
kind: Resource
metadata:
  name: payments-db
spec:
  type: database
  owner: user:alice
";

fn open(org: &Org) -> Catalog {
    Catalog::open(&org.path().join("catalog.db")).expect("open catalog")
}

fn folder(catalog: &mut Catalog, target: &str, name: &str) -> i64 {
    catalog
        .add_source(&NewSource {
            kind: SourceKind::Folder,
            target: target.to_owned(),
            name: name.to_owned(),
            settings: serde_json::json!({}),
            priority: 100,
        })
        .expect("add source")
        .id
}

fn index(
    catalog: &mut Catalog,
    source_id: i64,
    repos: Vec<RepoIndex>,
) -> greenroom_catalog::store::WriteStats {
    catalog
        .apply(SourceIndex {
            source_id,
            repos,
            complete: true,
            problems: Vec::new(),
        })
        .expect("apply")
}

fn seed(org: &Org) {
    org.write(
        "payments",
        "catalog-info.yaml",
        &component(
            "payments",
            "  dependsOn: [resource:payments-db, component:ledger]\n  system: billing\n",
        ),
    );
    org.write("teams", "catalog-info.yaml", TEAMS);
}

/// The seeded organisation and a `web` repository holding `web`, indexed as one source.
fn indexed_with_web(web: &str) -> (Org, Catalog) {
    let org = Org::new();
    seed(&org);
    org.write("web", "catalog-info.yaml", web);
    let mut catalog = open(&org);
    let source = folder(&mut catalog, "/src", "src");
    index(
        &mut catalog,
        source,
        vec![org.repo("payments"), org.repo("teams"), org.repo("web")],
    );
    (org, catalog)
}

#[test]
fn relations_are_queryable_both_ways_and_missing_targets_are_kept() {
    let org = Org::new();
    seed(&org);
    let mut catalog = open(&org);
    let source = folder(&mut catalog, "/src", "src");
    let stats = index(
        &mut catalog,
        source,
        vec![org.repo("payments"), org.repo("teams")],
    );
    assert_eq!(stats.added, 5);

    let related = catalog
        .relations_of("component:default/payments")
        .expect("relations");
    let view: Vec<(RelationType, &str, bool)> = related
        .iter()
        .map(|r| (r.relation_type, r.key.as_str(), r.missing))
        .collect();
    assert_eq!(
        view,
        [
            (RelationType::OwnedBy, "group:default/team-a", false),
            (RelationType::DependsOn, "component:default/ledger", true),
            (
                RelationType::DependsOn,
                "resource:default/payments-db",
                false
            ),
            (RelationType::PartOf, "system:default/billing", true),
        ]
    );
    let team = catalog
        .relations_of("group:default/team-a")
        .expect("relations");
    assert!(
        team.iter()
            .any(|r| r.relation_type == RelationType::OwnerOf
                && r.key == "component:default/payments"),
        "{team:?}"
    );
    assert_eq!(
        catalog.stats().expect("stats").relations,
        9,
        "4 of payments, 1 of the db, 4 of the teams"
    );
    let db = catalog
        .relations_of("resource:default/payments-db")
        .expect("relations");
    assert!(
        db.iter()
            .any(|r| r.relation_type == RelationType::DependencyOf
                && r.key == "component:default/payments")
    );

    let record = catalog
        .entity("Component:Default/Payments")
        .expect("query")
        .expect("present");
    let location = record.location.expect("location");
    assert_eq!(location.file, "catalog-info.yaml");
    assert_eq!(location.commit.as_deref(), Some("0123abcd"));
    assert_eq!(
        record
            .entity
            .annotation("backstage.io/managed-by-location")
            .map(|l| l.ends_with("payments/catalog-info.yaml")),
        Some(true)
    );

    let graph = catalog
        .graph("group:default/platform", 2, &[])
        .expect("graph");
    let keys: Vec<&str> = graph.nodes.iter().map(|n| n.key.as_str()).collect();
    assert_eq!(keys[0], "group:default/platform");
    assert!(
        keys.contains(&"component:default/payments") && keys.contains(&"user:default/alice"),
        "{keys:?}"
    );
    assert!(
        !keys.contains(&"resource:default/payments-db"),
        "depth 3 is beyond the graph: {keys:?}"
    );
    assert!(
        graph
            .edges
            .iter()
            .all(|e| e.relation_type != RelationType::OwnerOf),
        "one direction per pair"
    );

    let owned: Vec<String> = catalog
        .owned_by("group:default/platform")
        .expect("owned")
        .into_iter()
        .map(|e| e.key)
        .collect();
    assert_eq!(
        owned,
        ["component:default/payments", "resource:default/payments-db"]
    );
    let mine: Vec<String> = catalog
        .owned_by("user:default/alice")
        .expect("owned")
        .into_iter()
        .map(|e| e.key)
        .collect();
    assert_eq!(
        mine,
        ["component:default/payments", "resource:default/payments-db"]
    );
}

#[test]
fn lists_filter_sort_and_count_facets() {
    let (_org, catalog) = indexed_with_web(
        &component("web", "  system: billing\n")
            .replace("type: service", "type: website")
            .replace("owner: team-a", "owner: platform"),
    );

    let components = catalog
        .list(&EntityQuery {
            kinds: vec!["Component".into()],
            ..Default::default()
        })
        .expect("list");
    assert_eq!(components.total, 2);
    let owned = catalog
        .list(&EntityQuery {
            kinds: vec!["component".into()],
            owners: vec!["group:default/team-a".into()],
            ..Default::default()
        })
        .expect("list");
    assert_eq!(
        owned
            .items
            .iter()
            .map(|e| e.name.as_str())
            .collect::<Vec<_>>(),
        ["payments"]
    );
    let by_kind = catalog
        .list(&EntityQuery {
            sort: SortField::Kind,
            descending: true,
            limit: Some(2),
            ..Default::default()
        })
        .expect("list");
    assert_eq!(by_kind.total, 6);
    assert_eq!(
        by_kind
            .items
            .iter()
            .map(|e| e.kind.as_str())
            .collect::<Vec<_>>(),
        ["User", "Resource"]
    );
    let text = catalog
        .list(&EntityQuery {
            text: Some("web serv".into()),
            ..Default::default()
        })
        .expect("list");
    assert_eq!(
        text.items
            .iter()
            .map(|e| e.name.as_str())
            .collect::<Vec<_>>(),
        ["web"]
    );

    let facets = catalog
        .facets(&EntityQuery {
            kinds: vec!["component".into()],
            types: vec!["website".into()],
            ..Default::default()
        })
        .expect("facets");
    // Each facet is counted with the other filters: the kind facet ignores the kind filter.
    let kinds: Vec<(&str, usize)> = facets
        .kinds
        .iter()
        .map(|f| (f.value.as_str(), f.count))
        .collect();
    assert_eq!(kinds, [("Component", 1)]);
    let types: Vec<(&str, usize)> = facets
        .types
        .iter()
        .map(|f| (f.value.as_str(), f.count))
        .collect();
    assert_eq!(types, [("service", 1), ("website", 1)]);
}

#[test]
fn tags_filter_and_count_only_shown_definitions() {
    let org = Org::new();
    let tagged = |name: &str, tags: &str| {
        component(name, "").replace("metadata:\n", &format!("metadata:\n  tags: [{tags}]\n"))
    };
    org.write(
        "payments",
        "catalog-info.yaml",
        &tagged("payments", "rust, payments"),
    );
    org.write("web", "catalog-info.yaml", &tagged("web", "rust, frontend"));
    org.write("ledger", "catalog-info.yaml", &component("ledger", ""));
    let mut catalog = open(&org);
    let source = folder(&mut catalog, "/src", "src");
    index(
        &mut catalog,
        source,
        vec![org.repo("payments"), org.repo("web"), org.repo("ledger")],
    );
    let with_tags = |tags: &[&str]| EntityQuery {
        tags: tags.iter().map(|t| (*t).to_owned()).collect(),
        ..Default::default()
    };
    let names = |catalog: &Catalog, tags: &[&str]| {
        let page = catalog.list(&with_tags(tags)).expect("list");
        page.items.into_iter().map(|e| e.name).collect::<Vec<_>>()
    };
    assert_eq!(names(&catalog, &["rust"]), ["payments", "web"]);
    assert_eq!(
        names(&catalog, &["frontend", "payments"]),
        ["payments", "web"]
    );
    assert_eq!(names(&catalog, &["go"]), Vec::<String>::new());
    let web = catalog
        .list(&EntityQuery {
            text: Some("web".into()),
            ..Default::default()
        })
        .expect("list");
    assert_eq!(
        web.items[0].tags,
        ["rust", "frontend"],
        "in the descriptor's order"
    );

    let counts = |catalog: &Catalog, tags: &[&str]| {
        let facets = catalog.facets(&with_tags(tags)).expect("facets");
        let tags: Vec<(String, usize)> = facets
            .tags
            .into_iter()
            .map(|f| (f.value, f.count))
            .collect();
        let kinds: Vec<(String, usize)> = facets
            .kinds
            .into_iter()
            .map(|f| (f.value, f.count))
            .collect();
        (tags, kinds)
    };
    let (tags, kinds) = counts(&catalog, &["frontend"]);
    // The tag facet ignores the tag filter; the others count under it.
    assert_eq!(
        tags,
        [
            ("rust".to_owned(), 2),
            ("frontend".to_owned(), 1),
            ("payments".to_owned(), 1)
        ]
    );
    assert_eq!(kinds, [("Component".to_owned(), 1)]);

    // Tags follow the definition that is shown: a second definition of web, not shown,
    // adds none; web without tags loses them.
    org.write("web-copy", "catalog-info.yaml", &tagged("web", "go"));
    org.write("web", "catalog-info.yaml", &component("web", ""));
    index(
        &mut catalog,
        source,
        vec![
            org.repo("payments"),
            org.repo("web"),
            org.repo("ledger"),
            org.repo("web-copy"),
        ],
    );
    assert_eq!(names(&catalog, &["rust"]), ["payments"]);
    assert_eq!(names(&catalog, &["go"]), Vec::<String>::new());
    let (tags, _) = counts(&catalog, &[]);
    assert_eq!(tags, [("payments".to_owned(), 1), ("rust".to_owned(), 1)]);
}

#[test]
fn reindexing_rewrites_only_what_changed() {
    let org = Org::new();
    seed(&org);
    let mut catalog = open(&org);
    let source = folder(&mut catalog, "/src", "src");
    index(
        &mut catalog,
        source,
        vec![org.repo("payments"), org.repo("teams")],
    );
    let feed_start = catalog.latest_change().expect("feed");

    // Nothing changed: no entity writes, nothing in the feed.
    let mut unchanged = org.repo("payments");
    unchanged.content = RepoContent::Unchanged;
    let mut teams = org.repo("teams");
    teams.content = RepoContent::Unchanged;
    let stats = index(&mut catalog, source, vec![unchanged, teams]);
    assert_eq!(
        (
            stats.added,
            stats.updated,
            stats.removed,
            stats.repos_unchanged
        ),
        (0, 0, 0, 2)
    );
    assert_eq!(catalog.latest_change().expect("feed"), feed_start);

    // One file changed: its entity is updated, the others untouched.
    org.write(
        "payments",
        "catalog-info.yaml",
        &component("payments", "  lifecycle: deprecated\n")
            .replace("  lifecycle: production\n", ""),
    );
    let stats = index(
        &mut catalog,
        source,
        vec![org.repo("payments"), org.repo("teams")],
    );
    assert_eq!(
        (
            stats.added,
            stats.updated,
            stats.removed,
            stats.files_changed
        ),
        (0, 1, 0, 1)
    );
    let batch = catalog.changes_since(feed_start).expect("feed");
    assert_eq!(batch.entities, ["component:default/payments"]);
    assert!(!batch.reset);
    let record = catalog
        .entity("component:default/payments")
        .expect("q")
        .expect("present");
    assert_eq!(record.entity.spec_str("lifecycle"), Some("deprecated"));
    assert!(
        catalog
            .relations_of("component:default/payments")
            .expect("r")
            .iter()
            .all(|r| r.relation_type != RelationType::DependsOn)
    );

    // A repository disappears: its entities go, with their relations and search rows.
    let stats = index(&mut catalog, source, vec![org.repo("teams")]);
    assert_eq!((stats.removed, stats.repos_removed), (1, 1));
    assert!(
        catalog
            .entity("component:default/payments")
            .expect("q")
            .is_none()
    );
    assert!(
        catalog
            .search("payments", 10)
            .expect("search")
            .iter()
            .all(|h| h.name != "payments")
    );

    // A file disappears from a repository.
    org.write("teams", "extra.yaml", &component("extra", ""));
    org.write("teams", "catalog-info.yaml", &format!("{TEAMS}---\napiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata:\n  name: more\nspec:\n  target: ./extra.yaml\n"));
    index(&mut catalog, source, vec![org.repo("teams")]);
    assert!(
        catalog
            .entity("component:default/extra")
            .expect("q")
            .is_some()
    );
    org.remove("teams", "extra.yaml");
    let stats = index(&mut catalog, source, vec![org.repo("teams")]);
    assert_eq!(stats.removed, 1);
    let problems = catalog
        .problems(&ProblemQuery::default())
        .expect("problems");
    assert!(
        problems
            .iter()
            .any(|p| p.problem.code == "location-target-missing"),
        "{problems:?}"
    );
}

#[test]
fn conflicting_definitions_show_one_and_report_the_other() {
    let org = Org::new();
    org.write(
        "a",
        "catalog-info.yaml",
        &component("shared", "").replace("The shared service", "From A"),
    );
    org.write(
        "b",
        "catalog-info.yaml",
        &component("shared", "").replace("The shared service", "From B"),
    );
    let mut catalog = open(&org);
    let first = folder(&mut catalog, "/first", "first");
    let second = folder(&mut catalog, "/second", "second");
    index(&mut catalog, first, vec![org.repo("a")]);
    index(&mut catalog, second, vec![org.repo("b")]);
    let shown = |c: &Catalog| {
        c.entity("component:default/shared")
            .expect("q")
            .expect("present")
            .entity
            .metadata
            .description
    };
    assert_eq!(shown(&catalog).as_deref(), Some("From A"));
    let conflicts = catalog
        .problems(&ProblemQuery {
            source_id: Some(second),
            ..Default::default()
        })
        .expect("problems");
    assert_eq!(conflicts.len(), 1);
    assert_eq!(conflicts[0].problem.code, "conflict");
    assert!(
        conflicts[0].problem.message.contains("first: "),
        "{}",
        conflicts[0].problem.message
    );

    catalog.set_source_priority(second, 200).expect("priority");
    assert_eq!(shown(&catalog).as_deref(), Some("From B"));
    catalog.set_source_priority(second, 100).expect("priority");
    assert_eq!(shown(&catalog).as_deref(), Some("From A"));

    catalog.remove_source(first).expect("remove");
    assert_eq!(shown(&catalog).as_deref(), Some("From B"));
    assert!(
        catalog
            .problems(&ProblemQuery::default())
            .expect("problems")
            .is_empty()
    );
    assert_eq!(catalog.search("shared", 5).expect("search").len(), 1);
}

#[test]
fn search_ranks_names_and_titles_above_descriptions() {
    let org = Org::new();
    org.write(
        "a",
        "catalog-info.yaml",
        &[
            component("checkout", "").replace("The checkout service", "Talks to the ledger"),
            component("ledger-core", ""),
            component("reports", "").replace("metadata:\n", "metadata:\n  title: Ledger reports\n"),
        ]
        .join("---\n"),
    );
    let mut catalog = open(&org);
    let source = folder(&mut catalog, "/a", "a");
    index(&mut catalog, source, vec![org.repo("a")]);
    let names: Vec<String> = catalog
        .search("ledg", 10)
        .expect("search")
        .into_iter()
        .map(|h| h.name)
        .collect();
    assert_eq!(names, ["ledger-core", "reports", "checkout"]);
    assert_eq!(
        catalog.search("reports", 10).expect("search")[0].name,
        "reports"
    );
    assert!(catalog.search("\"unbalanced AND (", 10).is_ok());
}

#[test]
fn search_finds_owners_systems_and_namespaces_by_name_not_by_ref_syntax() {
    let (_org, catalog) = indexed_with_web(
        &component("web", "")
            .replace("owner: team-a", "owner: group:default/platform")
            .replace("metadata:\n", "metadata:\n  namespace: storefront\n"),
    );
    let found = |text: &str| {
        let mut names: Vec<String> = catalog
            .search(text, 20)
            .expect("search")
            .into_iter()
            .map(|h| h.name)
            .collect();
        names.sort();
        names
    };
    assert_eq!(found("platform"), ["platform", "web"], "owner");
    assert_eq!(found("billing"), ["payments"], "system");
    assert_eq!(found("storefront"), ["web"], "namespace");
    // Every entity's namespace is `default`, and a ref's kind is not what it is about.
    assert_eq!(found("default"), Vec::<String>::new());
    assert_eq!(found("group"), ["platform", "team-a"], "kind only");
}

#[test]
fn readers_are_not_blocked_by_a_writer() {
    let org = Org::new();
    seed(&org);
    let mut catalog = open(&org);
    let source = folder(&mut catalog, "/src", "src");
    index(
        &mut catalog,
        source,
        vec![org.repo("payments"), org.repo("teams")],
    );
    let path = org.path().join("catalog.db");
    let writer = rusqlite::Connection::open(&path).expect("writer");
    writer
        .execute_batch("BEGIN IMMEDIATE; DELETE FROM relations;")
        .expect("hold a write transaction");
    let reader = Catalog::open_read_only(&path).expect("reader");
    let started = std::time::Instant::now();
    assert_eq!(
        reader
            .list(&EntityQuery::default())
            .expect("list while writing")
            .total,
        5
    );
    assert_eq!(
        reader.search("payments", 5).expect("search while writing")[0].name,
        "payments"
    );
    assert!(
        started.elapsed() < std::time::Duration::from_secs(5),
        "the reader waited for the writer"
    );
    writer.execute_batch("ROLLBACK").expect("rollback");
}

#[test]
fn searches_matching_thousands_stay_bounded_and_list_names_first() {
    let org = Org::new();
    let many: Vec<String> = (0..1600)
        .map(|i| {
            component(&format!("svc-{i:04}"), "")
                .replace(&format!("The svc-{i:04} service"), "A common thing")
        })
        .collect();
    org.write("big", "catalog-info.yaml", &many.join("---\n"));
    org.write(
        "other",
        "catalog-info.yaml",
        &component("search-api", "").replace("The search-api service", "A common thing"),
    );
    let mut catalog = open(&org);
    let source = folder(&mut catalog, "/big", "big");
    index(
        &mut catalog,
        source,
        vec![org.repo("big"), org.repo("other")],
    );
    let names: Vec<String> = catalog
        .search("s", 5)
        .expect("search")
        .into_iter()
        .map(|h| h.name)
        .collect();
    assert_eq!(
        names,
        ["search-api", "svc-0000", "svc-0001", "svc-0002", "svc-0003"]
    );
    assert_eq!(catalog.search("common", 20).expect("search").len(), 20);
    assert_eq!(
        catalog.search("svc-1599", 3).expect("search")[0].name,
        "svc-1599"
    );
}
