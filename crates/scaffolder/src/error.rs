//! Errors of loading and running templates. Every message says what happened and, where
//! there is something to do, what to do.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::expr::ExprError;

/// A template file that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The YAML does not parse.
    #[error("{path}:{line}: {message}")]
    Yaml {
        /// The file.
        path: PathBuf,
        /// Line of the problem.
        line: u32,
        /// What is wrong.
        message: String,
    },
    /// The document breaks Backstage's rules for a Template entity.
    #[error("{path}: {}", problems.join("; "))]
    Invalid {
        /// The file.
        path: PathBuf,
        /// Each problem, with its line.
        problems: Vec<String>,
    },
    /// The file holds no `scaffolder.backstage.io/v1beta3` Template.
    #[error(
        "{0} holds no Template entity (apiVersion scaffolder.backstage.io/v1beta3, kind Template)"
    )]
    NotATemplate(PathBuf),
}

/// One submitted value that the template's parameter schema refuses.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ValueProblem {
    /// The form page (from 0).
    pub page: usize,
    /// JSON pointer of the value, e.g. `/port`.
    pub pointer: String,
    /// What is wrong with it.
    pub message: String,
}

/// Why a run (or a dry run, plan or update) stopped. Nothing was written to the target when
/// a run returns an error.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The submitted values do not satisfy the parameter schema.
    #[error("the values do not fit the template's form: {}", .0.iter().map(|p| format!("{} {}", if p.pointer.is_empty() { "(root)" } else { &p.pointer }, p.message)).collect::<Vec<_>>().join("; "))]
    InvalidValues(Vec<ValueProblem>),
    /// Steps use actions that need a server or network; checked before anything runs.
    #[error("not available offline: {}; choose to skip these steps to run the rest", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    NotAvailableOffline(Vec<OfflineStep>),
    /// The target folder exists and is not empty.
    #[error("{} already exists and is not empty; choose an empty or new folder, or allow merging into it", .0.display())]
    TargetNotEmpty(PathBuf),
    /// A template expression failed.
    #[error("{0}")]
    Expr(#[from] ExprError),
    /// A step failed.
    #[error("step `{step}` ({action}) failed: {message}")]
    Step {
        /// The step id.
        step: String,
        /// The action id.
        action: String,
        /// What went wrong.
        message: String,
    },
    /// The template tried to write outside the target or create an escaping symlink.
    #[error("refused: {0}")]
    Unsafe(String),
    /// The template would write more than the limits allow.
    #[error("refused: {0}; the limits guard against templates that would fill the disk")]
    Limit(String),
    /// A file operation failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The path involved.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A Git operation failed.
    #[error("git: {0}")]
    Git(String),
    /// The caller cancelled the run; nothing was written to the target.
    #[error("the run was cancelled; nothing was written to the target")]
    Cancelled,
    /// The project cannot be updated (no answers file, template missing, dirty tree...).
    #[error("{0}")]
    Update(String),
}

impl RunError {
    pub(crate) fn io(path: &Path, source: std::io::Error) -> RunError {
        RunError::Io {
            path: path.to_path_buf(),
            source,
        }
    }

    /// A stable code for the UI to branch on.
    pub fn code(&self) -> &'static str {
        match self {
            RunError::InvalidValues(_) => "invalid-values",
            RunError::NotAvailableOffline(_) => "not-available-offline",
            RunError::TargetNotEmpty(_) => "target-not-empty",
            RunError::Expr(_) => "template-expression",
            RunError::Step { .. } => "step-failed",
            RunError::Unsafe(_) => "unsafe-template",
            RunError::Limit(_) => "output-limit",
            RunError::Io { .. } => "io",
            RunError::Git(_) => "git",
            RunError::Cancelled => "cancelled",
            RunError::Update(_) => "update",
        }
    }
}

impl From<git2::Error> for RunError {
    fn from(e: git2::Error) -> Self {
        RunError::Git(e.message().to_owned())
    }
}

/// A step whose action cannot run on this machine without a server.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OfflineStep {
    /// The step id.
    pub step: String,
    /// The action id.
    pub action: String,
    /// Why it cannot run here.
    pub reason: String,
}

impl std::fmt::Display for OfflineStep {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "step `{}` ({}): {}", self.step, self.action, self.reason)
    }
}
