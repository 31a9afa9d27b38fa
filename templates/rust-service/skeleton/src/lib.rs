//! ${{ values.description }}

use axum::{Json, Router, routing::get};
use serde::Serialize;

/// The name the service reports in its health check.
pub const SERVICE: &str = "${{ values.name }}";

/// The port used when `PORT` is not set.
pub const DEFAULT_PORT: u16 = ${{ values.port }};

/// What `GET /health` answers.
#[derive(Debug, Serialize)]
pub struct Health {
    pub status: &'static str,
    pub service: &'static str,
}

/// The service's routes.
pub fn app() -> Router {
    Router::new()
        .route("/", get(|| async { "Hello from ${{ values.name }}\n" }))
        .route("/health", get(health))
}

async fn health() -> Json<Health> {
    Json(Health { status: "ok", service: SERVICE })
}

#[cfg(test)]
mod tests {
    use axum::body::Body;
    use axum::http::{Request, StatusCode};
    use http_body_util::BodyExt;
    use tower::ServiceExt;

    use super::*;

    #[tokio::test]
    async fn health_reports_ok() {
        let response = app()
            .oneshot(Request::get("/health").body(Body::empty()).expect("request"))
            .await
            .expect("response");
        assert_eq!(response.status(), StatusCode::OK);
        let body = response.into_body().collect().await.expect("body").to_bytes();
        let json: serde_json::Value = serde_json::from_slice(&body).expect("json");
        assert_eq!(json["status"], "ok");
        assert_eq!(json["service"], SERVICE);
    }

    #[tokio::test]
    async fn unknown_paths_are_not_found() {
        let response = app()
            .oneshot(Request::get("/nope").body(Body::empty()).expect("request"))
            .await
            .expect("response");
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
    }
}
