use std::fs;

use greenroom_sources::remote::{Cancel, FailureKind, HttpsToken, RepoOutcome, SshSettings};

use super::servers::{FaultyRelay, GitDaemon, HttpGit, Relay, SshServer};
use super::{Tokens, World, commit, force_push, remote, served_repo};
use crate::component;

const LOCATION: &str = "apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata:\n  name: more\nspec:\n  targets: [./services/*/catalog-info.yaml]\n";
const API: &str = "apiVersion: backstage.io/v1alpha1\nkind: API\nmetadata:\n  name: orders-api\nspec:\n  type: openapi\n  lifecycle: production\n  owner: team-a\n  definition:\n    $text: ./openapi.yaml\n";

fn failure_kind(outcome: &RepoOutcome) -> Option<FailureKind> {
    match outcome {
        RepoOutcome::Failed { failure } => Some(failure.kind),
        _ => None,
    }
}

fn is_updated(outcome: &RepoOutcome) -> bool {
    matches!(outcome, RepoOutcome::Updated { .. })
}

#[test]
fn first_clone_reads_descriptors_api_definitions_and_locations_from_a_bare_shallow_cache() {
    let mut world = World::new();
    let orders = served_repo(
        &world.served(),
        "orders",
        &[
            ("catalog-info.yaml", &format!("{LOCATION}---\n{API}")),
            ("openapi.yaml", "openapi: 3.0.0\ninfo:\n  title: Orders\n"),
            ("services/cart/catalog-info.yaml", &component("cart")),
        ],
    );
    commit(&orders, &[("README.md", "# Orders\n")], "Second commit");
    served_repo(
        &world.served(),
        "billing",
        &[("catalog-info.yaml", &component("billing"))],
    );
    let daemon = GitDaemon::start(&world.served());
    let repos = [
        remote(&daemon.url("orders")),
        remote(&daemon.url("billing")),
    ];

    let synced = world.sync(&repos);

    assert!(is_updated(synced.outcome(&repos[0].key())));
    assert!(is_updated(synced.outcome(&repos[1].key())));
    assert_eq!(synced.stats.repos_read, 2);
    assert_eq!(
        world.entity_names(),
        [
            "api:default/orders-api",
            "component:default/billing",
            "component:default/cart",
            "location:default/more",
        ]
    );
    let api = world
        .catalog
        .entity("api:default/orders-api")
        .expect("query")
        .expect("api");
    assert_eq!(
        api.entity.spec["definition"],
        "openapi: 3.0.0\ninfo:\n  title: Orders\n"
    );
    let location = api.location.expect("location");
    assert_eq!(location.branch.as_deref(), Some("main"));
    assert_eq!(
        location.commit,
        Some(
            orders
                .head()
                .expect("head")
                .target()
                .expect("oid")
                .to_string()
        )
    );
    assert_eq!(
        api.entity.metadata.annotations["backstage.io/managed-by-location"],
        format!("url:{}#main:catalog-info.yaml", daemon.url("orders"))
    );
    // The cache holds bare, depth-1 clones: no working tree, one commit.
    let entry = repos[0].cache_entry(&world.cache());
    let cached = git2::Repository::open_bare(&entry).expect("cache entry");
    assert!(cached.is_bare());
    assert!(cached.is_shallow(), "fetched with depth 1");
    assert!(!entry.join("catalog-info.yaml").exists());
    let head = cached
        .head()
        .expect("head")
        .peel_to_commit()
        .expect("commit");
    assert_eq!(head.parent_count(), 1);
    assert!(head.parent(0).is_err(), "the parent commit was not fetched");
    // Progress was reported per repository, with objects and bytes.
    let transferred = synced.events.iter().any(|e| {
        matches!(e, greenroom_sources::SyncEvent::Transfer { received_bytes, total_objects, .. }
            if *received_bytes > 0 && *total_objects > 0)
    });
    assert!(transferred, "{:?}", synced.events);
}

#[test]
fn new_commits_re_read_only_the_repository_that_changed() {
    let mut world = World::new();
    let orders = served_repo(
        &world.served(),
        "orders",
        &[("catalog-info.yaml", &component("orders"))],
    );
    let billing = served_repo(
        &world.served(),
        "billing",
        &[("catalog-info.yaml", &component("billing"))],
    );
    let daemon = GitDaemon::start(&world.served());
    let repos = [
        remote(&daemon.url("orders")),
        remote(&daemon.url("billing")),
    ];
    world.sync(&repos);

    let nothing = world.sync(&repos);
    assert_eq!(nothing.stats.repos_read, 0);
    assert_eq!(nothing.stats.repos_unchanged, 2);
    assert!(matches!(
        nothing.outcome(&repos[0].key()),
        RepoOutcome::Unchanged { .. }
    ));
    let downloads = nothing
        .events
        .iter()
        .filter(|e| matches!(e, greenroom_sources::SyncEvent::Transfer { .. }))
        .count();
    assert_eq!(downloads, 0, "an unchanged branch downloads nothing");

    let changed = commit(
        &orders,
        &[(
            "catalog-info.yaml",
            &component("orders").replace("production", "experimental"),
        )],
        "Orders is experimental",
    );
    let synced = world.sync(&repos);
    assert_eq!(synced.stats.repos_read, 1);
    assert_eq!(synced.stats.repos_unchanged, 1);
    assert_eq!(synced.stats.updated, 1);
    assert!(matches!(
        synced.outcome(&repos[0].key()),
        RepoOutcome::Updated { commit, .. } if *commit == changed.to_string()
    ));
    assert!(matches!(
        synced.outcome(&repos[1].key()),
        RepoOutcome::Unchanged { .. }
    ));
    let orders_entity = world
        .catalog
        .entity("component:default/orders")
        .expect("query")
        .expect("orders");
    assert_eq!(orders_entity.entity.spec["lifecycle"], "experimental");

    // A commit that touches no descriptor moves the commit but reads nothing again.
    let code_only = commit(&billing, &[("src/lib.rs", "pub fn f() {}\n")], "Code");
    let synced = world.sync(&repos);
    assert!(is_updated(synced.outcome(&repos[1].key())));
    assert_eq!(synced.stats.repos_read, 0, "descriptors unchanged");
    let billing_entity = world
        .catalog
        .entity("component:default/billing")
        .expect("query")
        .expect("billing");
    assert_eq!(
        billing_entity.location.expect("location").commit,
        Some(code_only.to_string())
    );
}

#[test]
fn a_force_pushed_branch_replaces_what_was_read() {
    let mut world = World::new();
    let orders = served_repo(
        &world.served(),
        "orders",
        &[("catalog-info.yaml", &component("orders"))],
    );
    commit(
        &orders,
        &[("catalog-info.yaml", &component("orders-v2"))],
        "Rename",
    );
    let daemon = GitDaemon::start(&world.served());
    let repos = [remote(&daemon.url("orders"))];
    world.sync(&repos);
    assert_eq!(world.entity_names(), ["component:default/orders-v2"]);

    let rewritten = force_push(&orders, &[("catalog-info.yaml", &component("orders-v3"))]);
    let synced = world.sync(&repos);
    assert!(matches!(
        synced.outcome(&repos[0].key()),
        RepoOutcome::Updated { commit, .. } if *commit == rewritten.to_string()
    ));
    assert_eq!(world.entity_names(), ["component:default/orders-v3"]);
    let cached = git2::Repository::open_bare(repos[0].cache_entry(&world.cache())).expect("cache");
    assert_eq!(
        cached.head().expect("head").target(),
        Some(rewritten),
        "the cache follows the rewritten branch"
    );
}

#[test]
fn a_deleted_repository_is_reported_on_its_own_and_keeps_its_entities() {
    let mut world = World::new();
    served_repo(
        &world.served(),
        "orders",
        &[("catalog-info.yaml", &component("orders"))],
    );
    let billing = served_repo(
        &world.served(),
        "billing",
        &[("catalog-info.yaml", &component("billing"))],
    );
    let daemon = GitDaemon::start(&world.served());
    let repos = [
        remote(&daemon.url("orders")),
        remote(&daemon.url("billing")),
    ];
    world.sync(&repos);

    fs::remove_dir_all(world.served().join("orders")).expect("delete repository");
    commit(
        &billing,
        &[(
            "catalog-info.yaml",
            &component("billing").replace("team-a", "team-b"),
        )],
        "New owner",
    );
    let synced = world.sync(&repos);
    assert_eq!(
        failure_kind(synced.outcome(&repos[0].key())),
        Some(FailureKind::NotFound),
        "{:?}",
        synced.repos
    );
    let status = synced.status(&repos[0].key());
    assert!(status.commit.is_none());
    assert!(
        status
            .failure
            .as_ref()
            .is_some_and(|f| f.message.contains("not found")),
        "{status:?}"
    );
    assert!(is_updated(synced.outcome(&repos[1].key())), "the rest sync");
    assert_eq!(synced.stats.removed, 0);
    assert_eq!(
        world.entity_names(),
        ["component:default/billing", "component:default/orders"]
    );
}

#[test]
fn https_credentials_come_from_the_token_source_and_a_wrong_one_is_a_result_not_a_prompt() {
    let mut world = World::new();
    served_repo(
        &world.served(),
        "private",
        &[("catalog-info.yaml", &component("private"))],
    );
    let server = HttpGit::start(&world.served(), "greenroom", "s3cret-token");
    let repos = [remote(&server.url("private"))];

    let missing = world.sync_with(&repos, &Tokens::default(), &Cancel::new());
    let status = missing.status(&repos[0].key());
    let failure = status.failure.clone().expect("fails without a token");
    assert_eq!(failure.kind, FailureKind::NeedsCredentials);
    assert_eq!(failure.host, Some(server.host()));
    assert!(
        failure
            .message
            .starts_with(&format!("needs credentials for {}", server.host())),
        "{}",
        failure.message
    );
    assert!(failure.message.contains("no token is stored"));

    let wrong = Tokens(
        [(
            server.host(),
            HttpsToken {
                username: "greenroom".into(),
                token: "wrong".into(),
                rejected: None,
            },
        )]
        .into(),
    );
    let before = server.rejected.load(std::sync::atomic::Ordering::Relaxed);
    let rejected = world.sync_with(&repos, &wrong, &Cancel::new());
    let failure = rejected
        .status(&repos[0].key())
        .failure
        .clone()
        .expect("rejected");
    assert_eq!(failure.kind, FailureKind::NeedsCredentials);
    assert!(failure.message.contains("rejected"), "{}", failure.message);
    assert!(!failure.message.contains("wrong"), "the token is not shown");
    let attempts = server.rejected.load(std::sync::atomic::Ordering::Relaxed) - before;
    assert!(
        attempts <= 3,
        "the wrong token is not retried in a loop ({attempts} requests)"
    );
    assert!(world.entity_names().is_empty());

    let right = Tokens(
        [(
            server.host(),
            HttpsToken {
                username: "greenroom".into(),
                token: "s3cret-token".into(),
                rejected: None,
            },
        )]
        .into(),
    );
    let synced = world.sync_with(&repos, &right, &Cancel::new());
    assert!(
        is_updated(synced.outcome(&repos[0].key())),
        "{:?}",
        synced.repos
    );
    assert_eq!(world.entity_names(), ["component:default/private"]);
    // A second sync over HTTP asks for refs only.
    let again = world.sync_with(&repos, &right, &Cancel::new());
    assert!(matches!(
        again.outcome(&repos[0].key()),
        RepoOutcome::Unchanged { .. }
    ));
}

/// Incompressible content, so that a transfer takes many network reads.
fn noise(bytes: usize, seed: u64) -> String {
    let mut state = 0x9e3779b97f4a7c15u64 ^ seed;
    (0..bytes)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            char::from(b'!' + (state % 90) as u8)
        })
        .collect()
}

#[test]
fn a_server_that_stops_mid_fetch_leaves_no_partial_cache_and_the_next_sync_recovers() {
    let mut world = World::new();
    let big = noise(3 * 1024 * 1024, 1);
    let orders = served_repo(
        &world.served(),
        "orders",
        &[
            ("catalog-info.yaml", &component("orders")),
            ("data.bin", &big),
        ],
    );
    let daemon = GitDaemon::start(&world.served());
    let relay = FaultyRelay::start(daemon.port);
    let repos = [remote(&format!("git://127.0.0.1:{}/orders", relay.port))];
    let entry = repos[0].cache_entry(&world.cache());

    relay.set(Relay::CutAfter(256 * 1024));
    let cut = world.sync(&repos);
    assert_eq!(
        failure_kind(cut.outcome(&repos[0].key())),
        Some(FailureKind::Interrupted),
        "{:?}",
        cut.repos
    );
    assert!(!entry.exists(), "no half-cloned cache entry");
    let partial = world.cache().join(".partial");
    assert!(
        fs::read_dir(&partial).map_or(true, |d| d.count() == 0),
        "the unfinished clone was removed"
    );
    assert!(world.entity_names().is_empty());

    relay.set(Relay::Pass);
    let synced = world.sync(&repos);
    assert!(is_updated(synced.outcome(&repos[0].key())));
    assert_eq!(world.entity_names(), ["component:default/orders"]);
    let first = orders.head().expect("head").target().expect("oid");

    // A server that hangs during an update: the fetch times out, the entry keeps its
    // previous commit, and the catalog keeps what it had.
    commit(
        &orders,
        &[
            ("catalog-info.yaml", &component("orders-next")),
            ("data.bin", &noise(2 * 1024 * 1024, 2)),
        ],
        "Bigger",
    );
    relay.set(Relay::StallAfter(64 * 1024));
    let stalled = world.sync(&repos);
    assert_eq!(
        failure_kind(stalled.outcome(&repos[0].key())),
        Some(FailureKind::TimedOut),
        "{:?}",
        stalled.repos
    );
    let cached = git2::Repository::open_bare(&entry).expect("entry still opens");
    assert_eq!(cached.head().expect("head").target(), Some(first));
    assert_eq!(world.entity_names(), ["component:default/orders"]);

    relay.set(Relay::Pass);
    world.sync(&repos);
    assert_eq!(world.entity_names(), ["component:default/orders-next"]);
}

#[test]
fn a_damaged_cache_entry_is_detected_and_cloned_again() {
    let mut world = World::new();
    served_repo(
        &world.served(),
        "orders",
        &[("catalog-info.yaml", &component("orders"))],
    );
    let daemon = GitDaemon::start(&world.served());
    let repos = [remote(&daemon.url("orders"))];
    world.sync(&repos);
    let entry = repos[0].cache_entry(&world.cache());

    // Truncate every pack, as a full disk or a crash while copying would.
    for pack in fs::read_dir(entry.join("objects/pack"))
        .expect("packs")
        .flatten()
    {
        let path = pack.path();
        if path.extension().is_some_and(|e| e == "pack") {
            let bytes = fs::read(&path).expect("pack");
            fs::write(&path, &bytes[..bytes.len() / 3]).expect("truncate");
        }
    }
    let synced = world.sync(&repos);
    let status = synced.status(&repos[0].key());
    assert!(status.failure.is_none(), "{status:?}");
    assert!(status.recloned, "the damaged entry was cloned again");
    let cached = git2::Repository::open_bare(&entry).expect("entry");
    let head = cached
        .head()
        .expect("head")
        .peel_to_commit()
        .expect("readable again");
    assert!(head.tree().is_ok());
    assert_eq!(world.entity_names(), ["component:default/orders"]);

    // An entry left half-written (here: refs without objects) is not read either.
    fs::remove_dir_all(entry.join("objects")).expect("remove objects");
    fs::create_dir_all(world.cache().join(".partial/leftover")).expect("leftover");
    let synced = world.sync(&repos);
    assert!(synced.status(&repos[0].key()).recloned);
    assert!(
        git2::Repository::open_bare(&entry)
            .expect("entry")
            .head()
            .expect("head")
            .peel_to_commit()
            .is_ok()
    );
}

#[test]
fn offline_after_a_sync_the_catalog_keeps_everything() {
    let mut world = World::new();
    served_repo(
        &world.served(),
        "orders",
        &[("catalog-info.yaml", &component("orders"))],
    );
    served_repo(
        &world.served(),
        "billing",
        &[("catalog-info.yaml", &component("billing"))],
    );
    let mut daemon = GitDaemon::start(&world.served());
    let repos = [
        remote(&daemon.url("orders")),
        remote(&daemon.url("billing")),
    ];
    world.sync(&repos);
    let synced_at: Vec<i64> = {
        let states = world.catalog.repo_states(world.source).expect("states");
        repos.iter().map(|r| states[&r.key()].indexed_at).collect()
    };

    daemon.stop();
    let offline = world.sync(&repos);
    for repo in &repos {
        assert_eq!(
            failure_kind(offline.outcome(&repo.key())),
            Some(FailureKind::Unreachable)
        );
        let failure = offline
            .status(&repo.key())
            .failure
            .clone()
            .expect("failure");
        assert!(failure.message.contains("offline"), "{}", failure.message);
    }
    assert_eq!(offline.stats.removed, 0);
    assert_eq!(offline.stats.repos_removed, 0);
    assert_eq!(
        world.entity_names(),
        ["component:default/billing", "component:default/orders"]
    );
    let states = world.catalog.repo_states(world.source).expect("states");
    let after: Vec<i64> = repos.iter().map(|r| states[&r.key()].indexed_at).collect();
    assert_eq!(after, synced_at, "nothing was re-read");

    // The cache alone is enough to rebuild a catalog while offline.
    let mut fresh = World::new();
    let copied = fresh.cache();
    fs::rename(world.cache(), &copied).expect("move cache");
    let rebuilt = fresh.sync(&repos);
    assert!(rebuilt.repos.iter().all(|r| r.failure.is_some()));
    assert_eq!(
        fresh.entity_names(),
        ["component:default/billing", "component:default/orders"]
    );
}

#[test]
fn a_cancelled_sync_stops_and_removes_nothing() {
    let mut world = World::new();
    for name in ["a", "b", "c"] {
        served_repo(
            &world.served(),
            name,
            &[("catalog-info.yaml", &component(name))],
        );
    }
    let daemon = GitDaemon::start(&world.served());
    let repos: Vec<_> = ["a", "b", "c"]
        .iter()
        .map(|n| remote(&daemon.url(n)))
        .collect();
    world.sync(&repos);

    let cancel = Cancel::new();
    cancel.cancel();
    let cancelled = world.sync_with(&repos, &super::Tokens::default(), &cancel);
    for repo in &repos {
        assert_eq!(
            failure_kind(cancelled.outcome(&repo.key())),
            Some(FailureKind::Cancelled)
        );
    }
    assert_eq!(cancelled.stats.removed, 0);
    assert_eq!(world.entity_names().len(), 3);
}

#[test]
fn a_missing_branch_and_an_empty_repository_say_what_to_do() {
    let mut world = World::new();
    served_repo(
        &world.served(),
        "orders",
        &[("catalog-info.yaml", &component("orders"))],
    );
    fs::create_dir_all(world.served().join("empty")).expect("mkdir");
    git2::Repository::init(world.served().join("empty")).expect("init empty");
    let daemon = GitDaemon::start(&world.served());
    let mut wrong_branch = remote(&daemon.url("orders"));
    wrong_branch.branch = Some("release".into());
    let repos = [wrong_branch, remote(&daemon.url("empty"))];
    let synced = world.sync(&repos);
    for repo in &repos {
        assert_eq!(
            failure_kind(synced.outcome(&repo.key())),
            Some(FailureKind::NoSuchBranch)
        );
    }
    let message = &synced
        .status(&repos[0].key())
        .failure
        .clone()
        .expect("f")
        .message;
    assert!(message.contains("no branch `release`"), "{message}");
}

#[test]
fn file_urls_and_named_branches_work_too() {
    let mut world = World::new();
    let orders = served_repo(
        &world.served(),
        "orders",
        &[("catalog-info.yaml", &component("orders"))],
    );
    let main = orders
        .head()
        .expect("head")
        .peel_to_commit()
        .expect("commit");
    orders.branch("release", &main, false).expect("branch");
    orders.set_head("refs/heads/release").expect("switch");
    commit(
        &orders,
        &[("catalog-info.yaml", &component("orders-release"))],
        "Release",
    );
    orders.set_head("refs/heads/main").expect("switch back");
    let url = format!("file://{}", world.served().join("orders").display());
    let mut release = remote(&url);
    release.branch = Some("release".into());
    let repos = [release];
    let synced = world.sync(&repos);
    assert!(
        is_updated(synced.outcome(&repos[0].key())),
        "{:?}",
        synced.repos
    );
    assert_eq!(world.entity_names(), ["component:default/orders-release"]);
    assert_eq!(
        synced.status(&repos[0].key()).branch.as_deref(),
        Some("release")
    );
}

#[test]
fn ssh_uses_key_files_checks_host_keys_and_never_prompts() {
    let mut world = World::new();
    served_repo(
        &world.served(),
        "orders",
        &[("catalog-info.yaml", &component("orders"))],
    );
    let server = SshServer::start(&world.dir.path().join("ssh"));
    let repos = [remote(&server.url(&world.served().join("orders")))];
    let host = format!("127.0.0.1:{}", server.port);

    // The host key is not known: refused before any credential is offered.
    let unknown = world.sync_ssh(
        &repos,
        SshSettings {
            agent: false,
            key_files: vec![server.client_key.clone()],
            known_hosts: Vec::new(),
        },
    );
    let failure = unknown
        .status(&repos[0].key())
        .failure
        .clone()
        .expect("refused");
    assert_eq!(failure.kind, FailureKind::UnknownHostKey, "{failure:?}");

    // A key the server does not accept, and a key with a passphrase nobody can type.
    let dir = world.dir.path().join("other-keys");
    fs::create_dir_all(&dir).expect("mkdir");
    let other = dir.join("other");
    let locked = dir.join("locked");
    for (path, passphrase) in [(&other, ""), (&locked, "secret")] {
        let status = std::process::Command::new("ssh-keygen")
            .args(["-q", "-t", "ed25519", "-N", passphrase, "-f"])
            .arg(path)
            .status()
            .expect("ssh-keygen");
        assert!(status.success());
    }
    let rejected = world.sync_ssh(
        &repos,
        SshSettings {
            agent: false,
            key_files: vec![locked.clone(), other],
            known_hosts: vec![server.known_hosts.clone()],
        },
    );
    let failure = rejected
        .status(&repos[0].key())
        .failure
        .clone()
        .expect("rejected");
    assert_eq!(failure.kind, FailureKind::NeedsCredentials, "{failure:?}");
    assert_eq!(failure.host.as_deref(), Some(host.as_str()));
    assert!(failure.message.contains("ssh-agent"), "{}", failure.message);

    let synced = world.sync_ssh(
        &repos,
        SshSettings {
            agent: false,
            key_files: vec![locked, server.client_key.clone()],
            known_hosts: vec![server.known_hosts.clone()],
        },
    );
    assert!(
        is_updated(synced.outcome(&repos[0].key())),
        "{:?}",
        synced.repos
    );
    assert_eq!(world.entity_names(), ["component:default/orders"]);
}
