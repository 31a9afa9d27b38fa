//! Repository files held in memory, to load large catalogs without a slow disk.

use std::collections::BTreeMap;

use greenroom_catalog::descriptor::{FileError, RepoFiles};

/// A repository's files by path.
pub struct MemoryFiles {
    pub files: BTreeMap<String, String>,
}

impl RepoFiles for MemoryFiles {
    fn read(&self, path: &str, max_bytes: u64) -> Result<Vec<u8>, FileError> {
        let text = self
            .files
            .get(path)
            .ok_or_else(|| FileError::NotFound(path.to_owned()))?;
        if text.len() as u64 > max_bytes {
            return Err(FileError::TooLarge {
                path: path.to_owned(),
                size: text.len() as u64,
                limit: max_bytes,
            });
        }
        Ok(text.as_bytes().to_vec())
    }

    fn glob(&self, pattern: &str) -> Result<Vec<String>, FileError> {
        let glob = globset::Glob::new(pattern)
            .map_err(|e| FileError::Io {
                path: pattern.to_owned(),
                reason: e.to_string(),
            })?
            .compile_matcher();
        Ok(self
            .files
            .keys()
            .filter(|p| glob.is_match(p))
            .cloned()
            .collect())
    }
}
