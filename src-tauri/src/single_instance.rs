//! One window per data folder. Starting Greenroom again on the same catalog (a double-click
//! on a `.greenroom` file while it is open, or the launcher) hands the arguments to the
//! running window over D-Bus: it comes to the front and offers to import the file, instead
//! of a second window on the same catalog. Without a session bus every start gets its own
//! window, as before.
//!
//! tauri-plugin-single-instance owns the name and answers in the open window. A second start
//! calls it from [`hand_over`], before Tauri sets up GTK and WebKit, and ends as any program
//! does: the plugin's own hand-over runs after they started and ends the process from inside
//! them, which sometimes crashed on the way out.

use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

use tauri::plugin::TauriPlugin;
use tauri::{AppHandle, Emitter, Manager, Runtime};

use crate::snapshots::LaunchSnapshot;

/// The event the window hears when another start handed it a snapshot file.
pub const SNAPSHOT_LAUNCHED: &str = "snapshot-launched";

/// The plugin, registered before any other so that a second start stops before setting up.
pub fn plugin<R: Runtime>() -> TauriPlugin<R> {
    let builder = tauri_plugin_single_instance::Builder::new()
        .callback(|app, args, cwd| handed_over(app, args, Path::new(&cwd)));
    match greenroom::data_dir(None) {
        Ok(dir) => builder.dbus_id(bus_name(&dir)),
        Err(_) => builder,
    }
    .build()
}

/// Gives this start's arguments and working folder to the window already open on the data
/// folder, if there is one; true when it took them (this start then ends).
pub fn hand_over() -> bool {
    #[cfg(target_os = "linux")]
    if let Ok(dir) = greenroom::data_dir(None) {
        return call_open_window(&format!("{}.SingleInstance", bus_name(&dir))).unwrap_or(false);
    }
    false
}

/// Calls the plugin's `ExecuteCallback` on `name` (its object path is the name with `/` for
/// `.`), when the name has an owner.
#[cfg(target_os = "linux")]
fn call_open_window(name: &str) -> zbus::Result<bool> {
    let connection = zbus::blocking::Connection::session()?;
    let bus = zbus::blocking::fdo::DBusProxy::new(&connection)?;
    if !bus.name_has_owner(name.try_into()?)? {
        return Ok(false);
    }
    let args: Vec<String> = std::env::args_os()
        .map(|arg| arg.to_string_lossy().into_owned())
        .collect();
    let cwd = std::env::current_dir().unwrap_or_default();
    connection.call_method(
        Some(name),
        format!("/{}", name.replace('.', "/")).as_str(),
        Some("org.SingleInstance.DBus"),
        "ExecuteCallback",
        &(args, cwd.to_string_lossy().as_ref()),
    )?;
    Ok(true)
}

/// The D-Bus name of the window of one data folder (the plugin adds `.SingleInstance`).
fn bus_name(data_dir: &Path) -> String {
    let mut hasher = std::hash::DefaultHasher::new();
    data_dir.hash(&mut hasher);
    format!("dev.greenroom.app.data_{:016x}", hasher.finish())
}

/// Another start's arguments (its program first) and working folder arrived.
fn handed_over<R: Runtime>(app: &AppHandle<R>, args: Vec<String>, cwd: &Path) {
    let files = args
        .into_iter()
        .skip(1)
        .map(|arg| cwd.join(PathBuf::from(arg)));
    if let Some(file) = crate::snapshots::first_snapshot_file(files) {
        app.state::<LaunchSnapshot>().offer(file);
        let _ = app.emit(SNAPSHOT_LAUNCHED, ());
    }
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.unminimize();
        let _ = window.show();
        let _ = window.set_focus();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_data_folder_has_its_own_valid_bus_name() {
        let one = bus_name(Path::new("/home/ada/.local/share/greenroom"));
        let other = bus_name(Path::new("/tmp/onboarding/greenroom"));
        assert_ne!(one, other);
        assert_eq!(one, bus_name(Path::new("/home/ada/.local/share/greenroom")));
        // D-Bus names: elements of letters, digits and `_`, none starting with a digit.
        for element in one.split('.') {
            assert!(!element.starts_with(|c: char| c.is_ascii_digit()), "{one}");
            assert!(
                element
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_'),
                "{one}"
            );
        }
    }
}
