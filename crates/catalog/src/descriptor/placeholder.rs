//! `$text`, `$json` and `$yaml` placeholders (`PlaceholderProcessor.ts`): a mapping whose
//! only key is one of them is replaced by the referenced file's content. Relative paths
//! resolve against the descriptor's folder, `/` means the repository root, and nothing
//! outside the repository is read. A URL cannot be read offline: the placeholder stays,
//! with a warning, and the entity is kept.

use greenroom_yaml::{Limits, Node, Value, parse_single};

use super::files::{FileError, RepoFiles, resolve_relative};
use crate::problem::Problem;

/// Largest file a placeholder may pull in (API definitions can be big).
pub const MAX_PLACEHOLDER_BYTES: u64 = 20 * 1024 * 1024;

/// What resolving a document's placeholders found.
#[derive(Default)]
pub(crate) struct Resolution {
    pub problems: Vec<Problem>,
    /// The files read, with their bytes' hash input, for change detection.
    pub dependencies: Vec<(String, Vec<u8>)>,
}

pub(crate) fn resolve(node: &mut Node, files: &dyn RepoFiles, file: &str, out: &mut Resolution) {
    resolve_at(node, files, file, "", out);
}

fn resolve_at(
    node: &mut Node,
    files: &dyn RepoFiles,
    file: &str,
    path: &str,
    out: &mut Resolution,
) {
    if let Some((name, reference)) = placeholder(node) {
        if let Some(value) = resolve_one(&name, reference, node, files, file, path, out) {
            *node = value;
        }
        return;
    }
    match &mut node.value {
        Value::Map(entries) => {
            for (key, value) in entries {
                let child = if path.is_empty() {
                    key.key_string()
                } else {
                    format!("{path}.{}", key.key_string())
                };
                resolve_at(value, files, file, &child, out);
            }
        }
        Value::Seq(items) => {
            for (i, item) in items.iter_mut().enumerate() {
                resolve_at(item, files, file, &format!("{path}[{i}]"), out);
            }
        }
        _ => {}
    }
}

/// A mapping with one `$text`/`$json`/`$yaml` key: its name and value.
fn placeholder(node: &Node) -> Option<(String, &Node)> {
    match node.as_map()? {
        [(key, value)] => match key.as_str()? {
            name @ ("$text" | "$json" | "$yaml") => Some((name.to_owned(), value)),
            _ => None,
        },
        _ => None,
    }
}

fn resolve_one(
    name: &str,
    reference: &Node,
    node: &Node,
    files: &dyn RepoFiles,
    file: &str,
    path: &str,
    out: &mut Resolution,
) -> Option<Node> {
    let mark = node.mark;
    let problem =
        |code: &str, message: String| Problem::error(code, message).at_field(path).at(mark);
    let Some(target) = reference.as_str() else {
        out.problems.push(problem(
            "placeholder",
            format!(
                "the {name} placeholder needs a string (a path or URL), got {}",
                reference.value.type_name()
            ),
        ));
        return None;
    };
    if target.contains("://") {
        out.problems.push(
            Problem::warning(
                "placeholder-offline",
                format!("{name} `{target}` points to a URL, which cannot be read offline; the value is left unresolved"),
            )
            .at_field(path)
            .at(mark),
        );
        return None;
    }
    let Some(resolved) = resolve_relative(file, target) else {
        out.problems.push(problem(
            "placeholder-escape",
            format!("{name} `{target}` points outside the repository; placeholders may only read files of the same repository"),
        ));
        return None;
    };
    let bytes = match files.read(&resolved, MAX_PLACEHOLDER_BYTES) {
        Ok(bytes) => bytes,
        Err(FileError::NotFound(_)) => {
            out.problems.push(problem(
                "placeholder-missing",
                format!("{name} `{target}` refers to {resolved}, which does not exist; fix the path or add the file"),
            ));
            return None;
        }
        Err(e) => {
            out.problems.push(problem(
                "placeholder-unreadable",
                format!("{name} `{target}`: {e}"),
            ));
            return None;
        }
    };
    let text = match std::str::from_utf8(&bytes) {
        Ok(text) => text.to_owned(),
        Err(_) => {
            out.problems.push(problem(
                "placeholder-unreadable",
                format!("{name} `{target}`: {resolved} is not UTF-8 text"),
            ));
            return None;
        }
    };
    out.dependencies.push((resolved.clone(), bytes));
    let value = match name {
        "$text" => Node {
            value: Value::String(text),
            mark,
            tag: None,
        },
        "$json" => match serde_json::from_str::<serde_json::Value>(&text) {
            Ok(json) => Node::from_json(&json, mark),
            Err(e) => {
                out.problems.push(problem(
                    "placeholder-invalid",
                    format!("$json `{target}`: {resolved} is not valid JSON ({e})"),
                ));
                return None;
            }
        },
        _ => match parse_single(&text, &Limits::default()) {
            Ok(mut yaml) => {
                relocate(&mut yaml, mark);
                yaml
            }
            Err(e) => {
                out.problems.push(problem(
                    "placeholder-invalid",
                    format!("$yaml `{target}`: {resolved} {e}"),
                ));
                return None;
            }
        },
    };
    Some(value)
}

/// Positions inside another file mean nothing in this one: point them at the placeholder.
fn relocate(node: &mut Node, mark: greenroom_yaml::Mark) {
    node.mark = mark;
    match &mut node.value {
        Value::Map(entries) => {
            for (k, v) in entries {
                relocate(k, mark);
                relocate(v, mark);
            }
        }
        Value::Seq(items) => items.iter_mut().for_each(|i| relocate(i, mark)),
        _ => {}
    }
}
