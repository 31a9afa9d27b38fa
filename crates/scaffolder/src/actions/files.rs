//! `fs:rename`, `fs:delete`, `fs:read`, `debug:log` and `debug:wait`, as Backstage's
//! `filesystem/*.ts` and `debug/*.ts` do them.

use std::fs;

use serde_json::Value;

use super::{ActionCtx, Input};
use crate::error::RunError;
use crate::expr::js;
use crate::glob::{EntryKind, Patterns, list_tree};

pub(super) const ACTIONS: &[&str] = &[
    "fs:rename",
    "fs:delete",
    "fs:read",
    "debug:log",
    "debug:wait",
];

pub(super) fn run(input: &Input<'_>, ctx: &mut ActionCtx<'_>) -> Result<(), RunError> {
    let action = input.action;
    match action {
        "fs:rename" => rename(input, ctx),
        "fs:delete" => delete(input, ctx),
        "fs:read" => read(input, ctx),
        "debug:log" => debug_log(input, ctx),
        _ => {
            ctx.log("debug:wait only slows a run down; Greenroom continues at once");
            Ok(())
        }
    }
}

fn rename(input: &Input<'_>, ctx: &mut ActionCtx<'_>) -> Result<(), RunError> {
    let Some(Value::Array(files)) = input.map.get("files") else {
        return Err(input.error("files must be an Array"));
    };
    for file in files {
        let from = file
            .get("from")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty());
        let to = file
            .get("to")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty());
        let (Some(from), Some(to)) = (from, to) else {
            return Err(input.error("each file must have a from and to property"));
        };
        let overwrite = file
            .get("overwrite")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let source = ctx.workspace.resolve(from, "fs:rename from")?;
        let dest = ctx.workspace.resolve(to, "fs:rename to")?;
        if fs::symlink_metadata(&source).is_err() {
            return Err(input.error(format!("cannot rename {from}: it does not exist")));
        }
        if fs::symlink_metadata(&dest).is_ok() {
            if !overwrite {
                return Err(input.error(format!(
                    "cannot rename {from} to {to}: dest already exists."
                )));
            }
            remove_path(&dest)?;
        }
        if let Some(parent) = dest.parent() {
            ctx.workspace.create_dir(parent)?;
        }
        fs::rename(&source, &dest).map_err(|e| RunError::io(&source, e))?;
        ctx.log(format!("File {from} renamed to {to} successfully"));
    }
    Ok(())
}

fn remove_path(path: &std::path::Path) -> Result<(), RunError> {
    let meta = fs::symlink_metadata(path).map_err(|e| RunError::io(path, e))?;
    if meta.is_dir() {
        fs::remove_dir_all(path).map_err(|e| RunError::io(path, e))
    } else {
        fs::remove_file(path).map_err(|e| RunError::io(path, e))
    }
}

/// Deletes the files the globs match. As in Backstage (globby with its default
/// `onlyFiles: true`), a folder's files go and the emptied folders stay.
fn delete(input: &Input<'_>, ctx: &mut ActionCtx<'_>) -> Result<(), RunError> {
    let Some(patterns) = input.strings("files")? else {
        return Err(input.error("files must be an Array"));
    };
    let root = ctx.workspace.root().to_path_buf();
    let entries = list_tree(&root).map_err(|e| RunError::io(&root, e))?;
    for pattern in patterns {
        let resolved = ctx.workspace.resolve(&pattern, "fs:delete files")?;
        let relative = resolved
            .strip_prefix(&root)
            .unwrap_or(&resolved)
            .to_string_lossy()
            .replace('\\', "/");
        let matcher = Patterns::new(&[relative], &root).map_err(|e| input.error(e))?;
        for entry in entries
            .iter()
            .filter(|e| e.kind != EntryKind::Dir && matcher.matches(&e.rel))
        {
            if fs::symlink_metadata(&entry.path).is_ok() {
                fs::remove_file(&entry.path).map_err(|e| RunError::io(&entry.path, e))?;
                ctx.log(format!("File {} deleted successfully", entry.rel));
            }
        }
    }
    Ok(())
}

fn read(input: &Input<'_>, ctx: &mut ActionCtx<'_>) -> Result<(), RunError> {
    let path = input.required_str("path")?;
    let file = ctx.workspace.resolve(path, "fs:read path")?;
    let bytes = fs::read(&file).map_err(|e| RunError::io(&file, e))?;
    ctx.output("content", String::from_utf8_lossy(&bytes).into_owned());
    Ok(())
}

fn debug_log(input: &Input<'_>, ctx: &mut ActionCtx<'_>) -> Result<(), RunError> {
    let mut logged = String::new();
    js::write_json(&Value::Object(input.map.clone()), "  ", 0, &mut logged);
    ctx.log(logged);
    if let Some(message) = input.map.get("message").filter(|m| !m.is_null()) {
        ctx.log(js::json_display(message));
    }
    let listing = match input.map.get("listWorkspace") {
        Some(Value::Bool(true)) => Some(false),
        Some(Value::String(s)) if s == "with-filenames" => Some(false),
        Some(Value::String(s)) if s == "with-contents" => Some(true),
        _ => None,
    };
    if let Some(with_contents) = listing {
        let root = ctx.workspace.root().to_path_buf();
        let mut lines = vec!["Workspace:".to_owned()];
        for entry in list_tree(&root).map_err(|e| RunError::io(&root, e))? {
            if entry.kind == EntryKind::Dir {
                continue;
            }
            if with_contents {
                match fs::read(&entry.path) {
                    Ok(bytes) => lines.push(format!(
                        " - {}:\n  {}",
                        entry.rel,
                        String::from_utf8_lossy(&bytes)
                    )),
                    Err(_) => lines.push(format!(" - {}: [skipped]", entry.rel)),
                }
            } else {
                lines.push(format!("  - {}", entry.rel));
            }
        }
        ctx.log(lines.join("\n"));
    }
    Ok(())
}
