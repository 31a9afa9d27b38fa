//! Organisation sources in the facade: every repository of a GitHub organisation or an
//! Azure DevOps project, listed through the provider's API at each sync with the token
//! stored for the Git host, then synced as a list file's repositories are. The last
//! listing that worked is kept in the source's cache folder and used when the API cannot
//! be reached, so the source keeps its repositories offline.

use std::path::Path;

use greenroom_catalog::Problem;
use greenroom_catalog::store::SourceRecord;
use greenroom_sources::remote::{OrgListing, Organisation, SkipReason};
use greenroom_sources::{FailureKind, FetchFailure, RemoteRepo};

use crate::git_credentials::HttpsTokens;
use crate::remote::{Listed, RemoteOptions, RemoteSettings, Unlisted, check_options};
use crate::{Error, Greenroom};

impl Greenroom {
    /// Adds a source that follows every repository of a GitHub organisation (or user) or
    /// of an Azure DevOps project, listed through the provider's REST API at each sync
    /// with the token stored for its Git host. Archived, disabled and empty repositories
    /// are skipped. Nothing is asked of the API until [`Greenroom::sync`].
    pub fn add_remote_org(
        &mut self,
        org: &Organisation,
        options: &RemoteOptions,
    ) -> Result<SourceRecord, Error> {
        check_options(options)?;
        let settings = RemoteSettings {
            branch: options.branch.clone(),
            globs: options.globs.clone(),
            list: false,
            org: Some(org.clone()),
        };
        self.add_remote_source(org.web_url(), org.name(), settings)
    }
}

/// The repositories of an organisation source. With `tokens`, the API lists them and the
/// listing is kept; without (reading docs) or when the API fails, the last listing kept
/// is used, with a warning saying why and how old it is.
pub(crate) fn org_repositories(
    record: &SourceRecord,
    org: &Organisation,
    settings: &RemoteSettings,
    cache_dir: &Path,
    tokens: Option<&HttpsTokens>,
) -> Result<Listed, Unlisted> {
    let mut problems = Vec::new();
    let mut needs_credentials = None;
    let fresh = tokens.map(|tokens| list(org, tokens));
    let listing = match fresh {
        Some(Ok(listing)) => {
            if let Err(e) = listing.save(cache_dir) {
                problems.push(Problem::warning(
                    "org-listing",
                    format!(
                        "the listing could not be kept for offline syncs ({e}); check the data folder's free space"
                    ),
                ));
            }
            listing
        }
        Some(Err(failure)) => {
            if failure.kind == FailureKind::NeedsCredentials {
                needs_credentials = failure.host.clone();
            }
            let Some(kept) = OrgListing::load(cache_dir) else {
                return Err(Unlisted {
                    message: format!(
                        "{}; the catalog keeps what this source contributed before",
                        failure.message
                    ),
                    needs_credentials,
                });
            };
            problems.push(Problem::warning(
                "org-listing",
                format!(
                    "{}; synced the {} repositories of the last listing, taken {}",
                    failure.message,
                    kept.repos.len(),
                    taken(kept.taken_at)
                ),
            ));
            kept
        }
        None => OrgListing::load(cache_dir).ok_or_else(|| Unlisted {
            message: format!(
                "the repositories of {} have not been listed yet; sync the source first",
                record.name
            ),
            needs_credentials: None,
        })?,
    };
    for skipped in &listing.skipped {
        if let SkipReason::BadAddress(why) = &skipped.reason {
            problems.push(Problem::warning(
                "org-listing",
                format!("the repository {} is skipped: {why}", skipped.name),
            ));
        }
    }
    let repos = listing
        .repos
        .into_iter()
        .map(|url| RemoteRepo {
            url,
            branch: settings.branch.clone(),
            globs: settings.globs.clone(),
        })
        .collect();
    Ok(Listed {
        repos,
        problems,
        needs_credentials,
    })
}

/// Lists with the token of the Git host. A token store that cannot be read does not stop
/// a public organisation; if the API then wants a token, the failure says why none was
/// sent.
fn list(org: &Organisation, tokens: &HttpsTokens) -> Result<OrgListing, FetchFailure> {
    let host = org.git_host();
    let (token, unavailable) = match tokens.api_token(&host) {
        Ok(token) => (token, None),
        Err(why) => (None, Some(why)),
    };
    match (org.list(token.as_ref()), unavailable) {
        (Err(failure), Some(why)) if failure.kind == FailureKind::NeedsCredentials => {
            Err(FetchFailure::needs_credentials(&host, &why))
        }
        (listed, _) => listed,
    }
}

/// A listing's time, for people: `2026-11-26 14:03 UTC`.
fn taken(seconds: i64) -> String {
    chrono::DateTime::from_timestamp(seconds, 0).map_or_else(
        || "at an unknown time".to_owned(),
        |at| at.format("%Y-%m-%d %H:%M UTC").to_string(),
    )
}
