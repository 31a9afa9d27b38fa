//! HTTPS tokens for Git hosts, kept in the OS keyring (Secret Service, macOS Keychain,
//! Windows Credential Manager) under the service `greenroom-git`, one entry per host. They
//! never go to config files or the catalog. Keyring calls can hang on a prompt nobody
//! sees, so each is bounded. Azure DevOps hosts without a stored token get the signed-in
//! Entra ID account's token (`azure_devops`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

use greenroom_sources::remote::ApiToken;
use greenroom_sources::{CredentialSource, HttpsToken};
use keyring_core::{CredentialStore, Entry};
use serde::{Deserialize, Serialize};

use crate::azure_devops::AzureDevOpsTokens;
use crate::{Error, Greenroom};

/// Keyring "service" of the Git tokens.
pub const GIT_KEYRING_SERVICE: &str = "greenroom-git";
/// User name sent with a token when none is given; hosts that check it (Bitbucket) need
/// the real one.
pub const DEFAULT_TOKEN_USER: &str = "greenroom";
const KEYRING_TIMEOUT: Duration = Duration::from_secs(30);

/// What is stored per host (the keyring entry's secret, as JSON).
#[derive(Serialize, Deserialize)]
struct Stored {
    username: String,
    token: String,
}

impl Greenroom {
    /// Stores the HTTPS token for `host` (`host` or `host:port`, as in "needs credentials
    /// for HOST"), replacing any. `username` defaults to `greenroom`.
    pub fn set_git_token(
        &self,
        host: &str,
        username: Option<&str>,
        token: &str,
    ) -> Result<(), Error> {
        let host = normalise_host(host)?;
        let token = token.trim();
        if token.is_empty() {
            return Err(Error::Invalid("the token is empty".into()));
        }
        let secret = serde_json::to_vec(&Stored {
            username: username
                .filter(|u| !u.is_empty())
                .unwrap_or(DEFAULT_TOKEN_USER)
                .to_owned(),
            token: token.to_owned(),
        })
        .map_err(|e| Error::Invalid(e.to_string()))?;
        let entry = entry(&host)?;
        bounded(move || entry.set_secret(&secret).map_err(keyring_error))?
    }

    /// Forgets the token of `host`; `false` when there was none.
    pub fn forget_git_token(&self, host: &str) -> Result<bool, Error> {
        let host = normalise_host(host)?;
        let entry = entry(&host)?;
        bounded(move || match entry.delete_credential() {
            Ok(()) => Ok(true),
            Err(keyring_core::Error::NoEntry) => Ok(false),
            Err(e) => Err(keyring_error(e)),
        })?
    }

    /// Whether a token is stored for `host` (the token itself is never returned).
    pub fn has_git_token(&self, host: &str) -> Result<bool, Error> {
        let host = normalise_host(host)?;
        Ok(load(&host)?.is_some())
    }
}

/// `host` or `host:port`, lower-cased; anything else is refused so that a pasted URL does
/// not become a keyring entry nobody finds again.
fn normalise_host(host: &str) -> Result<String, Error> {
    let host = host.trim().to_ascii_lowercase();
    let valid = !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
        && !host.starts_with('-');
    if !valid {
        return Err(Error::Invalid(format!(
            "`{host}` is not a host name; give the host as in \"needs credentials for HOST\", e.g. github.com or \
             git.example.com:8443"
        )));
    }
    Ok(host)
}

/// The platform's store, opened on first use. A failure is not remembered: the keyring
/// may be unlocked or started later while the app runs.
fn store() -> Result<Arc<CredentialStore>, Error> {
    static STORE: Mutex<Option<Arc<CredentialStore>>> = Mutex::new(None);
    let mut slot = STORE.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(store) = slot.as_ref() {
        return Ok(store.clone());
    }
    let store = bounded(platform_store)??;
    *slot = Some(store.clone());
    Ok(store)
}

fn entry(host: &str) -> Result<Entry, Error> {
    Entry::new_in_store(&store()?, GIT_KEYRING_SERVICE, host).map_err(keyring_error)
}

fn load(host: &str) -> Result<Option<HttpsToken>, Error> {
    let entry = entry(host)?;
    let secret = bounded(move || match entry.get_secret() {
        Ok(bytes) => Ok(Some(bytes)),
        Err(keyring_core::Error::NoEntry) => Ok(None),
        Err(e) => Err(keyring_error(e)),
    })??;
    let Some(bytes) = secret else {
        return Ok(None);
    };
    let stored: Stored = serde_json::from_slice(&bytes).map_err(|_| Error::Io {
        path: "the OS keyring".into(),
        reason: format!(
            "the entry for {host} is not readable; store the token again with `greenroom credentials set {host}`"
        ),
    })?;
    Ok(Some(HttpsToken {
        username: stored.username,
        token: stored.token,
        rejected: None,
    }))
}

/// HTTPS tokens as fetches ask for them, each host once per sync: the token stored for the
/// host in the keyring, else for an Azure DevOps host the signed-in Entra ID account's.
pub(crate) struct HttpsTokens {
    seen: Mutex<HashMap<String, Result<Option<HttpsToken>, String>>>,
    azure_devops: AzureDevOpsTokens,
}

impl HttpsTokens {
    pub(crate) fn new(azure_devops: AzureDevOpsTokens) -> Self {
        HttpsTokens {
            seen: Mutex::new(HashMap::new()),
            azure_devops,
        }
    }

    /// The token stored for `host`, else for an Azure DevOps host the signed-in account's.
    fn find(&self, host: &str) -> Result<Option<Found>, String> {
        let stored = load(host);
        if let Ok(Some(token)) = stored {
            return Ok(Some(Found::Stored(token)));
        }
        if self.azure_devops.serves(host)
            && let Some(token) = self.azure_devops.token(host)?
        {
            return Ok(Some(Found::SignedIn(token.secret().to_owned())));
        }
        stored
            .map(|_| None)
            .map_err(|e| format!("the token store cannot be read ({e})"))
    }

    fn lookup(&self, host: &str) -> Result<Option<HttpsToken>, String> {
        Ok(self.find(host)?.map(|found| match found {
            Found::Stored(token) => token,
            Found::SignedIn(token) => HttpsToken {
                // Azure DevOps takes any user name with a token.
                username: DEFAULT_TOKEN_USER.to_owned(),
                token,
                rejected: Some(
                    "it refused the token of your Entra ID sign-in (is your account a member of the Azure DevOps \
                     organisation?)"
                        .to_owned(),
                ),
            },
        }))
    }

    /// The token for the REST API of an organisation whose Git host is `host`: the one
    /// stored for the host, else on Azure DevOps the Entra ID sign-in's.
    pub(crate) fn api_token(&self, host: &str) -> Result<Option<ApiToken>, String> {
        Ok(self.find(host)?.map(|found| match found {
            Found::Stored(token) => ApiToken::Personal(token.token),
            Found::SignedIn(token) => ApiToken::OAuth(token),
        }))
    }
}

/// Where a host's token came from.
enum Found {
    /// The keyring entry of the host.
    Stored(HttpsToken),
    /// The Entra ID sign-in, for Azure DevOps.
    SignedIn(String),
}

impl CredentialSource for HttpsTokens {
    fn https_token(&self, host: &str) -> Result<Option<HttpsToken>, String> {
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        seen.entry(host.to_owned())
            .or_insert_with(|| self.lookup(host))
            .clone()
    }
}

/// Runs a keyring call on its own thread and gives up after 30 seconds.
fn bounded<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Result<T, Error> {
    let (send, receive) = mpsc::channel();
    std::thread::Builder::new()
        .name("keyring".into())
        .spawn(move || {
            let _ = send.send(work());
        })
        .map_err(|e| Error::Io {
            path: "the OS keyring".into(),
            reason: e.to_string(),
        })?;
    receive
        .recv_timeout(KEYRING_TIMEOUT)
        .map_err(|_| Error::Io {
            path: "the OS keyring".into(),
            reason: format!(
                "it did not answer within {} seconds; unlock it and try again",
                KEYRING_TIMEOUT.as_secs()
            ),
        })
}

/// Keyring errors without their payloads, which can carry the secret bytes.
fn keyring_error(e: keyring_core::Error) -> Error {
    use keyring_core::Error as E;
    let reason = match e {
        E::NoStorageAccess(inner) => {
            format!("it refused access ({inner}); unlock it and try again")
        }
        E::NoDefaultStore => "there is no credential store".to_owned(),
        E::BadEncoding(_) | E::BadDataFormat(..) => "a stored entry is unreadable".to_owned(),
        E::PlatformFailure(inner) => inner.to_string(),
        E::Ambiguous(entries) => format!(
            "{} entries match; remove the duplicates named `{GIT_KEYRING_SERVICE}` in the keyring",
            entries.len()
        ),
        other => other.to_string(),
    };
    Error::Io {
        path: "the OS keyring".into(),
        reason,
    }
}

#[cfg(target_os = "linux")]
fn platform_store() -> Result<Arc<CredentialStore>, Error> {
    let store = zbus_secret_service_keyring_store::Store::new().map_err(|e| Error::Io {
        path: "the OS keyring".into(),
        reason: format!(
            "no Secret Service on the D-Bus session bus ({e}); start and unlock GNOME Keyring or KeePassXC"
        ),
    })?;
    Ok(store)
}

#[cfg(target_os = "macos")]
fn platform_store() -> Result<Arc<CredentialStore>, Error> {
    let store = apple_native_keyring_store::keychain::Store::new().map_err(|e| Error::Io {
        path: "the macOS Keychain".into(),
        reason: e.to_string(),
    })?;
    Ok(store)
}

#[cfg(target_os = "windows")]
fn platform_store() -> Result<Arc<CredentialStore>, Error> {
    let store = windows_native_keyring_store::Store::new().map_err(|e| Error::Io {
        path: "the Windows Credential Manager".into(),
        reason: e.to_string(),
    })?;
    Ok(store)
}

#[cfg(not(any(target_os = "linux", target_os = "macos", target_os = "windows")))]
fn platform_store() -> Result<Arc<CredentialStore>, Error> {
    Err(Error::Io {
        path: "the OS keyring".into(),
        reason: "there is no keyring support on this operating system".into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_are_checked_and_lower_cased() {
        assert_eq!(normalise_host(" GitHub.com ").expect("ok"), "github.com");
        assert_eq!(
            normalise_host("127.0.0.1:8080").expect("ok"),
            "127.0.0.1:8080"
        );
        for bad in ["", "https://github.com", "a/b", "-oProxy", "host name"] {
            assert!(normalise_host(bad).is_err(), "{bad}");
        }
    }
}
