//! The window shows Greenroom's own pages only. A link that would take the webview
//! elsewhere (an API description's `externalDocs`, a link in rendered text) opens in the
//! system browser when it is http(s), and goes nowhere otherwise.

use tauri::plugin::{Builder, TauriPlugin};
use tauri::{Runtime, Url};
use tauri_plugin_opener::OpenerExt;

use crate::commands::is_web_link;

/// The plugin that guards the window's navigation.
pub fn guard<R: Runtime>() -> TauriPlugin<R> {
    Builder::new("navigation-guard")
        .on_navigation(|webview, url| {
            if is_own_page(url) {
                return true;
            }
            if is_web_link(url.as_str()) {
                let _ = webview.opener().open_url(url.as_str(), None::<&str>);
            }
            false
        })
        .build()
}

/// Greenroom's pages: the bundled interface, or the Vite dev server in development.
fn is_own_page(url: &Url) -> bool {
    match url.scheme() {
        "tauri" => true,
        "about" => url.path() == "blank",
        "http" | "https" => {
            url.host_str() == Some("tauri.localhost")
                || (cfg!(dev) && url.host_str() == Some("localhost") && url.port() == Some(5173))
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn own(url: &str) -> bool {
        is_own_page(&Url::parse(url).expect("a URL"))
    }

    #[test]
    fn only_the_bundled_interface_loads_in_the_window() {
        assert!(own("tauri://localhost/#/entity/component/default/x"));
        assert!(own("http://tauri.localhost/index.html"));
        assert!(!own("https://example.com/docs"));
        assert!(!own("file:///etc/passwd"));
        assert!(!own("javascript:alert(1)"));
    }
}
