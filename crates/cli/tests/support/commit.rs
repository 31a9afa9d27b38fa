//! Shared by the CLI's test binaries: committing files into a test repository.

use std::path::Path;

/// Writes `files` under `dir` and commits everything as the first commit of `repo`, with a
/// fixed author and time so that commits are the same on every run.
pub(crate) fn commit_files<T: AsRef<[u8]>>(
    repo: &git2::Repository,
    dir: &Path,
    files: &[(&str, T)],
) {
    for (path, content) in files {
        let full = dir.join(path);
        std::fs::create_dir_all(full.parent().expect("a parent")).expect("mkdir");
        std::fs::write(full, content.as_ref()).expect("write");
    }
    let mut index = repo.index().expect("index");
    index
        .add_all(["*"], git2::IndexAddOption::DEFAULT, None)
        .expect("add");
    index.write().expect("index");
    let tree = repo
        .find_tree(index.write_tree().expect("tree"))
        .expect("tree");
    let who = git2::Signature::new(
        "Test",
        "test@example.com",
        &git2::Time::new(1_700_000_000, 0),
    )
    .expect("sig");
    repo.commit(Some("HEAD"), &who, &who, "Initial commit", &tree, &[])
        .expect("commit");
}
