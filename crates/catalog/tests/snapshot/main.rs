//! Catalog snapshots: the file format against every kind of damage, and catalogs that go
//! through a snapshot and come out equal, entity for entity and relation for relation.

mod bad_files;
mod round_trip;

use std::fs;
use std::path::Path;

use greenroom_catalog::snapshot::{
    Limits, Manifest, Origin, SigningKey, Snapshot, SnapshotError, write_snapshot,
};
use greenroom_catalog::store::{
    NewSource, RepoContent, RepoIndex, SnapshotPart, SnapshotWrite, SnapshotWritten, SourceIndex,
    SourceKind,
};
use greenroom_catalog::{Catalog, WorkingTree, read_tree};

/// Repositories on disk, read as an index of a folder source would read them.
pub(crate) struct Org {
    pub dir: tempfile::TempDir,
}

impl Org {
    pub fn new() -> Org {
        Org {
            dir: tempfile::tempdir().expect("tempdir"),
        }
    }

    pub fn write(&self, repo: &str, file: &str, text: &str) {
        let path = self.dir.path().join(repo).join(file);
        fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        fs::write(path, text).expect("write");
    }

    pub fn repo(&self, repo: &str) -> RepoIndex {
        let root = self.dir.path().join(repo);
        let tree = WorkingTree::new(&root).expect("tree");
        let files = read_tree(&tree, &["catalog-info.yaml".to_owned()]);
        RepoIndex {
            path: root.display().to_string(),
            name: repo.to_owned(),
            head: Some("4b825dc642cb6eb9a060e54bf8d69288fbee4904".into()),
            branch: Some("main".into()),
            remote_url: Some(format!("https://git.example.com/org/{repo}.git")),
            location: format!("file:{}/", root.display()),
            fingerprint: repo.to_owned(),
            watch: "{}".into(),
            content: RepoContent::Read {
                files,
                problems: Vec::new(),
            },
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// A small organisation with every feature a snapshot must carry: groups and users,
    /// systems, components with APIs (and a definition), resources, dependencies, a
    /// Location leading to more files, tags, links, a warning and an invalid document.
    pub fn sample() -> Org {
        let org = Org::new();
        org.write("people", "catalog-info.yaml", PEOPLE);
        org.write(
            "payments",
            "catalog-info.yaml",
            &format!(
                "{}---\n{}---\n{}",
                component("payments", "  providesApis: [payments-api]\n  dependsOn: [resource:payments-db]\n  system: commerce\n"),
                API,
                "apiVersion: backstage.io/v1alpha1\nkind: Resource\nmetadata:\n  name: payments-db\nspec:\n  type: database\n  owner: team-a\n"
            ),
        );
        org.write(
            "checkout",
            "catalog-info.yaml",
            "apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata:\n  name: checkout-parts\nspec:\n  targets: [./services/web/catalog-info.yaml, ./services/worker/catalog-info.yaml]\n",
        );
        org.write(
            "checkout",
            "services/web/catalog-info.yaml",
            &component("checkout-web", "  consumesApis: [payments-api]\n  dependsOn: [component:checkout-worker]\n  ownr: typo\n"),
        );
        org.write(
            "checkout",
            "services/worker/catalog-info.yaml",
            &format!(
                "{}---\napiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: Not A Valid Name!\nspec:\n  type: service\n  lifecycle: production\n  owner: team-a\n",
                component("checkout-worker", "  subcomponentOf: checkout-web\n")
            ),
        );
        org.write(
            "commerce",
            "catalog-info.yaml",
            "apiVersion: backstage.io/v1alpha1\nkind: System\nmetadata:\n  name: commerce\n  tags: [shop]\nspec:\n  owner: team-a\n  domain: sales\n---\napiVersion: backstage.io/v1alpha1\nkind: Domain\nmetadata:\n  name: sales\nspec:\n  owner: platform\n",
        );
        org
    }

    pub const REPOS: [&'static str; 4] = ["people", "payments", "checkout", "commerce"];
}

pub(crate) fn component(name: &str, extra: &str) -> String {
    format!(
        "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: {name}\n  description: The {name} service\n  tags: [rust, {name}]\n  links:\n    - url: https://dashboards.example.com/{name}\n      title: Dashboard\n  annotations:\n    backstage.io/techdocs-ref: dir:.\nspec:\n  type: service\n  lifecycle: production\n  owner: team-a\n{extra}"
    )
}

const PEOPLE: &str = "apiVersion: backstage.io/v1alpha1
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
  profile:
    displayName: Alice Example
    email: alice@example.com
  memberOf: [team-a]
";

const API: &str = "apiVersion: backstage.io/v1alpha1
kind: API
metadata:
  name: payments-api
spec:
  type: openapi
  lifecycle: production
  owner: team-a
  system: commerce
  definition: |
    openapi: 3.0.0
    info:
      title: Payments
      version: 1.0.0
    paths: {}
";

/// The catalog database's indexes, as created.
pub(crate) fn indexes(dir: &Path) -> Vec<(String, String)> {
    let conn = rusqlite::Connection::open(dir.join("catalog.db")).expect("open");
    let mut stmt = conn
        .prepare("SELECT name, sql FROM sqlite_schema WHERE type = 'index' AND sql IS NOT NULL ORDER BY name")
        .expect("prepare");
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows")
}

/// A catalog in `dir` holding `org` as one folder source.
pub(crate) fn indexed(org: &Org, dir: &Path, repos: &[&str]) -> Catalog {
    let mut catalog = Catalog::open(&dir.join("catalog.db")).expect("open");
    let source = catalog
        .add_source(&NewSource {
            kind: SourceKind::Folder,
            target: org.path().display().to_string(),
            name: "org".into(),
            settings: serde_json::json!({}),
            priority: 100,
        })
        .expect("source")
        .id;
    catalog
        .apply(SourceIndex {
            source_id: source,
            repos: repos.iter().map(|r| org.repo(r)).collect(),
            complete: true,
            problems: Vec::new(),
        })
        .expect("apply");
    catalog
}

/// The snapshot of a whole catalog, with a fixed creation time.
pub(crate) fn export(catalog: &Catalog, signer: Option<&SigningKey>) -> Vec<u8> {
    let exported = catalog.export_catalog(&[]).expect("export");
    write_snapshot(manifest(&exported), &exported.content, None, signer).expect("write")
}

pub(crate) fn manifest(exported: &greenroom_catalog::store::ExportedCatalog) -> Manifest {
    Manifest {
        format: String::new(),
        format_version: 0,
        producer: "greenroom tests".into(),
        created_at: 1_795_000_000_000,
        origin: Origin {
            id: "platform-team".into(),
            name: "Platform team".into(),
        },
        sources: exported.sources.clone(),
        counts: exported.counts.clone(),
        sections: Vec::new(),
    }
}

pub(crate) fn read(bytes: &[u8]) -> Result<Snapshot, SnapshotError> {
    Snapshot::read(bytes, &Limits::default())
}

/// Imports a snapshot as a new (or the given) snapshot source of `catalog`.
pub(crate) fn import(
    catalog: &mut Catalog,
    bytes: &[u8],
    existing: Option<i64>,
    priority: i64,
) -> SnapshotWritten {
    import_as(catalog, bytes, existing, priority, Write::RowByRow)
}

/// How an import writes: as a small snapshot is written, or as a large one is (ref indexes
/// dropped and built again after the rows).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Write {
    RowByRow,
    Bulk,
}

/// [`import`], written the given way.
pub(crate) fn import_as(
    catalog: &mut Catalog,
    bytes: &[u8],
    existing: Option<i64>,
    priority: i64,
    write: Write,
) -> SnapshotWritten {
    let snapshot = read(bytes).expect("a good snapshot");
    // The size a write is told to expect decides how it writes: a million takes the bulk way.
    let entities = match write {
        Write::RowByRow => snapshot.manifest.counts.entities,
        Write::Bulk => 1_000_000,
    };
    let written = catalog
        .write_snapshot_source(SnapshotWrite {
            existing,
            source: NewSource {
                kind: SourceKind::Snapshot,
                target: format!("snapshot:{}", snapshot.manifest.origin.id),
                name: format!("{} snapshot", snapshot.manifest.origin.name),
                settings: serde_json::json!({ "digest": snapshot.digest }),
                priority,
            },
            parts: vec![
                SnapshotPart::Repos(snapshot.repo_indexes()),
                SnapshotPart::End(snapshot.catalog.problems.clone()),
            ],
            entities,
            sites: Vec::new(),
        })
        .expect("import");
    assert_foreign_keys_hold(catalog);
    written
}

/// Every row's parents exist (a new snapshot source is written without checking them row
/// by row).
pub(crate) fn assert_foreign_keys_hold(catalog: &Catalog) {
    let conn = rusqlite::Connection::open(catalog.path()).expect("open");
    let mut stmt = conn.prepare("PRAGMA foreign_key_check").expect("prepare");
    let orphans: Vec<(String, i64, String)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .expect("check")
        .collect::<rusqlite::Result<_>>()
        .expect("rows");
    assert!(orphans.is_empty(), "rows without their parent: {orphans:?}");
}
