//! The answers file: how a project was generated (template, version, answers without
//! secrets), so it can be updated later, as copier's `.copier-answers.yml` does.
//!
//! It lives at `.greenroom/answers.yaml` in the generated folder and is written before the
//! steps run, so a `publish:*` step commits it with the rest.

use std::path::Path;

use greenroom_yaml::{Limits, parse_single};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::RunError;
use crate::template::{TemplateSource, TemplateVersion};

/// Where the answers file is, relative to the generated folder.
pub const ANSWERS_FILE: &str = ".greenroom/answers.yaml";

/// The content of the answers file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Answers {
    /// `template:<namespace>/<name>`.
    pub template_ref: String,
    /// Built-in or local.
    pub source: TemplateSource,
    /// The template version the project was generated (or last updated) from.
    pub version: TemplateVersion,
    /// The form values, without secrets.
    pub answers: Map<String, Value>,
}

const HEADER: &str = "# Written by Greenroom when this project was generated from a template.\n\
# `greenroom scaffold update` reads it to bring template changes into the project.\n\
# Secrets are never stored here.\n";

impl Answers {
    /// The file's text.
    pub fn to_yaml(&self) -> String {
        let value = serde_json::to_value(self).unwrap_or(Value::Null);
        format!("{HEADER}{}", crate::yaml_out::stringify(&value))
    }
}

/// Reads a project's answers file.
pub fn read_answers(project: &Path) -> Result<Answers, RunError> {
    let path = project.join(ANSWERS_FILE);
    let text = std::fs::read_to_string(&path).map_err(|_| {
        RunError::Update(format!(
            "{} has no {ANSWERS_FILE}; only projects Greenroom generated can be updated",
            project.display()
        ))
    })?;
    let node = parse_single(&text, &Limits::default())
        .map_err(|e| RunError::Update(format!("{}: {e}", path.display())))?;
    serde_json::from_value(node.to_json()).map_err(|e| {
        RunError::Update(format!(
            "{} is not a valid answers file: {e}",
            path.display()
        ))
    })
}
