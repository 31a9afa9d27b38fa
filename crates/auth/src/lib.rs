//! Sign-in with Microsoft Entra ID for Greenroom, a desktop app and therefore an OAuth public
//! client, and the organisation read from Microsoft Graph.
//!
//! - [`PublicClient`]: sign-in in the system browser (authorization code + PKCE S256, redirect to
//!   a one-shot listener on 127.0.0.1) or with a device code; ID tokens verified against the
//!   tenant's keys with Entra's `{tenantid}` issuer template; sessions renewed with rotating
//!   refresh tokens; sign-out.
//! - [`TokenStore`]: the refresh token, and only it, in the OS keyring; without a keyring the
//!   session stays in memory and [`StorageStatus`] says so.
//! - [`graph`]: `/me`, `/me/transitiveMemberOf` and (with consent) the tenant's users and groups
//!   as Backstage `User` and `Group` entities, the way Backstage's Microsoft Graph provider
//!   makes them.
//!
//! Tokens never reach logs: their types redact `Debug` and have no `Display`.

mod account;
mod browser;
mod client;
mod config;
mod discovery;
mod error;
pub mod graph;
mod id_token;
mod loopback;
mod progress;
mod secret;
mod token_store;

pub use account::{Account, AccountId};
pub use browser::BrowserOpener;
pub use client::{BrowserSignIn, Prompt, PublicClient};
pub use config::{
    AuthConfig, CONSUMERS_TENANT_ID, ConfigOverrides, DEFAULT_AUTHORITY, DEFAULT_GRAPH_URL,
    ENV_AUTHORITY, ENV_CLIENT_ID, ENV_TENANT, default_scopes, is_guid,
};
pub use error::{AuthError, ConfigError, IdTokenError};
pub use id_token::CLOCK_SKEW;
pub use progress::{NoProgress, ProgressSink, SignInProgress};
pub use secret::{AccessToken, RefreshToken};
pub use token_store::{KEYRING_SERVICE, KeyringError, StorageStatus, TokenStore};
pub use tokio_util::sync::CancellationToken;
