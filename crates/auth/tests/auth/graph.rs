//! The organisation import against a local HTTP server that serves recorded Graph-shaped JSON
//! (tests/graph-fixtures), with `@odata.nextLink` paging, Graph's error bodies, a bearer-token
//! check and throttling. Graph itself cannot be reached from tests; this server speaks its
//! protocol for the handful of endpoints the import uses.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use greenroom_auth::AccessToken;
use greenroom_auth::graph::{
    GraphClient, GraphError, ImportProgress, OrgImportOptions, OrgScope, UserNaming, import_org,
    my_groups,
};
use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};

use crate::support::*;

const TOKEN: &str = "graph-test-token-full-consent";
const LIMITED: &str = "graph-test-token-user-read-only";

struct GraphServer {
    base: String,
    requests: Arc<Mutex<Vec<String>>>,
    throttle_organization: Arc<AtomicBool>,
}

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/graph-fixtures")
}

fn graph_error(status: StatusCode, code: &str, message: &str) -> Response<Full<Bytes>> {
    let body = json!({ "error": { "code": code, "message": message, "innerError": {
        "date": "2026-11-25T10:00:00", "request-id": "3b6e7f0a-0000-4000-8000-000000000000" } } });
    let mut response = Response::new(Full::new(Bytes::from(body.to_string())));
    *response.status_mut() = status;
    response
}

impl GraphServer {
    async fn start() -> Self {
        Self::accepting(TOKEN).await
    }

    /// A server that grants full consent to `full_token` and `User.Read` to [`LIMITED`].
    async fn accepting(full_token: &str) -> Self {
        let full_token: Arc<str> = Arc::from(full_token);
        let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
            .await
            .expect("bind the Graph test server");
        let base = format!(
            "http://{}/v1.0",
            listener.local_addr().expect("Graph test server address")
        );
        let requests = Arc::new(Mutex::new(Vec::new()));
        let throttle = Arc::new(AtomicBool::new(false));
        let (seen, throttle_flag, served_base) = (requests.clone(), throttle.clone(), base.clone());
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    break;
                };
                let (seen, throttle, base, full) = (
                    seen.clone(),
                    throttle_flag.clone(),
                    served_base.clone(),
                    full_token.clone(),
                );
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |request: Request<Incoming>| {
                        let response = serve(&request, &seen, &throttle, &base, &full);
                        async move { Ok::<_, Infallible>(response) }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Self {
            base,
            requests,
            throttle_organization: throttle,
        }
    }

    fn client(&self, token: &str) -> GraphClient {
        GraphClient::new(&self.base, AccessToken::new(token)).expect("Graph client")
    }

    fn requests(&self) -> Vec<String> {
        self.requests.lock().expect("request log").clone()
    }
}

fn serve(
    request: &Request<Incoming>,
    seen: &Mutex<Vec<String>>,
    throttle: &AtomicBool,
    base: &str,
    full_token: &str,
) -> Response<Full<Bytes>> {
    let path = request.uri().path().to_owned();
    let query = request.uri().query().unwrap_or_default().to_owned();
    seen.lock()
        .expect("request log")
        .push(format!("{path}?{query}"));
    let token = request
        .headers()
        .get("authorization")
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .unwrap_or_default();
    if token != full_token && token != LIMITED {
        return graph_error(
            StatusCode::UNAUTHORIZED,
            "InvalidAuthenticationToken",
            "Access token validation failure. Invalid audience.",
        );
    }
    let Some(resource) = path.strip_prefix("/v1.0/") else {
        return graph_error(StatusCode::BAD_REQUEST, "BadRequest", "Invalid version.");
    };
    if token == LIMITED && (resource.starts_with("users") || resource.starts_with("groups")) {
        return graph_error(
            StatusCode::FORBIDDEN,
            "Authorization_RequestDenied",
            "Insufficient privileges to complete the operation.",
        );
    }
    if resource == "organization" && throttle.swap(false, Ordering::SeqCst) {
        let mut response = graph_error(
            StatusCode::TOO_MANY_REQUESTS,
            "TooManyRequests",
            "Too many requests.",
        );
        response
            .headers_mut()
            .insert("Retry-After", hyper::header::HeaderValue::from_static("1"));
        return response;
    }
    let page = url::form_urlencoded::parse(query.as_bytes())
        .find(|(key, _)| key == "$skiptoken")
        .map(|(_, value)| format!(".{value}"))
        .unwrap_or_default();
    let file = fixtures().join(format!("{}{page}.json", resource.replace('/', "_")));
    match std::fs::read_to_string(&file) {
        Ok(text) => {
            let mut response =
                Response::new(Full::new(Bytes::from(text.replace("{{base}}", base))));
            response.headers_mut().insert(
                "content-type",
                hyper::header::HeaderValue::from_static("application/json"),
            );
            response
        }
        Err(_) => graph_error(
            StatusCode::NOT_FOUND,
            "Request_ResourceNotFound",
            "Resource does not exist or one of its queried reference-property objects are not present.",
        ),
    }
}

fn expected(name: &str) -> Value {
    let text = std::fs::read_to_string(fixtures().join(name)).expect("expected entities");
    serde_json::from_str(&text).expect("expected entities are JSON")
}

#[tokio::test]
async fn the_tenant_becomes_backstage_users_and_groups() {
    let server = GraphServer::start().await;
    let steps = Mutex::new(Vec::new());
    let progress = |step: ImportProgress| steps.lock().unwrap().push(step);
    let options = OrgImportOptions {
        scope: OrgScope::Tenant,
        user_naming: UserNaming::Mail,
    };
    let snapshot = import_org(&server.client(TOKEN), options, &progress)
        .await
        .unwrap();

    assert_eq!(
        Value::from(snapshot.entities.clone()),
        expected("expected-tenant-entities.json")
    );
    assert_eq!(snapshot.scope, OrgScope::Tenant);
    assert_eq!(
        snapshot.tenant_id.as_deref(),
        Some("4d9c6a2e-7b1f-4c3a-9e85-2f6d0b1a7c34")
    );
    assert_eq!(
        snapshot.me.as_deref(),
        Some("user:default/ada.lovelace_contoso.example")
    );
    let mine: Vec<&str> = snapshot
        .my_groups
        .iter()
        .map(|g| g.entity_ref.as_str())
        .collect();
    assert_eq!(
        mine,
        [
            "group:default/platform_team",
            "group:default/engineering",
            "group:default/greenroom_admins_reader"
        ]
    );
    // The mailbox-less room is left out, as Backstage does, and says why.
    assert_eq!(snapshot.skipped.len(), 1);
    assert_eq!(snapshot.skipped[0].kind, "user");

    let requests = server.requests();
    assert!(
        requests
            .iter()
            .any(|r| r.contains("users?") && r.contains("$skiptoken=p2")),
        "paged users"
    );
    assert!(
        requests
            .iter()
            .any(|r| r.contains("/members?") && r.contains("$skiptoken=p2")),
        "paged members"
    );
    assert!(requests.iter().any(|r| {
        r.starts_with("/v1.0/users?$select=id,displayName,mail,userPrincipalName&$top=999")
    }));
    let steps = steps.into_inner().unwrap();
    assert!(steps.contains(&ImportProgress::Members { done: 4, total: 4 }));
    assert_eq!(
        steps.last(),
        Some(&ImportProgress::Done {
            users: 3,
            groups: 5
        })
    );
}

#[tokio::test]
async fn users_without_mail_can_be_named_from_their_upn() {
    let server = GraphServer::start().await;
    let options = OrgImportOptions {
        scope: OrgScope::Tenant,
        user_naming: UserNaming::MailOrUserPrincipalName,
    };
    let snapshot = import_org(&server.client(TOKEN), options, &|_| {})
        .await
        .unwrap();
    let room = snapshot
        .entities
        .iter()
        .find(|e| e["metadata"]["name"] == "room.lovelace_contoso.onmicrosoft.com")
        .expect("the room is named from its UPN");
    assert_eq!(room["spec"]["memberOf"], json!([]));
    assert!(snapshot.skipped.is_empty());
}

#[tokio::test]
async fn without_admin_consent_only_my_part_is_read() {
    let server = GraphServer::start().await;
    let snapshot = import_org(
        &server.client(LIMITED),
        OrgImportOptions::default(),
        &|_| {},
    )
    .await
    .unwrap();
    assert_eq!(snapshot.scope, OrgScope::Me);
    let reason = snapshot.fallback_reason.expect("the fallback is explained");
    assert!(reason.contains("User.Read.All"), "{reason}");
    assert_eq!(
        Value::from(snapshot.entities),
        expected("expected-me-entities.json")
    );
    // The group Graph hid (no displayName) is reported, not invented.
    assert!(snapshot.skipped.iter().any(|s| s.kind == "group"));

    let strict = OrgImportOptions {
        scope: OrgScope::Tenant,
        ..OrgImportOptions::default()
    };
    let err = import_org(&server.client(LIMITED), strict, &|_| {})
        .await
        .unwrap_err();
    assert!(
        matches!(err, GraphError::Forbidden { permission, .. } if permission.contains("User.Read.All"))
    );
}

#[tokio::test]
async fn my_groups_for_the_mine_view() {
    let server = GraphServer::start().await;
    let groups = my_groups(&server.client(LIMITED)).await.unwrap();
    let refs: Vec<(&str, &str)> = groups
        .iter()
        .map(|g| (g.entity_ref.as_str(), g.display_name.as_str()))
        .collect();
    assert_eq!(
        refs,
        [
            ("group:default/platform_team", "Platform Team"),
            ("group:default/engineering", "Engineering"),
            (
                "group:default/greenroom_admins_reader",
                "Greenroom Admins (Reader)"
            ),
        ]
    );
    assert_eq!(groups[0].id, "5e2d8f1a-3b4c-4d5e-8f6a-7b8c9d0e1f21");
}

#[tokio::test]
async fn graph_errors_are_clear() {
    let server = GraphServer::start().await;
    let err = my_groups(&server.client("stale-token")).await.unwrap_err();
    assert!(matches!(err, GraphError::Unauthorized(_)), "{err:?}");
    assert!(err.to_string().contains("sign in again"));

    let err = server
        .client(TOKEN)
        .collection("foreign", |_| {})
        .await
        .unwrap_err();
    assert_eq!(
        err,
        GraphError::ForeignLink("graph.attacker.example".into())
    );
    assert!(
        !server.requests().iter().any(|r| r.contains("attacker")),
        "the token never follows a foreign link"
    );

    let err = server
        .client(TOKEN)
        .get("groups/unknown")
        .await
        .unwrap_err();
    assert!(
        matches!(err, GraphError::Http { status: 404, .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn throttling_is_waited_out() {
    let server = GraphServer::start().await;
    server.throttle_organization.store(true, Ordering::SeqCst);
    let snapshot = import_org(
        &server.client(LIMITED),
        OrgImportOptions::default(),
        &|_| {},
    )
    .await
    .unwrap();
    assert!(snapshot.tenant_id.is_some());
    let organization_calls = server
        .requests()
        .iter()
        .filter(|r| r.starts_with("/v1.0/organization"))
        .count();
    assert_eq!(organization_calls, 2, "retried once after Retry-After");
}

/// The whole chain: sign in against the provider, then import with the session's token.
#[tokio::test]
async fn an_import_after_sign_in_sends_the_sessions_token() {
    let provider = OidcProvider::start().await;
    let client = signed_in(&provider, &provider.tenant).await;
    let token = client.access_token().await.unwrap();
    let server = GraphServer::accepting(token.secret()).await;
    let graph = GraphClient::new(&server.base, token).unwrap();
    let snapshot = import_org(&graph, OrgImportOptions::default(), &|_| {})
        .await
        .unwrap();
    assert_eq!(snapshot.scope, OrgScope::Tenant);
    let account = client.account().await.unwrap();
    // The signed-in user's oid is the Graph user ID Backstage annotates users with.
    let me = snapshot
        .entities
        .iter()
        .find(|e| {
            e["metadata"]["annotations"]["graph.microsoft.com/user-id"]
                == account.id.object_id.as_str()
        })
        .expect("the signed-in user is among the entities");
    assert_eq!(me["spec"]["profile"]["email"], ADA);

    // The stale token of a signed-out session is refused.
    let stale = GraphClient::new(&server.base, AccessToken::new("stale")).unwrap();
    let err = my_groups(&stale).await.unwrap_err();
    assert!(matches!(err, GraphError::Unauthorized(_)));
}
