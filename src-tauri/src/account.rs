//! The account menu: sign-in with Microsoft Entra ID through the facade (the system browser
//! with PKCE, or a device code), who is signed in, sign-out and the organisation's sync.
//! Tokens stay inside `greenroom-auth` and the OS keyring; the window only ever sees names,
//! steps and messages.
//!
//! The session's state lives here so that every window agrees on it; changes are announced
//! with the `account-changed` event.

use std::sync::{Arc, Mutex};

use greenroom::account::SignedInUser;
use greenroom::auth::graph::{GraphClient, ImportProgress, OrgImportOptions, import_org};
use greenroom::auth::{
    AuthError, BrowserSignIn, CancellationToken, ConfigOverrides, PublicClient, SignInProgress,
    StorageStatus, TokenStore,
};
use greenroom::catalog::store::WriteStats;
use serde::{Deserialize, Serialize};
use tauri::ipc::Channel;
use tauri::{AppHandle, Emitter, Manager};
use tauri_plugin_opener::OpenerExt;

use crate::catalogs::Catalogs;
use crate::error::CommandError;

/// The event telling the interface to ask [`account_status`] again.
pub const ACCOUNT_CHANGED: &str = "account-changed";
/// A program to open sign-in pages with instead of the desktop's browser, as for the CLI
/// (and as `BROWSER` does for other tools); the end-to-end tests play the browser with it.
const BROWSER_ENV: &str = "GREENROOM_BROWSER";

/// Where the session stands, as the account menu shows it.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[serde(
    tag = "state",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum SessionState {
    /// Sign-in is not set up: `config.toml` names no app registration (or a wrong one).
    NotConfigured {
        /// What is missing or wrong, and how to fix it.
        problem: String,
    },
    /// Nobody is signed in.
    SignedOut,
    /// The remembered session is being resumed (the provider is asked once at start).
    Resuming {
        /// Who signed in last.
        user: SignedInUser,
    },
    /// Signed in.
    SignedIn {
        /// Who.
        user: SignedInUser,
        /// Whether the sign-in survives a restart (false without an OS keyring).
        remembered: bool,
        /// Why it is not remembered, when it is not.
        storage_note: Option<String>,
    },
    /// The session ended (expired, revoked, or not remembered): sign in again.
    Expired {
        /// Who was signed in.
        user: Option<SignedInUser>,
        /// What happened, in the provider's words where they help.
        reason: String,
    },
    /// The identity provider cannot be reached; the catalog keeps working offline.
    Offline {
        /// Who signed in last.
        user: SignedInUser,
        /// What failed.
        reason: String,
    },
}

/// What the account menu shows.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct AccountStatus {
    /// The session.
    pub session: SessionState,
    /// The settings file where sign-in is configured (`[auth]`).
    pub settings_path: String,
    /// A sign-in is running.
    pub signing_in: bool,
}

/// How to sign in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub enum SignInMethod {
    /// The system browser, answering on a loopback address (authorization code + PKCE).
    Browser,
    /// A code typed on any device (for machines without a usable browser).
    DeviceCode,
}

/// One step of a sign-in, streamed to the window. Nothing secret: the user code is meant
/// to be read by the person signing in.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[serde(
    tag = "step",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum SignInStep {
    /// Reading the provider's configuration.
    Discovering,
    /// The browser is being opened.
    OpeningBrowser,
    /// Waiting for the browser to come back.
    WaitingForBrowser {
        /// Seconds before giving up.
        timeout_secs: u64,
    },
    /// Open `verification_uri` on any device and enter `user_code`.
    DeviceCode {
        /// The code to type.
        user_code: String,
        /// Where to type it.
        verification_uri: String,
        /// Seconds until the code expires.
        expires_in_secs: u64,
    },
    /// Waiting for the device code to be approved.
    WaitingForApproval,
    /// Redeeming the browser's answer.
    RedeemingCode,
    /// Checking the identity token.
    Verifying,
    /// No OS keyring: the session lasts while Greenroom runs.
    KeyringUnavailable {
        /// Why.
        reason: String,
    },
    /// Done.
    SignedIn {
        /// The name to greet.
        name: String,
    },
}

impl From<SignInProgress> for SignInStep {
    fn from(step: SignInProgress) -> Self {
        match step {
            SignInProgress::Discovering { .. } => SignInStep::Discovering,
            SignInProgress::OpeningBrowser { .. } => SignInStep::OpeningBrowser,
            SignInProgress::WaitingForBrowser { timeout_secs } => {
                SignInStep::WaitingForBrowser { timeout_secs }
            }
            SignInProgress::DeviceCode {
                user_code,
                verification_uri,
                expires_in_secs,
                ..
            } => SignInStep::DeviceCode {
                user_code,
                verification_uri,
                expires_in_secs,
            },
            SignInProgress::WaitingForApproval => SignInStep::WaitingForApproval,
            SignInProgress::RedeemingCode => SignInStep::RedeemingCode,
            SignInProgress::VerifyingIdToken => SignInStep::Verifying,
            SignInProgress::KeyringUnavailable { reason } => {
                SignInStep::KeyringUnavailable { reason }
            }
            SignInProgress::SignedIn { account, .. } => SignInStep::SignedIn {
                name: account.display_name().to_owned(),
            },
        }
    }
}

/// Steps of an organisation sync.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[serde(
    tag = "step",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum OrgSyncStep {
    /// Reading a collection from Microsoft Graph.
    Reading {
        /// What (`users`, `groups`, `my groups`).
        what: String,
        /// Read so far.
        count: usize,
    },
    /// Reading the groups' members.
    Members {
        /// Groups done.
        done: usize,
        /// Groups in all.
        total: usize,
    },
    /// Writing the users and groups to the catalog.
    Writing,
}

/// What an organisation sync did.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct OrgSyncReport {
    /// Users and groups read.
    pub entities: usize,
    /// What changed in the catalog.
    pub stats: WriteStats,
    /// Why only the user's own part was read (no consent to read the tenant), if so.
    pub partial_reason: Option<String>,
}

/// The account state of the app.
pub struct Accounts {
    session: Mutex<SessionState>,
    client: tauri::async_runtime::Mutex<Option<Arc<PublicClient>>>,
    /// The running sign-in: its number and how to cancel it.
    signing_in: Mutex<Option<(u64, CancellationToken)>>,
    sign_ins: std::sync::atomic::AtomicU64,
}

impl Accounts {
    /// Nobody signed in yet; [`resume`] finds out more.
    pub fn new() -> Accounts {
        Accounts {
            session: Mutex::new(SessionState::SignedOut),
            client: tauri::async_runtime::Mutex::new(None),
            signing_in: Mutex::new(None),
            sign_ins: std::sync::atomic::AtomicU64::new(0),
        }
    }

    fn state(&self) -> SessionState {
        self.session
            .lock()
            .map(|s| s.clone())
            .unwrap_or(SessionState::SignedOut)
    }

    fn set(&self, app: &AppHandle, state: SessionState) {
        if let Ok(mut slot) = self.session.lock() {
            *slot = state;
        }
        let _ = app.emit(ACCOUNT_CHANGED, ());
    }

    fn signing_in(&self) -> bool {
        self.signing_in.lock().is_ok_and(|s| s.is_some())
    }

    /// The client for the current configuration. The settings file is read again each time,
    /// so an edit to `config.toml` applies without a restart; an unchanged configuration
    /// keeps its client (and with it the session).
    async fn client(&self, app: &AppHandle) -> Result<Arc<PublicClient>, SessionState> {
        let config = app
            .state::<Catalogs>()
            .read(|g| g.auth_config(&ConfigOverrides::default()))
            .map_err(|e| SessionState::NotConfigured { problem: e.message })?;
        let mut slot = self.client.lock().await;
        if let Some(client) = slot.as_ref().filter(|c| *c.config() == config) {
            return Ok(client.clone());
        }
        let store = TokenStore::open().await;
        let client = PublicClient::new(config, store).map_err(|e| SessionState::NotConfigured {
            problem: e.to_string(),
        })?;
        let client = Arc::new(client);
        *slot = Some(client.clone());
        Ok(client)
    }
}

impl Default for Accounts {
    fn default() -> Self {
        Accounts::new()
    }
}

fn remembered_user(app: &AppHandle) -> Option<SignedInUser> {
    app.state::<Catalogs>()
        .read(|g| Ok(g.signed_in_user()))
        .ok()
        .flatten()
}

fn storage_note(status: &StorageStatus) -> Option<String> {
    match status {
        StorageStatus::Keyring { .. } => None,
        StorageStatus::MemoryOnly { reason } => Some(reason.clone()),
    }
}

/// What a failed sign-in, renewal or Graph call means for the session shown.
fn after_failure(error: &AuthError, user: Option<SignedInUser>) -> Option<SessionState> {
    if error.needs_sign_in() {
        return Some(SessionState::Expired {
            user,
            reason: error.to_string(),
        });
    }
    match (error, user) {
        (AuthError::Network { .. } | AuthError::Discovery { .. }, Some(user)) => {
            Some(SessionState::Offline {
                user,
                reason: error.to_string(),
            })
        }
        _ => None,
    }
}

/// Resumes the remembered session in the background at start: the catalog does not wait
/// for the identity provider, and a session that cannot be resumed is shown, not raised.
pub fn resume(app: AppHandle) {
    tauri::async_runtime::spawn(async move {
        let accounts = app.state::<Accounts>();
        let client = match accounts.client(&app).await {
            Ok(client) => client,
            Err(state) => return accounts.set(&app, state),
        };
        let Some(user) = remembered_user(&app) else {
            return accounts.set(&app, SessionState::SignedOut);
        };
        accounts.set(&app, SessionState::Resuming { user: user.clone() });
        let state = match client.restore(&greenroom::auth::NoProgress).await {
            Ok(Some(_)) => SessionState::SignedIn {
                user,
                remembered: client.storage_status().is_persistent(),
                storage_note: storage_note(&client.storage_status()),
            },
            Ok(None) => SessionState::Expired {
                reason: match client.storage_status() {
                    StorageStatus::MemoryOnly { reason } => {
                        format!("the sign-in could not be remembered: {reason}")
                    }
                    StorageStatus::Keyring { .. } => {
                        "the OS keyring holds no session for this account any more".to_owned()
                    }
                },
                user: Some(user),
            },
            Err(error) => {
                after_failure(&error, Some(user.clone())).unwrap_or_else(|| SessionState::Expired {
                    user: Some(user),
                    reason: error.to_string(),
                })
            }
        };
        // A sign-in started meanwhile knows better.
        if !accounts.signing_in() {
            accounts.set(&app, state);
        }
    });
}

/// Who is signed in, and whether sign-in is set up.
#[tauri::command]
pub async fn account_status(app: AppHandle) -> Result<AccountStatus, CommandError> {
    let accounts = app.state::<Accounts>();
    let mut session = accounts.state();
    // The settings file may have been written since the start.
    if let SessionState::NotConfigured { .. } = session
        && accounts.client(&app).await.is_ok()
    {
        session = match remembered_user(&app) {
            Some(user) => SessionState::Expired {
                user: Some(user),
                reason: "sign-in was set up since Greenroom started".to_owned(),
            },
            None => SessionState::SignedOut,
        };
        accounts.set(&app, session.clone());
    }
    let settings_path = app
        .state::<Catalogs>()
        .read(|g| Ok(g.settings_path()))?
        .display()
        .to_string();
    Ok(AccountStatus {
        session,
        settings_path,
        signing_in: accounts.signing_in(),
    })
}

/// Signs in, streaming the steps (the device code among them) over the channel.
#[tauri::command]
pub async fn sign_in(
    app: AppHandle,
    method: SignInMethod,
    on_progress: Channel<SignInStep>,
) -> Result<SignedInUser, CommandError> {
    let accounts = app.state::<Accounts>();
    let client = accounts.client(&app).await.map_err(|state| match state {
        SessionState::NotConfigured { problem } => CommandError::invalid(problem),
        _ => CommandError::internal("sign-in is not available"),
    })?;
    let cancel = CancellationToken::new();
    let number = accounts
        .sign_ins
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    {
        let mut slot = accounts
            .signing_in
            .lock()
            .map_err(|_| CommandError::internal("an earlier sign-in failed; restart Greenroom"))?;
        if let Some((_, running)) = slot.take() {
            running.cancel(); // The newer request wins.
        }
        *slot = Some((number, cancel.clone()));
    }
    let _ = app.emit(ACCOUNT_CHANGED, ());
    let progress = move |step: SignInProgress| {
        let _ = on_progress.send(step.into());
    };
    let opener_app = app.clone();
    let open = move |url: &str| open_browser(&opener_app, url);
    let result = match method {
        SignInMethod::Browser => {
            client
                .sign_in_with_browser(&open, &BrowserSignIn::default(), &progress, &cancel)
                .await
        }
        SignInMethod::DeviceCode => client.sign_in_with_device_code(&progress, &cancel).await,
    };
    if let Ok(mut slot) = accounts.signing_in.lock()
        && slot.as_ref().is_some_and(|(n, _)| *n == number)
    {
        *slot = None;
    }
    let account = match result {
        Ok(account) => account,
        Err(error) => {
            let _ = app.emit(ACCOUNT_CHANGED, ());
            return Err(auth_error(&error));
        }
    };
    let user = app
        .state::<Catalogs>()
        .read(|g| g.remember_sign_in(&account))?;
    let status = client.storage_status();
    accounts.set(
        &app,
        SessionState::SignedIn {
            user: user.clone(),
            remembered: status.is_persistent(),
            storage_note: storage_note(&status),
        },
    );
    Ok(user)
}

/// Stops a running sign-in.
#[tauri::command]
pub fn cancel_sign_in(app: AppHandle) {
    if let Ok(mut slot) = app.state::<Accounts>().signing_in.lock()
        && let Some((_, cancel)) = slot.take()
    {
        cancel.cancel();
    }
    let _ = app.emit(ACCOUNT_CHANGED, ());
}

/// Signs out: the keyring entry, the session in memory and the remembered name go.
#[tauri::command]
pub async fn sign_out(app: AppHandle) -> Result<(), CommandError> {
    let accounts = app.state::<Accounts>();
    if let Ok(client) = accounts.client(&app).await {
        client
            .sign_out()
            .await
            .map_err(|e| CommandError::internal(e.to_string()))?;
    }
    app.state::<Catalogs>().read(|g| g.forget_user())?;
    let state = match accounts.client(&app).await {
        Ok(_) => SessionState::SignedOut,
        Err(state) => state,
    };
    accounts.set(&app, state);
    Ok(())
}

/// Reads the organisation's users and groups from Microsoft Graph into the catalog.
#[tauri::command]
pub async fn sync_org(
    app: AppHandle,
    on_progress: Channel<OrgSyncStep>,
) -> Result<OrgSyncReport, CommandError> {
    let accounts = app.state::<Accounts>();
    let client = accounts.client(&app).await.map_err(|state| match state {
        SessionState::NotConfigured { problem } => CommandError::invalid(problem),
        _ => CommandError::internal("sign-in is not available"),
    })?;
    let failed = |error: AuthError| {
        if let Some(state) = after_failure(&error, remembered_user(&app)) {
            accounts.set(&app, state);
        }
        auth_error(&error)
    };
    let token = client.access_token().await.map_err(failed)?;
    let graph = GraphClient::new(&client.config().graph_url, token)
        .map_err(|e| CommandError::invalid(e.to_string()))?;
    let steps = on_progress.clone();
    let progress = move |event: ImportProgress| {
        let step = match event {
            ImportProgress::Reading { what, count } => OrgSyncStep::Reading {
                what: what.to_owned(),
                count,
            },
            ImportProgress::Members { done, total } => OrgSyncStep::Members { done, total },
            ImportProgress::Done { .. } => return,
        };
        let _ = steps.send(step);
    };
    let org = import_org(&graph, OrgImportOptions::default(), &progress)
        .await
        .map_err(|e| CommandError {
            code: greenroom::ErrorCode::Unreachable,
            message: e.to_string(),
            detail: None,
        })?;
    let _ = on_progress.send(OrgSyncStep::Writing);
    let writer_app = app.clone();
    let report = tauri::async_runtime::spawn_blocking(move || {
        let stats = writer_app
            .state::<Catalogs>()
            .writer()?
            .store_org(&org)
            .map_err(CommandError::from)?;
        Ok::<_, CommandError>(OrgSyncReport {
            entities: org.entities.len(),
            stats,
            partial_reason: org.fallback_reason.clone(),
        })
    })
    .await
    .map_err(|e| CommandError::internal(format!("the sync stopped unexpectedly: {e}")))??;
    // The user's entity and groups are now known.
    if let SessionState::SignedIn {
        remembered,
        storage_note,
        ..
    } = accounts.state()
        && let Some(user) = remembered_user(&app)
    {
        accounts.set(
            &app,
            SessionState::SignedIn {
                user,
                remembered,
                storage_note,
            },
        );
    }
    Ok(report)
}

/// Opens a sign-in page: with `$GREENROOM_BROWSER` when set, else the desktop's browser.
fn open_browser(app: &AppHandle, url: &str) -> Result<(), String> {
    if let Some(program) = std::env::var_os(BROWSER_ENV).filter(|p| !p.is_empty()) {
        return std::process::Command::new(program)
            .arg(url)
            .spawn()
            .map(|_| ())
            .map_err(|e| format!("{BROWSER_ENV} could not be started: {e}"));
    }
    app.opener()
        .open_url(url, None::<&str>)
        .map_err(|e| e.to_string())
}

/// A sign-in failure as the window receives it; `detail` carries the stable auth code
/// (`auth.sign_in_again`, `auth.cancelled`, ...) for the interface to branch on.
fn auth_error(error: &AuthError) -> CommandError {
    let code = match error {
        AuthError::Config(_) | AuthError::AppRegistration { .. } => {
            greenroom::ErrorCode::InvalidInput
        }
        AuthError::Network { .. } | AuthError::Discovery { .. } => {
            greenroom::ErrorCode::Unreachable
        }
        _ => greenroom::ErrorCode::Internal,
    };
    CommandError {
        code,
        message: error.to_string(),
        detail: Some(error.code().to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user() -> SignedInUser {
        SignedInUser {
            name: "Ada Lovelace".into(),
            username: None,
            tenant_id: "t".into(),
            object_id: "o".into(),
            entity: None,
            groups: Vec::new(),
        }
    }

    #[test]
    fn an_ended_session_asks_to_sign_in_again_and_a_network_failure_keeps_the_user() {
        let ended = after_failure(
            &AuthError::SignInAgain("AADSTS700082: expired".into()),
            Some(user()),
        );
        assert!(
            matches!(&ended, Some(SessionState::Expired { reason, user: Some(_) }) if reason.contains("sign in again")),
            "{ended:?}"
        );
        let offline = after_failure(
            &AuthError::Network {
                what: "token",
                reason: "connection refused".into(),
            },
            Some(user()),
        );
        assert!(
            matches!(offline, Some(SessionState::Offline { .. })),
            "{offline:?}"
        );
        assert_eq!(after_failure(&AuthError::Cancelled, Some(user())), None);
    }

    #[test]
    fn errors_carry_the_auth_code_for_the_interface() {
        let error = auth_error(&AuthError::Cancelled);
        assert_eq!(error.detail.as_deref(), Some("auth.cancelled"));
        assert_eq!(
            auth_error(&AuthError::Network {
                what: "x",
                reason: "y".into()
            })
            .code,
            greenroom::ErrorCode::Unreachable
        );
    }

    #[test]
    fn device_codes_reach_the_window_without_anything_secret() {
        let step: SignInStep = SignInProgress::DeviceCode {
            user_code: "ABCD-EFGH".into(),
            verification_uri: "https://microsoft.com/devicelogin".into(),
            message: None,
            expires_in_secs: 900,
        }
        .into();
        let json = serde_json::to_value(step).expect("json");
        assert_eq!(json["step"], "deviceCode");
        assert_eq!(json["userCode"], "ABCD-EFGH");
        assert_eq!(json["verificationUri"], "https://microsoft.com/devicelogin");
    }
}
