//! What runs, dry runs and plans report.

use std::path::PathBuf;

use serde::Serialize;
use serde_json::{Map, Value};

use crate::error::OfflineStep;

/// How a step ended.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
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
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
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
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OutputLink {
    /// Title.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub title: Option<String>,
    /// URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub url: Option<String>,
    /// Entity ref to open.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub entity_ref: Option<String>,
    /// Icon name.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub icon: Option<String>,
}

/// A text block of `spec.output.text`.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OutputText {
    /// Title.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub title: Option<String>,
    /// Markdown content.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub content: Option<String>,
    /// Icon name.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub icon: Option<String>,
}

/// The rendered `spec.output`.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
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
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
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
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
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
    #[cfg_attr(feature = "ts", ts(optional))]
    pub unavailable: Option<String>,
    /// Whether it has an `if`.
    pub conditional: bool,
    /// Whether it has an `each`.
    pub repeated: bool,
}

/// What a run would do, known before anything runs.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
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
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PreviewFile {
    /// Relative path (`/` separators).
    pub path: String,
    /// File, folder or symlink.
    pub kind: PreviewKind,
    /// Text content (absent for binary files, folders and symlinks).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub content: Option<String>,
    /// Size in bytes.
    pub size: u64,
    /// Whether it is executable.
    pub executable: bool,
    /// A symlink's target.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub link_target: Option<String>,
}

/// Kinds of preview entries.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
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
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
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
