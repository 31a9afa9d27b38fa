//! Authorization code + PKCE through the loopback listener, against the real provider.

use std::time::Duration;

use greenroom_auth::{
    AuthError, BrowserSignIn, CancellationToken, IdTokenError, NoProgress, SignInProgress,
};
use serde_json::{Value, json};

use crate::support::*;

#[tokio::test]
async fn pkce_sign_in_through_the_loopback_listener() {
    let provider = OidcProvider::start().await;
    let client = memory_client(provider.config(&provider.tenant));
    let steps = Steps::default();

    let (sender, mut urls) = tokio::sync::mpsc::unbounded_channel();
    let opener = opener_to(sender);
    let browser = tokio::spawn(async move {
        let url = urls.recv().await.expect("browser opened");
        let browser = Browser::new();
        let callback = browser.until_callback(&url).await;
        let landing = browser.deliver(&callback).await.expect("listener answers");
        // One-shot: the listener is gone once it has answered.
        let again = browser.deliver(&callback).await;
        (url, callback, landing, again.is_err())
    });
    let options = BrowserSignIn {
        login_hint: Some(ADA.into()),
        ..BrowserSignIn::default()
    };
    let account = client
        .sign_in_with_browser(&opener, &options, &steps, &CancellationToken::new())
        .await
        .expect("sign-in");
    let (url, callback, landing, listener_closed) = browser.await.unwrap();

    assert_eq!(account.id.tenant_id, provider.tenant);
    assert_eq!(account.id.object_id, ADA_OID);
    assert_eq!(account.name.as_deref(), Some("Ada Lovelace"));
    assert_eq!(account.username.as_deref(), Some(ADA));
    assert_eq!(account.roles, ["Greenroom.Editor"]);
    assert_eq!(account.groups.len(), 2);
    assert!(!account.groups_overage);

    let url = reqwest::Url::parse(&url).unwrap();
    let query: std::collections::HashMap<_, _> = url.query_pairs().into_owned().collect();
    assert_eq!(query["code_challenge_method"], "S256");
    assert_eq!(query["response_mode"], "query");
    assert_eq!(query["response_type"], "code");
    assert!(query["state"].len() >= 22 && query["nonce"].len() >= 22);
    assert!(query["scope"].split(' ').any(|s| s == "offline_access"));
    let redirect = &query["redirect_uri"];
    assert!(redirect.starts_with("http://localhost:"), "{redirect}");
    assert!(callback.starts_with(redirect.as_str()));

    assert_eq!(landing.status, 200);
    assert!(
        landing.body.contains("return to the app"),
        "{}",
        landing.body
    );
    assert!(listener_closed, "the listener must close after one answer");

    let steps = steps.all();
    let kinds: Vec<&str> = steps
        .iter()
        .map(|step| match step {
            SignInProgress::Discovering { .. } => "discovering",
            SignInProgress::OpeningBrowser { endpoint } => {
                assert!(!endpoint.contains('?'), "no query in the shown endpoint");
                "opening"
            }
            SignInProgress::WaitingForBrowser { .. } => "waiting",
            SignInProgress::RedeemingCode => "redeeming",
            SignInProgress::VerifyingIdToken => "verifying",
            SignInProgress::SignedIn { remembered, .. } => {
                assert!(!remembered, "a memory-only store remembers nothing");
                "signed-in"
            }
            other => panic!("unexpected step {other:?}"),
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "discovering",
            "opening",
            "waiting",
            "redeeming",
            "verifying",
            "signed-in"
        ]
    );
    assert_eq!(client.account().await, Some(account));
    assert!(!client.access_token().await.unwrap().secret().is_empty());
}

#[tokio::test]
async fn multi_tenant_issuer_template_is_filled_with_the_tokens_tid() {
    let provider = OidcProvider::start().await;
    for tenant in ["organizations", "common"] {
        let client = memory_client(provider.config(tenant));
        let (result, _) = browser_sign_in(&client, ADA, &NoProgress).await;
        let account = result.unwrap_or_else(|err| panic!("{tenant}: {err}"));
        assert_eq!(account.id.tenant_id, provider.tenant, "{tenant}");
    }
}

#[tokio::test]
async fn a_tenant_outside_the_allowlist_is_refused() {
    let provider = OidcProvider::start().await;
    let mut config = provider.config("organizations");
    config.allowed_tenants = vec!["11111111-2222-3333-4444-555555555555".into()];
    let client = memory_client(config);
    let (result, _) = browser_sign_in(&client, ADA, &NoProgress).await;
    let err = result.unwrap_err();
    assert!(
        matches!(&err, AuthError::IdToken(IdTokenError::TenantNotAllowed { tid }) if *tid == provider.tenant),
        "{err:?}"
    );
    assert!(err.to_string().contains("allowed_tenants"));
    assert_eq!(client.account().await, None);
}

#[tokio::test]
async fn a_wrong_state_is_refused_and_the_code_never_redeemed() {
    let provider = OidcProvider::start().await;
    let client = memory_client(provider.config(&provider.tenant));
    let (sender, mut urls) = tokio::sync::mpsc::unbounded_channel();
    let opener = opener_to(sender);
    let browser = tokio::spawn(async move {
        let url = urls.recv().await.unwrap();
        let browser = Browser::new();
        let callback = browser.until_callback(&url).await;
        let mut forged = reqwest::Url::parse(&callback).unwrap();
        let pairs: Vec<(String, String)> = forged
            .query_pairs()
            .into_owned()
            .map(|(k, v)| {
                if k == "state" {
                    (k, "forged-state".into())
                } else {
                    (k, v)
                }
            })
            .collect();
        forged.query_pairs_mut().clear().extend_pairs(pairs);
        browser.deliver(forged.as_str()).await.unwrap()
    });
    let options = BrowserSignIn {
        login_hint: Some(ADA.into()),
        ..BrowserSignIn::default()
    };
    let err = client
        .sign_in_with_browser(&opener, &options, &NoProgress, &CancellationToken::new())
        .await
        .unwrap_err();
    let landing = browser.await.unwrap();
    assert!(matches!(err, AuthError::StateMismatch), "{err:?}");
    assert_eq!(landing.status, 400);
    assert!(landing.body.contains("does not belong"), "{}", landing.body);
    assert_eq!(
        provider.state().await["tokenRequests"],
        0,
        "code must not be redeemed"
    );
}

#[tokio::test]
async fn a_replayed_code_is_refused_and_ends_the_session() {
    let provider = OidcProvider::start().await;
    let client = signed_in(&provider, &provider.tenant).await;
    // An eavesdropper on the token request replays the code with the same verifier.
    let seen = provider.state().await["lastCodeRedemption"].clone();
    let replay = reqwest::Client::new()
        .post(provider.token_endpoint(&provider.tenant))
        .form(&[
            ("grant_type", "authorization_code"),
            ("client_id", provider.client_id.as_str()),
            ("code", seen["code"].as_str().unwrap()),
            ("code_verifier", seen["code_verifier"].as_str().unwrap()),
            ("redirect_uri", seen["redirect_uri"].as_str().unwrap()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(replay.status(), 400);
    let body: Value = replay.json().await.unwrap();
    assert_eq!(body["error"], "invalid_grant", "{body}");

    // The provider revoked the grant: renewing must lead back to sign-in, calmly.
    let err = client.refresh().await.unwrap_err();
    assert!(matches!(err, AuthError::SignInAgain(_)), "{err:?}");
    assert!(err.needs_sign_in());
    assert_eq!(client.account().await, None);
    assert!(matches!(
        client.access_token().await,
        Err(AuthError::NotSignedIn)
    ));
}

#[tokio::test]
async fn an_intercepted_code_is_useless_without_the_verifier() {
    let provider = OidcProvider::start().await;
    let client = memory_client(provider.config(&provider.tenant));
    let (sender, mut urls) = tokio::sync::mpsc::unbounded_channel();
    let opener = opener_to(sender);
    let token_endpoint = provider.token_endpoint(&provider.tenant);
    let client_id = provider.client_id.clone();
    let browser = tokio::spawn(async move {
        let url = urls.recv().await.unwrap();
        let browser = Browser::new();
        let callback = browser.until_callback(&url).await;
        // Another program on this machine reads the redirect and races to redeem the code.
        let parsed = reqwest::Url::parse(&callback).unwrap();
        let code = parsed
            .query_pairs()
            .find(|(k, _)| k == "code")
            .map(|(_, v)| v.into_owned())
            .unwrap();
        let redirect = format!("http://localhost:{}", parsed.port().unwrap());
        let stolen: Value = reqwest::Client::new()
            .post(token_endpoint)
            .form(&[
                ("grant_type", "authorization_code"),
                ("client_id", client_id.as_str()),
                ("code", code.as_str()),
                (
                    "code_verifier",
                    "a-guessed-verifier-that-is-long-enough-to-be-valid-0123456789",
                ),
                ("redirect_uri", redirect.as_str()),
            ])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        browser.deliver(&callback).await.unwrap();
        stolen
    });
    let options = BrowserSignIn {
        login_hint: Some(ADA.into()),
        ..BrowserSignIn::default()
    };
    let account = client
        .sign_in_with_browser(&opener, &options, &NoProgress, &CancellationToken::new())
        .await
        .expect("the app, holding the verifier, still signs in");
    let stolen = browser.await.unwrap();
    assert_eq!(stolen["error"], "invalid_grant", "{stolen}");
    assert!(stolen.get("access_token").is_none());
    assert_eq!(account.id.object_id, ADA_OID);
}

#[tokio::test]
async fn a_refusal_from_the_provider_is_shown_escaped_and_reported() {
    let provider = OidcProvider::start().await;
    let client = memory_client(provider.config(&provider.tenant));
    let (result, landing) = browser_sign_in(&client, "nobody@contoso.example", &NoProgress).await;
    let err = result.unwrap_err();
    assert!(
        matches!(&err, AuthError::Declined(text) if text.contains("AADSTS50034")),
        "{err:?}"
    );
    assert!(landing.body.contains("Sign-in failed"));
    assert!(landing.body.contains("access_denied"));
}

#[tokio::test]
async fn sign_in_times_out_and_can_be_cancelled() {
    let provider = OidcProvider::start().await;
    let client = memory_client(provider.config(&provider.tenant));
    let ignore = |_: &str| Ok(());
    let quick = BrowserSignIn {
        timeout: Duration::from_millis(300),
        ..BrowserSignIn::default()
    };
    let err = client
        .sign_in_with_browser(&ignore, &quick, &NoProgress, &CancellationToken::new())
        .await
        .unwrap_err();
    assert!(matches!(err, AuthError::TimedOut(_)), "{err:?}");

    let cancel = CancellationToken::new();
    let trigger = cancel.clone();
    let cancel_on_open = move |_: &str| {
        trigger.cancel();
        Ok(())
    };
    let err = client
        .sign_in_with_browser(
            &cancel_on_open,
            &BrowserSignIn::default(),
            &NoProgress,
            &cancel,
        )
        .await
        .unwrap_err();
    assert!(matches!(err, AuthError::Cancelled), "{err:?}");

    let broken = |_: &str| Err("no display".to_owned());
    let err = client
        .sign_in_with_browser(
            &broken,
            &BrowserSignIn::default(),
            &NoProgress,
            &CancellationToken::new(),
        )
        .await
        .unwrap_err();
    assert!(err.to_string().contains("--device"), "{err}");
}

/// Each case: a fresh client (fresh key cache), the provider told how to spoil the next ID
/// token, a full browser sign-in, and the error (or success) expected.
#[tokio::test]
async fn bad_id_tokens_are_refused() {
    let provider = OidcProvider::start().await;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let other_tenant = "11111111-2222-3333-4444-555555555555";
    let other_issuer = format!("{}/{other_tenant}/v2.0", provider.base);
    type Check = fn(&Result<greenroom_auth::Account, AuthError>) -> bool;
    let cases: Vec<(&str, &str, Value, &str, Check)> = vec![
        (
            "wrong issuer",
            "organizations",
            json!({ "iss": other_issuer }),
            "provider",
            |r| matches!(r, Err(AuthError::IdToken(IdTokenError::WrongIssuer { .. }))),
        ),
        (
            "issuer and tid of a tenant not allowed",
            "organizations",
            json!({ "iss": other_issuer, "tid": other_tenant }),
            "provider",
            |r| {
                matches!(
                    r,
                    Err(AuthError::IdToken(IdTokenError::TenantNotAllowed { .. }))
                )
            },
        ),
        (
            "tid that is not a GUID",
            "common",
            json!({ "iss": format!("{}/evil/v2.0", provider.base), "tid": "evil" }),
            "provider",
            |r| matches!(r, Err(AuthError::IdToken(IdTokenError::WrongIssuer { .. }))),
        ),
        (
            "wrong audience",
            "organizations",
            json!({ "aud": "another-app" }),
            "provider",
            |r| matches!(r, Err(AuthError::IdToken(IdTokenError::WrongAudience(_)))),
        ),
        (
            "wrong nonce",
            "organizations",
            json!({ "nonce": "replayed" }),
            "provider",
            |r| matches!(r, Err(AuthError::IdToken(IdTokenError::NonceMismatch(_)))),
        ),
        (
            "missing nonce",
            "organizations",
            json!({ "nonce": null }),
            "provider",
            |r| matches!(r, Err(AuthError::IdToken(IdTokenError::NonceMismatch(_)))),
        ),
        (
            "forged signature",
            "organizations",
            json!({}),
            "impostor",
            |r| matches!(r, Err(AuthError::IdToken(IdTokenError::Signature(_)))),
        ),
        (
            "unpublished key",
            "organizations",
            json!({}),
            "unpublished",
            |r| {
                matches!(
                    r,
                    Err(AuthError::IdToken(IdTokenError::UnknownSigningKey { .. }))
                )
            },
        ),
        (
            "expired",
            "organizations",
            json!({ "exp": now - 3600, "iat": now - 7200 }),
            "provider",
            |r| matches!(r, Err(AuthError::IdToken(IdTokenError::Expired(_)))),
        ),
        (
            "issued in the future",
            "organizations",
            json!({ "iat": now + 3600, "exp": now + 7200 }),
            "provider",
            |r| matches!(r, Err(AuthError::IdToken(IdTokenError::Expired(_)))),
        ),
        (
            "not valid yet",
            "organizations",
            json!({ "nbf": now + 3600 }),
            "provider",
            |r| matches!(r, Err(AuthError::IdToken(IdTokenError::NotYetValid))),
        ),
        (
            "no oid",
            "organizations",
            json!({ "oid": null }),
            "provider",
            |r| {
                matches!(
                    r,
                    Err(AuthError::IdToken(IdTokenError::MissingClaim {
                        claim: "oid",
                        ..
                    }))
                )
            },
        ),
        (
            "expired a minute ago, within clock skew",
            "organizations",
            json!({ "exp": now - 60, "iat": now - 3660 }),
            "provider",
            |r| r.is_ok(),
        ),
    ];
    for (name, tenant, claims, key, check) in cases {
        let mut config = provider.config(tenant);
        if name.contains("not allowed") {
            config.allowed_tenants = vec![provider.tenant.clone()];
        }
        let client = memory_client(config);
        provider.tamper_next_id_token(claims, key).await;
        let (result, _) = browser_sign_in(&client, ADA, &NoProgress).await;
        assert!(check(&result), "{name}: got {result:?}");
        if result.is_err() {
            assert_eq!(client.account().await, None, "{name}: nothing kept");
        }
    }
}

#[tokio::test]
async fn key_rotation_rereads_the_key_set_exactly_once() {
    let provider = OidcProvider::start().await;
    let client = memory_client(provider.config(&provider.tenant));
    let (first, _) = browser_sign_in(&client, ADA, &NoProgress).await;
    first.unwrap();
    assert_eq!(provider.state().await["jwksRequests"], 1);

    // The provider starts signing with a new key: one re-read of the key set finds it.
    provider
        .settings(json!({ "publishRotatedKey": true }))
        .await;
    provider.tamper_next_id_token(json!({}), "rotated").await;
    let (rotated, _) = browser_sign_in(&client, ADA, &NoProgress).await;
    rotated.unwrap();
    assert_eq!(provider.state().await["jwksRequests"], 2);

    // Cached keys serve the next sign-in without a fetch.
    let (again, _) = browser_sign_in(&client, ADA, &NoProgress).await;
    again.unwrap();
    assert_eq!(provider.state().await["jwksRequests"], 2);

    // A key nobody publishes: one re-read, then a refusal (no loop).
    provider
        .tamper_next_id_token(json!({}), "unpublished")
        .await;
    let (unknown, _) = browser_sign_in(&client, ADA, &NoProgress).await;
    assert!(matches!(
        unknown,
        Err(AuthError::IdToken(IdTokenError::UnknownSigningKey { .. }))
    ));
    assert_eq!(provider.state().await["jwksRequests"], 3);
}
