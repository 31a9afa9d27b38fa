//! The facade's integration tests, over Git repositories made here with git2 (remote ones
//! over `file://`).

mod docs_index;
mod org;
mod remote_docs;
mod remote_files;
mod repo_files;
mod watch;

use std::path::Path;

/// Creates a Git repository with `files` committed on `main`.
pub fn git_repo(dir: &Path, files: &[(&str, &str)]) {
    for (path, text) in files {
        let full = dir.join(path);
        std::fs::create_dir_all(full.parent().expect("a parent")).expect("folders");
        std::fs::write(&full, text).expect("a file");
    }
    let mut init = git2::RepositoryInitOptions::new();
    init.initial_head("main");
    let repo = git2::Repository::init_opts(dir, &init).expect("git init");
    let mut index = repo.index().expect("index");
    index
        .add_all(["*"], git2::IndexAddOption::DEFAULT, None)
        .expect("git add");
    index.write().expect("index written");
    let tree = repo
        .find_tree(index.write_tree().expect("tree"))
        .expect("tree");
    let when = git2::Time::new(1_767_225_600, 0);
    let author = git2::Signature::new("Test", "test@example.com", &when).expect("author");
    repo.commit(Some("HEAD"), &author, &author, "Initial", &tree, &[])
        .expect("commit");
}
