//! The Greenroom desktop shell: a Tauri window whose commands adapt the `greenroom` facade,
//! a change feed that brings writes made elsewhere to the interface, and a folder watcher
//! that re-indexes what changed.

pub mod account;
pub mod background_sync;
mod catalogs;
pub mod commands;
pub mod create;
pub mod docs;
pub mod error;
mod feed;
mod navigation;
pub mod remote;
mod running;
mod single_instance;
pub mod snapshots;
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
    match single_instance::hand_over() {
        single_instance::HandOver::Taken => return,
        single_instance::HandOver::NoWindow => {}
        single_instance::HandOver::Unanswered(why) => {
            eprintln!(
                "Greenroom is already open on this data folder, but its window did not answer ({why}). Close it \
                 (or end its process), then start Greenroom again."
            );
            std::process::exit(1);
        }
    }
    let result = tauri::Builder::default()
        .plugin(single_instance::plugin())
        .plugin(tauri_plugin_opener::init())
        .plugin(tauri_plugin_dialog::init())
        .plugin(navigation::guard())
        .manage(docs::OpenSites::default())
        .manage(create::Projects::default())
        .manage(snapshots::LaunchSnapshot::from_args(
            std::env::args_os().skip(1),
        ))
        .register_asynchronous_uri_scheme_protocol(docs::SCHEME, |ctx, request, responder| {
            let app = ctx.app_handle().clone();
            std::thread::spawn(move || responder.respond(docs::respond(&app, &request)));
        })
        .setup(|app| {
            webview::configure(app);
            let dir = greenroom::data_dir(None)?;
            let catalogs = Catalogs::open(&dir)?;
            app.manage(catalogs);
            let watching = Watching::start(app.handle());
            app.manage(watching);
            watching::watch_sources(app.handle().clone());
            feed::start(app.handle().clone(), &dir)?;
            app.manage(account::Accounts::new());
            account::resume(app.handle().clone());
            app.manage(remote::Syncing::default());
            app.manage(background_sync::BackgroundSync::load(&dir));
            background_sync::start(app.handle().clone());
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
            account::account_status,
            account::sign_in,
            account::cancel_sign_in,
            account::sign_out,
            account::sync_org,
            remote::add_remote,
            remote::remote_repos,
            remote::sync_sources,
            remote::cancel_sync,
            remote::set_git_token,
            snapshots::launch_snapshot,
            snapshots::pick_snapshot,
            snapshots::pick_export_file,
            snapshots::default_export_folder,
            snapshots::inspect_snapshot_file,
            snapshots::import_snapshot,
            snapshots::export_snapshot,
            snapshots::list_snapshots,
            snapshots::set_snapshot_wins,
            snapshots::entity_repository,
            background_sync::background_sync_status,
            background_sync::set_sync_settings,
            docs::entity_docs,
            docs::has_docs,
            docs::search_docs,
            docs::open_docs_page,
            create::list_templates,
            create::template_form,
            create::check_template_values,
            create::preview_template,
            create::run_template,
            create::cancel_template_run,
            create::pick_target_folder,
            create::open_project_folder,
        ])
        .run(tauri::generate_context!());
    if let Err(e) = result {
        eprintln!("greenroom: the window could not start: {e}");
        std::process::exit(1);
    }
}
