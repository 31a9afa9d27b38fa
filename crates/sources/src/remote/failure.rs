//! Why one repository could not be synced, as a value the app and the CLI act on: a
//! missing credential becomes a prompt, not a terminal question.

use serde::{Deserialize, Serialize};

/// What went wrong, for front ends that react differently.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FailureKind {
    /// The host wants credentials that are missing or were rejected; the app asks for a
    /// token for [`FetchFailure::host`].
    NeedsCredentials,
    /// The SSH host key is not known, so the host cannot be trusted.
    UnknownHostKey,
    /// The repository does not exist (or is hidden from these credentials).
    NotFound,
    /// The branch asked for does not exist, or the repository is empty.
    NoSuchBranch,
    /// The host cannot be reached: offline, name not resolved, connection refused.
    Unreachable,
    /// The host stopped answering.
    TimedOut,
    /// The connection broke during the transfer.
    Interrupted,
    /// The cached copy is damaged and could not be replaced.
    CorruptCache,
    /// The sync was cancelled.
    Cancelled,
    /// Anything else.
    Failed,
}

impl FailureKind {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            FailureKind::NeedsCredentials => "needs-credentials",
            FailureKind::UnknownHostKey => "unknown-host-key",
            FailureKind::NotFound => "not-found",
            FailureKind::NoSuchBranch => "no-such-branch",
            FailureKind::Unreachable => "unreachable",
            FailureKind::TimedOut => "timed-out",
            FailureKind::Interrupted => "interrupted",
            FailureKind::CorruptCache => "corrupt-cache",
            FailureKind::Cancelled => "cancelled",
            FailureKind::Failed => "failed",
        }
    }

    /// The kind with this stored name (`Failed` for unknown names).
    pub fn parse(text: &str) -> FailureKind {
        [
            FailureKind::NeedsCredentials,
            FailureKind::UnknownHostKey,
            FailureKind::NotFound,
            FailureKind::NoSuchBranch,
            FailureKind::Unreachable,
            FailureKind::TimedOut,
            FailureKind::Interrupted,
            FailureKind::CorruptCache,
            FailureKind::Cancelled,
        ]
        .into_iter()
        .find(|k| k.as_str() == text)
        .unwrap_or(FailureKind::Failed)
    }
}

/// A repository that could not be synced; what the catalog has of it stays.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(rename_all = "camelCase")]
#[error("{message}")]
pub struct FetchFailure {
    /// What kind of failure.
    pub kind: FailureKind,
    /// The host concerned (`host` or `host:port`), when there is one.
    pub host: Option<String>,
    /// What happened and what to do, for people.
    pub message: String,
}

impl FetchFailure {
    /// A failure of `kind` with a message.
    pub fn new(kind: FailureKind, host: Option<String>, message: impl Into<String>) -> Self {
        FetchFailure {
            kind,
            host,
            message: message.into(),
        }
    }

    /// "needs credentials for HOST", with why and how to provide them.
    pub fn needs_credentials(host: &str, why: &str) -> Self {
        FetchFailure::new(
            FailureKind::NeedsCredentials,
            Some(host.to_owned()),
            format!(
                "needs credentials for {host}: {why}. Store a token with `greenroom credentials set {host}` \
                 (or in the app's Sources page)"
            ),
        )
    }

    /// Classifies a libgit2 error that is not about credentials (those are known from
    /// the credential callback itself). libgit2 reports most network failures with
    /// class and message only, so the message is looked at too.
    pub(crate) fn from_git(error: &git2::Error, host: Option<&str>) -> Self {
        Self::classify(error, host, false)
    }

    /// As [`FetchFailure::from_git`], for an error met while objects were arriving: a
    /// failure that is not otherwise recognised means the connection broke.
    pub(crate) fn during_transfer(error: &git2::Error, host: Option<&str>) -> Self {
        Self::classify(error, host, true)
    }

    fn classify(error: &git2::Error, host: Option<&str>, transferring: bool) -> Self {
        let text = error.message().to_owned();
        let lower = text.to_ascii_lowercase();
        let on = host.map_or_else(String::new, |h| format!(" {h}"));
        let host = host.map(str::to_owned);
        let kind = if error.code() == git2::ErrorCode::Timeout || lower.contains("timed out") {
            FailureKind::TimedOut
        } else if error.code() == git2::ErrorCode::Certificate
            && error.class() == git2::ErrorClass::Ssh
        {
            FailureKind::UnknownHostKey
        } else if contains_any(
            &lower,
            &[
                "404",
                "not found",
                "not exported",
                "no such repository",
                "does not appear to be a git repository",
                "could not find repository",
                "does not exist",
            ],
        ) {
            FailureKind::NotFound
        } else if contains_any(
            &lower,
            &[
                "failed to connect",
                "failed to resolve",
                "connection refused",
                "network is unreachable",
                "no route to host",
                "name or service not known",
            ],
        ) {
            FailureKind::Unreachable
        } else if contains_any(
            &lower,
            &[
                "eof",
                "connection reset",
                "broken pipe",
                "early end",
                "incomplete",
                "short read",
                "error receiving data",
                "failed to read",
                "truncated",
            ],
        ) || transferring
        {
            FailureKind::Interrupted
        } else {
            FailureKind::Failed
        };
        let message = match kind {
            FailureKind::TimedOut => format!(
                "the server{on} stopped answering ({text}); the last fetched state is kept. Sync again later"
            ),
            FailureKind::UnknownHostKey => format!(
                "the SSH host key of{on} is not in ~/.ssh/known_hosts, so the host cannot be trusted; connect once \
                 with `ssh` to check and record it, then sync again"
            ),
            FailureKind::NotFound => format!(
                "the repository was not found ({text}); check the address, or remove it from the source if it was \
                 deleted. What it contributed before is kept"
            ),
            FailureKind::Unreachable => format!(
                "cannot reach{on} ({text}); you may be offline or the server may be down. The last fetched state is \
                 kept"
            ),
            FailureKind::Interrupted => format!(
                "the connection to{on} broke during the transfer ({text}); nothing partial was kept. Sync again"
            ),
            _ => format!("fetching failed: {text}"),
        };
        FetchFailure::new(kind, host, message)
    }
}

/// Whether `text` contains any of `words`.
fn contains_any(text: &str, words: &[&str]) -> bool {
    words.iter().any(|w| text.contains(w))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_through_their_stored_names() {
        for kind in [
            FailureKind::NeedsCredentials,
            FailureKind::UnknownHostKey,
            FailureKind::NotFound,
            FailureKind::NoSuchBranch,
            FailureKind::Unreachable,
            FailureKind::TimedOut,
            FailureKind::Interrupted,
            FailureKind::CorruptCache,
            FailureKind::Cancelled,
            FailureKind::Failed,
        ] {
            assert_eq!(FailureKind::parse(kind.as_str()), kind);
        }
    }

    #[test]
    fn network_errors_are_told_apart() {
        let error = |class, text| git2::Error::new(git2::ErrorCode::GenericError, class, text);
        let cases = [
            (
                "failed to connect to 127.0.0.1: Connection refused",
                FailureKind::Unreachable,
            ),
            ("unexpected http status code: 404", FailureKind::NotFound),
            (
                "remote error: access denied or repository not exported: /x.git",
                FailureKind::NotFound,
            ),
            ("early EOF", FailureKind::Interrupted),
            ("something new", FailureKind::Failed),
        ];
        for (text, kind) in cases {
            let failure = FetchFailure::from_git(&error(git2::ErrorClass::Net, text), Some("h"));
            assert_eq!(failure.kind, kind, "{text}");
        }
    }
}
