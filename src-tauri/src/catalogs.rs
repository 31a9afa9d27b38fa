//! The open catalog: one writer (indexing, sources) and a few read-only connections, so
//! that the window keeps answering while an index runs (WAL readers never wait).

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use greenroom::Greenroom;

use crate::error::CommandError;

/// How many queries may run at once (the list and its facet counts are asked together).
const READERS: usize = 3;

/// The catalog connections of the window.
pub struct Catalogs {
    dir: PathBuf,
    writer: Mutex<Greenroom>,
    readers: Vec<Mutex<Greenroom>>,
}

impl Catalogs {
    /// Opens the data folder (creating its catalog if needed).
    pub fn open(dir: &Path) -> Result<Catalogs, greenroom::Error> {
        let writer = Greenroom::open(dir)?;
        let readers = (0..READERS)
            .map(|_| Greenroom::open_read_only(dir).map(Mutex::new))
            .collect::<Result<_, _>>()?;
        Ok(Catalogs {
            dir: dir.to_owned(),
            writer: Mutex::new(writer),
            readers,
        })
    }

    /// The data folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Runs a query on a free reader (or waits for the first one).
    pub fn read<T>(
        &self,
        query: impl FnOnce(&Greenroom) -> Result<T, greenroom::Error>,
    ) -> Result<T, CommandError> {
        for reader in &self.readers {
            if let Ok(guard) = reader.try_lock() {
                return Ok(query(&guard)?);
            }
        }
        let guard = self.readers[0].lock().map_err(|_| {
            CommandError::internal("a catalog query failed earlier; restart Greenroom")
        })?;
        Ok(query(&guard)?)
    }

    /// The writer, for indexing and source changes; waits for a running index.
    pub fn writer(&self) -> Result<MutexGuard<'_, Greenroom>, CommandError> {
        self.writer
            .lock()
            .map_err(|_| CommandError::internal("an index failed earlier; restart Greenroom"))
    }
}
