//! Azure DevOps' Git API (Services and Server): `GET
//! {base}/{org}/{project}/_apis/git/repositories?api-version=7.1`, one answer with every
//! repository of the project. Disabled repositories and empty ones (no default branch)
//! are skipped.

use base64::Engine;
use serde::Deserialize;

use super::http::Client;
use super::{ApiToken, FoundRepo, SkipReason};
use crate::remote::failure::{FailureKind, FetchFailure};

/// The answer: `{"count": N, "value": [...]}`.
#[derive(Deserialize)]
struct Repos {
    value: Vec<Repo>,
}

/// The fields of a repository that matter here.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Repo {
    name: String,
    remote_url: Option<String>,
    default_branch: Option<String>,
    #[serde(default)]
    is_disabled: bool,
}

/// Every Git repository of `org`/`project`.
pub(super) fn list(
    client: &Client,
    org: &str,
    project: &str,
) -> Result<Vec<FoundRepo>, FetchFailure> {
    let mut url = client.api().clone();
    url.path_segments_mut()
        .map_err(|()| client.failure(FailureKind::Failed, "the API URL cannot have a path"))?
        .pop_if_empty()
        .extend([org, project, "_apis", "git", "repositories"]);
    url.query_pairs_mut().append_pair("api-version", "7.1");
    let authorization = client.token.as_ref().map(|token| match token {
        ApiToken::Personal(pat) => format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!(":{pat}"))
        ),
        ApiToken::OAuth(token) => format!("Bearer {token}"),
    });
    let answer = client.get(&url, &[("accept", "application/json")], authorization)?;
    let json = answer
        .header("content-type")
        .is_some_and(|t| t.starts_with("application/json"));
    match answer.status {
        // Without valid credentials Azure DevOps answers 401, or 203 with its sign-in page,
        // or redirects to the sign-in site (not followed: another origin).
        401 | 403 | 203 | 300..=399 => return Err(client.needs_credentials(&answer)),
        200 if !json => return Err(client.needs_credentials(&answer)),
        404 => {
            return Err(client.failure(
                FailureKind::NotFound,
                &format!(
                    "there is no project `{project}` in the organisation `{org}`, or it is hidden from these credentials ({})",
                    answer.api_message().unwrap_or_else(|| "HTTP 404".to_owned())
                ),
            ));
        }
        200 => {}
        _ => return Err(client.unexpected(&answer)),
    }
    let repos: Repos = serde_json::from_slice(&answer.body).map_err(|e| {
        client.failure(
            FailureKind::Failed,
            &format!("{url} did not answer with a list of repositories ({e})"),
        )
    })?;
    Ok(repos
        .value
        .into_iter()
        .map(|repo| FoundRepo {
            skip: if repo.is_disabled {
                Some(SkipReason::Disabled)
            } else if repo.default_branch.is_none() {
                Some(SkipReason::Empty)
            } else {
                None
            },
            name: repo.name,
            clone_url: repo.remote_url,
        })
        .collect())
}
