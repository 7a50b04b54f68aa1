//! A real Qdrant server for tests: the binary `scripts/qdrant-server.sh build` makes from Qdrant's
//! source (no registry ships one), started on a temporary storage folder and free ports with an
//! API key and JWT access control on, killed when the guard drops. Without the binary the tests
//! print SKIPPED with the command that builds it (it cannot be installed from a registry).

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Where `scripts/qdrant-server.sh build` puts the binary (`$HEIMDEX_QDRANT_BIN` overrides).
pub fn binary() -> PathBuf {
    if let Some(b) = std::env::var_os("HEIMDEX_QDRANT_BIN").filter(|v| !v.is_empty()) {
        return PathBuf::from(b);
    }
    let tools = std::env::var_os("HEIMDEX_TOOLS_DIR")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cache/heimdex/tools")
        });
    tools.join("bin/qdrant")
}

pub struct QdrantServer {
    bin: PathBuf,
    dir: tempfile::TempDir,
    pub http_port: u16,
    pub grpc_port: u16,
    /// The server's API key: full access, and the secret team keys (JWTs) are signed with.
    pub api_key: String,
    child: Mutex<Option<Child>>,
}

impl QdrantServer {
    /// Starts a fresh server, or `None` (printing SKIPPED) when the binary is not built.
    pub fn start() -> Option<Self> {
        let bin = binary();
        if !bin.exists() {
            eprintln!(
                "SKIPPED: no Qdrant server binary at {} (no registry ships one; build it once, \
                 ~30 min: scripts/qdrant-server.sh build QDRANT_GIT RAFT_GIT TONIC_GIT)",
                bin.display()
            );
            return None;
        }
        let dir = tempfile::Builder::new()
            .prefix("heimdex-qdrant")
            .tempdir()
            .unwrap();
        let http_port = crate::pg::free_port();
        let mut grpc_port = crate::pg::free_port();
        while grpc_port == http_port {
            grpc_port = crate::pg::free_port();
        }
        let server = Self {
            bin,
            dir,
            http_port,
            grpc_port,
            api_key: format!("test-key-{}", std::process::id()),
            child: Mutex::new(None),
        };
        server.start_again();
        Some(server)
    }

    fn storage(&self) -> PathBuf {
        self.dir.path().join("storage")
    }

    /// Starts the server (after `kill`) on the same storage and ports; waits until it is ready.
    pub fn start_again(&self) {
        let log = std::fs::File::create(self.dir.path().join("qdrant.log")).unwrap();
        let child = Command::new(&self.bin)
            .arg("--disable-telemetry")
            .current_dir(self.dir.path())
            .env("QDRANT__SERVICE__HOST", "127.0.0.1")
            .env("QDRANT__SERVICE__HTTP_PORT", self.http_port.to_string())
            .env("QDRANT__SERVICE__GRPC_PORT", self.grpc_port.to_string())
            .env("QDRANT__SERVICE__API_KEY", &self.api_key)
            .env("QDRANT__SERVICE__JWT_RBAC", "true")
            .env("QDRANT__STORAGE__STORAGE_PATH", self.storage())
            .env(
                "QDRANT__STORAGE__SNAPSHOTS_PATH",
                self.dir.path().join("snapshots"),
            )
            .env("QDRANT__LOG_LEVEL", "WARN")
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("{}: {e}", self.bin.display()));
        *self.child.lock().unwrap() = Some(child);
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if ready(self.http_port) {
                return;
            }
            if let Some(status) = self
                .child
                .lock()
                .unwrap()
                .as_mut()
                .and_then(|c| c.try_wait().ok().flatten())
            {
                panic!("Qdrant exited ({status}): {}", self.log());
            }
            assert!(
                Instant::now() < deadline,
                "Qdrant did not become ready: {}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Kills the server with SIGKILL (a crash, a pulled cable) and waits for it to be gone.
    pub fn kill(&self) {
        if let Some(mut c) = self.child.lock().unwrap().take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// gRPC URL (what `QdrantTarget` connects to).
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.grpc_port)
    }

    /// A key (JWT signed with the API key) that may read and write `collections` only.
    pub fn key_for(&self, collections: &[&str]) -> String {
        #[derive(serde::Serialize)]
        struct Access<'a> {
            collection: &'a str,
            access: &'a str,
        }
        #[derive(serde::Serialize)]
        struct Claims<'a> {
            access: Vec<Access<'a>>,
        }
        let claims = Claims {
            access: collections
                .iter()
                .map(|c| Access {
                    collection: c,
                    access: "rw",
                })
                .collect(),
        };
        jsonwebtoken::encode(
            &jsonwebtoken::Header::default(),
            &claims,
            &jsonwebtoken::EncodingKey::from_secret(self.api_key.as_bytes()),
        )
        .unwrap()
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("qdrant.log")).unwrap_or_default()
    }
}

/// `GET /readyz` answers 200.
fn ready(port: u16) -> bool {
    use std::io::{Read, Write};
    let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
    if s.write_all(b"GET /readyz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        .is_err()
    {
        return false;
    }
    let mut buf = [0u8; 16];
    matches!(s.read(&mut buf), Ok(n) if n >= 12 && buf[..n].starts_with(b"HTTP/1.1 200"))
}

impl Drop for QdrantServer {
    fn drop(&mut self) {
        self.kill();
    }
}
