//! The `greenroom` command end to end: the real binary, real Git repositories made by the
//! tests, a real catalog file in a temporary data folder.

mod bad_input;
mod catalog;
mod docs;
mod org;
mod remote;
mod sign_in;
mod templates;
mod validate;

#[path = "../support/commit.rs"]
mod commit;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A temporary data folder and a folder of repositories, and the binary to run on them.
pub(crate) struct Env {
    pub dir: tempfile::TempDir,
}

impl Env {
    pub(crate) fn new() -> Env {
        Env {
            dir: tempfile::tempdir().expect("tempdir"),
        }
    }

    pub(crate) fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    pub(crate) fn repos(&self) -> PathBuf {
        self.dir.path().join("repos")
    }

    /// Runs `greenroom` with this data folder.
    pub(crate) fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().expect("run greenroom")
    }

    pub(crate) fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_greenroom"));
        command
            .arg("--data-dir")
            .arg(self.data())
            .args(args)
            .env_remove("GREENROOM_DATA_DIR");
        command
    }

    /// Runs `greenroom` and expects success; returns stdout.
    pub(crate) fn ok(&self, args: &[&str]) -> String {
        let output = self.run(args);
        assert!(
            output.status.success(),
            "greenroom {args:?} failed:\n{}",
            text(&output.stderr)
        );
        text(&output.stdout)
    }

    /// Runs `greenroom ... --json` and parses stdout.
    pub(crate) fn json(&self, args: &[&str]) -> serde_json::Value {
        let mut all = args.to_vec();
        all.push("--json");
        serde_json::from_str(&self.ok(&all)).expect("JSON output")
    }

    /// Creates a Git repository under `repos/` with these files committed.
    pub(crate) fn repo(&self, name: &str, files: &[(&str, &str)]) -> PathBuf {
        let dir = self.repos().join(name);
        git_repo(&dir, files);
        dir
    }
}

pub(crate) fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

pub(crate) fn write(dir: &Path, path: &str, content: impl AsRef<[u8]>) {
    let full = dir.join(path);
    std::fs::create_dir_all(full.parent().expect("parent")).expect("mkdir");
    std::fs::write(full, content).expect("write");
}

pub(crate) fn git_repo(dir: &Path, files: &[(&str, &str)]) {
    std::fs::create_dir_all(dir).expect("mkdir");
    let mut options = git2::RepositoryInitOptions::new();
    options.initial_head("main");
    let repo = git2::Repository::init_opts(dir, &options).expect("git init");
    commit::commit_files(&repo, dir, files);
}

pub(crate) fn component(name: &str, spec: &str) -> String {
    format!(
        "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: {name}\n  description: The {name} service\n  tags: [rust]\nspec:\n  type: service\n  lifecycle: production\n  owner: team-a\n{spec}"
    )
}

pub(crate) const TEAM: &str = "apiVersion: backstage.io/v1alpha1
kind: Group
metadata:
  name: team-a
spec:
  type: team
  children: []
";
