//! Software templates: the built-in golden paths and every template the catalog indexes,
//! run into a new folder whose entities join the catalog as soon as the run ends.

use std::path::{Path, PathBuf};

use greenroom_catalog::store::EntityQuery;
use greenroom_catalog::{EntityRef, WorkingTree, read_tree};
use greenroom_scaffolder::{
    CatalogRegistrar, DryRun, ProgressSink, RunOptions, RunOutcome, Template, UpdateOptions,
    UpdateOutcome, builtin_dir, load_builtin, read_answers,
};

use crate::{Error, Greenroom};

/// The environment variable naming the built-in templates folder (by default a source
/// checkout's own `templates/`, else where the Debian package installs them).
pub const TEMPLATES_DIR_ENV: &str = "GREENROOM_TEMPLATES_DIR";

/// Where the Debian package installs the built-in templates.
pub const INSTALLED_TEMPLATES_DIR: &str = "/usr/share/greenroom/templates";

/// The templates Greenroom offers, and those that could not be loaded.
pub struct TemplateList {
    /// Templates from the catalog first, then the built-in ones.
    pub templates: Vec<Template>,
    /// Template files that failed to load, with why.
    pub problems: Vec<String>,
}

impl Greenroom {
    /// The folder of the built-in golden paths.
    pub fn builtin_templates_dir() -> PathBuf {
        std::env::var_os(TEMPLATES_DIR_ENV)
            .filter(|d| !d.is_empty())
            .map(PathBuf::from)
            .unwrap_or_else(|| {
                let checkout = builtin_dir();
                let installed = PathBuf::from(INSTALLED_TEMPLATES_DIR);
                if !checkout.is_dir() && installed.is_dir() {
                    installed
                } else {
                    checkout
                }
            })
    }

    /// Every template: those of the catalog's indexed repositories, then the built-in
    /// golden paths (a catalog template with the same ref hides the built-in one).
    pub fn templates(&self) -> Result<TemplateList, Error> {
        let mut list = TemplateList {
            templates: Vec::new(),
            problems: Vec::new(),
        };
        let query = EntityQuery {
            kinds: vec!["template".into()],
            ..EntityQuery::default()
        };
        for summary in self.catalog.list(&query)?.items {
            let Some(location) = self.catalog.entity(&summary.key)?.and_then(|r| r.location) else {
                continue;
            };
            let file = Path::new(&location.repo).join(&location.file);
            match Template::load_file(&file) {
                Ok(found) => list.templates.extend(
                    found
                        .into_iter()
                        .filter(|t| t.entity_ref.key() == summary.key),
                ),
                Err(e) => list.problems.push(e.to_string()),
            }
        }
        let builtin = load_builtin(&Self::builtin_templates_dir());
        list.problems
            .extend(builtin.problems.iter().map(ToString::to_string));
        for template in builtin.templates {
            if !list
                .templates
                .iter()
                .any(|t| t.entity_ref.key() == template.entity_ref.key())
            {
                list.templates.push(template);
            }
        }
        Ok(list)
    }

    /// A template by path to its template.yaml, reference (`template:default/rust-service`,
    /// `rust-service`) or built-in folder name.
    pub fn find_template(&self, text: &str) -> Result<Template, Error> {
        let path = Path::new(text);
        if path.is_file() {
            return Template::load(path).map_err(|e| Error::Invalid(e.to_string()));
        }
        let key = EntityRef::parse(text, Some("Template"), "default")
            .map(|r| r.key())
            .ok();
        let list = self.templates()?;
        let names: Vec<String> = list.templates.iter().map(|t| t.entity_ref.key()).collect();
        list.templates
            .into_iter()
            .find(|t| {
                Some(t.entity_ref.key()) == key || t.entity.metadata.name.eq_ignore_ascii_case(text)
            })
            .ok_or_else(|| Error::NotFound {
                text: text.to_owned(),
                hint: format!("; the templates are: {}", names.join(", ")),
            })
    }

    /// Runs a template into `target`; entities it registers join the catalog at once.
    pub fn scaffold(
        &self,
        template: &Template,
        values: &serde_json::Value,
        target: &Path,
        options: &RunOptions,
        progress: &dyn ProgressSink,
    ) -> Result<RunOutcome, Error> {
        let registrar = Registrar {
            data_dir: self.dir.clone(),
        };
        greenroom_scaffolder::run(
            template,
            values,
            target,
            options,
            Some(&registrar),
            progress,
        )
        .map_err(|e| Error::Invalid(e.to_string()))
    }

    /// What a run would create, without writing anything.
    pub fn scaffold_dry_run(
        &self,
        template: &Template,
        values: &serde_json::Value,
        options: &RunOptions,
        progress: &dyn ProgressSink,
    ) -> Result<DryRun, Error> {
        greenroom_scaffolder::dry_run(template, values, options, progress)
            .map_err(|e| Error::Invalid(e.to_string()))
    }

    /// Brings the newest version of the template a project was generated from into it,
    /// merging with Git (conflicts are left as markers).
    pub fn scaffold_update(
        &self,
        project: &Path,
        options: &UpdateOptions,
    ) -> Result<UpdateOutcome, Error> {
        let answers = read_answers(project).map_err(|e| Error::Invalid(e.to_string()))?;
        let template = self.find_template(&answers.template_ref)?;
        greenroom_scaffolder::update(project, &template, options)
            .map_err(|e| Error::Invalid(e.to_string()))
    }
}

/// Adds what a template generated to the catalog: the folder source that holds the new
/// project is indexed again, or the project becomes a source of its own.
struct Registrar {
    data_dir: PathBuf,
}

impl CatalogRegistrar for Registrar {
    fn register(&self, file: &Path, _location: &str) -> Result<Vec<String>, String> {
        let project = file
            .ancestors()
            .skip(1)
            .find(|dir| dir.join(".git").exists())
            .or_else(|| file.parent());
        let project = project
            .ok_or_else(|| format!("{} has no folder", file.display()))?
            .to_owned();
        let mut greenroom = Greenroom::open(&self.data_dir).map_err(|e| e.to_string())?;
        let real = std::fs::canonicalize(&project).map_err(|e| e.to_string())?;
        let holder = greenroom
            .catalog()
            .sources()
            .map_err(|e| e.to_string())?
            .into_iter()
            .find(|s| real.starts_with(&s.target));
        let source = match holder {
            Some(source) => source.id.to_string(),
            None => greenroom
                .add_folder(&real, &[])
                .map_err(|e| e.to_string())?
                .id
                .to_string(),
        };
        greenroom
            .index(Some(&source), &|_| {})
            .map_err(|e| e.to_string())?;
        let tree = WorkingTree::new(&real).map_err(|e| e.to_string())?;
        let relative = file
            .strip_prefix(&project)
            .unwrap_or(file)
            .display()
            .to_string();
        Ok(read_tree(&tree, &[relative])
            .into_iter()
            .flat_map(|f| f.entities.into_iter().map(|e| e.entity.entity_ref().key()))
            .collect())
    }
}
