//! The commands the interface calls: thin adapters over the facade. Each runs on a
//! blocking thread, so the window's event loop never waits for the database or the disk.

use std::path::PathBuf;

use greenroom::catalog::store::{
    CatalogStats, EntityPage, EntityQuery, EntityRecord, EntitySummary, Facets, Graph,
    ProblemQuery, ProblemRecord, Related, SearchHit, SourceRecord,
};
use greenroom::demo::{DemoOptions, DemoSummary};
use greenroom::repo_files::{ApiDefinition, DescriptorText, EntityFiles};
use greenroom::{Greenroom, IndexReport, Progress};
use serde::Serialize;
use tauri::ipc::Channel;
use tauri::{AppHandle, Manager};
use tauri_plugin_dialog::DialogExt;
use tauri_plugin_opener::OpenerExt;

use crate::catalogs::Catalogs;
use crate::error::CommandError;
use crate::watching::Watching;

/// Most relations deep a graph may be asked for.
const MAX_GRAPH_DEPTH: usize = 4;
/// Most results the palette may ask for.
const MAX_SEARCH_RESULTS: usize = 50;

/// Everything an entity's page shows, in one answer.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct EntityDetails {
    /// The entity and where it comes from.
    pub record: EntityRecord,
    /// Its relations, both directions.
    pub relations: Vec<Related>,
    /// The problems of its file.
    pub problems: Vec<ProblemRecord>,
    /// For groups and users: what they own, directly or through membership.
    pub owned: Vec<EntitySummary>,
    /// Where its repository and file are on this machine, when they are.
    pub files: Option<EntityFiles>,
}

/// About the running app.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct AppInfo {
    /// Greenroom's version.
    pub version: String,
    /// The data folder.
    pub data_dir: String,
    /// The ids of the sources whose folders are watched.
    pub watched_sources: Vec<i64>,
}

/// Runs `work` on a blocking thread with the app's state.
pub(crate) async fn blocking<T: Send + 'static>(
    app: AppHandle,
    work: impl FnOnce(&AppHandle) -> Result<T, CommandError> + Send + 'static,
) -> Result<T, CommandError> {
    tauri::async_runtime::spawn_blocking(move || work(&app))
        .await
        .map_err(|e| CommandError::internal(format!("the command stopped unexpectedly: {e}")))?
}

/// Runs a catalog query on a blocking thread.
async fn read<T: Send + 'static>(
    app: AppHandle,
    name: &'static str,
    query: impl FnOnce(&Greenroom) -> Result<T, greenroom::Error> + Send + 'static,
) -> Result<T, CommandError> {
    let started = std::time::Instant::now();
    let result = blocking(app, move |app| app.state::<Catalogs>().read(query)).await;
    crate::timing::command(name, started);
    result
}

/// A filtered, sorted page of entities.
#[tauri::command]
pub async fn list_entities(app: AppHandle, query: EntityQuery) -> Result<EntityPage, CommandError> {
    read(app, "list_entities", move |g| {
        Ok(g.catalog().list(&query)?)
    })
    .await
}

/// The filter choices with counts for a query.
#[tauri::command]
pub async fn entity_facets(app: AppHandle, query: EntityQuery) -> Result<Facets, CommandError> {
    read(app, "entity_facets", move |g| {
        Ok(g.catalog().facets(&query)?)
    })
    .await
}

/// An entity with its relations, problems and (for groups and users) what they own.
#[tauri::command]
pub async fn get_entity(app: AppHandle, key: String) -> Result<EntityDetails, CommandError> {
    read(app, "get_entity", move |g| {
        let catalog = g.catalog();
        let record = catalog
            .entity(&key)?
            .ok_or_else(|| greenroom::Error::NotFound {
                text: key.clone(),
                hint: "; it may have been removed since the page was opened".into(),
            })?;
        let kind = record.entity.kind.to_lowercase();
        let owned = if kind == "group" || kind == "user" {
            catalog.owned_by(&record.key)?
        } else {
            Vec::new()
        };
        Ok(EntityDetails {
            relations: catalog.relations_of(&record.key)?,
            problems: catalog.problems(&ProblemQuery {
                entity: Some(record.key.clone()),
                ..ProblemQuery::default()
            })?,
            owned,
            files: g.entity_files(&record.key).ok(),
            record,
        })
    })
    .await
}

/// The descriptor document that defines an entity, as it is on disk.
#[tauri::command]
pub async fn descriptor_text(app: AppHandle, key: String) -> Result<DescriptorText, CommandError> {
    read(app, "descriptor_text", move |g| g.descriptor_text(&key)).await
}

/// An API's definition, with relative `$ref`s resolved from its repository.
#[tauri::command]
pub async fn api_definition(app: AppHandle, key: String) -> Result<ApiDefinition, CommandError> {
    read(app, "api_definition", move |g| g.api_definition(&key)).await
}

/// The entities within `depth` relations of an entity.
#[tauri::command]
pub async fn entity_graph(
    app: AppHandle,
    key: String,
    depth: usize,
) -> Result<Graph, CommandError> {
    let depth = depth.clamp(1, MAX_GRAPH_DEPTH);
    read(app, "entity_graph", move |g| {
        Ok(g.catalog().graph(&key, depth, &[])?)
    })
    .await
}

/// The best matches for what was typed in the palette.
#[tauri::command]
pub async fn search_entities(
    app: AppHandle,
    text: String,
    limit: usize,
) -> Result<Vec<SearchHit>, CommandError> {
    let limit = limit.clamp(1, MAX_SEARCH_RESULTS);
    read(app, "search_entities", move |g| {
        Ok(g.catalog().search(&text, limit)?)
    })
    .await
}

/// Counts for the catalog's header.
#[tauri::command]
pub async fn catalog_stats(app: AppHandle) -> Result<CatalogStats, CommandError> {
    read(app, "catalog_stats", |g| Ok(g.catalog().stats()?)).await
}

/// The sources, with their counts and last index.
#[tauri::command]
pub async fn list_sources(app: AppHandle) -> Result<Vec<SourceRecord>, CommandError> {
    read(app, "list_sources", |g| Ok(g.catalog().sources()?)).await
}

/// Every problem of a source, in file order.
#[tauri::command]
pub async fn source_problems(
    app: AppHandle,
    source_id: i64,
) -> Result<Vec<ProblemRecord>, CommandError> {
    read(app, "source_problems", move |g| {
        Ok(g.catalog().problems(&ProblemQuery {
            source_id: Some(source_id),
            ..ProblemQuery::default()
        })?)
    })
    .await
}

/// Adds a folder of repositories as a source and watches it; index it next.
#[tauri::command]
pub async fn add_folder(app: AppHandle, path: String) -> Result<SourceRecord, CommandError> {
    blocking(app, move |app| {
        let path = expand_home(path.trim());
        let source = app.state::<Catalogs>().writer()?.add_folder(&path, &[])?;
        app.state::<Watching>().watch(source.id, &path);
        Ok(source)
    })
    .await
}

/// Removes a source and everything it contributed.
#[tauri::command]
pub async fn remove_source(app: AppHandle, source_id: i64) -> Result<SourceRecord, CommandError> {
    blocking(app, move |app| {
        app.state::<Watching>().unwatch(source_id);
        Ok(app
            .state::<Catalogs>()
            .writer()?
            .remove_source(&source_id.to_string())?)
    })
    .await
}

/// Indexes one source or all, streaming progress over the channel the interface opened.
#[tauri::command]
pub async fn index_sources(
    app: AppHandle,
    source_id: Option<i64>,
    on_progress: Channel<Progress>,
) -> Result<Vec<IndexReport>, CommandError> {
    blocking(app, move |app| {
        let source = source_id.map(|id| id.to_string());
        let catalogs = app.state::<Catalogs>();
        let mut writer = catalogs.writer()?;
        let (reports, docs) = writer.index_with_docs(source.as_deref(), &|progress| {
            let _ = on_progress.send(progress);
        })?;
        crate::docs::report_failures(&docs);
        Ok(reports)
    })
    .await
}

/// Generates the demo organisation in the data folder, adds it and indexes it.
#[tauri::command]
pub async fn create_demo(
    app: AppHandle,
    on_progress: Channel<Progress>,
) -> Result<DemoSummary, CommandError> {
    blocking(app, move |app| {
        let catalogs = app.state::<Catalogs>();
        let root = (1..)
            .map(|n| match n {
                1 => catalogs.dir().join("demo-org"),
                n => catalogs.dir().join(format!("demo-org-{n}")),
            })
            .find(|dir| !dir.exists())
            .unwrap_or_else(|| catalogs.dir().join("demo-org"));
        let summary = greenroom::demo::generate(&root, &DemoOptions::default())?;
        let source = catalogs.writer()?.add_folder(&root, &[])?;
        // Not while holding the writer: a re-index from the watcher may be waiting for it.
        app.state::<Watching>().watch(source.id, &root);
        let (_, docs) =
            catalogs
                .writer()?
                .index_with_docs(Some(&source.id.to_string()), &|progress| {
                    let _ = on_progress.send(progress);
                })?;
        crate::docs::report_failures(&docs);
        Ok(summary)
    })
    .await
}

/// Asks for a folder with the system's folder dialog; `None` when cancelled.
#[tauri::command]
pub async fn pick_folder(app: AppHandle) -> Result<Option<String>, CommandError> {
    blocking(app, |app| {
        let picked = app
            .dialog()
            .file()
            .set_title("Add a folder of repositories")
            .blocking_pick_folder();
        Ok(picked
            .and_then(|p| p.into_path().ok())
            .map(|p| p.display().to_string()))
    })
    .await
}

/// Opens the entity's repository folder in the file manager.
#[tauri::command]
pub async fn open_entity_folder(app: AppHandle, key: String) -> Result<(), CommandError> {
    let files = read(app.clone(), "open_entity_folder", move |g| {
        g.entity_files(&key)
    })
    .await?;
    open_path(&app, &files.repo)
}

/// Opens the entity's descriptor file in the application set for YAML files.
#[tauri::command]
pub async fn open_entity_file(app: AppHandle, key: String) -> Result<(), CommandError> {
    let files = read(app.clone(), "open_entity_file", move |g| {
        g.entity_files(&key)
    })
    .await?;
    open_path(&app, &files.file)
}

/// Opens an http(s) link in the system browser; any other scheme is refused.
#[tauri::command]
pub fn open_link(app: AppHandle, url: String) -> Result<(), CommandError> {
    if !is_web_link(&url) {
        return Err(CommandError::invalid(format!(
            "only http and https links open from Greenroom, not `{url}`"
        )));
    }
    app.opener()
        .open_url(&url, None::<&str>)
        .map_err(|e| CommandError::internal(format!("cannot open the browser: {e}")))
}

/// The version, the data folder and what is watched.
#[tauri::command]
pub fn app_info(app: AppHandle) -> AppInfo {
    AppInfo {
        version: env!("CARGO_PKG_VERSION").to_owned(),
        data_dir: app.state::<Catalogs>().dir().display().to_string(),
        watched_sources: app.state::<Watching>().watched(),
    }
}

/// The interface says when it first painted the catalog, with its own marks (milliseconds
/// since its page began loading); printed for the benchmark.
#[tauri::command]
pub fn catalog_painted(rows: usize, marks: String) {
    crate::timing::first_paint(rows, &marks);
}

/// Opens a file or folder in the application the system sets for it.
pub(crate) fn open_path(app: &AppHandle, path: &std::path::Path) -> Result<(), CommandError> {
    app.opener()
        .open_path(path.display().to_string(), None::<&str>)
        .map_err(|e| CommandError::internal(format!("cannot open {}: {e}", path.display())))
}

/// Whether a link may leave the app: absolute http(s) URLs only.
pub fn is_web_link(url: &str) -> bool {
    let lower = url.trim().to_ascii_lowercase();
    (lower.starts_with("https://") || lower.starts_with("http://"))
        && !url.contains(char::is_whitespace)
        && url.len() > "http://".len() + 1
}

/// `~/src` means the home folder's `src`, as in a shell.
pub(crate) fn expand_home(path: &str) -> PathBuf {
    match (path.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => PathBuf::from(home).join(rest),
        _ => PathBuf::from(path),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_web_links_leave_the_app() {
        assert!(is_web_link("https://dashboards.example.com/orders"));
        assert!(is_web_link("HTTP://example.com"));
        assert!(!is_web_link("file:///etc/passwd"));
        assert!(!is_web_link("javascript:alert(1)"));
        assert!(!is_web_link("https://"));
        assert!(!is_web_link("https://a b"));
        assert!(!is_web_link("smb://share/x"));
    }
}
