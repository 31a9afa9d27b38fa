//! Reading a fetched commit without a checkout: confinement to the tree, symlinks,
//! submodules, limits, globs and stamps.

use greenroom_catalog::descriptor::{FileError, RepoFiles};
use greenroom_sources::remote::GitTree;

const BLOB: i32 = 0o100644;
const LINK: i32 = 0o120000;
const TREE: i32 = 0o040000;
const SUBMODULE: i32 = 0o160000;

/// Builds a bare repository whose one commit has exactly these entries (path, mode,
/// content; a submodule's content is its commit id).
fn commit_tree(
    dir: &std::path::Path,
    entries: &[(&str, i32, &str)],
) -> (git2::Repository, git2::Oid) {
    let repo = git2::Repository::init_bare(dir).expect("init");
    fn build(repo: &git2::Repository, entries: &[(String, i32, String)]) -> git2::Oid {
        let mut builder = repo.treebuilder(None).expect("builder");
        let mut folders: std::collections::BTreeMap<String, Vec<(String, i32, String)>> =
            Default::default();
        for (path, mode, content) in entries {
            match path.split_once('/') {
                Some((folder, rest)) => folders.entry(folder.to_owned()).or_default().push((
                    rest.to_owned(),
                    *mode,
                    content.clone(),
                )),
                None => {
                    let id = if *mode == SUBMODULE {
                        git2::Oid::from_str(content).expect("oid")
                    } else {
                        repo.blob(content.as_bytes()).expect("blob")
                    };
                    builder.insert(path, id, *mode).expect("insert");
                }
            }
        }
        for (folder, children) in folders {
            let id = build(repo, &children);
            builder.insert(&folder, id, TREE).expect("insert tree");
        }
        builder.write().expect("tree")
    }
    let owned: Vec<(String, i32, String)> = entries
        .iter()
        .map(|(p, m, c)| ((*p).to_owned(), *m, (*c).to_owned()))
        .collect();
    let tree_id = build(&repo, &owned);
    let commit = {
        let tree = repo.find_tree(tree_id).expect("tree");
        let who = git2::Signature::new("T", "t@example.com", &git2::Time::new(1_700_000_000, 0))
            .expect("sig");
        repo.commit(Some("refs/heads/main"), &who, &who, "tree", &tree, &[])
            .expect("commit")
    };
    (repo, commit)
}

#[test]
fn reads_stay_inside_the_tree_and_say_why_when_they_cannot() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (repo, commit) = commit_tree(
        dir.path(),
        &[
            ("catalog-info.yaml", BLOB, "kind: Component\n"),
            ("docs/api.yaml", BLOB, "openapi: 3.0.0\n"),
            ("docs/node_modules/x/catalog-info.yaml", BLOB, "hidden\n"),
            ("link-in", LINK, "docs/api.yaml"),
            ("dir-link", LINK, "docs"),
            ("docs/up", LINK, "../catalog-info.yaml"),
            ("link-out", LINK, "../../etc/passwd"),
            ("absolute", LINK, "/etc/passwd"),
            ("loop-a", LINK, "loop-b"),
            ("loop-b", LINK, "loop-a"),
            (
                "vendor/lib",
                SUBMODULE,
                "0123456789abcdef0123456789abcdef01234567",
            ),
            ("big.yaml", BLOB, &"x".repeat(2048)),
        ],
    );
    let tree = GitTree::open(dir.path(), commit, "git://h/r#main:".into()).expect("open");

    assert_eq!(
        tree.read("catalog-info.yaml", 1024).expect("read"),
        b"kind: Component\n"
    );
    assert_eq!(
        tree.read("link-in", 1024).expect("inside link"),
        b"openapi: 3.0.0\n"
    );
    assert_eq!(
        tree.read("dir-link/api.yaml", 1024).expect("folder link"),
        b"openapi: 3.0.0\n"
    );
    assert_eq!(
        tree.read("docs/up", 1024).expect("relative link"),
        b"kind: Component\n"
    );
    for outside in [
        "link-out",
        "absolute",
        "../catalog-info.yaml",
        "/etc/passwd",
    ] {
        assert!(
            matches!(
                tree.read(outside, 1024),
                Err(FileError::OutsideRepository(_))
            ),
            "{outside}"
        );
    }
    match tree.read("loop-a", 1024) {
        Err(FileError::Io { reason, .. }) => assert!(reason.contains("loop"), "{reason}"),
        other => panic!("loop: {other:?}"),
    }
    match tree.read("vendor/lib", 1024) {
        Err(FileError::Io { reason, .. }) => assert!(reason.contains("submodule"), "{reason}"),
        other => panic!("submodule: {other:?}"),
    }
    assert!(matches!(tree.read("docs", 1024), Err(FileError::Io { .. })));
    assert!(matches!(
        tree.read("missing.yaml", 1024),
        Err(FileError::NotFound(_))
    ));
    assert!(matches!(
        tree.read("big.yaml", 1024),
        Err(FileError::TooLarge {
            size: 2048,
            limit: 1024,
            ..
        })
    ));
    assert!(!tree.damaged(), "refusals are not damage");

    assert_eq!(
        tree.glob("**/*.yaml").expect("glob"),
        ["big.yaml", "catalog-info.yaml", "docs/api.yaml"],
        "dependency folders are skipped"
    );
    assert_eq!(tree.glob("docs/*.yaml").expect("glob"), ["docs/api.yaml"]);
    assert_eq!(
        tree.glob("catalog-info.{yaml,yml}").expect("glob"),
        ["catalog-info.yaml"]
    );
    assert_eq!(
        tree.glob("catalog-info.yaml").expect("glob"),
        ["catalog-info.yaml"]
    );
    assert!(tree.glob("nothing/*.yaml").expect("glob").is_empty());

    let blob = repo.blob(b"kind: Component\n").expect("blob id");
    assert_eq!(tree.stamp("catalog-info.yaml"), Some(blob.to_string()));
    assert_eq!(tree.stamp("missing"), None);
    assert_eq!(
        tree.display("docs/api.yaml"),
        "git://h/r#main:docs/api.yaml"
    );
}
