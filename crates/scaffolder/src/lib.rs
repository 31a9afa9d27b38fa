//! Backstage software templates (`scaffolder.backstage.io/v1beta3`) run locally.
//!
//! - [`template`]: load templates from a template.yaml, a folder of repositories, or the
//!   built-in golden paths; the parameter form as JSON Schema + uiSchema for the app.
//! - [`expr`]: Backstage's expressions (Nunjucks 3.2.4 semantics) on minijinja.
//! - [`run()`], [`dry_run`], [`plan`]: run a template into a folder, safely.
//! - [`update()`]: bring a newer template version into a generated project through Git.

mod actions;
pub mod answers;
pub mod error;
pub mod expr;
mod glob;
pub mod run;
pub mod template;
pub mod update;
mod workspace;
mod yaml_out;

pub use answers::{ANSWERS_FILE, Answers, read_answers};
pub use error::{OfflineStep, RunError, TemplateError, ValueProblem};
pub use run::{
    CatalogRegistrar, DryRun, ExistingTarget, Plan, PreviewFile, PreviewKind, Progress,
    ProgressSink, RunOptions, RunOutcome, RunOutput, StepReport, StepStatus, UserInfo, dry_run,
    plan, run,
};
pub use template::{
    FieldWidget, FormField, FormPage, LoadReport, ParameterForm, Template, TemplateSource,
    TemplateSummary, TemplateVersion, builtin_dir, load_builtin, load_dir,
};
pub use update::{UpdateConflict, UpdateOptions, UpdateOutcome, update};
pub use workspace::OutputLimits;

/// Writes YAML exactly as Backstage's `catalog:write` does (npm `yaml` 2 defaults).
pub fn to_yaml(value: &serde_json::Value) -> String {
    yaml_out::stringify(value)
}
