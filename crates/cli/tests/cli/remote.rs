//! `greenroom source add <url>`, `sync`, `source list` and `credentials` against real Git
//! servers on 127.0.0.1 (the servers of greenroom-sources' tests).

use std::io::Write;
use std::process::Stdio;

use crate::{Env, component, git_repo, text};

#[path = "../../../sources/tests/sources/remote/servers.rs"]
#[allow(dead_code)]
mod servers;

use servers::{GitDaemon, HttpGit};

fn commit(dir: &std::path::Path, path: &str, content: &str) {
    crate::write(dir, path, content);
    let repo = git2::Repository::open(dir).expect("open");
    let mut index = repo.index().expect("index");
    index
        .add_all(["*"], git2::IndexAddOption::DEFAULT, None)
        .expect("add");
    index.write().expect("index");
    let tree = repo
        .find_tree(index.write_tree().expect("tree"))
        .expect("tree");
    let who = git2::Signature::now("Test", "test@example.com").expect("sig");
    let parent = repo.head().expect("head").peel_to_commit().expect("parent");
    repo.commit(Some("HEAD"), &who, &who, "Change", &tree, &[&parent])
        .expect("commit");
}

#[test]
fn a_remote_source_syncs_re_reads_what_changed_and_stays_offline() {
    let env = Env::new();
    let served = env.dir.path().join("served");
    git_repo(
        &served.join("orders"),
        &[("catalog-info.yaml", &component("orders", ""))],
    );
    git_repo(
        &served.join("billing"),
        &[("catalog-info.yaml", &component("billing", ""))],
    );
    let mut daemon = GitDaemon::start(&served);
    let list = env.dir.path().join("repos.txt");
    std::fs::write(
        &list,
        format!(
            "# our services\n{}\n{}\n",
            daemon.url("orders"),
            daemon.url("billing")
        ),
    )
    .expect("list");

    let added = env.ok(&["source", "add", list.to_str().expect("utf-8")]);
    assert!(added.contains("Added remote source repos"), "{added}");
    assert!(
        added.contains("2 repositories (2 updated, 0 unchanged, 0 failed)"),
        "{added}"
    );
    let names = env.ok(&["ls", "--kind", "component"]);
    assert!(
        names.contains("orders") && names.contains("billing"),
        "{names}"
    );

    commit(
        &served.join("orders"),
        "catalog-info.yaml",
        &component("orders", "").replace("production", "experimental"),
    );
    let synced = env.ok(&["sync"]);
    assert!(
        synced.contains(
            "2 repositories (1 updated, 1 unchanged, 0 failed), 0 added, 1 updated, 0 removed"
        ),
        "{synced}"
    );
    let report = env.json(&["sync"]);
    assert_eq!(report[0]["unchanged"], 2);
    assert_eq!(report[0]["stats"]["repos_read"], 0);

    let listed = env.json(&["source", "list"]);
    let repos = listed[0]["remoteRepos"].as_array().expect("remote repos");
    assert_eq!(repos.len(), 2);
    assert!(
        repos
            .iter()
            .all(|r| r["commit"].is_string() && r["syncedAt"].is_i64())
    );
    assert!(listed[0]["syncedAt"].is_i64());

    // Offline: the sync fails per repository, exits 1, and the catalog keeps everything.
    daemon.stop();
    let offline = env.run(&["sync"]);
    assert_eq!(offline.status.code(), Some(1));
    let out = text(&offline.stdout);
    assert!(out.contains("2 failed"), "{out}");
    assert!(out.contains("you may be offline"), "{out}");
    let names = env.ok(&["ls", "--kind", "component"]);
    assert!(
        names.contains("orders") && names.contains("billing"),
        "{names}"
    );
    let table = env.ok(&["source", "list"]);
    assert!(
        table.contains("synced") && table.contains("2 failing"),
        "{table}"
    );
    assert!(table.contains("cannot reach"), "{table}");

    let cache = env.data().join("cache/git/source-1");
    assert!(cache.is_dir());
    env.ok(&["source", "remove", "repos"]);
    assert!(!cache.exists(), "the cache went with the source");
    assert!(env.ok(&["ls"]).trim().lines().count() <= 1);
}

#[test]
fn a_single_url_with_a_branch_and_globs() {
    let env = Env::new();
    let served = env.dir.path().join("served");
    let dir = served.join("platform");
    git_repo(&dir, &[("README.md", "# Platform\n")]);
    let repo = git2::Repository::open(&dir).expect("open");
    let head = repo.head().expect("head").peel_to_commit().expect("commit");
    repo.branch("release", &head, false).expect("branch");
    repo.set_head("refs/heads/release").expect("switch");
    commit(
        &dir,
        "services/api/catalog-info.yaml",
        &component("platform-api", ""),
    );
    repo.set_head("refs/heads/main").expect("back");
    let daemon = GitDaemon::start(&served);

    let added = env.ok(&[
        "source",
        "add",
        &daemon.url("platform"),
        "--branch",
        "release",
        "--glob",
        "services/*/catalog-info.yaml",
    ]);
    assert!(added.contains("1 updated"), "{added}");
    let shown = env.json(&["show", "platform-api"]);
    assert_eq!(shown["location"]["branch"], "release");

    let bad = env.run(&["source", "add", "not-a-url"]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(
        text(&bad.stderr).contains("not a Git repository address"),
        "{}",
        text(&bad.stderr)
    );
    let secret = env.run(&["source", "add", "https://me:hunter2@example.com/a.git"]);
    let message = text(&secret.stderr);
    assert!(
        message.contains("greenroom credentials set example.com"),
        "{message}"
    );
    assert!(!message.contains("hunter2"), "{message}");
}

/// Fails with how to run the tests when there is no Secret Service to store tokens in.
fn require_keyring(env: &Env) {
    let probe = env.run(&["credentials", "check", "probe.invalid"]);
    let stderr = text(&probe.stderr);
    assert!(
        !stderr.contains("OS keyring"),
        "no OS keyring is reachable ({stderr}). Run the tests as `dbus-run-session -- \
         crates/auth/tests/support/with-keyring.sh cargo test -p greenroom-cli` after crates/auth/tests/prepare.sh"
    );
}

fn set_token(env: &Env, host: &str, token: &str) {
    let mut child = env
        .command(&["credentials", "set", host])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(token.as_bytes())
        .expect("write token");
    let output = child.wait_with_output().expect("wait");
    assert!(output.status.success(), "{}", text(&output.stderr));
}

#[test]
fn https_tokens_live_in_the_keyring_and_a_missing_or_wrong_one_says_what_to_do() {
    let env = Env::new();
    require_keyring(&env);
    let served = env.dir.path().join("served");
    git_repo(
        &served.join("private"),
        &[("catalog-info.yaml", &component("private", ""))],
    );
    let server = HttpGit::start(&served, "greenroom", "right-token");
    let host = server.host();

    // No token: added, not synced, with the prompt the app would show. stdin is closed, so
    // any attempt to ask on the terminal would fail differently.
    let added = env
        .command(&["source", "add", &server.url("private")])
        .stdin(Stdio::null())
        .output()
        .expect("run");
    assert_eq!(added.status.code(), Some(1));
    let out = text(&added.stdout);
    assert!(
        out.contains(&format!("needs credentials for {host}")),
        "{out}"
    );
    assert!(
        out.contains(&format!("greenroom credentials set {host}")),
        "{out}"
    );
    let listed = env.json(&["source", "list"]);
    assert_eq!(
        listed[0]["remoteRepos"][0]["errorKind"],
        "needs-credentials"
    );
    assert_eq!(listed[0]["remoteRepos"][0]["errorHost"], host.as_str());

    set_token(&env, &host, "wrong-token\n");
    let wrong = env.run(&["sync"]);
    assert_eq!(wrong.status.code(), Some(1));
    let out = text(&wrong.stdout);
    assert!(out.contains("the stored token was rejected"), "{out}");
    assert!(!out.contains("wrong-token"), "{out}");

    set_token(&env, &host, "right-token\n");
    let synced = env.ok(&["sync"]);
    assert!(synced.contains("1 updated"), "{synced}");
    assert!(env.ok(&["ls"]).contains("private"));
    // The token is in the keyring only: not in the data folder.
    for entry in walk(&env.data()) {
        let bytes = std::fs::read(&entry).unwrap_or_default();
        assert!(
            !bytes.windows(11).any(|w| w == b"right-token"),
            "{} holds the token",
            entry.display()
        );
    }
    env.ok(&["credentials", "remove", &host]);
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files
}
