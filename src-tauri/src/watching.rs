//! Keeps the catalog in step with the folders while the window is open: a changed folder
//! is re-indexed (only what changed is read and written), and the change feed then tells
//! the interface.

use std::path::Path;
use std::sync::Mutex;
use std::time::Duration;

use greenroom::catalog::store::SourceKind;
use greenroom::watch::SourceWatcher;
use tauri::{AppHandle, Emitter, Manager};

use crate::catalogs::Catalogs;

/// How long a folder must be quiet before it is re-indexed.
const QUIET: Duration = Duration::from_millis(250);

/// The folder watcher of the window; absent when the system refused to watch.
pub struct Watching {
    watcher: Mutex<Option<SourceWatcher>>,
}

impl Watching {
    /// A watcher with nothing watched yet; [`watch_sources`] adds the sources' folders.
    pub fn start(app: &AppHandle) -> Watching {
        let handle = app.clone();
        let watcher = SourceWatcher::new(QUIET, move |sources| reindex(&handle, &sources))
            .map_err(|e| eprintln!("greenroom: folders are not watched: {e}"))
            .ok();
        Watching {
            watcher: Mutex::new(watcher),
        }
    }

    /// Watches a source's folder; a folder that cannot be watched is reported, not fatal.
    pub fn watch(&self, source_id: i64, folder: &Path) {
        if let Ok(mut guard) = self.watcher.lock()
            && let Some(watcher) = guard.as_mut()
            && let Err(e) = watcher.watch(source_id, folder)
        {
            eprintln!("greenroom: {} is not watched: {e}", folder.display());
        }
    }

    /// Stops watching a source's folder.
    pub fn unwatch(&self, source_id: i64) {
        if let Ok(mut guard) = self.watcher.lock()
            && let Some(watcher) = guard.as_mut()
        {
            watcher.unwatch(source_id);
        }
    }

    /// The ids of the watched sources.
    pub fn watched(&self) -> Vec<i64> {
        self.watcher
            .lock()
            .ok()
            .and_then(|guard| guard.as_ref().map(SourceWatcher::watched))
            .unwrap_or_default()
    }
}

/// Watches the folders of every folder source, in the background: setting up the watches
/// walks every folder, and the window should not wait for it. Call once [`Watching`] is
/// managed by the app.
pub fn watch_sources(app: AppHandle) {
    std::thread::spawn(move || {
        let sources = app
            .state::<Catalogs>()
            .read(|g| Ok(g.catalog().sources()?))
            .unwrap_or_default();
        for source in sources.iter().filter(|s| s.kind == SourceKind::Folder) {
            app.state::<Watching>()
                .watch(source.id, Path::new(&source.target));
        }
        crate::timing::since_start("watching");
    });
}

/// Re-indexes the sources whose folders changed, telling the interface it is busy.
fn reindex(app: &AppHandle, sources: &[i64]) {
    let catalogs = app.state::<Catalogs>();
    let Ok(mut writer) = catalogs.writer() else {
        return;
    };
    for id in sources {
        let result = writer.index(Some(&id.to_string()), &|progress| {
            let _ = app.emit("index-progress", progress);
        });
        if let Err(e) = result {
            eprintln!("greenroom: re-indexing source {id} after a change failed: {e}");
        }
    }
}
