//! Organisations as remote sources: every repository of a GitHub organisation (or user)
//! or of an Azure DevOps project, listed through the provider's REST API at each sync and
//! then synced like the lines of a list file.
//!
//! The token is the caller's to find (the facade keeps them in the OS keyring); this module
//! only sends it. Requests never prompt, are bounded in time and size, and only follow
//! links on the API's own origin. The last listing that worked is kept next to the clones
//! ([`OrgListing::save`]), so that a source still syncs what it knows when the API cannot
//! be reached.

mod azure_devops;
mod github;
mod http;

use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::failure::FetchFailure;
use super::url::{RemoteUrl, Scheme};

/// The API that lists an organisation's repositories.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Provider {
    /// GitHub or GitHub Enterprise Server: an organisation's (or a user's) repositories.
    #[serde(rename = "github")]
    GitHub,
    /// Azure DevOps (Services or Server): the Git repositories of one project.
    #[serde(rename = "azureDevOps")]
    AzureDevOps,
}

/// An organisation whose repositories a source follows, as stored with the source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Organisation {
    provider: Provider,
    /// The REST API's base URL, without a trailing slash.
    api_url: String,
    org: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    project: Option<String>,
}

/// Why an organisation cannot be used: what is wrong and what to write instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct OrgError(String);

/// GitHub's API for github.com.
pub const GITHUB_API: &str = "https://api.github.com";
/// Azure DevOps Services' base URL.
pub const AZURE_DEVOPS_API: &str = "https://dev.azure.com";

impl Organisation {
    /// A GitHub organisation or user. `api_url` defaults to `https://api.github.com`; for
    /// GitHub Enterprise Server it is `https://HOST/api/v3`.
    pub fn github(org: &str, api_url: Option<&str>) -> Result<Organisation, OrgError> {
        let org = org.trim();
        let valid = !org.is_empty()
            && org.len() <= 100
            && !org.starts_with('-')
            && org
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !valid {
            return Err(OrgError(format!(
                "`{org}` is not a GitHub organisation or user name (letters, digits and `-`)"
            )));
        }
        Ok(Organisation {
            provider: Provider::GitHub,
            api_url: api_base(api_url.unwrap_or(GITHUB_API))?,
            org: org.to_owned(),
            project: None,
        })
    }

    /// A project of an Azure DevOps organisation. `api_url` defaults to
    /// `https://dev.azure.com`; for Azure DevOps Server it is the collection's parent URL
    /// (`https://HOST/tfs`).
    pub fn azure_devops(
        org: &str,
        project: &str,
        api_url: Option<&str>,
    ) -> Result<Organisation, OrgError> {
        let (org, project) = (org.trim(), project.trim());
        let name_ok = |name: &str| {
            !name.is_empty()
                && name.len() <= 64
                && !name.starts_with(['_', '.'])
                && !name.ends_with('.')
                && !name
                    .chars()
                    .any(|c| c.is_control() || "\\/:*?\"<>|;#$%{},+=[]".contains(c) || c == '\'')
        };
        if !name_ok(org) || org.contains(' ') || !name_ok(project) {
            return Err(OrgError(format!(
                "`{org}/{project}` is not an Azure DevOps organisation and project; write ORG/PROJECT as in \
                 https://dev.azure.com/ORG/PROJECT"
            )));
        }
        Ok(Organisation {
            provider: Provider::AzureDevOps,
            api_url: api_base(api_url.unwrap_or(AZURE_DEVOPS_API))?,
            org: org.to_owned(),
            project: Some(project.to_owned()),
        })
    }

    /// The organisation a web address names, if it names one rather than a repository:
    /// `https://github.com/ORG` (one path segment) or `https://dev.azure.com/ORG/PROJECT`
    /// (two, without `_git`).
    pub fn detect(address: &str) -> Option<Organisation> {
        let url = url::Url::parse(address.trim()).ok()?;
        if url.scheme() != "https"
            || url.port().is_some()
            || url.query().is_some()
            || url.fragment().is_some()
            || !url.username().is_empty()
        {
            return None;
        }
        let segments: Vec<String> = url
            .path_segments()?
            .filter(|s| !s.is_empty())
            .map(|s| {
                percent_encoding::percent_decode_str(s)
                    .decode_utf8_lossy()
                    .into_owned()
            })
            .collect();
        match (url.host_str()?, segments.as_slice()) {
            ("github.com", [org]) if !org.ends_with(".git") => Organisation::github(org, None).ok(),
            ("dev.azure.com", [org, project]) => {
                Organisation::azure_devops(org, project, None).ok()
            }
            _ => None,
        }
    }

    /// Which API lists the repositories.
    pub fn provider(&self) -> Provider {
        self.provider
    }

    /// The REST API's base URL.
    pub fn api_url(&self) -> &str {
        &self.api_url
    }

    /// The source's name: `ORG`, or `ORG/PROJECT` on Azure DevOps.
    pub fn name(&self) -> String {
        match &self.project {
            Some(project) => format!("{}/{project}", self.org),
            None => self.org.clone(),
        }
    }

    /// The host whose stored token is used for the API and the clones alike: `github.com`
    /// for `api.github.com`, else the API's host (`host:port` with a port).
    pub fn git_host(&self) -> String {
        let Ok(url) = url::Url::parse(&self.api_url) else {
            return String::new();
        };
        let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
        if host == "api.github.com" {
            return "github.com".to_owned();
        }
        match url.port() {
            Some(port) => format!("{host}:{port}"),
            None => host,
        }
    }

    /// Where people see the organisation: `https://github.com/ORG`,
    /// `https://dev.azure.com/ORG/PROJECT`. The source's target.
    pub fn web_url(&self) -> String {
        let base = match self.provider {
            Provider::GitHub => {
                let scheme = self.api_url.split("://").next().unwrap_or("https");
                format!("{scheme}://{}", self.git_host())
            }
            Provider::AzureDevOps => self.api_url.clone(),
        };
        let Ok(mut url) = url::Url::parse(&base) else {
            return format!("{base}/{}", self.name());
        };
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty()
                .push(&self.org)
                .extend(self.project.as_deref());
        }
        url.to_string()
    }

    /// Lists the repositories with `token` when there is one. Archived, disabled and empty
    /// repositories are skipped, and so are addresses Greenroom cannot clone. A token that
    /// is missing or refused comes back as "needs credentials for HOST" with
    /// [`Organisation::git_host`].
    pub fn list(&self, token: Option<&ApiToken>) -> Result<OrgListing, FetchFailure> {
        let api = url::Url::parse(&self.api_url)
            .map_err(|_| http::invalid_api(&self.api_url, "it is not a URL"))?;
        // On a thread of its own: the HTTP client's runtime must not meet the caller's.
        std::thread::scope(|scope| {
            let listing = scope.spawn(|| {
                let client = http::Client::new(&api, &self.git_host(), token)?;
                let found = match self.provider {
                    Provider::GitHub => github::list(&client, &self.org)?,
                    Provider::AzureDevOps => azure_devops::list(
                        &client,
                        &self.org,
                        self.project.as_deref().unwrap_or_default(),
                    )?,
                };
                Ok(OrgListing::from_found(found))
            });
            listing
                .join()
                .unwrap_or_else(|_| Err(http::invalid_api(&self.api_url, "the listing stopped")))
        })
    }
}

/// An API base URL: http(s), no credentials, query or fragment; no trailing slash.
fn api_base(text: &str) -> Result<String, OrgError> {
    let bad = |why: &str| OrgError(format!("`{text}` cannot be the API's URL: {why}"));
    let url = url::Url::parse(text.trim()).map_err(|_| bad("it is not a URL"))?;
    if !matches!(url.scheme(), "https" | "http") || url.host_str().is_none() {
        return Err(bad("write https://HOST[/PATH]"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        // Not echoed: the address holds a secret.
        return Err(OrgError(
            "the API's URL carries credentials; remove them and store the token with `greenroom credentials set HOST`"
                .to_owned(),
        ));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(bad("it has a query or fragment"));
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

/// A token for the API. `Debug` does not show it.
#[derive(Clone, PartialEq, Eq)]
pub enum ApiToken {
    /// A personal access token stored for the host (sent as GitHub and Azure DevOps expect:
    /// bearer on GitHub, Basic with an empty user name on Azure DevOps).
    Personal(String),
    /// An OAuth access token (the Entra ID sign-in's, for Azure DevOps), sent as bearer.
    OAuth(String),
}

impl fmt::Debug for ApiToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ApiToken::Personal(_) => "Personal(<redacted>)",
            ApiToken::OAuth(_) => "OAuth(<redacted>)",
        })
    }
}

/// A repository as the API describes it, before the address is checked.
pub(crate) struct FoundRepo {
    name: String,
    clone_url: Option<String>,
    skip: Option<SkipReason>,
}

/// The repositories of an organisation at one moment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrgListing {
    /// When it was taken, in seconds since 1970.
    pub taken_at: i64,
    /// The repositories to sync, by clone address, without duplicates.
    pub repos: Vec<RemoteUrl>,
    /// Repositories left out, with why.
    pub skipped: Vec<SkippedRepo>,
}

/// A repository of the organisation that is not synced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SkippedRepo {
    /// Its name in the organisation.
    pub name: String,
    /// Why it is left out.
    pub reason: SkipReason,
}

/// Why a repository of an organisation is not synced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "kind", content = "detail")]
pub enum SkipReason {
    /// Archived: read-only and usually retired.
    Archived,
    /// Disabled by the host.
    Disabled,
    /// Empty: it has no branch yet.
    Empty,
    /// Its clone address cannot be used (the message says why); a problem to report.
    BadAddress(String),
}

impl OrgListing {
    fn from_found(found: Vec<FoundRepo>) -> OrgListing {
        let mut listing = OrgListing {
            taken_at: chrono::Utc::now().timestamp(),
            repos: Vec::new(),
            skipped: Vec::new(),
        };
        for repo in found {
            let address = repo.clone_url.as_deref().map(clone_address);
            let reason = match (repo.skip, address) {
                (Some(reason), _) => reason,
                (None, Some(Ok(url))) => {
                    if !listing.repos.contains(&url) {
                        listing.repos.push(url);
                    }
                    continue;
                }
                (None, Some(Err(message))) => SkipReason::BadAddress(message),
                (None, None) => SkipReason::BadAddress("the API gave no clone address".into()),
            };
            listing.skipped.push(SkippedRepo {
                name: repo.name,
                reason,
            });
        }
        listing
    }

    /// Where the last listing of a source is kept, in its cache folder.
    pub fn path(cache_dir: &Path) -> PathBuf {
        cache_dir.join("org-listing.json")
    }

    /// Keeps this listing in `cache_dir` (written aside, then renamed over the old one).
    pub fn save(&self, cache_dir: &Path) -> std::io::Result<()> {
        std::fs::create_dir_all(cache_dir)?;
        let path = Self::path(cache_dir);
        let partial = path.with_extension("json.partial");
        let text = serde_json::to_vec_pretty(self).map_err(std::io::Error::other)?;
        std::fs::write(&partial, text)?;
        std::fs::rename(&partial, &path)
    }

    /// The listing last kept in `cache_dir`; `None` when there is none or it is unreadable
    /// (a listing is only a fallback: the next one that works replaces it).
    pub fn load(cache_dir: &Path) -> Option<OrgListing> {
        let text = std::fs::read(Self::path(cache_dir)).ok()?;
        serde_json::from_slice(&text).ok()
    }
}

/// A clone address from the API, checked as any address a person gives, with the user
/// name Azure DevOps puts in HTTPS addresses (`https://ORG@dev.azure.com/...`) removed so
/// that the key is the address people write.
fn clone_address(text: &str) -> Result<RemoteUrl, String> {
    let mut text = text.to_owned();
    if let Ok(mut url) = url::Url::parse(&text)
        && matches!(url.scheme(), "https" | "http")
        && url.password().is_none()
        && !url.username().is_empty()
        && url.set_username("").is_ok()
    {
        text = url.to_string();
    }
    let url = RemoteUrl::parse(&text).map_err(|e| e.to_string())?;
    if url.scheme() == Scheme::File {
        return Err(format!(
            "`{url}` is on this machine; an organisation's repositories must be remote"
        ));
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn organisation_addresses_are_told_from_repository_addresses() {
        let cases = [
            ("https://github.com/acme", Some("acme")),
            ("https://github.com/acme/", Some("acme")),
            ("https://dev.azure.com/acme/Platform", Some("acme/Platform")),
            (
                "https://dev.azure.com/acme/My%20Project",
                Some("acme/My Project"),
            ),
            ("https://github.com/acme/payments", None),
            ("https://github.com/acme.git", None),
            ("https://dev.azure.com/acme/Platform/_git/payments", None),
            ("https://dev.azure.com/acme/_git/payments", None),
            ("https://dev.azure.com/acme", None),
            ("https://gitlab.com/acme", None),
            ("http://github.com/acme", None),
            ("https://user@github.com/acme", None),
            ("git@github.com:acme", None),
            ("https://github.com/-bad", None),
        ];
        for (address, name) in cases {
            assert_eq!(
                Organisation::detect(address).map(|o| o.name()).as_deref(),
                name,
                "{address}"
            );
        }
    }

    #[test]
    fn hosts_and_apis_follow_the_provider() {
        let github = Organisation::detect("https://github.com/acme").expect("org");
        assert_eq!(github.api_url(), "https://api.github.com");
        assert_eq!(github.git_host(), "github.com");
        assert_eq!(github.web_url(), "https://github.com/acme");
        let ghes =
            Organisation::github("acme", Some("https://ghe.example.com/api/v3/")).expect("ghes");
        assert_eq!(ghes.api_url(), "https://ghe.example.com/api/v3");
        assert_eq!(ghes.git_host(), "ghe.example.com");
        let ado = Organisation::detect("https://dev.azure.com/acme/Platform").expect("ado");
        assert_eq!(ado.git_host(), "dev.azure.com");
        assert_eq!(ado.web_url(), "https://dev.azure.com/acme/Platform");
        let spaced = Organisation::detect("https://dev.azure.com/acme/My%20Project").expect("ado");
        assert_eq!(spaced.web_url(), "https://dev.azure.com/acme/My%20Project");
        let local = Organisation::azure_devops("acme", "p", Some("http://127.0.0.1:8080/tfs"))
            .expect("server");
        assert_eq!(local.git_host(), "127.0.0.1:8080");
        for bad in [
            "ftp://h",
            "https://u:p@h",
            "https://h?x=1",
            "not a url",
            "file:///x",
        ] {
            assert!(Organisation::github("acme", Some(bad)).is_err(), "{bad}");
        }
        assert!(Organisation::azure_devops("acme", "a/b", None).is_err());
        assert!(Organisation::azure_devops("ac me", "p", None).is_err());
    }

    #[test]
    fn settings_round_trip_and_tokens_do_not_show() {
        let org = Organisation::azure_devops("acme", "Platform", None).expect("org");
        let json = serde_json::to_value(&org).expect("json");
        assert_eq!(json["provider"], "azureDevOps");
        assert_eq!(json["apiUrl"], "https://dev.azure.com");
        let back: Organisation = serde_json::from_value(json).expect("back");
        assert_eq!(back, org);
        let shown = format!("{:?}", ApiToken::Personal("ghp_secret".into()));
        assert!(!shown.contains("ghp_secret"), "{shown}");
    }

    #[test]
    fn listed_repositories_are_checked_deduplicated_and_kept() {
        let found = |name: &str, url: Option<&str>, skip| FoundRepo {
            name: name.to_owned(),
            clone_url: url.map(str::to_owned),
            skip,
        };
        let listing = OrgListing::from_found(vec![
            found("a", Some("https://github.com/acme/a.git"), None),
            found("a-again", Some("https://github.com/acme/a.git"), None),
            found("b", Some("https://acme@dev.azure.com/acme/P/_git/b"), None),
            found(
                "old",
                Some("https://github.com/acme/old.git"),
                Some(SkipReason::Archived),
            ),
            found("bad", Some("https://u:p@github.com/acme/bad.git"), None),
            found("local", Some("file:///etc"), None),
            found("none", None, None),
        ]);
        let repos: Vec<&str> = listing.repos.iter().map(RemoteUrl::as_str).collect();
        assert_eq!(
            repos,
            [
                "https://github.com/acme/a.git",
                "https://dev.azure.com/acme/P/_git/b"
            ]
        );
        let skipped: Vec<&str> = listing.skipped.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(skipped, ["old", "bad", "local", "none"]);
        assert!(
            matches!(&listing.skipped[1].reason, SkipReason::BadAddress(m) if !m.contains(":p@"))
        );

        let dir = tempfile::tempdir().expect("tempdir");
        assert_eq!(OrgListing::load(dir.path()), None);
        listing.save(dir.path()).expect("save");
        assert_eq!(OrgListing::load(dir.path()), Some(listing));
        std::fs::write(OrgListing::path(dir.path()), "{").expect("damage");
        assert_eq!(OrgListing::load(dir.path()), None);
    }
}
