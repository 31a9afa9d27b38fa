//! How the window's webview renders. Greenroom's pages are tables, text and a graph drawn
//! with CSS transforms: WebKitGTK's software rendering paints them as fast as its GPU
//! compositing does, without the compositing process's memory (about 100 MB less with
//! 10,000 entities) and without the blank windows some GPU drivers give. Set
//! `GREENROOM_WEBVIEW_GPU=1` to keep hardware acceleration.

use tauri::{Manager, Runtime};

/// Applies Greenroom's rendering settings to the main window's webview.
pub fn configure<R: Runtime>(app: &tauri::App<R>) {
    if std::env::var_os("GREENROOM_WEBVIEW_GPU").is_some() {
        return;
    }
    let Some(window) = app.get_webview_window("main") else {
        return;
    };
    #[cfg(target_os = "linux")]
    let _ = window.with_webview(|webview| {
        use webkit2gtk::{HardwareAccelerationPolicy, SettingsExt, WebViewExt};
        if let Some(settings) = webview.inner().settings() {
            settings.set_hardware_acceleration_policy(HardwareAccelerationPolicy::Never);
        }
    });
    #[cfg(not(target_os = "linux"))]
    let _ = window;
}
