//! Executing the steps: values, conditions, iterations, inputs, actions and outputs.

use std::path::PathBuf;

use serde_json::{Map, Value};

use super::{
    Mode, OutputLink, OutputText, Progress, ProgressSink, RunOptions, RunOutput, StepReport,
    StepStatus,
};
use crate::actions::{self, ActionCtx, Effect, Published};
use crate::answers::{ANSWERS_FILE, Answers};
use crate::error::{OfflineStep, RunError};
use crate::expr::{Engine, EngineSettings, js, value::ValueRenderer};
use crate::template::{Step, Template};
use crate::workspace::Workspace;

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

pub(super) fn answers_for(template: &Template, prepared: &Prepared) -> Answers {
    Answers {
        template_ref: template.entity_ref.key(),
        source: template.source.clone(),
        version: template.version.clone(),
        answers: prepared.answers.clone(),
    }
}

/// Every step whose action cannot run here.
pub(super) fn preflight(
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

pub(super) fn check_offline(
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

pub(super) struct Runner<'a> {
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
    pub(super) reports: Vec<StepReport>,
    pub(super) effects: Vec<Effect>,
    pub(super) skipped: Vec<OfflineStep>,
    pub(super) warnings: Vec<String>,
    published: Vec<Published>,
}

impl<'a> Runner<'a> {
    pub(super) fn new(
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

    pub(super) fn write_answers(&mut self, answers: Answers) -> Result<(), RunError> {
        let path = self.workspace.resolve(ANSWERS_FILE, "answers file")?;
        self.workspace
            .write_file(&path, answers.to_yaml().as_bytes(), None)
    }

    fn redact(&self, line: &str) -> String {
        redact(line, &self.redactions)
    }

    fn log(&mut self, step: Option<&str>, line: &str) -> String {
        let line = self.redact(line);
        self.progress.emit(Progress::Log {
            step: step.map(str::to_owned),
            line: line.clone(),
        });
        line
    }

    /// Renders a node with a context; warnings (values kept as written) go to the log and
    /// the outcome.
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
            let line = self.log(None, &warning);
            self.warnings.push(line);
        }
        Ok(rendered)
    }

    pub(super) fn execute(&mut self) -> Result<(), RunError> {
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
                    let line = redact(&line, &redactions);
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

    pub(super) fn render_output(&mut self) -> Result<RunOutput, RunError> {
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

/// Replaces every secret value in a line with `***`.
fn redact(line: &str, secrets: &[String]) -> String {
    let mut out = line.to_owned();
    for secret in secrets.iter().filter(|s| !s.is_empty()) {
        out = out.replace(secret.as_str(), "***");
    }
    out
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
