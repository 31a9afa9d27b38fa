//! `greenroom source add <url>`, `sync`, `source list` and `credentials` against real Git
//! servers on 127.0.0.1 (the servers of greenroom-sources' tests).

use std::io::Write;
use std::process::Stdio;

use crate::{Env, component, git_repo, text};

#[path = "../../../sources/tests/sources/remote/servers.rs"]
#[allow(dead_code)]
pub(crate) mod servers;

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
    // Docs are read from the fetched tree too, and searchable after the sync.
    commit(
        &served.join("orders"),
        "docs/index.md",
        "# Orders\n\n## Refunds\n\nRefunds go through the ledger.\n",
    );
    let synced = env.ok(&["sync"]);
    assert!(synced.contains("docs: 1 sites"), "{synced}");
    let found = env.ok(&["docs", "search", "ledger"]);
    assert!(found.contains("refunds"), "{found}");
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
pub(crate) fn require_keyring(env: &Env) {
    let probe = env.run(&["credentials", "check", "probe.invalid"]);
    let stderr = text(&probe.stderr);
    assert!(
        !stderr.contains("OS keyring"),
        "no OS keyring is reachable ({stderr}). Run the tests as `dbus-run-session -- \
         crates/auth/tests/support/with-keyring.sh cargo test -p greenroom-cli` after crates/auth/tests/prepare.sh"
    );
}

/// Runs `greenroom source add ARGS` with stdin closed (any question on the terminal would
/// fail differently), expects it to fail for want of a token for `host`, and returns what
/// it printed.
pub(crate) fn add_needing_a_token(env: &Env, args: &[&str], host: &str) -> String {
    let mut all = vec!["source", "add"];
    all.extend_from_slice(args);
    let added = env
        .command(&all)
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
    out
}

pub(crate) fn set_token(env: &Env, host: &str, token: &str) {
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
    add_needing_a_token(&env, &[&server.url("private")], &host);
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

/// Azure DevOps' application ID: the audience of the tokens the provider issues for it.
const AZURE_DEVOPS_ID: &str = "499b84ac-1321-427f-aa17-267ca6975798";

/// The tokens the provider issued for Azure DevOps.
fn azure_devops_tokens(provider: &crate::sign_in::Provider) -> Vec<String> {
    crate::sign_in::provider_state(provider)["resourceTokens"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|t| t["resource"] == AZURE_DEVOPS_ID)
        .filter_map(|t| t["access_token"].as_str().map(str::to_owned))
        .collect()
}

#[test]
fn an_azure_devops_host_takes_the_signed_in_entra_token_unless_a_token_is_stored() {
    let provider = crate::sign_in::start_provider();
    let env = Env::new();
    require_keyring(&env);
    let served = env.dir.path().join("served");
    git_repo(
        &served.join("ado"),
        &[("catalog-info.yaml", &component("pipelines", ""))],
    );
    // Azure Repos over Basic authentication: any user name, an Entra access token for Azure
    // DevOps as the password. This server accepts only tokens the provider issued for it.
    let state_of = crate::sign_in::StateReader::new(&provider);
    let server = HttpGit::start_checked(
        &served,
        std::sync::Arc::new(move |header: &str| {
            use base64::Engine;
            let Some(encoded) = header.strip_prefix("Basic ") else {
                return false;
            };
            let Ok(decoded) = base64::engine::general_purpose::STANDARD.decode(encoded) else {
                return false;
            };
            let decoded = String::from_utf8_lossy(&decoded).into_owned();
            let Some((user, password)) = decoded.split_once(':') else {
                return false;
            };
            !user.is_empty()
                && state_of.state()["resourceTokens"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .any(|t| t["resource"] == AZURE_DEVOPS_ID && t["access_token"] == password)
        }),
    );
    let host = server.host();
    std::fs::create_dir_all(env.data()).expect("data");
    std::fs::write(
        env.data().join("config.toml"),
        format!(
            "{}\n[git]\nazure_devops_hosts = [\"{host}\"]\n",
            provider.auth_table()
        ),
    )
    .expect("config");
    crate::sign_in::login(&env);

    // Signed in: the fetch gets the Entra token for Azure DevOps, and the entities appear.
    let added = env.ok(&["source", "add", &server.url("ado")]);
    assert!(added.contains("1 updated"), "{added}");
    assert!(env.ok(&["ls"]).contains("pipelines"));
    let issued = azure_devops_tokens(&provider);
    assert_eq!(issued.len(), 1, "one token for the sync");
    // Neither the token nor anything of the sign-in lands in the data folder.
    let signature = &issued[0].as_bytes()[issued[0].len() - 32..];
    for entry in walk(&env.data()) {
        let bytes = std::fs::read(&entry).unwrap_or_default();
        assert!(
            !bytes.windows(32).any(|w| w == signature),
            "{} holds the token",
            entry.display()
        );
    }

    // A token stored for the host wins, even a wrong one: it is what gets sent.
    set_token(&env, &host, "personal-access-token\n");
    let stored = env.run(&["sync"]);
    assert_eq!(stored.status.code(), Some(1));
    let out = text(&stored.stdout);
    assert!(out.contains("the stored token was rejected"), "{out}");
    assert_eq!(
        azure_devops_tokens(&provider).len(),
        1,
        "no Entra token was asked for"
    );
    env.ok(&["credentials", "remove", &host]);
    let again = env.ok(&["sync"]);
    assert!(again.contains("0 failed"), "{again}");

    // Signed out: as for any host without a token.
    assert!(env.run(&["logout"]).status.success());
    let signed_out = env.run(&["sync"]);
    assert_eq!(signed_out.status.code(), Some(1));
    let out = text(&signed_out.stdout);
    assert!(
        out.contains(&format!("needs credentials for {host}: no token is stored")),
        "{out}"
    );
    assert!(
        env.ok(&["ls"]).contains("pipelines"),
        "the catalog keeps it"
    );
}
