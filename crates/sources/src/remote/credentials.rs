//! Credentials for fetching, without ever asking on a terminal: SSH uses the agent and key
//! files; HTTPS uses a token per host that the caller looks up (the facade keeps them in
//! the OS keyring). When nothing works, the fetch fails with "needs credentials for HOST".

use std::fmt;
use std::path::{Path, PathBuf};

use git2::{Cred, CredentialType};

use super::failure::FetchFailure;

/// A token for HTTPS on one host. `Debug` does not show the token.
#[derive(Clone, PartialEq, Eq)]
pub struct HttpsToken {
    /// The user name sent with it (most hosts accept any non-empty name with a token).
    pub username: String,
    /// The token or password.
    pub token: String,
    /// What to say when the host rejects it (default: "the stored token was rejected").
    pub rejected: Option<String>,
}

impl fmt::Debug for HttpsToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpsToken")
            .field("username", &self.username)
            .field("token", &"<redacted>")
            .field("rejected", &self.rejected)
            .finish()
    }
}

/// Where HTTPS tokens come from.
pub trait CredentialSource: Send + Sync {
    /// The token for `host` (`host` or `host:port`); `Ok(None)` when there is none, `Err`
    /// with a reason a person can act on when none could be had (the store cannot be read,
    /// the identity provider refused), worded to follow "needs credentials for HOST: ".
    fn https_token(&self, host: &str) -> Result<Option<HttpsToken>, String>;
}

/// No stored credentials: public repositories only.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoCredentials;

impl CredentialSource for NoCredentials {
    fn https_token(&self, _host: &str) -> Result<Option<HttpsToken>, String> {
        Ok(None)
    }
}

/// How SSH authenticates and which hosts it trusts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SshSettings {
    /// Try the keys of the running ssh-agent (`SSH_AUTH_SOCK`) first.
    pub agent: bool,
    /// Private key files to try after the agent, in order; keys with a passphrase are
    /// skipped (there is nobody to ask), so load them into the agent.
    pub key_files: Vec<PathBuf>,
    /// Extra `known_hosts` files trusted besides `~/.ssh/known_hosts` (plain entries).
    pub known_hosts: Vec<PathBuf>,
}

impl Default for SshSettings {
    /// The agent, then `~/.ssh/id_ed25519`, `id_ecdsa` and `id_rsa`.
    fn default() -> Self {
        let home = std::env::var_os("HOME").map(PathBuf::from);
        let key_files = home
            .map(|home| {
                ["id_ed25519", "id_ecdsa", "id_rsa"]
                    .iter()
                    .map(|name| home.join(".ssh").join(name))
                    .collect()
            })
            .unwrap_or_default();
        SshSettings {
            agent: true,
            key_files,
            known_hosts: Vec::new(),
        }
    }
}

/// The credential callback of one fetch: each method is offered once, so a rejected
/// credential ends the fetch instead of looping, and what happened is remembered to
/// explain the failure.
pub(crate) struct Attempt<'a> {
    host: String,
    source: &'a dyn CredentialSource,
    ssh: &'a SshSettings,
    tried_agent: bool,
    next_key: usize,
    tried_token: bool,
    /// What to say if the token given is rejected.
    rejected: Option<String>,
    /// The address is plain `http://` to another machine: a token would travel in clear.
    cleartext: bool,
    /// Set when the callback ran out of things to offer: the failure to report.
    pub(crate) failure: Option<FetchFailure>,
}

impl<'a> Attempt<'a> {
    pub(crate) fn new(
        host: String,
        source: &'a dyn CredentialSource,
        ssh: &'a SshSettings,
    ) -> Self {
        Attempt {
            host,
            source,
            ssh,
            tried_agent: false,
            next_key: 0,
            tried_token: false,
            rejected: None,
            cleartext: false,
            failure: None,
        }
    }

    /// Refuses to send tokens: the address is plain `http://` to a host other than this
    /// machine.
    pub(crate) fn cleartext(mut self, cleartext: bool) -> Self {
        self.cleartext = cleartext;
        self
    }

    /// libgit2's credential callback.
    pub(crate) fn credential(
        &mut self,
        username: Option<&str>,
        allowed: CredentialType,
    ) -> Result<Cred, git2::Error> {
        let user = username.unwrap_or("git");
        if allowed.contains(CredentialType::USERNAME) {
            return Cred::username(user);
        }
        if allowed.contains(CredentialType::SSH_KEY) {
            if self.ssh.agent && !self.tried_agent {
                self.tried_agent = true;
                if std::env::var_os("SSH_AUTH_SOCK").is_some()
                    && let Ok(cred) = Cred::ssh_key_from_agent(user)
                {
                    return Ok(cred);
                }
            }
            while let Some(key) = self.ssh.key_files.get(self.next_key) {
                self.next_key += 1;
                if usable_key(key) {
                    return Cred::ssh_key(user, None, key, None);
                }
            }
            return Err(self.give_up(
                "no SSH key was accepted (tried the ssh-agent and the key files); add your key to the ssh-agent",
            ));
        }
        if allowed.contains(CredentialType::USER_PASS_PLAINTEXT) {
            if self.cleartext {
                return Err(self.give_up(
                    "the server asks for a token over unencrypted http://, which would expose it; use the https:// \
                     address of the repository",
                ));
            }
            if self.tried_token {
                let why = self
                    .rejected
                    .take()
                    .unwrap_or_else(|| "the stored token was rejected".to_owned());
                return Err(self.give_up(&why));
            }
            self.tried_token = true;
            return match self.source.https_token(&self.host) {
                Ok(Some(token)) => {
                    self.rejected = token.rejected.clone();
                    let name = username.unwrap_or(&token.username);
                    Cred::userpass_plaintext(name, &token.token)
                }
                Ok(None) => Err(self.give_up("no token is stored for this host")),
                Err(reason) => Err(self.give_up(&reason)),
            };
        }
        Err(self.give_up("the server asks for an authentication method Greenroom does not support"))
    }

    fn give_up(&mut self, why: &str) -> git2::Error {
        let failure = if why.starts_with("no SSH key") {
            FetchFailure::new(
                super::failure::FailureKind::NeedsCredentials,
                Some(self.host.clone()),
                format!(
                    "needs credentials for {}: {why}, or name a key file in the source's settings",
                    self.host
                ),
            )
        } else {
            FetchFailure::needs_credentials(&self.host, why)
        };
        let error = git2::Error::new(
            git2::ErrorCode::Auth,
            git2::ErrorClass::Callback,
            failure.message.clone(),
        );
        self.failure = Some(failure);
        error
    }
}

/// A key file that exists and is not protected by a passphrase (which nobody could type).
fn usable_key(path: &Path) -> bool {
    match std::fs::read_to_string(path) {
        // OpenSSH's own format keeps the cipher name in the binary body; "none" appears
        // base64-encoded at a fixed place, so look for the encrypted marker instead.
        Ok(text) => !text.contains("ENCRYPTED") && !openssh_key_is_encrypted(&text),
        Err(_) => false,
    }
}

/// Whether an `-----BEGIN OPENSSH PRIVATE KEY-----` file has a cipher other than `none`.
fn openssh_key_is_encrypted(text: &str) -> bool {
    use base64::Engine;
    let body: String = text
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect::<Vec<_>>()
        .concat();
    let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(body.trim()) else {
        return false;
    };
    // "openssh-key-v1\0", then a length-prefixed cipher name.
    let Some(rest) = bytes.strip_prefix(b"openssh-key-v1\0") else {
        return false;
    };
    let Some(len) = rest.get(..4) else {
        return false;
    };
    let len = u32::from_be_bytes([len[0], len[1], len[2], len[3]]) as usize;
    rest.get(4..4 + len).is_some_and(|cipher| cipher != b"none")
}

/// Checks an SSH host key against extra `known_hosts` files: `true` when a plain entry
/// for the host has exactly this key.
pub(crate) fn known_host(files: &[PathBuf], host: &str, key: &[u8]) -> bool {
    use base64::Engine;
    let encoded = base64::engine::general_purpose::STANDARD.encode(key);
    let (name, port) = match host.rsplit_once(':') {
        Some((name, port)) if port.parse::<u16>().is_ok() => (name, Some(port)),
        _ => (host, None),
    };
    let wanted = match port {
        Some(port) if port != "22" => format!("[{name}]:{port}"),
        _ => name.to_owned(),
    };
    files.iter().any(|file| {
        std::fs::read_to_string(file).is_ok_and(|text| {
            text.lines().any(|line| {
                let mut parts = line.split_whitespace();
                let (Some(hosts), Some(_kind), Some(k)) =
                    (parts.next(), parts.next(), parts.next())
                else {
                    return false;
                };
                k == encoded && hosts.split(',').any(|h| h == wanted)
            })
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    struct One;
    impl CredentialSource for One {
        fn https_token(&self, host: &str) -> Result<Option<HttpsToken>, String> {
            Ok((host == "h").then(|| HttpsToken {
                username: "me".into(),
                token: "t".into(),
                rejected: None,
            }))
        }
    }

    struct SignIn;
    impl CredentialSource for SignIn {
        fn https_token(&self, _host: &str) -> Result<Option<HttpsToken>, String> {
            Ok(Some(HttpsToken {
                username: "greenroom".into(),
                token: "t".into(),
                rejected: Some("it refused the token of your sign-in".into()),
            }))
        }
    }

    #[test]
    fn a_rejected_token_is_explained_as_its_source_says() {
        let ssh = SshSettings::default();
        let mut attempt = Attempt::new("h".into(), &SignIn, &ssh);
        for _ in 0..2 {
            let _ = attempt.credential(None, CredentialType::USER_PASS_PLAINTEXT);
        }
        let failure = attempt.failure.expect("failure recorded");
        assert!(
            failure
                .message
                .starts_with("needs credentials for h: it refused the token of your sign-in."),
            "{}",
            failure.message
        );
    }

    #[test]
    fn a_rejected_token_is_not_offered_again() {
        let ssh = SshSettings::default();
        let mut attempt = Attempt::new("h".into(), &One, &ssh);
        assert!(
            attempt
                .credential(None, CredentialType::USER_PASS_PLAINTEXT)
                .is_ok()
        );
        assert!(attempt.failure.is_none());
        assert!(
            attempt
                .credential(None, CredentialType::USER_PASS_PLAINTEXT)
                .is_err()
        );
        let failure = attempt.failure.expect("failure recorded");
        assert!(
            failure
                .message
                .starts_with("needs credentials for h: the stored token was rejected")
        );

        let mut missing = Attempt::new("other".into(), &One, &ssh);
        assert!(
            missing
                .credential(None, CredentialType::USER_PASS_PLAINTEXT)
                .is_err()
        );
        assert!(
            missing
                .failure
                .expect("failure")
                .message
                .contains("no token is stored")
        );
    }

    #[test]
    fn tokens_are_not_sent_over_cleartext_http() {
        let ssh = SshSettings::default();
        let mut attempt = Attempt::new("h".into(), &One, &ssh).cleartext(true);
        assert!(
            attempt
                .credential(None, CredentialType::USER_PASS_PLAINTEXT)
                .is_err()
        );
        assert!(
            attempt
                .failure
                .expect("failure")
                .message
                .contains("https://")
        );
    }

    #[test]
    fn tokens_do_not_show_in_debug_output() {
        let token = HttpsToken {
            username: "me".into(),
            token: "ghp_secret".into(),
            rejected: None,
        };
        assert!(!format!("{token:?}").contains("ghp_secret"));
    }

    #[test]
    fn plain_known_hosts_entries_are_matched_by_host_port_and_key() {
        use base64::Engine;
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("known_hosts");
        let key = b"\0\0\0\x0bssh-ed25519 key bytes";
        let encoded = base64::engine::general_purpose::STANDARD.encode(key);
        std::fs::write(&file, format!("[127.0.0.1]:2222 ssh-ed25519 {encoded}\n")).expect("write");
        let files = [file];
        assert!(known_host(&files, "127.0.0.1:2222", key));
        assert!(!known_host(&files, "127.0.0.1:2223", key));
        assert!(!known_host(&files, "127.0.0.1:2222", b"other"));
    }
}
