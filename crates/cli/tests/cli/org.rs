//! Organisations as sources: `greenroom source add --github-org` / `--azure-devops-project`,
//! `sync`, `source list`, `problems` and `credentials`, against the fake GitHub and Azure
//! DevOps APIs of greenroom-sources' tests, whose clone addresses are real repositories
//! served by `git daemon`.

use serde_json::json;

use crate::remote::{add_needing_a_token, require_keyring, set_token};
use crate::{Env, component, git_repo, text};

// `org_api` finds the shared HTTP server here, as in greenroom-sources' tests.
use crate::remote::servers;

#[path = "../../../sources/tests/sources/remote/org_api.rs"]
#[allow(dead_code)]
mod org_api;

use org_api::{OrgApi, azure_devops_repo, github_repo};
use servers::GitDaemon;

const API: &str = "---\napiVersion: backstage.io/v1alpha1\nkind: API\nmetadata:\n  name: orders-api\nspec:\n  type: openapi\n  lifecycle: production\n  owner: team-a\n  definition:\n    $text: ./openapi.yaml\n";

#[test]
fn an_organisation_syncs_its_repositories_drops_a_removed_one_and_stays_offline() {
    let env = Env::new();
    let served = env.dir.path().join("served");
    git_repo(
        &served.join("orders"),
        &[
            (
                "catalog-info.yaml",
                &format!("{}{API}", component("orders", "")),
            ),
            ("openapi.yaml", "openapi: 3.0.0\ninfo:\n  title: Orders\n"),
        ],
    );
    let billing = component("billing", "").replace(
        "  tags: [rust]\n",
        "  tags: [rust]\n  annotations:\n    backstage.io/techdocs-ref: dir:.\n",
    );
    git_repo(
        &served.join("billing"),
        &[
            ("catalog-info.yaml", &billing),
            ("mkdocs.yml", "site_name: Billing\n"),
            ("docs/index.md", "# Billing\n\nHow invoices are made.\n"),
        ],
    );
    for name in ["cart", "legacy"] {
        git_repo(
            &served.join(name),
            &[("catalog-info.yaml", &component(name, ""))],
        );
    }
    let daemon = GitDaemon::start(&served);
    let mut api = OrgApi::start();
    api.with(|s| {
        let mut legacy = github_repo(4, "acme", "legacy", &daemon.url("legacy"));
        legacy["archived"] = json!(true);
        s.github_orgs.insert(
            "acme".into(),
            vec![
                github_repo(1, "acme", "orders", &daemon.url("orders")),
                github_repo(2, "acme", "billing", &daemon.url("billing")),
                legacy,
                github_repo(3, "acme", "cart", &daemon.url("cart")),
            ],
        );
        s.max_per_page = Some(2);
    });

    let added = env.ok(&[
        "source",
        "add",
        "--github-org",
        "acme",
        "--api-url",
        &api.url(),
    ]);
    assert!(
        added.contains(&format!(
            "Added remote source acme (http://{}/acme)",
            api.host()
        )),
        "{added}"
    );
    assert!(
        added.contains("3 repositories (3 updated, 0 unchanged, 0 failed)"),
        "{added}"
    );
    assert!(added.contains("docs: 1 sites"), "{added}");
    let listed = env.ok(&["ls"]);
    for name in ["orders", "orders-api", "billing", "cart"] {
        assert!(listed.contains(name), "{name} in {listed}");
    }
    assert!(!listed.contains("legacy"), "archived: {listed}");
    let sources = env.json(&["source", "list"]);
    assert_eq!(sources[0]["name"], "acme");
    assert_eq!(sources[0]["remoteRepos"].as_array().map(Vec::len), Some(3));
    let table = env.ok(&["source", "list"]);
    assert!(
        table
            .lines()
            .any(|l| l.contains("acme") && l.split_whitespace().nth(3) == Some("3")),
        "{table}"
    );

    // cart leaves the organisation: it leaves the catalog at the next sync.
    api.with(|s| {
        if let Some(repos) = s.github_orgs.get_mut("acme") {
            repos.retain(|r| r["name"] != "cart");
        }
    });
    let synced = env.ok(&["sync"]);
    assert!(synced.contains("acme: 2 repositories"), "{synced}");
    assert!(!env.ok(&["ls"]).contains("cart"));

    // The API goes away: the last listing is synced, everything stays, a warning says why.
    api.stop();
    let offline = env.ok(&["sync"]);
    assert!(
        offline.contains("acme: 2 repositories (0 updated, 2 unchanged, 0 failed)"),
        "{offline}"
    );
    assert!(
        offline.contains("synced the 2 repositories of the last listing, taken"),
        "the sync itself says it used the last listing: {offline}"
    );
    let problems = env.ok(&["problems"]);
    assert!(problems.contains("cannot be reached"), "{problems}");
    assert!(
        problems.contains("synced the 2 repositories of the last listing, taken"),
        "{problems}"
    );
    let listed = env.ok(&["ls"]);
    for name in ["orders", "orders-api", "billing"] {
        assert!(listed.contains(name), "{name} kept offline: {listed}");
    }

    // An organisation never listed cannot be synced offline: it says so, and why.
    env.ok(&[
        "source",
        "add",
        "--no-index",
        "--github-org",
        "other",
        "--api-url",
        &api.url(),
    ]);
    let never = env.run(&["sync", "--source", "other"]);
    assert_eq!(never.status.code(), Some(1));
    let out = text(&never.stdout);
    assert!(out.contains("other: not synced:"), "{out}");
    assert!(
        out.contains("the catalog keeps what this source contributed before"),
        "{out}"
    );
}

#[test]
fn an_azure_devops_project_that_needs_a_token_asks_for_one_then_syncs() {
    let env = Env::new();
    require_keyring(&env);
    let served = env.dir.path().join("served");
    git_repo(
        &served.join("payments"),
        &[("catalog-info.yaml", &component("payments", ""))],
    );
    let daemon = GitDaemon::start(&served);
    let api = OrgApi::start();
    api.with(|s| {
        s.token = Some("ado-pat".into());
        s.azure_devops.insert(
            ("acme".into(), "Platform".into()),
            vec![
                azure_devops_repo(
                    "acme",
                    "Platform",
                    "payments",
                    &daemon.url("payments"),
                    Some("main"),
                ),
                azure_devops_repo("acme", "Platform", "empty", &daemon.url("empty"), None),
            ],
        );
    });
    let host = api.host();

    let out = add_needing_a_token(
        &env,
        &[
            "--azure-devops-project",
            "acme/Platform",
            "--api-url",
            &api.url(),
        ],
        &host,
    );
    assert!(out.contains("Added remote source acme/Platform"), "{out}");
    let json = env.run(&["sync", "--json"]);
    let reports: serde_json::Value = serde_json::from_slice(&json.stdout).expect("JSON report");
    assert_eq!(
        reports[0]["needsCredentials"],
        json!([host]),
        "what the app prompts for"
    );

    set_token(&env, &host, "ado-pat\n");
    let synced = env.ok(&["sync"]);
    assert!(
        synced.contains("acme/Platform: 1 repositories (1 updated"),
        "{synced}"
    );
    assert!(env.ok(&["ls"]).contains("payments"));
    env.ok(&["credentials", "remove", &host]);
}

#[test]
fn organisation_addresses_are_recognised_and_bad_flags_refused() {
    let env = Env::new();
    let github = env.ok(&["source", "add", "--no-index", "https://github.com/acme"]);
    assert!(
        github.contains("Added remote source acme (https://github.com/acme)"),
        "{github}"
    );
    let azure = env.ok(&[
        "source",
        "add",
        "--no-index",
        "https://dev.azure.com/acme/My%20Project",
    ]);
    assert!(
        azure.contains(
            "Added remote source acme/My Project (https://dev.azure.com/acme/My%20Project)"
        ),
        "{azure}"
    );
    let settings = env.json(&["source", "list"]);
    assert_eq!(
        settings[0]["settings"]["org"],
        json!({"provider": "github", "apiUrl": "https://api.github.com", "org": "acme"})
    );
    for bad in [
        vec!["--azure-devops-project", "no-project"],
        vec![
            "--github-org",
            "acme",
            "--api-url",
            "https://user:secret@ghe.example.com/api/v3",
        ],
        vec![
            "--api-url",
            "https://ghe.example.com/api/v3",
            "https://github.com/acme",
        ],
    ] {
        let mut args = vec!["source", "add", "--no-index"];
        args.extend(bad.iter().copied());
        let output = env.run(&args);
        assert!(!output.status.success(), "{bad:?} was accepted");
        assert!(!text(&output.stderr).contains("secret"), "{bad:?}");
    }
}
