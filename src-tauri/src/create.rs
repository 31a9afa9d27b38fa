//! The Create page: software templates (the built-in golden paths and those of the
//! catalog), their parameter forms, a check of the answers, a dry run that previews the
//! files, and the run itself with its steps streamed to the window. Entities the run
//! registers join the catalog before the run returns.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use greenroom::Greenroom;
use greenroom::catalog::store::SourceKind;
use greenroom::scaffolder::run::PlannedStep;
use greenroom::scaffolder::{
    DryRun, ParameterForm, Plan, Progress, RunOptions, RunOutcome, Template, TemplateSummary,
};
use serde::Serialize;
use serde_json::{Map, Value};
use tauri::ipc::Channel;
use tauri::{AppHandle, Manager};
use tauri_plugin_dialog::DialogExt;

use crate::catalogs::Catalogs;
use crate::error::CommandError;
use crate::running::Running;
use crate::watching::Watching;

/// The templates the Create page lists.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct TemplateList {
    /// Templates of the catalog first, then the built-in golden paths.
    pub templates: Vec<TemplateSummary>,
    /// Template files that could not be loaded, with why.
    pub problems: Vec<String>,
}

/// What the wizard needs of one template.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct TemplateDetails {
    /// What the list shows.
    pub summary: TemplateSummary,
    /// The parameter pages, as JSON Schema and uiSchema.
    pub form: ParameterForm,
    /// Its steps, with those that cannot run offline marked.
    pub steps: Vec<PlannedStep>,
    /// Departures from Backstage's rules (the template still runs).
    pub warnings: Vec<String>,
}

/// Folders the runs of this window created: the only folders `open_project_folder` opens.
#[derive(Default)]
pub struct Projects {
    created: Mutex<Vec<PathBuf>>,
    /// The cancel flag of the run going on.
    running: Running<Arc<AtomicBool>>,
}

/// Runs `work` with a catalog reader on a blocking thread.
async fn with_reader<T: Send + 'static>(
    app: AppHandle,
    work: impl FnOnce(&Greenroom) -> Result<T, greenroom::Error> + Send + 'static,
) -> Result<T, CommandError> {
    tauri::async_runtime::spawn_blocking(move || app.state::<Catalogs>().read(work))
        .await
        .map_err(|e| CommandError::internal(format!("the command stopped unexpectedly: {e}")))?
}

/// Every template, with the files that failed to load.
#[tauri::command]
pub async fn list_templates(app: AppHandle) -> Result<TemplateList, CommandError> {
    with_reader(app, |g| {
        let list = g.templates()?;
        Ok(TemplateList {
            templates: list.templates.iter().map(Template::summary).collect(),
            problems: list.problems,
        })
    })
    .await
}

/// A template's form and steps.
#[tauri::command]
pub async fn template_form(
    app: AppHandle,
    template: String,
) -> Result<TemplateDetails, CommandError> {
    with_reader(app, move |g| {
        let template = g.find_template(&template)?;
        let plan = greenroom::scaffolder::plan(
            &template,
            &Value::Object(Map::new()),
            &RunOptions::default(),
        );
        Ok(TemplateDetails {
            summary: template.summary(),
            form: template.form.clone(),
            steps: plan.steps,
            warnings: template.warnings.clone(),
        })
    })
    .await
}

/// Checks answers against every page of the form (as the run will) and says which steps
/// cannot run offline.
#[tauri::command]
pub async fn check_template_values(
    app: AppHandle,
    template: String,
    values: Value,
) -> Result<Plan, CommandError> {
    with_reader(app, move |g| {
        let template = g.find_template(&template)?;
        Ok(greenroom::scaffolder::plan(
            &template,
            &values,
            &RunOptions::default(),
        ))
    })
    .await
}

/// What a run would create, rendered into a temporary folder; nothing else is written.
#[tauri::command]
pub async fn preview_template(
    app: AppHandle,
    template: String,
    values: Value,
    secrets: Option<Value>,
    skip_offline: bool,
    on_progress: Channel<Progress>,
) -> Result<DryRun, CommandError> {
    with_reader(app, move |g| {
        let template = g.find_template(&template)?;
        let options = run_options(secrets, skip_offline);
        g.scaffold_dry_run(&template, &values, &options, &|event: Progress| {
            let _ = on_progress.send(event);
        })
    })
    .await
}

/// Runs a template into `target` (a new or empty folder), streaming its steps; the new
/// project's entities are in the catalog, and its docs indexed, when this returns.
#[tauri::command]
pub async fn run_template(
    app: AppHandle,
    template: String,
    values: Value,
    secrets: Option<Value>,
    target: String,
    skip_offline: bool,
    on_progress: Channel<Progress>,
) -> Result<RunOutcome, CommandError> {
    tauri::async_runtime::spawn_blocking(move || {
        let target = crate::commands::expand_home(target.trim());
        if !target.is_absolute() {
            return Err(CommandError::invalid(format!(
                "choose where to create the project as a full path, not `{}`",
                target.display()
            )));
        }
        let catalogs = app.state::<Catalogs>();
        // The registrar of a run writes to the catalog through its own connection, so the
        // run does not hold one of the window's readers while it goes.
        let greenroom = Greenroom::open_read_only(catalogs.dir())?;
        let template = greenroom.find_template(&template)?;
        let cancel = Arc::new(AtomicBool::new(false));
        let options = RunOptions {
            cancel: Some(cancel.clone()),
            ..run_options(secrets, skip_offline)
        };
        let outcome = app.state::<Projects>().running.run(cancel, || {
            greenroom.scaffold(&template, &values, &target, &options, &|event: Progress| {
                let _ = on_progress.send(event);
            })
        })?;
        drop(greenroom);
        if let Ok(mut created) = app.state::<Projects>().created.lock() {
            created.push(outcome.target.clone());
        }
        follow_new_project(&app, &outcome);
        Ok(outcome)
    })
    .await
    .map_err(|e| CommandError::internal(format!("the command stopped unexpectedly: {e}")))?
}

/// Stops the template run going on before its next step; nothing is written to the
/// target. `false` when no run is going on.
#[tauri::command]
pub fn cancel_template_run(app: AppHandle) -> bool {
    app.state::<Projects>()
        .running
        .stop(|cancel| cancel.store(true, Ordering::Relaxed))
}

/// Watches the folder source that holds a new project (the run may have added it) and
/// indexes its docs, so the project's pages are searchable at once.
fn follow_new_project(app: &AppHandle, outcome: &RunOutcome) {
    let Ok(real) = std::fs::canonicalize(&outcome.target) else {
        return;
    };
    let sources = app
        .state::<Catalogs>()
        .read(|g| Ok(g.catalog().sources()?))
        .unwrap_or_default();
    let Some(source) = sources
        .iter()
        .filter(|s| s.kind == SourceKind::Folder && real.starts_with(&s.target))
        .max_by_key(|s| s.target.len())
    else {
        return;
    };
    let watching = app.state::<Watching>();
    if !watching.watched().contains(&source.id) {
        watching.watch(source.id, std::path::Path::new(&source.target));
    }
    if outcome.created_entities.is_empty() {
        return;
    }
    if let Ok(mut writer) = app.state::<Catalogs>().writer() {
        match writer.index_docs(Some(&source.id.to_string()), &|_| {}) {
            Ok(report) => crate::docs::report_failures(&report),
            Err(e) => eprintln!("greenroom: the new project's docs were not indexed: {e}"),
        }
    }
}

fn run_options(secrets: Option<Value>, skip_offline: bool) -> RunOptions {
    RunOptions {
        skip_unavailable: skip_offline,
        secrets: match secrets {
            Some(Value::Object(map)) => map,
            _ => Map::new(),
        },
        ..RunOptions::default()
    }
}

/// Asks where to create a project with the system's folder dialog; `None` when cancelled.
#[tauri::command]
pub async fn pick_target_folder(app: AppHandle) -> Result<Option<String>, CommandError> {
    tauri::async_runtime::spawn_blocking(move || {
        let picked = app
            .dialog()
            .file()
            .set_title("Where to create the project")
            .blocking_pick_folder();
        Ok(picked
            .and_then(|p| p.into_path().ok())
            .map(|p| p.display().to_string()))
    })
    .await
    .map_err(|e| CommandError::internal(format!("the command stopped unexpectedly: {e}")))?
}

/// Opens a folder a run of this window created in the file manager.
#[tauri::command]
pub fn open_project_folder(app: AppHandle, path: String) -> Result<(), CommandError> {
    let path = PathBuf::from(path);
    let known = app
        .state::<Projects>()
        .created
        .lock()
        .is_ok_and(|created| created.contains(&path));
    if !known {
        return Err(CommandError::invalid(format!(
            "{} was not created from this window",
            path.display()
        )));
    }
    crate::commands::open_path(&app, &path)
}
