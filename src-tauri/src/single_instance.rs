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
use std::time::Duration;

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

/// How long a start keeps asking a window that holds the data folder's name but does not
/// answer: one that is closing lets go of the name within this.
const HAND_OVER_WAIT: Duration = Duration::from_secs(5);
const HAND_OVER_RETRY: Duration = Duration::from_millis(100);

/// What became of a start's arguments.
#[derive(Debug, PartialEq, Eq)]
pub enum HandOver {
    /// The window open on the data folder took them: this start ends.
    Taken,
    /// No window is open on the data folder (or there is no session bus): this start
    /// opens one.
    NoWindow,
    /// A window holds the data folder but did not answer: why.
    Unanswered(String),
}

/// Gives this start's arguments and working folder to the window already open on the data
/// folder, if there is one.
pub fn hand_over() -> HandOver {
    #[cfg(target_os = "linux")]
    if let Ok(dir) = greenroom::data_dir(None) {
        let name = format!("{}.SingleInstance", bus_name(&dir));
        let args: Vec<String> = std::env::args_os()
            .map(|arg| arg.to_string_lossy().into_owned())
            .collect();
        let cwd = std::env::current_dir().unwrap_or_default();
        return call_open_window(&name, &args, &cwd, HAND_OVER_WAIT);
    }
    HandOver::NoWindow
}

/// Calls the plugin's `ExecuteCallback` on `name` (its object path is the name with `/` for
/// `.`) while the name has an owner: a window that is closing fails the call until it lets
/// go of the name, and then this start opens its own; one that does not answer within
/// `wait` is reported.
#[cfg(target_os = "linux")]
fn call_open_window(name: &str, args: &[String], cwd: &Path, wait: Duration) -> HandOver {
    // A window that hangs would never answer: no call waits longer than the whole wait.
    let connection = zbus::blocking::connection::Builder::session()
        .map(|builder| builder.method_timeout(wait))
        .and_then(|builder| builder.build());
    let Ok(connection) = connection else {
        return HandOver::NoWindow;
    };
    let Ok(bus) = zbus::blocking::fdo::DBusProxy::new(&connection) else {
        return HandOver::NoWindow;
    };
    let Ok(bus_name) = zbus::names::BusName::try_from(name) else {
        return HandOver::NoWindow;
    };
    let path = format!("/{}", name.replace('.', "/"));
    let deadline = std::time::Instant::now() + wait;
    loop {
        if !matches!(bus.name_has_owner(bus_name.clone()), Ok(true)) {
            return HandOver::NoWindow;
        }
        let called = connection.call_method(
            Some(name),
            path.as_str(),
            Some("org.SingleInstance.DBus"),
            "ExecuteCallback",
            &(args, cwd.to_string_lossy().as_ref()),
        );
        match called {
            Ok(_) => return HandOver::Taken,
            Err(e) if std::time::Instant::now() >= deadline => {
                return HandOver::Unanswered(e.to_string());
            }
            Err(_) => std::thread::sleep(HAND_OVER_RETRY),
        }
    }
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

    /// A session bus connection, or `None` (said on stderr) where there is none: the test
    /// command runs the tests under `dbus-run-session`.
    #[cfg(target_os = "linux")]
    fn session() -> Option<zbus::blocking::Connection> {
        match zbus::blocking::Connection::session() {
            Ok(connection) => Some(connection),
            Err(e) => {
                eprintln!("no session bus ({e}); scripts/test runs this under dbus-run-session");
                None
            }
        }
    }

    #[cfg(target_os = "linux")]
    fn test_name(what: &str) -> String {
        format!(
            "dev.greenroom.test.{what}_{}.SingleInstance",
            std::process::id()
        )
    }

    /// The plugin's side: records what a second start handed over.
    #[cfg(target_os = "linux")]
    struct OpenWindow(std::sync::mpsc::Sender<(Vec<String>, String)>);

    #[cfg(target_os = "linux")]
    #[zbus::interface(name = "org.SingleInstance.DBus")]
    impl OpenWindow {
        fn execute_callback(&self, argv: Vec<String>, cwd: String) {
            let _ = self.0.send((argv, cwd));
        }
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn an_open_window_takes_the_arguments() {
        let Some(_) = session() else { return };
        let name = test_name("answers");
        let (sender, received) = std::sync::mpsc::channel();
        let _window = zbus::blocking::connection::Builder::session()
            .and_then(|b| b.name(name.as_str()))
            .and_then(|b| b.serve_at(format!("/{}", name.replace('.', "/")), OpenWindow(sender)))
            .and_then(|b| b.build())
            .expect("serve the window's name");
        let args = vec!["greenroom-app".to_owned(), "team.greenroom".to_owned()];
        let outcome =
            call_open_window(&name, &args, Path::new("/home/ada"), Duration::from_secs(5));
        assert_eq!(outcome, HandOver::Taken);
        let (argv, cwd) = received
            .recv_timeout(Duration::from_secs(5))
            .expect("the window heard the call");
        assert_eq!((argv, cwd.as_str()), (args, "/home/ada"));
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn no_window_on_the_folder_means_this_start_opens_one() {
        let Some(_) = session() else { return };
        let outcome = call_open_window(
            &test_name("nobody"),
            &[],
            Path::new("/"),
            Duration::from_secs(5),
        );
        assert_eq!(outcome, HandOver::NoWindow);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_closing_window_that_lets_go_of_the_name_lets_this_start_open_its_own() {
        let Some(closing) = session() else { return };
        let name = test_name("closing");
        closing
            .request_name(name.as_str())
            .expect("hold the name, answering nothing");
        let started = std::time::Instant::now();
        let letting_go = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(400));
            drop(closing);
        });
        let outcome = call_open_window(&name, &[], Path::new("/"), Duration::from_secs(10));
        letting_go.join().expect("join");
        assert_eq!(outcome, HandOver::NoWindow);
        assert!(
            started.elapsed() >= Duration::from_millis(400),
            "it kept asking until the name was free"
        );
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_window_that_never_answers_is_reported() {
        let Some(stuck) = session() else { return };
        let name = test_name("stuck");
        stuck.request_name(name.as_str()).expect("hold the name");
        let outcome = call_open_window(&name, &[], Path::new("/"), Duration::from_millis(300));
        assert!(matches!(outcome, HandOver::Unanswered(_)), "{outcome:?}");
    }

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
