//! `catalog:write` and `catalog:register`. Registering adds the generated entities to the
//! local catalog (through the facade) once the generated folder is in place; the entity ref
//! is read from the generated file during the run, so later steps and output links see it.

use std::fs;
use std::path::{Path, PathBuf};

use greenroom_catalog::rules::validate_document;
use greenroom_yaml::{Limits, parse_documents};
use serde_json::{Map, Value};

use super::{ActionCtx, Effect, Input};
use crate::error::RunError;
use crate::run::Mode;
use crate::yaml_out;

pub(super) const ACTIONS: &[&str] = &["catalog:write", "catalog:register"];

pub(super) fn run(input: &Input<'_>, ctx: &mut ActionCtx<'_>) -> Result<(), RunError> {
    let action = input.action;
    if action == "catalog:write" {
        write(input, ctx)
    } else {
        register(input, ctx)
    }
}

fn write(input: &Input<'_>, ctx: &mut ActionCtx<'_>) -> Result<(), RunError> {
    let path = input.str("filePath")?.unwrap_or("catalog-info.yaml");
    let Some(Value::Object(entity)) = input.map.get("entity") else {
        return Err(input.error("input `entity` must be an object"));
    };
    let Some(Value::Object(metadata)) = entity.get("metadata") else {
        return Err(input.error("input `entity.metadata` must be an object"));
    };
    // `{...entity, metadata: {...metadata, annotations: {...annotations, source-template}}}`:
    // keys keep their places, new ones go last.
    let mut annotations = match metadata.get("annotations") {
        Some(Value::Object(a)) => a.clone(),
        _ => Map::new(),
    };
    annotations.insert(
        "backstage.io/source-template".into(),
        Value::String(source_template_ref(ctx)),
    );
    let mut metadata = metadata.clone();
    metadata.insert("annotations".into(), Value::Object(annotations));
    let mut entity = entity.clone();
    entity.insert("metadata".into(), Value::Object(metadata));
    ctx.log(format!("Writing {path}"));
    let file = ctx.workspace.resolve(path, "filePath")?;
    ctx.workspace.write_file(
        &file,
        yaml_out::stringify(&Value::Object(entity)).as_bytes(),
        None,
    )
}

/// `stringifyEntityRef` of the template: the kind lower-cased, the rest as written.
fn source_template_ref(ctx: &ActionCtx<'_>) -> String {
    let r = &ctx.template.entity_ref;
    format!("{}:{}/{}", r.kind.to_lowercase(), r.namespace, r.name)
}

fn register(input: &Input<'_>, ctx: &mut ActionCtx<'_>) -> Result<(), RunError> {
    let optional = input.bool("optional")?;
    let (url, local) = if let Some(url) = input.str("catalogInfoUrl")? {
        let local = ctx.published.iter().find_map(|p| {
            let base = p.repo_contents_url.trim_end_matches('/');
            url.strip_prefix(base)
                .map(|rest| p.dir.join(rest.trim_start_matches('/')))
        });
        (url.to_owned(), local)
    } else {
        let base = input.required_str("repoContentsUrl")?;
        let path = input
            .str("catalogInfoPath")?
            .unwrap_or("/catalog-info.yaml");
        let url = format!(
            "{}/{}",
            base.trim_end_matches('/'),
            path.trim_start_matches('/')
        );
        let local = ctx
            .published
            .iter()
            .find(|p| p.repo_contents_url.trim_end_matches('/') == base.trim_end_matches('/'))
            .map(|p| p.dir.join(path.trim_start_matches('/')));
        (url, local)
    };
    ctx.log(format!("Registering {url} in the catalog"));
    let Some(local) = local else {
        let message = format!(
            "{url} is not a file this run created, and Greenroom cannot fetch it offline; point catalog:register at the repository a publish step created"
        );
        if optional {
            ctx.log(format!("Skipped (optional): {message}"));
            ctx.output("catalogInfoUrl", url);
            return Ok(());
        }
        return Err(input.error(message));
    };
    let file = ctx
        .workspace
        .resolve(&local.to_string_lossy(), "catalogInfoPath")?;
    match entity_ref_of(&file, ctx.workspace.root()) {
        Ok(entity_ref) => ctx.output("entityRef", entity_ref),
        Err(message) if optional => ctx.log(format!("Skipped (optional): {message}")),
        Err(message) => return Err(input.error(message)),
    }
    ctx.output("catalogInfoUrl", url.clone());
    if ctx.mode == Mode::Run {
        ctx.effects.push(Effect::Register {
            file: local,
            location: url,
        });
    }
    Ok(())
}

/// The entity Backstage reports for a registered file: the first Component not named
/// `generated-*`, else the first entity not so named, else the first.
fn entity_ref_of(file: &Path, root: &Path) -> Result<String, String> {
    let shown: PathBuf = file.strip_prefix(root).unwrap_or(file).to_path_buf();
    let text =
        fs::read_to_string(file).map_err(|e| format!("cannot read {}: {e}", shown.display()))?;
    let mut entities = Vec::new();
    for document in parse_documents(&text, &Limits::default()) {
        let root = document
            .content
            .map_err(|e| format!("{}:{}: {}", shown.display(), e.mark.line, e.message))?;
        if root.is_null() {
            continue;
        }
        let verdict = validate_document(&root);
        let Some(entity) = verdict.entity else {
            let problems: Vec<String> = verdict
                .problems
                .iter()
                .filter(|p| p.is_error())
                .map(|p| format!("line {}: {}", p.line.unwrap_or(0), p.message))
                .collect();
            return Err(format!(
                "{} is not a valid catalog file: {}",
                shown.display(),
                problems.join("; ")
            ));
        };
        entities.push(entity);
    }
    let pick = entities
        .iter()
        .find(|e| !e.metadata.name.starts_with("generated-") && e.kind == "Component")
        .or_else(|| {
            entities
                .iter()
                .find(|e| !e.metadata.name.starts_with("generated-"))
        })
        .or_else(|| entities.first())
        .ok_or_else(|| format!("{} holds no entity", shown.display()))?;
    Ok(format!(
        "{}:{}/{}",
        pick.kind.to_lowercase(),
        pick.metadata.namespace,
        pick.metadata.name
    ))
}
