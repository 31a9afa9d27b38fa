//! `publish:*` run locally. A repository action makes the generated folder (or its
//! `sourcePath`) a Git repository on the default branch, with a first commit by Backstage's
//! default author and message and `origin` set to the URL the host would give; nothing is
//! pushed unless the user asks. A pull-request action commits the files on a new branch of a
//! local clone the user pointed at, or leaves a patch. Both return the outputs Backstage's
//! actions return, so later steps and output links resolve.

use std::fs;
use std::path::{Path, PathBuf};

use git2::build::TreeUpdateBuilder;
use git2::{FileMode, IndexAddOption, Oid, Repository, RepositoryInitOptions, Signature};

use super::{ActionCtx, Effect, Input, Published};
use crate::error::RunError;
use crate::expr::{RepoSpec, ScmKind, parse_repo_url};
use crate::glob::{EntryKind, list_tree};
use crate::run::Mode;

const DEFAULT_AUTHOR: (&str, &str) = ("Scaffolder", "scaffolder@backstage.io");
const DEFAULT_MESSAGE: &str = "initial commit";

/// The repository actions and the host kind each expects.
const REPO_ACTIONS: &[(&str, Option<ScmKind>)] = &[
    ("publish:github", Some(ScmKind::Github)),
    ("publish:gitlab", Some(ScmKind::Gitlab)),
    ("publish:azure", Some(ScmKind::Azure)),
    ("publish:bitbucket", None),
    ("publish:bitbucketCloud", Some(ScmKind::BitbucketCloud)),
    ("publish:bitbucketServer", Some(ScmKind::BitbucketServer)),
    ("publish:gerrit", Some(ScmKind::Gerrit)),
    ("publish:gitea", Some(ScmKind::Gitea)),
];

const CHANGE_ACTIONS: &[&str] = &[
    "publish:github:pull-request",
    "publish:gitlab:merge-request",
    "publish:bitbucketServer:pull-request",
    "publish:bitbucketCloud:pull-request",
    "publish:gerrit:review",
];

/// Repository inputs that only mean something to the host's API.
const HOST_ONLY_INPUTS: &[&str] = &[
    "description",
    "homepage",
    "access",
    "repoVisibility",
    "topics",
    "collaborators",
    "protectDefaultBranch",
    "protectEnforceAdmins",
    "requireCodeOwnerReviews",
    "requiredStatusCheckContexts",
    "deleteBranchOnMerge",
    "allowMergeCommit",
    "allowSquashMerge",
    "allowRebaseMerge",
    "allowAutoMerge",
    "hasWiki",
    "hasIssues",
    "hasProjects",
    "repoVariables",
    "secrets",
    "settings",
    "branches",
    "projectVariables",
    "enabled",
];

pub(super) fn is_publish(action: &str) -> bool {
    REPO_ACTIONS.iter().any(|(a, _)| *a == action) || CHANGE_ACTIONS.contains(&action)
}

/// A commit to make on a new branch of the user's clone.
#[derive(Debug, Clone)]
pub(crate) struct PullRequest {
    pub clone: PathBuf,
    pub branch: String,
    pub base: Option<String>,
    /// The files, relative to the generated folder.
    pub source: PathBuf,
    /// Where they go in the repository.
    pub target_path: String,
    pub message: String,
    pub author: (String, String),
}

pub(super) fn run(input: &Input<'_>, ctx: &mut ActionCtx<'_>) -> Result<(), RunError> {
    let action = input.action;
    let repo_url = input.required_str("repoUrl")?;
    let spec = parse_repo_url(repo_url, &ctx.options.integrations).map_err(|e| input.error(e))?;
    if CHANGE_ACTIONS.contains(&action) {
        return change_request(action, input, &spec, ctx);
    }
    let expected = REPO_ACTIONS
        .iter()
        .find(|(a, _)| *a == action)
        .and_then(|(_, k)| *k);
    if let (Some(expected), Some(kind)) = (expected, spec.kind)
        && expected != kind
    {
        return Err(input.error(format!(
            "{} is not a {expected:?} host; check repoUrl or the integrations",
            spec.host
        )));
    }
    let kind = spec.kind.unwrap_or(ScmKind::Github);
    let default_branch = input.str("defaultBranch")?.unwrap_or(match kind {
        ScmKind::Github | ScmKind::Gitea => "main",
        _ => "master",
    });
    let urls = repo_urls(kind, &spec, default_branch);
    let ignored: Vec<&str> = HOST_ONLY_INPUTS
        .iter()
        .copied()
        .filter(|k| input.map.contains_key(*k))
        .collect();
    if !ignored.is_empty() {
        ctx.log(format!(
            "Not applied locally (they configure the host): {}",
            ignored.join(", ")
        ));
    }
    let (source, relative) = source_dir(input, ctx)?;
    let commit_hash = if ctx.mode == Mode::DryRun {
        ctx.log(format!(
            "Dry run: would initialise a repository on {default_branch} with origin {}",
            urls.clone_url
        ));
        "dry-run".to_owned()
    } else {
        let message = input.str("gitCommitMessage")?.unwrap_or(DEFAULT_MESSAGE);
        let author = author_of(input)?;
        let author = (author.0.as_str(), author.1.as_str());
        fs::create_dir_all(&source).map_err(|e| RunError::io(&source, e))?;
        let oid = init_and_commit(&source, default_branch, message, author, &urls.clone_url)?;
        ctx.log(format!(
            "Initialised a Git repository on {default_branch} with commit {oid}; origin is {} (not pushed)",
            urls.clone_url
        ));
        if ctx.options.push && ctx.mode == Mode::Run {
            ctx.effects.push(Effect::Push {
                repo: relative.clone(),
                branch: default_branch.to_owned(),
            });
        }
        oid.to_string()
    };
    ctx.published.push(Published {
        repo_contents_url: urls.repo_contents_url.clone(),
        dir: relative,
    });
    ctx.output("remoteUrl", urls.remote_url);
    ctx.output("repoContentsUrl", urls.repo_contents_url);
    ctx.output("commitHash", commit_hash);
    Ok(())
}

struct RepoUrls {
    /// The `remoteUrl` output.
    remote_url: String,
    /// What `origin` is set to.
    clone_url: String,
    repo_contents_url: String,
}

/// The URLs each host's action returns for a new repository.
fn repo_urls(kind: ScmKind, spec: &RepoSpec, branch: &str) -> RepoUrls {
    let host = &spec.host;
    let owner = spec.owner.as_deref().unwrap_or_default();
    let repo = &spec.repo;
    match kind {
        ScmKind::Github => RepoUrls {
            remote_url: format!("https://{host}/{owner}/{repo}.git"),
            clone_url: format!("https://{host}/{owner}/{repo}.git"),
            repo_contents_url: format!("https://{host}/{owner}/{repo}/blob/{branch}"),
        },
        ScmKind::Gitlab => RepoUrls {
            remote_url: format!("https://{host}/{owner}/{repo}"),
            clone_url: format!("https://{host}/{owner}/{repo}.git"),
            repo_contents_url: format!("https://{host}/{owner}/{repo}/-/blob/{branch}"),
        },
        ScmKind::Azure => {
            let org = spec.organization.as_deref().unwrap_or_default();
            let project = spec.project.as_deref().unwrap_or_default();
            let url = format!("https://{host}/{org}/{project}/_git/{repo}");
            RepoUrls {
                remote_url: url.clone(),
                clone_url: url.clone(),
                repo_contents_url: url,
            }
        }
        ScmKind::BitbucketCloud => {
            let workspace = spec.workspace.as_deref().unwrap_or_default();
            RepoUrls {
                remote_url: format!("https://{host}/{workspace}/{repo}.git"),
                clone_url: format!("https://{host}/{workspace}/{repo}.git"),
                repo_contents_url: format!("https://{host}/{workspace}/{repo}/src/{branch}"),
            }
        }
        ScmKind::BitbucketServer => {
            let project = spec.project.as_deref().unwrap_or_default();
            RepoUrls {
                remote_url: format!("https://{host}/scm/{project}/{repo}.git"),
                clone_url: format!("https://{host}/scm/{project}/{repo}.git"),
                repo_contents_url: format!("https://{host}/projects/{project}/repos/{repo}/browse"),
            }
        }
        ScmKind::Gerrit => RepoUrls {
            remote_url: format!("https://{host}/a/{repo}"),
            clone_url: format!("https://{host}/a/{repo}"),
            repo_contents_url: format!(
                "https://{host}/plugins/gitiles/{repo}/+/refs/heads/{branch}"
            ),
        },
        ScmKind::Gitea => RepoUrls {
            remote_url: format!("https://{host}/{owner}/{repo}.git"),
            clone_url: format!("https://{host}/{owner}/{repo}.git"),
            repo_contents_url: format!("https://{host}/{owner}/{repo}/src/branch/{branch}/"),
        },
    }
}

/// `git init -b <branch>`, add everything (honouring .gitignore), commit, set `origin`.
fn init_and_commit(
    dir: &Path,
    branch: &str,
    message: &str,
    author: (&str, &str),
    remote: &str,
) -> Result<Oid, RunError> {
    let mut options = RepositoryInitOptions::new();
    options.initial_head(branch);
    let repo = Repository::init_opts(dir, &options)?;
    let mut index = repo.index()?;
    index.add_all(["*"], IndexAddOption::DEFAULT, None)?;
    index.write()?;
    let tree = repo.find_tree(index.write_tree()?)?;
    let signature = Signature::now(author.0, author.1)?;
    let parent = repo.head().ok().and_then(|h| h.peel_to_commit().ok());
    let parents: Vec<&git2::Commit<'_>> = parent.iter().collect();
    let oid = repo.commit(
        Some("HEAD"),
        &signature,
        &signature,
        message,
        &tree,
        &parents,
    )?;
    if repo.find_remote("origin").is_ok() {
        repo.remote_set_url("origin", remote)?;
    } else {
        repo.remote("origin", remote)?;
    }
    Ok(oid)
}

fn change_request(
    action: &str,
    input: &Input<'_>,
    spec: &RepoSpec,
    ctx: &mut ActionCtx<'_>,
) -> Result<(), RunError> {
    let branch = input
        .str("branchName")?
        .or(input.str("sourceBranch")?)
        .unwrap_or("greenroom-scaffold")
        .to_owned();
    let target_branch = input.str("targetBranchName")?.map(str::to_owned);
    let title = input.str("title")?.unwrap_or("Changes from a template");
    let message = input.str("commitMessage")?.unwrap_or(title).to_owned();
    let (source, source_rel) = source_dir(input, ctx)?;
    let target_path = input
        .str("targetPath")?
        .unwrap_or("")
        .trim_matches('/')
        .to_owned();
    if target_path.split('/').any(|p| p == "..") || target_path.starts_with('/') {
        return Err(RunError::Unsafe(format!(
            "targetPath `{target_path}` leaves the repository"
        )));
    }
    let author = author_of(input)?;
    let key = repo_key(spec);
    let clone = ctx.options.local_clones.get(&key).cloned();
    let base_label = target_branch
        .clone()
        .unwrap_or_else(|| "the default branch".into());
    match (&clone, ctx.mode) {
        (Some(clone), Mode::Run) => {
            ctx.log(format!(
                "Will commit on a new branch `{branch}` of {} (from {base_label}) once the run succeeds",
                clone.display()
            ));
            ctx.effects.push(Effect::PullRequest(PullRequest {
                clone: clone.clone(),
                branch: branch.clone(),
                base: target_branch.clone(),
                source: source_rel,
                target_path: target_path.clone(),
                message,
                author,
            }));
        }
        (Some(clone), _) => ctx.log(format!(
            "Would commit on a new branch `{branch}` of {}",
            clone.display()
        )),
        (None, Mode::DryRun) => ctx.log(format!(
            "Would write a patch for {key}; no local clone was given"
        )),
        (None, _) => {
            let patch = patch_for(&source, &target_path, &author, &message)?;
            let name = format!(".greenroom/{}.patch", ctx.step_id);
            let file = ctx.workspace.resolve(&name, "patch")?;
            ctx.workspace.write_file(&file, patch.as_bytes(), None)?;
            ctx.log(format!(
                "No local clone of {key} was given: the change is in {name}; apply it in a clone with `git apply`"
            ));
        }
    }
    let host = &spec.host;
    let owner = owner_of(spec);
    let repo = &spec.repo;
    let target = target_branch.clone().unwrap_or_else(|| "main".into());
    match action {
        "publish:github:pull-request" => {
            ctx.output(
                "remoteUrl",
                format!("https://{host}/{owner}/{repo}/compare/{target}...{branch}"),
            );
            ctx.output("targetBranchName", branch);
        }
        "publish:gitlab:merge-request" => {
            ctx.output("projectid", format!("{owner}/{repo}"));
            ctx.output("projectPath", format!("{owner}/{repo}"));
            ctx.output("targetBranchName", branch.clone());
            ctx.output(
                "mergeRequestUrl",
                format!("https://{host}/{owner}/{repo}/-/merge_requests/new?merge_request%5Bsource_branch%5D={branch}"),
            );
        }
        "publish:gerrit:review" => {
            ctx.output("reviewUrl", format!("https://{host}/q/project:{repo}"));
            ctx.output(
                "repoContentsUrl",
                format!("https://{host}/plugins/gitiles/{repo}/+/refs/heads/{branch}"),
            );
        }
        _ => ctx.output(
            "pullRequestUrl",
            format!("https://{host}/{owner}/{repo}/pull-requests?at={branch}"),
        ),
    }
    Ok(())
}

/// How a user names the clone of a repository: `host/owner/repo`, lower-case.
pub(crate) fn repo_key(spec: &RepoSpec) -> String {
    format!("{}/{}/{}", spec.host, owner_of(spec), spec.repo).to_lowercase()
}

/// Who holds a repository: its owner, or the Bitbucket workspace or project.
fn owner_of(spec: &RepoSpec) -> &str {
    spec.owner
        .as_deref()
        .or(spec.workspace.as_deref())
        .or(spec.project.as_deref())
        .unwrap_or_default()
}

/// The step's `sourcePath` folder, absolute and relative to the workspace.
fn source_dir(input: &Input<'_>, ctx: &ActionCtx<'_>) -> Result<(PathBuf, PathBuf), RunError> {
    let source = ctx
        .workspace
        .resolve(input.str("sourcePath")?.unwrap_or(""), "sourcePath")?;
    let relative = source
        .strip_prefix(ctx.workspace.root())
        .unwrap_or(Path::new(""))
        .to_path_buf();
    Ok((source, relative))
}

/// `gitAuthorName`/`gitAuthorEmail`, or Backstage's default author.
fn author_of(input: &Input<'_>) -> Result<(String, String), RunError> {
    Ok((
        input
            .str("gitAuthorName")?
            .unwrap_or(DEFAULT_AUTHOR.0)
            .to_owned(),
        input
            .str("gitAuthorEmail")?
            .unwrap_or(DEFAULT_AUTHOR.1)
            .to_owned(),
    ))
}

/// A `git apply` patch adding the files under `source` at `target_path`.
fn patch_for(
    source: &Path,
    target_path: &str,
    author: &(String, String),
    message: &str,
) -> Result<String, RunError> {
    let scratch = tempfile::tempdir().map_err(|e| RunError::io(source, e))?;
    let repo = Repository::init_bare(scratch.path())?;
    let empty = repo.find_tree(repo.treebuilder(None)?.write()?)?;
    let mut builder = TreeUpdateBuilder::new();
    add_files(&repo, source, target_path, &mut builder)?;
    let tree = repo.find_tree(builder.create_updated(&repo, &empty)?)?;
    let diff = repo.diff_tree_to_tree(Some(&empty), Some(&tree), None)?;
    let mut text = format!(
        "From: {} <{}>\nSubject: {message}\n\n---\n",
        author.0, author.1
    );
    diff.print(git2::DiffFormat::Patch, |_, _, line| {
        if matches!(line.origin(), '+' | '-' | ' ') {
            text.push(line.origin());
        }
        text.push_str(&String::from_utf8_lossy(line.content()));
        true
    })?;
    Ok(text)
}

/// Adds every file under `source` to a tree update, at `prefix`.
fn add_files(
    repo: &Repository,
    source: &Path,
    prefix: &str,
    builder: &mut TreeUpdateBuilder,
) -> Result<(), RunError> {
    for entry in list_tree(source).map_err(|e| RunError::io(source, e))? {
        if entry.rel.starts_with(".git/")
            || entry.rel == ".git/"
            || entry.rel.starts_with(".greenroom/")
        {
            continue;
        }
        let path = if prefix.is_empty() {
            entry.rel.clone()
        } else {
            format!("{prefix}/{}", entry.rel)
        };
        match entry.kind {
            EntryKind::Dir => {}
            EntryKind::Symlink => {
                let target =
                    fs::read_link(&entry.path).map_err(|e| RunError::io(&entry.path, e))?;
                let oid = repo.blob(target.to_string_lossy().as_bytes())?;
                builder.upsert(path, oid, FileMode::Link);
            }
            EntryKind::File => {
                let bytes = fs::read(&entry.path).map_err(|e| RunError::io(&entry.path, e))?;
                let meta = fs::metadata(&entry.path).map_err(|e| RunError::io(&entry.path, e))?;
                let mode = if crate::workspace::mode_of(&meta) & 0o111 != 0 {
                    FileMode::BlobExecutable
                } else {
                    FileMode::Blob
                };
                builder.upsert(path, repo.blob(&bytes)?, mode);
            }
        }
    }
    Ok(())
}

/// Commits the generated files on a new branch of the user's clone, leaving its working
/// tree and current branch alone.
pub(crate) fn apply_pull_request(pr: &PullRequest, generated: &Path) -> Result<String, RunError> {
    let repo = Repository::open(&pr.clone).map_err(|e| {
        RunError::Git(format!(
            "{} is not a Git repository: {}",
            pr.clone.display(),
            e.message()
        ))
    })?;
    if repo
        .find_branch(&pr.branch, git2::BranchType::Local)
        .is_ok()
    {
        return Err(RunError::Git(format!(
            "the branch `{}` already exists in {}; choose another branchName",
            pr.branch,
            pr.clone.display()
        )));
    }
    let base = match &pr.base {
        Some(name) => repo
            .revparse_single(name)
            .or_else(|_| repo.revparse_single(&format!("origin/{name}")))
            .and_then(|o| o.peel_to_commit())
            .map_err(|_| {
                RunError::Git(format!(
                    "the branch `{name}` is not in {}",
                    pr.clone.display()
                ))
            })?,
        None => repo.head()?.peel_to_commit()?,
    };
    let mut builder = TreeUpdateBuilder::new();
    add_files(
        &repo,
        &generated.join(&pr.source),
        &pr.target_path,
        &mut builder,
    )?;
    let tree = repo.find_tree(builder.create_updated(&repo, &base.tree()?)?)?;
    let signature = Signature::now(&pr.author.0, &pr.author.1)?;
    let commit = repo.commit(None, &signature, &signature, &pr.message, &tree, &[&base])?;
    repo.branch(&pr.branch, &repo.find_commit(commit)?, false)?;
    Ok(format!(
        "committed {commit} on the new branch `{}` of {}",
        pr.branch,
        pr.clone.display()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::expr::Integrations;

    #[test]
    fn each_host_gets_the_urls_its_action_returns() {
        let integrations = Integrations::default()
            .with_host("bitbucket.example.com", ScmKind::BitbucketServer)
            .with_host("review.example.com", ScmKind::Gerrit)
            .with_host("gitea.example.com", ScmKind::Gitea);
        let cases = [
            (
                "github.com?owner=o&repo=r",
                "main",
                "https://github.com/o/r.git",
                "https://github.com/o/r/blob/main",
            ),
            (
                "gitlab.com?owner=g&repo=r",
                "master",
                "https://gitlab.com/g/r",
                "https://gitlab.com/g/r/-/blob/master",
            ),
            (
                "dev.azure.com?organization=org&project=p&repo=r",
                "master",
                "https://dev.azure.com/org/p/_git/r",
                "https://dev.azure.com/org/p/_git/r",
            ),
            (
                "bitbucket.org?workspace=w&project=p&repo=r",
                "master",
                "https://bitbucket.org/w/r.git",
                "https://bitbucket.org/w/r/src/master",
            ),
            (
                "bitbucket.example.com?project=P&repo=r",
                "master",
                "https://bitbucket.example.com/scm/P/r.git",
                "https://bitbucket.example.com/projects/P/repos/r/browse",
            ),
            (
                "review.example.com?repo=r",
                "master",
                "https://review.example.com/a/r",
                "https://review.example.com/plugins/gitiles/r/+/refs/heads/master",
            ),
            (
                "gitea.example.com?owner=o&repo=r",
                "main",
                "https://gitea.example.com/o/r.git",
                "https://gitea.example.com/o/r/src/branch/main/",
            ),
        ];
        for (url, branch, remote, contents) in cases {
            let spec = parse_repo_url(url, &integrations).expect("valid");
            let urls = repo_urls(spec.kind.expect("kind"), &spec, branch);
            assert_eq!(
                (urls.remote_url.as_str(), urls.repo_contents_url.as_str()),
                (remote, contents),
                "{url}"
            );
        }
    }
}
