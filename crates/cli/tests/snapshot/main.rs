//! `greenroom snapshot` end to end: the real binary, repositories made by the tests with
//! git2, catalogs in temporary data folders, and a real `git daemon` on 127.0.0.1 for
//! publishing and subscribing.

mod bad_files;
mod git;
mod round_trip;

#[path = "../support/commit.rs"]
mod commit;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A temporary folder holding data folders (one per "machine") and repositories.
pub(crate) struct Env {
    pub dir: tempfile::TempDir,
}

impl Env {
    pub(crate) fn new() -> Env {
        Env {
            dir: tempfile::tempdir().expect("tempdir"),
        }
    }

    pub(crate) fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// A machine: its own data folder.
    pub(crate) fn machine(&self, name: &str) -> Machine {
        Machine {
            data: self.path(name),
        }
    }
}

/// One data folder, and `greenroom` run on it.
pub(crate) struct Machine {
    pub data: PathBuf,
}

impl Machine {
    pub(crate) fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().expect("run greenroom")
    }

    pub(crate) fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_greenroom"));
        command
            .arg("--data-dir")
            .arg(&self.data)
            .args(args)
            .env_remove("GREENROOM_DATA_DIR")
            .env_remove("GREENROOM_SIGNING_PASSWORD")
            // Commits made by `snapshot publish` need an author; the tests must not depend
            // on the machine's Git configuration.
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("HOME", self.data.parent().expect("parent"));
        command
    }

    /// Runs and expects success; returns stdout.
    pub(crate) fn ok(&self, args: &[&str]) -> String {
        let output = self.run(args);
        assert!(
            output.status.success(),
            "greenroom {args:?} failed:\n{}\n{}",
            text(&output.stderr),
            text(&output.stdout)
        );
        text(&output.stdout)
    }

    /// Runs and expects failure (exit 1); returns stderr.
    pub(crate) fn fails(&self, args: &[&str]) -> String {
        let output = self.run(args);
        assert_eq!(
            output.status.code(),
            Some(1),
            "greenroom {args:?} should fail:\n{}\n{}",
            text(&output.stdout),
            text(&output.stderr)
        );
        text(&output.stderr)
    }

    pub(crate) fn json(&self, args: &[&str]) -> serde_json::Value {
        let mut all = args.to_vec();
        all.push("--json");
        serde_json::from_str(&self.ok(&all)).expect("JSON output")
    }

    /// Everything the catalog holds, row by row (the change feed aside), to prove that a
    /// refused import wrote nothing; every row's parents must exist.
    pub(crate) fn dump(&self) -> String {
        let path = self.data.join("catalog.db");
        if !path.exists() {
            return String::new();
        }
        let conn = rusqlite::Connection::open_with_flags(
            &path,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
        )
        .expect("open");
        let mut out = String::new();
        for table in [
            "sources",
            "repos",
            "files",
            "entities",
            "relations",
            "problems",
            "doc_sites",
            "doc_entities",
            "doc_sections",
        ] {
            let mut stmt = conn
                .prepare(&format!("SELECT * FROM {table} ORDER BY 1, 2"))
                .expect("prepare");
            let columns = stmt.column_count();
            let rows = stmt
                .query_map([], |r| {
                    let mut cells = Vec::new();
                    for i in 0..columns {
                        cells.push(format!("{:?}", r.get_ref(i)?));
                    }
                    Ok(cells.join("|"))
                })
                .expect("query");
            for row in rows {
                out.push_str(&format!("{table}: {}\n", row.expect("row")));
            }
        }
        let orphans: Vec<String> = conn
            .prepare("PRAGMA foreign_key_check")
            .expect("prepare")
            .query_map([], |r| {
                Ok(format!(
                    "{}#{}",
                    r.get::<_, String>(0)?,
                    r.get::<_, i64>(1)?
                ))
            })
            .expect("check")
            .collect::<rusqlite::Result<_>>()
            .expect("rows");
        assert!(orphans.is_empty(), "rows without their parent: {orphans:?}");
        out.push_str(&listing(&self.data.join("docs-cache")));
        out
    }
}

/// Every file under `dir`, with its size.
pub(crate) fn listing(dir: &Path) -> String {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for entry in entries {
            let entry = entry.expect("entry");
            let path = entry.path();
            if path.is_dir() {
                stack.push(path.clone());
            }
            out.push(format!(
                "{} {}",
                path.strip_prefix(dir).expect("inside").display(),
                entry
                    .metadata()
                    .map(|m| if m.is_dir() { 0 } else { m.len() })
                    .unwrap_or(0)
            ));
        }
    }
    out.sort();
    out.join("\n")
}

pub(crate) fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

pub(crate) fn write(dir: &Path, path: &str, content: impl AsRef<[u8]>) {
    let full = dir.join(path);
    std::fs::create_dir_all(full.parent().expect("parent")).expect("mkdir");
    std::fs::write(full, content).expect("write");
}

/// A Git repository with these files committed.
pub(crate) fn git_repo(dir: &Path, files: &[(&str, &[u8])]) {
    std::fs::create_dir_all(dir).expect("mkdir");
    let mut options = git2::RepositoryInitOptions::new();
    options.initial_head("main");
    let repo = git2::Repository::init_opts(dir, &options).expect("git init");
    repo.remote(
        "origin",
        &format!(
            "https://git.example.com/org/{}.git",
            dir.file_name().expect("name").to_string_lossy()
        ),
    )
    .expect("remote");
    commit::commit_files(&repo, dir, files);
}

pub(crate) fn component(name: &str, spec: &str) -> String {
    format!(
        "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: {name}\n  description: The {name} service\n  tags: [rust]\n  annotations:\n    backstage.io/techdocs-ref: dir:.\nspec:\n  type: service\n  lifecycle: production\n  owner: team-a\n{spec}"
    )
}

/// A tiny PNG (a real one: 1x1, transparent), to travel as a docs asset.
pub(crate) const PNG: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4,
    0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0x00, 0x01, 0x00, 0x00,
    0x05, 0x00, 0x01, 0x0d, 0x0a, 0x2d, 0xb4, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae,
    0x42, 0x60, 0x82,
];

/// An organisation: a team, two services with docs (one with an image), an API.
pub(crate) fn org(root: &Path) {
    git_repo(
        &root.join("team"),
        &[(
            "catalog-info.yaml",
            b"apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: team-a\nspec:\n  type: team\n  children: []\n  members: [alice]\n---\napiVersion: backstage.io/v1alpha1\nkind: User\nmetadata:\n  name: alice\nspec:\n  memberOf: [team-a]\n",
        )],
    );
    let payments = format!(
        "{}---\napiVersion: backstage.io/v1alpha1\nkind: API\nmetadata:\n  name: payments-api\nspec:\n  type: openapi\n  lifecycle: production\n  owner: team-a\n  definition: |\n    openapi: 3.0.0\n    info: {{title: Payments, version: 1.0.0}}\n    paths: {{}}\n",
        component("payments", "  providesApis: [payments-api]\n")
    );
    git_repo(
        &root.join("payments"),
        &[
            ("catalog-info.yaml", payments.as_bytes()),
            ("mkdocs.yml", b"site_name: Payments\nnav:\n  - Home: index.md\n  - Operations: ops/runbook.md\n"),
            ("docs/index.md", b"# Payments\n\nMoves money. ![Flow](img/flow.png)\n\nSee the [runbook](ops/runbook.md#restarting-the-ledger).\n"),
            ("docs/img/flow.png", PNG),
            ("docs/ops/runbook.md", b"# Runbook\n\n## Restarting the ledger\n\nDrain the queue first, then restart.\n\n```bash\nledger restart --drain\n```\n"),
        ],
    );
    git_repo(
        &root.join("checkout"),
        &[
            (
                "catalog-info.yaml",
                component(
                    "checkout",
                    "  consumesApis: [payments-api]\n  dependsOn: [component:payments]\n",
                )
                .as_bytes(),
            ),
            (
                "docs/index.md",
                b"# Checkout\n\nTakes orders and calls payments.\n",
            ),
        ],
    );
}
