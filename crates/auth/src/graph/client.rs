//! A small Microsoft Graph reader: GET with a bearer token, `@odata.nextLink` paging, and
//! `Retry-After` on throttling.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::Value;
use thiserror::Error;
use url::Url;

use crate::secret::AccessToken;

/// Pages followed at most per collection, against a server that never stops paging.
const MAX_PAGES: usize = 10_000;
/// Throttled requests are retried this often, waiting what `Retry-After` says (bounded).
const MAX_RETRIES: usize = 4;
const MAX_RETRY_WAIT: Duration = Duration::from_secs(60);

/// A failed Graph request.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum GraphError {
    /// The Graph base URL is unusable.
    #[error(
        "the Graph URL `{0}` is not usable; set `graph_url` to e.g. https://graph.microsoft.com/v1.0"
    )]
    BadBaseUrl(String),
    /// The token was refused (expired or revoked).
    #[error("Microsoft Graph refused the sign-in token ({0}); sign in again")]
    Unauthorized(String),
    /// The signed-in user or the app lacks a permission.
    #[error(
        "Microsoft Graph denied access to {path} ({message}); this needs the {permission} permission, which an administrator must consent to"
    )]
    Forbidden {
        /// What was asked.
        path: String,
        /// Graph's message.
        message: String,
        /// Which delegated permission would allow it.
        permission: &'static str,
    },
    /// Any other HTTP error.
    #[error("Microsoft Graph answered {status} for {path}: {message}")]
    Http {
        /// HTTP status.
        status: u16,
        /// What was asked.
        path: String,
        /// Graph's error code and message.
        message: String,
    },
    /// Graph could not be reached.
    #[error("could not reach Microsoft Graph: {0}; check the network and try again")]
    Network(String),
    /// The answer is not what Graph sends.
    #[error("Microsoft Graph sent an unexpected answer for {path}: {reason}")]
    BadResponse {
        /// What was asked.
        path: String,
        /// What was wrong.
        reason: String,
    },
    /// A next-page link pointed away from the Graph host; the token is not sent there.
    #[error(
        "Microsoft Graph's next-page link points to another host ({0}); stopped to keep the token safe"
    )]
    ForeignLink(String),
}

impl GraphError {
    /// Stable code for the UI.
    pub fn code(&self) -> &'static str {
        match self {
            Self::BadBaseUrl(_) => "graph.bad_url",
            Self::Unauthorized(_) => "graph.unauthorized",
            Self::Forbidden { .. } => "graph.forbidden",
            Self::Http { .. } => "graph.http",
            Self::Network(_) => "graph.network",
            Self::BadResponse { .. } => "graph.bad_response",
            Self::ForeignLink(_) => "graph.foreign_link",
        }
    }
}

/// Reads Microsoft Graph with a delegated access token.
#[derive(Clone, Debug)]
pub struct GraphClient {
    http: reqwest::Client,
    base: Url,
    token: AccessToken,
}

impl GraphClient {
    /// A client for `base_url` (e.g. `https://graph.microsoft.com/v1.0`; tests use a local
    /// server) sending `token`.
    pub fn new(base_url: &str, token: AccessToken) -> Result<Self, GraphError> {
        let base = Url::parse(base_url.trim_end_matches('/'))
            .map_err(|_| GraphError::BadBaseUrl(base_url.to_owned()))?;
        if !matches!(base.scheme(), "http" | "https") || base.host().is_none() {
            return Err(GraphError::BadBaseUrl(base_url.to_owned()));
        }
        let http = reqwest::Client::builder()
            // Never carry the bearer token across a redirect to somewhere else.
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(Duration::from_secs(15))
            .timeout(Duration::from_secs(120))
            .user_agent(concat!("greenroom/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|err| GraphError::Network(err.to_string()))?;
        Ok(Self { http, base, token })
    }

    fn url(&self, path_and_query: &str) -> String {
        format!(
            "{}/{}",
            self.base.as_str().trim_end_matches('/'),
            path_and_query.trim_start_matches('/')
        )
    }

    /// GET one resource, e.g. `me?$select=id`.
    pub async fn get(&self, path_and_query: &str) -> Result<Value, GraphError> {
        self.fetch(&self.url(path_and_query), path_and_query).await
    }

    /// GET a collection, following `@odata.nextLink`; `on_page` hears the running count.
    pub async fn collection(
        &self,
        path_and_query: &str,
        mut on_page: impl FnMut(usize),
    ) -> Result<Vec<Value>, GraphError> {
        let mut items = Vec::new();
        let mut next = Some(self.url(path_and_query));
        let mut pages = 0;
        while let Some(url) = next.take() {
            pages += 1;
            if pages > MAX_PAGES {
                return Err(GraphError::BadResponse {
                    path: path_and_query.to_owned(),
                    reason: format!("more than {MAX_PAGES} pages"),
                });
            }
            let page = self.fetch(&url, path_and_query).await?;
            let Some(Value::Array(values)) = page.get("value") else {
                return Err(GraphError::BadResponse {
                    path: path_and_query.to_owned(),
                    reason: "no `value` array".to_owned(),
                });
            };
            items.extend(values.iter().cloned());
            on_page(items.len());
            if let Some(link) = page.get("@odata.nextLink").and_then(Value::as_str) {
                next = Some(self.same_origin(link)?);
            }
        }
        Ok(items)
    }

    fn same_origin(&self, link: &str) -> Result<String, GraphError> {
        let url = Url::parse(link).map_err(|_| GraphError::ForeignLink(link.to_owned()))?;
        if url.origin() != self.base.origin() {
            return Err(GraphError::ForeignLink(
                url.host_str().unwrap_or_default().to_owned(),
            ));
        }
        Ok(url.into())
    }

    async fn fetch(&self, url: &str, path: &str) -> Result<Value, GraphError> {
        let mut attempt = 0;
        loop {
            let response = self
                .http
                .get(url)
                .bearer_auth(self.token.secret())
                .header("Accept", "application/json")
                .send()
                .await
                .map_err(|err| GraphError::Network(err.without_url().to_string()))?;
            let status = response.status();
            if status.is_success() {
                return response
                    .json::<Value>()
                    .await
                    .map_err(|err| GraphError::BadResponse {
                        path: path.to_owned(),
                        reason: err.to_string(),
                    });
            }
            let throttled = matches!(
                status,
                StatusCode::TOO_MANY_REQUESTS
                    | StatusCode::SERVICE_UNAVAILABLE
                    | StatusCode::GATEWAY_TIMEOUT
            );
            if throttled && attempt < MAX_RETRIES {
                attempt += 1;
                let wait = response
                    .headers()
                    .get("Retry-After")
                    .and_then(|value| value.to_str().ok()?.trim().parse::<u64>().ok())
                    .map(Duration::from_secs)
                    .unwrap_or(Duration::from_secs(2u64.pow(attempt as u32)))
                    .min(MAX_RETRY_WAIT);
                tracing::info!(%path, seconds = wait.as_secs(), "Microsoft Graph asked to slow down");
                tokio::time::sleep(wait).await;
                continue;
            }
            let body: Value = response.json().await.unwrap_or(Value::Null);
            let code = body["error"]["code"].as_str().unwrap_or_default();
            let message = body["error"]["message"].as_str().unwrap_or_default();
            let message = if code.is_empty() {
                message.to_owned()
            } else {
                format!("{code}: {message}")
            };
            return Err(match status {
                StatusCode::UNAUTHORIZED => GraphError::Unauthorized(message),
                StatusCode::FORBIDDEN => GraphError::Forbidden {
                    path: path.split('?').next().unwrap_or(path).to_owned(),
                    message,
                    permission: permission_for(path),
                },
                _ => GraphError::Http {
                    status: status.as_u16(),
                    path: path.split('?').next().unwrap_or(path).to_owned(),
                    message,
                },
            });
        }
    }
}

/// The least delegated permission that reads `path`.
fn permission_for(path: &str) -> &'static str {
    let path = path.trim_start_matches('/');
    if path.starts_with("users") {
        "User.Read.All (or User.ReadBasic.All)"
    } else if path.starts_with("groups") || path.contains("memberOf") {
        "GroupMember.Read.All"
    } else {
        "User.Read"
    }
}
