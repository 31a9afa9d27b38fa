//! The one-shot redirect listener of RFC 8252 §7.3: bound to 127.0.0.1 only (never all
//! interfaces, which would expose the code to the network) on a port the OS picks, it answers one
//! sign-in response with a page telling the user to return to the app, then closes.

use std::convert::Infallible;
use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::header::{CACHE_CONTROL, CONTENT_TYPE, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use openidconnect::CsrfToken;
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::error::AuthError;

/// What the browser delivered, once `state` matched.
pub(crate) enum Callback {
    /// An authorization code to redeem.
    Code(String),
    /// An OAuth error response (`error`, `error_description`).
    Error {
        error: String,
        description: Option<String>,
    },
}

/// A bound listener waiting for the redirect.
pub(crate) struct RedirectListener {
    listener: TcpListener,
    port: u16,
}

impl RedirectListener {
    pub(crate) async fn bind() -> Result<Self, AuthError> {
        let listener = TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
            .await
            .map_err(|err| AuthError::Listener(err.to_string()))?;
        let port = listener
            .local_addr()
            .map_err(|err| AuthError::Listener(err.to_string()))?
            .port();
        Ok(Self { listener, port })
    }

    /// `http://localhost:PORT`: Entra ignores the port of loopback redirect URIs, so the app
    /// registration lists `http://localhost` once. MSAL sends the same form.
    pub(crate) fn redirect_uri(&self) -> String {
        format!("http://localhost:{}", self.port)
    }

    /// Serves until one request to `/` carries a sign-in response, the deadline passes or the
    /// caller cancels. Requests to other paths (a favicon) get 404 and change nothing. A response
    /// whose `state` is not ours ends the attempt: it is either stale or forged.
    pub(crate) async fn wait(
        self,
        state: &CsrfToken,
        timeout: Duration,
        cancel: &CancellationToken,
    ) -> Result<Callback, AuthError> {
        let (sender, mut outcomes) = mpsc::channel::<Result<Callback, AuthError>>(1);
        let deadline = tokio::time::sleep(timeout);
        tokio::pin!(deadline);
        loop {
            tokio::select! {
                _ = cancel.cancelled() => return Err(AuthError::Cancelled),
                _ = &mut deadline => return Err(AuthError::TimedOut(timeout)),
                Some(outcome) = outcomes.recv() => return outcome,
                accepted = self.listener.accept() => {
                    let Ok((stream, _)) = accepted else { continue };
                    let sender = sender.clone();
                    let state = state.clone();
                    tokio::spawn(async move {
                        let service = service_fn(move |request: Request<Incoming>| {
                            let response = answer(&request, &state, &sender);
                            async move { Ok::<_, Infallible>(response) }
                        });
                        // One request per connection keeps the "one-shot" promise simple.
                        let _ = http1::Builder::new()
                            .keep_alive(false)
                            .serve_connection(TokioIo::new(stream), service)
                            .await;
                    });
                }
            }
        }
    }
}

fn answer(
    request: &Request<Incoming>,
    state: &CsrfToken,
    outcomes: &mpsc::Sender<Result<Callback, AuthError>>,
) -> Response<Full<Bytes>> {
    if request.uri().path() != "/" {
        return page(StatusCode::NOT_FOUND, "Not found", "Nothing here.");
    }
    let params: Vec<(String, String)> =
        url::form_urlencoded::parse(request.uri().query().unwrap_or_default().as_bytes())
            .into_owned()
            .collect();
    let param = |name: &str| {
        params
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.clone())
    };
    let (code, error) = (param("code"), param("error"));
    if code.is_none() && error.is_none() {
        return page(
            StatusCode::BAD_REQUEST,
            "Not a sign-in response",
            "This address is waiting for a sign-in response from your identity provider.",
        );
    }
    let state_matches = param("state").is_some_and(|received| CsrfToken::new(received) == *state);
    let (outcome, response) = if !state_matches {
        tracing::warn!("sign-in response with a wrong or missing state ignored");
        (
            Err(AuthError::StateMismatch),
            page(
                StatusCode::BAD_REQUEST,
                "Sign-in failed",
                "This sign-in response does not belong to the sign-in Greenroom started, so it was ignored. Return to Greenroom and sign in again.",
            ),
        )
    } else if let Some(code) = code {
        (
            Ok(Callback::Code(code)),
            page(
                StatusCode::OK,
                "Signed in",
                "You are signed in to Greenroom. You can close this tab and return to the app.",
            ),
        )
    } else {
        let error = error.unwrap_or_default();
        let description = param("error_description");
        let shown = format!(
            "The identity provider reported: {}{}. Return to Greenroom to try again.",
            escape(&error),
            description
                .as_deref()
                .map(|text| format!(" ({})", escape(text)))
                .unwrap_or_default()
        );
        (
            Ok(Callback::Error { error, description }),
            page(StatusCode::OK, "Sign-in failed", &shown),
        )
    };
    // A full channel means an outcome is already on its way; later responses are ignored.
    let _ = outcomes.try_send(outcome);
    response
}

fn page(status: StatusCode, title: &str, message: &str) -> Response<Full<Bytes>> {
    let body = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title} - Greenroom</title>\
         <style>body{{font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#1b1f24}}</style>\
         </head><body><h1>{title}</h1><p>{message}</p></body></html>"
    );
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// Provider text goes into HTML: escape it.
fn escape(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '<' => "&lt;".to_owned(),
            '>' => "&gt;".to_owned(),
            '&' => "&amp;".to_owned(),
            '"' => "&quot;".to_owned(),
            '\'' => "&#39;".to_owned(),
            other => other.to_string(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn provider_text_is_escaped() {
        assert_eq!(escape("<script>&'\""), "&lt;script&gt;&amp;&#39;&quot;");
    }
}
