//! Writing a file whole or not at all: the bytes go to a temporary file beside it, which is then
//! renamed over it (`tempfile`'s `persist`). A crash or a failed write never leaves half a file
//! under the name, and the temporary file is deleted when the write fails. Every file Heimdex
//! writes for later (exports, keyframes, the folders chosen in Settings, caches, pulled
//! thumbnails) goes through here.
//!
//! [`write`] also survives a power cut: the file's bytes and then its folder reach the disk before
//! it returns (files a user keeps: exports, the chosen folders). [`write_cache`] skips those two
//! flushes, for files that are made again when missing or empty (keyframes, thumbnails, caches),
//! where thousands of flushes would slow indexing down.

use std::io::{self, Write};
use std::path::Path;

/// Writes `bytes` to `path` atomically and durably. New files get the usual permissions (0666
/// less the umask), not the 0600 of a temporary file.
pub fn write(path: &Path, bytes: &[u8]) -> io::Result<()> {
    write_with(path, bytes, true)
}

/// [`write`] without flushing to the disk: whole or absent after a crash of the program, but
/// possibly empty after a power cut. For files that are made again.
pub fn write_cache(path: &Path, bytes: &[u8]) -> io::Result<()> {
    write_with(path, bytes, false)
}

fn write_with(path: &Path, bytes: &[u8], durable: bool) -> io::Result<()> {
    let name = path.file_name().ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{} is not a file name", path.display()),
        )
    })?;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut builder = tempfile::Builder::new();
    let prefix = format!(".{}.", name.to_string_lossy());
    builder.prefix(&prefix).suffix(".part");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let mut tmp = builder.tempfile_in(dir)?;
    tmp.as_file_mut().write_all(bytes)?;
    if durable {
        tmp.as_file().sync_all()?;
    }
    tmp.persist(path).map_err(|e| e.error)?;
    #[cfg(unix)]
    if durable {
        // The rename itself reaches the disk with its folder.
        std::fs::File::open(dir)?.sync_all()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_the_file_and_leaves_nothing_beside_it() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("list.csv");
        write(&path, b"first").expect("writes");
        write_cache(&path, b"second, longer").expect("replaces");
        assert_eq!(std::fs::read(&path).expect("reads"), b"second, longer");
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .expect("lists")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("list.csv")]);
    }

    #[test]
    fn a_failed_write_keeps_the_old_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("no-such-folder").join("a.txt");
        assert!(write(&path, b"x").is_err());
        let folder = dir.path().join("a-folder");
        std::fs::create_dir(&folder).expect("mkdir");
        std::fs::write(folder.join("inside"), b"keep").expect("write");
        // Renaming a file over a non-empty folder fails: the folder and its file stay.
        assert!(write(&folder, b"x").is_err());
        assert_eq!(
            std::fs::read(folder.join("inside")).expect("reads"),
            b"keep"
        );
        assert!(write(Path::new("/"), b"x").is_err(), "no file name");
    }

    #[cfg(unix)]
    #[test]
    fn new_files_get_the_usual_permissions() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("a.srt");
        write(&path, b"1").expect("writes");
        let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
        assert_eq!(mode & 0o600, 0o600);
        assert_eq!(mode & 0o044, 0o044 & !current_umask(), "mode {mode:o}");
    }

    #[cfg(unix)]
    fn current_umask() -> u32 {
        // Read it back from a file made with 0666 the ordinary way.
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("probe");
        std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o666)
            .open(&p)
            .expect("probe");
        0o666 & !std::fs::metadata(&p).expect("meta").permissions().mode()
    }
}
