use std::fs;
use std::process::Command;

use greenroom_sources::read_head;

use crate::{commit_all, git_repo, write};

fn git(dir: &std::path::Path, args: &[&str]) {
    let status = Command::new("git")
        .args(args)
        .current_dir(dir)
        .status()
        .expect("run git");
    assert!(status.success(), "git {args:?}");
}

#[test]
fn heads_are_read_as_git_sees_them() {
    let dir = tempfile::tempdir().expect("tempdir");
    let repo_dir = dir.path().join("r");
    let repo = git_repo(&repo_dir, &[("a.txt", "1")]);
    repo.remote("origin", "https://git.example.com/org/r.git")
        .expect("remote");
    let first = repo
        .head()
        .expect("head")
        .target()
        .expect("oid")
        .to_string();

    let head = read_head(&repo_dir).expect("head");
    assert_eq!(
        (head.commit.as_deref(), head.branch.as_deref()),
        (Some(first.as_str()), Some("main"))
    );
    assert_eq!(
        greenroom_sources::remote_url(&repo_dir).as_deref(),
        Some("https://git.example.com/org/r.git")
    );

    // Packed refs.
    git(&repo_dir, &["pack-refs", "--all"]);
    assert!(!repo_dir.join(".git/refs/heads/main").exists());
    assert_eq!(
        read_head(&repo_dir).expect("head").commit.as_deref(),
        Some(first.as_str())
    );

    // Detached.
    write(&repo_dir, "a.txt", "2");
    let second = commit_all(&repo, "second").to_string();
    repo.set_head_detached(git2::Oid::from_str(&first).expect("oid"))
        .expect("detach");
    let detached = read_head(&repo_dir).expect("head");
    assert_eq!(
        (detached.commit.as_deref(), detached.branch),
        (Some(first.as_str()), None)
    );
    repo.set_head("refs/heads/main").expect("attach");
    assert_eq!(
        read_head(&repo_dir).expect("head").commit.as_deref(),
        Some(second.as_str())
    );

    // A linked worktree has a `.git` file; libgit2 reads it.
    git(
        &repo_dir,
        &["worktree", "add", "-q", "-b", "feature", "../wt"],
    );
    let worktree = read_head(&dir.path().join("wt")).expect("worktree head");
    assert_eq!(
        (worktree.commit.as_deref(), worktree.branch.as_deref()),
        (Some(second.as_str()), Some("feature"))
    );
}

#[test]
fn unborn_branches_have_no_commit_and_damage_is_reported() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut options = git2::RepositoryInitOptions::new();
    options.initial_head("trunk");
    git2::Repository::init_opts(dir.path().join("new"), &options).expect("init");
    let head = read_head(&dir.path().join("new")).expect("head");
    assert_eq!((head.commit, head.branch.as_deref()), (None, Some("trunk")));

    let broken = dir.path().join("broken");
    git_repo(&broken, &[("a", "1")]);
    fs::write(broken.join(".git/HEAD"), "garbage\n").expect("corrupt HEAD");
    assert!(read_head(&broken).is_err());
    fs::remove_dir_all(broken.join(".git/objects")).expect("drop objects");
    fs::write(broken.join(".git/HEAD"), "ref: refs/heads/main\n").expect("restore HEAD");
    fs::remove_file(broken.join(".git/refs/heads/main")).expect("drop ref");
    assert!(read_head(&broken).is_err());
}
