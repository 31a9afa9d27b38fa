//! Brings writes made elsewhere (the CLI, another window, the folder watcher) to the
//! interface: a thread reads the catalog's change feed a few times a second and emits one
//! `catalog-changed` event per batch of changes.

use std::path::Path;
use std::time::Duration;

use greenroom::Greenroom;
use tauri::{AppHandle, Emitter};

/// The event the interface listens to; its payload is a `ChangeBatch`.
pub const CATALOG_CHANGED: &str = "catalog-changed";
/// How often the feed is read; a read is one indexed `max()` query.
const POLL: Duration = Duration::from_millis(300);

/// Starts the feed thread over its own read-only connection.
pub fn start(app: AppHandle, dir: &Path) -> Result<(), greenroom::Error> {
    let reader = Greenroom::open_read_only(dir)?;
    let mut last = reader.catalog().latest_change()?;
    std::thread::Builder::new()
        .name("greenroom-feed".into())
        .spawn(move || {
            loop {
                std::thread::sleep(POLL);
                let Ok(latest) = reader.catalog().latest_change() else {
                    continue;
                };
                if latest == last {
                    continue;
                }
                match reader.catalog().changes_since(last) {
                    Ok(batch) => {
                        last = batch.latest;
                        if app.emit(CATALOG_CHANGED, batch).is_err() {
                            return; // The app is closing.
                        }
                    }
                    Err(e) => eprintln!("greenroom: reading the change feed failed: {e}"),
                }
            }
        })
        .map_err(|e| greenroom::Error::Invalid(format!("cannot start the change feed: {e}")))?;
    Ok(())
}
