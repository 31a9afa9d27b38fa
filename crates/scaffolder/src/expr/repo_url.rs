//! Repository URLs as the `RepoUrlPicker` writes them (`github.com?owner=o&repo=r`) and the
//! source-control hosts Greenroom knows, as Backstage's `parseRepoUrl` reads them
//! (`plugins/scaffolder-node/src/actions/util.ts`).

use serde::{Deserialize, Serialize};

/// The kind of source-control host, which decides the URL's required parts and what the
/// `publish:*` actions compute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ScmKind {
    /// GitHub or GitHub Enterprise.
    Github,
    /// GitLab.
    Gitlab,
    /// Bitbucket Cloud (bitbucket.org).
    BitbucketCloud,
    /// Bitbucket Server / Data Center.
    BitbucketServer,
    /// Azure DevOps.
    Azure,
    /// Gerrit.
    Gerrit,
    /// Gitea or Forgejo.
    Gitea,
}

/// The hosts templates may name, each with its kind; Backstage's `integrations` config.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Integrations {
    hosts: Vec<(String, ScmKind)>,
}

impl Default for Integrations {
    /// The hosts Backstage knows without any configuration.
    fn default() -> Self {
        Integrations {
            hosts: vec![
                ("dev.azure.com".into(), ScmKind::Azure),
                ("bitbucket.org".into(), ScmKind::BitbucketCloud),
                ("github.com".into(), ScmKind::Github),
                ("gitlab.com".into(), ScmKind::Gitlab),
            ],
        }
    }
}

impl Integrations {
    /// Adds (or re-kinds) a host such as `github.example.com` or `git.example.com:8443`.
    pub fn with_host(mut self, host: &str, kind: ScmKind) -> Self {
        let host = host.to_ascii_lowercase();
        self.hosts.retain(|(h, _)| *h != host);
        self.hosts.push((host, kind));
        self
    }

    /// The kind of a host, if it is known.
    pub fn kind_of(&self, host: &str) -> Option<ScmKind> {
        let host = host.to_ascii_lowercase();
        self.hosts.iter().find(|(h, _)| *h == host).map(|(_, k)| *k)
    }
}

/// The parts of a repository URL.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct RepoSpec {
    /// Host, with a port when one was given.
    pub host: String,
    /// Owner (GitHub, GitLab, Gitea).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// Repository name.
    pub repo: String,
    /// Organization (Azure DevOps).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organization: Option<String>,
    /// Workspace (Bitbucket Cloud).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workspace: Option<String>,
    /// Project (Azure, Bitbucket, GitLab project id).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub project: Option<String>,
    /// The host's kind.
    #[serde(skip)]
    pub kind: Option<ScmKind>,
}

impl RepoSpec {
    /// The spec as the `parseRepoUrl` filter returns it: keys in Backstage's order, absent
    /// parts left out.
    pub fn to_json(&self) -> serde_json::Value {
        let parts = [
            ("host", Some(&self.host)),
            ("owner", self.owner.as_ref()),
            ("repo", Some(&self.repo)),
            ("organization", self.organization.as_ref()),
            ("workspace", self.workspace.as_ref()),
            ("project", self.project.as_ref()),
        ];
        serde_json::Value::Object(
            parts
                .into_iter()
                .filter_map(|(key, value)| {
                    value.map(|v| (key.to_owned(), serde_json::Value::String(v.clone())))
                })
                .collect(),
        )
    }
}

/// Parses `host?owner=o&repo=r` with Backstage's rules and messages.
pub fn parse_repo_url(repo_url: &str, integrations: &Integrations) -> Result<RepoSpec, String> {
    let parsed = url::Url::parse(&format!("https://{repo_url}")).map_err(|e| {
        format!("Invalid repo URL passed to publisher, got {repo_url}, TypeError: {e}")
    })?;
    let host = match (parsed.host_str(), parsed.port()) {
        (Some(h), Some(p)) => format!("{h}:{p}"),
        (Some(h), None) => h.to_owned(),
        (None, _) => String::new(),
    };
    let Some(kind) = integrations.kind_of(&host) else {
        return Err(format!(
            "No matching integration configuration for host {host}, please check your integrations config"
        ));
    };
    let param = |name: &str| -> Option<String> {
        parsed
            .query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim_matches('/').to_owned())
    };
    let required: &[&str] = match kind {
        ScmKind::BitbucketCloud => &["workspace", "project", "repo"],
        ScmKind::BitbucketServer | ScmKind::Azure => &["project", "repo"],
        ScmKind::Gitlab if param("project").is_some() => &[],
        ScmKind::Gitlab => &["owner", "repo"],
        ScmKind::Gitea | ScmKind::Gerrit => &["repo"],
        ScmKind::Github => &["repo", "owner"],
    };
    for name in required {
        // Backstage checks the raw value, before trimming slashes.
        let present = parsed
            .query_pairs()
            .find(|(k, _)| k == name)
            .is_some_and(|(_, v)| !v.is_empty());
        if !present {
            return Err(format!(
                "Invalid repo URL passed to publisher: {parsed}, missing {name}"
            ));
        }
    }
    Ok(RepoSpec {
        host,
        owner: param("owner"),
        repo: param("repo").unwrap_or_default(),
        organization: param("organization"),
        workspace: param("workspace"),
        project: param("project"),
        kind: Some(kind),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_picker_urls_per_host_kind() {
        let i = Integrations::default();
        let spec = parse_repo_url("github.com?owner=acme&repo=payments/", &i).expect("valid");
        assert_eq!(
            spec.to_json().to_string(),
            r#"{"host":"github.com","owner":"acme","repo":"payments"}"#
        );
        let spec =
            parse_repo_url("dev.azure.com?organization=o&project=p&repo=r", &i).expect("valid");
        assert_eq!(spec.project.as_deref(), Some("p"));
        assert!(parse_repo_url("gitlab.com?project=42", &i).is_ok());
    }

    #[test]
    fn reports_backstages_errors() {
        let i = Integrations::default();
        assert_eq!(
            parse_repo_url("github.com?repo=r", &i).unwrap_err(),
            "Invalid repo URL passed to publisher: https://github.com/?repo=r, missing owner"
        );
        assert_eq!(
            parse_repo_url("git.example.com?owner=o&repo=r", &i).unwrap_err(),
            "No matching integration configuration for host git.example.com, please check your integrations config"
        );
        let i = i.with_host("git.example.com:8443", ScmKind::Gitea);
        assert_eq!(
            parse_repo_url("git.example.com:8443?repo=r", &i).map(|s| s.host),
            Ok("git.example.com:8443".into())
        );
    }
}
