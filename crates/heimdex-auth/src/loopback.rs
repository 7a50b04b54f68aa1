//! Receives the browser's redirect on a one-shot listener bound to 127.0.0.1 (RFC 8252 §7.3).

use crate::error::AuthError;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const PAGE: &str = "<!doctype html><meta charset=utf-8><title>Heimdex</title>\
<body style=\"font-family:sans-serif;text-align:center;padding:4em\">\
<h1>Signed in</h1><p>You can close this tab and return to Heimdex.</p></body>";

/// A listener on a random loopback port.
pub struct Loopback {
    listener: TcpListener,
    port: u16,
}

impl Loopback {
    pub async fn bind() -> Result<Self, AuthError> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let port = listener.local_addr()?.port();
        Ok(Self { listener, port })
    }

    /// The `redirect_to` for the authorize URL.
    pub fn redirect_uri(&self) -> String {
        format!("http://127.0.0.1:{}/callback", self.port)
    }

    /// Waits for `GET /callback?code=…` and answers with a page the user can close. Other requests
    /// (favicon, probes) are answered 404 and ignored.
    pub async fn wait_for_code(self, timeout: Duration) -> Result<String, AuthError> {
        let work = async {
            loop {
                let (mut sock, _) = self.listener.accept().await?;
                let mut buf = vec![0u8; 8192];
                let n = sock.read(&mut buf).await?;
                let head = String::from_utf8_lossy(&buf[..n]);
                let target = head
                    .lines()
                    .next()
                    .and_then(|l| l.split_whitespace().nth(1))
                    .unwrap_or("");
                let Ok(url) = url::Url::parse(&format!("http://127.0.0.1{target}")) else {
                    continue;
                };
                if url.path() != "/callback" {
                    let _ = sock.write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n").await;
                    continue;
                }
                let get = |k: &str| {
                    url.query_pairs()
                        .find(|(key, _)| key == k)
                        .map(|(_, v)| v.into_owned())
                };
                let reply = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{PAGE}",
                    PAGE.len()
                );
                let _ = sock.write_all(reply.as_bytes()).await;
                return match (
                    get("code"),
                    get("error_description").or_else(|| get("error")),
                ) {
                    (Some(code), _) => Ok(code),
                    (None, Some(err)) => Err(AuthError::NoCode(err)),
                    (None, None) => Err(AuthError::NoCode("no code in the redirect".into())),
                };
            }
        };
        tokio::time::timeout(timeout, work)
            .await
            .map_err(|_| AuthError::Timeout {
                secs: timeout.as_secs(),
            })?
    }
}
