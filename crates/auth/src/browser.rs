//! Opening the system browser is the caller's business: the app uses its opener plugin, the CLI
//! a crate like `open` (or prints the URL), tests play the browser with an HTTP client.

/// Opens the provider's sign-in page. The URL carries the request's `state`, `nonce` and PKCE
/// challenge: open it, do not log it.
pub trait BrowserOpener: Send + Sync {
    /// Opens `url` in the system browser (RFC 8252 §8.12: not an embedded web view).
    fn open(&self, url: &str) -> Result<(), String>;
}

impl<F: Fn(&str) -> Result<(), String> + Send + Sync> BrowserOpener for F {
    fn open(&self, url: &str) -> Result<(), String> {
        self(url)
    }
}
