//! Where the refresh token lives between runs: the OS keyring, and nowhere else.
//!
//! Only the refresh token is stored (Entra's access and ID tokens together exceed Windows
//! Credential Manager's 2560-byte limit; the refresh token alone fits). When no keyring is
//! reachable the store says so through [`StorageStatus::MemoryOnly`] and the session lasts as long
//! as the process: there is no plaintext fallback.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use keyring_core::{CredentialStore, Entry};
use thiserror::Error;

use crate::secret::RefreshToken;

/// Keyring "service" name of every Greenroom entry.
pub const KEYRING_SERVICE: &str = "greenroom";
/// Keyring calls can hang on a prompt nobody sees (GitHub's CLI uses the same bound).
const KEYRING_TIMEOUT: Duration = Duration::from_secs(30);

/// Whether sign-ins survive a restart; the UI and the CLI show this.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum StorageStatus {
    /// The refresh token is kept in the OS keyring.
    Keyring {
        /// Which keyring (e.g. "Secret Service").
        backend: String,
    },
    /// No usable keyring: the session is kept in memory and ends when Greenroom exits.
    MemoryOnly {
        /// Why, in words a person can act on.
        reason: String,
    },
}

impl StorageStatus {
    /// True when a sign-in will survive a restart.
    pub fn is_persistent(&self) -> bool {
        matches!(self, Self::Keyring { .. })
    }
}

/// A keyring operation that failed. Never carries the secret.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum KeyringError {
    /// No keyring service could be reached.
    #[error(
        "no OS keyring is available ({0}); on Linux start and unlock a Secret Service provider such as GNOME Keyring or KeePassXC. Until then sign-ins last only while Greenroom runs"
    )]
    Unavailable(String),
    /// The keyring is locked or refused access.
    #[error("the OS keyring refused access ({0}); unlock it and try again")]
    Locked(String),
    /// The value is too large for this keyring.
    #[error("the refresh token does not fit in the OS keyring ({0})")]
    TooLong(String),
    /// Any other keyring failure.
    #[error("the OS keyring failed: {0}")]
    Failed(String),
    /// The keyring did not answer in time.
    #[error("the OS keyring did not answer within {} seconds", .0.as_secs())]
    TimedOut(Duration),
}

/// The refresh-token store: the OS keyring when there is one, else memory only.
#[derive(Clone, Debug)]
pub struct TokenStore {
    keyring: Option<Arc<PlatformStore>>,
    status: Arc<Mutex<StorageStatus>>,
}

/// Owns the platform store. The Secret Service store blocks on a runtime of its own when it is
/// dropped, which tokio forbids on an async thread, so the last drop happens on a plain thread.
#[derive(Debug)]
struct PlatformStore(Option<Arc<CredentialStore>>);

impl Drop for PlatformStore {
    fn drop(&mut self) {
        let Some(store) = self.0.take() else { return };
        if tokio::runtime::Handle::try_current().is_ok() {
            let _ = std::thread::Builder::new()
                .name("keyring-close".to_owned())
                .spawn(move || drop(store));
        }
    }
}

impl TokenStore {
    /// Opens the platform's keyring (Secret Service on Linux, Keychain on macOS, Credential
    /// Manager on Windows). Never fails: without a keyring the store is memory-only and
    /// [`TokenStore::status`] says why.
    pub async fn open() -> Self {
        match Self::open_required().await {
            Ok(store) => store,
            Err(err) => {
                tracing::warn!("sign-in will not be remembered: {err}");
                Self::memory_only(err.to_string())
            }
        }
    }

    /// Opens the platform's keyring or reports why it cannot (for `--require-keyring` style
    /// checks and tests).
    pub async fn open_required() -> Result<Self, KeyringError> {
        let (store, backend) = with_timeout(platform_store).await??;
        Ok(Self {
            keyring: Some(Arc::new(PlatformStore(Some(store)))),
            status: Arc::new(Mutex::new(StorageStatus::Keyring { backend })),
        })
    }

    /// A store that keeps nothing beyond the process, with the reason to show.
    pub fn memory_only(reason: impl Into<String>) -> Self {
        Self {
            keyring: None,
            status: Arc::new(Mutex::new(StorageStatus::MemoryOnly {
                reason: reason.into(),
            })),
        }
    }

    /// Whether sign-ins are remembered, and if not why.
    pub fn status(&self) -> StorageStatus {
        self.status
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn degrade(&self, err: &KeyringError) {
        tracing::warn!("keeping the session in memory only: {err}");
        *self.status.lock().unwrap_or_else(PoisonError::into_inner) = StorageStatus::MemoryOnly {
            reason: err.to_string(),
        };
    }

    fn entry(&self, user: &str) -> Option<Result<Entry, KeyringError>> {
        if !self.status().is_persistent() {
            return None;
        }
        let store = self.keyring.as_ref()?.0.as_ref()?;
        Some(Entry::new_in_store(store, KEYRING_SERVICE, user).map_err(keyring_error))
    }

    /// Reads the refresh token saved under `user`; `None` when there is none (or no keyring).
    pub(crate) async fn load(&self, user: &str) -> Result<Option<RefreshToken>, KeyringError> {
        let Some(entry) = self.entry(user) else {
            return Ok(None);
        };
        let entry = entry?;
        let secret = with_timeout(move || match entry.get_secret() {
            Ok(bytes) => Ok(Some(bytes)),
            Err(keyring_core::Error::NoEntry) => Ok(None),
            Err(err) => Err(keyring_error(err)),
        })
        .await??;
        match secret {
            None => Ok(None),
            Some(bytes) => String::from_utf8(bytes)
                .map(|text| Some(RefreshToken::new(text)))
                .map_err(|_| KeyringError::Failed("the stored entry is not text".to_owned())),
        }
    }

    /// Saves (replacing) the refresh token under `user`. On failure the store turns memory-only
    /// and says why; the caller keeps the session in memory.
    pub(crate) async fn save(&self, user: &str, token: &RefreshToken) -> Result<(), KeyringError> {
        let Some(entry) = self.entry(user) else {
            return Ok(());
        };
        let result = async {
            let entry = entry?;
            let bytes = token.secret().as_bytes().to_vec();
            with_timeout(move || entry.set_secret(&bytes).map_err(keyring_error)).await?
        }
        .await;
        if let Err(err) = &result {
            self.degrade(err);
        }
        result
    }

    /// Deletes whatever is saved under `user`. Absent entries are not an error.
    pub(crate) async fn forget(&self, user: &str) -> Result<(), KeyringError> {
        let Some(entry) = self.entry(user) else {
            return Ok(());
        };
        let entry = entry?;
        with_timeout(move || match entry.delete_credential() {
            Ok(()) | Err(keyring_core::Error::NoEntry) => Ok(()),
            Err(err) => Err(keyring_error(err)),
        })
        .await?
    }
}

/// Keyring crates block (D-Bus, Security framework, Win32): run them off the async threads and
/// bound the wait.
async fn with_timeout<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, KeyringError> {
    match tokio::time::timeout(KEYRING_TIMEOUT, tokio::task::spawn_blocking(work)).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(join)) => Err(KeyringError::Failed(format!(
            "keyring call panicked: {join}"
        ))),
        Err(_) => Err(KeyringError::TimedOut(KEYRING_TIMEOUT)),
    }
}

/// Maps keyring-core errors without their payloads: `BadEncoding` and `BadDataFormat` carry the
/// stored bytes, which are the secret.
fn keyring_error(err: keyring_core::Error) -> KeyringError {
    use keyring_core::Error as E;
    match err {
        E::NoStorageAccess(inner) => KeyringError::Locked(inner.to_string()),
        E::NoDefaultStore => KeyringError::Unavailable("no credential store".to_owned()),
        E::TooLong(attribute, limit) => {
            KeyringError::TooLong(format!("{attribute} is limited to {limit} bytes"))
        }
        E::BadEncoding(_) => KeyringError::Failed("the stored entry is not text".to_owned()),
        E::BadDataFormat(_, inner) => {
            KeyringError::Failed(format!("the stored entry is unreadable: {inner}"))
        }
        E::PlatformFailure(inner) => KeyringError::Failed(inner.to_string()),
        E::NoEntry => KeyringError::Failed("no entry".to_owned()),
        E::Ambiguous(entries) => KeyringError::Failed(format!(
            "{} entries match; remove the duplicates named `{KEYRING_SERVICE}` in the keyring",
            entries.len()
        )),
        other => KeyringError::Failed(other.to_string()),
    }
}

#[cfg(target_os = "linux")]
fn platform_store() -> Result<(Arc<CredentialStore>, String), KeyringError> {
    let store = zbus_secret_service_keyring_store::Store::new().map_err(|err| {
        KeyringError::Unavailable(format!(
            "no Secret Service (org.freedesktop.secrets) on the D-Bus session bus: {err}"
        ))
    })?;
    Ok((store, "Secret Service".to_owned()))
}

#[cfg(target_os = "macos")]
fn platform_store() -> Result<(Arc<CredentialStore>, String), KeyringError> {
    let store = apple_native_keyring_store::keychain::Store::new()
        .map_err(|err| KeyringError::Unavailable(format!("macOS Keychain: {err}")))?;
    Ok((store, "macOS Keychain".to_owned()))
}

#[cfg(target_os = "windows")]
fn platform_store() -> Result<(Arc<CredentialStore>, String), KeyringError> {
    let store = windows_native_keyring_store::Store::new()
        .map_err(|err| KeyringError::Unavailable(format!("Windows Credential Manager: {err}")))?;
    Ok((store, "Windows Credential Manager".to_owned()))
}

#[cfg(not(any(target_os = "linux", target_os = "macos", target_os = "windows")))]
fn platform_store() -> Result<(Arc<CredentialStore>, String), KeyringError> {
    Err(KeyringError::Unavailable(
        "no keyring support on this operating system".to_owned(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn memory_only_store_keeps_nothing_and_says_why() {
        let store = TokenStore::memory_only("tests");
        assert_eq!(
            store.status(),
            StorageStatus::MemoryOnly {
                reason: "tests".into()
            }
        );
        store
            .save("user", &RefreshToken::new("secret"))
            .await
            .unwrap();
        assert_eq!(store.load("user").await.unwrap(), None);
        store.forget("user").await.unwrap();
    }

    #[test]
    fn keyring_errors_drop_the_secret_bytes() {
        let err = keyring_error(keyring_core::Error::BadEncoding(b"0.AXEA-secret".to_vec()));
        assert!(!format!("{err:?} {err}").contains("secret"));
    }
}
