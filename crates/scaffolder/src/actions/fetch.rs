//! `fetch:template`, `fetch:template:file`, `fetch:plain` and `fetch:plain:file`, as
//! Backstage's handlers do them (`templateActionHandler.ts`, `templateFileActionHandler.ts`,
//! `plain.ts`, `plainFile.ts`).

use std::fs;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use super::{ActionCtx, Input};
use crate::error::RunError;
use crate::expr::{Engine, EngineSettings, Origin, js};
use crate::glob::{EntryKind, Patterns, list_tree};
use crate::run::RunOptions;
use crate::workspace::{is_binary, mode_of, safe_child};

pub(super) const ACTIONS: &[&str] = &[
    "fetch:template",
    "fetch:template:file",
    "fetch:plain",
    "fetch:plain:file",
];

pub(super) fn run(input: &Input<'_>, ctx: &mut ActionCtx<'_>) -> Result<(), RunError> {
    let action = input.action;
    match action {
        "fetch:template" => fetch_template(input, ctx),
        "fetch:template:file" => fetch_template_file(input, ctx),
        "fetch:plain" => fetch_plain(input, ctx),
        _ => fetch_plain_file(input, ctx),
    }
}

pub(super) fn is_remote(url: &str) -> bool {
    url.contains("://")
}

/// The local folder a remote URL is mapped to (the longest matching prefix), and the path
/// the URL names inside it.
pub(super) fn mirror_for(url: &str, options: &RunOptions) -> Option<(PathBuf, PathBuf)> {
    options
        .remote_sources
        .iter()
        .filter(|(prefix, _)| url.starts_with(prefix.as_str()))
        .max_by_key(|(prefix, _)| prefix.len())
        .map(|(prefix, dir)| {
            (
                dir.clone(),
                dir.join(url[prefix.len()..].trim_start_matches('/')),
            )
        })
}

/// Resolves `url`: relative to the template's folder and allowed up to its repository root,
/// or a remote URL mapped to a local folder.
fn resolve_source(url: &str, input: &Input<'_>, ctx: &ActionCtx<'_>) -> Result<PathBuf, RunError> {
    let (candidate, allowed_root) = if is_remote(url) {
        let Some((root, local)) = mirror_for(url, ctx.options) else {
            return Err(input.error(format!(
                "{url} is not available offline; map it to a local folder (a clone of that repository) to use it"
            )));
        };
        (local, root)
    } else {
        let url = url.strip_prefix("file://").unwrap_or(url);
        (ctx.template.dir.join(url), ctx.template.repo_root.clone())
    };
    let real = candidate.canonicalize().map_err(|_| {
        input.error(format!(
            "url `{url}`: {} does not exist",
            candidate.display()
        ))
    })?;
    let root = allowed_root.canonicalize().unwrap_or(allowed_root);
    if !real.starts_with(&root) {
        return Err(RunError::Unsafe(format!(
            "step `{}`: url `{url}` resolves to {}, outside the template's repository {}",
            input.step,
            real.display(),
            root.display()
        )));
    }
    Ok(real)
}

fn values_context(input: &Input<'_>, compat: bool) -> Result<minijinja::Value, RunError> {
    let values = match input.map.get("values") {
        None | Some(Value::Null) => Value::Object(Map::new()),
        Some(v @ Value::Object(_)) => v.clone(),
        Some(other) => {
            return Err(input.error(format!("input `values` must be an object, got {other}")));
        }
    };
    let mut context = Map::new();
    context.insert(
        if compat { "cookiecutter" } else { "values" }.into(),
        values,
    );
    Ok(js::from_json(&Value::Object(context)))
}

fn engine(input: &Input<'_>, ctx: &ActionCtx<'_>) -> Result<Engine, RunError> {
    Ok(Engine::new(&EngineSettings {
        integrations: std::sync::Arc::new(ctx.options.integrations.clone()),
        trim_blocks: input.bool("trimBlocks")?,
        lstrip_blocks: input.bool("lstripBlocks")?,
        cookiecutter_compat: input.bool("cookiecutterCompat")?,
        limits: ctx.options.render_limits,
    }))
}

fn fetch_template(input: &Input<'_>, ctx: &mut ActionCtx<'_>) -> Result<(), RunError> {
    let url = input.required_str("url")?;
    let target_path = input.str("targetPath")?.unwrap_or("./");
    let output_dir = ctx.workspace.resolve(target_path, "targetPath")?;
    let copy_without_render = input.strings("copyWithoutRender")?;
    let copy_without_templating = input.strings("copyWithoutTemplating")?;
    if copy_without_render.is_some() && copy_without_templating.is_some() {
        return Err(input.error(
            "Fetch action input copyWithoutRender and copyWithoutTemplating can not be used at the same time",
        ));
    }
    let compat = input.bool("cookiecutterCompat")?;
    let (copy_only, render_filename) = match copy_without_render {
        Some(patterns) => {
            ctx.log("[Deprecated] copyWithoutRender is deprecated Please use copyWithoutTemplating instead.");
            (Some(patterns), false)
        }
        None => (copy_without_templating, true),
    };
    let extension = match input.map.get("templateFileExtension") {
        None | Some(Value::Null) | Some(Value::Bool(false)) => None,
        Some(Value::Bool(true)) => Some(".njk".to_owned()),
        Some(Value::String(s)) if s.is_empty() => None,
        Some(Value::String(s)) => Some(if s.starts_with('.') {
            s.clone()
        } else {
            format!(".{s}")
        }),
        Some(other) => {
            return Err(input.error(format!(
                "input `templateFileExtension` must be a string or true, got {other}"
            )));
        }
    };
    if extension.is_some() && (copy_only.is_some() || compat) {
        return Err(input.error(
            "Fetch action input extension incompatible with copyWithoutRender/copyWithoutTemplating and cookiecutterCompat",
        ));
    }
    let template_dir = resolve_source(url, input, ctx)?;
    if !template_dir.is_dir() {
        return Err(input.error(format!(
            "url `{url}` must name a folder; use fetch:template:file for a single file"
        )));
    }
    if output_dir
        .canonicalize()
        .is_ok_and(|o| o.starts_with(&template_dir))
    {
        return Err(input.error("targetPath must not be within template path"));
    }
    let replace = input.bool("replace")?;
    let engine = engine(input, ctx)?;
    let context = values_context(input, compat)?;
    ctx.log("Listing files and directories in template");
    let entries = list_tree(&template_dir).map_err(|e| RunError::io(&template_dir, e))?;
    let copy_only = match copy_only {
        Some(patterns) => {
            Some(Patterns::new(&patterns, &template_dir).map_err(|e| input.error(e))?)
        }
        None => None,
    };
    ctx.log(format!(
        "Processing {} template files/directories with input values",
        entries.len()
    ));
    let shown_root = template_dir
        .strip_prefix(&ctx.template.repo_root)
        .unwrap_or(&template_dir)
        .to_path_buf();
    for entry in entries {
        if ctx.options.cancelled() {
            return Err(RunError::Cancelled);
        }
        let origin_name = shown_root
            .join(entry.rel.trim_end_matches('/'))
            .display()
            .to_string();
        let origin = Origin {
            file: &origin_name,
            line: 0,
        };
        let mut local = entry.rel.clone();
        let render_contents = match &extension {
            Some(ext) => {
                let matches = extname(&local) == ext.as_str();
                if matches {
                    local.truncate(local.len() - ext.len());
                }
                local = engine.render(&local, &context, origin)?;
                matches
            }
            None => {
                let copy = copy_only.as_ref().is_some_and(|p| p.matches(&entry.rel));
                if render_filename || !copy {
                    local = engine.render(&local, &context, origin)?;
                }
                !copy
            }
        };
        // An empty path segment is how a template leaves a file or folder out.
        if local.is_empty() || local.starts_with('/') || local.contains("//") {
            continue;
        }
        let output_path = safe_child(&output_dir, &local, "a rendered file name")?;
        if output_path.exists() && !replace {
            continue;
        }
        if !render_contents && extension.is_none() {
            ctx.log(format!(
                "Copying file/directory {} without processing.",
                entry.rel
            ));
        }
        match entry.kind {
            EntryKind::Dir => {
                ctx.log(format!(
                    "Writing directory {} to template output path.",
                    entry.rel
                ));
                ctx.workspace.create_dir(&output_path)?;
            }
            EntryKind::Symlink => {
                ctx.log(format!(
                    "Copying file binary or symbolic link at {}, to template output path.",
                    entry.rel
                ));
                let target =
                    fs::read_link(&entry.path).map_err(|e| RunError::io(&entry.path, e))?;
                remove_existing(&output_path)?;
                ctx.workspace.symlink(&output_path, &target, &entry.rel)?;
            }
            EntryKind::File => {
                let meta = fs::metadata(&entry.path).map_err(|e| RunError::io(&entry.path, e))?;
                let bytes = fs::read(&entry.path).map_err(|e| RunError::io(&entry.path, e))?;
                let mode = mode_of(&meta);
                if is_binary(&bytes) {
                    ctx.log(format!(
                        "Copying file binary or symbolic link at {}, to template output path.",
                        entry.rel
                    ));
                    ctx.workspace.write_file(&output_path, &bytes, Some(mode))?;
                } else {
                    ctx.log(format!(
                        "Writing file {} to template output path with mode {}.",
                        entry.rel,
                        0o100000 | mode
                    ));
                    let text = String::from_utf8_lossy(&bytes);
                    let contents = if render_contents {
                        engine.render(
                            &text,
                            &context,
                            Origin {
                                file: &origin_name,
                                line: 1,
                            },
                        )?
                    } else {
                        text.into_owned()
                    };
                    ctx.workspace
                        .write_file(&output_path, contents.as_bytes(), Some(mode))?;
                }
            }
        }
    }
    ctx.log(format!("Template result written to {target_path}"));
    Ok(())
}

fn remove_existing(path: &Path) -> Result<(), RunError> {
    if fs::symlink_metadata(path).is_ok() && !path.is_dir() {
        fs::remove_file(path).map_err(|e| RunError::io(path, e))?;
    }
    Ok(())
}

/// Node's `path.extname`: the last `.suffix` of the last segment, not counting a leading dot.
fn extname(path: &str) -> &str {
    let name = path.rsplit('/').next().unwrap_or(path);
    match name.rfind('.') {
        Some(0) | None => "",
        Some(i) => &name[i..],
    }
}

fn fetch_template_file(input: &Input<'_>, ctx: &mut ActionCtx<'_>) -> Result<(), RunError> {
    let url = input.required_str("url")?;
    let target_path = input.required_str("targetPath")?;
    let output_path = ctx.workspace.resolve(target_path, "targetPath")?;
    if output_path.exists() && !input.bool("replace")? {
        ctx.log(format!(
            "File {target_path} already exists in workspace, not replacing."
        ));
        return Ok(());
    }
    let file = resolve_source(url, input, ctx)?;
    let compat = input.bool("cookiecutterCompat")?;
    let engine = engine(input, ctx)?;
    let context = values_context(input, compat)?;
    ctx.log("Processing template file with input values");
    let bytes = fs::read(&file).map_err(|e| RunError::io(&file, e))?;
    let shown = file
        .strip_prefix(&ctx.template.repo_root)
        .unwrap_or(&file)
        .display()
        .to_string();
    let rendered = engine.render(
        &String::from_utf8_lossy(&bytes),
        &context,
        Origin {
            file: &shown,
            line: 1,
        },
    )?;
    ctx.workspace
        .write_file(&output_path, rendered.as_bytes(), None)?;
    ctx.log(format!("Template file has been written to {target_path}"));
    Ok(())
}

fn fetch_plain(input: &Input<'_>, ctx: &mut ActionCtx<'_>) -> Result<(), RunError> {
    let url = input.required_str("url")?;
    let target_path = input.str("targetPath")?.unwrap_or("./");
    let output_dir = ctx.workspace.resolve(target_path, "targetPath")?;
    let source = resolve_source(url, input, ctx)?;
    ctx.log(format!("Fetching plain content from remote URL {url}"));
    if source.is_file() {
        return copy_file(&source, &output_dir, ctx);
    }
    for entry in list_tree(&source).map_err(|e| RunError::io(&source, e))? {
        let out = safe_child(&output_dir, entry.rel.trim_end_matches('/'), "a file name")?;
        match entry.kind {
            EntryKind::Dir => ctx.workspace.create_dir(&out)?,
            EntryKind::Symlink => {
                let target =
                    fs::read_link(&entry.path).map_err(|e| RunError::io(&entry.path, e))?;
                remove_existing(&out)?;
                ctx.workspace.symlink(&out, &target, &entry.rel)?;
            }
            EntryKind::File => copy_file(&entry.path, &out, ctx)?,
        }
    }
    Ok(())
}

fn fetch_plain_file(input: &Input<'_>, ctx: &mut ActionCtx<'_>) -> Result<(), RunError> {
    let url = input.required_str("url")?;
    let target_path = input.required_str("targetPath")?;
    let output_path = ctx.workspace.resolve(target_path, "targetPath")?;
    let source = resolve_source(url, input, ctx)?;
    ctx.log(format!("Fetching plain content from remote URL {url}"));
    copy_file(&source, &output_path, ctx)
}

fn copy_file(source: &Path, out: &Path, ctx: &mut ActionCtx<'_>) -> Result<(), RunError> {
    let meta = fs::metadata(source).map_err(|e| RunError::io(source, e))?;
    let bytes = fs::read(source).map_err(|e| RunError::io(source, e))?;
    ctx.workspace.write_file(out, &bytes, Some(mode_of(&meta)))
}
