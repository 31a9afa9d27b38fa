//! Tokens never reach logs or `Debug`/`Display` output: a full flow is run with every log level
//! captured, and the output is searched for every secret the provider handed out.
//!
//! This is its own test binary on purpose. `tracing` caches each log line's interest per call
//! site; when other tests hit the same call sites on other threads while a subscriber is being
//! installed, the cache can end up saying "nobody listens" and the capture stays empty. Alone in
//! its process, with one process-wide subscriber installed before any flow runs, it cannot race.

use std::io::Write;
use std::sync::{Arc, Mutex};

use greenroom_auth::{AuthError, NoProgress};
use serde_json::{Value, json};

#[path = "auth/support.rs"]
#[allow(dead_code)]
mod support;

use support::*;

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn secrets_in(state: &Value, into: &mut Vec<String>) {
    for (group, keys) in [
        ("lastCodeRedemption", &["code", "code_verifier"][..]),
        (
            "lastTokens",
            &["access_token", "refresh_token", "id_token"][..],
        ),
    ] {
        for key in keys {
            if let Some(value) = state[group][key].as_str() {
                into.push(value.to_owned());
            }
        }
    }
}

#[tokio::test]
async fn a_full_flow_logs_and_prints_no_token() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    tracing::subscriber::set_global_default(subscriber).expect("the only subscriber");

    let provider = OidcProvider::start().await;
    let client = memory_client(provider.config("organizations"));
    let steps = Steps::default();
    let (result, landing) = browser_sign_in(&client, ADA, &steps).await;
    let account = result.expect("sign-in");
    let mut secrets = Vec::new();
    secrets_in(&provider.state().await, &mut secrets);
    let access = client.access_token().await.unwrap();
    client.refresh().await.unwrap();
    secrets_in(&provider.state().await, &mut secrets);
    assert!(
        secrets.len() >= 7,
        "the provider reported its secrets: {secrets:?}"
    );

    let mut printed = vec![
        format!("{client:?}"),
        format!("{account:?}"),
        format!("{access:?}"),
        format!("{:?}", steps.all()),
        serde_json::to_string(&steps.all()).unwrap(),
        landing.body.clone(),
    ];
    provider
        .tamper_next_id_token(json!({ "aud": "another-app" }), "provider")
        .await;
    let (bad, _) = browser_sign_in(
        &memory_client(provider.config("organizations")),
        ADA,
        &NoProgress,
    )
    .await;
    let bad = bad.unwrap_err();
    secrets_in(&provider.state().await, &mut secrets);
    client.sign_out().await.unwrap();
    let gone: AuthError = client.refresh().await.unwrap_err();
    for err in [bad, gone] {
        printed.push(format!("{err} {err:?}"));
    }
    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(
        logs.contains("signed in"),
        "the flow logged something: {logs}"
    );
    printed.push(logs);

    let output = printed.join("\n");
    for secret in &secrets {
        assert!(
            !output.contains(secret.as_str()),
            "a secret leaked into output"
        );
    }
    assert!(output.contains("AccessToken([redacted])"));
}
