//! Watching the folders of sources while the app runs, so that an edit to a descriptor
//! shows without any action: file system events are mapped to the sources whose folders
//! hold them and handed over in batches once the folder has been quiet for a moment
//! (saving a file in an editor makes several events; one re-index is enough).
//!
//! Each folder is watched on its own, skipping `.git`, dependency trees and the like: a
//! recursive watch would also watch every folder of every repository's object store, which
//! is slow to set up and soon exhausts the system's limit of watches.

use std::collections::{BTreeSet, HashMap};
use std::path::{Component, Path, PathBuf};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use notify::{EventKind, RecursiveMode, Watcher as _};

use crate::Error;

/// Folders whose changes never matter to the catalog: version-control internals (a commit
/// or checkout also changes the working tree, which is watched) and dependency trees.
const IGNORED_DIRS: [&str; 5] = [".git", "node_modules", "target", ".venv", "__pycache__"];

/// How long events may keep coming before a batch is handed over anyway, so that a
/// folder written to without pause still gets re-indexed.
const MAX_BATCH_WAIT: Duration = Duration::from_secs(2);

/// Most folders watched for one source; past it, deeper changes go unnoticed until the
/// next index.
const MAX_FOLDERS: usize = 100_000;

/// What the watcher and its event thread share.
struct Shared {
    watcher: notify::RecommendedWatcher,
    /// Each source's root folder.
    roots: Vec<(i64, PathBuf)>,
    /// The folders watched for each source.
    folders: HashMap<i64, Vec<PathBuf>>,
}

/// Watches the folders of sources and reports which sources changed.
pub struct SourceWatcher {
    shared: Arc<Mutex<Shared>>,
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
        let shared = Arc::new(Mutex::new(Shared {
            watcher,
            roots: Vec::new(),
            folders: HashMap::new(),
        }));
        // The thread holds a weak reference: dropping the watcher drops the event
        // sender, which ends the thread.
        let weak = Arc::downgrade(&shared);
        std::thread::Builder::new()
            .name("greenroom-watch".into())
            .spawn(move || batch_events(&receiver, &weak, quiet, &on_change))
            .map_err(|e| Error::Invalid(format!("cannot start the folder watcher: {e}")))?;
        Ok(SourceWatcher { shared })
    }

    /// Watches a source's folder and every folder under it that can hold descriptors.
    pub fn watch(&mut self, source_id: i64, folder: &Path) -> Result<(), Error> {
        let folder = std::fs::canonicalize(folder).map_err(|e| Error::io(folder, &e))?;
        self.unwatch(source_id);
        let folders = folders_under(&folder);
        let Ok(mut shared) = self.shared.lock() else {
            return Ok(());
        };
        shared.roots.push((source_id, folder));
        add_watches(&mut shared, source_id, folders)
    }

    /// Stops watching a source's folder; nothing happens if it was not watched.
    pub fn unwatch(&mut self, source_id: i64) {
        let Ok(mut shared) = self.shared.lock() else {
            return;
        };
        shared.roots.retain(|(id, _)| *id != source_id);
        for folder in shared.folders.remove(&source_id).unwrap_or_default() {
            let _ = shared.watcher.unwatch(&folder);
        }
    }

    /// The ids of the watched sources.
    pub fn watched(&self) -> Vec<i64> {
        self.shared
            .lock()
            .map(|shared| shared.roots.iter().map(|(id, _)| *id).collect())
            .unwrap_or_default()
    }
}

/// Watches `folders` for a source. Folders that vanished meanwhile are skipped; running
/// out of the system's watches is an error that says what to do.
fn add_watches(shared: &mut Shared, source_id: i64, folders: Vec<PathBuf>) -> Result<(), Error> {
    let mut added = Vec::with_capacity(folders.len());
    let mut result = Ok(());
    for folder in folders {
        match shared.watcher.watch(&folder, RecursiveMode::NonRecursive) {
            Ok(()) => added.push(folder),
            Err(e) if matches!(e.kind, notify::ErrorKind::MaxFilesWatch) => {
                result = Err(watch_error(e));
                break;
            }
            Err(_) => {}
        }
    }
    let watched = shared.folders.entry(source_id).or_default();
    watched.extend(added);
    if watched.len() > MAX_FOLDERS {
        watched.truncate(MAX_FOLDERS);
    }
    result
}

/// `root` and the folders under it, skipping ignored folders and symlinks (whose targets
/// may lie outside the source).
fn folders_under(root: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![root.to_owned()];
    while let Some(folder) = pending.pop() {
        if found.len() >= MAX_FOLDERS {
            break;
        }
        if let Ok(entries) = std::fs::read_dir(&folder) {
            for entry in entries.flatten() {
                let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
                let name = entry.file_name();
                if is_dir && !IGNORED_DIRS.iter().any(|d| name == *d) {
                    pending.push(entry.path());
                }
            }
        }
        found.push(folder);
    }
    found
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
    shared: &Weak<Mutex<Shared>>,
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
                let Some(state) = shared.upgrade() else {
                    return;
                };
                {
                    // Released before `on_change` runs, which may take a while.
                    let Ok(mut state) = state.lock() else { return };
                    for path in &event.paths {
                        let Some(id) = source_of(&state.roots, path) else {
                            continue;
                        };
                        pending.insert(id);
                        first_at.get_or_insert_with(Instant::now);
                        // A new folder (a new repository, say) is watched from now on.
                        if matches!(event.kind, EventKind::Create(_)) && path.is_dir() {
                            let _ = add_watches(&mut state, id, folders_under(path));
                        }
                    }
                }
                if first_at.is_some_and(|at| at.elapsed() >= MAX_BATCH_WAIT) {
                    on_change(std::mem::take(&mut pending).into_iter().collect());
                    first_at = None;
                }
            }
            // An error event (e.g. a queue overflow) may hide changes: re-read everything.
            Ok(Err(_)) => {
                let Some(state) = shared.upgrade() else {
                    return;
                };
                if let Ok(state) = state.lock() {
                    pending.extend(state.roots.iter().map(|(id, _)| *id));
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
