use std::fs;
use std::os::unix::fs::symlink;

use greenroom_sources::{DiscoveryLimits, discover_repos};

use crate::git_repo;

#[test]
fn finds_nested_and_linked_repositories_but_not_dependencies() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    git_repo(&root.join("team/payments"), &[("README.md", "x")]);
    git_repo(
        &root.join("team/payments/vendor-not-skipped/inner"),
        &[("a", "x")],
    );
    git_repo(&root.join("team/payments/node_modules/lib"), &[("a", "x")]);
    git_repo(&root.join(".hidden/repo"), &[("a", "x")]);
    git_repo(&root.join("a/b/c/d/e/f/g/too-deep"), &[("a", "x")]);
    let elsewhere = tempfile::tempdir().expect("elsewhere");
    git_repo(&elsewhere.path().join("linked"), &[("a", "x")]);
    symlink(elsewhere.path().join("linked"), root.join("linked")).expect("symlink");
    symlink(root, root.join("team/loop")).expect("loop back to the root");

    let found = discover_repos(root, &DiscoveryLimits::default()).expect("discover");
    let names: Vec<String> = found
        .repos
        .iter()
        .map(|p| {
            p.strip_prefix(root)
                .expect("under root")
                .display()
                .to_string()
        })
        .collect();
    assert_eq!(
        names,
        [
            "linked",
            "team/payments",
            "team/payments/vendor-not-skipped/inner"
        ]
    );
    assert!(found.unreadable.is_empty());
}

#[test]
fn the_root_may_itself_be_a_repository_and_must_exist() {
    let dir = tempfile::tempdir().expect("tempdir");
    git_repo(dir.path(), &[("a", "x")]);
    let found = discover_repos(dir.path(), &DiscoveryLimits::default()).expect("discover");
    assert_eq!(found.repos, [dir.path().to_owned()]);
    assert!(discover_repos(&dir.path().join("missing"), &DiscoveryLimits::default()).is_err());
    fs::write(dir.path().join("file"), "x").expect("write");
    assert!(discover_repos(&dir.path().join("file"), &DiscoveryLimits::default()).is_err());
}
