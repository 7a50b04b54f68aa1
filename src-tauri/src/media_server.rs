//! A loopback HTTP server that streams library videos (and cache files) to the window's `<video>`.
//!
//! WebKitGTK cannot play video from Tauri's asset protocol (GStreamer does not read custom URI
//! schemes), but it plays and seeks over plain HTTP with range requests. So the window gets URLs
//! like `http://127.0.0.1:PORT/TOKEN/video/VIDEO_ID`, and this server:
//! - listens on 127.0.0.1 only, on a port the OS picks;
//! - answers only paths under a random per-run token (a page elsewhere cannot guess the URL);
//! - answers only when the `Host` header names this loopback address (no DNS rebinding);
//! - serves only videos the library knows (looked up by id, never a path from the URL) and files
//!   under the cache directory (resolved, `..` and links that leave it refused);
//! - supports `GET`/`HEAD`, single byte ranges (`206`, `416`), keep-alive.

use std::future::Future;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Component, Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncSeekExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;

/// Finds the file of a library video by its id (`None` when the library has no such video).
pub type VideoLookup =
    Arc<dyn Fn(String) -> Pin<Box<dyn Future<Output = Option<PathBuf>> + Send>> + Send + Sync>;

/// Longest request head accepted (request line + headers).
const MAX_HEAD: usize = 16 * 1024;
/// How long a connection may wait for its next request.
const IDLE_TIMEOUT: Duration = Duration::from_secs(30);
/// Connections served at the same time.
const MAX_CONNECTIONS: usize = 32;

/// The running server; stops when dropped.
pub struct MediaServer {
    addr: SocketAddr,
    token: String,
    stop: CancellationToken,
}

impl Drop for MediaServer {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

struct Shared {
    token: String,
    hosts: [String; 2],
    cache_dir: Option<PathBuf>,
    lookup: VideoLookup,
}

impl MediaServer {
    /// Binds 127.0.0.1 on a free port and serves in the background on the current tokio runtime.
    pub async fn start(lookup: VideoLookup, cache_dir: Option<PathBuf>) -> io::Result<Self> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?;
        let addr = listener.local_addr()?;
        let token = random_token();
        let shared = Arc::new(Shared {
            token: token.clone(),
            hosts: [
                format!("127.0.0.1:{}", addr.port()),
                format!("localhost:{}", addr.port()),
            ],
            // Canonical, so the prefix check below compares like with like.
            cache_dir: cache_dir.and_then(|d| d.canonicalize().ok()),
            lookup,
        });
        let stop = CancellationToken::new();
        tokio::spawn(accept_loop(listener, shared, stop.clone()));
        Ok(Self { addr, token, stop })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The URL the window plays a library video from.
    pub fn video_url(&self, video_id: &str) -> String {
        format!(
            "http://{}/{}/video/{}",
            self.addr,
            self.token,
            percent_encode(video_id)
        )
    }

    /// The URL of a file under the cache directory, by its path relative to it.
    pub fn cache_url(&self, relative: &Path) -> String {
        let parts: Vec<String> = relative
            .components()
            .filter_map(|c| match c {
                Component::Normal(s) => Some(percent_encode(&s.to_string_lossy())),
                _ => None,
            })
            .collect();
        format!(
            "http://{}/{}/cache/{}",
            self.addr,
            self.token,
            parts.join("/")
        )
    }
}

fn random_token() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 24];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

async fn accept_loop(listener: TcpListener, shared: Arc<Shared>, stop: CancellationToken) {
    let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    loop {
        let accepted = tokio::select! {
            _ = stop.cancelled() => return,
            a = listener.accept() => a,
        };
        let (stream, peer) = match accepted {
            Ok(a) => a,
            Err(e) => {
                tracing::debug!("media server: accept failed: {e}");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        if !peer.ip().is_loopback() {
            continue;
        }
        let Ok(permit) = slots.clone().acquire_owned().await else {
            return;
        };
        let shared = shared.clone();
        let stop = stop.clone();
        tokio::spawn(async move {
            tokio::select! {
                _ = stop.cancelled() => {}
                r = serve_connection(stream, &shared) => {
                    if let Err(e) = r {
                        tracing::trace!("media server: connection ended: {e}");
                    }
                }
            }
            drop(permit);
        });
    }
}

/// One parsed request head.
#[derive(Debug)]
struct Request {
    method: String,
    target: String,
    host: Option<String>,
    range: Option<String>,
    close: bool,
}

async fn read_head(reader: &mut BufReader<TcpStream>) -> io::Result<Option<Request>> {
    let mut head = Vec::new();
    loop {
        let before = head.len();
        let n = (&mut *reader)
            .take((MAX_HEAD + 1 - head.len()) as u64)
            .read_until(b'\n', &mut head)
            .await?;
        if n == 0 {
            if head.is_empty() {
                return Ok(None);
            }
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "request cut short",
            ));
        }
        if head.len() > MAX_HEAD {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "request head too long",
            ));
        }
        let line = &head[before..];
        if line == b"\r\n" || line == b"\n" {
            if before == 0 {
                // Blank lines before a request are allowed; skip them.
                head.clear();
                continue;
            }
            break;
        }
    }
    let text = String::from_utf8_lossy(&head);
    let mut lines = text.lines();
    let request_line = lines.next().unwrap_or_default();
    let mut parts = request_line.split_whitespace();
    let method = parts.next().unwrap_or_default().to_owned();
    let target = parts.next().unwrap_or_default().to_owned();
    let version = parts.next().unwrap_or_default().to_owned();
    let mut req = Request {
        method,
        target,
        host: None,
        range: None,
        close: version == "HTTP/1.0",
    };
    for line in lines {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim();
        match name.trim().to_ascii_lowercase().as_str() {
            "host" => req.host = Some(value.to_ascii_lowercase()),
            "range" => req.range = Some(value.to_owned()),
            "connection" => {
                let v = value.to_ascii_lowercase();
                if v.contains("close") {
                    req.close = true;
                } else if v.contains("keep-alive") {
                    req.close = false;
                }
            }
            _ => {}
        }
    }
    Ok(Some(req))
}

async fn serve_connection(stream: TcpStream, shared: &Shared) -> io::Result<()> {
    let mut reader = BufReader::new(stream);
    loop {
        let head = match tokio::time::timeout(IDLE_TIMEOUT, read_head(&mut reader)).await {
            Err(_) => return Ok(()),
            Ok(Ok(None)) => return Ok(()),
            Ok(Ok(Some(r))) => r,
            Ok(Err(e)) if e.kind() == io::ErrorKind::InvalidData => {
                let mut stream = reader.into_inner();
                write_status(&mut stream, 431, "Request Header Fields Too Large", true).await?;
                // Read what the client still sends, so closing does not reset the connection
                // before it has read the answer.
                stream.shutdown().await.ok();
                let mut sink = vec![0u8; 64 * 1024];
                let _ = tokio::time::timeout(Duration::from_secs(1), async {
                    while let Ok(n) = stream.read(&mut sink).await {
                        if n == 0 {
                            break;
                        }
                    }
                })
                .await;
                return Ok(());
            }
            Ok(Err(e)) => return Err(e),
        };
        let close = head.close;
        respond(reader.get_mut(), shared, &head).await?;
        if close {
            reader.get_mut().shutdown().await.ok();
            return Ok(());
        }
    }
}

async fn write_status(
    stream: &mut TcpStream,
    code: u16,
    reason: &str,
    close: bool,
) -> io::Result<()> {
    let body = format!("{code} {reason}\n");
    let head = format!(
        "HTTP/1.1 {code} {reason}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {}\r\nCache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n{}\r\n",
        body.len(),
        if close { "Connection: close\r\n" } else { "" },
    );
    stream.write_all(head.as_bytes()).await?;
    stream.write_all(body.as_bytes()).await?;
    stream.flush().await
}

async fn respond(stream: &mut TcpStream, shared: &Shared, req: &Request) -> io::Result<()> {
    let close = req.close;
    if req.method != "GET" && req.method != "HEAD" {
        return write_status(stream, 405, "Method Not Allowed", close).await;
    }
    let host_ok = req
        .host
        .as_deref()
        .is_some_and(|h| shared.hosts.iter().any(|ok| ok == h));
    if !host_ok {
        return write_status(stream, 403, "Forbidden", close).await;
    }
    let Some(path) = resolve(shared, &req.target).await else {
        return write_status(stream, 404, "Not Found", close).await;
    };
    let mut file = match tokio::fs::File::open(&path).await {
        Ok(f) => f,
        Err(_) => return write_status(stream, 404, "Not Found", close).await,
    };
    let size = file.metadata().await?.len();
    let range = match req.range.as_deref().map(|r| parse_range(r, size)) {
        None | Some(RangeRequest::Ignore) => None,
        Some(RangeRequest::Satisfiable(start, end)) => Some((start, end)),
        Some(RangeRequest::Unsatisfiable) => {
            let head = format!(
                "HTTP/1.1 416 Range Not Satisfiable\r\nContent-Range: bytes */{size}\r\nContent-Length: 0\r\nAccept-Ranges: bytes\r\n{}\r\n",
                if close { "Connection: close\r\n" } else { "" },
            );
            stream.write_all(head.as_bytes()).await?;
            return stream.flush().await;
        }
    };
    let (status, start, len) = match range {
        Some((start, end)) => ("206 Partial Content", start, end - start + 1),
        None => ("200 OK", 0, size),
    };
    let mut head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {}\r\nContent-Length: {len}\r\nAccept-Ranges: bytes\r\nCache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n",
        content_type(&path),
    );
    if let Some((start, end)) = range {
        head.push_str(&format!("Content-Range: bytes {start}-{end}/{size}\r\n"));
    }
    if close {
        head.push_str("Connection: close\r\n");
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).await?;
    if req.method == "GET" && len > 0 {
        file.seek(io::SeekFrom::Start(start)).await?;
        let copied = tokio::io::copy(&mut file.take(len), stream).await?;
        if copied < len {
            // The file shrank under us: the promised length cannot be kept.
            return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "file shrank"));
        }
    }
    stream.flush().await
}

/// The file a request target names, when it is one this server may serve.
async fn resolve(shared: &Shared, target: &str) -> Option<PathBuf> {
    let path = target.split(['?', '#']).next()?;
    let rest = path.strip_prefix('/')?;
    let (token, rest) = rest.split_once('/')?;
    if !constant_time_eq(token.as_bytes(), shared.token.as_bytes()) {
        return None;
    }
    let (kind, rest) = rest.split_once('/')?;
    match kind {
        "video" => {
            let id = percent_decode(rest)?;
            if id.is_empty() || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
                return None;
            }
            let file = (shared.lookup)(id).await?;
            file.is_file().then_some(file)
        }
        "cache" => {
            let cache = shared.cache_dir.as_ref()?;
            let mut file = cache.clone();
            for part in rest.split('/') {
                let part = percent_decode(part)?;
                if part.is_empty()
                    || part == "."
                    || part == ".."
                    || part.contains(['/', '\\', '\0'])
                {
                    return None;
                }
                file.push(part);
            }
            // Links may point anywhere: judge where the path really leads.
            let real = tokio::fs::canonicalize(&file).await.ok()?;
            (real.starts_with(cache) && real.is_file()).then_some(real)
        }
        _ => None,
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// What a `Range` header asks for, for a file of `size` bytes.
#[derive(Debug, PartialEq, Eq)]
enum RangeRequest {
    /// First and last byte, inclusive.
    Satisfiable(u64, u64),
    Unsatisfiable,
    /// Not a single byte range this server handles: send the whole file (RFC 9110 allows it).
    Ignore,
}

fn parse_range(header: &str, size: u64) -> RangeRequest {
    let Some(spec) = header.trim().strip_prefix("bytes=") else {
        return RangeRequest::Ignore;
    };
    if spec.contains(',') {
        return RangeRequest::Ignore;
    }
    let Some((a, b)) = spec.trim().split_once('-') else {
        return RangeRequest::Ignore;
    };
    let (a, b) = (a.trim(), b.trim());
    if a.is_empty() {
        // Suffix: the last N bytes.
        let Ok(n) = b.parse::<u64>() else {
            return RangeRequest::Ignore;
        };
        if n == 0 || size == 0 {
            return RangeRequest::Unsatisfiable;
        }
        return RangeRequest::Satisfiable(size.saturating_sub(n), size - 1);
    }
    let Ok(start) = a.parse::<u64>() else {
        return RangeRequest::Ignore;
    };
    let end = if b.is_empty() {
        size.saturating_sub(1)
    } else {
        match b.parse::<u64>() {
            Ok(e) if e >= start => e.min(size.saturating_sub(1)),
            _ => return RangeRequest::Ignore,
        }
    };
    if start >= size {
        return RangeRequest::Unsatisfiable;
    }
    RangeRequest::Satisfiable(start, end)
}

fn content_type(path: &Path) -> &'static str {
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "mp4" | "m4v" => "video/mp4",
        "mov" => "video/quicktime",
        "mkv" => "video/x-matroska",
        "webm" => "video/webm",
        "avi" => "video/x-msvideo",
        "ts" | "mts" | "m2ts" => "video/mp2t",
        "mpg" | "mpeg" => "video/mpeg",
        "ogv" => "video/ogg",
        "3gp" => "video/3gpp",
        "wmv" => "video/x-ms-wmv",
        "flv" => "video/x-flv",
        "jpg" | "jpeg" => "image/jpeg",
        "png" => "image/png",
        "webp" => "image/webp",
        "vtt" => "text/vtt; charset=utf-8",
        _ => "application/octet-stream",
    }
}

fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn ranges_parse() {
        use RangeRequest::*;
        assert_eq!(parse_range("bytes=0-99", 1000), Satisfiable(0, 99));
        assert_eq!(parse_range("bytes=100-", 1000), Satisfiable(100, 999));
        assert_eq!(parse_range("bytes=-10", 1000), Satisfiable(990, 999));
        assert_eq!(parse_range("bytes=-5000", 1000), Satisfiable(0, 999));
        assert_eq!(parse_range("bytes=900-5000", 1000), Satisfiable(900, 999));
        assert_eq!(parse_range("bytes=1000-", 1000), Unsatisfiable);
        assert_eq!(parse_range("bytes=-0", 1000), Unsatisfiable);
        assert_eq!(parse_range("bytes=0-", 0), Unsatisfiable);
        assert_eq!(parse_range("bytes=5-3", 1000), Ignore);
        assert_eq!(parse_range("bytes=0-1,5-6", 1000), Ignore);
        assert_eq!(parse_range("items=0-1", 1000), Ignore);
        assert_eq!(parse_range("bytes=x-1", 1000), Ignore);
    }

    #[test]
    fn percent_coding_round_trips() {
        let s = "a b/ü%.jpg";
        assert_eq!(percent_decode(&percent_encode(s)).as_deref(), Some(s));
        assert_eq!(percent_decode("%zz"), None);
        assert_eq!(percent_decode("%4"), None);
    }

    struct Fixture {
        _dir: tempfile::TempDir,
        server: MediaServer,
        video: Vec<u8>,
        outside: PathBuf,
    }

    async fn fixture() -> Fixture {
        let dir = tempfile::tempdir().expect("tempdir");
        let video: Vec<u8> = (0..10_000u32).map(|i| (i % 251) as u8).collect();
        let video_path = dir.path().join("clip one.mp4");
        std::fs::write(&video_path, &video).expect("write video");
        let cache = dir.path().join("cache");
        std::fs::create_dir_all(cache.join("videos/abc")).expect("mkdir");
        std::fs::write(cache.join("videos/abc/thumb 1.jpg"), b"jpeg").expect("write thumb");
        let outside = dir.path().join("secret.txt");
        std::fs::write(&outside, b"secret").expect("write secret");
        let known: HashMap<String, PathBuf> = [("0123456789abcdef".to_owned(), video_path)].into();
        let known = Arc::new(known);
        let lookup: VideoLookup = Arc::new(move |id| {
            let known = known.clone();
            Box::pin(async move { known.get(&id).cloned() })
        });
        let server = MediaServer::start(lookup, Some(cache))
            .await
            .expect("server starts");
        Fixture {
            _dir: dir,
            server,
            video,
            outside,
        }
    }

    struct Response {
        status: u16,
        headers: HashMap<String, String>,
        body: Vec<u8>,
    }

    /// Sends raw requests on one connection and reads one response per request.
    async fn exchange(addr: SocketAddr, requests: &[String], head_only: bool) -> Vec<Response> {
        let mut stream = TcpStream::connect(addr).await.expect("connects");
        let mut out = Vec::new();
        let mut reader = {
            for r in requests {
                stream.write_all(r.as_bytes()).await.expect("writes");
            }
            BufReader::new(stream)
        };
        for _ in requests {
            let mut status_line = String::new();
            reader.read_line(&mut status_line).await.expect("status");
            let status: u16 = status_line
                .split_whitespace()
                .nth(1)
                .expect("status code")
                .parse()
                .expect("number");
            let mut headers = HashMap::new();
            loop {
                let mut line = String::new();
                reader.read_line(&mut line).await.expect("header");
                let line = line.trim_end();
                if line.is_empty() {
                    break;
                }
                let (k, v) = line.split_once(':').expect("header line");
                headers.insert(k.to_ascii_lowercase(), v.trim().to_owned());
            }
            let len: usize = headers
                .get("content-length")
                .map_or(0, |v| v.parse().expect("length"));
            let mut body = vec![0u8; if head_only { 0 } else { len }];
            reader.read_exact(&mut body).await.expect("body");
            out.push(Response {
                status,
                headers,
                body,
            });
        }
        out
    }

    fn get(path: &str, host: &str, extra: &str) -> String {
        format!("GET {path} HTTP/1.1\r\nHost: {host}\r\n{extra}\r\n")
    }

    fn url_path(url: &str) -> String {
        let rest = url.strip_prefix("http://").expect("http url");
        rest[rest.find('/').expect("path")..].to_owned()
    }

    #[tokio::test]
    async fn serves_a_library_video_whole_and_by_ranges() {
        let f = fixture().await;
        let addr = f.server.addr();
        assert!(addr.ip().is_loopback());
        let host = format!("127.0.0.1:{}", addr.port());
        let path = url_path(&f.server.video_url("0123456789abcdef"));
        let r = exchange(
            addr,
            &[
                get(&path, &host, ""),
                get(&path, &host, "Range: bytes=100-199\r\n"),
                get(&path, &host, "Range: bytes=-10\r\n"),
                get(&path, &host, "Range: bytes=9990-\r\n"),
                get(&path, &host, "Range: bytes=20000-\r\n"),
            ],
            false,
        )
        .await;
        assert_eq!(r[0].status, 200);
        assert_eq!(r[0].body, f.video);
        assert_eq!(r[0].headers["content-type"], "video/mp4");
        assert_eq!(r[0].headers["accept-ranges"], "bytes");
        assert_eq!(r[1].status, 206);
        assert_eq!(r[1].headers["content-range"], "bytes 100-199/10000");
        assert_eq!(r[1].body, &f.video[100..200]);
        assert_eq!(r[2].status, 206);
        assert_eq!(r[2].body, &f.video[9990..]);
        assert_eq!(r[3].headers["content-range"], "bytes 9990-9999/10000");
        assert_eq!(r[4].status, 416);
        assert_eq!(r[4].headers["content-range"], "bytes */10000");
    }

    #[tokio::test]
    async fn head_sends_no_body() {
        let f = fixture().await;
        let host = format!("localhost:{}", f.server.addr().port());
        let path = url_path(&f.server.video_url("0123456789abcdef"));
        let req = format!("HEAD {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
        let mut stream = TcpStream::connect(f.server.addr()).await.expect("connects");
        stream.write_all(req.as_bytes()).await.expect("writes");
        let mut all = String::new();
        stream
            .read_to_string(&mut all)
            .await
            .expect("reads to close");
        assert!(all.starts_with("HTTP/1.1 200"), "{all}");
        assert!(all.contains("Content-Length: 10000"), "{all}");
        assert!(all.ends_with("\r\n\r\n"), "no body after a HEAD: {all}");
    }

    #[tokio::test]
    async fn serves_cache_files_only() {
        let f = fixture().await;
        let addr = f.server.addr();
        let host = format!("127.0.0.1:{}", addr.port());
        let thumb = url_path(&f.server.cache_url(Path::new("videos/abc/thumb 1.jpg")));
        let token = &f.server.token;
        let escapes = [
            format!("/{token}/cache/../secret.txt"),
            format!("/{token}/cache/videos/..%2F..%2Fsecret.txt"),
            format!("/{token}/cache/%2E%2E/secret.txt"),
            format!("/{token}/cache/videos"),
            format!("/{token}/cache/missing.jpg"),
        ];
        let mut requests = vec![get(&thumb, &host, "")];
        requests.extend(escapes.iter().map(|p| get(p, &host, "")));
        let r = exchange(addr, &requests, false).await;
        assert_eq!(r[0].status, 200);
        assert_eq!(r[0].body, b"jpeg");
        assert_eq!(r[0].headers["content-type"], "image/jpeg");
        for (resp, path) in r[1..].iter().zip(&escapes) {
            assert_eq!(resp.status, 404, "{path} must not be served");
        }
        assert!(f.outside.is_file());
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn refuses_links_out_of_the_cache() {
        let f = fixture().await;
        let cache = f.server_cache();
        std::os::unix::fs::symlink(&f.outside, cache.join("link.txt")).expect("symlink");
        let host = format!("127.0.0.1:{}", f.server.addr().port());
        let path = url_path(&f.server.cache_url(Path::new("link.txt")));
        let r = exchange(f.server.addr(), &[get(&path, &host, "")], false).await;
        assert_eq!(r[0].status, 404);
    }

    impl Fixture {
        fn server_cache(&self) -> PathBuf {
            self._dir.path().join("cache")
        }
    }

    #[tokio::test]
    async fn refuses_wrong_token_host_method_and_unknown_videos() {
        let f = fixture().await;
        let addr = f.server.addr();
        let host = format!("127.0.0.1:{}", addr.port());
        let good = url_path(&f.server.video_url("0123456789abcdef"));
        let wrong_token = good.replacen(&f.server.token, &"0".repeat(48), 1);
        let unknown = url_path(&f.server.video_url("ffffffffffffffff"));
        let r = exchange(
            addr,
            &[
                get(&wrong_token, &host, ""),
                get(&good, "evil.example:80", ""),
                get(&good, &format!("127.0.0.1:{}", addr.port() ^ 1), ""),
                format!("POST {good} HTTP/1.1\r\nHost: {host}\r\nContent-Length: 0\r\n\r\n"),
                get(&unknown, &host, ""),
                get("/", &host, ""),
                get(&good, &host, ""),
            ],
            false,
        )
        .await;
        assert_eq!(r[0].status, 404, "wrong token");
        assert_eq!(r[1].status, 403, "foreign host");
        assert_eq!(r[2].status, 403, "other port");
        assert_eq!(r[3].status, 405, "POST");
        assert_eq!(r[4].status, 404, "unknown video");
        assert_eq!(r[5].status, 404, "no token");
        assert_eq!(r[6].status, 200, "the connection still works");
        // No Host header at all.
        let req = format!("GET {good} HTTP/1.0\r\n\r\n");
        let mut stream = TcpStream::connect(addr).await.expect("connects");
        stream.write_all(req.as_bytes()).await.expect("writes");
        let mut all = String::new();
        stream.read_to_string(&mut all).await.expect("reads");
        assert!(all.starts_with("HTTP/1.1 403"), "{all}");
    }

    #[tokio::test]
    async fn rejects_oversized_heads() {
        let f = fixture().await;
        let host = format!("127.0.0.1:{}", f.server.addr().port());
        let req = format!(
            "GET / HTTP/1.1\r\nHost: {host}\r\nX-Big: {}\r\n\r\n",
            "a".repeat(MAX_HEAD)
        );
        let mut stream = TcpStream::connect(f.server.addr()).await.expect("connects");
        stream.write_all(req.as_bytes()).await.ok();
        let mut all = String::new();
        stream.read_to_string(&mut all).await.ok();
        assert!(all.starts_with("HTTP/1.1 431"), "{all}");
    }

    #[tokio::test]
    async fn stops_when_dropped() {
        let f = fixture().await;
        let addr = f.server.addr();
        drop(f.server);
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(TcpStream::connect(addr).await.is_err());
    }
}
