//! Finding an entity's docs in its repository, as TechDocs does.
//!
//! Backstage reads `backstage.io/techdocs-ref` (`dir:` relative to the descriptor, or a `url:`)
//! and `backstage.io/techdocs-entity` (borrow another entity's docs); in the resolved folder
//! it reads `mkdocs.yaml` before `mkdocs.yml`. Offline, a `url:` can only be followed when it
//! points into the repository at hand.

use std::collections::BTreeMap;

use crate::files::{DocsFiles, EntryKind};
use crate::path;

/// The annotation naming where an entity's docs live.
pub const TECHDOCS_REF: &str = "backstage.io/techdocs-ref";
/// The annotation naming another entity whose docs this one shows.
pub const TECHDOCS_ENTITY: &str = "backstage.io/techdocs-entity";

/// What is known about the entity whose docs are wanted.
#[derive(Debug, Clone, Default)]
pub struct DocsRequest {
    /// Repository-relative folder of the descriptor (`catalog-info.yaml`).
    pub descriptor_dir: String,
    /// The entity's `metadata.annotations`.
    pub annotations: BTreeMap<String, String>,
    /// The repository's remote URLs (e.g. `https://github.com/org/repo`,
    /// `git@github.com:org/repo.git`), so `url:` refs into it resolve locally.
    pub repo_urls: Vec<String>,
}

/// Where a site's sources are, inside one repository.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocsLocation {
    /// Repository-relative folder holding `mkdocs.yml` (or that would hold it).
    pub dir: String,
    /// Repository-relative `mkdocs.yaml`/`mkdocs.yml`, or `None` when only a `docs/`
    /// folder exists and a configuration is synthesised.
    pub config_file: Option<String>,
}

/// The outcome of looking for an entity's docs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DocsSite {
    /// The docs are in this repository.
    Local(DocsLocation),
    /// The entity borrows the docs of another entity (`backstage.io/techdocs-entity`); the
    /// caller looks that entity up and asks again.
    OtherEntity(String),
    /// The docs are in another repository, which cannot be read offline.
    NotAvailableOffline {
        /// The `url:` target.
        url: String,
    },
    /// The entity has no docs annotation and the repository has no `mkdocs.yml` or `docs/`.
    None,
}

/// Why an entity's docs reference cannot be followed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LocateError {
    /// The annotation value has neither `dir:` nor `url:`.
    #[error(
        "annotation {TECHDOCS_REF} is '{0}'; use 'dir:<folder>' (relative to catalog-info.yaml) or 'url:<address>'"
    )]
    BadRef(String),
    /// The `dir:` target leaves the repository.
    #[error("annotation {TECHDOCS_REF} points at '{0}', which is outside the repository")]
    Escapes(String),
    /// The folder has neither mkdocs.yml/mkdocs.yaml nor docs/.
    #[error(
        "'{0}' has no mkdocs.yml, mkdocs.yaml or docs/ folder; add a mkdocs.yml with site_name and nav, or fix {TECHDOCS_REF}"
    )]
    NoConfig(String),
}

/// Resolves an entity's docs as TechDocs does, within the repository `files`.
pub fn locate_docs(files: &dyn DocsFiles, request: &DocsRequest) -> Result<DocsSite, LocateError> {
    if let Some(entity) = request.annotations.get(TECHDOCS_ENTITY) {
        let entity = entity.trim();
        if !entity.is_empty() {
            return Ok(DocsSite::OtherEntity(entity.to_string()));
        }
    }
    let Some(reference) = request.annotations.get(TECHDOCS_REF) else {
        // No annotation: the repository root's mkdocs.yml or docs/ folder, if any.
        return Ok(locate_in_folder(files, "").map_or(DocsSite::None, DocsSite::Local));
    };
    let reference = reference.trim();
    let (kind, target) = reference
        .split_once(':')
        .ok_or_else(|| LocateError::BadRef(reference.to_string()))?;
    let dir = match kind.trim() {
        "dir" => path::join(&request.descriptor_dir, target.trim())
            .map_err(|_| LocateError::Escapes(target.trim().to_string()))?,
        "url" => match url_into_repo(target.trim(), &request.repo_urls) {
            Some(dir) => dir,
            None => {
                return Ok(DocsSite::NotAvailableOffline {
                    url: target.trim().to_string(),
                });
            }
        },
        _ => return Err(LocateError::BadRef(reference.to_string())),
    };
    locate_in_folder(files, &dir)
        .map(DocsSite::Local)
        .ok_or(LocateError::NoConfig(if dir.is_empty() {
            ".".into()
        } else {
            dir
        }))
}

/// Looks for `mkdocs.yaml`, then `mkdocs.yml`, then a `docs/` folder in `dir`.
pub fn locate_in_folder(files: &dyn DocsFiles, dir: &str) -> Option<DocsLocation> {
    for name in ["mkdocs.yaml", "mkdocs.yml"] {
        let candidate = path::concat(dir, name);
        if files.kind(&candidate) == Some(EntryKind::File) {
            return Some(DocsLocation {
                dir: dir.to_string(),
                config_file: Some(candidate),
            });
        }
    }
    (files.kind(&path::concat(dir, "docs")) == Some(EntryKind::Dir)).then(|| DocsLocation {
        dir: dir.to_string(),
        config_file: None,
    })
}

/// If `url` points into one of `repo_urls`, the repository-relative folder it names.
///
/// Understands the tree/blob links of GitHub (`/tree/<branch>/path`), GitLab
/// (`/-/tree/<branch>/path`), Bitbucket (`/src/<branch>/path`) and Azure DevOps
/// (`?path=/path`). The branch is not checked: the local checkout is what there is.
pub fn url_into_repo(url: &str, repo_urls: &[String]) -> Option<String> {
    let (address, query) = url.split_once('?').unwrap_or((url, ""));
    let target = canonical_repo_url(address);
    for repo in repo_urls {
        let repo = canonical_repo_url(repo);
        if repo.is_empty() {
            continue;
        }
        let Some(rest) = target.strip_prefix(&repo) else {
            continue;
        };
        if !(rest.is_empty() || rest.starts_with('/')) {
            continue;
        }
        if let Some(p) = query.split('&').find_map(|kv| kv.strip_prefix("path=")) {
            let p = percent_encoding::percent_decode_str(p).decode_utf8_lossy();
            return path::normalize(p.trim_start_matches('/')).ok();
        }
        let parts: Vec<&str> = rest.split('/').filter(|p| !p.is_empty()).collect();
        let in_repo = match parts.as_slice() {
            [] => Vec::new(),
            ["-", "tree" | "blob", _branch, tail @ ..] => tail.to_vec(),
            ["tree" | "blob" | "src", _branch, tail @ ..] => tail.to_vec(),
            _ => continue,
        };
        let mut joined = path::normalize(&in_repo.join("/")).ok()?;
        // A link to the config file itself names its folder.
        if joined.ends_with("mkdocs.yml") || joined.ends_with("mkdocs.yaml") {
            joined = path::parent(&joined).to_string();
        }
        return Some(joined);
    }
    None
}

/// `host/owner/repo` in lower case, from https, ssh and scp-like git URLs.
fn canonical_repo_url(url: &str) -> String {
    let url = url.trim();
    let without_scheme = url.split_once("://").map_or_else(
        || {
            // scp-like `git@host:owner/repo.git`
            url.split_once('@')
                .map_or(url, |(_, rest)| rest)
                .replacen(':', "/", 1)
        },
        |(_, rest)| rest.to_string(),
    );
    let without_user = without_scheme
        .split_once('@')
        .filter(|(user, _)| !user.contains('/'))
        .map_or(without_scheme.as_str(), |(_, rest)| rest);
    let trimmed = without_user.trim_end_matches('/');
    let trimmed = trimmed.strip_suffix(".git").unwrap_or(trimmed);
    // Host names are case-insensitive; paths on the big hosts are too.
    trimmed.to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn follows_urls_into_the_same_repository() {
        let repos = vec!["git@github.com:Acme/Payments.git".to_string()];
        assert_eq!(
            url_into_repo(
                "https://github.com/acme/payments/tree/main/services/api",
                &repos
            ),
            Some("services/api".into())
        );
        assert_eq!(
            url_into_repo(
                "https://github.com/acme/payments/blob/main/mkdocs.yml",
                &repos
            ),
            Some("".into())
        );
        assert_eq!(
            url_into_repo("https://github.com/acme/other/tree/main/x", &repos),
            None
        );
        assert_eq!(
            url_into_repo(
                "https://gitlab.com/g/r/-/tree/dev/docs-site",
                &["https://gitlab.com/g/r".into()]
            ),
            Some("docs-site".into())
        );
        assert_eq!(
            url_into_repo(
                "https://dev.azure.com/o/p/_git/r?path=/svc/a&version=GBmain",
                &["https://o@dev.azure.com/o/p/_git/r".into()]
            ),
            Some("svc/a".into())
        );
        assert_eq!(
            url_into_repo("https://github.com/acme/payments/tree/main/../../x", &repos),
            None
        );
    }
}
