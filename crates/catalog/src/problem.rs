//! Problems found while reading descriptors: what is wrong, where, and how bad.

use serde::{Deserialize, Serialize};

/// How bad a problem is.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Backstage would refuse the document; it is not in the catalog.
    Error,
    /// The document is in the catalog, but something is likely wrong or cannot be used here.
    Warning,
}

impl Severity {
    /// `error` or `warning`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// One problem in one document (or in a file as a whole).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    /// Error or warning.
    pub severity: Severity,
    /// A stable, machine-readable kind of problem, e.g. `invalid-name`.
    pub code: String,
    /// The field it is about, e.g. `spec.owner` or `metadata.tags[2]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Line (from 1) where it was found, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    /// Column (from 1) where it was found, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<u32>,
    /// What is wrong and what to do about it.
    pub message: String,
}

impl Problem {
    /// An error.
    pub fn error(code: &str, message: impl Into<String>) -> Self {
        Problem {
            severity: Severity::Error,
            code: code.to_owned(),
            field: None,
            line: None,
            column: None,
            message: message.into(),
        }
    }

    /// A warning.
    pub fn warning(code: &str, message: impl Into<String>) -> Self {
        Problem {
            severity: Severity::Warning,
            ..Problem::error(code, message)
        }
    }

    /// The same problem, about a field.
    pub fn at_field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    /// The same problem, at a position.
    pub fn at(mut self, mark: greenroom_yaml::Mark) -> Self {
        self.line = Some(mark.line);
        self.column = Some(mark.column);
        self
    }

    /// Whether this is an error.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// `:line:column` (or `:line`, or nothing) to follow a file name.
    pub fn position(&self) -> String {
        match (self.line, self.column) {
            (Some(line), Some(column)) => format!(":{line}:{column}"),
            (Some(line), None) => format!(":{line}"),
            _ => String::new(),
        }
    }

    /// The message, led by the field it is about (`spec.owner: ...`).
    pub fn described(&self) -> String {
        match self.field.as_deref().filter(|f| !f.is_empty()) {
            Some(field) => format!("{field}: {}", self.message),
            None => self.message.clone(),
        }
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let (Some(line), Some(column)) = (self.line, self.column) {
            write!(f, "{line}:{column}: ")?;
        }
        write!(f, "{}: ", self.severity.as_str())?;
        if let Some(field) = &self.field {
            write!(f, "{field}: ")?;
        }
        f.write_str(&self.message)
    }
}
