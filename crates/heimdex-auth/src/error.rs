//! Errors of sign-in.

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("cannot reach the sign-in server at {url}: {reason}")]
    Unreachable { url: String, reason: String },
    #[error("sign-in refused: {message}")]
    Refused { status: u16, message: String },
    #[error("the session has expired or was revoked; sign in again")]
    SessionExpired,
    #[error("not signed in")]
    NotSignedIn,
    #[error("the sign-in in the browser did not finish within {secs} s")]
    Timeout { secs: u64 },
    #[error("the browser came back without a sign-in code: {0}")]
    NoCode(String),
    #[error("the keychain is not available ({0}); you will need to sign in again next time")]
    Keychain(String),
    #[error("the sign-in server sent an answer we could not read: {0}")]
    BadResponse(String),
    #[error("could not open the loopback listener: {0}")]
    Listener(#[from] std::io::Error),
}
