//! TechDocs of a remote repository, read from its fetched Git tree: built, indexed for
//! search, assets served from a copy, rebuilt after a new commit, and still there offline.

use std::path::Path;

use greenroom::docs::EntityDocs;
use greenroom::{Cancel, Greenroom, RemoteOptions};

const DESCRIPTOR: &str = "apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: handbook
  annotations:
    backstage.io/techdocs-ref: dir:.
spec:
  type: documentation
  lifecycle: production
  owner: team-docs
";

const LOGO: &[u8] = b"\x89PNG\r\n\x1a\n not really a picture";

/// Writes `files` into the repository at `dir` (made on first use) and commits them.
fn commit(dir: &Path, files: &[(&str, &[u8])], message: &str) {
    let repo = git2::Repository::open(dir).unwrap_or_else(|_| {
        let mut options = git2::RepositoryInitOptions::new();
        options.initial_head("main");
        git2::Repository::init_opts(dir, &options).expect("git init")
    });
    for (path, bytes) in files {
        let full = dir.join(path);
        std::fs::create_dir_all(full.parent().expect("parent")).expect("folders");
        std::fs::write(full, bytes).expect("write");
    }
    let mut index = repo.index().expect("index");
    index
        .add_all(["*"], git2::IndexAddOption::DEFAULT, None)
        .expect("add");
    index.write().expect("index written");
    let tree = repo
        .find_tree(index.write_tree().expect("tree"))
        .expect("tree");
    let who = git2::Signature::now("Docs", "docs@example.com").expect("signature");
    let parent = repo.head().ok().and_then(|h| h.peel_to_commit().ok());
    let parents: Vec<&git2::Commit> = parent.iter().collect();
    repo.commit(Some("HEAD"), &who, &who, message, &tree, &parents)
        .expect("commit");
}

fn site(greenroom: &mut Greenroom) -> (greenroom::techdocs::Site, std::path::PathBuf) {
    match greenroom
        .entity_docs("component:default/handbook")
        .expect("docs")
    {
        EntityDocs::Site { site, repo, .. } => (*site, repo),
        EntityDocs::NotAvailableOffline { url } => panic!("not available offline: {url}"),
        EntityDocs::None => panic!("no docs"),
    }
}

fn sync(greenroom: &mut Greenroom) {
    let reports = greenroom.sync(None, &|_| {}, &Cancel::new()).expect("sync");
    assert!(reports[0].failures.is_empty(), "{:?}", reports[0].failures);
}

#[test]
fn docs_of_a_remote_repository_come_from_its_fetched_tree() {
    let dir = tempfile::tempdir().expect("tempdir");
    let origin = dir.path().join("handbook");
    commit(
        &origin,
        &[
            ("catalog-info.yaml", DESCRIPTOR.as_bytes()),
            (
                "mkdocs.yml",
                b"site_name: Handbook\nnav:\n  - Home: index.md\n  - Guide: guide/setup.md\n",
            ),
            (
                "docs/index.md",
                b"# Welcome\n\nSee [the setup](guide/setup.md#install).\n\n![logo](img/logo.png)\n",
            ),
            (
                "docs/guide/setup.md",
                b"# Setup\n\n## Install\n\nRun the zanzibar installer.\n",
            ),
            ("docs/img/logo.png", LOGO),
        ],
        "docs",
    );
    // A link inside the repository is followed; one leading out of it is not.
    std::os::unix::fs::symlink("guide", origin.join("docs/linked")).expect("symlink");
    std::os::unix::fs::symlink("../../../etc", origin.join("docs/outside")).expect("symlink");
    commit(&origin, &[], "links");

    let mut greenroom = Greenroom::open(&dir.path().join("data")).expect("open");
    greenroom
        .add_remote(
            &format!("file://{}", origin.display()),
            &RemoteOptions::default(),
        )
        .expect("add");
    sync(&mut greenroom);

    let report = greenroom.index_docs(None, &|_| {}).expect("index docs");
    assert_eq!(report.sites, 1, "{report:?}");
    assert!(report.failures.is_empty(), "{report:?}");

    let (built, assets) = site(&mut greenroom);
    assert_eq!(built.name, "Handbook");
    let urls: Vec<&str> = built.pages.iter().map(|p| p.url.as_str()).collect();
    assert!(urls.contains(&"guide/setup/"), "{urls:?}");
    assert!(
        urls.contains(&"linked/setup/"),
        "the link inside is read: {urls:?}"
    );
    assert!(
        !urls.iter().any(|u| u.starts_with("outside")),
        "the link out of the repository is not: {urls:?}"
    );
    let home = built.pages.iter().find(|p| p.url.is_empty()).expect("home");
    assert!(home.html.contains("guide/setup/#install"), "{}", home.html);
    assert_eq!(
        std::fs::read(assets.join("docs/img/logo.png")).expect("asset copied"),
        LOGO
    );
    assert!(
        !assets.join("docs/index.md").exists(),
        "only assets are copied, the repository is not checked out"
    );

    let hits = greenroom
        .catalog()
        .search_docs("zanzibar", None, 10)
        .expect("search");
    assert!(
        hits.iter()
            .any(|h| h.page_url == "guide/setup/" && h.anchor.as_deref() == Some("install")),
        "{hits:?}"
    );

    // A new commit: the next sync brings it, and the old copy of the assets goes.
    commit(
        &origin,
        &[(
            "docs/guide/setup.md",
            b"# Setup\n\n## Install\n\nRun the quetzal installer.\n",
        )],
        "new installer",
    );
    sync(&mut greenroom);
    greenroom.index_docs(None, &|_| {}).expect("index docs");
    let (built, assets) = site(&mut greenroom);
    let setup = built
        .pages
        .iter()
        .find(|p| p.url == "guide/setup/")
        .expect("setup");
    assert!(setup.html.contains("quetzal"), "{}", setup.html);
    let copies = std::fs::read_dir(assets.parent().expect("parent"))
        .expect("docs-remote")
        .count();
    assert_eq!(copies, 1, "one copy of the assets per site");

    // Offline: the repository is gone, the docs are not.
    std::fs::remove_dir_all(&origin).expect("remove origin");
    let (built, _) = site(&mut greenroom);
    assert_eq!(built.pages.len(), 3);
}
