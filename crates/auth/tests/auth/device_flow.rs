//! Device authorization grant (RFC 8628) against the real provider; the test approves the code
//! through the provider's own verification pages, as a person on another device would.

use std::time::Duration;

use greenroom_auth::{AuthError, CancellationToken, PublicClient, SignInProgress};
use serde_json::json;
use tokio::sync::mpsc;

use crate::support::*;

/// Forwards the device code step to the test and records everything.
fn device_steps() -> (
    impl greenroom_auth::ProgressSink,
    mpsc::UnboundedReceiver<(String, String)>,
    Steps,
) {
    let (sender, receiver) = mpsc::unbounded_channel();
    let steps = Steps::default();
    let recorded = steps.clone();
    let sink = move |step: SignInProgress| {
        if let SignInProgress::DeviceCode {
            user_code,
            verification_uri,
            ..
        } = &step
        {
            let _ = sender.send((verification_uri.clone(), user_code.clone()));
        }
        greenroom_auth::ProgressSink::report(&recorded, step);
    };
    (sink, receiver, steps)
}

async fn run_device_sign_in(
    client: &PublicClient,
    user: &'static str,
    approve: bool,
    before_approving: impl std::future::Future<Output = ()> + Send + 'static,
) -> (Result<greenroom_auth::Account, AuthError>, Steps, String) {
    let (sink, mut codes, steps) = device_steps();
    let person = tokio::spawn(async move {
        let (uri, code) = codes.recv().await.expect("a device code was shown");
        before_approving.await;
        Browser::new()
            .enter_device_code(&uri, &code, user, approve)
            .await
    });
    let result = client
        .sign_in_with_device_code(&sink, &CancellationToken::new())
        .await;
    let page = person.await.expect("person task");
    (result, steps, page)
}

#[tokio::test]
async fn device_code_sign_in_is_approved_on_another_device() {
    let provider = OidcProvider::start_with(&[("DEVICE_INTERVAL", "1")]).await;
    let client = memory_client(provider.config("organizations"));
    let (result, steps, page) = run_device_sign_in(&client, GRACE, true, async {}).await;
    let account = result.expect("device sign-in");
    assert_eq!(account.username.as_deref(), Some(GRACE));
    assert_eq!(account.id.tenant_id, provider.tenant);
    assert!(
        page.contains("Sign-in Success") || page.contains("success"),
        "{page}"
    );

    let shown = steps
        .all()
        .into_iter()
        .find_map(|step| match step {
            SignInProgress::DeviceCode {
                message,
                expires_in_secs,
                verification_uri,
                ..
            } => Some((message, expires_in_secs, verification_uri)),
            _ => None,
        })
        .expect("device code step");
    assert!(shown.0.unwrap().contains("enter the code"));
    assert_eq!(shown.1, 900);
    assert!(shown.2.starts_with(&provider.base));
    let state = provider.state().await;
    assert_eq!(
        state["pollsTooFast"], 0,
        "the client must honour `interval`"
    );
    assert!(client.access_token().await.is_ok());
}

#[tokio::test]
async fn slow_down_makes_the_client_wait_longer() {
    let provider = OidcProvider::start_with(&[("DEVICE_INTERVAL", "1")]).await;
    provider.settings(json!({ "slowDownNext": true })).await;
    let client = memory_client(provider.config(&provider.tenant));
    let base = provider.base.clone();
    // Approve only after the first poll, so that poll is answered `slow_down`.
    let after_first_poll = async move {
        let control = reqwest::Client::new();
        loop {
            let state: serde_json::Value = control
                .get(format!("{base}/_test/state"))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            if state["devicePolls"].as_u64().unwrap() >= 1 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    let (result, _, _) = run_device_sign_in(&client, GRACE, true, after_first_poll).await;
    result.expect("device sign-in after slow_down");
    let state = provider.state().await;
    assert_eq!(
        state["pollsTooFast"], 0,
        "the client must add 5 s after slow_down"
    );
    assert_eq!(
        state["devicePolls"], 2,
        "one slowed-down poll, then the approved one"
    );
}

#[tokio::test]
async fn a_declined_device_code_says_so() {
    let provider = OidcProvider::start_with(&[("DEVICE_INTERVAL", "1")]).await;
    let client = memory_client(provider.config(&provider.tenant));
    let (result, _, _) = run_device_sign_in(&client, GRACE, false, async {}).await;
    let err = result.unwrap_err();
    assert!(matches!(err, AuthError::Declined(_)), "{err:?}");
    assert_eq!(err.code(), "auth.declined");
}

#[tokio::test]
async fn conditional_access_blocking_device_code_is_explained() {
    let provider = OidcProvider::start_with(&[("DEVICE_INTERVAL", "1")]).await;
    provider
        .settings(json!({ "conditionalAccess": true }))
        .await;
    let client = memory_client(provider.config(&provider.tenant));
    let (result, _, _) = run_device_sign_in(&client, GRACE, true, async {}).await;
    let err = result.unwrap_err();
    assert!(
        matches!(
            err,
            AuthError::ConditionalAccess {
                device_code: true,
                ..
            }
        ),
        "{err:?}"
    );
    let text = err.to_string();
    assert!(text.contains("Conditional Access"), "{text}");
    assert!(text.contains("browser sign-in"), "{text}");
    assert!(!text.contains("Trace ID"), "{text}");
}

#[tokio::test]
async fn an_unapproved_device_code_expires() {
    let provider =
        OidcProvider::start_with(&[("DEVICE_INTERVAL", "1"), ("DEVICE_CODE_TTL", "2")]).await;
    let client = memory_client(provider.config(&provider.tenant));
    let (sink, _codes, _) = device_steps();
    let err = client
        .sign_in_with_device_code(&sink, &CancellationToken::new())
        .await
        .unwrap_err();
    assert!(matches!(err, AuthError::DeviceCodeExpired), "{err:?}");
}

#[tokio::test]
async fn device_code_polling_can_be_cancelled() {
    let provider = OidcProvider::start_with(&[("DEVICE_INTERVAL", "1")]).await;
    let client = memory_client(provider.config(&provider.tenant));
    let cancel = CancellationToken::new();
    let trigger = cancel.clone();
    let sink = move |step: SignInProgress| {
        if matches!(step, SignInProgress::WaitingForApproval) {
            trigger.cancel();
        }
    };
    let err = client
        .sign_in_with_device_code(&sink, &cancel)
        .await
        .unwrap_err();
    assert!(matches!(err, AuthError::Cancelled), "{err:?}");
}
