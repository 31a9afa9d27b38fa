//! Running a template: [`plan`] (what will run, checked before anything is written),
//! [`dry_run`] (the files it would produce), and [`run`] (render into a staging folder,
//! move it into place on success, then register and commit outside it).
//!
//! Steps run as Backstage's workflow runner runs them (`NunjucksWorkflowRunner.ts`): `if`
//! skips a step (per iteration with `each`), `each` iterates an array or object with
//! `each.key`/`each.value`, outputs of an `each` step become arrays, secrets are only seen
//! when rendering inputs, and `spec.output` is rendered at the end with items whose `if` is
//! false left out.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

mod report;
mod steps;

pub use report::{
    DryRun, OutputLink, OutputText, Plan, PlannedStep, PreviewFile, PreviewKind, RunOutcome,
    RunOutput, StepReport, StepStatus,
};
pub(crate) use steps::prepare_values;

use crate::actions::{self, Effect};
use crate::error::RunError;
use crate::expr::{Integrations, RenderLimits};
use crate::glob::{EntryKind, list_tree};
use crate::template::{Template, TemplateVersion};
use crate::workspace::OutputLimits;
use steps::{Runner, answers_for, check_offline, preflight};

/// What to do when the target folder exists and is not empty.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ExistingTarget {
    /// Stop before writing anything.
    #[default]
    Refuse,
    /// Write the generated files into it, replacing files with the same names.
    Merge,
}

/// The signed-in user, as templates see it in `user.ref` and `user.entity`.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserInfo {
    /// E.g. `user:default/jane`.
    #[serde(rename = "ref")]
    pub entity_ref: String,
    /// The User entity, when the catalog has it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub entity: Option<Value>,
}

/// How a run behaves.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// What to do with an existing, non-empty target.
    pub existing_target: ExistingTarget,
    /// Skip steps whose actions cannot run offline instead of stopping before the run.
    pub skip_unavailable: bool,
    /// Hosts `parseRepoUrl` and the publish actions accept.
    pub integrations: Integrations,
    /// The user templates see as `user`.
    pub user: Option<UserInfo>,
    /// Task secrets (`secrets.*`), e.g. tokens; never logged or recorded.
    pub secrets: Map<String, Value>,
    /// `environment.parameters` (Backstage's `scaffolder.defaultEnvironment`).
    pub environment: Map<String, Value>,
    /// Local clones for pull-request actions, keyed `host/owner/repo` (lower-case).
    pub local_clones: BTreeMap<String, PathBuf>,
    /// Remote URL prefixes mapped to local folders, for `fetch:*` URLs.
    pub remote_sources: BTreeMap<String, PathBuf>,
    /// Push published repositories after the run (with the system `git` and its credentials).
    pub push: bool,
    /// Leave out the answers file (`.greenroom/answers.yaml`).
    pub no_answers_file: bool,
    /// Bounds on the generated files.
    pub limits: OutputLimits,
    /// Bounds on each template render.
    pub render_limits: RenderLimits,
    /// Set to stop the run between steps (and between files of a fetch); nothing is then
    /// written to the target.
    pub cancel: Option<Arc<AtomicBool>>,
}

impl RunOptions {
    /// Whether the caller asked to stop.
    pub(crate) fn cancelled(&self) -> bool {
        self.cancel
            .as_ref()
            .is_some_and(|c| c.load(Ordering::Relaxed))
    }
}

/// Adds generated entities to the local catalog; implemented by the facade.
pub trait CatalogRegistrar {
    /// Registers the entities of `file` (in the generated folder), which Backstage would
    /// have registered from `location`; returns the refs added.
    fn register(&self, file: &Path, location: &str) -> Result<Vec<String>, String>;
}

/// Receives progress while a run goes.
pub trait ProgressSink {
    /// One event.
    fn emit(&self, event: Progress);
}

impl<F: Fn(Progress)> ProgressSink for F {
    fn emit(&self, event: Progress) {
        self(event)
    }
}

/// A progress event.
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(rename = "TemplateProgress"))]
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum Progress {
    /// A step begins.
    StepStarted {
        /// Position, from 0.
        index: usize,
        /// Number of steps.
        total: usize,
        /// Step id.
        id: String,
        /// Step name.
        name: String,
        /// Action id.
        action: String,
    },
    /// A step was skipped.
    StepSkipped {
        /// Step id.
        id: String,
        /// Why.
        reason: String,
    },
    /// A log line (secrets redacted).
    Log {
        /// The step, if any.
        step: Option<String>,
        /// The line.
        line: String,
    },
    /// A step finished.
    StepFinished {
        /// Step id.
        id: String,
    },
    /// The generated folder is being moved into place.
    Committing {
        /// The target folder.
        target: PathBuf,
    },
}

/// How actions behave in a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// A real run: effects outside the generated folder happen after it is in place.
    Run,
    /// A preview: no Git repositories, no effects.
    DryRun,
    /// A render for an update: like a run, without effects.
    Render,
}

/// Checks values and actions without running anything.
pub fn plan(template: &Template, values: &Value, options: &RunOptions) -> Plan {
    let (problems, parameters) = match prepare_values(template, values) {
        Ok(prepared) => (Vec::new(), prepared.parameters),
        Err(RunError::InvalidValues(problems)) => {
            (problems, values.as_object().cloned().unwrap_or_default())
        }
        Err(_) => (Vec::new(), Map::new()),
    };
    let offline = preflight(template, &parameters, options);
    let steps = template
        .steps
        .iter()
        .map(|s| PlannedStep {
            id: s.id.clone(),
            name: s.name.clone(),
            action: s.action.clone(),
            unavailable: offline
                .iter()
                .find(|o| o.step == s.id)
                .map(|o| o.reason.clone()),
            conditional: s.condition.is_some(),
            repeated: s.each.is_some(),
        })
        .collect();
    Plan {
        steps,
        problems,
        offline,
    }
}

/// Runs the template into a temporary folder and returns the files it would create.
pub fn dry_run(
    template: &Template,
    values: &Value,
    options: &RunOptions,
    progress: &dyn ProgressSink,
) -> Result<DryRun, RunError> {
    let scratch = tempfile::Builder::new()
        .prefix("greenroom-dry-run-")
        .tempdir()
        .map_err(|e| RunError::io(Path::new("."), e))?;
    let prepared = prepare_values(template, values)?;
    check_offline(template, &prepared.parameters, options)?;
    let mut runner = Runner::new(
        template,
        options,
        Mode::DryRun,
        scratch.path().to_path_buf(),
        progress,
        &prepared,
    );
    runner.write_answers(answers_for(template, &prepared))?;
    runner.execute()?;
    let output = runner.render_output()?;
    let files = preview(scratch.path())?;
    Ok(DryRun {
        files,
        steps: runner.reports,
        output,
        skipped_actions: runner.skipped,
        warnings: runner.warnings,
    })
}

/// Runs the template into `target`. Nothing is written to `target` unless every step
/// succeeds; then registrations, pushes and pull-request commits happen.
pub fn run(
    template: &Template,
    values: &Value,
    target: &Path,
    options: &RunOptions,
    registrar: Option<&dyn CatalogRegistrar>,
    progress: &dyn ProgressSink,
) -> Result<RunOutcome, RunError> {
    let prepared = prepare_values(template, values)?;
    check_offline(template, &prepared.parameters, options)?;
    let target_has_files = fs::read_dir(target).is_ok_and(|mut d| d.next().is_some());
    if target_has_files && options.existing_target == ExistingTarget::Refuse {
        return Err(RunError::TargetNotEmpty(target.to_path_buf()));
    }
    if target.exists() && !target.is_dir() {
        return Err(RunError::TargetNotEmpty(target.to_path_buf()));
    }
    let parent = target
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    fs::create_dir_all(parent).map_err(|e| RunError::io(parent, e))?;
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "project".into());
    let staging = tempfile::Builder::new()
        .prefix(&format!(".{name}.greenroom-"))
        .tempdir_in(parent)
        .map_err(|e| RunError::io(parent, e))?;
    let mut runner = Runner::new(
        template,
        options,
        Mode::Run,
        staging.path().to_path_buf(),
        progress,
        &prepared,
    );
    if !options.no_answers_file {
        runner.write_answers(answers_for(template, &prepared))?;
    }
    runner.execute()?;
    let output = runner.render_output()?;
    progress.emit(Progress::Committing {
        target: target.to_path_buf(),
    });
    let mut warnings = std::mem::take(&mut runner.warnings);
    move_into_place(staging, target, &mut warnings)?;
    let created = run_effects(&runner.effects, target, registrar, &mut warnings);
    if crate::update::snapshot_render(target).is_err() {
        warnings.push("could not record the template's render for later updates".into());
    }
    Ok(RunOutcome {
        target: target.to_path_buf(),
        steps: runner.reports,
        output,
        created_entities: created,
        skipped_actions: runner.skipped,
        warnings,
    })
}

/// Renders a template into `dir` for an update: no effects, the given answers record.
pub(crate) fn render_for_update(
    template: &Template,
    values: &Value,
    dir: &Path,
    options: &RunOptions,
    version: &TemplateVersion,
) -> Result<(), RunError> {
    let prepared = prepare_values(template, values)?;
    check_offline(template, &prepared.parameters, options)?;
    let silent = |_: Progress| {};
    let mut runner = Runner::new(
        template,
        options,
        Mode::Render,
        dir.to_path_buf(),
        &silent,
        &prepared,
    );
    let mut answers = answers_for(template, &prepared);
    answers.version = version.clone();
    runner.write_answers(answers)?;
    runner.execute()?;
    Ok(())
}

/// Moves the staging folder to the target: a rename when the target is new or empty,
/// otherwise entry by entry.
fn move_into_place(
    staging: tempfile::TempDir,
    target: &Path,
    warnings: &mut Vec<String>,
) -> Result<(), RunError> {
    let empty_target = fs::read_dir(target).is_ok_and(|mut d| d.next().is_none());
    if empty_target {
        fs::remove_dir(target).map_err(|e| RunError::io(target, e))?;
    }
    if !target.exists() {
        let path = staging.keep();
        return fs::rename(&path, target).map_err(|e| {
            let _ = fs::remove_dir_all(&path);
            RunError::io(target, e)
        });
    }
    // Merging: an existing repository is never replaced, and nothing moves if a generated
    // file would replace a folder (or the other way round).
    let staged_git = staging.path().join(".git");
    if staged_git.is_dir() && target.join(".git").exists() {
        fs::remove_dir_all(&staged_git).map_err(|e| RunError::io(&staged_git, e))?;
        warnings.push(format!(
            "{} already is a Git repository; the repository the template's publish step made was not merged into it",
            target.display()
        ));
    }
    check_merge(staging.path(), target)?;
    merge_into(staging.path(), target)
}

/// Refuses a merge where a generated file and an existing folder (or the reverse) share a path.
fn check_merge(from: &Path, to: &Path) -> Result<(), RunError> {
    for entry in fs::read_dir(from).map_err(|e| RunError::io(from, e))? {
        let entry = entry.map_err(|e| RunError::io(from, e))?;
        let dest = to.join(entry.file_name());
        let Ok(existing) = fs::symlink_metadata(&dest) else {
            continue;
        };
        let staged_dir = entry
            .file_type()
            .map_err(|e| RunError::io(&entry.path(), e))?
            .is_dir();
        if staged_dir != existing.is_dir() {
            return Err(RunError::TargetNotEmpty(dest));
        }
        if staged_dir {
            check_merge(&entry.path(), &dest)?;
        }
    }
    Ok(())
}

fn merge_into(from: &Path, to: &Path) -> Result<(), RunError> {
    for entry in fs::read_dir(from).map_err(|e| RunError::io(from, e))? {
        let entry = entry.map_err(|e| RunError::io(from, e))?;
        let dest = to.join(entry.file_name());
        if entry
            .file_type()
            .map_err(|e| RunError::io(&entry.path(), e))?
            .is_dir()
            && dest.is_dir()
        {
            merge_into(&entry.path(), &dest)?;
            continue;
        }
        if fs::symlink_metadata(&dest).is_ok() {
            fs::remove_file(&dest).map_err(|e| RunError::io(&dest, e))?;
        }
        fs::rename(entry.path(), &dest).map_err(|e| RunError::io(&dest, e))?;
    }
    Ok(())
}

/// Runs what happens outside the generated folder; failures become warnings since the
/// project itself is in place.
fn run_effects(
    effects: &[Effect],
    target: &Path,
    registrar: Option<&dyn CatalogRegistrar>,
    warnings: &mut Vec<String>,
) -> Vec<String> {
    let mut created = Vec::new();
    for effect in effects {
        match effect {
            Effect::Register { file, location } => match registrar {
                Some(registrar) => match registrar.register(&target.join(file), location) {
                    Ok(refs) => created.extend(refs),
                    Err(e) => warnings.push(format!(
                        "could not add {} to the catalog: {e}",
                        file.display()
                    )),
                },
                None => warnings.push(format!(
                    "{} was not added to a catalog (no catalog given)",
                    file.display()
                )),
            },
            Effect::Push { repo, branch } => {
                let dir = target.join(repo);
                let status = std::process::Command::new("git")
                    .args(["push", "-u", "origin", branch])
                    .current_dir(&dir)
                    .status();
                if !status.is_ok_and(|s| s.success()) {
                    warnings.push(format!(
                        "git push from {} failed; the repository is ready, push it yourself when the remote exists",
                        dir.display()
                    ));
                }
            }
            Effect::PullRequest(pr) => match actions::apply_pull_request(pr, target) {
                Ok(_) => {}
                Err(e) => warnings.push(format!(
                    "the change for {} was not committed: {e}",
                    pr.clone.display()
                )),
            },
        }
    }
    created
}

/// Lists a generated folder for a preview (without Git internals).
fn preview(root: &Path) -> Result<Vec<PreviewFile>, RunError> {
    let mut files = Vec::new();
    for entry in list_tree(root).map_err(|e| RunError::io(root, e))? {
        if entry.rel == ".git/" || entry.rel.starts_with(".git/") || entry.rel.contains("/.git/") {
            continue;
        }
        let path = entry.rel.trim_end_matches('/').to_owned();
        let meta = fs::symlink_metadata(&entry.path).map_err(|e| RunError::io(&entry.path, e))?;
        let executable =
            crate::workspace::mode_of(&meta) & 0o111 != 0 && entry.kind == EntryKind::File;
        files.push(match entry.kind {
            EntryKind::Dir => PreviewFile {
                path,
                kind: PreviewKind::Dir,
                content: None,
                size: 0,
                executable: false,
                link_target: None,
            },
            EntryKind::Symlink => PreviewFile {
                path,
                kind: PreviewKind::Symlink,
                content: None,
                size: 0,
                executable: false,
                link_target: fs::read_link(&entry.path)
                    .ok()
                    .map(|t| t.to_string_lossy().into_owned()),
            },
            EntryKind::File => {
                let bytes = fs::read(&entry.path).map_err(|e| RunError::io(&entry.path, e))?;
                let binary = crate::workspace::is_binary(&bytes);
                PreviewFile {
                    path,
                    kind: if binary {
                        PreviewKind::Binary
                    } else {
                        PreviewKind::Text
                    },
                    content: (!binary).then(|| String::from_utf8_lossy(&bytes).into_owned()),
                    size: bytes.len() as u64,
                    executable,
                    link_target: None,
                }
            }
        });
    }
    Ok(files)
}
