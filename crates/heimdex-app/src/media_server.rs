//! A loopback HTTP server that streams library videos (and cache files) to the window.
//!
//! WebKitGTK cannot play video from Tauri's asset protocol (GStreamer does not read custom URI
//! schemes), but it plays and seeks over plain HTTP with range requests. So the window gets URLs
//! like `http://127.0.0.1:PORT/TOKEN/video/VIDEO_ID`, and this server guarantees:
//! - it listens on 127.0.0.1 only, on a port the OS picks, and serves loopback peers only;
//! - it answers only paths under a random per-run token, compared in constant time, so a page
//!   elsewhere cannot guess the URL (`404` otherwise);
//! - it answers only when the `Host` header (and an absolute-form target) names this address,
//!   `127.0.0.1:PORT` or `localhost:PORT`, so a DNS-rebound page gets `403`;
//! - it answers `GET` and `HEAD` only (`405` otherwise);
//! - it serves only videos the library knows (looked up by id, never a path from the URL) and
//!   regular files under the cache directory: the decoded path may hold no `.`, `..` or empty
//!   segment, and its real path (links resolved) must stay inside the directory (`404` otherwise);
//! - it stays bounded and responsive: at most [`MAX_CONNECTIONS`] connections are open, and when
//!   all are taken a new one closes the oldest that is between requests (idle, or still sending
//!   its head), so idle and slow clients cannot lock the player out; a request head must arrive
//!   within [`HEAD_TIMEOUT`] (the keep-alive wait too) and fit in [`MAX_HEAD`] bytes (`431`).
//!
//! The HTTP itself is hyper's (parsing, keep-alive, limits), axum's (routing) and tower-http's
//! [`ServeFile`]'s (`Range` with `206`/`416`, `HEAD`, `Content-Type`, conditional requests).

use axum::body::{Body, Bytes, HttpBody};
use axum::extract::{Path as Params, Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use http_body::{Frame, SizeHint};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use std::collections::BTreeMap;
use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Component, Path, PathBuf};
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;
use subtle::ConstantTimeEq;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;
use tower_http::services::ServeFile;

/// Finds the file of a library video by its id (`None` when the library has no such video).
pub type VideoLookup =
    Arc<dyn Fn(String) -> Pin<Box<dyn Future<Output = Option<PathBuf>> + Send>> + Send + Sync>;

/// Longest request head accepted (request line + headers); hyper accepts no less than 8 KiB.
const MAX_HEAD: usize = 16 * 1024;
/// How long a request head may take to arrive, counted from the end of the previous answer.
const HEAD_TIMEOUT: Duration = Duration::from_secs(10);
/// Connections open at the same time.
const MAX_CONNECTIONS: usize = 256;
/// What a URL path segment escapes: everything but RFC 3986's unreserved characters.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// The running server; stops when dropped.
pub struct MediaServer {
    addr: SocketAddr,
    token: String,
    stop: CancellationToken,
    #[cfg(test)]
    pool: Arc<Pool>,
}

impl Drop for MediaServer {
    fn drop(&mut self) {
        self.stop.cancel();
    }
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
            // Canonical, so the prefix check compares like with like.
            cache_dir: cache_dir.and_then(|d| d.canonicalize().ok()),
            lookup,
        });
        let stop = CancellationToken::new();
        let pool = Arc::new(Pool::new(MAX_CONNECTIONS));
        tokio::spawn(accept_loop(
            listener,
            router(shared),
            pool.clone(),
            stop.clone(),
        ));
        Ok(Self {
            addr,
            token,
            stop,
            #[cfg(test)]
            pool,
        })
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
            encode_segment(video_id)
        )
    }

    /// The URL of a file under the cache directory, by its path relative to it.
    pub fn cache_url(&self, relative: &Path) -> String {
        let parts: Vec<String> = relative
            .components()
            .filter_map(|c| match c {
                Component::Normal(s) => Some(encode_segment(&s.to_string_lossy())),
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

fn encode_segment(s: &str) -> String {
    utf8_percent_encode(s, SEGMENT).to_string()
}

// --- Connections -----------------------------------------------------------------------------

async fn accept_loop(listener: TcpListener, app: Router, pool: Arc<Pool>, stop: CancellationToken) {
    loop {
        let accepted = tokio::select! {
            _ = stop.cancelled() => return,
            a = listener.accept() => a,
        };
        let stream = match accepted {
            Ok((stream, peer)) if peer.ip().is_loopback() => stream,
            Ok(_) => continue,
            Err(e) => {
                // Out of descriptors, most likely: let some connections end.
                tracing::debug!("media server: accept failed: {e}");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let Some(slot) = pool.slot(&stop).await else {
            return;
        };
        tokio::spawn(serve_connection(stream, app.clone(), slot));
    }
}

/// Serves one connection until the client leaves, a limit closes it, its slot is taken by a
/// newer connection or the server stops.
async fn serve_connection(stream: TcpStream, app: Router, slot: Slot) {
    let conn = slot.0.clone();
    let app = TowerToHyperService::new(app);
    let service = hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
        let busy = conn.busy();
        let answer = hyper::service::Service::call(&app, req);
        async move {
            let response = answer.await?;
            Ok::<_, Infallible>(response.map(|body| Tracked { body, _busy: busy }))
        }
    });
    let connection = http1_builder().serve_connection(TokioIo::new(stream), service);
    tokio::select! {
        _ = slot.0.conn.close.cancelled() => {}
        r = connection => {
            if let Err(e) = r {
                tracing::trace!("media server: connection ended: {e}");
            }
        }
    }
}

fn http1_builder() -> http1::Builder {
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(HEAD_TIMEOUT)
        .max_buf_size(MAX_HEAD);
    builder
}

/// The open connections, oldest first; a full pool makes room by closing an idle one.
struct Pool {
    limit: usize,
    state: Mutex<PoolState>,
    /// Signalled when a connection ends or finishes answering.
    freed: Notify,
}

#[derive(Default)]
struct PoolState {
    next_id: u64,
    open: BTreeMap<u64, Arc<Conn>>,
}

/// One open connection: how many of its requests are being answered, and how to close it.
struct Conn {
    id: u64,
    in_flight: AtomicUsize,
    close: CancellationToken,
}

impl Pool {
    fn new(limit: usize) -> Self {
        Self {
            limit,
            state: Mutex::default(),
            freed: Notify::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, PoolState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Registers a new connection, closing the oldest idle one when the pool is full; `None`
    /// when every open connection is answering a request.
    fn admit(self: &Arc<Self>, stop: &CancellationToken) -> Option<Slot> {
        let mut state = self.lock();
        if state.open.len() >= self.limit {
            let idle = state
                .open
                .values()
                .find(|c| c.in_flight.load(Ordering::Acquire) == 0)?
                .id;
            if let Some(evicted) = state.open.remove(&idle) {
                evicted.close.cancel();
            }
        }
        state.next_id += 1;
        let conn = Arc::new(Conn {
            id: state.next_id,
            in_flight: AtomicUsize::new(0),
            close: stop.child_token(),
        });
        state.open.insert(conn.id, conn.clone());
        Some(Slot(ConnHandle {
            pool: self.clone(),
            conn,
        }))
    }

    /// Waits until a connection can be admitted (`None` once the server stops).
    async fn slot(self: &Arc<Self>, stop: &CancellationToken) -> Option<Slot> {
        loop {
            if let Some(slot) = self.admit(stop) {
                return Some(slot);
            }
            tokio::select! {
                _ = stop.cancelled() => return None,
                _ = self.freed.notified() => {}
            }
        }
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.lock().open.len()
    }
}

#[derive(Clone)]
struct ConnHandle {
    pool: Arc<Pool>,
    conn: Arc<Conn>,
}

impl ConnHandle {
    fn busy(&self) -> Busy {
        self.conn.in_flight.fetch_add(1, Ordering::AcqRel);
        Busy(self.clone())
    }
}

/// A connection's place in the pool, given back when the connection ends.
struct Slot(ConnHandle);

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.pool.lock().open.remove(&self.0.conn.id);
        self.0.pool.freed.notify_one();
    }
}

/// Marks a connection as answering a request (not to be closed for room) while it lives.
struct Busy(ConnHandle);

impl Drop for Busy {
    fn drop(&mut self) {
        if self.0.conn.in_flight.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.0.pool.freed.notify_one();
        }
    }
}

/// A response body that keeps its connection busy until it is sent (or dropped).
struct Tracked {
    body: Body,
    _busy: Busy,
}

impl HttpBody for Tracked {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        Pin::new(&mut self.body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

// --- Requests --------------------------------------------------------------------------------

struct Shared {
    token: String,
    hosts: [String; 2],
    cache_dir: Option<PathBuf>,
    lookup: VideoLookup,
}

impl Shared {
    fn token_matches(&self, token: &str) -> bool {
        token.as_bytes().ct_eq(self.token.as_bytes()).into()
    }

    fn is_own_host(&self, host: &str) -> bool {
        self.hosts.iter().any(|ok| ok.eq_ignore_ascii_case(host))
    }
}

/// Why a request gets no file.
#[derive(Debug, thiserror::Error)]
enum Refusal {
    #[error("only GET and HEAD are answered")]
    Method,
    #[error("the Host header does not name this server")]
    Host,
    #[error("no such video or file")]
    NotFound,
    #[error("the file could not be read")]
    Unreadable,
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let status = match self {
            Refusal::Method => StatusCode::METHOD_NOT_ALLOWED,
            Refusal::Host => StatusCode::FORBIDDEN,
            Refusal::NotFound => StatusCode::NOT_FOUND,
            Refusal::Unreadable => StatusCode::INTERNAL_SERVER_ERROR,
        };
        let mut response = (status, format!("{self}\n")).into_response();
        if let Refusal::Method = self {
            let allow = HeaderValue::from_static("GET, HEAD");
            response.headers_mut().insert(header::ALLOW, allow);
        }
        response
    }
}

fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/{token}/video/{id}", get(video))
        .route("/{token}/cache/{*path}", get(cache_file))
        // Also wraps the fallback: unknown paths are judged the same way first.
        .layer(middleware::from_fn_with_state(shared.clone(), guard))
        .with_state(shared)
}

/// Refuses other methods and foreign hosts before routing; marks every answer private.
async fn guard(State(shared): State<Arc<Shared>>, req: Request, next: Next) -> Response {
    let mut response = match check_request(&shared, &req) {
        Ok(()) => next.run(req).await,
        Err(refusal) => refusal.into_response(),
    };
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    let nosniff = HeaderValue::from_static("nosniff");
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, nosniff);
    response
}

fn check_request(shared: &Shared, req: &Request) -> Result<(), Refusal> {
    if req.method() != Method::GET && req.method() != Method::HEAD {
        return Err(Refusal::Method);
    }
    let mut hosts = req.headers().get_all(header::HOST).iter();
    let host = match (hosts.next(), hosts.next()) {
        (Some(host), None) => host.to_str().ok(),
        _ => None,
    };
    let host_ok = host.is_some_and(|h| shared.is_own_host(h));
    let target_ok = req
        .uri()
        .authority()
        .is_none_or(|a| shared.is_own_host(a.as_str()));
    if host_ok && target_ok {
        Ok(())
    } else {
        Err(Refusal::Host)
    }
}

async fn video(
    State(shared): State<Arc<Shared>>,
    Params((token, id)): Params<(String, String)>,
    req: Request,
) -> Response {
    answer(video_file(&shared, &token, id).await, req).await
}

async fn cache_file(
    State(shared): State<Arc<Shared>>,
    Params((token, relative)): Params<(String, String)>,
    req: Request,
) -> Response {
    answer(cache_path(&shared, &token, &relative).await, req).await
}

async fn answer(file: Result<Opened, Refusal>, req: Request) -> Response {
    match file {
        Ok(file) => serve_file(&file, req).await,
        Err(refusal) => refusal.into_response(),
    }
}

/// A file to send: the path ServeFile opens, the name its type is judged by, and (on Linux) the
/// file we opened and checked, held open until ServeFile has opened it again through
/// `/proc/self/fd`, so a link swapped in after the check cannot redirect the read.
struct Opened {
    open: PathBuf,
    name: PathBuf,
    _held: Option<std::fs::File>,
}

impl Opened {
    fn by_path(path: PathBuf) -> Self {
        Self {
            open: path.clone(),
            name: path,
            _held: None,
        }
    }
}

/// The file of a library video, by its id (letters, digits and `-` only).
async fn video_file(shared: &Shared, token: &str, id: String) -> Result<Opened, Refusal> {
    let id_ok = !id.is_empty() && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    if !shared.token_matches(token) || !id_ok {
        return Err(Refusal::NotFound);
    }
    let file = (shared.lookup)(id).await.ok_or(Refusal::NotFound)?;
    regular_file(file).await.map(Opened::by_path)
}

/// A file under the cache directory, by its decoded path relative to it.
async fn cache_path(shared: &Shared, token: &str, relative: &str) -> Result<Opened, Refusal> {
    if !shared.token_matches(token) {
        return Err(Refusal::NotFound);
    }
    let cache = shared.cache_dir.as_deref().ok_or(Refusal::NotFound)?;
    let joined = join_under(cache, relative).ok_or(Refusal::NotFound)?;
    // Links may point anywhere: judge where the path really leads.
    let real = tokio::fs::canonicalize(&joined)
        .await
        .map_err(|_| Refusal::NotFound)?;
    if !real.starts_with(cache) {
        return Err(Refusal::NotFound);
    }
    pin_under(cache.to_path_buf(), real).await
}

/// Opens `real` and checks where the open file really is (the check and the open are one step:
/// a folder swapped for a link after `canonicalize` is caught here), then serves that open file.
#[cfg(target_os = "linux")]
async fn pin_under(cache: PathBuf, real: PathBuf) -> Result<Opened, Refusal> {
    use std::os::fd::AsRawFd;
    use std::os::unix::fs::OpenOptionsExt;
    tokio::task::spawn_blocking(move || {
        let file = std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
            .open(&real)
            .map_err(|_| Refusal::NotFound)?;
        let open = PathBuf::from(format!("/proc/self/fd/{}", file.as_raw_fd()));
        let at = std::fs::read_link(&open).map_err(|_| Refusal::NotFound)?;
        let regular = file.metadata().is_ok_and(|m| m.is_file());
        if !regular || !at.starts_with(&cache) {
            return Err(Refusal::NotFound);
        }
        Ok(Opened {
            open,
            name: real,
            _held: Some(file),
        })
    })
    .await
    .map_err(|_| Refusal::NotFound)?
}

/// Elsewhere the check above and ServeFile's open stay two steps (SECURITY.md).
#[cfg(not(target_os = "linux"))]
async fn pin_under(_cache: PathBuf, real: PathBuf) -> Result<Opened, Refusal> {
    regular_file(real).await.map(Opened::by_path)
}

/// `relative` (`/`-separated) under `dir`, when every segment is a plain name.
fn join_under(dir: &Path, relative: &str) -> Option<PathBuf> {
    let mut path = dir.to_path_buf();
    for part in relative.split('/') {
        if part.is_empty() || part == "." || part == ".." || part.contains(['\\', '\0']) {
            return None;
        }
        path.push(part);
    }
    Some(path)
}

async fn regular_file(path: PathBuf) -> Result<PathBuf, Refusal> {
    match tokio::fs::metadata(&path).await {
        Ok(meta) if meta.is_file() => Ok(path),
        _ => Err(Refusal::NotFound),
    }
}

/// Sends `file` as `req` asks: whole, one byte range, or its head only.
async fn serve_file(file: &Opened, req: Request) -> Response {
    let kind = mime_guess::from_path(&file.name).first_or_octet_stream();
    match ServeFile::new_with_mime(&file.open, &kind)
        .try_call(req)
        .await
    {
        Ok(response) => {
            let mut response = response.map(Body::new);
            if let Some(kind) = content_type_override(&file.name) {
                let kind = HeaderValue::from_static(kind);
                response.headers_mut().insert(header::CONTENT_TYPE, kind);
            }
            response
        }
        Err(e) => {
            tracing::debug!("media server: cannot read {}: {e}", file.name.display());
            Refusal::Unreadable.into_response()
        }
    }
}

/// Types GStreamer knows by another name than `mime_guess` gives, and the charset of subtitles.
fn content_type_override(file: &Path) -> Option<&'static str> {
    let ext = file.extension()?.to_str()?.to_ascii_lowercase();
    match ext.as_str() {
        "ts" | "mts" | "m2ts" => Some("video/mp2t"),
        "m4v" => Some("video/mp4"),
        "vtt" => Some("text/vtt; charset=utf-8"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;
    use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};

    const VIDEO_ID: &str = "0123456789abcdef";

    #[test]
    fn urls_encode_names_and_paths_keep_plain_segments() {
        let name = "a b/ü%.jpg";
        let encoded = encode_segment(name);
        assert_eq!(encoded, "a%20b%2F%C3%BC%25.jpg");
        let decoded = percent_encoding::percent_decode_str(&encoded).decode_utf8();
        assert_eq!(decoded.ok().as_deref(), Some(name));
        let dir = Path::new("/cache");
        assert_eq!(
            join_under(dir, "videos/abc/t.jpg"),
            Some(dir.join("videos/abc/t.jpg"))
        );
        for bad in [
            "", "../x", "a/../b", "./a", "a//b", "a/", "a\\..\\b", "a\0b",
        ] {
            assert_eq!(join_under(dir, bad), None, "{bad:?}");
        }
        assert_eq!(content_type_override(Path::new("a.TS")), Some("video/mp2t"));
        assert_eq!(content_type_override(Path::new("a.mp4")), None);
    }

    #[test]
    fn a_full_pool_closes_its_oldest_idle_connection() {
        let stop = CancellationToken::new();
        let pool = Arc::new(Pool::new(2));
        let a = pool.admit(&stop).expect("room");
        let b = pool.admit(&stop).expect("room");
        let a_busy = a.0.busy();
        let c = pool.admit(&stop).expect("b is idle");
        assert!(!a.0.conn.close.is_cancelled(), "a is answering");
        assert!(b.0.conn.close.is_cancelled(), "b was the oldest idle one");
        assert_eq!(pool.len(), 2);
        let c_busy = c.0.busy();
        assert!(pool.admit(&stop).is_none(), "every connection is answering");
        drop(b);
        assert_eq!(pool.len(), 2, "a closed connection frees no second slot");
        drop(a_busy);
        let d = pool.admit(&stop).expect("a is idle again");
        assert!(a.0.conn.close.is_cancelled());
        drop((a, c, c_busy, d));
        assert_eq!(pool.len(), 0);
        stop.cancel();
    }

    struct Fixture {
        dir: tempfile::TempDir,
        server: MediaServer,
        video: Vec<u8>,
        outside: PathBuf,
    }

    impl Fixture {
        fn cache(&self) -> PathBuf {
            self.dir.path().join("cache")
        }

        fn host(&self) -> String {
            format!("127.0.0.1:{}", self.server.addr().port())
        }
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
        let known: HashMap<String, PathBuf> = [(VIDEO_ID.to_owned(), video_path)].into();
        let known = Arc::new(known);
        let lookup: VideoLookup = Arc::new(move |id| {
            let known = known.clone();
            Box::pin(async move { known.get(&id).cloned() })
        });
        let server = MediaServer::start(lookup, Some(cache))
            .await
            .expect("server starts");
        Fixture {
            dir,
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
        for r in requests {
            stream.write_all(r.as_bytes()).await.expect("writes");
        }
        let mut reader = BufReader::new(stream);
        let mut out = Vec::new();
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

    /// Sends one raw request and reads until the server closes the connection.
    async fn send_and_read_all(addr: SocketAddr, request: &str) -> String {
        let mut stream = TcpStream::connect(addr).await.expect("connects");
        stream.write_all(request.as_bytes()).await.ok();
        let mut all = Vec::new();
        stream.read_to_end(&mut all).await.ok();
        String::from_utf8_lossy(&all).into_owned()
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
        let host = f.host();
        let path = url_path(&f.server.video_url(VIDEO_ID));
        let r = exchange(
            addr,
            &[
                get(&path, &host, ""),
                get(&path, &host, "Range: bytes=0-99\r\n"),
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
        assert_eq!(r[0].headers["cache-control"], "no-store");
        assert_eq!(r[0].headers["x-content-type-options"], "nosniff");
        assert_eq!(r[1].status, 206);
        assert_eq!(r[1].headers["content-range"], "bytes 0-99/10000");
        assert_eq!(r[1].body, &f.video[..100]);
        assert_eq!(r[2].status, 206);
        assert_eq!(r[2].headers["content-range"], "bytes 100-199/10000");
        assert_eq!(r[2].body, &f.video[100..200]);
        assert_eq!(r[3].status, 206, "suffix range");
        assert_eq!(r[3].headers["content-range"], "bytes 9990-9999/10000");
        assert_eq!(r[3].body, &f.video[9990..]);
        assert_eq!(r[4].status, 206);
        assert_eq!(r[4].headers["content-range"], "bytes 9990-9999/10000");
        assert_eq!(r[5].status, 416);
        assert_eq!(r[5].headers["content-range"], "bytes */10000");
    }

    #[tokio::test]
    async fn head_sends_no_body() {
        let f = fixture().await;
        let host = format!("localhost:{}", f.server.addr().port());
        let path = url_path(&f.server.video_url(VIDEO_ID));
        let req = format!("HEAD {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
        let all = send_and_read_all(f.server.addr(), &req).await;
        assert!(all.starts_with("HTTP/1.1 200"), "{all}");
        let lower = all.to_ascii_lowercase();
        assert!(lower.contains("content-length: 10000\r\n"), "{all}");
        assert!(lower.contains("content-type: video/mp4\r\n"), "{all}");
        assert!(all.ends_with("\r\n\r\n"), "no body after a HEAD: {all}");
    }

    #[tokio::test]
    async fn serves_cache_files_only() {
        let f = fixture().await;
        let addr = f.server.addr();
        let host = f.host();
        let thumb = url_path(&f.server.cache_url(Path::new("videos/abc/thumb 1.jpg")));
        let token = &f.server.token;
        let escapes = [
            format!("/{token}/cache/../secret.txt"),
            format!("/{token}/cache/videos/../../secret.txt"),
            format!("/{token}/cache/videos/..%2F..%2Fsecret.txt"),
            format!("/{token}/cache/videos/..%2f..%2fsecret.txt"),
            format!("/{token}/cache/%2E%2E/secret.txt"),
            format!("/{token}/cache/%2e%2e/secret.txt"),
            format!("/{token}/cache/%2e%2e%2fsecret.txt"),
            format!("/{token}/cache/%2Fetc%2Fpasswd"),
            format!("/{token}/cache/videos/abc/..%5C..%5C..%5Csecret.txt"),
            format!("/{token}/cache/videos/./abc/thumb%201.jpg"),
            format!("/{token}/cache/videos"),
            format!("/{token}/cache/missing.jpg"),
            format!("/{token}/video/..%2Fsecret.txt"),
        ];
        let mut requests = vec![get(&thumb, &host, "")];
        requests.extend(escapes.iter().map(|p| get(p, &host, "")));
        let r = exchange(addr, &requests, false).await;
        assert_eq!(r[0].status, 200);
        assert_eq!(r[0].body, b"jpeg");
        assert_eq!(r[0].headers["content-type"], "image/jpeg");
        for (resp, path) in r[1..].iter().zip(&escapes) {
            assert_eq!(resp.status, 404, "{path} must not be served");
            assert_ne!(resp.body, b"secret");
        }
        assert!(f.outside.is_file());
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn refuses_links_out_of_the_cache() {
        let f = fixture().await;
        let cache = f.cache();
        std::os::unix::fs::symlink(&f.outside, cache.join("link.txt")).expect("symlink");
        std::os::unix::fs::symlink(f.dir.path(), cache.join("up")).expect("symlink");
        let inside = cache.join("videos/abc/thumb 1.jpg");
        std::os::unix::fs::symlink(inside, cache.join("thumb.jpg")).expect("symlink");
        let host = f.host();
        let paths = [
            url_path(&f.server.cache_url(Path::new("link.txt"))),
            url_path(&f.server.cache_url(Path::new("up/secret.txt"))),
            url_path(&f.server.cache_url(Path::new("thumb.jpg"))),
        ];
        let requests: Vec<String> = paths.iter().map(|p| get(p, &host, "")).collect();
        let r = exchange(f.server.addr(), &requests, false).await;
        assert_eq!(r[0].status, 404, "a link to a file outside");
        assert_eq!(r[1].status, 404, "a link to a folder outside");
        assert_eq!(r[2].status, 200, "a link that stays inside");
        assert_eq!(r[2].body, b"jpeg");
    }

    /// The swap the two-step check could miss: `real` passed the canonical check, then a folder
    /// on its way became a link out of the cache (or the file itself a link) before the open.
    #[cfg(target_os = "linux")]
    #[tokio::test]
    async fn a_link_swapped_in_after_the_check_is_not_followed() {
        let f = fixture().await;
        let cache = f.cache();
        let outside = f.outside.parent().expect("outside folder").to_path_buf();
        std::os::unix::fs::symlink(&outside, cache.join("swapped")).expect("symlink");
        let name = f.outside.file_name().expect("name");
        let through_folder = cache.join("swapped").join(name);
        assert!(pin_under(cache.clone(), through_folder).await.is_err());
        std::os::unix::fs::symlink(&f.outside, cache.join("swapped.txt")).expect("symlink");
        assert!(pin_under(cache.clone(), cache.join("swapped.txt"))
            .await
            .is_err());
        let inside = cache.join("videos/abc/thumb 1.jpg");
        let opened = pin_under(cache.clone(), inside.clone())
            .await
            .expect("inside");
        assert_eq!(opened.name, inside);
        assert_eq!(std::fs::read(&opened.open).expect("read"), b"jpeg");
    }

    #[tokio::test]
    async fn refuses_wrong_token_host_method_and_unknown_videos() {
        let f = fixture().await;
        let addr = f.server.addr();
        let host = f.host();
        let good = url_path(&f.server.video_url(VIDEO_ID));
        let wrong_token = good.replacen(&f.server.token, &"0".repeat(48), 1);
        let short_token = good.replacen(&f.server.token, &f.server.token[..47], 1);
        let no_token = good.replacen(&format!("/{}", f.server.token), "", 1);
        let unknown = url_path(&f.server.video_url("ffffffffffffffff"));
        let absolute = format!("http://evil.example{good}");
        let r = exchange(
            addr,
            &[
                get(&wrong_token, &host, ""),
                get(&short_token, &host, ""),
                get(&no_token, &host, ""),
                get("/", &host, ""),
                get(&good, "evil.example:80", ""),
                get(&good, &format!("127.0.0.1:{}", addr.port() ^ 1), ""),
                get("/", "evil.example", ""),
                get(&absolute, &host, ""),
                format!("GET {good} HTTP/1.1\r\nHost: {host}\r\nHost: evil.example\r\n\r\n"),
                format!("POST {good} HTTP/1.1\r\nHost: {host}\r\nContent-Length: 0\r\n\r\n"),
                format!("DELETE /x HTTP/1.1\r\nHost: {host}\r\n\r\n"),
                get(&unknown, &host, ""),
                get(&good, &format!("LocalHost:{}", addr.port()), ""),
            ],
            false,
        )
        .await;
        assert_eq!(r[0].status, 404, "wrong token");
        assert_eq!(r[1].status, 404, "a prefix of the token");
        assert_eq!(r[2].status, 404, "no token");
        assert_eq!(r[3].status, 404, "the root");
        assert_eq!(r[4].status, 403, "foreign host");
        assert_eq!(r[5].status, 403, "other port");
        assert_eq!(r[6].status, 403, "foreign host on an unknown path");
        assert_eq!(r[7].status, 403, "foreign absolute target");
        assert_eq!(r[8].status, 403, "two Host headers");
        assert_eq!(r[9].status, 405, "POST");
        assert_eq!(r[9].headers["allow"], "GET, HEAD");
        assert_eq!(r[10].status, 405, "DELETE");
        assert_eq!(r[11].status, 404, "unknown video");
        assert_eq!(r[12].status, 200, "the connection still works");
        assert_eq!(r[12].body, f.video);
        // No Host header at all.
        let all = send_and_read_all(addr, &format!("GET {good} HTTP/1.0\r\n\r\n")).await;
        assert!(
            all.starts_with("HTTP/1.0 403") || all.starts_with("HTTP/1.1 403"),
            "{all}"
        );
    }

    #[tokio::test]
    async fn rejects_oversized_heads() {
        let f = fixture().await;
        let path = url_path(&f.server.video_url(VIDEO_ID));
        let req = get(
            &path,
            &f.host(),
            &format!("X-Big: {}\r\n", "a".repeat(MAX_HEAD)),
        );
        let all = send_and_read_all(f.server.addr(), &req).await;
        assert!(all.starts_with("HTTP/1.1 431"), "{all}");
    }

    /// Sockets the flood test opens: 2000, or fewer where the soft limit on open files is low
    /// (the test process holds the client end of each and the server end of up to
    /// `MAX_CONNECTIONS` of them).
    fn flood_size() -> usize {
        let soft_limit = std::fs::read_to_string("/proc/self/limits")
            .ok()
            .and_then(|limits| {
                let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
                line.split_whitespace().nth(3)?.parse::<usize>().ok()
            });
        soft_limit.map_or(2000, |n| n.saturating_sub(MAX_CONNECTIONS + 200).min(2000))
    }

    /// Reads until the server closes (or resets) the connection.
    async fn until_closed(mut stream: TcpStream) {
        let mut buf = [0u8; 1024];
        while let Ok(n) = stream.read(&mut buf).await {
            if n == 0 {
                break;
            }
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn stays_responsive_under_a_connection_flood() {
        let f = fixture().await;
        let addr = f.server.addr();
        let host = f.host();
        let path = url_path(&f.server.video_url(VIDEO_ID));
        let n = flood_size();
        assert!(n > 2 * MAX_CONNECTIONS, "the open-files limit is too low");
        let mut flood = Vec::with_capacity(n);
        for i in 0..n {
            let mut stream = TcpStream::connect(addr).await.expect("connects");
            if i % 2 == 1 {
                // A head that never ends (slowloris); the others send nothing.
                let partial = format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nX-Slow: ");
                stream.write_all(partial.as_bytes()).await.expect("writes");
            }
            flood.push(stream);
        }
        let r = tokio::time::timeout(
            Duration::from_secs(5),
            exchange(addr, &[get(&path, &host, "")], false),
        )
        .await
        .expect("a GET is answered within 5 s");
        assert_eq!(r[0].status, 200);
        assert_eq!(r[0].body, f.video);
        assert!(f.server.pool.len() <= MAX_CONNECTIONS);
        // Every flood connection ends: closed for room, or at the head timeout.
        let mut ends = tokio::task::JoinSet::new();
        for stream in flood {
            ends.spawn(until_closed(stream));
        }
        let all_closed = tokio::time::timeout(HEAD_TIMEOUT + Duration::from_secs(10), async {
            while let Some(end) = ends.join_next().await {
                end.expect("reader");
            }
        })
        .await;
        assert!(all_closed.is_ok(), "{} connections left open", ends.len());
        // And the server keeps none of them.
        let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
        while f.server.pool.len() > 0 && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert_eq!(f.server.pool.len(), 0);
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
