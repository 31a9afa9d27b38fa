//! What a working tree has checked out: commit, branch and origin URL.
//!
//! Reading `.git/HEAD` and the ref it names takes two small file reads, which keeps a
//! re-index of a thousand unchanged repositories fast; anything unusual (worktrees,
//! submodules, damaged files) goes through libgit2, which also diagnoses damage.

use std::fs;
use std::path::Path;

/// The checked-out state of a repository.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RepoHead {
    /// The commit, `None` before the first commit.
    pub commit: Option<String>,
    /// The branch, `None` when detached.
    pub branch: Option<String>,
}

/// Reads a repository's head. An `Err` says what is damaged.
pub fn read_head(repo: &Path) -> Result<RepoHead, String> {
    match fast_head(repo) {
        Some(head) => Ok(head),
        None => libgit2_head(repo),
    }
}

fn fast_head(repo: &Path) -> Option<RepoHead> {
    let git = repo.join(".git");
    if !fs::symlink_metadata(&git).ok()?.is_dir() {
        return None; // A worktree or submodule: `.git` is a file pointing elsewhere.
    }
    let head = fs::read_to_string(git.join("HEAD")).ok()?;
    let head = head.trim_end();
    if let Some(reference) = head.strip_prefix("ref: ") {
        let branch = reference.strip_prefix("refs/heads/")?.to_owned();
        let commit = match fs::read_to_string(git.join(reference)) {
            Ok(text) => Some(valid_oid(text.trim())?.to_owned()),
            Err(_) => packed_ref(&git, reference)?,
        };
        return Some(RepoHead {
            commit,
            branch: Some(branch),
        });
    }
    Some(RepoHead {
        commit: Some(valid_oid(head)?.to_owned()),
        branch: None,
    })
}

/// The ref's commit from `packed-refs`; `Some(None)` when the branch has no commit yet.
fn packed_ref(git: &Path, reference: &str) -> Option<Option<String>> {
    let packed = match fs::read_to_string(git.join("packed-refs")) {
        Ok(text) => text,
        Err(_) => return objects_exist(git).then_some(None),
    };
    for line in packed.lines() {
        if let Some((oid, name)) = line.split_once(' ')
            && name == reference
        {
            return Some(Some(valid_oid(oid)?.to_owned()));
        }
    }
    objects_exist(git).then_some(None)
}

fn objects_exist(git: &Path) -> bool {
    git.join("objects").is_dir()
}

fn valid_oid(text: &str) -> Option<&str> {
    (matches!(text.len(), 40 | 64) && text.bytes().all(|b| b.is_ascii_hexdigit())).then_some(text)
}

/// The URL of the repository's `origin` remote, if it has one.
pub fn remote_url(repo: &Path) -> Option<String> {
    match fs::read_to_string(repo.join(".git/config")) {
        Ok(config) => origin_url(&config),
        Err(_) => git2::Repository::open(repo)
            .ok()?
            .find_remote("origin")
            .ok()?
            .url()
            .ok()
            .map(str::to_owned),
    }
}

/// `url` of `[remote "origin"]` in a Git config file.
fn origin_url(config: &str) -> Option<String> {
    let mut in_origin = false;
    for line in config.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_origin = line == "[remote \"origin\"]";
        } else if in_origin
            && let Some((key, value)) = line.split_once('=')
            && key.trim() == "url"
        {
            return Some(value.trim().to_owned());
        }
    }
    None
}

fn libgit2_head(repo: &Path) -> Result<RepoHead, String> {
    let damaged = |e: git2::Error| format!("{} ({})", e.message(), repo.display());
    let git = git2::Repository::open(repo).map_err(damaged)?;
    match git.head() {
        Ok(head) => Ok(RepoHead {
            commit: head.target().map(|oid| oid.to_string()),
            branch: head
                .is_branch()
                .then(|| head.shorthand().ok().map(str::to_owned))
                .flatten(),
        }),
        Err(e) if e.code() == git2::ErrorCode::UnbornBranch => {
            let branch = git.find_reference("HEAD").ok().and_then(|h| {
                h.symbolic_target()
                    .ok()
                    .flatten()
                    .and_then(|t| t.strip_prefix("refs/heads/"))
                    .map(str::to_owned)
            });
            Ok(RepoHead {
                commit: None,
                branch,
            })
        }
        Err(e) => Err(damaged(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origin_url_is_read_from_the_remote_section() {
        let config = "[core]\n\turl = nope\n[remote \"upstream\"]\n\turl = https://a\n[remote \"origin\"]\n\turl = git@host:org/repo.git\n";
        assert_eq!(origin_url(config).as_deref(), Some("git@host:org/repo.git"));
        assert_eq!(origin_url("[core]\n"), None);
    }
}
