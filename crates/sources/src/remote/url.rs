//! Remote repository addresses as Git accepts them: `https://`, `http://`, `ssh://`,
//! scp-like `git@host:path`, `git://` and `file://`. Secrets never travel in them: a URL
//! with a password is refused, because it would end up in the catalog and in logs.

use std::fmt;

use serde::{Deserialize, Serialize};

/// How a remote is reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scheme {
    /// Smart HTTP over TLS.
    Https,
    /// Smart HTTP without TLS (local servers).
    Http,
    /// SSH, written `ssh://` or scp-like `user@host:path`.
    Ssh,
    /// The unauthenticated `git://` daemon protocol.
    Git,
    /// A repository on this machine.
    File,
}

/// A parsed remote repository address. Stored as its text, and checked again when read.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RemoteUrl {
    text: String,
    scheme: Scheme,
    host: Option<String>,
    port: Option<u16>,
    user: Option<String>,
    path: String,
}

/// Why a text is not a usable remote address.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UrlError {
    /// Not a form Git understands.
    #[error(
        "`{0}` is not a Git repository address; use https://host/path, ssh://host/path, git@host:path, git://host/path or file:///path"
    )]
    Unrecognised(String),
    /// The URL carries a password or token.
    #[error(
        "`{0}` contains a password or token; remove it from the address and store it in the OS keyring with `greenroom credentials set {1}`"
    )]
    ContainsSecret(String, String),
    /// A scheme Git supports but Greenroom does not fetch from.
    #[error("`{0}`: the {1}:// scheme is not supported; use https://, ssh://, git:// or file://")]
    UnsupportedScheme(String, String),
    /// The host or path is missing or unsafe.
    #[error("`{0}`: {1}")]
    Invalid(String, &'static str),
}

impl RemoteUrl {
    /// Parses an address as a person would type it.
    pub fn parse(text: &str) -> Result<RemoteUrl, UrlError> {
        let text = text.trim();
        if text.is_empty() || text.chars().any(|c| c.is_control() || c.is_whitespace()) {
            return Err(UrlError::Invalid(
                text.to_owned(),
                "an address cannot be empty or contain spaces or control characters",
            ));
        }
        if text.contains("://") {
            return Self::parse_url(text);
        }
        Self::parse_scp(text)
    }

    fn parse_url(text: &str) -> Result<RemoteUrl, UrlError> {
        let parsed = url::Url::parse(text).map_err(|_| UrlError::Unrecognised(text.to_owned()))?;
        let scheme = match parsed.scheme() {
            "https" => Scheme::Https,
            "http" => Scheme::Http,
            "ssh" | "git+ssh" | "ssh+git" => Scheme::Ssh,
            "git" => Scheme::Git,
            "file" => Scheme::File,
            other => {
                return Err(UrlError::UnsupportedScheme(
                    text.to_owned(),
                    other.to_owned(),
                ));
            }
        };
        let host = parsed.host_str().map(str::to_ascii_lowercase);
        let port = parsed.port();
        if parsed.password().is_some() {
            let mut host_key = host.clone().unwrap_or_default();
            if let Some(port) = port {
                host_key = format!("{host_key}:{port}");
            }
            let mut redacted = parsed.clone();
            let _ = redacted.set_password(None);
            let _ = redacted.set_username("");
            return Err(UrlError::ContainsSecret(redacted.to_string(), host_key));
        }
        let user = Some(parsed.username())
            .filter(|u| !u.is_empty())
            .map(str::to_owned);
        if scheme != Scheme::File && host.as_deref().is_none_or(str::is_empty) {
            return Err(UrlError::Invalid(text.to_owned(), "the host is missing"));
        }
        if host.as_deref().is_some_and(|h| h.starts_with('-')) {
            return Err(UrlError::Invalid(
                text.to_owned(),
                "a host cannot start with `-`",
            ));
        }
        let path = parsed.path().trim_end_matches('/').to_owned();
        if path.is_empty() {
            return Err(UrlError::Invalid(
                text.to_owned(),
                "the repository path is missing",
            ));
        }
        // Rebuilt from the parts so that equal addresses compare equal.
        let mut canonical = format!("{}://", parsed.scheme());
        if let Some(user) = &user {
            canonical.push_str(user);
            canonical.push('@');
        }
        if let Some(host) = &host {
            canonical.push_str(host);
        }
        if let Some(port) = port {
            canonical.push_str(&format!(":{port}"));
        }
        canonical.push_str(&path);
        if let Some(query) = parsed.query() {
            canonical.push('?');
            canonical.push_str(query);
        }
        Ok(RemoteUrl {
            text: canonical,
            scheme,
            host,
            port,
            user,
            path,
        })
    }

    /// `[user@]host:path`, Git's scp-like SSH syntax.
    fn parse_scp(text: &str) -> Result<RemoteUrl, UrlError> {
        let Some((authority, path)) = text.split_once(':') else {
            return Err(UrlError::Unrecognised(text.to_owned()));
        };
        // As in Git: a slash before the colon makes it a local path, not an SSH address.
        if authority.contains('/') || authority.is_empty() || path.is_empty() {
            return Err(UrlError::Unrecognised(text.to_owned()));
        }
        let (user, host) = match authority.rsplit_once('@') {
            Some((user, host)) => (Some(user.to_owned()), host),
            None => (None, authority),
        };
        if host.is_empty() || host.starts_with('-') || user.as_deref() == Some("") {
            return Err(UrlError::Invalid(
                text.to_owned(),
                "the host is missing or starts with `-`",
            ));
        }
        if user.as_deref().is_some_and(|u| u.contains(':')) {
            return Err(UrlError::ContainsSecret(
                format!("{host}:{path}"),
                host.to_owned(),
            ));
        }
        let path = path.trim_end_matches('/');
        let host = host.to_ascii_lowercase();
        let text = match &user {
            Some(user) => format!("{user}@{host}:{path}"),
            None => format!("{host}:{path}"),
        };
        Ok(RemoteUrl {
            text,
            scheme: Scheme::Ssh,
            host: Some(host),
            port: None,
            user,
            path: path.to_owned(),
        })
    }

    /// The address as given to Git.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// How the remote is reached.
    pub fn scheme(&self) -> Scheme {
        self.scheme
    }

    /// The host credentials are stored under: the host name, with `:port` when the URL
    /// names a port (`git.example.com`, `127.0.0.1:8080`). `None` for `file://`.
    pub fn credential_host(&self) -> Option<String> {
        let host = self.host.as_deref()?;
        Some(match self.port {
            Some(port) => format!("{host}:{port}"),
            None => host.to_owned(),
        })
    }

    /// The user name written in the address, if any (`git` in `git@host:path`).
    pub fn user(&self) -> Option<&str> {
        self.user.as_deref()
    }

    /// The repository's name: the last path segment without `.git`.
    pub fn repo_name(&self) -> String {
        let last = self
            .path
            .rsplit(['/', ':'])
            .find(|s| !s.is_empty())
            .unwrap_or(&self.path);
        last.strip_suffix(".git").unwrap_or(last).to_owned()
    }

    /// Where a file of this repository can be viewed, as the prefix of Backstage's
    /// `managed-by-location` annotation (`url:https://github.com/org/repo/blob/main/`):
    /// the web address for hosts whose layout is known, else the clone address with the
    /// branch as a fragment.
    pub fn location_prefix(&self, branch: &str) -> String {
        let host = self.host.as_deref().unwrap_or_default();
        let web = matches!(self.scheme, Scheme::Https | Scheme::Http);
        let base = self
            .path
            .strip_suffix(".git")
            .unwrap_or(&self.path)
            .trim_start_matches('/');
        if host == "github.com" || (web && host.starts_with("github.")) {
            return format!("url:https://{host}/{base}/blob/{branch}/");
        }
        if host == "gitlab.com" || (web && host.starts_with("gitlab.")) {
            return format!("url:https://{host}/{base}/-/blob/{branch}/");
        }
        if web && (host == "dev.azure.com" || host.ends_with(".visualstudio.com")) {
            return format!("url:{}?version=GB{branch}&path=/", self.text);
        }
        format!("url:{}#{branch}:", self.text)
    }
}

impl TryFrom<String> for RemoteUrl {
    type Error = UrlError;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        RemoteUrl::parse(&text)
    }
}

impl From<RemoteUrl> for String {
    fn from(url: RemoteUrl) -> String {
        url.text
    }
}

impl fmt::Display for RemoteUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(text: &str) -> RemoteUrl {
        RemoteUrl::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    #[test]
    fn every_form_git_accepts_is_parsed() {
        let cases = [
            (
                "https://github.com/acme/payments.git",
                Scheme::Https,
                Some("github.com"),
                "payments",
            ),
            (
                "HTTP://127.0.0.1:8080/git/a.git/",
                Scheme::Http,
                Some("127.0.0.1:8080"),
                "a",
            ),
            (
                "ssh://git@host.example:2222/srv/repo.git",
                Scheme::Ssh,
                Some("host.example:2222"),
                "repo",
            ),
            (
                "git@github.com:acme/payments.git",
                Scheme::Ssh,
                Some("github.com"),
                "payments",
            ),
            ("host:repo", Scheme::Ssh, Some("host"), "repo"),
            (
                "git://127.0.0.1:9418/x/billing",
                Scheme::Git,
                Some("127.0.0.1:9418"),
                "billing",
            ),
            (
                "file:///srv/git/inventory.git",
                Scheme::File,
                None,
                "inventory",
            ),
        ];
        for (text, scheme, host, name) in cases {
            let url = ok(text);
            assert_eq!(url.scheme(), scheme, "{text}");
            assert_eq!(url.credential_host().as_deref(), host, "{text}");
            assert_eq!(url.repo_name(), name, "{text}");
        }
        assert_eq!(
            ok("HTTP://127.0.0.1:8080/git/a.git/").as_str(),
            "http://127.0.0.1:8080/git/a.git"
        );
        assert_eq!(ok("git@github.com:acme/p.git").user(), Some("git"));
    }

    #[test]
    fn secrets_and_nonsense_are_refused_with_what_to_do() {
        let error = RemoteUrl::parse("https://me:ghp_secret@github.com/acme/a.git")
            .expect_err("password refused");
        let message = error.to_string();
        assert!(!message.contains("ghp_secret"), "{message}");
        assert!(
            message.contains("greenroom credentials set github.com"),
            "{message}"
        );
        for bad in [
            "",
            "just-a-name",
            "/local/path",
            "./relative:thing",
            "ftp://host/repo",
            "https:///nohost",
            "ssh://-oProxyCommand=x/repo",
            "-oProxyCommand=x:repo",
            "https://host",
            "git@host:",
            "with space:repo",
        ] {
            assert!(RemoteUrl::parse(bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn locations_point_at_the_web_view_where_the_layout_is_known() {
        assert_eq!(
            ok("git@github.com:acme/payments.git").location_prefix("main"),
            "url:https://github.com/acme/payments/blob/main/"
        );
        assert_eq!(
            ok("https://gitlab.com/acme/sub/payments.git").location_prefix("dev"),
            "url:https://gitlab.com/acme/sub/payments/-/blob/dev/"
        );
        assert_eq!(
            ok("https://dev.azure.com/acme/proj/_git/payments").location_prefix("main"),
            "url:https://dev.azure.com/acme/proj/_git/payments?version=GBmain&path=/"
        );
        assert_eq!(
            ok("git://127.0.0.1:9418/payments.git").location_prefix("main"),
            "url:git://127.0.0.1:9418/payments.git#main:"
        );
    }
}
