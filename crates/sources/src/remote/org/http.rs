//! The HTTP side of organisation listings: GET requests bounded in time and size, headers
//! every provider sends, redirects and `Link` pages kept on the API's origin, and the
//! failures people act on ("needs credentials for HOST", offline, a bad answer).

use std::time::Duration;

use super::ApiToken;
use crate::remote::failure::{FailureKind, FetchFailure};

/// How long one request may take, answer included.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(15);
/// The largest answer read: a page of 100 GitHub repositories is under 1 MiB.
pub(super) const MAX_BODY: usize = 8 << 20;
/// Redirects followed, all on the API's origin.
const MAX_REDIRECTS: usize = 5;

/// An answer of the API.
pub(super) struct Answer {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Vec<u8>,
}

impl Answer {
    /// A header as text, if present and readable.
    pub(super) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The `message` of a JSON error answer (GitHub and Azure DevOps both send one), cut
    /// short.
    pub(super) fn api_message(&self) -> Option<String> {
        let value: serde_json::Value = serde_json::from_slice(&self.body).ok()?;
        let message = value.get("message")?.as_str()?.trim();
        Some(message.chars().take(300).collect())
    }
}

/// A client for one listing: one API origin, one host's token.
pub(super) struct Client {
    runtime: tokio::runtime::Runtime,
    http: reqwest::Client,
    api: url::Url,
    /// The Git host, as "needs credentials for HOST" names it.
    pub host: String,
    pub token: Option<ApiToken>,
}

impl Client {
    pub(super) fn new(
        api: &url::Url,
        host: &str,
        token: Option<&ApiToken>,
    ) -> Result<Client, FetchFailure> {
        let origin = api.origin();
        let redirects = reqwest::redirect::Policy::custom(move |attempt| {
            if attempt.previous().len() >= MAX_REDIRECTS || attempt.url().origin() != origin {
                attempt.stop()
            } else {
                attempt.follow()
            }
        });
        let http = reqwest::Client::builder()
            .user_agent(concat!("greenroom/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(REQUEST_TIMEOUT)
            .redirect(redirects)
            .build()
            .map_err(|e| invalid_api(api.as_str(), &format!("no HTTP client ({e})")))?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| invalid_api(api.as_str(), &format!("no runtime ({e})")))?;
        Ok(Client {
            runtime,
            http,
            api: api.clone(),
            host: host.to_owned(),
            token: token.cloned(),
        })
    }

    /// The API's base URL.
    pub(super) fn api(&self) -> &url::Url {
        &self.api
    }

    /// The API's base URL as people write it, without the trailing slash.
    fn api_text(&self) -> &str {
        self.api.as_str().trim_end_matches('/')
    }

    /// Whether `url` is on the API's origin (scheme, host and port), the only place pages
    /// and redirects may lead, so that the token goes nowhere else.
    pub(super) fn same_origin(&self, url: &url::Url) -> bool {
        url.origin() == self.api.origin()
    }

    /// GETs `url` with `headers` and `authorization` (a full header value), reading at most
    /// [`MAX_BODY`] bytes.
    pub(super) fn get(
        &self,
        url: &url::Url,
        headers: &[(&str, &str)],
        authorization: Option<String>,
    ) -> Result<Answer, FetchFailure> {
        self.runtime.block_on(async {
            let mut request = self.http.get(url.clone());
            for (name, value) in headers {
                request = request.header(*name, *value);
            }
            if let Some(value) = authorization {
                let mut value = reqwest::header::HeaderValue::from_str(&value)
                    .map_err(|_| self.failure(FailureKind::Failed, "the token has characters HTTP cannot send; store it again"))?;
                value.set_sensitive(true);
                request = request.header(reqwest::header::AUTHORIZATION, value);
            }
            let mut response = request.send().await.map_err(|e| self.network(&e))?;
            let status = response.status().as_u16();
            let headers = response.headers().clone();
            let mut body = Vec::new();
            while let Some(chunk) = response.chunk().await.map_err(|e| self.network(&e))? {
                if body.len() + chunk.len() > MAX_BODY {
                    return Err(self.failure(
                        FailureKind::Failed,
                        &format!(
                            "its answer is larger than {} MiB, more than a listing can be; it was refused",
                            MAX_BODY >> 20
                        ),
                    ));
                }
                body.extend_from_slice(&chunk);
            }
            Ok(Answer {
                status,
                headers,
                body,
            })
        })
    }

    /// A failure of the API, named by its base URL.
    pub(super) fn failure(&self, kind: FailureKind, what: &str) -> FetchFailure {
        FetchFailure::new(
            kind,
            Some(self.host.clone()),
            format!(
                "the API at {} could not list the repositories: {what}",
                self.api_text()
            ),
        )
    }

    /// "needs credentials for HOST", saying whether a token was sent.
    pub(super) fn needs_credentials(&self, answer: &Answer) -> FetchFailure {
        let detail = answer
            .api_message()
            .map_or_else(String::new, |m| format!(": {m}"));
        let why = if self.token.is_some() {
            format!(
                "the API at {} refused the token (HTTP {}{detail}); it may have expired or lack the right to read the \
                 repositories",
                self.api_text(),
                answer.status
            )
        } else {
            format!(
                "the API at {} wants a token to list these repositories (HTTP {}{detail})",
                self.api_text(),
                answer.status
            )
        };
        FetchFailure::needs_credentials(&self.host, &why)
    }

    /// An answer the listing does not expect.
    pub(super) fn unexpected(&self, answer: &Answer) -> FetchFailure {
        let detail = answer
            .api_message()
            .map_or_else(String::new, |m| format!(": {m}"));
        let kind = if answer.status == 404 {
            FailureKind::NotFound
        } else {
            FailureKind::Failed
        };
        self.failure(kind, &format!("it answered HTTP {}{detail}", answer.status))
    }

    fn network(&self, e: &reqwest::Error) -> FetchFailure {
        // The innermost cause says what happened ("Connection refused"); the outer ones
        // repeat the URL.
        let mut cause: &dyn std::error::Error = e;
        while let Some(inner) = cause.source() {
            cause = inner;
        }
        if e.is_timeout() {
            self.failure(
                FailureKind::TimedOut,
                &format!(
                    "it did not answer within {} seconds ({cause})",
                    REQUEST_TIMEOUT.as_secs()
                ),
            )
        } else if e.is_connect() {
            self.failure(
                FailureKind::Unreachable,
                &format!(
                    "it cannot be reached ({cause}); you may be offline or the server may be down"
                ),
            )
        } else {
            self.failure(
                FailureKind::Interrupted,
                &format!("the answer broke off ({cause})"),
            )
        }
    }
}

/// A failure before any request: the stored API URL is unusable.
pub(super) fn invalid_api(api: &str, why: &str) -> FetchFailure {
    FetchFailure::new(
        FailureKind::Failed,
        None,
        format!(
            "the organisation's API {api} cannot be used: {why}; remove the source and add it again"
        ),
    )
}

/// The `rel="next"` target of an HTTP `Link` header (RFC 8288), as GitHub pages with it:
/// `<https://api.github.com/organizations/1/repos?page=2>; rel="next", <...>; rel="last"`.
pub(super) fn next_link(header: &str) -> Option<&str> {
    let mut rest = header;
    while let Some(start) = rest.find('<') {
        let after = &rest[start + 1..];
        let end = after.find('>')?;
        let target = &after[..end];
        let params = &after[end + 1..];
        let params = &params[..params.find('<').unwrap_or(params.len())];
        let is_next = params.split(';').any(|param| {
            param
                .trim()
                .trim_end_matches(',')
                .strip_prefix("rel=")
                .is_some_and(|rels| {
                    rels.trim_matches('"')
                        .split_whitespace()
                        .any(|r| r.eq_ignore_ascii_case("next"))
                })
        });
        if is_next {
            return Some(target);
        }
        rest = &after[end + 1..];
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_next_page_is_found_in_link_headers() {
        let cases = [
            (
                r#"<https://api.github.com/organizations/1/repos?per_page=100&page=2>; rel="next", <https://api.github.com/organizations/1/repos?per_page=100&page=5>; rel="last""#,
                Some("https://api.github.com/organizations/1/repos?per_page=100&page=2"),
            ),
            (
                r#"<https://h/x?page=1>; rel="prev", <https://h/x?page=3>; rel="next""#,
                Some("https://h/x?page=3"),
            ),
            (
                r#"<https://h/x?page=3>;rel=next"#,
                Some("https://h/x?page=3"),
            ),
            (
                r#"<https://h/a>; title="next one"; rel="first", <https://h/b>; rel="prev next""#,
                Some("https://h/b"),
            ),
            (
                r#"<https://h/x?page=1>; rel="first", <https://h/x?page=1>; rel="prev""#,
                None,
            ),
            ("", None),
            ("<unterminated; rel=\"next\"", None),
            ("garbage", None),
        ];
        for (header, next) in cases {
            assert_eq!(next_link(header), next, "{header}");
        }
    }
}
