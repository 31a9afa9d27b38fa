//! A fake of the two organisation APIs Greenroom lists repositories with, on 127.0.0.1. It
//! speaks the GitHub REST protocol and the Azure DevOps Git repositories API (a fake,
//! because no GitHub or Azure DevOps can run here), as far as listing goes and faithfully:
//!
//! - GitHub: `GET /orgs/{org}/repos` and `/users/{user}/repos` with `per_page` (at most
//!   100, or the fake's smaller cap) and `page`; the answer is a JSON array of repository
//!   objects shaped as in GitHub's docs; more pages are announced with a `Link` header
//!   whose targets are `/organizations/{id}/repos?...&page=N` (as GitHub writes them);
//!   `Bearer`/`token` authentication, `401 {"message":"Requires authentication"}` or
//!   `"Bad credentials"`, `403` with `x-ratelimit-*` headers once the rate limit is used up,
//!   `403` without a `User-Agent`, `404 {"message":"Not Found"}`.
//! - Azure DevOps: `GET /{org}/{project}/_apis/git/repositories?api-version=7.1`, answering
//!   `{"count":N,"value":[...]}`; `400` without `api-version`; without credentials `203`
//!   with the HTML sign-in page, with wrong ones `401`; `404` with `TF200016` for an unknown
//!   project. Basic (any user, the PAT as password) or Bearer authentication.
//!
//! The clone addresses it hands out are those the test gives: real repositories served by
//! the other fixtures.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use base64::Engine;
use http_body_util::Full;
use hyper::body::Bytes;
use serde_json::{Value, json};

use super::servers::{Body, HttpServer};

/// What the fake serves and how it behaves; tests change it between requests.
#[derive(Default)]
pub(crate) struct OrgApiState {
    /// GitHub organisations and their repositories.
    pub github_orgs: HashMap<String, Vec<Value>>,
    /// GitHub users and their repositories.
    pub github_users: HashMap<String, Vec<Value>>,
    /// Azure DevOps `(org, project)` and their repositories.
    pub azure_devops: HashMap<(String, String), Vec<Value>>,
    /// When set, the only token accepted; requests without it are refused.
    pub token: Option<String>,
    /// A page size below GitHub's 100, so that a few repositories make several pages.
    pub max_per_page: Option<usize>,
    /// GitHub's rate limit is used up (`403` with `x-ratelimit-remaining: 0`).
    pub rate_limited: bool,
    /// Answer every request with this status, content type and body instead.
    pub canned: Option<(u16, &'static str, Vec<u8>)>,
    /// A `Link` next target to send with the first GitHub page instead of the real one.
    pub next_link: Option<String>,
    /// Requests received: method, path and query, and the headers that matter.
    pub requests: Vec<Seen>,
}

/// A request the fake received.
#[derive(Debug, Clone)]
pub(crate) struct Seen {
    pub path_and_query: String,
    pub headers: HashMap<String, String>,
}

/// The fake API server; it stops when dropped (as when the network goes away).
pub(crate) struct OrgApi {
    pub state: Arc<Mutex<OrgApiState>>,
    server: Option<HttpServer>,
    port: u16,
}

impl OrgApi {
    pub(crate) fn start() -> OrgApi {
        let state = Arc::new(Mutex::new(OrgApiState::default()));
        let shared = state.clone();
        let server = HttpServer::start(move |request| {
            let reply = answer(&shared, &request);
            async move { reply }
        });
        OrgApi {
            port: server.port,
            state,
            server: Some(server),
        }
    }

    /// The API's base URL, as `--api-url` takes it.
    pub(crate) fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The host tokens are stored under.
    pub(crate) fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// Changes what it serves.
    pub(crate) fn with<T>(&self, change: impl FnOnce(&mut OrgApiState) -> T) -> T {
        change(&mut self.state.lock().expect("state"))
    }

    /// Stops answering: the port is closed.
    pub(crate) fn stop(&mut self) {
        self.server = None;
    }
}

/// A repository as GitHub's "List organization repositories" returns it (the fields of
/// the docs' example, owner shortened).
pub(crate) fn github_repo(id: u64, org: &str, name: &str, clone_url: &str) -> Value {
    json!({
        "id": id,
        "node_id": format!("R_kgDO{id:06}"),
        "name": name,
        "full_name": format!("{org}/{name}"),
        "private": false,
        "owner": {"login": org, "id": 1, "type": "Organization", "site_admin": false},
        "html_url": format!("https://github.com/{org}/{name}"),
        "description": null,
        "fork": false,
        "url": format!("https://api.github.com/repos/{org}/{name}"),
        "git_url": format!("git://github.com/{org}/{name}.git"),
        "ssh_url": format!("git@github.com:{org}/{name}.git"),
        "clone_url": clone_url,
        "homepage": null,
        "size": 108,
        "stargazers_count": 0,
        "language": "Rust",
        "default_branch": "main",
        "visibility": "public",
        "archived": false,
        "disabled": false,
        "pushed_at": "2026-11-20T10:00:00Z",
        "created_at": "2025-01-01T10:00:00Z",
        "updated_at": "2026-11-20T10:00:00Z",
        "permissions": {"admin": false, "maintain": false, "push": false, "triage": false, "pull": true}
    })
}

/// A repository as Azure DevOps' "Repositories - List" returns it.
pub(crate) fn azure_devops_repo(
    org: &str,
    project: &str,
    name: &str,
    remote_url: &str,
    default_branch: Option<&str>,
) -> Value {
    let mut repo = json!({
        "id": format!("5febef5a-833d-4e14-b9c0-{:012x}", name.len()),
        "name": name,
        "url": format!("https://dev.azure.com/{org}/_apis/git/repositories/{name}"),
        "project": {
            "id": "6ce954b1-ce1f-45d1-b94d-e6bf2464ba2c",
            "name": project,
            "url": format!("https://dev.azure.com/{org}/_apis/projects/{project}"),
            "state": "wellFormed",
            "revision": 411,
            "visibility": "private"
        },
        "size": 2048,
        "remoteUrl": remote_url,
        "sshUrl": format!("git@ssh.dev.azure.com:v3/{org}/{project}/{name}"),
        "webUrl": format!("https://dev.azure.com/{org}/{project}/_git/{name}"),
        "isDisabled": false,
        "isInMaintenance": false
    });
    if let Some(branch) = default_branch {
        repo["defaultBranch"] = json!(format!("refs/heads/{branch}"));
    }
    repo
}

fn answer(
    state: &Mutex<OrgApiState>,
    request: &hyper::Request<hyper::body::Incoming>,
) -> hyper::Response<Body> {
    let mut state = state.lock().expect("state");
    let headers: HashMap<String, String> = request
        .headers()
        .iter()
        .filter_map(|(k, v)| Some((k.as_str().to_owned(), v.to_str().ok()?.to_owned())))
        .collect();
    let path = request.uri().path().to_owned();
    let query: HashMap<String, String> =
        url::form_urlencoded::parse(request.uri().query().unwrap_or_default().as_bytes())
            .into_owned()
            .collect();
    state.requests.push(Seen {
        path_and_query: request
            .uri()
            .path_and_query()
            .map(ToString::to_string)
            .unwrap_or_default(),
        headers: headers.clone(),
    });
    if let Some((status, content_type, body)) = state.canned.clone() {
        return response(status, content_type, body);
    }
    let host = headers.get("host").cloned().unwrap_or_default();
    let authorization = headers.get("authorization").cloned();
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    match segments.as_slice() {
        [org, project, "_apis", "git", "repositories"] => {
            azure_devops(&state, org, project, &query, authorization.as_deref())
        }
        [
            kind @ ("orgs" | "users" | "organizations" | "user"),
            owner,
            "repos",
        ] => github(&state, kind, owner, &query, &headers, &host),
        _ => json_response(404, &json!({"message": "Not Found"}), &[]),
    }
}

fn github(
    state: &OrgApiState,
    kind: &str,
    owner: &str,
    query: &HashMap<String, String>,
    headers: &HashMap<String, String>,
    host: &str,
) -> hyper::Response<Body> {
    let docs = "https://docs.github.com/rest";
    if !headers.contains_key("user-agent") {
        return json_response(
            403,
            &json!({"message": "Request forbidden by administrative rules. Please make sure your request has a User-Agent header"}),
            &[],
        );
    }
    if let Some(expected) = &state.token {
        let given = headers.get("authorization").map(|a| {
            a.strip_prefix("Bearer ")
                .or_else(|| a.strip_prefix("token "))
                .unwrap_or(a)
                .to_owned()
        });
        match given {
            None => {
                return json_response(
                    401,
                    &json!({"message": "Requires authentication", "documentation_url": docs, "status": "401"}),
                    &[],
                );
            }
            Some(token) if &token != expected => {
                return json_response(
                    401,
                    &json!({"message": "Bad credentials", "documentation_url": docs, "status": "401"}),
                    &[],
                );
            }
            Some(_) => {}
        }
    }
    if state.rate_limited {
        let reset = (std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or_default()
            + 1800)
            .to_string();
        return json_response(
            403,
            &json!({
                "message": "API rate limit exceeded for 127.0.0.1. (But here's the good news: Authenticated requests get a higher rate limit. Check out the documentation for more details.)",
                "documentation_url": "https://docs.github.com/rest/overview/resources-in-the-rest-api#rate-limiting"
            }),
            &[
                ("x-ratelimit-limit", "60"),
                ("x-ratelimit-remaining", "0"),
                ("x-ratelimit-reset", &reset),
                ("x-ratelimit-used", "60"),
                ("x-ratelimit-resource", "core"),
            ],
        );
    }
    // `/organizations/{id}` and `/user/{id}` name the owner by its position, as ids do.
    let (owners, id_path) = match kind {
        "orgs" | "organizations" => (&state.github_orgs, "organizations"),
        _ => (&state.github_users, "user"),
    };
    let mut names: Vec<&String> = owners.keys().collect();
    names.sort();
    let found = match kind {
        "organizations" | "user" => owner
            .parse::<usize>()
            .ok()
            .and_then(|i| names.get(i))
            .map(|name| name.as_str()),
        _ => names
            .iter()
            .find(|n| n.as_str() == owner)
            .map(|n| n.as_str()),
    };
    let Some(name) = found else {
        return json_response(
            404,
            &json!({"message": "Not Found", "documentation_url": docs, "status": "404"}),
            &[],
        );
    };
    let id = names.iter().position(|n| n.as_str() == name).unwrap_or(0);
    let repos = &owners[name];
    let per_page = query
        .get("per_page")
        .and_then(|p| p.parse::<usize>().ok())
        .unwrap_or(30)
        .clamp(1, 100)
        .min(state.max_per_page.unwrap_or(100));
    let page = query
        .get("page")
        .and_then(|p| p.parse::<usize>().ok())
        .unwrap_or(1)
        .max(1);
    let last = repos.len().div_ceil(per_page).max(1);
    let items: Vec<&Value> = repos
        .iter()
        .skip((page - 1) * per_page)
        .take(per_page)
        .collect();
    let kept_type = query.get("type").cloned().unwrap_or_else(|| "all".into());
    let link_to = |n: usize| {
        format!(
            "<http://{host}/{id_path}/{id}/repos?per_page={per_page}&type={kept_type}&page={n}>"
        )
    };
    let mut links = Vec::new();
    if page > 1 {
        links.push(format!("{}; rel=\"prev\"", link_to(page - 1)));
    }
    if page < last {
        let next = match (&state.next_link, page) {
            (Some(other), 1) => format!("<{other}>"),
            _ => link_to(page + 1),
        };
        links.push(format!("{next}; rel=\"next\""));
        links.push(format!("{}; rel=\"last\"", link_to(last)));
    }
    if page > 1 {
        links.push(format!("{}; rel=\"first\"", link_to(1)));
    }
    let link = links.join(", ");
    let mut extra = vec![
        ("x-github-api-version-selected", "2022-11-28"),
        ("x-ratelimit-limit", "60"),
        ("x-ratelimit-remaining", "59"),
    ];
    if !link.is_empty() {
        extra.push(("link", &link));
    }
    json_response(200, &json!(items), &extra)
}

fn azure_devops(
    state: &OrgApiState,
    org: &str,
    project: &str,
    query: &HashMap<String, String>,
    authorization: Option<&str>,
) -> hyper::Response<Body> {
    if let Some(expected) = &state.token {
        let given = authorization.and_then(|a| {
            if let Some(bearer) = a.strip_prefix("Bearer ") {
                return Some(bearer.to_owned());
            }
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(a.strip_prefix("Basic ")?)
                .ok()?;
            let text = String::from_utf8(decoded).ok()?;
            Some(text.split_once(':')?.1.to_owned())
        });
        match given {
            None if authorization.is_none() => {
                return response(
                    203,
                    "text/html; charset=utf-8",
                    b"<!DOCTYPE html><html><head><title>Azure DevOps Services | Sign In</title></head><body></body></html>"
                        .to_vec(),
                );
            }
            Some(token) if &token == expected => {}
            _ => {
                return response(
                    401,
                    "text/html; charset=utf-8",
                    b"<html><head><title>Access Denied: The Personal Access Token used has expired.</title></head></html>"
                        .to_vec(),
                );
            }
        }
    }
    if query.get("api-version").is_none() {
        return json_response(
            400,
            &json!({"$id": "1", "innerException": null, "message": "No api-version was supplied for the \"GET\" request. The version must be supplied either as part of the Accept header (e.g. \"application/json; api-version=1.0\") or as a query parameter (e.g. \"?api-version=1.0\").", "typeName": "Microsoft.VisualStudio.Services.WebApi.VssVersionNotSpecifiedException, Microsoft.VisualStudio.Services.WebApi", "typeKey": "VssVersionNotSpecifiedException", "errorCode": 0, "eventId": 3000}),
            &[],
        );
    }
    let decode = |s: &str| {
        percent_encoding::percent_decode_str(s)
            .decode_utf8_lossy()
            .into_owned()
    };
    let key = (decode(org), decode(project));
    let Some(repos) = state.azure_devops.get(&key) else {
        return json_response(
            404,
            &json!({"$id": "1", "innerException": null, "message": format!("TF200016: The following project does not exist: {}. Verify that the name of the project is correct and that the project exists on the specified Azure DevOps Server.", key.1), "typeName": "Microsoft.TeamFoundation.Core.WebApi.ProjectDoesNotExistWithNameException, Microsoft.TeamFoundation.Core.WebApi", "typeKey": "ProjectDoesNotExistWithNameException", "errorCode": 0, "eventId": 3000}),
            &[],
        );
    };
    json_response(200, &json!({"count": repos.len(), "value": repos}), &[])
}

fn json_response(status: u16, body: &Value, headers: &[(&str, &str)]) -> hyper::Response<Body> {
    let mut builder = hyper::Response::builder().status(status);
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    builder
        .header("content-type", "application/json; charset=utf-8")
        .body(Full::new(Bytes::from(body.to_string())))
        .expect("response")
}

fn response(status: u16, content_type: &str, body: Vec<u8>) -> hyper::Response<Body> {
    hyper::Response::builder()
        .status(status)
        .header("content-type", content_type)
        .body(Full::new(Bytes::from(body)))
        .expect("response")
}
