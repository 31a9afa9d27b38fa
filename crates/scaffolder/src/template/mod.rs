//! Loading `scaffolder.backstage.io/v1beta3` Template entities: from a template.yaml, from a
//! folder of repositories, and from Greenroom's built-in golden paths.

pub mod form;

use std::fs;
use std::path::{Path, PathBuf};

use greenroom_catalog::rules::validate_document;
use greenroom_catalog::{Entity, EntityRef};
use greenroom_yaml::{Limits, Node, parse_documents};
use serde::{Deserialize, Serialize};

use crate::error::TemplateError;
use crate::glob::{EntryKind, list_tree};
pub use form::{FieldWidget, FormField, FormPage, ParameterForm};

/// The apiVersion of the templates Greenroom runs.
pub const TEMPLATE_API_VERSION: &str = "scaffolder.backstage.io/v1beta3";

/// Largest template.yaml read.
const MAX_TEMPLATE_FILE: u64 = 4 * 1024 * 1024;

/// Where a template comes from.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum TemplateSource {
    /// One of Greenroom's golden paths (templates/ in the app).
    Builtin {
        /// The folder name under templates/.
        name: String,
    },
    /// A template.yaml in a folder on this machine (usually a repository the catalog indexes).
    Local,
}

/// Which version of a template a project was generated from.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TemplateVersion {
    /// The commit of the repository holding the template, when it is in one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub commit: Option<String>,
    /// The template's folder relative to that repository's root (`/` separators).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub path_in_repo: Option<String>,
    /// Whether the template's folder had uncommitted changes.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub dirty: bool,
    /// blake3 of the template folder's files (paths, modes, contents).
    pub content_hash: String,
}

/// One step of `spec.steps`.
#[derive(Debug, Clone)]
pub struct Step {
    /// `id`, or `step-N` as Backstage fills it in.
    pub id: String,
    /// `name`, or the action id.
    pub name: String,
    /// The action id, e.g. `fetch:template`.
    pub action: String,
    /// Line of the step in template.yaml.
    pub line: u32,
    pub(crate) input: Option<Node>,
    pub(crate) condition: Option<Node>,
    pub(crate) each: Option<Node>,
}

/// A loaded template.
#[derive(Debug, Clone)]
pub struct Template {
    /// The entity as the catalog reads it.
    pub entity: Entity,
    /// `template:<namespace>/<name>`.
    pub entity_ref: EntityRef,
    /// The template.yaml.
    pub file: PathBuf,
    /// Its folder, from which relative `url`s resolve.
    pub dir: PathBuf,
    /// The root of the repository holding it (relative `url`s may climb up to it), or `dir`.
    pub repo_root: PathBuf,
    /// Where it comes from.
    pub source: TemplateSource,
    /// Its version.
    pub version: TemplateVersion,
    /// The form.
    pub form: ParameterForm,
    /// The steps, in order.
    pub steps: Vec<Step>,
    /// `spec.presentation`, as written.
    pub presentation: Option<serde_json::Value>,
    /// Warnings from Backstage's rules (the template still runs).
    pub warnings: Vec<String>,
    pub(crate) output: Option<Node>,
}

/// What the Create page lists.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TemplateSummary {
    /// `template:<namespace>/<name>`.
    pub entity_ref: String,
    /// `metadata.name`.
    pub name: String,
    /// `metadata.title`, or the name.
    pub title: String,
    /// `metadata.description`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub description: Option<String>,
    /// `metadata.tags`.
    pub tags: Vec<String>,
    /// `spec.owner`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub owner: Option<String>,
    /// `spec.type`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub template_type: Option<String>,
    /// Where it comes from.
    pub source: TemplateSource,
    /// Its template.yaml.
    pub file: PathBuf,
}

impl Template {
    /// The summary the Create page lists.
    pub fn summary(&self) -> TemplateSummary {
        let spec_str = |key: &str| {
            self.entity
                .spec
                .get(key)
                .and_then(|v| v.as_str())
                .map(str::to_owned)
        };
        TemplateSummary {
            entity_ref: self.entity_ref.key(),
            name: self.entity.metadata.name.clone(),
            title: self
                .entity
                .metadata
                .title
                .clone()
                .unwrap_or_else(|| self.entity.metadata.name.clone()),
            description: self.entity.metadata.description.clone(),
            tags: self.entity.metadata.tags.clone(),
            owner: spec_str("owner"),
            template_type: spec_str("type"),
            source: self.source.clone(),
            file: self.file.clone(),
        }
    }

    /// Loads the templates of one file (a file may hold several documents).
    pub fn load_file(path: &Path) -> Result<Vec<Template>, TemplateError> {
        load_file_with(path, TemplateSource::Local)
    }

    /// Loads the first template of a file.
    pub fn load(path: &Path) -> Result<Template, TemplateError> {
        let mut templates = Template::load_file(path)?;
        if templates.is_empty() {
            return Err(TemplateError::NotATemplate(path.to_path_buf()));
        }
        Ok(templates.remove(0))
    }
}

/// Templates found under a folder, and the files that looked like templates but failed.
#[derive(Debug, Default)]
pub struct LoadReport {
    /// The templates that loaded.
    pub templates: Vec<Template>,
    /// Files that could not be used, with why.
    pub problems: Vec<TemplateError>,
}

/// Finds templates under a folder: every YAML file declaring the v1beta3 apiVersion.
/// Skips `.git`, `node_modules` and `target`.
pub fn load_dir(dir: &Path) -> LoadReport {
    scan(dir, |_| TemplateSource::Local)
}

/// Loads Greenroom's golden paths from the app's templates/ folder.
pub fn load_builtin(dir: &Path) -> LoadReport {
    scan(dir, |file| {
        let name = file
            .parent()
            .and_then(|p| p.strip_prefix(dir).ok())
            .map(|p| p.to_string_lossy().replace('\\', "/"))
            .unwrap_or_default();
        TemplateSource::Builtin { name }
    })
}

/// The built-in templates folder of a source checkout (the app ships its own copy as a
/// resource and passes that path instead).
pub fn builtin_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../templates")
}

fn scan(dir: &Path, source: impl Fn(&Path) -> TemplateSource) -> LoadReport {
    let mut report = LoadReport::default();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(current) = stack.pop() {
        let Ok(entries) = fs::read_dir(&current) else {
            continue;
        };
        let mut entries: Vec<_> = entries.filter_map(Result::ok).collect();
        entries.sort_by_key(|e| e.file_name());
        for entry in entries {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            if kind.is_dir() {
                if !matches!(name.as_str(), ".git" | "node_modules" | "target") {
                    stack.push(path);
                }
            } else if kind.is_file() && (name.ends_with(".yaml") || name.ends_with(".yml")) {
                let looks_like_template = entry
                    .metadata()
                    .is_ok_and(|m| m.len() <= MAX_TEMPLATE_FILE)
                    && fs::read_to_string(&path)
                        .is_ok_and(|t| t.contains(TEMPLATE_API_VERSION) && t.contains("Template"));
                if looks_like_template {
                    match load_file_with(&path, source(&path)) {
                        Ok(found) => report.templates.extend(found),
                        Err(e) => report.problems.push(e),
                    }
                }
            }
        }
    }
    report.templates.sort_by_key(|a| a.entity_ref.key());
    report
}

fn load_file_with(path: &Path, source: TemplateSource) -> Result<Vec<Template>, TemplateError> {
    let io = |e| TemplateError::Io {
        path: path.to_path_buf(),
        source: e,
    };
    let file = path.canonicalize().map_err(io)?;
    if fs::metadata(&file).map_err(io)?.len() > MAX_TEMPLATE_FILE {
        return Err(TemplateError::Invalid {
            path: file,
            problems: vec![format!("the file is larger than {MAX_TEMPLATE_FILE} bytes")],
        });
    }
    let text = fs::read_to_string(&file).map_err(io)?;
    let dir = file.parent().map(Path::to_path_buf).unwrap_or_default();
    let (repo_root, version) = locate_version(&dir);
    let mut templates = Vec::new();
    for document in parse_documents(&text, &Limits::default()) {
        let root = document.content.map_err(|e| TemplateError::Yaml {
            path: file.clone(),
            line: e.mark.line,
            message: e.message,
        })?;
        let is_template = root.get("apiVersion").and_then(Node::as_str)
            == Some(TEMPLATE_API_VERSION)
            && root.get("kind").and_then(Node::as_str) == Some("Template");
        if !is_template {
            continue;
        }
        templates.push(build(&file, &dir, &repo_root, &version, &source, &root)?);
    }
    Ok(templates)
}

fn build(
    file: &Path,
    dir: &Path,
    repo_root: &Path,
    version: &TemplateVersion,
    source: &TemplateSource,
    root: &Node,
) -> Result<Template, TemplateError> {
    let verdict = validate_document(root);
    let (errors, warnings): (Vec<_>, Vec<_>) =
        verdict.problems.into_iter().partition(|p| p.is_error());
    let describe = |p: &greenroom_catalog::Problem| match p.line {
        Some(line) => format!("line {line}: {}", p.message),
        None => p.message.clone(),
    };
    let invalid = |problems: Vec<String>| TemplateError::Invalid {
        path: file.to_path_buf(),
        problems,
    };
    if !errors.is_empty() {
        return Err(invalid(errors.iter().map(describe).collect()));
    }
    let Some(entity) = verdict.entity else {
        return Err(invalid(vec!["the document is not a valid entity".into()]));
    };
    let spec = root.get("spec");
    let parameters = spec.and_then(|s| s.get("parameters")).map(Node::to_json);
    let form = ParameterForm::from_parameters(parameters.as_ref()).map_err(|e| invalid(vec![e]))?;
    let mut steps = Vec::new();
    for (index, node) in spec
        .and_then(|s| s.get("steps"))
        .and_then(Node::as_seq)
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        let action = node
            .get("action")
            .and_then(Node::as_str)
            .unwrap_or_default()
            .to_owned();
        let id = match node.get("id") {
            Some(id) => id.key_string(),
            None => format!("step-{}", index + 1),
        };
        steps.push(Step {
            name: node
                .get("name")
                .map(Node::key_string)
                .unwrap_or_else(|| action.clone()),
            id,
            action,
            line: node.mark.line,
            input: node.get("input").cloned(),
            condition: node.get("if").cloned(),
            each: node.get("each").cloned(),
        });
    }
    let entity_ref = EntityRef::new(
        "template",
        entity.metadata.namespace.clone(),
        entity.metadata.name.clone(),
    );
    Ok(Template {
        entity_ref,
        file: file.to_path_buf(),
        dir: dir.to_path_buf(),
        repo_root: repo_root.to_path_buf(),
        source: source.clone(),
        version: version.clone(),
        form,
        steps,
        presentation: spec.and_then(|s| s.get("presentation")).map(Node::to_json),
        warnings: warnings.iter().map(describe).collect(),
        output: spec.and_then(|s| s.get("output")).cloned(),
        entity,
    })
}

/// The repository root and version of a template folder.
fn locate_version(dir: &Path) -> (PathBuf, TemplateVersion) {
    let content_hash = hash_tree(dir);
    let mut version = TemplateVersion {
        commit: None,
        path_in_repo: None,
        dirty: false,
        content_hash,
    };
    let Ok(repo) = git2::Repository::discover(dir) else {
        return (dir.to_path_buf(), version);
    };
    let Some(workdir) = repo.workdir().and_then(|w| w.canonicalize().ok()) else {
        return (dir.to_path_buf(), version);
    };
    let relative = dir
        .strip_prefix(&workdir)
        .map(|p| p.to_string_lossy().replace('\\', "/"))
        .unwrap_or_default();
    version.commit = repo
        .head()
        .ok()
        .and_then(|h| h.peel_to_commit().ok())
        .map(|c| c.id().to_string());
    let mut options = git2::StatusOptions::new();
    options.include_untracked(true).recurse_untracked_dirs(true);
    if !relative.is_empty() {
        options.pathspec(&relative);
    }
    version.dirty = repo
        .statuses(Some(&mut options))
        .is_ok_and(|s| !s.is_empty());
    version.path_in_repo = Some(relative);
    (workdir, version)
}

/// blake3 over the folder's files: relative paths, modes, contents, symlink targets.
pub(crate) fn hash_tree(dir: &Path) -> String {
    let mut hasher = blake3::Hasher::new();
    if let Ok(entries) = list_tree(dir) {
        for entry in entries {
            hasher.update(entry.rel.as_bytes());
            hasher.update(&[0]);
            match entry.kind {
                EntryKind::File => {
                    if let Ok(meta) = fs::metadata(&entry.path) {
                        hasher.update(&crate::workspace::mode_of(&meta).to_le_bytes());
                    }
                    if let Ok(bytes) = fs::read(&entry.path) {
                        hasher.update(&bytes);
                    }
                }
                EntryKind::Symlink => {
                    if let Ok(target) = fs::read_link(&entry.path) {
                        hasher.update(target.to_string_lossy().as_bytes());
                    }
                }
                EntryKind::Dir => {}
            }
            hasher.update(&[0]);
        }
    }
    hasher.finalize().to_hex().to_string()
}
