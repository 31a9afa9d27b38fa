//! The built-in actions a template's steps call, run on this machine.
//!
//! Each action reads its rendered `input` and writes into the run's workspace. Actions whose
//! effect leaves the generated folder (registering in the catalog, committing to a clone the
//! user pointed at, pushing) record an [`Effect`] that runs only after the generated folder
//! is in place.

mod catalog;
mod fetch;
mod files;
mod publish;

use std::path::PathBuf;

use serde_json::{Map, Value};

use crate::error::RunError;
use crate::run::{Mode, RunOptions};
use crate::template::Template;
use crate::workspace::Workspace;

/// Something a run does outside the generated folder, once that folder is in place.
#[derive(Debug, Clone)]
pub(crate) enum Effect {
    /// Add the entities of a generated catalog file to the local catalog.
    Register {
        /// The file, relative to the generated folder.
        file: PathBuf,
        /// The location Backstage would have registered.
        location: String,
    },
    /// Push a published repository.
    Push {
        /// The repository folder, relative to the generated folder.
        repo: PathBuf,
        branch: String,
    },
    /// Commit generated files on a new branch of a clone the user pointed at.
    PullRequest(publish::PullRequest),
}

/// A repository a `publish:*` step created in the workspace.
#[derive(Debug, Clone)]
pub(crate) struct Published {
    pub repo_contents_url: String,
    /// Its folder, relative to the workspace.
    pub dir: PathBuf,
}

/// What an action sees.
pub(crate) struct ActionCtx<'a> {
    pub workspace: &'a mut Workspace,
    pub template: &'a Template,
    pub options: &'a RunOptions,
    pub mode: Mode,
    pub step_id: &'a str,
    pub log: &'a mut dyn FnMut(String),
    pub outputs: Vec<(String, Value)>,
    pub effects: &'a mut Vec<Effect>,
    pub published: &'a mut Vec<Published>,
}

impl ActionCtx<'_> {
    pub(crate) fn log(&mut self, line: impl Into<String>) {
        (self.log)(line.into());
    }

    pub(crate) fn output(&mut self, name: &str, value: impl Into<Value>) {
        self.outputs.push((name.to_owned(), value.into()));
    }
}

/// Whether an action id is one Greenroom runs.
pub(crate) fn is_builtin(action: &str) -> bool {
    fetch::ACTIONS.contains(&action)
        || files::ACTIONS.contains(&action)
        || catalog::ACTIONS.contains(&action)
        || publish::is_publish(action)
}

/// Why an action cannot run on this machine, or `None` when it can.
pub(crate) fn offline_reason(action: &str) -> Option<String> {
    if is_builtin(action) {
        return None;
    }
    Some(match action {
        "fetch:cookiecutter" | "fetch:rails" => {
            format!(
                "`{action}` runs an external generator inside a container on Backstage's server"
            )
        }
        a if a.starts_with("http:") => format!("`{a}` calls a server's HTTP API"),
        a if a.starts_with("catalog:") => format!("`{a}` needs Backstage's catalog server"),
        a if a.starts_with("github:")
            || a.starts_with("gitlab:")
            || a.starts_with("azure:")
            || a.starts_with("bitbucket")
            || a.starts_with("gitea:")
            || a.starts_with("gerrit:") =>
        {
            format!("`{a}` calls the source-control host's API")
        }
        a => format!(
            "`{a}` is not one of Backstage's built-in actions; it comes from a plugin Greenroom does not have"
        ),
    })
}

/// Runs one action with its rendered input.
pub(crate) fn run(
    action: &str,
    input: &Map<String, Value>,
    ctx: &mut ActionCtx<'_>,
) -> Result<(), RunError> {
    let step = ctx.step_id;
    let input = Input {
        map: input,
        step,
        action,
    };
    if fetch::ACTIONS.contains(&action) {
        fetch::run(&input, ctx)
    } else if files::ACTIONS.contains(&action) {
        files::run(&input, ctx)
    } else if catalog::ACTIONS.contains(&action) {
        catalog::run(&input, ctx)
    } else if publish::is_publish(action) {
        publish::run(&input, ctx)
    } else {
        Err(input.error(offline_reason(action).unwrap_or_default()))
    }
}

/// Where a fetch step's `url` is read from, checked before a run starts.
pub(crate) fn fetch_url_problem(action: &str, url: &str, options: &RunOptions) -> Option<String> {
    if !fetch::ACTIONS.contains(&action) || !fetch::is_remote(url) {
        return None;
    }
    if fetch::mirror_for(url, options).is_some() {
        return None;
    }
    Some(format!(
        "`{action}` reads {url}, which needs the network; map that URL to a local folder to run it offline"
    ))
}

/// Reading inputs with messages that name the step, the action and the field.
pub(crate) struct Input<'a> {
    pub map: &'a Map<String, Value>,
    pub step: &'a str,
    pub action: &'a str,
}

impl<'a> Input<'a> {
    pub(crate) fn error(&self, message: impl Into<String>) -> RunError {
        RunError::Step {
            step: self.step.to_owned(),
            action: self.action.to_owned(),
            message: message.into(),
        }
    }

    pub(crate) fn str(&self, key: &str) -> Result<Option<&'a str>, RunError> {
        match self.map.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(other) => Err(self.error(format!("input `{key}` must be a string, got {other}"))),
        }
    }

    pub(crate) fn required_str(&self, key: &str) -> Result<&'a str, RunError> {
        self.str(key)?
            .ok_or_else(|| self.error(format!("input `{key}` is required")))
    }

    pub(crate) fn bool(&self, key: &str) -> Result<bool, RunError> {
        match self.map.get(key) {
            None | Some(Value::Null) => Ok(false),
            Some(Value::Bool(b)) => Ok(*b),
            Some(other) => {
                Err(self.error(format!("input `{key}` must be true or false, got {other}")))
            }
        }
    }

    pub(crate) fn strings(&self, key: &str) -> Result<Option<Vec<String>>, RunError> {
        match self.map.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| {
                    v.as_str().map(str::to_owned).ok_or_else(|| {
                        self.error(format!("input `{key}` must be a list of strings"))
                    })
                })
                .collect::<Result<Vec<_>, _>>()
                .map(Some),
            Some(_) => Err(self.error(format!("input `{key}` must be an Array"))),
        }
    }
}

pub(crate) use publish::apply_pull_request;
