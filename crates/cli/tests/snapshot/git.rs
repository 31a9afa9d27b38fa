//! Publishing and subscribing through Git: a real `git daemon` on 127.0.0.1 (started by
//! the test, with pushes enabled), and a folder reached by a `file://` URL.

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::{Env, component, git_repo, org};

/// `git daemon` serving the folders under `root`, stopped when dropped.
struct GitDaemon {
    child: Child,
    port: u16,
}

impl GitDaemon {
    fn start(root: &Path) -> GitDaemon {
        let git = which_git();
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let child = Command::new(&git)
            .args([
                "daemon",
                "--reuseaddr",
                "--export-all",
                "--enable=receive-pack",
                "--listen=127.0.0.1",
                &format!("--port={port}"),
                &format!("--base-path={}", root.display()),
                &root.display().to_string(),
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start git daemon");
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "git daemon did not start"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        GitDaemon { child, port }
    }

    fn url(&self, repo: &str) -> String {
        format!("git://127.0.0.1:{}/{repo}", self.port)
    }
}

impl Drop for GitDaemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn which_git() -> PathBuf {
    let found = std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
        .map(|d| d.join("git"))
        .find(|p| p.is_file());
    found.expect("these tests need git (with `git daemon`) on PATH: apt-get install git")
}

fn bare(path: &Path) -> git2::Repository {
    let mut options = git2::RepositoryInitOptions::new();
    options.bare(true).initial_head("main");
    git2::Repository::init_opts(path, &options).expect("bare repository")
}

fn history(repo: &git2::Repository) -> Vec<String> {
    let mut walk = repo.revwalk().expect("walk");
    walk.push_ref("refs/heads/main").expect("main");
    walk.map(|id| {
        let commit = repo.find_commit(id.expect("id")).expect("commit");
        commit
            .summary()
            .ok()
            .flatten()
            .unwrap_or_default()
            .to_owned()
    })
    .collect()
}

#[test]
fn publish_and_subscribe_through_a_git_server() {
    let env = Env::new();
    let repos = env.path("repos");
    org(&repos);
    let served = env.path("served");
    let server_repo = bare(&served.join("snapshots.git"));
    let daemon = GitDaemon::start(&served);
    let url = daemon.url("snapshots.git");

    let platform = env.machine("platform");
    platform.ok(&["source", "add", repos.to_str().expect("utf8")]);
    let published = platform.json(&[
        "snapshot",
        "publish",
        "--to",
        &url,
        "--with-docs",
        "--name",
        "Platform team",
    ]);
    assert_eq!(published["file"], "platform-team.greenroom");
    assert_eq!(published["branch"], "main");
    assert!(published["commit"].is_string(), "{published}");

    // A new hire subscribes: the newest snapshot arrives, docs included.
    let laptop = env.machine("laptop");
    let subscribed = laptop.json(&["snapshot", "subscribe", &url]);
    assert_eq!(subscribed["sync"]["kind"], "imported");
    assert_eq!(subscribed["sync"]["report"]["added"], 5);
    assert_eq!(laptop.json(&["stats"])["entities"], 5);
    assert_eq!(
        laptop.json(&["docs", "search", "restart"])[0]["entity"],
        "component:default/payments"
    );

    // Publishing the same catalog again makes no commit.
    let same = platform.ok(&[
        "snapshot",
        "publish",
        "--to",
        &url,
        "--with-docs",
        "--name",
        "Platform team",
    ]);
    assert!(same.contains("already holds this snapshot"), "{same}");
    assert_eq!(history(&server_repo).len(), 1);

    // The platform team adds a service and publishes; `greenroom index` on the laptop
    // fetches it.
    git_repo(
        &repos.join("billing"),
        &[("catalog-info.yaml", component("billing", "").as_bytes())],
    );
    platform.ok(&["index"]);
    platform.ok(&[
        "snapshot",
        "publish",
        "--to",
        &url,
        "--with-docs",
        "--name",
        "Platform team",
    ]);
    let log = history(&server_repo);
    assert_eq!(log.len(), 2, "history is kept: {log:?}");
    assert!(log[0].starts_with("Snapshot of Platform team"), "{log:?}");
    let head = server_repo
        .find_reference("refs/heads/main")
        .expect("main")
        .peel_to_tree()
        .expect("tree");
    let attributes = server_repo
        .find_blob(head.get_name(".gitattributes").expect("attributes").id())
        .expect("blob");
    assert!(String::from_utf8_lossy(attributes.content()).contains("*.greenroom binary"));
    assert_eq!(head.len(), 2, "one snapshot file and .gitattributes");

    let indexed = laptop.json(&["index"]);
    let report = &indexed["sources"][0];
    assert_eq!(report["stats"]["added"], 1, "{indexed}");
    assert!(report["error"].is_null(), "{indexed}");
    assert_eq!(
        laptop.json(&["show", "billing"])["entity"]["metadata"]["name"],
        "billing"
    );
    // Nothing new: nothing to do, whether through `index` or `sync`.
    let again = laptop.json(&["index"]);
    assert_eq!(again["sources"][0]["stats"]["added"], 0);
    let synced = laptop.ok(&["sync"]);
    assert!(synced.contains("no changes"), "{synced}");

    // Someone pushes a damaged snapshot: the laptop refuses it and keeps what it had.
    let tip = server_repo
        .find_reference("refs/heads/main")
        .expect("main")
        .peel_to_commit()
        .expect("commit");
    let good = server_repo
        .find_blob(
            tip.tree()
                .expect("tree")
                .get_name("platform-team.greenroom")
                .expect("file")
                .id(),
        )
        .expect("blob")
        .content()
        .to_vec();
    let mut damaged = good.clone();
    let middle = damaged.len() / 2;
    damaged[middle] ^= 0xff;
    let blob = server_repo.blob(&damaged).expect("blob");
    let mut builder = server_repo
        .treebuilder(Some(&tip.tree().expect("tree")))
        .expect("builder");
    builder
        .insert("platform-team.greenroom", blob, 0o100644)
        .expect("insert");
    let tree = server_repo
        .find_tree(builder.write().expect("tree"))
        .expect("tree");
    let who = git2::Signature::now("Mallory", "mallory@example.com").expect("sig");
    server_repo
        .commit(
            Some("refs/heads/main"),
            &who,
            &who,
            "Damage",
            &tree,
            &[&tip],
        )
        .expect("commit");
    let before = laptop.dump();
    let failed = laptop.run(&["index", "--json"]);
    assert_eq!(failed.status.code(), Some(1));
    let out: serde_json::Value = serde_json::from_slice(&failed.stdout).expect("json");
    let error = out["sources"][0]["error"].as_str().expect("error");
    assert!(
        error.contains("damaged or was changed after it was made"),
        "{error}"
    );
    let after = laptop.dump();
    // Only the source's record of the failed check differs.
    let entities = |dump: &str| {
        dump.lines()
            .filter(|l| !l.starts_with("sources:"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(entities(&before), entities(&after));
    assert_eq!(laptop.json(&["stats"])["entities"], 6);
    let listed = laptop.json(&["snapshot", "list"]);
    assert!(
        listed[0]["snapshot"]["subscription"]["error"]
            .as_str()
            .expect("error")
            .contains("damaged"),
        "{listed}"
    );
}

#[test]
fn publish_into_a_folder_and_subscribe_with_a_file_url() {
    let env = Env::new();
    let repos = env.path("repos");
    org(&repos);
    let platform = env.machine("platform");
    platform.ok(&["source", "add", repos.to_str().expect("utf8")]);
    let shared = env.path("shared-drive/snapshots");
    let out = platform.ok(&[
        "snapshot",
        "publish",
        "--to",
        shared.to_str().expect("utf8"),
        "--name",
        "Platform team",
    ]);
    assert!(out.contains("Published platform-team.greenroom"), "{out}");
    assert!(
        shared.join("platform-team.greenroom").is_file(),
        "the folder shows the file"
    );
    let repo = git2::Repository::open(&shared).expect("a repository");
    assert_eq!(history(&repo).len(), 1);
    assert!(
        repo.statuses(None).expect("status").is_empty(),
        "the working copy is clean"
    );

    // A folder that is neither empty nor a repository is refused.
    let busy = env.path("busy");
    crate::write(&busy, "notes.txt", "hello");
    let refused = platform.fails(&["snapshot", "publish", "--to", busy.to_str().expect("utf8")]);
    assert!(
        refused.contains("neither a Git repository nor an empty folder"),
        "{refused}"
    );

    let laptop = env.machine("laptop");
    let url = format!("file://{}", shared.display());
    let subscribed = laptop.json(&["snapshot", "subscribe", &url]);
    assert_eq!(subscribed["sync"]["report"]["added"], 5);
    // A second subscription to the same place is refused; a bad URL leaves no source.
    laptop.fails(&["snapshot", "subscribe", &url]);
    let before = laptop.dump();
    let missing = laptop.fails(&[
        "snapshot",
        "subscribe",
        &format!("file://{}/nowhere", env.dir.path().display()),
    ]);
    assert!(missing.contains("cannot reach"), "{missing}");
    assert_eq!(before, laptop.dump());
}
