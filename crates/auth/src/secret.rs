//! Token types that cannot end up in a log by accident: `Debug` prints a redaction mark, there is
//! no `Display` and no `Serialize`; reading the value takes an explicit `.secret()`.

use std::fmt;

macro_rules! secret_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq)]
        pub struct $name(String);

        impl $name {
            /// Wraps a value received from the provider.
            pub fn new(value: impl Into<String>) -> Self {
                Self(value.into())
            }

            /// The value itself, for an `Authorization` header or the keyring. Never log it.
            pub fn secret(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!(stringify!($name), "([redacted])"))
            }
        }
    };
}

secret_type!(
    /// A bearer token for Microsoft Graph (or whatever resource the scopes named).
    AccessToken
);
secret_type!(
    /// The long-lived token that renews a session; the only thing kept in the keyring.
    RefreshToken
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_redacts() {
        let token = RefreshToken::new("0.AXEA-very-secret");
        assert_eq!(format!("{token:?}"), "RefreshToken([redacted])");
        assert_eq!(
            format!("{:#?}", Some(AccessToken::new("eyJ0eXAi"))),
            "Some(\n    AccessToken([redacted]),\n)"
        );
        assert_eq!(token.secret(), "0.AXEA-very-secret");
    }
}
