//! Access tokens for another resource (Azure DevOps) from the signed-in session's refresh
//! token, as Entra's multi-resource refresh tokens allow, against the real provider.

use greenroom_auth::{AuthError, PublicClient};
use serde_json::Value;

use crate::support::*;

/// Azure DevOps' resource, as Git Credential Manager asks for it.
const AZURE_DEVOPS: &str = "499b84ac-1321-427f-aa17-267ca6975798/.default";
const AZURE_DEVOPS_ID: &str = "499b84ac-1321-427f-aa17-267ca6975798";

/// The tokens the provider issued for other resources.
async fn resource_tokens(provider: &OidcProvider) -> Vec<Value> {
    provider.state().await["resourceTokens"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// The claims of a JWT, unverified (the provider signed it; this only reads its audience).
fn claims(jwt: &str) -> Value {
    use base64::Engine;
    let payload = jwt.split('.').nth(1).expect("a JWT");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .expect("base64url");
    serde_json::from_slice(&bytes).expect("JSON claims")
}

#[tokio::test]
async fn a_token_for_azure_devops_comes_from_the_session_refresh_token() {
    let provider = OidcProvider::start().await;
    let client = signed_in(&provider, &provider.tenant).await;
    let graph = client.access_token().await.unwrap();

    let ado = client
        .access_token_for(AZURE_DEVOPS)
        .await
        .expect("ADO token");
    assert_ne!(ado.secret(), graph.secret());
    let issued = resource_tokens(&provider).await;
    assert_eq!(issued.len(), 1);
    assert_eq!(issued[0]["resource"], AZURE_DEVOPS_ID);
    assert_eq!(issued[0]["access_token"], ado.secret());
    let claims = claims(ado.secret());
    assert_eq!(claims["aud"], AZURE_DEVOPS_ID);
    assert_eq!(claims["oid"], ADA_OID);

    // Cached per scope until close to expiry: no second request.
    let requests = provider.state().await["tokenRequests"].clone();
    let again = client.access_token_for(AZURE_DEVOPS).await.unwrap();
    assert_eq!(again.secret(), ado.secret());
    assert_eq!(provider.state().await["tokenRequests"], requests);
    // The session's own token is untouched.
    assert_eq!(
        client.access_token().await.unwrap().secret(),
        graph.secret()
    );

    // The provider rotated the refresh token and kills the grant if an old one comes back: the
    // session renews only if the client kept the new one.
    client
        .refresh()
        .await
        .expect("the rotated refresh token was kept");
}

#[tokio::test(flavor = "multi_thread")]
async fn without_a_session_in_memory_the_stored_refresh_token_is_used() {
    let provider = OidcProvider::start().await;
    let store = keyring().await;
    let first = PublicClient::new(provider.config(&provider.tenant), store.clone()).unwrap();
    let (signed_in, _) = browser_sign_in(&first, ADA, &greenroom_auth::NoProgress).await;
    signed_in.expect("sign-in");
    drop(first);

    // Another client over the same store, as a sync does while the app holds its session.
    let second = PublicClient::new(provider.config(&provider.tenant), store.clone()).unwrap();
    assert_eq!(second.account().await, None);
    let token = second.access_token_for(AZURE_DEVOPS).await.expect("token");
    assert_eq!(claims(token.secret())["aud"], AZURE_DEVOPS_ID);
    // The rotated refresh token went back to the store, so a later restore still works.
    let third = PublicClient::new(provider.config(&provider.tenant), store).unwrap();
    let account = third
        .restore(&greenroom_auth::NoProgress)
        .await
        .expect("restore")
        .expect("a remembered sign-in");
    assert_eq!(account.id.object_id, ADA_OID);
    third.sign_out().await.expect("sign-out");
    assert!(
        matches!(
            second
                .access_token_for("00000000-1111-2222-3333-444444444444/.default")
                .await,
            Err(AuthError::NotSignedIn)
        ),
        "signed out everywhere once the keyring entry is gone"
    );
}

#[tokio::test]
async fn a_session_renews_after_another_client_rotated_its_refresh_token() {
    let provider = OidcProvider::start().await;
    let store = keyring().await;
    // The app's window holds a session...
    let window = PublicClient::new(provider.config(&provider.tenant), store.clone()).unwrap();
    let (signed_in, _) = browser_sign_in(&window, ADA, &greenroom_auth::NoProgress).await;
    signed_in.expect("sign-in");
    // ...while a sync, with its own client, asks for an Azure DevOps token: the refresh token
    // rotates, and the provider ends the whole grant if the old one is used again.
    let sync = PublicClient::new(provider.config(&provider.tenant), store.clone()).unwrap();
    sync.access_token_for(AZURE_DEVOPS).await.expect("token");
    // The window's next renewal takes the rotated token from the keyring.
    let account = window.refresh().await.expect("the window's session renews");
    assert_eq!(account.id.object_id, ADA_OID);
    window.sign_out().await.expect("sign-out");
}

#[tokio::test]
async fn not_signed_in_is_said_as_such() {
    let provider = OidcProvider::start().await;
    let client = memory_client(provider.config(&provider.tenant));
    let err = client.access_token_for(AZURE_DEVOPS).await.unwrap_err();
    assert!(matches!(err, AuthError::NotSignedIn), "{err:?}");
    assert!(resource_tokens(&provider).await.is_empty());
}

#[tokio::test]
async fn without_consent_the_organisation_has_not_allowed_it_and_the_session_stays() {
    let provider = OidcProvider::start().await;
    let client = signed_in(&provider, &provider.tenant).await;
    provider
        .settings(serde_json::json!({ "resourceConsent": false }))
        .await;
    let err = client.access_token_for(AZURE_DEVOPS).await.unwrap_err();
    assert!(
        matches!(err, AuthError::ResourceNotAllowed { .. }),
        "{err:?}"
    );
    let text = err.to_string();
    assert!(text.contains("has not allowed Greenroom"), "{text}");
    assert!(text.contains(AZURE_DEVOPS), "{text}");
    assert!(text.contains("AADSTS65001"), "{text}");
    assert!(client.account().await.is_some(), "still signed in");

    let unknown = client
        .access_token_for("00000000-1111-2222-3333-444444444444/.default")
        .await
        .unwrap_err();
    assert!(
        matches!(unknown, AuthError::ResourceNotAllowed { .. }),
        "{unknown:?}"
    );
}

#[tokio::test]
async fn a_dead_refresh_token_leads_back_to_sign_in() {
    let provider = OidcProvider::start_with(&[("REFRESH_TOKEN_TTL", "2")]).await;
    let client = signed_in(&provider, &provider.tenant).await;
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    let err = client.access_token_for(AZURE_DEVOPS).await.unwrap_err();
    assert!(matches!(err, AuthError::SignInAgain(_)), "{err:?}");
    assert_eq!(client.account().await, None, "the session is gone");
}
