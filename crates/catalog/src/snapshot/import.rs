//! Turning a checked snapshot into what an index of a source would give: repositories with
//! their descriptor files, every entity validated as if read from a repository.

use std::borrow::Borrow;
use std::sync::mpsc::{Sender, channel};

use rayon::prelude::*;

use super::content::SnapshotRepo;
use super::{CatalogSection, Snapshot, SnapshotError};
use crate::descriptor::{JsonDocument, read_json_documents};
use crate::problem::Problem;
use crate::store::{RepoContent, RepoIndex, prepare_stored};

impl Snapshot {
    /// The snapshot's repositories as an index of one source would give them. Entities that
    /// do not pass validation are left out and reported as errors of their file, as when a
    /// repository is read.
    pub fn repo_indexes(&self) -> Vec<RepoIndex> {
        self.catalog.repos.par_iter().map(repo_index).collect()
    }

    /// How many entities pass validation, and the errors of those that do not (for
    /// `snapshot inspect`, which imports nothing).
    pub fn validation_summary(&self) -> (usize, Vec<String>) {
        let repos = self.repo_indexes();
        let mut valid = 0;
        let mut errors = Vec::new();
        for repo in &repos {
            let RepoContent::Read { files, .. } = &repo.content else {
                continue;
            };
            let original = self.catalog.repos.iter().find(|r| r.path == repo.path);
            for file in files {
                valid += file.entities.len();
                let known = original
                    .and_then(|r| r.files.iter().find(|f| f.path == file.path))
                    .map_or(0, |f| f.problems.len());
                for problem in file
                    .problems
                    .iter()
                    .skip(known)
                    .filter(|p| p.problem.is_error())
                {
                    errors.push(format!("{}/{}: {}", repo.name, file.path, problem.problem));
                }
            }
        }
        (valid, errors)
    }
}

impl CatalogSection {
    /// Parses the section and validates its repositories up to `size` at a time, in the
    /// snapshot's order, and hands each chunk to `take` (which returns false to stop), with
    /// the stored form of every entity made (so that a writer takes them as they are).
    /// Parsing and validation run on every core but one, which is left to the writer taking
    /// the chunks: on a machine with few cores, a writer that shares its core with
    /// validation waits for it.
    ///
    /// Returns as [`CatalogSection::stream`] does: the source-wide problems once the whole
    /// section checked out, `None` if `take` stopped, or why the section is refused, which
    /// may come after chunks were handed out (a writer must then drop what it took). Returns
    /// once every repository handed out was dropped: each comes back to be freed here (see
    /// [`ValidatedRepo`]).
    pub fn validate_chunks(
        &self,
        size: usize,
        mut take: impl FnMut(Vec<ValidatedRepo>) -> bool + Send,
    ) -> Result<Option<Vec<Problem>>, SnapshotError> {
        let mut run = || {
            let (back, returned) = channel();
            let mut pending = Vec::new();
            // The first chunks are small, so that the writer starts at once.
            let mut next = 1;
            let mut hand_out = |pending: &mut Vec<SnapshotRepo>| {
                let chunk = std::mem::take(pending)
                    .into_par_iter()
                    .map(|r| ValidatedRepo {
                        repo: Some(stored(repo_index(&r))),
                        back: back.clone(),
                    })
                    .collect();
                let going = take(chunk);
                returned.try_iter().for_each(drop);
                going
            };
            let mut streamed = self.stream(|repo| {
                pending.push(repo);
                if pending.len() < next {
                    return true;
                }
                next = (next * 2).min(size.max(1));
                hand_out(&mut pending)
            });
            if matches!(streamed, Ok(Some(_))) && !pending.is_empty() && !hand_out(&mut pending) {
                streamed = Ok(None);
            }
            drop(back);
            returned.into_iter().for_each(drop);
            streamed
        };
        let threads =
            std::thread::available_parallelism().map_or(1, |n| n.get().saturating_sub(1).max(1));
        match rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .thread_name(|i| format!("validate-{i}"))
            .build()
        {
            Ok(pool) => pool.install(run),
            Err(_) => run(),
        }
    }
}

/// A validated repository on its way to the writer. Dropped, it goes back to the thread
/// that validated it, to be freed there: the allocator frees memory from another thread
/// through a list its owner must collect, and the writer is what an import waits for.
pub struct ValidatedRepo {
    repo: Option<RepoIndex>,
    back: Sender<RepoIndex>,
}

impl Borrow<RepoIndex> for ValidatedRepo {
    fn borrow(&self) -> &RepoIndex {
        self.repo
            .as_ref()
            .expect("a validated repository is only taken when dropped")
    }
}

impl Drop for ValidatedRepo {
    fn drop(&mut self) {
        if let Some(repo) = self.repo.take() {
            // Once validation has stopped, it is freed here instead.
            let _ = self.back.send(repo);
        }
    }
}

fn repo_index(repo: &SnapshotRepo) -> RepoIndex {
    let files: Vec<_> = repo
        .files
        .iter()
        .map(|file| {
            let documents: Vec<JsonDocument<'_>> = file
                .entities
                .iter()
                .map(|e| JsonDocument {
                    document: e.document,
                    line: e.line,
                    json: e.entity.get(),
                })
                .collect();
            read_json_documents(&file.path, &documents, file.problems.clone())
        })
        .collect();
    let mut fingerprint = blake3::Hasher::new();
    for file in &files {
        fingerprint.update(file.path.as_bytes());
        fingerprint.update(file.content_hash.as_bytes());
    }
    RepoIndex {
        path: repo.path.clone(),
        name: repo.name.clone(),
        head: repo.head.clone(),
        branch: repo.branch.clone(),
        remote_url: repo.remote_url.clone(),
        location: repo.location.clone(),
        fingerprint: fingerprint.finalize().to_hex().to_string(),
        watch: "{}".to_owned(),
        content: RepoContent::Read {
            files,
            problems: repo.problems.clone(),
        },
    }
}

/// The repository with the stored form of each of its entities made.
fn stored(mut repo: RepoIndex) -> RepoIndex {
    if let RepoContent::Read { files, .. } = &mut repo.content {
        for file in files {
            let location = format!("{}{}", repo.location, file.path);
            for entity in &mut file.entities {
                // Left unmade on an error: the writer makes it, and reports the error.
                let _ = prepare_stored(entity, &location);
            }
        }
    }
    repo
}
