//! Remote Git sources in the window: add one by URL, see each repository's state, sync now
//! with progress per repository (streamed over the channel the interface opened), cancel,
//! and store the token a host asked for in the OS keyring through the facade.
//!
//! Syncs write through the catalog's one writer, so at most one runs at a time; the one
//! running (from the window or the background schedule, see `background_sync`) is the one
//! "Cancel" stops.

use greenroom::catalog::store::{RemoteRepoRecord, SourceRecord};
use greenroom::{Cancel, RemoteOptions, SyncProgress, SyncReport};
use tauri::ipc::Channel;
use tauri::{AppHandle, Manager};

use crate::catalogs::Catalogs;
use crate::error::CommandError;
use crate::running::Running;

/// The sync that is running, if any.
#[derive(Default)]
pub struct Syncing {
    running: Running<Cancel>,
}

impl Syncing {
    /// Whether a sync is running.
    pub fn busy(&self) -> bool {
        self.running.busy()
    }
}

/// Runs a sync of one remote source or all of them through the writer, making it the one
/// that [`cancel_sync`] stops. Blocks: call it on a blocking thread.
pub fn run_sync(
    app: &AppHandle,
    source_id: Option<i64>,
    on_progress: &(dyn Fn(SyncProgress) + Sync),
) -> Result<Vec<SyncReport>, CommandError> {
    let catalogs = app.state::<Catalogs>();
    let syncing = app.state::<Syncing>();
    // Wait for the writer first: a sync that is only waiting is not yet the running one.
    let mut writer = catalogs.writer()?;
    let cancel = Cancel::new();
    let source = source_id.map(|id| id.to_string());
    let result = syncing.running.run(cancel.clone(), || {
        writer.sync(source.as_deref(), on_progress, &cancel)
    });
    Ok(result?)
}

/// Adds a remote repository by URL (`https://`, `ssh://`, `git@host:path`, `git://`,
/// `file://`), following `branch` or its default branch. Sync it next.
#[tauri::command]
pub async fn add_remote(
    app: AppHandle,
    url: String,
    branch: Option<String>,
) -> Result<SourceRecord, CommandError> {
    let options = RemoteOptions {
        branch: branch
            .map(|b| b.trim().to_owned())
            .filter(|b| !b.is_empty()),
        globs: Vec::new(),
    };
    crate::commands::blocking(app, move |app| {
        Ok(app
            .state::<Catalogs>()
            .writer()?
            .add_remote(url.trim(), &options)?)
    })
    .await
}

/// The repositories of a remote source with their sync state: synced at, commit, entities,
/// errors.
#[tauri::command]
pub async fn remote_repos(
    app: AppHandle,
    source_id: i64,
) -> Result<Vec<RemoteRepoRecord>, CommandError> {
    crate::commands::blocking(app, move |app| {
        app.state::<Catalogs>()
            .read(|g| g.remote_repos(&source_id.to_string()))
    })
    .await
}

/// Syncs one remote source or all, streaming progress per repository over the channel.
#[tauri::command]
pub async fn sync_sources(
    app: AppHandle,
    source_id: Option<i64>,
    on_progress: Channel<SyncProgress>,
) -> Result<Vec<SyncReport>, CommandError> {
    crate::commands::blocking(app, move |app| {
        run_sync(app, source_id, &|event| {
            let _ = on_progress.send(event);
        })
    })
    .await
}

/// Stops the running sync; what was fetched so far is kept.
#[tauri::command]
pub fn cancel_sync(app: AppHandle) -> bool {
    app.state::<Syncing>().running.stop(Cancel::cancel)
}

/// Stores the HTTPS token of a host (as in "needs credentials for HOST") in the OS keyring.
/// The token is never kept anywhere else and never comes back to the window.
#[tauri::command]
pub async fn set_git_token(
    app: AppHandle,
    host: String,
    username: Option<String>,
    token: String,
) -> Result<(), CommandError> {
    crate::commands::blocking(app, move |app| {
        app.state::<Catalogs>()
            .read(|g| g.set_git_token(&host, username.as_deref(), &token))
    })
    .await
}
