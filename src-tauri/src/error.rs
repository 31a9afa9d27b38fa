//! Errors as the interface receives them: `{code, message, detail}`.

use greenroom::ErrorCode;
use serde::Serialize;

/// A failed command, as the interface receives it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct CommandError {
    /// What kind of failure, for the interface to branch on.
    pub code: ErrorCode,
    /// What went wrong and what to do, for people.
    pub message: String,
    /// More about it, when there is more (e.g. the database's own words).
    pub detail: Option<String>,
}

impl CommandError {
    /// A failure of the shell itself (a thread that died, a window that is gone).
    pub fn internal(message: impl Into<String>) -> Self {
        CommandError {
            code: ErrorCode::Internal,
            message: message.into(),
            detail: None,
        }
    }

    /// An argument the interface should not have sent.
    pub fn invalid(message: impl Into<String>) -> Self {
        CommandError {
            code: ErrorCode::InvalidInput,
            message: message.into(),
            detail: None,
        }
    }
}

impl From<greenroom::Error> for CommandError {
    fn from(e: greenroom::Error) -> Self {
        let detail = match &e {
            greenroom::Error::Store(greenroom::catalog::StoreError::Sqlite(inner)) => {
                Some(format!("{inner:?}"))
            }
            _ => None,
        };
        CommandError {
            code: e.code(),
            message: e.to_string(),
            detail,
        }
    }
}

impl From<greenroom::catalog::StoreError> for CommandError {
    fn from(e: greenroom::catalog::StoreError) -> Self {
        greenroom::Error::from(e).into()
    }
}
