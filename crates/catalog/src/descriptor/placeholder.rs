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
    let first = out.problems.len();
    let mut trails = Vec::new();
    resolve_at(node, files, file, &mut Vec::new(), &mut trails, out);
    // Field paths are rendered only for problems, after the walk.
    for (problem, trail) in out.problems[first..].iter_mut().zip(trails) {
        problem.field = Some(render_path(node, &trail));
    }
}

/// Walks the tree; `trail` holds the child positions leading to `node`, and `trails`
/// receives the trail of each problem pushed to `out`.
fn resolve_at(
    node: &mut Node,
    files: &dyn RepoFiles,
    file: &str,
    trail: &mut Vec<usize>,
    trails: &mut Vec<Vec<usize>>,
    out: &mut Resolution,
) {
    if let Some((name, reference)) = placeholder(node) {
        let before = out.problems.len();
        if let Some(value) = resolve_one(&name, reference, node, files, file, out) {
            *node = value;
        }
        trails.extend(std::iter::repeat_n(
            trail.clone(),
            out.problems.len() - before,
        ));
        return;
    }
    match &mut node.value {
        Value::Map(entries) => {
            for (i, (_, value)) in entries.iter_mut().enumerate() {
                trail.push(i);
                resolve_at(value, files, file, trail, trails, out);
                trail.pop();
            }
        }
        Value::Seq(items) => {
            for (i, item) in items.iter_mut().enumerate() {
                trail.push(i);
                resolve_at(item, files, file, trail, trails, out);
                trail.pop();
            }
        }
        _ => {}
    }
}

/// `spec.definition`, `metadata.links[0]` from child positions.
fn render_path(root: &Node, trail: &[usize]) -> String {
    let mut path = String::new();
    let mut node = root;
    for &i in trail {
        match &node.value {
            Value::Map(entries) => {
                let key = entries[i].0.key_string();
                path = if path.is_empty() {
                    key
                } else {
                    crate::rules::child_path(&path, &key)
                };
                node = &entries[i].1;
            }
            Value::Seq(items) => {
                path = format!("{path}[{i}]");
                node = &items[i];
            }
            _ => break,
        }
    }
    path
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
    out: &mut Resolution,
) -> Option<Node> {
    let mark = node.mark;
    let problem = |code: &str, message: String| Problem::error(code, message).at(mark);
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
