//! Integration tests of local sources, against real Git repositories made with libgit2.

mod discovery;
mod heads;
mod remote;
mod scanning;

use std::fs;
use std::path::Path;

/// Creates a repository at `dir` with `files` committed on `main`.
pub(crate) fn git_repo(dir: &Path, files: &[(&str, &str)]) -> git2::Repository {
    fs::create_dir_all(dir).expect("mkdir");
    let mut options = git2::RepositoryInitOptions::new();
    options.initial_head("main");
    let repo = git2::Repository::init_opts(dir, &options).expect("git init");
    for (path, text) in files {
        write(dir, path, text);
    }
    commit_all(&repo, "Initial commit");
    repo
}

pub(crate) fn write(dir: &Path, path: &str, text: &str) {
    let full = dir.join(path);
    fs::create_dir_all(full.parent().expect("parent")).expect("mkdir");
    fs::write(full, text).expect("write");
}

pub(crate) fn commit_all(repo: &git2::Repository, message: &str) -> git2::Oid {
    let mut index = repo.index().expect("index");
    index
        .add_all(["*"], git2::IndexAddOption::DEFAULT, None)
        .expect("add");
    index.write().expect("write index");
    let tree = repo
        .find_tree(index.write_tree().expect("tree"))
        .expect("tree");
    let time = git2::Time::new(1_700_000_000, 0);
    let author = git2::Signature::new("Test", "test@example.com", &time).expect("signature");
    let parents: Vec<git2::Commit<'_>> = repo
        .head()
        .ok()
        .and_then(|h| h.peel_to_commit().ok())
        .into_iter()
        .collect();
    let parents: Vec<&git2::Commit<'_>> = parents.iter().collect();
    repo.commit(Some("HEAD"), &author, &author, message, &tree, &parents)
        .expect("commit")
}

pub(crate) fn component(name: &str) -> String {
    format!(
        "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: {name}\nspec:\n  type: service\n  lifecycle: production\n  owner: team-a\n"
    )
}
