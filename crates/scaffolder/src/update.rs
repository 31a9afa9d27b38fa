//! Updating a generated project to a newer template version, as copier does: render the
//! version the project came from and the new version with the recorded answers, and merge
//! the difference into the project through Git (three-way: base = old render, ours = the
//! project as committed, theirs = new render). Conflicts are left as markers in the files;
//! nothing is committed, so the change can be reviewed with `git diff` and undone with
//! `git checkout .`.
//!
//! The old render comes from the template's repository at the recorded commit when that is
//! available; otherwise from the render Greenroom recorded in the project's repository when
//! it was generated (`refs/greenroom/render/...`), which is how built-in templates update.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use git2::build::TreeUpdateBuilder;
use git2::{
    FileMode, MergeFileInput, MergeFileOptions, ObjectType, Oid, Repository, Signature, Tree,
};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::answers::{Answers, read_answers};
use crate::error::RunError;
use crate::glob::{EntryKind, list_tree};
use crate::run::{RunOptions, render_for_update};
use crate::template::{Template, TemplateVersion};
use crate::workspace::{mode_of, safe_child};

/// How an update runs.
#[derive(Debug, Clone, Default)]
pub struct UpdateOptions {
    /// Options of the renders (secrets the template needs again, integrations...).
    pub run: RunOptions,
    /// Answers to change or add (e.g. for questions the new version asks).
    pub values: Map<String, Value>,
}

/// What an update changed.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateOutcome {
    /// The project already had this version; nothing changed.
    pub up_to_date: bool,
    /// The version the project came from.
    pub from: TemplateVersion,
    /// The version it was updated to.
    pub to: TemplateVersion,
    /// Files changed cleanly.
    pub updated: Vec<String>,
    /// Files the new version adds.
    pub added: Vec<String>,
    /// Files the new version removes.
    pub deleted: Vec<String>,
    /// Files that need a person: markers in the file, or kept/restored with a note.
    pub conflicts: Vec<UpdateConflict>,
}

/// A file the update could not merge on its own.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateConflict {
    /// Path relative to the project.
    pub path: String,
    /// What happened and what to do.
    pub detail: String,
}

/// Updates the project in `project` to `template` (a newer version of the one it was
/// generated from).
pub fn update(
    project: &Path,
    template: &Template,
    options: &UpdateOptions,
) -> Result<UpdateOutcome, RunError> {
    let answers = read_answers(project)?;
    if answers.template_ref != template.entity_ref.key() {
        return Err(RunError::Update(format!(
            "this project was generated from {}, not {}",
            answers.template_ref,
            template.entity_ref.key()
        )));
    }
    let repo = Repository::discover(project).map_err(|_| {
        RunError::Update(format!(
            "{} is not in a Git repository; updates merge through Git: run `git init && git add -A && git commit` first",
            project.display()
        ))
    })?;
    let prefix = project_prefix(&repo, project)?;
    ensure_clean(&repo, &prefix)?;
    let head = repo.head().and_then(|h| h.peel_to_commit()).map_err(|_| {
        RunError::Update("the repository has no commit yet; commit the project first".into())
    })?;
    let same_version = answers.version.content_hash == template.version.content_hash
        || (answers.version.commit.is_some()
            && answers.version.commit == template.version.commit
            && !template.version.dirty);
    if same_version && options.values.is_empty() {
        return Ok(UpdateOutcome {
            up_to_date: true,
            from: answers.version.clone(),
            to: template.version.clone(),
            updated: Vec::new(),
            added: Vec::new(),
            deleted: Vec::new(),
            conflicts: Vec::new(),
        });
    }
    let mut values = answers.answers.clone();
    values.extend(options.values.clone());
    let values = Value::Object(values);

    let base_tree = old_render(&repo, &prefix, &answers, template, &values, &options.run)
        .map_err(explain_missing)?;
    let new_dir = tempfile::tempdir().map_err(|e| RunError::io(project, e))?;
    render_for_update(
        template,
        &values,
        new_dir.path(),
        &options.run,
        &template.version,
    )
    .map_err(explain_missing)?;
    let new_tree = tree_from_dir(&repo, new_dir.path())?;

    let ours = head.tree()?;
    let base = graft(&repo, &ours, &prefix, &repo.find_tree(base_tree)?)?;
    let theirs = graft(&repo, &ours, &prefix, &repo.find_tree(new_tree)?)?;
    let merged = repo.merge_trees(
        &repo.find_tree(base)?,
        &ours,
        &repo.find_tree(theirs)?,
        None,
    )?;
    let workdir = repo
        .workdir()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| project.to_path_buf());
    let mut outcome = apply(&repo, &workdir, &prefix, &ours, &merged)?;
    outcome.from = answers.version;
    outcome.to = template.version.clone();
    record_render(&repo, &prefix, new_tree)?;
    Ok(outcome)
}

/// Values the answers file cannot hold (secrets) or that a new version asks for.
fn explain_missing(err: RunError) -> RunError {
    match err {
        RunError::InvalidValues(problems) => RunError::Update(format!(
            "{}; secrets are not kept in the answers file and new questions have no answer yet: pass these values with the update",
            RunError::InvalidValues(problems)
        )),
        other => other,
    }
}

/// The project's folder relative to the repository's working tree (`/` separators).
fn project_prefix(repo: &Repository, project: &Path) -> Result<String, RunError> {
    let workdir = repo.workdir().ok_or_else(|| {
        RunError::Update("the repository is bare; update a checked-out project".into())
    })?;
    let workdir = workdir
        .canonicalize()
        .map_err(|e| RunError::io(workdir, e))?;
    let project = project
        .canonicalize()
        .map_err(|e| RunError::io(project, e))?;
    Ok(project
        .strip_prefix(&workdir)
        .unwrap_or(Path::new(""))
        .to_string_lossy()
        .replace('\\', "/"))
}

fn ensure_clean(repo: &Repository, prefix: &str) -> Result<(), RunError> {
    let mut options = git2::StatusOptions::new();
    options
        .include_untracked(true)
        .recurse_untracked_dirs(true)
        .include_ignored(false);
    if !prefix.is_empty() {
        options.pathspec(prefix);
    }
    let statuses = repo.statuses(Some(&mut options))?;
    let dirty: Vec<String> = statuses
        .iter()
        .filter_map(|s| s.path().ok().map(str::to_owned))
        .take(5)
        .collect();
    if dirty.is_empty() {
        return Ok(());
    }
    Err(RunError::Update(format!(
        "the project has uncommitted changes ({}); commit or stash them first so the update can be reviewed and undone",
        dirty.join(", ")
    )))
}

/// The render of the version the project came from, as a tree in `repo`.
fn old_render(
    repo: &Repository,
    prefix: &str,
    answers: &Answers,
    template: &Template,
    values: &Value,
    options: &RunOptions,
) -> Result<Oid, RunError> {
    if let Some(old) = old_template(answers, template)? {
        let dir = tempfile::tempdir().map_err(|e| RunError::io(&template.dir, e))?;
        render_for_update(&old.template, values, dir.path(), options, &answers.version)?;
        return tree_from_dir(repo, dir.path());
    }
    match repo.find_reference(&render_ref(prefix)) {
        Ok(reference) => Ok(reference.peel_to_tree()?.id()),
        Err(_) => Err(RunError::Update(format!(
            "the template version this project came from ({}) is not available: its commit is not in the template's repository and the project records no render; update by hand",
            answers
                .version
                .commit
                .as_deref()
                .unwrap_or(&answers.version.content_hash)
        ))),
    }
}

/// The template as it was at the recorded commit, extracted to a temporary folder.
struct OldTemplate {
    template: Template,
    _checkout: tempfile::TempDir,
}

fn old_template(answers: &Answers, template: &Template) -> Result<Option<OldTemplate>, RunError> {
    let (Some(commit), Some(path_in_repo)) =
        (&answers.version.commit, &answers.version.path_in_repo)
    else {
        return Ok(None);
    };
    let Ok(repo) = Repository::discover(&template.dir) else {
        return Ok(None);
    };
    let Ok(commit) = Oid::from_str(commit).and_then(|id| repo.find_commit(id)) else {
        return Ok(None);
    };
    let checkout = tempfile::tempdir().map_err(|e| RunError::io(&template.dir, e))?;
    extract_tree(&repo, &commit.tree()?, checkout.path())?;
    let root = checkout
        .path()
        .canonicalize()
        .map_err(|e| RunError::io(checkout.path(), e))?;
    let file_name = template
        .file
        .file_name()
        .map(PathBuf::from)
        .unwrap_or_else(|| "template.yaml".into());
    let file = root.join(path_in_repo).join(file_name);
    let Ok(found) = Template::load_file(&file) else {
        return Ok(None);
    };
    let Some(mut old) = found
        .into_iter()
        .find(|t| t.entity_ref.key() == answers.template_ref)
    else {
        return Ok(None);
    };
    old.repo_root = root;
    old.version = answers.version.clone();
    old.source = answers.source.clone();
    Ok(Some(OldTemplate {
        template: old,
        _checkout: checkout,
    }))
}

/// Writes a tree's files into a folder.
fn extract_tree(repo: &Repository, tree: &Tree<'_>, dir: &Path) -> Result<(), RunError> {
    fs::create_dir_all(dir).map_err(|e| RunError::io(dir, e))?;
    for entry in tree.iter() {
        let name = entry.name().unwrap_or_default();
        let path = safe_child(dir, name, "a file in the template's history")?;
        match entry.kind() {
            Some(ObjectType::Tree) => extract_tree(repo, &repo.find_tree(entry.id())?, &path)?,
            Some(ObjectType::Blob) => {
                let blob = repo.find_blob(entry.id())?;
                if entry.filemode() == i32::from(FileMode::Link) {
                    #[cfg(unix)]
                    std::os::unix::fs::symlink(
                        String::from_utf8_lossy(blob.content()).as_ref(),
                        &path,
                    )
                    .map_err(|e| RunError::io(&path, e))?;
                } else {
                    fs::write(&path, blob.content()).map_err(|e| RunError::io(&path, e))?;
                    #[cfg(unix)]
                    if entry.filemode() == i32::from(FileMode::BlobExecutable) {
                        use std::os::unix::fs::PermissionsExt;
                        fs::set_permissions(&path, fs::Permissions::from_mode(0o755))
                            .map_err(|e| RunError::io(&path, e))?;
                    }
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// A tree of a folder's files (without `.git` folders), written into `repo`.
fn tree_from_dir(repo: &Repository, dir: &Path) -> Result<Oid, RunError> {
    let mut builder = TreeUpdateBuilder::new();
    for entry in list_tree(dir).map_err(|e| RunError::io(dir, e))? {
        if entry.rel.split('/').any(|part| part == ".git") {
            continue;
        }
        match entry.kind {
            EntryKind::Dir => {}
            EntryKind::Symlink => {
                let target =
                    fs::read_link(&entry.path).map_err(|e| RunError::io(&entry.path, e))?;
                builder.upsert(
                    &entry.rel,
                    repo.blob(target.to_string_lossy().as_bytes())?,
                    FileMode::Link,
                );
            }
            EntryKind::File => {
                let bytes = fs::read(&entry.path).map_err(|e| RunError::io(&entry.path, e))?;
                let meta = fs::metadata(&entry.path).map_err(|e| RunError::io(&entry.path, e))?;
                let mode = if mode_of(&meta) & 0o111 != 0 {
                    FileMode::BlobExecutable
                } else {
                    FileMode::Blob
                };
                builder.upsert(&entry.rel, repo.blob(&bytes)?, mode);
            }
        }
    }
    let empty = repo.find_tree(repo.treebuilder(None)?.write()?)?;
    Ok(builder.create_updated(repo, &empty)?)
}

/// Every blob path in a tree, with its id and mode.
fn flatten(repo: &Repository, tree: &Tree<'_>) -> Result<BTreeMap<String, (Oid, i32)>, RunError> {
    let mut out = BTreeMap::new();
    tree.walk(git2::TreeWalkMode::PreOrder, |root, entry| {
        if entry.kind() == Some(ObjectType::Blob) {
            out.insert(
                format!("{root}{}", entry.name().unwrap_or_default()),
                (entry.id(), entry.filemode()),
            );
        }
        git2::TreeWalkResult::Ok
    })?;
    let _ = repo;
    Ok(out)
}

/// `ours` with the project's folder replaced by `render`.
fn graft(
    repo: &Repository,
    ours: &Tree<'_>,
    prefix: &str,
    render: &Tree<'_>,
) -> Result<Oid, RunError> {
    if prefix.is_empty() {
        return Ok(render.id());
    }
    let rendered = flatten(repo, render)?;
    let mut builder = TreeUpdateBuilder::new();
    for path in flatten(repo, ours)?.keys() {
        if let Some(rel) = path.strip_prefix(&format!("{prefix}/"))
            && !rendered.contains_key(rel)
        {
            builder.remove(path);
        }
    }
    for (rel, (id, mode)) in &rendered {
        builder.upsert(format!("{prefix}/{rel}"), *id, file_mode(*mode));
    }
    Ok(builder.create_updated(repo, ours)?)
}

fn file_mode(mode: i32) -> FileMode {
    if mode == i32::from(FileMode::BlobExecutable) {
        FileMode::BlobExecutable
    } else if mode == i32::from(FileMode::Link) {
        FileMode::Link
    } else {
        FileMode::Blob
    }
}

/// Writes the merge result into the working tree.
fn apply(
    repo: &Repository,
    workdir: &Path,
    prefix: &str,
    ours: &Tree<'_>,
    merged: &git2::Index,
) -> Result<UpdateOutcome, RunError> {
    let ours = flatten(repo, ours)?;
    let in_project = |path: &str| prefix.is_empty() || path.starts_with(&format!("{prefix}/"));
    let shown = |path: &str| {
        path.strip_prefix(&format!("{prefix}/"))
            .unwrap_or(path)
            .to_owned()
    };
    let mut outcome = UpdateOutcome {
        up_to_date: false,
        from: empty_version(),
        to: empty_version(),
        updated: Vec::new(),
        added: Vec::new(),
        deleted: Vec::new(),
        conflicts: Vec::new(),
    };
    let mut seen = BTreeSet::new();
    for entry in merged.iter() {
        let stage = (entry.flags >> 12) & 0x3;
        let path = String::from_utf8_lossy(&entry.path).into_owned();
        seen.insert(path.clone());
        if stage != 0 || !in_project(&path) {
            continue;
        }
        let mode = entry.mode as i32;
        if ours.get(&path) == Some(&(entry.id, mode)) {
            continue;
        }
        let blob = repo.find_blob(entry.id)?;
        write(workdir, &path, blob.content(), mode)?;
        if ours.contains_key(&path) {
            outcome.updated.push(shown(&path));
        } else {
            outcome.added.push(shown(&path));
        }
    }
    for conflict in merged.conflicts()? {
        let conflict = conflict?;
        let side = |e: &Option<git2::IndexEntry>| -> Result<Option<(Vec<u8>, i32)>, RunError> {
            match e {
                Some(e) => Ok(Some((
                    repo.find_blob(e.id)?.content().to_vec(),
                    e.mode as i32,
                ))),
                None => Ok(None),
            }
        };
        let path = [&conflict.our, &conflict.their, &conflict.ancestor]
            .into_iter()
            .flatten()
            .map(|e| String::from_utf8_lossy(&e.path).into_owned())
            .next()
            .unwrap_or_default();
        let (ancestor, ours_side, theirs) = (
            side(&conflict.ancestor)?,
            side(&conflict.our)?,
            side(&conflict.their)?,
        );
        let detail = match (&ours_side, &theirs) {
            (Some((our, mode)), Some((their, _))) => {
                let base = ancestor.as_ref().map(|(b, _)| b.as_slice()).unwrap_or_default();
                let merged_text = merge_text(base, our, their, &path)?;
                write(workdir, &path, &merged_text, *mode)?;
                "both the project and the template changed it: resolve the conflict markers, then commit".to_owned()
            }
            (Some(_), None) => "the new template version removes it and the project changed it: kept the project's version; delete it if you no longer need it".to_owned(),
            (None, Some((their, mode))) => {
                write(workdir, &path, their, *mode)?;
                "the project deleted it and the template changed it: restored the template's version; delete it again if you do not want it".to_owned()
            }
            (None, None) => continue,
        };
        outcome.conflicts.push(UpdateConflict {
            path: shown(&path),
            detail,
        });
    }
    for path in ours.keys() {
        if in_project(path) && !seen.contains(path) {
            let file = safe_child(workdir, path, "a file the update removes")?;
            if fs::symlink_metadata(&file).is_ok() {
                fs::remove_file(&file).map_err(|e| RunError::io(&file, e))?;
            }
            outcome.deleted.push(shown(path));
        }
    }
    Ok(outcome)
}

fn empty_version() -> TemplateVersion {
    TemplateVersion {
        commit: None,
        path_in_repo: None,
        dirty: false,
        content_hash: String::new(),
    }
}

fn merge_text(base: &[u8], ours: &[u8], theirs: &[u8], path: &str) -> Result<Vec<u8>, RunError> {
    let mut a = MergeFileInput::new();
    a.content(base).path(path);
    let mut o = MergeFileInput::new();
    o.content(ours).path(path);
    let mut t = MergeFileInput::new();
    t.content(theirs).path(path);
    let mut options = MergeFileOptions::new();
    options
        .ancestor_label("template (old)")
        .our_label("project")
        .their_label("template (new)");
    Ok(git2::merge_file(&a, &o, &t, Some(&mut options))?
        .content()
        .to_vec())
}

fn write(workdir: &Path, path: &str, content: &[u8], mode: i32) -> Result<(), RunError> {
    let file = safe_child(workdir, path, "a file the update writes")?;
    if let Some(parent) = file.parent() {
        fs::create_dir_all(parent).map_err(|e| RunError::io(parent, e))?;
    }
    if fs::symlink_metadata(&file).is_ok_and(|m| m.file_type().is_symlink()) {
        fs::remove_file(&file).map_err(|e| RunError::io(&file, e))?;
    }
    if mode == i32::from(FileMode::Link) {
        #[cfg(unix)]
        return std::os::unix::fs::symlink(String::from_utf8_lossy(content).as_ref(), &file)
            .map_err(|e| RunError::io(&file, e));
    }
    fs::write(&file, content).map_err(|e| RunError::io(&file, e))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let bits = if mode == i32::from(FileMode::BlobExecutable) {
            0o755
        } else {
            0o644
        };
        fs::set_permissions(&file, fs::Permissions::from_mode(bits))
            .map_err(|e| RunError::io(&file, e))?;
    }
    Ok(())
}

/// The ref that records a project's last template render.
fn render_ref(prefix: &str) -> String {
    if prefix.is_empty() {
        "refs/greenroom/render/_root".into()
    } else {
        format!("refs/greenroom/render/{prefix}")
    }
}

fn record_render(repo: &Repository, prefix: &str, tree: Oid) -> Result<(), RunError> {
    let signature = Signature::now("Greenroom", "greenroom@localhost")?;
    let tree = repo.find_tree(tree)?;
    let commit = repo.commit(
        None,
        &signature,
        &signature,
        "Template render recorded by Greenroom",
        &tree,
        &[],
    )?;
    repo.reference(
        &render_ref(prefix),
        commit,
        true,
        "greenroom: template render",
    )?;
    Ok(())
}

/// After a run: when the generated folder is in a Git repository (a publish step made one),
/// records its pristine render for later updates.
pub(crate) fn snapshot_render(project: &Path) -> Result<(), RunError> {
    // Only a repository the run created: a ref in some enclosing repository would be a write
    // outside the generated folder.
    if !project.join(".git").is_dir() {
        return Ok(());
    }
    let repo = Repository::open(project)?;
    let prefix = project_prefix(&repo, project)?;
    let tree = tree_from_dir(&repo, project)?;
    record_render(&repo, &prefix, tree)
}
