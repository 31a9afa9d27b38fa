//! The desktop app as an OAuth public client of Entra ID: sign-in in the system browser (code +
//! PKCE on a loopback redirect) or with a device code, a session renewed with rotating refresh
//! tokens, and sign-out.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Mutex as SyncMutex, PoisonError};
use std::time::{Duration, Instant};

use openidconnect::core::{
    CoreAuthDisplay, CoreAuthPrompt, CoreAuthenticationFlow, CoreErrorResponseType,
    CoreGenderClaim, CoreJsonWebKey, CoreJweContentEncryptionAlgorithm, CoreJwsSigningAlgorithm,
    CoreRevocableToken, CoreRevocationErrorResponse, CoreTokenIntrospectionResponse, CoreTokenType,
};
use openidconnect::{
    AuthUrl, AuthorizationCode, Client, ClientId, CsrfToken, DeviceAuthorizationResponse,
    DeviceAuthorizationUrl, EmptyExtraTokenFields, EndpointNotSet, EndpointSet,
    ExtraDeviceAuthorizationFields, HttpClientError, IdTokenFields, IssuerUrl, JsonWebKeySet,
    LoginHint, Nonce, OAuth2TokenResponse, PkceCodeChallenge, RedirectUrl, RequestTokenError,
    Scope, StandardErrorResponse, StandardTokenResponse, TokenUrl,
};
use serde::{Deserialize, Serialize};
use tokio::sync::{Mutex, OnceCell};
use tokio_util::sync::CancellationToken;

use crate::account::Account;
use crate::browser::BrowserOpener;
use crate::config::AuthConfig;
use crate::discovery::ProviderMetadata;
use crate::error::{AuthError, Grant, IdTokenError, from_provider};
use crate::id_token::{EntraClaims, Expected, KeyCache, verify};
use crate::loopback::{Callback, RedirectListener};
use crate::progress::{ProgressSink, SignInProgress};
use crate::secret::{AccessToken, RefreshToken};
use crate::token_store::{KeyringError, StorageStatus, TokenStore};

/// Access tokens are renewed this long before they expire, so a request never races expiry.
const RENEW_BEFORE_EXPIRY: Duration = Duration::from_secs(5 * 60);
/// Entra's access tokens live 60-90 minutes; assume the short end when `expires_in` is missing.
const DEFAULT_ACCESS_TOKEN_LIFETIME: Duration = Duration::from_secs(60 * 60);

type EntraTokenResponse = StandardTokenResponse<
    IdTokenFields<
        EntraClaims,
        EmptyExtraTokenFields,
        CoreGenderClaim,
        CoreJweContentEncryptionAlgorithm,
        CoreJwsSigningAlgorithm,
    >,
    CoreTokenType,
>;

type EntraClient<HasRedirect = EndpointNotSet> = Client<
    EntraClaims,
    CoreAuthDisplay,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJsonWebKey,
    CoreAuthPrompt,
    StandardErrorResponse<CoreErrorResponseType>,
    EntraTokenResponse,
    CoreTokenIntrospectionResponse,
    CoreRevocableToken,
    CoreRevocationErrorResponse,
    EndpointSet,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointSet,
    HasRedirect,
>;

/// Entra's device code response carries a ready-made `message` for the user.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
struct EntraDeviceFields {
    #[serde(default)]
    message: Option<String>,
}

impl ExtraDeviceAuthorizationFields for EntraDeviceFields {}

/// `prompt` values of the authorization request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Prompt {
    /// Let the user pick among signed-in accounts (what `az login` sends).
    SelectAccount,
    /// Ask for credentials even if a browser session exists.
    Login,
    /// Show the consent page again.
    Consent,
}

/// Options of a browser sign-in.
#[derive(Clone, Debug)]
pub struct BrowserSignIn {
    /// Pre-fills the user name (`login_hint`).
    pub login_hint: Option<String>,
    /// `prompt` to send, if any.
    pub prompt: Option<Prompt>,
    /// How long to wait for the browser to come back.
    pub timeout: Duration,
}

impl Default for BrowserSignIn {
    fn default() -> Self {
        Self {
            login_hint: None,
            prompt: Some(Prompt::SelectAccount),
            timeout: Duration::from_secs(5 * 60),
        }
    }
}

/// The provider's endpoints and signing keys, read once per client.
#[derive(Debug)]
struct Provider {
    metadata: ProviderMetadata,
    keys: KeyCache,
}

/// A signed-in session. The tokens' `Debug` output is redacted.
#[derive(Debug)]
struct Session {
    account: Account,
    access_token: AccessToken,
    access_expires: Instant,
    refresh_token: Option<RefreshToken>,
}

/// Access tokens for other resources than the configured scopes', minted from the session's
/// refresh token. Guarded by the session lock's order: taken only while `session` is held.
#[derive(Debug, Default)]
struct ResourceTokens {
    /// By scope; each with the instant it expires.
    tokens: HashMap<String, (AccessToken, Instant)>,
    /// The newest refresh token when there is no session in memory (a resource token was
    /// asked for straight from the keyring's refresh token), so a rotation is never lost even
    /// if the keyring cannot take the new token.
    refresh_token: Option<RefreshToken>,
}

/// Sign-in against Entra ID (or any provider shaped like it) for one configuration.
///
/// Holds at most one session; all methods take `&self` and may be called from several tasks
/// (renewals are serialised so two windows never redeem the same refresh token).
#[derive(Debug)]
pub struct PublicClient {
    config: AuthConfig,
    http: reqwest::Client,
    store: TokenStore,
    provider: OnceCell<Provider>,
    session: Mutex<Option<Session>>,
    resources: SyncMutex<ResourceTokens>,
}

impl PublicClient {
    /// A client for `config` that keeps refresh tokens in `store`. Touches no network.
    pub fn new(config: AuthConfig, store: TokenStore) -> Result<Self, AuthError> {
        config.validate()?;
        let http = reqwest::Client::builder()
            // Token endpoints must not follow redirects (SSRF; see the oauth2 crate's docs).
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(Duration::from_secs(15))
            .timeout(Duration::from_secs(60))
            .user_agent(concat!("greenroom/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|err| AuthError::Network {
                what: "HTTP client",
                reason: err.to_string(),
            })?;
        Ok(Self {
            config,
            http,
            store,
            provider: OnceCell::new(),
            session: Mutex::new(None),
            resources: SyncMutex::new(ResourceTokens::default()),
        })
    }

    /// The configuration in use.
    pub fn config(&self) -> &AuthConfig {
        &self.config
    }

    /// Whether a sign-in will be remembered across restarts, and if not why.
    pub fn storage_status(&self) -> StorageStatus {
        self.store.status()
    }

    /// The signed-in account, if any. No network.
    pub async fn account(&self) -> Option<Account> {
        self.session
            .lock()
            .await
            .as_ref()
            .map(|session| session.account.clone())
    }

    /// Signs in through the system browser: authorization code with PKCE (S256) redirected to a
    /// one-shot listener on 127.0.0.1. `opener` opens the sign-in page.
    pub async fn sign_in_with_browser(
        &self,
        opener: &dyn BrowserOpener,
        options: &BrowserSignIn,
        progress: &dyn ProgressSink,
        cancel: &CancellationToken,
    ) -> Result<Account, AuthError> {
        let provider = cancellable(cancel, self.provider(progress)).await??;
        let listener = RedirectListener::bind().await?;
        let redirect = RedirectUrl::new(listener.redirect_uri())
            .map_err(|err| AuthError::Listener(format!("unusable redirect URI: {err}")))?;
        let client = self.oauth_client(provider)?.set_redirect_uri(redirect);
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut request = client
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .set_pkce_challenge(challenge)
            .add_extra_param("response_mode", "query")
            .add_scopes(self.scopes());
        if let Some(hint) = &options.login_hint {
            request = request.set_login_hint(LoginHint::new(hint.clone()));
        }
        if let Some(prompt) = options.prompt {
            request = request.add_prompt(match prompt {
                Prompt::SelectAccount => CoreAuthPrompt::SelectAccount,
                Prompt::Login => CoreAuthPrompt::Login,
                Prompt::Consent => CoreAuthPrompt::Consent,
            });
        }
        let (url, state, nonce) = request.url();

        // Log the endpoint only: the query holds state, nonce and the PKCE challenge.
        tracing::info!(endpoint = %provider.metadata.authorization_endpoint, "opening the browser for sign-in");
        progress.report(SignInProgress::OpeningBrowser {
            endpoint: provider.metadata.authorization_endpoint.clone(),
        });
        opener
            .open(url.as_str())
            .map_err(AuthError::BrowserUnavailable)?;
        progress.report(SignInProgress::WaitingForBrowser {
            timeout_secs: options.timeout.as_secs(),
        });
        let code = match listener.wait(&state, options.timeout, cancel).await? {
            Callback::Code(code) => code,
            Callback::Error { error, description } => {
                return Err(from_provider(
                    Grant::AuthorizationCode,
                    &error,
                    description.as_deref(),
                ));
            }
        };

        progress.report(SignInProgress::RedeemingCode);
        let response = cancellable(
            cancel,
            client
                .exchange_code(AuthorizationCode::new(code))
                .set_pkce_verifier(verifier)
                .request_async(&self.http),
        )
        .await?
        .map_err(|err| token_error(Grant::AuthorizationCode, err))?;
        self.start_session(provider, response, Some(&nonce), progress)
            .await
    }

    /// Signs in with the device authorization grant (RFC 8628): reports
    /// [`SignInProgress::DeviceCode`] for the user to act on, then polls until approval,
    /// refusal or expiry, honouring `interval` and `slow_down`.
    pub async fn sign_in_with_device_code(
        &self,
        progress: &dyn ProgressSink,
        cancel: &CancellationToken,
    ) -> Result<Account, AuthError> {
        let provider = cancellable(cancel, self.provider(progress)).await??;
        let client = self.oauth_client(provider)?;
        let details: DeviceAuthorizationResponse<EntraDeviceFields> = cancellable(
            cancel,
            client
                .exchange_device_code()
                .add_scopes(self.scopes())
                .request_async(&self.http),
        )
        .await?
        .map_err(|err| token_error(Grant::DeviceCode, err))?;
        progress.report(SignInProgress::DeviceCode {
            user_code: details.user_code().secret().clone(),
            verification_uri: details.verification_uri().to_string(),
            message: details.extra_fields().message.clone(),
            expires_in_secs: details.expires_in().as_secs(),
        });
        progress.report(SignInProgress::WaitingForApproval);
        let response = cancellable(
            cancel,
            client.exchange_device_access_token(&details).request_async(
                &self.http,
                tokio::time::sleep,
                None,
            ),
        )
        .await?
        .map_err(|err| token_error(Grant::DeviceCode, err))?;
        self.start_session(provider, response, None, progress).await
    }

    /// Resumes the remembered sign-in, if the keyring holds one, by redeeming its refresh token.
    /// Returns `None` when nothing is remembered. A refresh token that was revoked or expired is
    /// forgotten and reported as [`AuthError::SignInAgain`].
    pub async fn restore(&self, progress: &dyn ProgressSink) -> Result<Option<Account>, AuthError> {
        let stored = match self.store.load(&self.config.keyring_user()).await {
            Ok(stored) => stored,
            Err(err) => {
                tracing::warn!("could not read the remembered sign-in: {err}");
                progress.report(SignInProgress::KeyringUnavailable {
                    reason: err.to_string(),
                });
                return Ok(None);
            }
        };
        let Some(refresh_token) = stored else {
            return Ok(None);
        };
        let mut slot = self.session.lock().await;
        let provider = self.provider(progress).await?;
        let response = match self.redeem_refresh_token(provider, &refresh_token).await {
            Ok(response) => response,
            Err(err) => {
                if err.needs_sign_in() {
                    self.forget_stored().await;
                }
                return Err(err);
            }
        };
        let session = self
            .session_from(provider, response, None, Some(refresh_token), progress)
            .await?;
        let account = session.account.clone();
        *slot = Some(session);
        self.forget_resource_tokens();
        Ok(Some(account))
    }

    /// A valid access token for the configured scopes, renewed first when it is about to expire.
    pub async fn access_token(&self) -> Result<AccessToken, AuthError> {
        let mut slot = self.session.lock().await;
        let fresh = slot
            .as_ref()
            .ok_or(AuthError::NotSignedIn)?
            .access_expires
            .checked_duration_since(Instant::now())
            .is_some_and(|left| left > RENEW_BEFORE_EXPIRY);
        if !fresh {
            self.renew(&mut slot).await?;
        }
        slot.as_ref()
            .map(|session| session.access_token.clone())
            .ok_or(AuthError::NotSignedIn)
    }

    /// An access token for another resource than the configured scopes', e.g. Azure DevOps'
    /// `499b84ac-1321-427f-aa17-267ca6975798/.default`: Entra's refresh tokens are
    /// multi-resource, so the session's refresh token is redeemed with that `scope` (and
    /// rotated, the new one kept exactly as a renewal keeps it). The token is cached in memory
    /// per scope until close to expiry; it is never stored.
    ///
    /// Works without a session in memory too, from the refresh token in the keyring, so a
    /// process that never restored the sign-in can still use it. Errors:
    /// [`AuthError::NotSignedIn`] when there is no sign-in at all,
    /// [`AuthError::SignInAgain`] when the refresh token is dead (it is then forgotten), and
    /// [`AuthError::ResourceNotAllowed`] when the organisation has not consented to the
    /// resource's permission.
    pub async fn access_token_for(&self, scope: &str) -> Result<AccessToken, AuthError> {
        let scope = scope.trim();
        if scope.is_empty() || scope.contains(char::is_whitespace) {
            return Err(AuthError::Provider {
                error: "invalid_scope".to_owned(),
                description: format!("`{scope}` is not one scope"),
            });
        }
        // The session lock serialises every redemption of the refresh token.
        let mut slot = self.session.lock().await;
        if let Some(token) = self.cached_resource_token(scope) {
            return Ok(token);
        }
        let detached = self.resource_tokens().refresh_token.clone();
        let refresh_token = match slot.as_ref() {
            Some(session) => session.refresh_token.clone().ok_or_else(|| {
                AuthError::SignInAgain(
                    "no refresh token was issued; add `offline_access` to the scopes".to_owned(),
                )
            })?,
            // The keyring first: another client (the app's window) may have rotated it since.
            None => match self.store.load(&self.config.keyring_user()).await {
                Ok(Some(token)) => token,
                Ok(None) if self.store.status().is_persistent() => {
                    // Signed out elsewhere.
                    self.forget_resource_tokens();
                    return Err(AuthError::NotSignedIn);
                }
                Ok(None) => detached.ok_or(AuthError::NotSignedIn)?,
                Err(err) => {
                    tracing::warn!("could not read the remembered sign-in: {err}");
                    detached.ok_or(AuthError::NotSignedIn)?
                }
            },
        };
        let provider = self.provider(&crate::progress::NoProgress).await?;
        let client = self.oauth_client(provider)?;
        let response = client
            .exchange_refresh_token(&openidconnect::RefreshToken::new(
                refresh_token.secret().to_owned(),
            ))
            .add_scope(Scope::new(scope.to_owned()))
            .add_scope(Scope::new("offline_access".to_owned()))
            .request_async(&self.http)
            .await
            .map_err(|err| match token_error(Grant::ResourceToken, err) {
                AuthError::ResourceNotAllowed { detail, .. } => AuthError::ResourceNotAllowed {
                    scope: scope.to_owned(),
                    detail,
                },
                other => other,
            });
        let response = match response {
            Ok(response) => response,
            Err(err) => {
                if err.needs_sign_in() {
                    self.end_session(&mut slot).await;
                }
                return Err(err);
            }
        };
        if let Some(issued) = response.refresh_token() {
            // Saved before the new access token is used, as a renewal does.
            let issued = RefreshToken::new(issued.secret().clone());
            if let Err(err) = self.store.save(&self.config.keyring_user(), &issued).await {
                tracing::warn!("could not remember the renewed sign-in: {err}");
            }
            match slot.as_mut() {
                Some(session) => session.refresh_token = Some(issued),
                None => self.resource_tokens().refresh_token = Some(issued),
            }
        }
        let token = AccessToken::new(response.access_token().secret().clone());
        let expires = Instant::now()
            + response
                .expires_in()
                .unwrap_or(DEFAULT_ACCESS_TOKEN_LIFETIME);
        self.resource_tokens()
            .tokens
            .insert(scope.to_owned(), (token.clone(), expires));
        tracing::info!(scope, "got an access token for another resource");
        Ok(token)
    }

    fn resource_tokens(&self) -> std::sync::MutexGuard<'_, ResourceTokens> {
        self.resources
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn cached_resource_token(&self, scope: &str) -> Option<AccessToken> {
        let resources = self.resource_tokens();
        let (token, expires) = resources.tokens.get(scope)?;
        let fresh = expires
            .checked_duration_since(Instant::now())
            .is_some_and(|left| left > RENEW_BEFORE_EXPIRY);
        fresh.then(|| token.clone())
    }

    fn forget_resource_tokens(&self) {
        *self.resource_tokens() = ResourceTokens::default();
    }

    /// Renews the session now with its refresh token (rotating it), e.g. after group changes.
    pub async fn refresh(&self) -> Result<Account, AuthError> {
        let mut slot = self.session.lock().await;
        self.renew(&mut slot).await?;
        slot.as_ref()
            .map(|session| session.account.clone())
            .ok_or(AuthError::NotSignedIn)
    }

    /// Forgets the session: the keyring entry and everything in memory.
    pub async fn sign_out(&self) -> Result<(), KeyringError> {
        self.session.lock().await.take();
        self.forget_resource_tokens();
        tracing::info!("signed out");
        self.store.forget(&self.config.keyring_user()).await
    }

    async fn renew(&self, slot: &mut Option<Session>) -> Result<(), AuthError> {
        let session = slot.as_ref().ok_or(AuthError::NotSignedIn)?;
        let refresh_token = session.refresh_token.clone().ok_or_else(|| {
            AuthError::SignInAgain(
                "no refresh token was issued; add `offline_access` to the scopes".to_owned(),
            )
        })?;
        let previous = session.account.clone();
        let refresh_token = self.latest_refresh_token(refresh_token).await;
        let provider = self.provider(&crate::progress::NoProgress).await?;
        let response = match self.redeem_refresh_token(provider, &refresh_token).await {
            Ok(response) => response,
            Err(err) => {
                if err.needs_sign_in() {
                    self.end_session(slot).await;
                }
                return Err(err);
            }
        };
        let renewed = self
            .session_from(
                provider,
                response,
                Some(&previous),
                Some(refresh_token),
                &crate::progress::NoProgress,
            )
            .await?;
        if renewed.account.id != previous.id {
            self.end_session(slot).await;
            return Err(AuthError::AccountChanged);
        }
        *slot = Some(renewed);
        tracing::info!("session renewed");
        Ok(())
    }

    /// The refresh token in the keyring when another client (a sync asking for an Azure
    /// DevOps token, the command line) rotated it since this session read it; else ours.
    /// Providers that treat a reused refresh token as stolen would otherwise end the grant.
    async fn latest_refresh_token(&self, ours: RefreshToken) -> RefreshToken {
        match self.store.load(&self.config.keyring_user()).await {
            Ok(Some(stored)) if stored.secret() != ours.secret() => stored,
            _ => ours,
        }
    }

    async fn redeem_refresh_token(
        &self,
        provider: &Provider,
        refresh_token: &RefreshToken,
    ) -> Result<EntraTokenResponse, AuthError> {
        let client = self.oauth_client(provider)?;
        let token = openidconnect::RefreshToken::new(refresh_token.secret().to_owned());
        client
            .exchange_refresh_token(&token)
            .add_scope(Scope::new("openid".to_owned()))
            .add_scopes(self.scopes())
            .request_async(&self.http)
            .await
            .map_err(|err| token_error(Grant::RefreshToken, err))
    }

    async fn start_session(
        &self,
        provider: &Provider,
        response: EntraTokenResponse,
        nonce: Option<&Nonce>,
        progress: &dyn ProgressSink,
    ) -> Result<Account, AuthError> {
        progress.report(SignInProgress::VerifyingIdToken);
        let id_token = response
            .extra_fields()
            .id_token()
            .ok_or(IdTokenError::Missing)?;
        let account = verify(
            id_token,
            &provider.keys,
            &self.http,
            &Expected {
                config: &self.config,
                metadata: &provider.metadata,
                nonce,
            },
        )
        .await?;
        let session = self
            .session_from(provider, response, Some(&account), None, progress)
            .await?;
        if session.refresh_token.is_none() {
            // A sign-in without `offline_access` must not leave an older account's token behind.
            self.forget_stored().await;
        }
        let remembered = session.refresh_token.is_some() && self.store.status().is_persistent();
        let account = session.account.clone();
        *self.session.lock().await = Some(session);
        self.forget_resource_tokens();
        tracing::info!(tenant = %account.id.tenant_id, "signed in");
        progress.report(SignInProgress::SignedIn {
            account: account.clone(),
            remembered,
        });
        Ok(account)
    }

    /// Builds the session from a token response. `known` is an account already verified from
    /// this response (sign-in) or the session's previous account (refresh); when absent the
    /// response's ID token must name one. The new refresh token is saved before it is used, and
    /// replaces `old_refresh_token`.
    async fn session_from(
        &self,
        provider: &Provider,
        response: EntraTokenResponse,
        known: Option<&Account>,
        old_refresh_token: Option<RefreshToken>,
        progress: &dyn ProgressSink,
    ) -> Result<Session, AuthError> {
        let account = match (known, response.extra_fields().id_token()) {
            (Some(account), None) => account.clone(),
            (Some(account), Some(_)) if old_refresh_token.is_none() => account.clone(),
            (_, Some(id_token)) => {
                verify(
                    id_token,
                    &provider.keys,
                    &self.http,
                    &Expected {
                        config: &self.config,
                        metadata: &provider.metadata,
                        nonce: None,
                    },
                )
                .await?
            }
            (None, None) => return Err(IdTokenError::Missing.into()),
        };
        let issued = response
            .refresh_token()
            .map(|token| RefreshToken::new(token.secret().clone()));
        let refresh_token = issued.clone().or(old_refresh_token);
        if let Some(token) = &issued {
            if let Err(err) = self.store.save(&self.config.keyring_user(), token).await {
                progress.report(SignInProgress::KeyringUnavailable {
                    reason: err.to_string(),
                });
            }
        } else if self.config.wants_refresh_token() && known.is_none() {
            tracing::warn!("no refresh token was issued although offline_access was asked for");
        }
        Ok(Session {
            account,
            access_token: AccessToken::new(response.access_token().secret().clone()),
            access_expires: Instant::now()
                + response
                    .expires_in()
                    .unwrap_or(DEFAULT_ACCESS_TOKEN_LIFETIME),
            refresh_token,
        })
    }

    /// Forgets a session that can no longer be renewed: in memory, its resource tokens,
    /// and the keyring entry.
    async fn end_session(&self, slot: &mut Option<Session>) {
        *slot = None;
        self.forget_resource_tokens();
        self.forget_stored().await;
    }

    async fn forget_stored(&self) {
        if let Err(err) = self.store.forget(&self.config.keyring_user()).await {
            tracing::warn!("could not delete the remembered sign-in: {err}");
        }
    }

    async fn provider(&self, progress: &dyn ProgressSink) -> Result<&Provider, AuthError> {
        self.provider
            .get_or_try_init(|| async {
                progress.report(SignInProgress::Discovering {
                    authority: self.config.tenant_base(),
                });
                let metadata = ProviderMetadata::fetch(&self.http, &self.config).await?;
                let keys = KeyCache::new(metadata.jwks_uri.clone());
                Ok(Provider { metadata, keys })
            })
            .await
    }

    fn oauth_client(&self, provider: &Provider) -> Result<EntraClient, AuthError> {
        let metadata = &provider.metadata;
        let bad = |name: &str, err: openidconnect::url::ParseError| AuthError::Discovery {
            url: self.config.discovery_url(),
            reason: format!("{name}: {err}"),
        };
        let device = metadata
            .device_authorization_endpoint
            .clone()
            .unwrap_or_default();
        // The issuer and key set given here are unused: ID tokens are verified in `id_token`.
        let issuer =
            IssuerUrl::new(self.config.authority.clone()).map_err(|err| bad("authority", err))?;
        Ok(Client::new(
            ClientId::new(self.config.client_id.trim().to_owned()),
            issuer,
            JsonWebKeySet::default(),
        )
        .set_auth_uri(
            AuthUrl::new(metadata.authorization_endpoint.clone())
                .map_err(|err| bad("authorization_endpoint", err))?,
        )
        .set_token_uri(
            TokenUrl::new(metadata.token_endpoint.clone())
                .map_err(|err| bad("token_endpoint", err))?,
        )
        .set_device_authorization_url(
            DeviceAuthorizationUrl::new(device)
                .map_err(|err| bad("device_authorization_endpoint", err))?,
        ))
    }

    fn scopes(&self) -> Vec<Scope> {
        self.config
            .extra_scopes()
            .map(|scope| Scope::new(scope.to_owned()))
            .collect()
    }
}

async fn cancellable<T>(
    cancel: &CancellationToken,
    work: impl Future<Output = T>,
) -> Result<T, AuthError> {
    tokio::select! {
        _ = cancel.cancelled() => Err(AuthError::Cancelled),
        value = work => Ok(value),
    }
}

/// Maps an oauth2 request error without ever formatting its `Parse` body (the raw response,
/// which holds tokens).
fn token_error<T>(
    grant: Grant,
    err: RequestTokenError<HttpClientError<reqwest::Error>, StandardErrorResponse<T>>,
) -> AuthError
where
    T: openidconnect::ErrorResponseType + Serialize + std::fmt::Display,
{
    match err {
        RequestTokenError::ServerResponse(response) => {
            let code = serde_json::to_value(response.error())
                .ok()
                .and_then(|value| value.as_str().map(str::to_owned))
                .unwrap_or_default();
            from_provider(
                grant,
                &code,
                response.error_description().map(String::as_str),
            )
        }
        RequestTokenError::Request(err) => AuthError::Network {
            what: match grant {
                Grant::AuthorizationCode => "redeeming the sign-in code",
                Grant::DeviceCode => "device code sign-in",
                Grant::RefreshToken => "renewing the session",
                Grant::ResourceToken => "getting a token for another service",
            },
            reason: error_chain(&err),
        },
        RequestTokenError::Parse(err, _body) => AuthError::Provider {
            error: "unreadable_response".to_owned(),
            description: format!(
                "the token endpoint's answer could not be read (at `{}`)",
                err.path()
            ),
        },
        RequestTokenError::Other(detail) => AuthError::Provider {
            error: "unexpected_response".to_owned(),
            description: detail,
        },
    }
}

fn error_chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
