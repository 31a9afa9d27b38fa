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

use crate::actions::{self, ActionCtx, Effect, Published};
use crate::answers::{ANSWERS_FILE, Answers};
use crate::error::{OfflineStep, RunError};
use crate::expr::{Engine, EngineSettings, Integrations, RenderLimits, js, value::ValueRenderer};
use crate::glob::{EntryKind, list_tree};
use crate::template::{Step, Template, TemplateVersion};
use crate::workspace::{OutputLimits, Workspace};

/// What to do when the target folder exists and is not empty.
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserInfo {
    /// E.g. `user:default/jane`.
    #[serde(rename = "ref")]
    pub entity_ref: String,
    /// The User entity, when the catalog has it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
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

/// How a step ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum StepStatus {
    /// Ran.
    Completed,
    /// Its `if` was false.
    SkippedCondition,
    /// Its action cannot run offline and the user chose to skip it.
    SkippedOffline,
}

/// One step's record.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StepReport {
    /// Step id.
    pub id: String,
    /// Step name.
    pub name: String,
    /// Action id.
    pub action: String,
    /// How it ended.
    pub status: StepStatus,
    /// Its log lines (secrets redacted).
    pub log: Vec<String>,
}

/// A link of `spec.output.links`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OutputLink {
    /// Title.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Entity ref to open.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entity_ref: Option<String>,
    /// Icon name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub icon: Option<String>,
}

/// A text block of `spec.output.text`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OutputText {
    /// Title.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Markdown content.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
    /// Icon name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub icon: Option<String>,
}

/// The rendered `spec.output`.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RunOutput {
    /// Links.
    pub links: Vec<OutputLink>,
    /// Text blocks.
    pub text: Vec<OutputText>,
    /// The whole rendered output, with any other keys templates define.
    pub raw: Map<String, Value>,
}

/// The result of a run.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RunOutcome {
    /// The generated folder.
    pub target: PathBuf,
    /// Each step, in order.
    pub steps: Vec<StepReport>,
    /// Links and text to show.
    pub output: RunOutput,
    /// Entity refs added to the local catalog.
    pub created_entities: Vec<String>,
    /// Steps skipped because their actions cannot run offline.
    pub skipped_actions: Vec<OfflineStep>,
    /// Things worth a look that did not stop the run.
    pub warnings: Vec<String>,
}

/// One step as it will run.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PlannedStep {
    /// Step id.
    pub id: String,
    /// Step name.
    pub name: String,
    /// Action id.
    pub action: String,
    /// Why it cannot run here, if so.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unavailable: Option<String>,
    /// Whether it has an `if`.
    pub conditional: bool,
    /// Whether it has an `each`.
    pub repeated: bool,
}

/// What a run would do, known before anything runs.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Plan {
    /// The steps.
    pub steps: Vec<PlannedStep>,
    /// Problems with the values.
    pub problems: Vec<crate::error::ValueProblem>,
    /// Steps that cannot run offline.
    pub offline: Vec<OfflineStep>,
}

/// One entry of a dry run's file tree.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PreviewFile {
    /// Relative path (`/` separators).
    pub path: String,
    /// File, folder or symlink.
    pub kind: PreviewKind,
    /// Text content (absent for binary files, folders and symlinks).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
    /// Size in bytes.
    pub size: u64,
    /// Whether it is executable.
    pub executable: bool,
    /// A symlink's target.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link_target: Option<String>,
}

/// Kinds of preview entries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum PreviewKind {
    /// A text file.
    Text,
    /// A binary file.
    Binary,
    /// A folder.
    Dir,
    /// A symlink.
    Symlink,
}

/// The result of a dry run: nothing was written outside a temporary folder.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DryRun {
    /// Every file and folder the run would create.
    pub files: Vec<PreviewFile>,
    /// Each step.
    pub steps: Vec<StepReport>,
    /// The output links and text.
    pub output: RunOutput,
    /// Steps skipped because they cannot run offline.
    pub skipped_actions: Vec<OfflineStep>,
    /// Warnings.
    pub warnings: Vec<String>,
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
    move_into_place(staging, target)?;
    let mut warnings = std::mem::take(&mut runner.warnings);
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

/// Values after defaults and validation, with secrets apart.
pub(crate) struct Prepared {
    pub parameters: Map<String, Value>,
    pub secrets: Map<String, Value>,
    /// Values to redact from logs (password fields and secrets).
    pub redactions: Vec<String>,
    /// Parameters minus secrets, for the answers file.
    pub answers: Map<String, Value>,
}

pub(crate) fn prepare_values(template: &Template, values: &Value) -> Result<Prepared, RunError> {
    let Some(values) = values.as_object() else {
        return Err(RunError::InvalidValues(vec![crate::error::ValueProblem {
            page: 0,
            pointer: String::new(),
            message: "the values must be an object (a mapping of field names to values)".into(),
        }]));
    };
    let mut parameters = template.form.apply_defaults(values);
    let problems = template.form.validate(&Value::Object(parameters.clone()));
    if !problems.is_empty() {
        return Err(RunError::InvalidValues(problems));
    }
    let mut secrets = Map::new();
    let mut redactions = Vec::new();
    let mut answers = parameters.clone();
    for field in template.form.fields().filter(|f| f.secret) {
        remove_path(&mut answers, &field.path);
        let value = if field.widget == crate::template::FieldWidget::Secret {
            // Backstage's Secret field sends the value as `secrets.<name>` and leaves a mask of
            // the same length in `parameters`.
            let value = remove_path(&mut parameters, &field.path);
            if let (Some(v), Some(name)) = (&value, field.path.last()) {
                secrets.insert(name.clone(), v.clone());
                let mask = "*".repeat(js::json_display(v).chars().count());
                insert_path(&mut parameters, &field.path, Value::String(mask));
            }
            value
        } else {
            get_path(&parameters, &field.path).cloned()
        };
        if let Some(text) = value
            .as_ref()
            .map(js::json_display)
            .filter(|t| !t.is_empty())
        {
            redactions.push(text);
        }
    }
    Ok(Prepared {
        parameters,
        secrets,
        redactions,
        answers,
    })
}

fn get_path<'v>(map: &'v Map<String, Value>, path: &[String]) -> Option<&'v Value> {
    let (last, parents) = path.split_last()?;
    let mut current = map;
    for key in parents {
        current = current.get(key)?.as_object()?;
    }
    current.get(last)
}

fn remove_path(map: &mut Map<String, Value>, path: &[String]) -> Option<Value> {
    let (last, parents) = path.split_last()?;
    let mut current = map;
    for key in parents {
        current = current.get_mut(key)?.as_object_mut()?;
    }
    current.remove(last)
}

fn insert_path(map: &mut Map<String, Value>, path: &[String], value: Value) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let mut current = map;
    for key in parents {
        let Some(next) = current.get_mut(key).and_then(Value::as_object_mut) else {
            return;
        };
        current = next;
    }
    current.insert(last.clone(), value);
}

fn answers_for(template: &Template, prepared: &Prepared) -> Answers {
    Answers {
        template_ref: template.entity_ref.key(),
        source: template.source.clone(),
        version: template.version.clone(),
        answers: prepared.answers.clone(),
    }
}

/// Every step whose action cannot run here.
fn preflight(
    template: &Template,
    parameters: &Map<String, Value>,
    options: &RunOptions,
) -> Vec<OfflineStep> {
    let engine = Engine::new(&EngineSettings {
        integrations: std::sync::Arc::new(options.integrations.clone()),
        limits: options.render_limits,
        ..EngineSettings::default()
    });
    let mut context = Map::new();
    context.insert("parameters".into(), Value::Object(parameters.clone()));
    let context = js::from_json(&Value::Object(context));
    let mut out = Vec::new();
    for step in &template.steps {
        let mut reason = actions::offline_reason(&step.action);
        if reason.is_none()
            && let Some(url) = step.input.as_ref().and_then(|i| i.get("url"))
        {
            let file = template.file.display().to_string();
            let mut renderer = ValueRenderer {
                engine: &engine,
                context: &context,
                file: &file,
                warnings: Vec::new(),
            };
            if let Ok(Some(Value::String(url))) = renderer.render(url) {
                reason = actions::fetch_url_problem(&step.action, &url, options);
            }
        }
        if let Some(reason) = reason {
            out.push(OfflineStep {
                step: step.id.clone(),
                action: step.action.clone(),
                reason,
            });
        }
    }
    out
}

fn check_offline(
    template: &Template,
    parameters: &Map<String, Value>,
    options: &RunOptions,
) -> Result<(), RunError> {
    let offline = preflight(template, parameters, options);
    if offline.is_empty() || options.skip_unavailable {
        Ok(())
    } else {
        Err(RunError::NotAvailableOffline(offline))
    }
}

struct Runner<'a> {
    template: &'a Template,
    options: &'a RunOptions,
    mode: Mode,
    engine: Engine,
    workspace: Workspace,
    context: Map<String, Value>,
    secrets: Map<String, Value>,
    redactions: Vec<String>,
    progress: &'a dyn ProgressSink,
    offline: Vec<OfflineStep>,
    reports: Vec<StepReport>,
    effects: Vec<Effect>,
    skipped: Vec<OfflineStep>,
    warnings: Vec<String>,
    published: Vec<Published>,
}

impl<'a> Runner<'a> {
    fn new(
        template: &'a Template,
        options: &'a RunOptions,
        mode: Mode,
        workspace: PathBuf,
        progress: &'a dyn ProgressSink,
        prepared: &Prepared,
    ) -> Runner<'a> {
        let mut secrets = options.secrets.clone();
        secrets.extend(prepared.secrets.clone());
        let mut redactions = prepared.redactions.clone();
        redactions.extend(
            secrets
                .values()
                .map(js::json_display)
                .filter(|s| !s.is_empty()),
        );
        let mut context = Map::new();
        context.insert(
            "parameters".into(),
            Value::Object(prepared.parameters.clone()),
        );
        context.insert(
            "environment".into(),
            serde_json::json!({"parameters": options.environment, "secrets": {}}),
        );
        context.insert("steps".into(), Value::Object(Map::new()));
        if let Some(user) = &options.user {
            context.insert(
                "user".into(),
                serde_json::to_value(user).unwrap_or(Value::Null),
            );
        }
        let task_id = blake3::hash(
            format!(
                "{}{}",
                template.entity_ref.key(),
                Value::Object(prepared.answers.clone())
            )
            .as_bytes(),
        )
        .to_hex()[..32]
            .to_owned();
        context.insert(
            "context".into(),
            serde_json::json!({"task": {"id": task_id}}),
        );
        Runner {
            template,
            options,
            mode,
            engine: Engine::new(&EngineSettings {
                integrations: std::sync::Arc::new(options.integrations.clone()),
                limits: options.render_limits,
                ..EngineSettings::default()
            }),
            workspace: Workspace::new(workspace, options.limits),
            offline: preflight(template, &prepared.parameters, options),
            context,
            secrets,
            redactions,
            progress,
            reports: Vec::new(),
            effects: Vec::new(),
            skipped: Vec::new(),
            warnings: Vec::new(),
            published: Vec::new(),
        }
    }

    fn write_answers(&mut self, answers: Answers) -> Result<(), RunError> {
        let path = self.workspace.resolve(ANSWERS_FILE, "answers file")?;
        self.workspace
            .write_file(&path, answers.to_yaml().as_bytes(), None)
    }

    fn redact(&self, line: &str) -> String {
        let mut out = line.to_owned();
        for secret in &self.redactions {
            if !secret.is_empty() {
                out = out.replace(secret.as_str(), "***");
            }
        }
        out
    }

    fn log(&mut self, step: Option<&str>, line: &str) -> String {
        let line = self.redact(line);
        self.progress.emit(Progress::Log {
            step: step.map(str::to_owned),
            line: line.clone(),
        });
        line
    }

    /// Renders a node with a context; warnings (kept-as-written values) go to the log.
    fn render(
        &mut self,
        node: &greenroom_yaml::Node,
        context: &Map<String, Value>,
    ) -> Result<Option<Value>, RunError> {
        let file = self.template.file.display().to_string();
        let context = js::from_json(&Value::Object(context.clone()));
        let mut renderer = ValueRenderer {
            engine: &self.engine,
            context: &context,
            file: &file,
            warnings: Vec::new(),
        };
        let rendered = renderer.render(node)?;
        for warning in renderer.warnings {
            let line = self.redact(&warning);
            self.warnings.push(line);
        }
        Ok(rendered)
    }

    fn execute(&mut self) -> Result<(), RunError> {
        let total = self.template.steps.len();
        for (index, step) in self.template.steps.iter().enumerate() {
            if self.options.cancelled() {
                return Err(RunError::Cancelled);
            }
            self.progress.emit(Progress::StepStarted {
                index,
                total,
                id: step.id.clone(),
                name: step.name.clone(),
                action: step.action.clone(),
            });
            let status = self.execute_step(step)?;
            if status == StepStatus::Completed {
                self.progress.emit(Progress::StepFinished {
                    id: step.id.clone(),
                });
            }
        }
        Ok(())
    }

    fn execute_step(&mut self, step: &'a Step) -> Result<StepStatus, RunError> {
        let mut report = StepReport {
            id: step.id.clone(),
            name: step.name.clone(),
            action: step.action.clone(),
            status: StepStatus::Completed,
            log: Vec::new(),
        };
        let skip_by_condition = match &step.condition {
            Some(node) if matches!(node.value, greenroom_yaml::Value::Bool(false)) => true,
            Some(node) if node.as_str().is_some() && step.each.is_none() => {
                let rendered = self.render(node, &self.context.clone())?;
                !js::json_is_truthy(rendered.as_ref())
            }
            _ => false,
        };
        if skip_by_condition {
            let reason = format!(
                "Skipping step {} because its if condition was false",
                step.id
            );
            report.log.push(reason.clone());
            report.status = StepStatus::SkippedCondition;
            self.progress.emit(Progress::StepSkipped {
                id: step.id.clone(),
                reason,
            });
            self.reports.push(report);
            return Ok(StepStatus::SkippedCondition);
        }
        if let Some(offline) = self.offline.iter().find(|o| o.step == step.id).cloned() {
            let reason = format!("Skipped: {}", offline.reason);
            report.log.push(reason.clone());
            report.status = StepStatus::SkippedOffline;
            self.progress.emit(Progress::StepSkipped {
                id: step.id.clone(),
                reason,
            });
            self.skipped.push(offline);
            self.reports.push(report);
            return Ok(StepStatus::SkippedOffline);
        }
        let mut with_secrets = self.context.clone();
        with_secrets.insert("secrets".into(), Value::Object(self.secrets.clone()));
        if let Some(env) = with_secrets
            .get_mut("environment")
            .and_then(Value::as_object_mut)
        {
            env.insert("secrets".into(), Value::Object(Map::new()));
        }
        let iterations: Vec<Option<(String, Value)>> = match &step.each {
            None => vec![None],
            Some(node) => {
                let resolved = self.render(node, &with_secrets)?;
                let entries: Vec<(String, Value)> = match resolved {
                    // `Object.entries` of what `each` gave: arrays by index, objects by key,
                    // strings by character, anything else truthy gives nothing.
                    Some(Value::Array(items)) => items
                        .into_iter()
                        .enumerate()
                        .map(|(i, v)| (i.to_string(), v))
                        .collect(),
                    Some(Value::Object(map)) => map.into_iter().collect(),
                    Some(Value::String(s)) if !s.is_empty() => s
                        .chars()
                        .enumerate()
                        .map(|(i, c)| (i.to_string(), Value::String(c.to_string())))
                        .collect(),
                    Some(Value::Bool(true)) => Vec::new(),
                    Some(Value::Number(n)) if n.as_f64().is_some_and(|f| f != 0.0) => Vec::new(),
                    _ => {
                        return Err(RunError::Step {
                            step: step.id.clone(),
                            action: step.action.clone(),
                            message: format!(
                                "Invalid value on action {}.each parameter, \"{}\" cannot be resolved to a value",
                                step.action,
                                node.as_str()
                                    .map_or_else(|| node.to_json().to_string(), str::to_owned)
                            ),
                        });
                    }
                };
                entries.into_iter().map(Some).collect()
            }
        };
        // Every iteration's condition and input are rendered before any runs, as Backstage does.
        let mut planned = Vec::new();
        for iteration in iterations {
            let mut full = with_secrets.clone();
            if let Some((key, value)) = &iteration {
                full.insert(
                    "each".into(),
                    serde_json::json!({"key": key, "value": value}),
                );
            }
            let should_run = match (&iteration, &step.condition) {
                (Some(_), Some(node)) => match &node.value {
                    greenroom_yaml::Value::Bool(b) => *b,
                    _ => js::json_is_truthy(self.render(node, &full)?.as_ref()),
                },
                _ => true,
            };
            let input = match &step.input {
                Some(node) => match self.render(node, &full)? {
                    Some(Value::Object(map)) => map,
                    Some(other) => {
                        return Err(RunError::Step {
                            step: step.id.clone(),
                            action: step.action.clone(),
                            message: format!("input must be a mapping, got {other}"),
                        });
                    }
                    None => Map::new(),
                },
                None => Map::new(),
            };
            if !self.secrets.is_empty() {
                self.add_secret_redactions(step, &full, &input)?;
            }
            planned.push((iteration, should_run, input));
        }
        let mut outputs: Map<String, Value> = Map::new();
        for (iteration, should_run, input) in planned {
            if let Some((key, value)) = &iteration {
                let shown = serde_json::json!({"key": key, "value": js::json_display(value)});
                let verb = if should_run { "Running" } else { "Skipping" };
                let line = self.log(Some(&step.id), &format!("{verb} step each: {shown}"));
                report.log.push(line);
                if !should_run {
                    continue;
                }
            }
            let mut lines: Vec<String> = Vec::new();
            let produced = {
                let progress = self.progress;
                let redactions = self.redactions.clone();
                let step_id = step.id.clone();
                let mut log = |line: String| {
                    let mut line = line;
                    for secret in &redactions {
                        if !secret.is_empty() {
                            line = line.replace(secret.as_str(), "***");
                        }
                    }
                    progress.emit(Progress::Log {
                        step: Some(step_id.clone()),
                        line: line.clone(),
                    });
                    lines.push(line);
                };
                let mut ctx = ActionCtx {
                    workspace: &mut self.workspace,
                    template: self.template,
                    options: self.options,
                    mode: self.mode,
                    step_id: &step.id,
                    log: &mut log,
                    outputs: Vec::new(),
                    effects: &mut self.effects,
                    published: &mut self.published,
                };
                actions::run(&step.action, &input, &mut ctx).map(|()| ctx.outputs)
            };
            report.log.extend(lines);
            let produced = produced.map_err(|e| match e {
                RunError::Io { .. } | RunError::Git(_) => RunError::Step {
                    step: step.id.clone(),
                    action: step.action.clone(),
                    message: e.to_string(),
                },
                other => other,
            })?;
            for (name, value) in produced {
                if step.each.is_some() {
                    let slot = outputs
                        .entry(name)
                        .or_insert_with(|| Value::Array(Vec::new()));
                    if let Value::Array(items) = slot {
                        items.push(value);
                    }
                } else {
                    outputs.insert(name, value);
                }
            }
        }
        if let Some(Value::Object(steps)) = self.context.get_mut("steps") {
            steps.insert(step.id.clone(), serde_json::json!({ "output": outputs }));
        }
        self.reports.push(report);
        Ok(StepStatus::Completed)
    }

    /// Values that changed because of secrets (rendered with and without them) are redacted,
    /// as Backstage's `collectSecretRedactions` does.
    fn add_secret_redactions(
        &mut self,
        step: &Step,
        full: &Map<String, Value>,
        input: &Map<String, Value>,
    ) -> Result<(), RunError> {
        let Some(node) = &step.input else {
            return Ok(());
        };
        let mut without = full.clone();
        without.insert("secrets".into(), Value::Object(Map::new()));
        let plain = self.render(node, &without)?.unwrap_or(Value::Null);
        collect_differences(&Value::Object(input.clone()), &plain, &mut self.redactions);
        Ok(())
    }

    fn render_output(&mut self) -> Result<RunOutput, RunError> {
        let Some(node) = self.template.output.clone() else {
            return Ok(RunOutput::default());
        };
        let rendered = self.render(&node, &self.context.clone())?;
        let Some(Value::Object(mut raw)) = rendered else {
            return Ok(RunOutput::default());
        };
        for key in ["links", "text"] {
            if let Some(Value::Array(items)) = raw.get_mut(key) {
                items.retain(|item| match item.get("if") {
                    Some(condition) => js::json_is_truthy(Some(condition)),
                    None => true,
                });
                for item in items.iter_mut() {
                    if let Some(map) = item.as_object_mut() {
                        map.remove("if");
                    }
                }
            }
        }
        let string = |v: &Value, k: &str| v.get(k).map(js::json_display).filter(|s| !s.is_empty());
        let list = |key: &str| {
            raw.get(key)
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default()
        };
        Ok(RunOutput {
            links: list("links")
                .iter()
                .map(|l| OutputLink {
                    title: string(l, "title"),
                    url: string(l, "url"),
                    entity_ref: string(l, "entityRef"),
                    icon: string(l, "icon"),
                })
                .collect(),
            text: list("text")
                .iter()
                .map(|t| OutputText {
                    title: string(t, "title"),
                    content: string(t, "content"),
                    icon: string(t, "icon"),
                })
                .collect(),
            raw,
        })
    }
}

fn collect_differences(with: &Value, without: &Value, out: &mut Vec<String>) {
    match with {
        Value::String(s) if without.as_str() != Some(s) && !s.is_empty() && !out.contains(s) => {
            out.push(s.clone());
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                collect_differences(item, without.get(i).unwrap_or(&Value::Null), out);
            }
        }
        Value::Object(map) => {
            for (k, v) in map {
                collect_differences(v, without.get(k).unwrap_or(&Value::Null), out);
            }
        }
        _ => {}
    }
}

/// Moves the staging folder to the target: a rename when the target is new or empty,
/// otherwise entry by entry.
fn move_into_place(staging: tempfile::TempDir, target: &Path) -> Result<(), RunError> {
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
    merge_into(staging.path(), target)
}

fn merge_into(from: &Path, to: &Path) -> Result<(), RunError> {
    for entry in fs::read_dir(from).map_err(|e| RunError::io(from, e))? {
        let entry = entry.map_err(|e| RunError::io(from, e))?;
        let dest = to.join(entry.file_name());
        let kind = entry
            .file_type()
            .map_err(|e| RunError::io(&entry.path(), e))?;
        if kind.is_dir() && dest.is_dir() && !dest.is_symlink() {
            merge_into(&entry.path(), &dest)?;
            continue;
        }
        if let Ok(meta) = fs::symlink_metadata(&dest) {
            if meta.is_dir() {
                fs::remove_dir_all(&dest).map_err(|e| RunError::io(&dest, e))?;
            } else {
                fs::remove_file(&dest).map_err(|e| RunError::io(&dest, e))?;
            }
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
