//! Change detection without parsing: an index records every file it read (or found
//! missing) and every glob it expanded; the next index re-reads just those bytes and
//! re-expands those globs. If the fingerprint of that record is the same, nothing the
//! repository contributes can have changed.

use std::collections::BTreeMap;
use std::sync::Mutex;

use greenroom_catalog::descriptor::{FileError, RepoFiles};
use serde::{Deserialize, Serialize};

/// What an index of one repository read.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Watch {
    /// Every file read or looked for, by path.
    pub files: BTreeMap<String, FileMark>,
    /// Every glob expanded: pattern → the files it matched.
    pub globs: BTreeMap<String, Vec<String>>,
}

impl Watch {
    /// A short summary of the content; equal fingerprints mean equal content (file
    /// stamps are left out: touching a file changes nothing).
    pub fn fingerprint(&self) -> String {
        let mut hasher = blake3::Hasher::new();
        for (path, mark) in &self.files {
            hasher.update(path.as_bytes());
            hasher.update(b"\0");
            hasher.update(mark.state.as_deref().unwrap_or("-").as_bytes());
            hasher.update(b"\0");
        }
        for (pattern, found) in &self.globs {
            hasher.update(pattern.as_bytes());
            for path in found {
                hasher.update(b"\0");
                hasher.update(path.as_bytes());
            }
            hasher.update(b"\n");
        }
        hasher.finalize().to_hex().to_string()
    }

    /// Reads the same files and expands the same globs again, giving what the record
    /// looks like now. A file whose stamp did not change is not read again.
    pub fn refresh(&self, files: &dyn RepoFiles) -> Watch {
        let recorder = Recorder::new(files);
        for (path, mark) in &self.files {
            if mark.stamp.is_some()
                && files.stamp(path) == mark.stamp
                && let Ok(mut watch) = recorder.watch.lock()
            {
                watch.files.insert(path.clone(), mark.clone());
                continue;
            }
            let _ = recorder.read(path, mark.limit);
        }
        for pattern in self.globs.keys() {
            let _ = recorder.glob(pattern);
        }
        recorder.into_watch()
    }
}

/// What a read of one file gave.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileMark {
    /// Hash of the bytes; for a file that could not be read, what was wrong; `None` when
    /// the file did not exist.
    pub state: Option<String>,
    /// The size limit of the read, so that a refresh reads under the same limit.
    pub limit: u64,
    /// The file's stamp before it was read (see [`RepoFiles::stamp`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stamp: Option<String>,
}

/// A [`RepoFiles`] that remembers what passed through it.
pub struct Recorder<'a> {
    inner: &'a dyn RepoFiles,
    watch: Mutex<Watch>,
}

impl<'a> Recorder<'a> {
    /// Records what is read through `inner`.
    pub fn new(inner: &'a dyn RepoFiles) -> Self {
        Recorder {
            inner,
            watch: Mutex::new(Watch::default()),
        }
    }

    /// What was recorded.
    pub fn into_watch(self) -> Watch {
        self.watch
            .into_inner()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl RepoFiles for Recorder<'_> {
    fn read(&self, path: &str, max_bytes: u64) -> Result<Vec<u8>, FileError> {
        // Stamped before reading: a change during the read shows as a new stamp next time.
        let stamp = self.inner.stamp(path);
        let result = self.inner.read(path, max_bytes);
        let state = match &result {
            Ok(bytes) => Some(blake3::hash(bytes).to_hex().to_string()),
            Err(FileError::NotFound(_)) => None,
            // Unreadable files are recorded by their error, so a fix is noticed.
            Err(e) => Some(format!("error: {e}")),
        };
        if let Ok(mut watch) = self.watch.lock() {
            watch.files.insert(
                path.to_owned(),
                FileMark {
                    state,
                    limit: max_bytes,
                    stamp,
                },
            );
        }
        result
    }

    fn glob(&self, pattern: &str) -> Result<Vec<String>, FileError> {
        let result = self.inner.glob(pattern);
        if let Ok(mut watch) = self.watch.lock() {
            watch
                .globs
                .insert(pattern.to_owned(), result.clone().unwrap_or_default());
        }
        result
    }

    fn display(&self, path: &str) -> String {
        self.inner.display(path)
    }
}
