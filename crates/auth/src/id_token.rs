//! ID token verification for Entra, multi-tenant included.
//!
//! openidconnect's verifier checks the signature (RS256 only, against the tenant's key set),
//! `aud`, `exp`, `iat` and the nonce; its issuer check is turned off because for `common` and
//! `organizations` the discovery issuer is a template. Here the token's `iss` must equal that
//! template filled with the token's own `tid`, and the `tid` must be allowed by configuration.

use std::time::Duration;

use base64::Engine as _;
use chrono::{TimeDelta, Utc};
use openidconnect::core::{
    CoreGenderClaim, CoreJsonWebKey, CoreJweContentEncryptionAlgorithm, CoreJwsSigningAlgorithm,
};
use openidconnect::{
    AdditionalClaims, ClaimsVerificationError, ClientId, IdToken, IdTokenVerifier, IssuerUrl,
    JsonWebKeySet, Nonce, SignatureVerificationError,
};
use serde::{Deserialize, Serialize};
use tokio::sync::RwLock;

use crate::account::{Account, AccountId};
use crate::config::{AuthConfig, is_guid};
use crate::discovery::ProviderMetadata;
use crate::error::{AuthError, IdTokenError};

/// Tolerated clock difference between this computer and the provider.
pub const CLOCK_SKEW: Duration = Duration::from_secs(5 * 60);

/// Entra's claims beyond the OpenID standard ones.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub(crate) struct EntraClaims {
    #[serde(default)]
    oid: Option<String>,
    #[serde(default)]
    tid: Option<String>,
    #[serde(default)]
    groups: Option<Vec<String>>,
    #[serde(default)]
    roles: Option<Vec<String>>,
    #[serde(default)]
    nbf: Option<i64>,
    #[serde(default)]
    hasgroups: Option<bool>,
    #[serde(default, rename = "_claim_names")]
    claim_names: Option<serde_json::Map<String, serde_json::Value>>,
}

impl AdditionalClaims for EntraClaims {}

/// An ID token with Entra's claims.
pub(crate) type EntraIdToken = IdToken<
    EntraClaims,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJwsSigningAlgorithm,
>;

type KeySet = JsonWebKeySet<CoreJsonWebKey>;

/// The provider's signing keys, fetched on first use and re-read when a token names a key the
/// cache does not have (Entra rotates keys without notice).
#[derive(Debug)]
pub(crate) struct KeyCache {
    uri: String,
    keys: RwLock<Option<KeySet>>,
}

impl KeyCache {
    pub(crate) fn new(uri: String) -> Self {
        Self {
            uri,
            keys: RwLock::new(None),
        }
    }

    async fn current(&self, http: &reqwest::Client) -> Result<KeySet, AuthError> {
        if let Some(keys) = self.keys.read().await.as_ref() {
            return Ok(keys.clone());
        }
        self.refetch(http).await
    }

    async fn refetch(&self, http: &reqwest::Client) -> Result<KeySet, AuthError> {
        let failed = |reason: String| AuthError::Discovery {
            url: self.uri.clone(),
            reason,
        };
        let response = http
            .get(&self.uri)
            .send()
            .await
            .map_err(|err| failed(err.without_url().to_string()))?;
        if !response.status().is_success() {
            return Err(failed(format!("HTTP {}", response.status())));
        }
        let keys: KeySet = response
            .json()
            .await
            .map_err(|err| failed(format!("not a JSON Web Key Set: {err}")))?;
        *self.keys.write().await = Some(keys.clone());
        Ok(keys)
    }
}

/// What the token must match besides the keys.
pub(crate) struct Expected<'a> {
    pub config: &'a AuthConfig,
    pub metadata: &'a ProviderMetadata,
    /// The nonce this sign-in sent; `None` for grants that send none (device code, refresh).
    pub nonce: Option<&'a Nonce>,
}

/// Verifies `token` and returns the account it names. Re-reads the key set at most once.
pub(crate) async fn verify(
    token: &EntraIdToken,
    keys: &KeyCache,
    http: &reqwest::Client,
    expected: &Expected<'_>,
) -> Result<Account, AuthError> {
    let current = keys.current(http).await?;
    match check(token, current, expected) {
        Err(IdTokenError::UnknownSigningKey { .. }) => {
            tracing::info!("ID token names an unknown signing key; re-reading the key set");
            let fresh = keys.refetch(http).await?;
            Ok(check(token, fresh, expected)?)
        }
        other => Ok(other?),
    }
}

fn check(
    token: &EntraIdToken,
    keys: KeySet,
    expected: &Expected<'_>,
) -> Result<Account, IdTokenError> {
    let skew = TimeDelta::from_std(CLOCK_SKEW).unwrap_or_default();
    // The issuer given here is unused (issuer matching is off); the template itself is not
    // always a parseable URL, so fall back to the authority.
    let issuer = IssuerUrl::new(expected.metadata.issuer.clone())
        .or_else(|_| IssuerUrl::new(expected.config.authority.clone()))
        .map_err(|err| IdTokenError::Malformed(err.to_string()))?;
    let verifier: IdTokenVerifier<'_, CoreJsonWebKey> = IdTokenVerifier::new_public_client(
        ClientId::new(expected.config.client_id.trim().to_owned()),
        issuer,
        keys,
    )
    .require_issuer_match(false)
    .set_allowed_algs([CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256])
    .set_time_fn(move || Utc::now() - skew)
    .set_issue_time_verifier_fn(move |iat| {
        if iat > Utc::now() + skew {
            Err(format!("issued in the future ({iat})"))
        } else {
            Ok(())
        }
    });
    let claims = match expected.nonce {
        Some(nonce) => token.claims(&verifier, nonce),
        None => token.claims(&verifier, |_: Option<&Nonce>| Ok(())),
    }
    .map_err(|err| verification_error(err, token))?;

    let extra = claims.additional_claims();
    let tid = extra.tid.clone().ok_or(IdTokenError::MissingClaim {
        claim: "tid",
        hint: "the identity provider is not Entra-shaped; check the authority setting",
    })?;
    let found = claims.issuer().as_str().to_owned();
    let templated = expected.metadata.issuer.contains("{tenantid}");
    let expected_issuer = expected.metadata.issuer_for(&tid);
    if (templated && !is_guid(&tid)) || found != expected_issuer {
        return Err(IdTokenError::WrongIssuer {
            expected: expected_issuer,
            found,
        });
    }
    if !expected.config.tenant_allowed(&tid) {
        return Err(IdTokenError::TenantNotAllowed { tid });
    }
    if extra
        .nbf
        .is_some_and(|nbf| nbf > (Utc::now() + skew).timestamp())
    {
        return Err(IdTokenError::NotYetValid);
    }
    let oid = extra.oid.clone().ok_or(IdTokenError::MissingClaim {
        claim: "oid",
        hint: "add the `profile` scope to the configured scopes",
    })?;
    let groups_overage = extra.hasgroups == Some(true)
        || extra
            .claim_names
            .as_ref()
            .is_some_and(|names| names.contains_key("groups"));
    Ok(Account {
        id: AccountId {
            tenant_id: tid,
            object_id: oid,
        },
        name: claims
            .name()
            .and_then(|name| name.get(None))
            .map(|name| name.to_string()),
        username: claims.preferred_username().map(|name| name.to_string()),
        email: claims.email().map(|email| email.to_string()),
        groups: extra.groups.clone().unwrap_or_default(),
        groups_overage,
        roles: extra.roles.clone().unwrap_or_default(),
    })
}

fn verification_error(err: ClaimsVerificationError, token: &EntraIdToken) -> IdTokenError {
    match err {
        ClaimsVerificationError::Expired(detail) => IdTokenError::Expired(detail),
        ClaimsVerificationError::InvalidAudience(detail) => IdTokenError::WrongAudience(detail),
        ClaimsVerificationError::InvalidNonce(detail) => IdTokenError::NonceMismatch(detail),
        ClaimsVerificationError::InvalidIssuer(detail) => IdTokenError::WrongIssuer {
            expected: String::new(),
            found: detail,
        },
        ClaimsVerificationError::SignatureVerification(
            SignatureVerificationError::NoMatchingKey,
        ) => IdTokenError::UnknownSigningKey {
            kid: key_id(token).unwrap_or_else(|| "(none)".to_owned()),
        },
        ClaimsVerificationError::SignatureVerification(inner) => {
            IdTokenError::Signature(inner.to_string())
        }
        other => IdTokenError::Malformed(other.to_string()),
    }
}

/// The `kid` of the token's header, for the error message.
fn key_id(token: &EntraIdToken) -> Option<String> {
    let raw = token.to_string();
    let header = raw.split('.').next()?;
    let json = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(header)
        .ok()?;
    let value: serde_json::Value = serde_json::from_slice(&json).ok()?;
    value.get("kid")?.as_str().map(str::to_owned)
}
