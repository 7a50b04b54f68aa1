//! Fast content hash: the file size plus sampled chunks, hashed with BLAKE3.
//!
//! Reading a whole multi-gigabyte video to hash it would take longer than indexing it. Sampling the
//! start, the end and evenly spaced chunks in between identifies a video reliably (container headers,
//! index and media data all differ between videos) at the cost of a few megabytes of reads.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

/// Bytes read from the start and from the end of the file.
const EDGE: u64 = 1024 * 1024;
/// Evenly spaced chunks read in between.
const SAMPLES: u64 = 16;
const SAMPLE: u64 = 64 * 1024;

/// Hex BLAKE3 of (size, head, samples, tail). Files up to 4 MiB are hashed whole.
pub fn content_hash(path: &Path) -> std::io::Result<String> {
    let mut file = File::open(path)?;
    let size = file.metadata()?.len();
    let mut hasher = blake3::Hasher::new();
    hasher.update(b"heimdex-content-hash-v1");
    hasher.update(&size.to_le_bytes());
    if size <= 4 * EDGE {
        std::io::copy(&mut file, &mut hasher)?;
    } else {
        let mut buf = vec![0u8; EDGE as usize];
        read_at(&mut file, 0, &mut buf)?;
        hasher.update(&buf);
        let span = size - 2 * EDGE - SAMPLE;
        let mut chunk = vec![0u8; SAMPLE as usize];
        for i in 0..SAMPLES {
            let offset = EDGE + span * i / (SAMPLES - 1);
            read_at(&mut file, offset, &mut chunk)?;
            hasher.update(&chunk);
        }
        read_at(&mut file, size - EDGE, &mut buf)?;
        hasher.update(&buf);
    }
    Ok(hasher.finalize().to_hex().to_string())
}

/// Hex BLAKE3 of the whole file, for telling apart two files whose sampled hashes are equal but
/// whose bytes are not (they differ only where [`content_hash`] does not read). Never equal to a
/// sampled hash (another domain).
pub fn full_hash(path: &Path) -> std::io::Result<String> {
    let mut file = File::open(path)?;
    let mut hasher = blake3::Hasher::new();
    hasher.update(b"heimdex-content-hash-full-v1");
    hasher.update(&file.metadata()?.len().to_le_bytes());
    std::io::copy(&mut file, &mut hasher)?;
    Ok(hasher.finalize().to_hex().to_string())
}

/// Whether two files hold the same bytes (read side by side, stopping at the first difference).
pub fn same_bytes(a: &Path, b: &Path) -> std::io::Result<bool> {
    let (mut fa, mut fb) = (File::open(a)?, File::open(b)?);
    if fa.metadata()?.len() != fb.metadata()?.len() {
        return Ok(false);
    }
    let (mut ba, mut bb) = (vec![0u8; 1 << 20], vec![0u8; 1 << 20]);
    loop {
        let n = read_full(&mut fa, &mut ba)?;
        let m = read_full(&mut fb, &mut bb)?;
        if n != m || ba[..n] != bb[..m] {
            return Ok(false);
        }
        if n == 0 {
            return Ok(true);
        }
    }
}

/// Reads until `buf` is full or the file ends; the number of bytes read.
fn read_full(file: &mut File, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match file.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}

/// Whether the file at `path` still holds the content `hash` names (sampled, or whole for a file
/// told apart by [`full_hash`]).
pub fn still_holds(path: &Path, hash: &str) -> std::io::Result<bool> {
    Ok(content_hash(path)? == hash || full_hash(path)? == hash)
}

fn read_at(file: &mut File, offset: u64, buf: &mut [u8]) -> std::io::Result<()> {
    file.seek(SeekFrom::Start(offset))?;
    file.read_exact(buf)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn write(dir: &Path, name: &str, bytes: &[u8]) -> std::path::PathBuf {
        let p = dir.join(name);
        let mut f = File::create(&p).expect("create");
        f.write_all(bytes).expect("write");
        p
    }

    #[test]
    fn same_content_same_hash_any_name() {
        let dir = tempfile::tempdir().expect("tempdir");
        let a = write(dir.path(), "a.bin", b"hello");
        let b = write(dir.path(), "b.bin", b"hello");
        let c = write(dir.path(), "c.bin", b"hellO");
        assert_eq!(
            content_hash(&a).expect("hash"),
            content_hash(&b).expect("hash")
        );
        assert_ne!(
            content_hash(&a).expect("hash"),
            content_hash(&c).expect("hash")
        );
    }

    #[test]
    fn large_files_differ_in_sampled_middle() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut big = vec![7u8; 10 * 1024 * 1024];
        let a = write(dir.path(), "a.bin", &big);
        big[EDGE as usize + 10] = 8; // inside the first sample
        let b = write(dir.path(), "b.bin", &big);
        assert_ne!(
            content_hash(&a).expect("hash"),
            content_hash(&b).expect("hash")
        );
    }
}
