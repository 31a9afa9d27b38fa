//! Catalog snapshots in the window: export the catalog (and docs) to a `.greenroom` file,
//! check a file before importing it, import it as its own source with progress and a
//! summary of what changed, list the imported snapshots with their age and signer, choose
//! which side wins a conflict, and remove one.
//!
//! Paths come from the page as folders do (typed, or chosen in a native dialog), and must
//! name a `.greenroom` file: an export never writes any other kind of file.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use greenroom::catalog::store::{SourceKind, SourceRecord};
use greenroom::snapshot::{
    ExportOptions, ExportReport, ImportOptions, ImportReport, RepoAvailability, SNAPSHOT_EXTENSION,
    SNAPSHOT_PRIORITY, SnapshotInfo, SnapshotProgress, SnapshotSource, inspect_snapshot,
};
use serde::Deserialize;
use tauri::ipc::Channel;
use tauri::{AppHandle, Manager};
use tauri_plugin_dialog::DialogExt;

use crate::catalogs::Catalogs;
use crate::commands::blocking;
use crate::error::CommandError;

/// Priority that makes a snapshot win over the person's own folders (which have 100).
const WINS_OVER_LOCAL: i64 = 150;

/// The snapshot file the app was opened with (a double-click on a `.greenroom` file),
/// until the window takes it.
#[derive(Default)]
pub struct LaunchSnapshot(Mutex<Option<PathBuf>>);

impl LaunchSnapshot {
    /// Remembers the first existing `.greenroom` file among the program's arguments.
    pub fn from_args(args: impl IntoIterator<Item = std::ffi::OsString>) -> LaunchSnapshot {
        LaunchSnapshot(Mutex::new(first_snapshot_file(
            args.into_iter().map(PathBuf::from),
        )))
    }

    /// Offers `file` to the window (another start of the app was given it).
    pub fn offer(&self, file: PathBuf) {
        if let Ok(mut launched) = self.0.lock() {
            *launched = Some(file);
        }
    }
}

/// The first of `paths` that is an existing `.greenroom` file.
pub fn first_snapshot_file(paths: impl IntoIterator<Item = PathBuf>) -> Option<PathBuf> {
    paths
        .into_iter()
        .find(|p| is_snapshot_file(p) && p.is_file())
}

fn is_snapshot_file(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == SNAPSHOT_EXTENSION)
}

/// A path the page sent, checked to name a snapshot file.
fn snapshot_path(path: &str) -> Result<PathBuf, CommandError> {
    let path = PathBuf::from(path.trim());
    if path.as_os_str().is_empty() {
        return Err(CommandError::invalid("choose a snapshot file first"));
    }
    if !path.is_absolute() {
        return Err(CommandError::invalid(format!(
            "{}: give the full path of the file",
            path.display()
        )));
    }
    if !is_snapshot_file(&path) {
        return Err(CommandError::invalid(format!(
            "{}: snapshot files end in .{SNAPSHOT_EXTENSION}",
            path.display()
        )));
    }
    Ok(path)
}

fn with_extension(mut path: PathBuf) -> PathBuf {
    if !is_snapshot_file(&path) {
        path.as_mut_os_string()
            .push(format!(".{SNAPSHOT_EXTENSION}"));
    }
    path
}

/// What to export.
#[derive(Debug, Clone, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct ExportRequest {
    /// Include the rendered TechDocs sites (an onboarding pack).
    pub with_docs: bool,
    /// What importers will see as its name (default: the data folder's owner and date).
    pub name: Option<String>,
}

/// How to import.
#[derive(Debug, Clone, Default, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct ImportRequest {
    /// Accept a snapshot older than the one imported before from the same publisher.
    pub allow_older: bool,
}

/// The snapshot file the app was opened with, once.
#[tauri::command]
pub fn launch_snapshot(app: AppHandle) -> Option<String> {
    let launched = app.state::<LaunchSnapshot>();
    let path = launched.0.lock().ok()?.take()?;
    Some(path.display().to_string())
}

/// Asks for a snapshot file to open; `None` when the person cancels.
#[tauri::command]
pub async fn pick_snapshot(app: AppHandle) -> Result<Option<String>, CommandError> {
    blocking(app, |app| {
        Ok(app
            .dialog()
            .file()
            .set_title("Open a Greenroom snapshot")
            .add_filter("Greenroom snapshot", &[SNAPSHOT_EXTENSION])
            .blocking_pick_file()
            .and_then(|p| p.into_path().ok())
            .map(|p| p.display().to_string()))
    })
    .await
}

/// Asks where to save an export, suggesting `suggested`; `None` when the person cancels.
#[tauri::command]
pub async fn pick_export_file(
    app: AppHandle,
    suggested: String,
) -> Result<Option<String>, CommandError> {
    blocking(app, move |app| {
        Ok(app
            .dialog()
            .file()
            .set_title("Export the catalog")
            .set_file_name(&suggested)
            .add_filter("Greenroom snapshot", &[SNAPSHOT_EXTENSION])
            .blocking_save_file()
            .and_then(|p| p.into_path().ok())
            .map(|p| with_extension(p).display().to_string()))
    })
    .await
}

/// Where an export goes unless the person chooses: the downloads (else home) folder.
#[tauri::command]
pub fn default_export_folder(app: AppHandle) -> Option<String> {
    let paths = app.path();
    paths
        .download_dir()
        .ok()
        .filter(|d| d.is_dir())
        .or_else(|| paths.home_dir().ok())
        .map(|d| d.display().to_string())
}

/// Checks a file without importing it: structure, checksums, signature, entities.
#[tauri::command]
pub async fn inspect_snapshot_file(
    app: AppHandle,
    path: String,
) -> Result<SnapshotInfo, CommandError> {
    blocking(app, move |_| {
        Ok(inspect_snapshot(&snapshot_path(&path)?, &[])?)
    })
    .await
}

/// Imports a file as its own source, streaming progress over the channel. Nothing is
/// written unless the whole file checks out.
#[tauri::command]
pub async fn import_snapshot(
    app: AppHandle,
    path: String,
    request: ImportRequest,
    on_progress: Channel<SnapshotProgress>,
) -> Result<ImportReport, CommandError> {
    blocking(app, move |app| {
        let path = snapshot_path(&path)?;
        let options = ImportOptions {
            allow_older: request.allow_older,
            ..ImportOptions::default()
        };
        let catalogs = app.state::<Catalogs>();
        let mut writer = catalogs.writer()?;
        let report = writer.import_snapshot(&path, &options, &|event| {
            let _ = on_progress.send(event);
        })?;
        drop(writer);
        // The window has its summary; the write-ahead log is copied into the database after.
        let later = app.clone();
        tauri::async_runtime::spawn_blocking(move || {
            if let Ok(writer) = later.state::<Catalogs>().writer()
                && let Err(e) = writer.catalog().checkpoint()
            {
                eprintln!("greenroom: the catalog was not checkpointed after the import: {e}");
            }
        });
        Ok(report)
    })
    .await
}

/// Exports the catalog to `path` (a `.greenroom` file; written to a temporary file, then
/// renamed), streaming progress over the channel.
#[tauri::command]
pub async fn export_snapshot(
    app: AppHandle,
    path: String,
    request: ExportRequest,
    on_progress: Channel<SnapshotProgress>,
) -> Result<ExportReport, CommandError> {
    blocking(app, move |app| {
        let out = snapshot_path(&path)?;
        let options = ExportOptions {
            with_docs: request.with_docs,
            name: request
                .name
                .map(|n| n.trim().to_owned())
                .filter(|n| !n.is_empty()),
            ..ExportOptions::default()
        };
        app.state::<Catalogs>().read(|g| {
            g.export_snapshot(&out, &options, &|event| {
                let _ = on_progress.send(event);
            })
        })
    })
    .await
}

/// The imported snapshots with their age, signer and subscription.
#[tauri::command]
pub async fn list_snapshots(app: AppHandle) -> Result<Vec<SnapshotSource>, CommandError> {
    blocking(app, |app| {
        app.state::<Catalogs>().read(|g| g.snapshot_sources())
    })
    .await
}

/// Chooses which side wins when a snapshot and the person's own sources define the same
/// entity: `true` makes the snapshot win.
#[tauri::command]
pub async fn set_snapshot_wins(
    app: AppHandle,
    source_id: i64,
    wins: bool,
) -> Result<SourceRecord, CommandError> {
    blocking(app, move |app| {
        let catalogs = app.state::<Catalogs>();
        let mut writer = catalogs.writer()?;
        let priority = if wins {
            WINS_OVER_LOCAL
        } else {
            SNAPSHOT_PRIORITY
        };
        let record = writer.catalog().find_source(&source_id.to_string())?;
        if record.kind != SourceKind::Snapshot {
            return Err(CommandError::invalid(format!(
                "{} is not a snapshot",
                record.name
            )));
        }
        writer
            .catalog_mut()
            .set_source_priority(source_id, priority)?;
        Ok(writer.catalog().find_source(&source_id.to_string())?)
    })
    .await
}

/// Whether an entity's repository is on this machine, and its clone URL when it is not.
#[tauri::command]
pub async fn entity_repository(
    app: AppHandle,
    key: String,
) -> Result<RepoAvailability, CommandError> {
    blocking(app, move |app| {
        app.state::<Catalogs>().read(|g| g.repository_of(&key))
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_app_opens_the_first_existing_greenroom_file_among_its_arguments() {
        let dir = tempfile::tempdir().expect("dir");
        let file = dir.path().join("team.greenroom");
        std::fs::write(&file, b"x").expect("write");
        let other = dir.path().join("notes.txt");
        std::fs::write(&other, b"x").expect("write");
        let missing = dir.path().join("gone.greenroom");
        let launched = LaunchSnapshot::from_args(
            [&other, &missing, &file].map(|p| p.clone().into_os_string()),
        );
        assert_eq!(*launched.0.lock().expect("lock"), Some(file));
        let none = LaunchSnapshot::from_args([other.into_os_string()]);
        assert!(none.0.lock().expect("lock").is_none());
    }

    #[test]
    fn only_full_paths_of_greenroom_files_are_read_or_written() {
        assert!(snapshot_path("/home/ada/team.greenroom").is_ok());
        for refused in ["", "team.greenroom", "/home/ada/.bashrc", "/etc/passwd"] {
            let error = snapshot_path(refused).expect_err(refused);
            assert!(!error.message.is_empty());
        }
        assert_eq!(
            with_extension(PathBuf::from("/tmp/team")),
            PathBuf::from("/tmp/team.greenroom")
        );
        assert_eq!(
            with_extension(PathBuf::from("/tmp/team.greenroom")),
            PathBuf::from("/tmp/team.greenroom")
        );
    }
}
