//! Opens a web page in the user's default browser (the sign-in page), for the window and the CLI
//! alike, through the `open` crate (xdg-open, `open`, `start`, …). Only `http(s)` URLs are opened.

/// Why the browser could not be started.
#[derive(Debug, thiserror::Error)]
pub enum BrowserError {
    #[error("only web addresses can be opened, not {0:?}")]
    NotWeb(String),
    #[error("the web browser could not be started ({0}); open this address yourself: {1}")]
    Spawn(String, String),
}

/// Starts the default browser at `url` and returns without waiting for it.
pub fn open(url: &str) -> Result<(), BrowserError> {
    if !(url.starts_with("https://") || url.starts_with("http://")) {
        return Err(BrowserError::NotWeb(url.to_owned()));
    }
    open::that_detached(url).map_err(|e| BrowserError::Spawn(e.to_string(), url.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_anything_but_web_addresses() {
        assert!(matches!(
            open("file:///etc/passwd"),
            Err(BrowserError::NotWeb(_))
        ));
        assert!(matches!(
            open("javascript:alert(1)"),
            Err(BrowserError::NotWeb(_))
        ));
    }
}
