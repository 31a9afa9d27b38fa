//! Renewing and ending sessions against the real provider.

use std::time::Duration;

use greenroom_auth::AuthError;

use crate::support::*;

#[tokio::test]
async fn refresh_rotates_the_refresh_token() {
    let provider = OidcProvider::start().await;
    let client = signed_in(&provider, &provider.tenant).await;
    let first = client.access_token().await.unwrap();
    let tokens_before = provider.state().await["lastTokens"]["refresh_token"].clone();

    let account = client.refresh().await.expect("first renewal");
    assert_eq!(account.id.object_id, ADA_OID);
    let rotated = provider.state().await["lastTokens"]["refresh_token"].clone();
    assert_ne!(rotated, tokens_before, "a new refresh token each time");
    let second = client.access_token().await.unwrap();
    assert_ne!(first.secret(), second.secret());

    // The provider kills the whole grant when a used refresh token comes back, so a second
    // renewal only succeeds if the client replaced the old token with the new one.
    client
        .refresh()
        .await
        .expect("second renewal uses the rotated token");

    // And the old one really is dead.
    let replay = reqwest::Client::new()
        .post(provider.token_endpoint(&provider.tenant))
        .form(&[
            ("grant_type", "refresh_token"),
            ("client_id", provider.client_id.as_str()),
            ("refresh_token", tokens_before.as_str().unwrap()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(replay.status(), 400);
}

#[tokio::test]
async fn access_tokens_are_reused_until_close_to_expiry() {
    let provider = OidcProvider::start().await;
    let client = signed_in(&provider, &provider.tenant).await;
    let requests = provider.state().await["tokenRequests"].clone();
    let a = client.access_token().await.unwrap();
    let b = client.access_token().await.unwrap();
    assert_eq!(a.secret(), b.secret());
    assert_eq!(provider.state().await["tokenRequests"], requests);
}

#[tokio::test]
async fn an_expired_refresh_token_leads_back_to_sign_in() {
    let provider = OidcProvider::start_with(&[("REFRESH_TOKEN_TTL", "2")]).await;
    let client = signed_in(&provider, &provider.tenant).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let err = client.refresh().await.unwrap_err();
    assert!(matches!(err, AuthError::SignInAgain(_)), "{err:?}");
    assert!(err.to_string().contains("sign in again"), "{err}");
    assert_eq!(err.code(), "auth.sign_in_again");
    assert_eq!(client.account().await, None);
    assert!(matches!(
        client.access_token().await,
        Err(AuthError::NotSignedIn)
    ));
}

#[tokio::test]
async fn sign_out_forgets_the_session() {
    let provider = OidcProvider::start().await;
    let client = signed_in(&provider, &provider.tenant).await;
    client.sign_out().await.unwrap();
    assert_eq!(client.account().await, None);
    assert!(matches!(
        client.access_token().await,
        Err(AuthError::NotSignedIn)
    ));
    assert!(matches!(
        client.refresh().await,
        Err(AuthError::NotSignedIn)
    ));
}
