//! Watching the folders of sources while the app runs, so that an edit to a descriptor
//! shows without any action: file system events are mapped to the sources whose folders
//! hold them and handed over in batches once the folder has been quiet for a moment
//! (saving a file in an editor makes several events; one re-index is enough).

use std::collections::BTreeSet;
use std::path::{Component, Path, PathBuf};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use notify::{EventKind, RecursiveMode, Watcher as _};

use crate::Error;

/// Folders whose changes never matter to the catalog: version-control internals (a commit
/// or checkout also changes the working tree, which is watched) and dependency trees.
const IGNORED_DIRS: [&str; 5] = [".git", "node_modules", "target", ".venv", "__pycache__"];

/// How long events may keep coming before a batch is handed over anyway, so that a
/// folder written to without pause still gets re-indexed.
const MAX_BATCH_WAIT: Duration = Duration::from_secs(2);

/// Watches the folders of sources and reports which sources changed.
pub struct SourceWatcher {
    watcher: notify::RecommendedWatcher,
    roots: Arc<Mutex<Vec<(i64, PathBuf)>>>,
}

impl SourceWatcher {
    /// Starts a watcher that calls `on_change` with the ids of the sources whose folders
    /// changed, once no relevant event came for `quiet`. It calls from its own thread,
    /// which ends when the watcher is dropped.
    pub fn new(
        quiet: Duration,
        on_change: impl Fn(Vec<i64>) + Send + 'static,
    ) -> Result<SourceWatcher, Error> {
        let (sender, receiver) = mpsc::channel::<notify::Result<notify::Event>>();
        let watcher = notify::recommended_watcher(sender).map_err(watch_error)?;
        let roots: Arc<Mutex<Vec<(i64, PathBuf)>>> = Arc::default();
        let batch_roots = Arc::clone(&roots);
        std::thread::Builder::new()
            .name("greenroom-watch".into())
            .spawn(move || batch_events(&receiver, &batch_roots, quiet, &on_change))
            .map_err(|e| Error::Invalid(format!("cannot start the folder watcher: {e}")))?;
        Ok(SourceWatcher { watcher, roots })
    }

    /// Watches a source's folder (and everything under it).
    pub fn watch(&mut self, source_id: i64, folder: &Path) -> Result<(), Error> {
        let folder = std::fs::canonicalize(folder).map_err(|e| Error::io(folder, &e))?;
        self.unwatch(source_id);
        self.watcher
            .watch(&folder, RecursiveMode::Recursive)
            .map_err(watch_error)?;
        if let Ok(mut roots) = self.roots.lock() {
            roots.push((source_id, folder));
        }
        Ok(())
    }

    /// Stops watching a source's folder; nothing happens if it was not watched.
    pub fn unwatch(&mut self, source_id: i64) {
        let removed: Vec<PathBuf> = match self.roots.lock() {
            Ok(mut roots) => {
                let (gone, kept) = roots.drain(..).partition(|(id, _)| *id == source_id);
                *roots = kept;
                gone.into_iter().map(|(_, path)| path).collect()
            }
            Err(_) => Vec::new(),
        };
        for path in removed {
            let _ = self.watcher.unwatch(&path);
        }
    }

    /// The ids of the watched sources.
    pub fn watched(&self) -> Vec<i64> {
        self.roots
            .lock()
            .map(|roots| roots.iter().map(|(id, _)| *id).collect())
            .unwrap_or_default()
    }
}

fn watch_error(e: notify::Error) -> Error {
    let hint = match &e.kind {
        notify::ErrorKind::MaxFilesWatch => {
            "; the system's limit of watched folders is reached (raise fs.inotify.max_user_watches)"
        }
        _ => "",
    };
    Error::Invalid(format!("cannot watch the folder: {e}{hint}"))
}

/// Collects events into batches of source ids and hands each batch to `on_change`.
fn batch_events(
    receiver: &mpsc::Receiver<notify::Result<notify::Event>>,
    roots: &Mutex<Vec<(i64, PathBuf)>>,
    quiet: Duration,
    on_change: &dyn Fn(Vec<i64>),
) {
    let mut pending = BTreeSet::new();
    let mut first_at: Option<Instant> = None;
    loop {
        let event = if pending.is_empty() {
            receiver.recv().map_err(|_| RecvTimeoutError::Disconnected)
        } else {
            receiver.recv_timeout(quiet)
        };
        match event {
            Ok(Ok(event)) => {
                if !matters(&event.kind) {
                    continue;
                }
                let Ok(roots) = roots.lock() else { return };
                for path in &event.paths {
                    if let Some(id) = source_of(&roots, path) {
                        pending.insert(id);
                        first_at.get_or_insert_with(Instant::now);
                    }
                }
                drop(roots);
                if first_at.is_some_and(|at| at.elapsed() >= MAX_BATCH_WAIT) {
                    on_change(std::mem::take(&mut pending).into_iter().collect());
                    first_at = None;
                }
            }
            // An error event (e.g. a queue overflow) may hide changes: re-read everything.
            Ok(Err(_)) => {
                if let Ok(roots) = roots.lock() {
                    pending.extend(roots.iter().map(|(id, _)| *id));
                    first_at.get_or_insert_with(Instant::now);
                }
            }
            Err(RecvTimeoutError::Timeout) => {
                on_change(std::mem::take(&mut pending).into_iter().collect());
                first_at = None;
            }
            Err(RecvTimeoutError::Disconnected) => return,
        }
    }
}

/// Reads (access events) change nothing.
fn matters(kind: &EventKind) -> bool {
    !matches!(kind, EventKind::Access(_))
}

/// The source whose folder holds `path` (the deepest, when folders nest), unless the path
/// is in an ignored folder.
fn source_of(roots: &[(i64, PathBuf)], path: &Path) -> Option<i64> {
    roots
        .iter()
        .filter_map(|(id, root)| {
            let inside = path.strip_prefix(root).ok()?;
            let ignored = inside.components().any(|c| match c {
                Component::Normal(name) => IGNORED_DIRS.iter().any(|d| name == *d),
                _ => false,
            });
            (!ignored).then_some((root.components().count(), *id))
        })
        .max()
        .map(|(_, id)| id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_map_to_the_deepest_source_and_skip_ignored_folders() {
        let roots = vec![(1, PathBuf::from("/src")), (2, PathBuf::from("/src/team"))];
        assert_eq!(
            source_of(&roots, Path::new("/src/a/catalog-info.yaml")),
            Some(1)
        );
        assert_eq!(
            source_of(&roots, Path::new("/src/team/b/catalog-info.yaml")),
            Some(2)
        );
        assert_eq!(source_of(&roots, Path::new("/src/a/.git/index")), None);
        assert_eq!(
            source_of(&roots, Path::new("/src/a/node_modules/x/catalog-info.yaml")),
            None
        );
        assert_eq!(source_of(&roots, Path::new("/elsewhere/x.yaml")), None);
    }
}
