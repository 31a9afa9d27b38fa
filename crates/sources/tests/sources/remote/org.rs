//! Organisation listings against the fake GitHub and Azure DevOps APIs (`org_api`), with
//! clone addresses pointing at real repositories served by `git daemon`.

use greenroom_sources::remote::{
    ApiToken, FailureKind, FetchFailure, Organisation, RemoteRepo, SkipReason,
};
use serde_json::json;

use super::org_api::{OrgApi, azure_devops_repo, github_repo};
use super::servers::GitDaemon;
use super::{World, served_repo};
use crate::component;

fn failure(result: Result<impl std::fmt::Debug, FetchFailure>) -> FetchFailure {
    result.expect_err("the listing should fail")
}

/// Asserts that the failure's message says `words`.
fn says(failure: &FetchFailure, words: &str) {
    assert!(failure.message.contains(words), "{}", failure.message);
}

fn names(listing: &greenroom_sources::remote::OrgListing) -> Vec<String> {
    listing.repos.iter().map(|u| u.repo_name()).collect()
}

#[test]
fn a_github_organisation_is_listed_over_several_pages_and_its_repositories_sync() {
    let mut world = World::new();
    for name in ["orders", "billing", "cart", "legacy", "frozen"] {
        served_repo(
            &world.served(),
            name,
            &[("catalog-info.yaml", &component(name))],
        );
    }
    let daemon = GitDaemon::start(&world.served());
    let api = OrgApi::start();
    api.with(|s| {
        let mut legacy = github_repo(4, "acme", "legacy", &daemon.url("legacy"));
        legacy["archived"] = json!(true);
        let mut frozen = github_repo(5, "acme", "frozen", &daemon.url("frozen"));
        frozen["disabled"] = json!(true);
        s.github_orgs.insert(
            "acme".into(),
            vec![
                github_repo(1, "acme", "orders", &daemon.url("orders")),
                legacy,
                github_repo(2, "acme", "billing", &daemon.url("billing")),
                frozen,
                github_repo(3, "acme", "cart", &daemon.url("cart")),
            ],
        );
        s.max_per_page = Some(2);
    });
    let org = Organisation::github("acme", Some(&api.url())).expect("org");
    assert_eq!(org.git_host(), api.host());

    let listing = org.list(None).expect("listing");

    assert_eq!(names(&listing), ["orders", "billing", "cart"]);
    let skipped: Vec<(&str, &SkipReason)> = listing
        .skipped
        .iter()
        .map(|s| (s.name.as_str(), &s.reason))
        .collect();
    assert_eq!(
        skipped,
        [
            ("legacy", &SkipReason::Archived),
            ("frozen", &SkipReason::Disabled)
        ]
    );
    let requests = api.with(|s| s.requests.clone());
    let paths: Vec<&str> = requests.iter().map(|r| r.path_and_query.as_str()).collect();
    assert_eq!(
        paths,
        [
            "/orgs/acme/repos?per_page=100&type=all",
            "/organizations/0/repos?per_page=2&type=all&page=2",
            "/organizations/0/repos?per_page=2&type=all&page=3",
        ]
    );
    for request in &requests {
        assert_eq!(request.headers["accept"], "application/vnd.github+json");
        assert_eq!(request.headers["x-github-api-version"], "2022-11-28");
        assert!(request.headers["user-agent"].starts_with("greenroom/"));
        assert!(!request.headers.contains_key("authorization"));
    }

    let repos: Vec<RemoteRepo> = listing
        .repos
        .into_iter()
        .map(|url| RemoteRepo {
            url,
            branch: None,
            globs: Vec::new(),
        })
        .collect();
    world.sync(&repos);
    assert_eq!(
        world.entity_names(),
        [
            "component:default/billing",
            "component:default/cart",
            "component:default/orders"
        ]
    );
}

#[test]
fn a_github_user_is_listed_when_no_organisation_has_the_name() {
    let api = OrgApi::start();
    api.with(|s| {
        s.github_users.insert(
            "ada".into(),
            vec![github_repo(
                1,
                "ada",
                "notes",
                "https://github.com/ada/notes.git",
            )],
        );
    });
    let listing = Organisation::github("ada", Some(&api.url()))
        .expect("org")
        .list(None)
        .expect("listing");
    assert_eq!(names(&listing), ["notes"]);
    let paths: Vec<String> = api.with(|s| {
        s.requests
            .iter()
            .map(|r| r.path_and_query.clone())
            .collect()
    });
    assert_eq!(
        paths,
        [
            "/orgs/ada/repos?per_page=100&type=all",
            "/users/ada/repos?per_page=100&type=owner"
        ]
    );

    let missing = failure(
        Organisation::github("nobody", Some(&api.url()))
            .expect("org")
            .list(None),
    );
    assert_eq!(missing.kind, FailureKind::NotFound);
    says(&missing, "no organisation or user `nobody`");
}

#[test]
fn a_token_is_asked_for_sent_and_never_shown() {
    let api = OrgApi::start();
    api.with(|s| {
        s.token = Some("ghp_right".into());
        s.github_orgs.insert(
            "acme".into(),
            vec![github_repo(1, "acme", "a", "https://github.com/acme/a.git")],
        );
    });
    let org = Organisation::github("acme", Some(&api.url())).expect("org");

    let none = failure(org.list(None));
    assert_eq!(none.kind, FailureKind::NeedsCredentials);
    assert_eq!(none.host.as_deref(), Some(api.host().as_str()));
    says(&none, "Requires authentication");
    says(&none, &format!("greenroom credentials set {}", api.host()));

    let wrong = failure(org.list(Some(&ApiToken::Personal("ghp_wrong".into()))));
    assert_eq!(wrong.kind, FailureKind::NeedsCredentials);
    says(&wrong, "refused the token");
    assert!(!wrong.message.contains("ghp_wrong"), "{}", wrong.message);

    let listing = org
        .list(Some(&ApiToken::Personal("ghp_right".into())))
        .expect("listing with the token");
    assert_eq!(names(&listing), ["a"]);
    let sent = api.with(|s| s.requests.last().map(|r| r.headers.clone()));
    assert_eq!(
        sent.expect("a request")["authorization"],
        "Bearer ghp_right"
    );
}

#[test]
fn a_used_up_rate_limit_says_when_it_resets_and_suggests_a_token() {
    let api = OrgApi::start();
    api.with(|s| {
        s.rate_limited = true;
        s.github_orgs.insert("acme".into(), Vec::new());
    });
    let org = Organisation::github("acme", Some(&api.url())).expect("org");

    let anonymous = failure(org.list(None));
    assert_eq!(anonymous.kind, FailureKind::NeedsCredentials);
    says(&anonymous, "rate limit is used up");
    says(&anonymous, "UTC, in 30 minutes");
    says(&anonymous, "greenroom credentials set");

    let with_token = failure(org.list(Some(&ApiToken::Personal("t".into()))));
    assert_eq!(with_token.kind, FailureKind::Failed);
    says(&with_token, "rate limit is used up");
}

#[test]
fn an_azure_devops_project_is_listed_without_disabled_or_empty_repositories() {
    let api = OrgApi::start();
    let remote = |name: &str| format!("https://acme@dev.azure.com/acme/My%20Project/_git/{name}");
    api.with(|s| {
        s.token = Some("ado-pat".into());
        let mut disabled =
            azure_devops_repo("acme", "My Project", "old", &remote("old"), Some("main"));
        disabled["isDisabled"] = json!(true);
        s.azure_devops.insert(
            ("acme".into(), "My Project".into()),
            vec![
                azure_devops_repo(
                    "acme",
                    "My Project",
                    "payments",
                    &remote("payments"),
                    Some("main"),
                ),
                disabled,
                azure_devops_repo("acme", "My Project", "empty", &remote("empty"), None),
                azure_devops_repo(
                    "acme",
                    "My Project",
                    "bad",
                    "https://acme:pw@dev.azure.com/x",
                    Some("main"),
                ),
            ],
        );
    });
    let org = Organisation::azure_devops("acme", "My Project", Some(&api.url())).expect("org");

    // No credentials: Azure DevOps answers 203 with its sign-in page; wrong ones, 401.
    assert_eq!(failure(org.list(None)).kind, FailureKind::NeedsCredentials);
    let wrong = failure(org.list(Some(&ApiToken::Personal("nope".into()))));
    assert_eq!(wrong.kind, FailureKind::NeedsCredentials);
    says(&wrong, "refused the token");

    let listing = org
        .list(Some(&ApiToken::Personal("ado-pat".into())))
        .expect("listing with a PAT");
    let repos: Vec<&str> = listing.repos.iter().map(|u| u.as_str()).collect();
    assert_eq!(
        repos,
        ["https://dev.azure.com/acme/My%20Project/_git/payments"]
    );
    let reasons: Vec<(&str, bool)> = listing
        .skipped
        .iter()
        .map(|s| {
            (
                s.name.as_str(),
                matches!(s.reason, SkipReason::BadAddress(_)),
            )
        })
        .collect();
    assert_eq!(reasons, [("old", false), ("empty", false), ("bad", true)]);
    let (path, authorization) = api.with(|s| {
        let last = s.requests.last().expect("a request");
        (
            last.path_and_query.clone(),
            last.headers["authorization"].clone(),
        )
    });
    assert_eq!(
        path,
        "/acme/My%20Project/_apis/git/repositories?api-version=7.1"
    );
    // Basic with an empty user name and the PAT as password: base64(":ado-pat").
    assert_eq!(authorization, "Basic OmFkby1wYXQ=");

    let signed_in = org
        .list(Some(&ApiToken::OAuth("ado-pat".into())))
        .expect("listing with a bearer token");
    assert_eq!(signed_in.repos.len(), 1);
    let sent = api.with(|s| {
        s.requests
            .last()
            .map(|r| r.headers["authorization"].clone())
    });
    assert_eq!(sent.as_deref(), Some("Bearer ado-pat"));

    let unknown = failure(
        Organisation::azure_devops("acme", "Nope", Some(&api.url()))
            .expect("org")
            .list(Some(&ApiToken::Personal("ado-pat".into()))),
    );
    assert_eq!(unknown.kind, FailureKind::NotFound);
    says(&unknown, "TF200016");
}

#[test]
fn malformed_huge_and_off_site_answers_are_refused_and_a_closed_api_is_unreachable() {
    let mut api = OrgApi::start();
    let org = Organisation::github("acme", Some(&api.url())).expect("org");

    api.with(|s| s.canned = Some((200, "application/json", br#"{"not": "a list"}"#.to_vec())));
    let malformed = failure(org.list(None));
    assert_eq!(malformed.kind, FailureKind::Failed);
    says(&malformed, "did not answer with a list of repositories");

    let huge = format!("[{}]", vec!["{\"name\":\"x\"}"; 800_000].join(","));
    api.with(|s| s.canned = Some((200, "application/json", huge.into_bytes())));
    let refused = failure(org.list(None));
    says(&refused, "larger than 8 MiB");

    api.with(|s| {
        s.canned = None;
        s.max_per_page = Some(1);
        s.next_link = Some("http://evil.example/steal?page=2".into());
        s.github_orgs.insert(
            "acme".into(),
            vec![
                github_repo(1, "acme", "a", "https://github.com/acme/a.git"),
                github_repo(2, "acme", "b", "https://github.com/acme/b.git"),
            ],
        );
    });
    let off_site = failure(org.list(Some(&ApiToken::Personal("t".into()))));
    says(&off_site, "not on the API's own site");
    assert_eq!(
        api.with(|s| s.requests.len()),
        3,
        "evil.example was never asked"
    );

    api.stop();
    let offline = failure(org.list(None));
    assert_eq!(offline.kind, FailureKind::Unreachable);
    says(&offline, "cannot be reached");
}
