//! `greenroom docs build|check|search`: TechDocs rendered offline, for a folder holding
//! `mkdocs.yml` or for an entity of the catalog.

use std::path::Path;
use std::process::ExitCode;

use greenroom::docs::EntityDocs;
use greenroom::techdocs::{
    BuildOptions, DocsLocation, Site, WorkingTree, build_site, check, locate_in_folder,
    write_static_site,
};
use greenroom::{Error, Greenroom};

use crate::args::{DocsBuildArgs, DocsCheckArgs, DocsCommand, DocsSearchArgs};
use crate::render::{json, table};

pub fn run(data_dir: &Path, command: DocsCommand) -> anyhow::Result<ExitCode> {
    match command {
        DocsCommand::Build(args) => build(data_dir, &args),
        DocsCommand::Check(args) => check_all(data_dir, &args),
        DocsCommand::Search(args) => search(data_dir, &args),
    }
}

/// What a `docs` argument names: a folder on disk, or an entity's docs.
struct Target {
    site: Site,
    files: WorkingTree,
    location: Option<DocsLocation>,
}

fn resolve(data_dir: &Path, target: &str) -> anyhow::Result<Target> {
    let path = Path::new(target);
    if path.is_dir() {
        let folder = std::fs::canonicalize(path).map_err(|e| Error::io(path, &e))?;
        let root = folder
            .ancestors()
            .find(|d| d.join(".git").exists())
            .unwrap_or(&folder)
            .to_owned();
        let files = WorkingTree::new(&root).map_err(|e| Error::io(&root, &e))?;
        let relative = folder
            .strip_prefix(&root)
            .unwrap_or(Path::new(""))
            .display()
            .to_string();
        let location = locate_in_folder(&files, &relative).ok_or_else(|| {
            anyhow::anyhow!(
                "{} has no mkdocs.yml, mkdocs.yaml or docs/ folder",
                folder.display()
            )
        })?;
        let name = folder.file_name().map(|n| n.to_string_lossy().into_owned());
        let options = BuildOptions {
            default_site_name: name,
            ..BuildOptions::default()
        };
        let site = build_site(&files, &location, &options, None, &|_| {})?;
        return Ok(Target {
            site,
            files,
            location: Some(location),
        });
    }
    let mut greenroom = Greenroom::open(data_dir)?;
    let key = greenroom.resolve_ref(target)?;
    match greenroom.entity_docs(&key)? {
        EntityDocs::Site { site, repo, .. } => {
            let files = WorkingTree::new(&repo).map_err(|e| Error::io(&repo, &e))?;
            Ok(Target {
                site: *site,
                files,
                location: None,
            })
        }
        EntityDocs::NotAvailableOffline { url } => {
            anyhow::bail!(
                "the docs of {key} are in another repository ({url}), which is not on this machine"
            )
        }
        EntityDocs::None => anyhow::bail!(
            "{key} has no docs (no backstage.io/techdocs-ref, mkdocs.yml or docs/ folder)"
        ),
    }
}

fn build(data_dir: &Path, args: &DocsBuildArgs) -> anyhow::Result<ExitCode> {
    let target = resolve(data_dir, &args.target)?;
    for warning in &target.site.warnings {
        eprintln!("warning: {warning}");
    }
    let summary = write_static_site(&target.site, &target.files, &args.out)?;
    let index = args.out.join("index.html");
    crate::out!(
        "Built \"{}\": {} pages, {} assets in {} ({} warnings). Open {} in a browser.",
        target.site.name,
        summary.pages,
        summary.assets,
        args.out.display(),
        target.site.warnings.len(),
        index.display()
    );
    Ok(ExitCode::SUCCESS)
}

fn check_all(data_dir: &Path, args: &DocsCheckArgs) -> anyhow::Result<ExitCode> {
    let mut problems = 0;
    for target in &args.targets {
        let resolved = resolve(data_dir, target)?;
        let report = match &resolved.location {
            Some(location) => check(&resolved.files, location, &BuildOptions::default())?,
            None => {
                let (broken, notes) = resolved
                    .site
                    .warnings
                    .iter()
                    .cloned()
                    .partition(|w| w.kind.is_broken_reference());
                greenroom::techdocs::CheckReport {
                    problems: broken,
                    notes,
                    pages: resolved.site.pages.len(),
                }
            }
        };
        for problem in &report.problems {
            crate::out!(
                "{}: error: {}",
                place(&resolved.files, problem),
                problem.message
            );
        }
        if args.verbose {
            for note in &report.notes {
                crate::out!("{}: note: {}", place(&resolved.files, note), note.message);
            }
        }
        crate::out!(
            "{target}: {} pages, {} broken links or anchors",
            report.pages,
            report.problems.len()
        );
        problems += report.problems.len();
    }
    Ok(if problems > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// `/abs/path/docs/page.md:12`, as editors and CI annotations expect.
fn place(files: &WorkingTree, w: &greenroom::techdocs::Warning) -> String {
    let path = files.root().join(&w.file).display().to_string();
    if w.line > 0 {
        format!("{path}:{}", w.line)
    } else {
        path
    }
}

fn search(data_dir: &Path, args: &DocsSearchArgs) -> anyhow::Result<ExitCode> {
    let greenroom = Greenroom::open_read_only(data_dir)?;
    let site = match &args.entity {
        Some(entity) => {
            let key = greenroom.resolve_ref(entity)?;
            Some(
                greenroom
                    .catalog()
                    .doc_site_for(&key)?
                    .ok_or_else(|| anyhow::anyhow!("{key} has no indexed docs"))?
                    .id,
            )
        }
        None => None,
    };
    let hits = greenroom
        .catalog()
        .search_docs(&args.query.join(" "), site, args.limit)?;
    if args.json {
        json(&hits)?;
    } else if hits.is_empty() {
        crate::out!("No docs match. (`greenroom index` indexes the docs of every source.)");
    } else {
        let rows: Vec<Vec<String>> = hits
            .iter()
            .map(|h| {
                let anchor = h
                    .anchor
                    .as_deref()
                    .map(|a| format!("#{a}"))
                    .unwrap_or_default();
                vec![
                    h.site_name.clone(),
                    format!("{}{anchor}", h.page_url),
                    h.title.clone(),
                ]
            })
            .collect();
        table(&["SITE", "PAGE", "SECTION"], &rows);
    }
    Ok(ExitCode::SUCCESS)
}
