//! The Greenroom desktop shell: a Tauri window whose commands adapt the `greenroom` facade,
//! a change feed that brings writes made elsewhere to the interface, and a folder watcher
//! that re-indexes what changed.

mod catalogs;
pub mod commands;
pub mod error;
mod feed;
mod navigation;
mod timing;
mod watching;
mod webview;

#[cfg(test)]
mod bindings;

use tauri::Manager;

use crate::catalogs::Catalogs;
use crate::watching::Watching;

/// Runs the app until its window closes.
pub fn run() {
    timing::process_started();
    let result = tauri::Builder::default()
        .plugin(tauri_plugin_opener::init())
        .plugin(tauri_plugin_dialog::init())
        .plugin(navigation::guard())
        .setup(|app| {
            webview::configure(app);
            let dir = greenroom::data_dir(None)?;
            let catalogs = Catalogs::open(&dir)?;
            app.manage(catalogs);
            let watching = Watching::start(app.handle());
            app.manage(watching);
            watching::watch_sources(app.handle().clone());
            feed::start(app.handle().clone(), &dir)?;
            timing::since_start("setup-done");
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::list_entities,
            commands::entity_facets,
            commands::get_entity,
            commands::descriptor_text,
            commands::api_definition,
            commands::entity_graph,
            commands::search_entities,
            commands::catalog_stats,
            commands::list_sources,
            commands::source_problems,
            commands::add_folder,
            commands::remove_source,
            commands::index_sources,
            commands::create_demo,
            commands::pick_folder,
            commands::open_entity_folder,
            commands::open_entity_file,
            commands::open_link,
            commands::app_info,
            commands::catalog_painted,
        ])
        .run(tauri::generate_context!());
    if let Err(e) = result {
        eprintln!("greenroom: the window could not start: {e}");
        std::process::exit(1);
    }
}
