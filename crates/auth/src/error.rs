//! What can go wrong, each variant worded so a person knows what to do next.
//!
//! No variant ever carries a token, a code or a verifier: messages reach logs and the UI.

use std::time::Duration;

use thiserror::Error;

/// A problem with the sign-in settings, found before any network call.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum ConfigError {
    /// No application (client) ID configured.
    #[error(
        "no client ID configured: set `client_id` under [auth] in the config file, pass --client-id, or set GREENROOM_CLIENT_ID to the Application (client) ID of your organisation's app registration"
    )]
    MissingClientId,
    /// An URL setting does not parse or uses a scheme that would leak tokens.
    #[error("the `{field}` setting `{value}` is not usable: {reason}")]
    BadUrl {
        /// Which setting.
        field: &'static str,
        /// What it said.
        value: String,
        /// Why it was refused.
        reason: String,
    },
    /// The tenant is not a GUID, a domain, `organizations` or `common`.
    #[error(
        "the tenant `{0}` is not valid: use your directory's tenant ID (a GUID), a verified domain such as contoso.onmicrosoft.com, `organizations` or `common`"
    )]
    BadTenant(String),
    /// `consumers` (personal Microsoft accounts only) makes no sense for an organisation's portal.
    #[error(
        "the tenant `consumers` signs in personal Microsoft accounts only: use your organisation's tenant ID, `organizations` or `common`"
    )]
    ConsumersTenant,
    /// An `allowed_tenants` entry is not a tenant ID.
    #[error("`allowed_tenants` must list tenant IDs (GUIDs); `{0}` is not one")]
    BadAllowedTenant(String),
}

/// Why an ID token was refused. Sign-in stops; nothing is stored.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum IdTokenError {
    /// The token response carried no ID token (the `openid` scope was not granted).
    #[error(
        "the identity provider returned no ID token; check that the app registration allows the `openid` scope"
    )]
    Missing,
    /// Not a JWT this client can read.
    #[error("the ID token could not be read: {0}")]
    Malformed(String),
    /// The signature does not match the provider's published key.
    #[error(
        "the ID token's signature is not valid ({0}); sign-in was stopped because the token may be forged"
    )]
    Signature(String),
    /// Signed with a key the provider does not publish, even after re-reading its key set.
    #[error(
        "the ID token is signed with key `{kid}`, which the identity provider does not publish; sign-in was stopped"
    )]
    UnknownSigningKey {
        /// Key ID from the token header.
        kid: String,
    },
    /// `aud` is not this app's client ID.
    #[error("the ID token was issued for another application ({0}); check the client ID setting")]
    WrongAudience(String),
    /// `iss` is not the provider's issuer for the token's tenant.
    #[error(
        "the ID token's issuer `{found}` is not the expected `{expected}`; check the authority and tenant settings"
    )]
    WrongIssuer {
        /// Issuer expected from discovery and the token's `tid`.
        expected: String,
        /// Issuer found in the token.
        found: String,
    },
    /// `nonce` missing or not the one this sign-in sent.
    #[error(
        "the ID token does not answer this sign-in request (nonce mismatch: {0}); try signing in again"
    )]
    NonceMismatch(String),
    /// Past `exp` (or issued in the future) beyond the allowed clock skew.
    #[error("the ID token is outside its validity period ({0}); check this computer's clock")]
    Expired(String),
    /// Before `nbf` beyond the allowed clock skew.
    #[error("the ID token is not valid yet; check this computer's clock")]
    NotYetValid,
    /// The user's tenant is not allowed by the configuration.
    #[error(
        "accounts of tenant {tid} may not sign in here; ask your administrator, or add the tenant ID to `allowed_tenants`"
    )]
    TenantNotAllowed {
        /// The token's `tid`.
        tid: String,
    },
    /// A claim the account needs is absent.
    #[error("the ID token has no `{claim}` claim; {hint}")]
    MissingClaim {
        /// Claim name.
        claim: &'static str,
        /// What to change.
        hint: &'static str,
    },
}

/// A failed sign-in, refresh or sign-out.
#[derive(Debug, Error)]
pub enum AuthError {
    /// The settings are unusable.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The provider's discovery document or key set could not be read.
    #[error(
        "could not read the identity provider's configuration from {url}: {reason}; check the authority and tenant settings and the network"
    )]
    Discovery {
        /// Document URL (no secrets).
        url: String,
        /// What failed.
        reason: String,
    },
    /// The provider could not be reached.
    #[error(
        "could not reach the identity provider ({what}): {reason}; check the network and try again"
    )]
    Network {
        /// Which step.
        what: &'static str,
        /// What failed.
        reason: String,
    },
    /// The browser could not be opened.
    #[error(
        "could not open the web browser ({0}); sign in with a device code instead (`greenroom login --device`)"
    )]
    BrowserUnavailable(String),
    /// The loopback listener could not be started.
    #[error("could not listen for the sign-in answer on 127.0.0.1: {0}")]
    Listener(String),
    /// The answer reaching the loopback listener did not carry this sign-in's `state`.
    #[error(
        "the sign-in answer did not match this sign-in request (state mismatch), so it was ignored; start the sign-in again"
    )]
    StateMismatch,
    /// No answer before the deadline.
    #[error("sign-in timed out after {} seconds without an answer from the browser; start it again", .0.as_secs())]
    TimedOut(Duration),
    /// The caller cancelled.
    #[error("sign-in was cancelled")]
    Cancelled,
    /// The user (or the provider on their behalf) refused.
    #[error("sign-in was declined: {0}")]
    Declined(String),
    /// Conditional Access blocked the sign-in (AADSTS53003 and relatives).
    #[error("your organisation's Conditional Access policies blocked this sign-in{}: {detail}. Try the browser sign-in on a managed device, or ask your IT administrator", if *.device_code { " (many organisations block device-code sign-in)" } else { "" })]
    ConditionalAccess {
        /// Whether it happened in the device-code flow.
        device_code: bool,
        /// Provider's explanation.
        detail: String,
    },
    /// The device code expired before it was approved.
    #[error(
        "the device code expired before the sign-in was approved; run the sign-in again and enter the new code within the time shown"
    )]
    DeviceCodeExpired,
    /// The session cannot be renewed; the user has to sign in again.
    #[error("your session has ended ({0}); please sign in again")]
    SignInAgain(String),
    /// The app registration is set up wrongly for a desktop public client.
    #[error("the app registration needs a change: {problem}. Fix: {fix}")]
    AppRegistration {
        /// What the provider said.
        problem: String,
        /// What an administrator should change.
        fix: &'static str,
    },
    /// The ID token was refused.
    #[error(transparent)]
    IdToken(#[from] IdTokenError),
    /// A refresh returned a different user than the session's.
    #[error(
        "the identity provider returned a different account than the one signed in; please sign in again"
    )]
    AccountChanged,
    /// An operation needs a signed-in session.
    #[error("not signed in; run `greenroom login` or use Sign in in the app")]
    NotSignedIn,
    /// The organisation has not allowed Greenroom to get tokens for another resource (no
    /// consent for its API permission, or the resource is unknown in the tenant).
    #[error(
        "your organisation has not allowed Greenroom to get tokens for `{scope}` ({detail}); an administrator can grant the app registration that API permission"
    )]
    ResourceNotAllowed {
        /// The scope asked for, e.g. `499b84ac-1321-427f-aa17-267ca6975798/.default`.
        scope: String,
        /// What the provider said.
        detail: String,
    },
    /// Any other error the provider returned.
    #[error("the identity provider refused the request: {error}{}", if .description.is_empty() { String::new() } else { format!(" ({})", .description) })]
    Provider {
        /// OAuth error code.
        error: String,
        /// Provider's description.
        description: String,
    },
}

impl AuthError {
    /// Stable, machine-readable code for the UI and the CLI's exit status.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Config(_) => "auth.config",
            Self::Discovery { .. } => "auth.discovery",
            Self::Network { .. } => "auth.network",
            Self::BrowserUnavailable(_) => "auth.browser_unavailable",
            Self::Listener(_) => "auth.listener",
            Self::StateMismatch => "auth.state_mismatch",
            Self::TimedOut(_) => "auth.timed_out",
            Self::Cancelled => "auth.cancelled",
            Self::Declined(_) => "auth.declined",
            Self::ConditionalAccess { .. } => "auth.conditional_access",
            Self::DeviceCodeExpired => "auth.device_code_expired",
            Self::SignInAgain(_) => "auth.sign_in_again",
            Self::AppRegistration { .. } => "auth.app_registration",
            Self::IdToken(_) => "auth.id_token",
            Self::AccountChanged => "auth.account_changed",
            Self::NotSignedIn => "auth.not_signed_in",
            Self::ResourceNotAllowed { .. } => "auth.resource_not_allowed",
            Self::Provider { .. } => "auth.provider",
        }
    }

    /// Whether the right reaction is to send the user through sign-in again.
    pub fn needs_sign_in(&self) -> bool {
        matches!(
            self,
            Self::SignInAgain(_) | Self::NotSignedIn | Self::AccountChanged
        )
    }
}

/// Which request produced a provider error; the same code means different things per grant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Grant {
    AuthorizationCode,
    DeviceCode,
    RefreshToken,
    /// A refresh token redeemed for another resource's scope.
    ResourceToken,
}

/// Turns an OAuth error response (RFC 6749 §5.2, with Entra's `AADSTSnnnnn:` descriptions) into
/// the variant that tells the user what to do.
pub(crate) fn from_provider(grant: Grant, error: &str, description: Option<&str>) -> AuthError {
    let description = description.unwrap_or_default().trim().to_owned();
    let aadsts = aadsts_code(&description);
    let first_line = description
        .split(['\r', '\n'])
        .next()
        .unwrap_or_default()
        .split(" Trace ID:")
        .next()
        .unwrap_or_default()
        .to_owned();
    if grant == Grant::ResourceToken {
        // No consent for the resource's permission, resource unknown in the tenant, or a scope
        // the app may not ask for.
        let refused = matches!(
            aadsts,
            Some(65001 | 65004 | 90094 | 650052 | 650057 | 500011 | 70011)
        ) || matches!(
            error,
            "invalid_scope" | "invalid_resource" | "invalid_target" | "consent_required"
        );
        if refused {
            return AuthError::ResourceNotAllowed {
                scope: String::new(),
                detail: non_empty(first_line, error),
            };
        }
    }
    match aadsts {
        Some(53000..=53004) | Some(530032) | Some(530034) | Some(53011) => {
            return AuthError::ConditionalAccess {
                device_code: grant == Grant::DeviceCode,
                detail: first_line,
            };
        }
        Some(7000218) => {
            return AuthError::AppRegistration {
                problem: first_line,
                fix: "in the Entra admin center, open the app registration > Authentication and set \"Allow public client flows\" to Yes",
            };
        }
        Some(50011) | Some(500113) => {
            return AuthError::AppRegistration {
                problem: first_line,
                fix: "add the redirect URI http://localhost under Authentication > \"Mobile and desktop applications\" of the app registration",
            };
        }
        Some(700016) => {
            return AuthError::AppRegistration {
                problem: first_line,
                fix: "check the client ID and tenant settings: the app registration must exist in (or be consented to by) your tenant",
            };
        }
        Some(65001) | Some(65004) | Some(90094) => {
            return AuthError::AppRegistration {
                problem: first_line,
                fix: "an administrator must grant consent for the app's permissions (API permissions > Grant admin consent)",
            };
        }
        Some(700082) | Some(700084) | Some(70043) | Some(50173) | Some(50133) | Some(50078)
        | Some(50076) | Some(700081) => {
            return AuthError::SignInAgain(first_line);
        }
        Some(70020) => return AuthError::DeviceCodeExpired,
        _ => {}
    }
    match (grant, error) {
        (Grant::DeviceCode, "authorization_declined" | "access_denied") => AuthError::Declined(
            non_empty(first_line, "the sign-in was declined on the device page"),
        ),
        (_, "access_denied") => {
            AuthError::Declined(non_empty(first_line, "the identity provider denied access"))
        }
        (Grant::DeviceCode, "expired_token") => AuthError::DeviceCodeExpired,
        (Grant::RefreshToken | Grant::ResourceToken, "invalid_grant") => AuthError::SignInAgain(
            non_empty(first_line, "the refresh token was expired or revoked"),
        ),
        (_, "unauthorized_client") => AuthError::AppRegistration {
            problem: non_empty(first_line, "the client may not use this grant"),
            fix: "register the app as a public client (\"Mobile and desktop applications\") and set \"Allow public client flows\" to Yes",
        },
        _ => AuthError::Provider {
            error: error.to_owned(),
            description: first_line,
        },
    }
}

fn non_empty(text: String, fallback: &str) -> String {
    if text.is_empty() {
        fallback.to_owned()
    } else {
        text
    }
}

/// `AADSTS53003: ...` -> 53003.
fn aadsts_code(description: &str) -> Option<u32> {
    let start = description.find("AADSTS")? + "AADSTS".len();
    let digits: String = description[start..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entra_errors_map_to_actionable_variants() {
        let ca = from_provider(
            Grant::DeviceCode,
            "invalid_grant",
            Some(
                "AADSTS53003: Access has been blocked by Conditional Access policies. Trace ID: 1 Correlation ID: 2",
            ),
        );
        assert!(matches!(
            ca,
            AuthError::ConditionalAccess {
                device_code: true,
                ..
            }
        ));
        let text = ca.to_string();
        assert!(text.contains("device-code"), "{text}");
        assert!(!text.contains("Trace ID"), "{text}");

        let idle = from_provider(
            Grant::RefreshToken,
            "invalid_grant",
            Some("AADSTS700082: The refresh token has expired due to inactivity."),
        );
        assert!(idle.needs_sign_in());
        assert!(idle.to_string().contains("sign in again"));

        assert!(matches!(
            from_provider(Grant::RefreshToken, "invalid_grant", None),
            AuthError::SignInAgain(_)
        ));
        assert!(matches!(
            from_provider(Grant::DeviceCode, "authorization_declined", None),
            AuthError::Declined(_)
        ));
        assert!(matches!(
            from_provider(Grant::DeviceCode, "expired_token", None),
            AuthError::DeviceCodeExpired
        ));
        let public = from_provider(
            Grant::DeviceCode,
            "invalid_client",
            Some(
                "AADSTS7000218: The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
            ),
        );
        assert!(public.to_string().contains("Allow public client flows"));
        let code = from_provider(
            Grant::AuthorizationCode,
            "invalid_grant",
            Some("grant request is invalid"),
        );
        assert!(matches!(code, AuthError::Provider { .. }));
        assert_eq!(code.code(), "auth.provider");
    }

    #[test]
    fn resource_token_refusals_say_the_organisation_has_not_allowed_it() {
        let consent = from_provider(
            Grant::ResourceToken,
            "invalid_grant",
            Some(
                "AADSTS65001: The user or administrator has not consented to use the application.",
            ),
        );
        assert!(
            matches!(consent, AuthError::ResourceNotAllowed { .. }),
            "{consent:?}"
        );
        assert_eq!(consent.code(), "auth.resource_not_allowed");
        assert!(
            consent.to_string().contains("has not allowed Greenroom"),
            "{consent}"
        );
        assert!(matches!(
            from_provider(Grant::ResourceToken, "invalid_scope", None),
            AuthError::ResourceNotAllowed { .. }
        ));
        // A dead refresh token is still a dead refresh token.
        assert!(matches!(
            from_provider(
                Grant::ResourceToken,
                "invalid_grant",
                Some("AADSTS700082: The refresh token has expired due to inactivity.")
            ),
            AuthError::SignInAgain(_)
        ));
        assert!(matches!(
            from_provider(Grant::ResourceToken, "invalid_grant", None),
            AuthError::SignInAgain(_)
        ));
        // For the session's own scopes, missing consent stays an app registration matter.
        assert!(matches!(
            from_provider(
                Grant::RefreshToken,
                "invalid_grant",
                Some("AADSTS65001: no consent")
            ),
            AuthError::AppRegistration { .. }
        ));
    }

    #[test]
    fn aadsts_numbers() {
        assert_eq!(aadsts_code("AADSTS700082: x"), Some(700082));
        assert_eq!(aadsts_code("no code"), None);
    }
}
