//! Opens a web page in the user's default browser (the sign-in page): `xdg-open` on Linux and the
//! BSDs, `open` on macOS, `start` on Windows. Only `http(s)` URLs are opened.

use std::process::{Command, Stdio};

/// Why the browser could not be started.
#[derive(Debug, thiserror::Error)]
pub enum BrowserError {
    #[error("only web addresses can be opened, not {0:?}")]
    NotWeb(String),
    #[error("the web browser could not be started ({0}); open this address yourself: {1}")]
    Spawn(String, String),
}

fn command(url: &str) -> Command {
    #[cfg(target_os = "macos")]
    {
        let mut c = Command::new("open");
        c.arg(url);
        c
    }
    #[cfg(target_os = "windows")]
    {
        let mut c = Command::new("cmd");
        // The empty title keeps `start` from taking the URL as the window title.
        c.args(["/C", "start", ""]).arg(url);
        c
    }
    #[cfg(not(any(target_os = "macos", target_os = "windows")))]
    {
        let mut c = Command::new("xdg-open");
        c.arg(url);
        c
    }
}

/// Starts the default browser at `url` and returns without waiting for it.
pub fn open(url: &str) -> Result<(), BrowserError> {
    if !(url.starts_with("https://") || url.starts_with("http://")) {
        return Err(BrowserError::NotWeb(url.to_owned()));
    }
    command(url)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map(|mut child| {
            // Reap the launcher when it exits (xdg-open returns at once).
            std::thread::spawn(move || child.wait());
        })
        .map_err(|e| BrowserError::Spawn(e.to_string(), url.to_owned()))
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
