//! The provider's OpenID discovery document, read with serde rather than openidconnect's
//! `discover_async`, which rejects Entra's `{tenantid}` issuer template for `common` and
//! `organizations` (it requires the document's issuer to equal the URL it was fetched from).

use serde::Deserialize;
use url::Url;

use crate::config::AuthConfig;
use crate::error::AuthError;

/// The endpoints this client uses, from `/{tenant}/v2.0/.well-known/openid-configuration`.
#[derive(Clone, Debug, Deserialize)]
pub(crate) struct ProviderMetadata {
    /// Concrete issuer, or the `https://.../{tenantid}/v2.0` template for multi-tenant values.
    pub issuer: String,
    pub authorization_endpoint: String,
    pub token_endpoint: String,
    /// Entra lists it; derived from the tenant base when a provider does not.
    #[serde(default)]
    pub device_authorization_endpoint: Option<String>,
    pub jwks_uri: String,
}

impl ProviderMetadata {
    pub(crate) async fn fetch(
        http: &reqwest::Client,
        config: &AuthConfig,
    ) -> Result<Self, AuthError> {
        let url = config.discovery_url();
        let failed = |reason: String| AuthError::Discovery {
            url: url.clone(),
            reason,
        };
        let response = http
            .get(&url)
            .send()
            .await
            .map_err(|err| failed(err.without_url().to_string()))?;
        let status = response.status();
        if !status.is_success() {
            let body = response.text().await.unwrap_or_default();
            let detail = serde_json::from_str::<serde_json::Value>(&body)
                .ok()
                .and_then(|v| v.get("error_description")?.as_str().map(str::to_owned))
                .unwrap_or_default();
            return Err(failed(format!("HTTP {status} {detail}").trim().to_owned()));
        }
        let mut metadata: Self = response
            .json()
            .await
            .map_err(|err| failed(format!("not a discovery document: {err}")))?;
        if metadata.device_authorization_endpoint.is_none() {
            metadata.device_authorization_endpoint =
                Some(format!("{}/oauth2/v2.0/devicecode", config.tenant_base()));
        }
        metadata.check_endpoints(config).map_err(failed)?;
        Ok(metadata)
    }

    /// Endpoints must stay on the authority's scheme and host: a document pointing the token
    /// endpoint elsewhere would send codes and refresh tokens to a third party.
    fn check_endpoints(&self, config: &AuthConfig) -> Result<(), String> {
        let authority = Url::parse(&config.authority).map_err(|err| err.to_string())?;
        let endpoints = [
            ("authorization_endpoint", Some(&self.authorization_endpoint)),
            ("token_endpoint", Some(&self.token_endpoint)),
            (
                "device_authorization_endpoint",
                self.device_authorization_endpoint.as_ref(),
            ),
            ("jwks_uri", Some(&self.jwks_uri)),
        ];
        for (name, value) in endpoints {
            let Some(value) = value else { continue };
            let url = Url::parse(value).map_err(|err| format!("{name} `{value}`: {err}"))?;
            if url.scheme() != authority.scheme() || url.host() != authority.host() {
                return Err(format!(
                    "{name} `{value}` is not on the authority {}",
                    config.authority
                ));
            }
        }
        Ok(())
    }

    /// The issuer a token of tenant `tid` must carry.
    pub(crate) fn issuer_for(&self, tid: &str) -> String {
        self.issuer.replace("{tenantid}", tid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_off_the_authority_are_refused() {
        let config = AuthConfig {
            client_id: "c".into(),
            ..AuthConfig::default()
        };
        let good = ProviderMetadata {
            issuer: "https://login.microsoftonline.com/{tenantid}/v2.0".into(),
            authorization_endpoint:
                "https://login.microsoftonline.com/organizations/oauth2/v2.0/authorize".into(),
            token_endpoint: "https://login.microsoftonline.com/organizations/oauth2/v2.0/token"
                .into(),
            device_authorization_endpoint: None,
            jwks_uri: "https://login.microsoftonline.com/organizations/discovery/v2.0/keys".into(),
        };
        good.check_endpoints(&config).unwrap();
        assert_eq!(
            good.issuer_for("4d9c6a2e-7b1f-4c3a-9e85-2f6d0b1a7c34"),
            "https://login.microsoftonline.com/4d9c6a2e-7b1f-4c3a-9e85-2f6d0b1a7c34/v2.0"
        );
        let evil = ProviderMetadata {
            token_endpoint: "https://attacker.example/token".into(),
            ..good
        };
        assert!(
            evil.check_endpoints(&config)
                .unwrap_err()
                .contains("token_endpoint")
        );
    }
}
