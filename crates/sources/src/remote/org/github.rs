//! GitHub's REST API (github.com and GitHub Enterprise Server): `GET /orgs/{org}/repos`,
//! or `/users/{name}/repos` when the name is a user's, 100 a page, following `Link`
//! headers. Archived and disabled repositories are skipped, as Backstage's GitHub
//! discovery does.

use serde::Deserialize;

use super::http::{Answer, Client, next_link};
use super::{ApiToken, FoundRepo, SkipReason};
use crate::remote::failure::{FailureKind, FetchFailure};

/// Pages followed at most: 10,000 repositories.
const MAX_PAGES: usize = 100;

/// The fields of a repository that matter here (GitHub sends many more).
#[derive(Deserialize)]
struct Repo {
    name: String,
    clone_url: Option<String>,
    #[serde(default)]
    archived: bool,
    #[serde(default)]
    disabled: bool,
}

/// Every repository of the organisation (or user) `owner`.
pub(super) fn list(client: &Client, owner: &str) -> Result<Vec<FoundRepo>, FetchFailure> {
    let orgs = endpoint(client, "orgs", owner)?;
    let first = client.get(&orgs, &HEADERS, authorization(client))?;
    let (mut answer, mut url) = if first.status == 404 {
        let users = endpoint(client, "users", owner)?;
        (client.get(&users, &HEADERS, authorization(client))?, users)
    } else {
        (first, orgs)
    };
    let mut found = Vec::new();
    for _ in 0..MAX_PAGES {
        check(client, &answer, owner)?;
        let page: Vec<Repo> = serde_json::from_slice(&answer.body).map_err(|e| {
            client.failure(
                FailureKind::Failed,
                &format!("{url} did not answer with a list of repositories ({e})"),
            )
        })?;
        found.extend(page.into_iter().map(|repo| FoundRepo {
            skip: if repo.archived {
                Some(SkipReason::Archived)
            } else if repo.disabled {
                Some(SkipReason::Disabled)
            } else {
                None
            },
            name: repo.name,
            clone_url: repo.clone_url,
        }));
        let Some(next) = answer.header("link").and_then(next_link) else {
            return Ok(found);
        };
        url = url::Url::parse(next)
            .ok()
            .filter(|next| client.same_origin(next))
            .ok_or_else(|| {
                client.failure(
                    FailureKind::Failed,
                    &format!(
                        "its next page `{next}` is not on the API's own site; it was not followed"
                    ),
                )
            })?;
        answer = client.get(&url, &HEADERS, authorization(client))?;
    }
    Err(client.failure(
        FailureKind::Failed,
        &format!("it has more than {MAX_PAGES} pages of repositories; Greenroom follows at most {MAX_PAGES}"),
    ))
}

const HEADERS: [(&str, &str); 2] = [
    ("accept", "application/vnd.github+json"),
    ("x-github-api-version", "2022-11-28"),
];

/// `{api}/{orgs|users}/{owner}/repos?per_page=100&type=...`: every repository of an
/// organisation, the repositories a user owns.
fn endpoint(client: &Client, kind: &str, owner: &str) -> Result<url::Url, FetchFailure> {
    let mut url = client.api().clone();
    url.path_segments_mut()
        .map_err(|()| client.failure(FailureKind::Failed, "the API URL cannot have a path"))?
        .pop_if_empty()
        .extend([kind, owner, "repos"]);
    let kind = if kind == "orgs" { "all" } else { "owner" };
    url.query_pairs_mut()
        .append_pair("per_page", "100")
        .append_pair("type", kind);
    Ok(url)
}

fn authorization(client: &Client) -> Option<String> {
    client.token.as_ref().map(|token| match token {
        ApiToken::Personal(secret) | ApiToken::OAuth(secret) => format!("Bearer {secret}"),
    })
}

/// Turns an answer other than 200 into what to do about it.
fn check(client: &Client, answer: &Answer, owner: &str) -> Result<(), FetchFailure> {
    match answer.status {
        200 => Ok(()),
        401 => Err(client.needs_credentials(answer)),
        403 | 429 if rate_limited(answer) => Err(rate_limit(client, answer)),
        403 => Err(client.needs_credentials(answer)),
        404 => Err(client.failure(
            FailureKind::NotFound,
            &format!(
                "there is no organisation or user `{owner}` (a private one needs a token: `greenroom credentials set {}`)",
                client.host
            ),
        )),
        _ => Err(client.unexpected(answer)),
    }
}

/// GitHub's primary limit (`x-ratelimit-remaining: 0`) or a secondary one (`retry-after`).
fn rate_limited(answer: &Answer) -> bool {
    answer.header("x-ratelimit-remaining") == Some("0") || answer.header("retry-after").is_some()
}

/// "The rate limit is used up until HH:MM UTC", with a token as the way out when none was
/// sent (60 requests an hour without one, 5,000 with one).
fn rate_limit(client: &Client, answer: &Answer) -> FetchFailure {
    let now = chrono::Utc::now().timestamp();
    let reset = answer
        .header("x-ratelimit-reset")
        .and_then(|r| r.trim().parse::<i64>().ok())
        .or_else(|| {
            answer
                .header("retry-after")
                .and_then(|r| r.trim().parse::<i64>().ok())
                .map(|seconds| now + seconds)
        });
    let when = match reset.and_then(|at| chrono::DateTime::from_timestamp(at, 0)) {
        Some(at) => format!(
            "; it resets at {} UTC, in {} minutes",
            at.format("%H:%M"),
            ((at.timestamp() - now).max(0) + 59) / 60
        ),
        None => String::new(),
    };
    let why = format!("GitHub's API rate limit is used up{when}");
    if client.token.is_none() {
        FetchFailure::needs_credentials(
            &client.host,
            &format!("{why}. Without a token GitHub allows 60 requests an hour; with one, 5,000"),
        )
    } else {
        client.failure(
            FailureKind::Failed,
            &format!("{why}; the listing is tried again at the next sync"),
        )
    }
}
