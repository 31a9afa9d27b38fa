//! Steps of a sign-in, for the CLI to print and the app to stream to the window.

use serde::Serialize;

use crate::account::Account;

/// One step of a sign-in. Carries nothing secret: URLs are shown without their query.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum SignInProgress {
    /// Reading the provider's discovery document.
    Discovering {
        /// The authority and tenant being asked.
        authority: String,
    },
    /// The system browser is being opened at the provider's sign-in page.
    OpeningBrowser {
        /// The authorization endpoint, without the request's parameters.
        endpoint: String,
    },
    /// Waiting for the browser to come back to the loopback listener.
    WaitingForBrowser {
        /// Seconds left before giving up.
        timeout_secs: u64,
    },
    /// Show this to the user: open `verification_uri` on any device and enter `user_code`.
    DeviceCode {
        /// The code to type.
        user_code: String,
        /// Where to type it.
        verification_uri: String,
        /// The provider's own instructions, when it sends them.
        message: Option<String>,
        /// Seconds until the code expires.
        expires_in_secs: u64,
    },
    /// Polling the provider until the device code is approved.
    WaitingForApproval,
    /// Redeeming the authorization code for tokens.
    RedeemingCode,
    /// Checking the ID token's signature and claims.
    VerifyingIdToken,
    /// The keyring could not be used; the session is kept in memory only.
    KeyringUnavailable {
        /// Why, in words a person can act on.
        reason: String,
    },
    /// Done.
    SignedIn {
        /// Who signed in.
        account: Account,
        /// Whether the sign-in will be remembered after a restart.
        remembered: bool,
    },
}

/// Receives sign-in steps. Any `Fn(SignInProgress)` closure is one.
pub trait ProgressSink: Send + Sync {
    /// Called for each step, in order.
    fn report(&self, step: SignInProgress);
}

impl<F: Fn(SignInProgress) + Send + Sync> ProgressSink for F {
    fn report(&self, step: SignInProgress) {
        self(step)
    }
}

/// A sink that drops every step.
pub struct NoProgress;

impl ProgressSink for NoProgress {
    fn report(&self, _step: SignInProgress) {}
}
