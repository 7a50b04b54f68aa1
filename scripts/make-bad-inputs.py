#!/usr/bin/env python3
"""Build a corpus of hostile and odd input files for Heimdex's import/indexing integration test.

Usage:
    python3 scripts/make-bad-inputs.py [--check-all-junk] [OUT]
        OUT defaults to ~/.cache/heimdex/bad-inputs. --check-all-junk probes every junk file with a
        video extension instead of a sample (slower: ~700 ffprobe runs).

Needs Python 3.11 (standard library only) and the system `ffmpeg`/`ffprobe`. Everything is made at run
time from ffmpeg's lavfi sources (testsrc2, mandelbrot, color, sine) or from Python bytes; nothing
large is committed. The corpus is small (about 12 MB of file data, ~20 MB on disk because of the
2000 tiny junk files) and a run (build + verify) takes 15-25 s on two cores. Every ffmpeg/ffprobe call has a
20 s timeout.

Safety and idempotency
    Each run deletes OUT and builds it again, but only when OUT is missing, empty, or was made by
    this script (it holds a `manifest.json` that parses as a manifest *and* the marker file
    `.heimdex-bad-inputs`). Anything else is refused (exit 2), so a user's folder is never deleted.

Layout
    OUT/files/          the folder the test imports (everything below is listed in the manifest)
    OUT/mutation-src/   pristine copies used by the mutation entries (NOT imported)
    OUT/manifest.json   JSON list, one object per entry (see below)

Manifest entries (JSON list of objects)
    name      path relative to OUT/files. For a name that is not UTF-8, "name_hex" holds the raw
              bytes in hex and "name" a readable lossy form (invalid bytes written as \\xNN).
    kind      short id, e.g. "zero-byte", "truncated-50pct".
    expect    one of
      indexed    a valid video: must import and index fully with >= 1 scene.
      failed     named like a video but unusable: import or indexing must report a per-file error.
      not_video  real media/image with no (non-cover-art) video stream: audio only, still image,
                 subtitles only, cover art alone, a container with no streams. Must be reported as
                 not a video, never silently skipped.
      duplicate  same content as entry "of": reported as a duplicate, never indexed twice.
      distinct   differs from entry "from" only in bytes the sampled content hash does not read
                 (see "Sampled hash"): must be indexed as its own video.
      either     may index or fail, but must get a status and must not hang.
      special    not a regular file (FIFO, device node, directory named .mp4, symlink loop,
                 dangling symlink, unreadable): reported or skipped with a reason, never a hang.
      junk       the single "junk/" entry: 2000 files of <= 64 random bytes. Each one whose
                 extension is a video extension (listed in "video_extensions", the app's list,
                 case-insensitive) must be reported failed; every other one skipped as non-video.
      mutation   a distinct good video that the test mutates between import and indexing, "kind":
                   deleted-after-import    delete the file;
                   replaced-after-import   overwrite it with OUT/<"replacement">;
                   truncated-after-import  truncate it to "truncate_to" bytes;
                   growing                 the file holds only the first bytes of OUT/<"source">;
                                           the test appends the rest while the import runs
                                           (a file still being written).
                 "source" is the pristine full copy, relative to OUT (under mutation-src/). The
                 mutation files are distinct videos, not byte copies of another entry, so that
                 they are not simply duplicates at import time.
    note      one line: what it is.
    root_reads  true on the chmod 000 entries: root can still read them, so a test running as
              root must skip their expectation.
    Optional extra fields: "of", "from", "count", "differs_at", "source", "replacement",
    "truncate_to", "target" (symlink target), "device" (how the device node was made).

Sampled hash (crates/heimdex-library/src/hash.rs)
    The app hashes the size, the first and last 1 MiB and 16 chunks of 64 KiB evenly spaced in
    between (the whole file when <= 4 MiB): offset_i = EDGE + span*i//15 with
    span = size - 2*EDGE - SAMPLE. The "hash-pair" entries are two valid > 4 MiB videos (a small mp4
    followed by a top-level `free` box) that differ in one byte inside that box, at an offset none
    of the samples reads, so the sampled hashes collide although the files differ.

Platform notes
    * FFmpeg cannot decode any picture of 16384x16384 (av_image_check_size rejects it), so
      "huge-16384x16384.mkv" is a tiny FFV1 clip whose Matroska PixelWidth/PixelHeight are patched
      to 16384: ffprobe refuses it ("Picture size 16384x16384 is invalid") -> expect failed.
      "huge-16384x8192.mkv" is a real, decodable 16384x8192 1-bit PNG stream (two frames, ~33 KB;
      width 16384 as ffprobe reports it) -> expect either (the app's pixel limit may refuse it).
    * The chmod 000 entries and the device node need nothing special; if mknod is not permitted,
      "zero.mp4" is a symlink to /dev/zero instead (field "device" says which).
    * Names are printed escaped (repr) in the summary, so the ANSI-escape name cannot clear the
      terminal.

The script verifies every entry (ffprobe, a decode pass with `ffmpeg -f null`, byte comparisons,
file types), prints a table (name, kind, expect, verdict) and the total size/count, and exits 1
if any entry is not what it claims.
"""

from __future__ import annotations

import concurrent.futures
import json
import os
import random
import shutil
import stat
import struct
import subprocess
import sys
import time
import zipfile
import zlib
from pathlib import Path

FFMPEG = shutil.which("ffmpeg") or "ffmpeg"
FFPROBE = shutil.which("ffprobe") or "ffprobe"
TIMEOUT = 20
MARKER = ".heimdex-bad-inputs"

# crates/heimdex-library/src/hash.rs
EDGE = 1024 * 1024
SAMPLES = 16
SAMPLE = 64 * 1024

# crates/heimdex-library/src/import.rs VIDEO_EXTENSIONS
VIDEO_EXTENSIONS = {
    "3g2", "3gp", "asf", "avi", "dv", "f4v", "flv", "m2ts", "m2v", "m4v", "mkv", "mov", "mp4",
    "mpeg", "mpg", "mts", "mxf", "ogv", "qt", "rm", "rmvb", "ts", "vob", "webm", "wmv",
}
JUNK_COUNT = 2000
JUNK_EXTS = [".mp4", ".MP4", ".mkv", ".mov", ".txt", ".jpg", ".png", ".bin", "", ".mp3", ".srt", ".part"]


class Fail(Exception):
    pass


# ---------------------------------------------------------------------------------------------
# small helpers


def run(args, timeout=TIMEOUT):
    try:
        return subprocess.run(
            [os.fsencode(a) if isinstance(a, (str, Path)) else a for a in args],
            stdin=subprocess.DEVNULL, capture_output=True, timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        return subprocess.CompletedProcess(args, 124, b"", b"timed out after %d s" % timeout)


def ffmpeg(*args, timeout=TIMEOUT):
    # The output path is always the last argument; bitexact keeps Matroska's random segment UID
    # and the encoder tags out, so every run makes the same bytes.
    args = (*args[:-1], "-fflags", "+bitexact", args[-1])
    r = run([FFMPEG, "-nostdin", "-hide_banner", "-v", "error", "-y", *args], timeout)
    if r.returncode != 0:
        raise Fail(f"ffmpeg {' '.join(map(str, args))[:300]}: {last_line(r.stderr)}")
    return r


def last_line(b: bytes) -> str:
    lines = [ln for ln in b.decode("utf-8", "replace").splitlines() if ln.strip()]
    return lines[-1].strip() if lines else ""


def disp(name: str, width: int = 0) -> str:
    s = repr(name)[1:-1]
    return s if not width or len(s) <= width else s[: width - 1] + "~"


def lossy(name: str) -> str:
    return os.fsencode(name).decode("utf-8", "backslashreplace")


def boxes(data: bytes, start: int = 0, end: int | None = None):
    """(type, offset, size) of the ISO-BMFF boxes in data[start:end]."""
    end = len(data) if end is None else end
    pos, out = start, []
    while pos + 8 <= end:
        size, typ = struct.unpack(">I4s", data[pos: pos + 8])
        if size == 1:
            size = struct.unpack(">Q", data[pos + 8: pos + 16])[0]
        elif size == 0:
            size = end - pos
        if size < 8:
            break
        out.append((typ.decode("latin-1"), pos, size))
        pos += size
    return out


def box(data: bytes, path: list[str]):
    """The first box along path (e.g. ['moov', 'trak', 'tkhd']) as (offset, size)."""
    start, end = 0, len(data)
    found = None
    for name in path:
        found = next(((o, s) for t, o, s in boxes(data, start, end) if t == name), None)
        if found is None:
            raise Fail(f"no {'/'.join(path)} box")
        start, end = found[0] + 8, found[0] + found[1]
    return found


def sample_ranges(size: int):
    """Byte ranges the app's content hash reads (hash.rs)."""
    if size <= 4 * EDGE:
        return [(0, size)]
    span = size - 2 * EDGE - SAMPLE
    rs = [(0, EDGE), (size - EDGE, size)]
    rs += [(EDGE + span * i // (SAMPLES - 1), EDGE + span * i // (SAMPLES - 1) + SAMPLE) for i in range(SAMPLES)]
    return rs


def png_mono(w: int, h: int) -> bytes:
    """A 1-bit black PNG, built without holding the picture in memory."""
    def chunk(t, d):
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xFFFFFFFF)
    row = b"\x00" * (1 + (w + 7) // 8)
    c = zlib.compressobj(9)
    idat = b"".join(c.compress(row) for _ in range(h)) + c.flush()
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 1, 0, 0, 0, 0))
            + chunk(b"IDAT", idat) + chunk(b"IEND", b""))


# ---------------------------------------------------------------------------------------------
# the corpus


class Corpus:
    def __init__(self, out: Path):
        self.out = out
        self.files = out / "files"
        self.work = out / ".work"
        self.msrc = out / "mutation-src"
        self.entries: list[dict] = []
        self.checks: dict[str, object] = {}
        self.variant = 0
        self.check_all_junk = False

    def p(self, name: str) -> Path:
        path = self.files / name
        path.parent.mkdir(parents=True, exist_ok=True)
        return path

    def add(self, name: str, kind: str, expect: str, note: str, check=None, **extra) -> Path:
        e = {"name": lossy(name), "kind": kind, "expect": expect}
        raw = os.fsencode(name)
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError:
            e["name_hex"] = raw.hex()
        e.update(extra)
        e["note"] = note
        e["_path"] = name
        self.entries.append(e)
        if check:
            self.checks[name] = check
        return self.files / name

    # -- encoders --------------------------------------------------------------------------

    def clip(self, path: Path, size="160x120", rate="25", dur=2.0, pix="yuv420p", post="",
             audio=False, codec=("-c:v", "libx264", "-preset", "veryfast", "-crf", "30"),
             args=(), faststart=True):
        """A two-part clip (testsrc2, then mandelbrot: one hard cut), made unique by a variant."""
        self.variant += 1
        v = self.variant
        half = dur / 2
        g = (f"testsrc2=s={size}:r={rate}:d={half}[a];"
             f"mandelbrot=s={size}:r={rate},trim=duration={half},setpts=PTS-STARTPTS[b];"
             f"[a][b]concat=n=2:v=1:a=0,hue=h={(v * 37) % 360},"
             f"drawbox=x={(v * 13) % 100}:y={(v * 7) % 80}:w=8:h=8:color=white:t=fill,"
             f"format={pix}{post}[v]")
        maps = ["-map", "[v]"]
        if audio:
            g += f";sine=f={220 + v * 10}:d={dur}[au]"
            maps += ["-map", "[au]", "-c:a", "aac", "-b:a", "32k"]
        path.parent.mkdir(parents=True, exist_ok=True)
        mov = path.suffix.lower() in (".mp4", ".mov", ".m4v") and not args
        ffmpeg("-filter_complex", g, *maps, *codec, *args,
               *(["-movflags", "+faststart"] if faststart and mov else []), path)
        return path

    # -- build -----------------------------------------------------------------------------

    def build(self):
        for d in (self.files, self.work, self.msrc):
            d.mkdir(parents=True, exist_ok=True)
        w = self.work

        # Good base clip: 320x240, 3 s, H.264 + AAC, faststart, a cut at 1.5 s.
        good = self.clip(self.p("good.mp4"), size="320x240", dur=3.0, audio=True)
        self.add("good.mp4", "good", "indexed", "320x240 3 s H.264+AAC, testsrc2 then mandelbrot (one cut)",
                 check=lambda i: i.has_audio)
        gb = good.read_bytes()

        # --- not media at all, named .mp4 -------------------------------------------------
        self.p("zero-byte.mp4").write_bytes(b"")
        self.add("zero-byte.mp4", "zero-byte", "failed", "0 bytes")
        self.p("text.mp4").write_text("This is not a video.\nJust a note someone renamed.\n")
        self.add("text.mp4", "text-as-mp4", "failed", "plain text named .mp4")
        self.p("html.mp4").write_text('<!DOCTYPE html>\n<html><head><title>x</title></head>'
                                      '<body><video src="real.mp4"></video></body></html>\n')
        self.add("html.mp4", "html-as-mp4", "failed", "an HTML page (e.g. a failed download) named .mp4")
        with zipfile.ZipFile(self.p("zip.mp4"), "w") as z:
            z.writestr(zipfile.ZipInfo("readme.txt", (2020, 1, 1, 0, 0, 0)), "not a video\n")
        self.add("zip.mp4", "zip-as-mp4", "failed", "a ZIP archive named .mp4")
        cover_png = w / "cover.png"
        ffmpeg("-f", "lavfi", "-i", "testsrc2=s=160x120:d=1", "-frames:v", "1", "-c:v", "png",
               "-f", "image2", cover_png)
        shutil.copyfile(cover_png, self.p("png.mp4"))
        self.add("png.mp4", "png-as-mp4", "not_video",
                 "a still PNG named .mp4 (ffprobe: png_pipe, a still image)")

        # --- damaged copies of the good clip ---------------------------------------------
        for pct in (1, 50, 99):
            self.p(f"truncated-{pct}pct.mp4").write_bytes(gb[: len(gb) * pct // 100])
        self.add("truncated-1pct.mp4", "truncated-1pct", "failed", "good.mp4 cut at 1 % (moov incomplete)")
        self.add("truncated-50pct.mp4", "truncated-50pct", "either",
                 "good.mp4 cut at 50 % (moov intact, half the media data missing)",
                 check=lambda i: i.dec_errors > 0 or "decode errors expected")
        self.add("truncated-99pct.mp4", "truncated-99pct", "either", "good.mp4 cut at 99 %")

        mo, ms = box(gb, ["moov"])
        self.p("missing-moov.mp4").write_bytes(gb[:mo] + gb[mo + ms:])
        self.add("missing-moov.mp4", "missing-moov", "failed", "good.mp4 with the moov box cut out (ftyp+mdat only)")

        end = self.clip(self.p("moov-at-end.mp4"), faststart=False)
        eb = end.read_bytes()
        order = [t for t, _, _ in boxes(eb)]
        if order.index("moov") < order.index("mdat"):
            raise Fail(f"moov-at-end.mp4 has moov first: {order}")
        self.add("moov-at-end.mp4", "moov-at-end", "indexed", "moov after mdat (not faststart)")
        self.p("moov-at-end-cut.mp4").write_bytes(eb[: box(eb, ["moov"])[0]])
        self.add("moov-at-end-cut.mp4", "moov-at-end-cut", "failed",
                 "moov-at-end.mp4 cut just before its moov box (interrupted recording)")

        do, ds = box(gb, ["mdat"])
        bad = bytearray(gb)
        rng = random.Random(7)
        for frac in (0.35, 0.55, 0.75):
            at = do + 8 + int((ds - 8) * frac)
            bad[at: at + 1500] = bytes(rng.randrange(256) for _ in range(1500))
        self.p("corrupt-nal.mp4").write_bytes(bytes(bad))
        self.add("corrupt-nal.mp4", "corrupt-nal", "either",
                 "good.mp4 with three 1500-byte runs of garbage inside mdat (broken NAL units)",
                 check=lambda i: i.dec_errors > 0 or "decode errors expected")

        # --- media without a video stream ------------------------------------------------
        ffmpeg("-f", "lavfi", "-i", "sine=f=330:d=2", "-c:a", "aac", "-b:a", "32k", self.p("audio-only.mp4"))
        self.add("audio-only.mp4", "audio-only-aac", "not_video", "AAC audio in MP4 (an .m4a named .mp4)")
        ffmpeg("-f", "lavfi", "-i", "sine=f=550:d=2", "-c:a", "libmp3lame", "-b:a", "32k", "-f", "mp3",
               self.p("audio-mp3.mp4"))
        self.add("audio-mp3.mp4", "mp3-as-mp4", "not_video", "an MP3 named .mp4")
        ffmpeg("-f", "lavfi", "-i", "anullsrc", "-t", "0", "-c:a", "aac", "-metadata", "title=empty",
               self.p("no-streams.mp4"))
        self.add("no-streams.mp4", "no-streams", "not_video", "an MP4 container with no streams at all",
                 check=lambda i: i.nb_streams == 0 or f"{i.nb_streams} streams")
        ffmpeg("-i", cover_png, "-map", "0", "-c", "copy", "-disposition:v:0", "attached_pic",
               self.p("cover-art-only.mp4"))
        self.add("cover-art-only.mp4", "cover-art-only", "not_video",
                 "an MP4 whose only stream is an attached picture (cover art)",
                 check=lambda i: i.attached_pics == 1 or "no attached_pic stream")
        srt = w / "subs.srt"
        srt.write_text("1\n00:00:00,000 --> 00:00:02,000\nHello\n\n2\n00:00:02,500 --> 00:00:04,000\nWorld\n")
        ffmpeg("-i", srt, "-c:s", "srt", self.p("subtitles-only.mkv"))
        self.add("subtitles-only.mkv", "subtitles-only", "not_video", "Matroska with a single SRT track")

        # --- odd but valid videos ---------------------------------------------------------
        self.clip(self.p("one-pixel.mp4"), size="16x16", pix="yuv444p", post=",scale=1:1")
        self.add("one-pixel.mp4", "one-pixel", "indexed", "1x1 pixels (H.264 4:4:4)",
                 check=lambda i: (i.w, i.h) == (1, 1) or f"{i.w}x{i.h}")

        ffv1 = w / "ffv1-256.mkv"
        ffmpeg("-f", "lavfi", "-i", "color=c=red:size=256x256:rate=1:duration=2", "-c:v", "ffv1",
               "-level", "1", "-pix_fmt", "yuv420p", ffv1)
        mk = bytearray(ffv1.read_bytes())
        for el in (b"\xb0", b"\xba"):  # PixelWidth, PixelHeight: 2-byte value 0x0100
            at = mk.find(el + b"\x82\x01\x00")
            if at < 0:
                raise Fail("PixelWidth/PixelHeight not found in the FFV1 mkv")
            mk[at + 2: at + 4] = (16384).to_bytes(2, "big")
        self.p("huge-16384x16384.mkv").write_bytes(bytes(mk))
        self.add("huge-16384x16384.mkv", "huge-16384x16384", "failed",
                 "Matroska FFV1 declaring 16384x16384 (patched PixelWidth/Height); FFmpeg refuses the size",
                 check=lambda i: "16384x16384" in i.err or f"ffprobe said: {i.err or 'ok'}")
        bigpng = w / "big.png"
        bigpng.write_bytes(png_mono(16384, 8192))
        ffmpeg("-framerate", "1", "-loop", "1", "-t", "2", "-i", bigpng, "-c", "copy", self.p("huge-16384x8192.mkv"))
        self.add("huge-16384x8192.mkv", "huge-16384x8192", "either",
                 "2 frames of real 16384x8192 1-bit PNG in Matroska (the largest size FFmpeg decodes at width 16384)",
                 check=lambda i: (i.w, i.h) == (16384, 8192) or f"{i.w}x{i.h}")

        self.variant += 1
        ffmpeg("-f", "lavfi", "-i",
               "color=c=0x336699:s=32x32:r=1:d=36000,hue=h='floor(t/3600)*36',format=yuv420p",
               "-c:v", "libx264", "-preset", "veryfast", "-g", "600", "-crf", "35",
               "-movflags", "+faststart", self.p("ten-hours.mp4"), timeout=TIMEOUT)
        self.add("ten-hours.mp4", "ten-hours", "indexed",
                 "a real 10-hour video: 32x32 at 1 fps, 36000 frames, colour changes every hour",
                 check=lambda i: abs(i.duration - 36000) < 2 or f"duration {i.duration}")

        try:
            self.clip(self.p("vfr.mp4"), post=",select='lt(t\\,0.6)+not(mod(n\\,7))+between(t\\,1.2\\,1.3)'",
                      rate="30", args=("-fps_mode", "vfr", "-movflags", "+faststart"))
        except Fail:
            self.variant -= 1
            self.clip(self.p("vfr.mp4"), post=",select='lt(t\\,0.6)+not(mod(n\\,7))+between(t\\,1.2\\,1.3)'",
                      rate="30", args=("-vsync", "vfr", "-movflags", "+faststart"))
        self.add("vfr.mp4", "vfr", "indexed", "variable frame rate: frame gaps of 33 ms to 233 ms",
                 check=lambda i: i.r_rate != i.avg_rate or f"constant rate {i.r_rate}")

        self.clip(self.p("fps-1000.mp4"), size="64x48", rate="1000",
                  codec=("-c:v", "libx264", "-preset", "ultrafast", "-crf", "35"))
        self.add("fps-1000.mp4", "fps-1000", "indexed", "1000 fps, 2 s, 64x48 (2000 frames)",
                 check=lambda i: i.r_rate == "1000/1" or f"rate {i.r_rate}")

        # One keyframe only (no scene-cut keyframe), so the demuxer must return the hidden packets.
        self.clip(self.p("negative-ts.mp4"), dur=6.0,
                  args=("-bf", "0", "-sc_threshold", "0", "-g", "300", "-output_ts_offset", "-2",
                        "-avoid_negative_ts", "disabled"))
        self.add("negative-ts.mp4", "negative-ts", "indexed",
                 "packets start at pts -2 s (flagged discard); an edit list shows the last 4 s of a 6 s clip",
                 check=lambda i: (i.first_pts is not None and i.first_pts < 0) or f"first pts {i.first_pts}")
        self.clip(self.p("pts-wrap.ts"), dur=3.0,
                  args=("-bf", "0", "-output_ts_offset", "95442.5", "-muxdelay", "0", "-muxpreload", "0",
                        "-f", "mpegts"))
        self.add("pts-wrap.ts", "pts-wrap", "indexed",
                 "MPEG-TS whose 33-bit PTS wraps after ~1.2 s (ffprobe reports a negative start_time)",
                 check=lambda i: (i.start is not None and i.start < 0) or f"start {i.start}")

        rot = self.clip(self.p("rotation-90.mp4"))
        rb = bytearray(rot.read_bytes())
        to, _ = box(rb, ["moov", "trak", "tkhd"])
        ver = rb[to + 8]
        mat = to + 8 + 4 + (8 + 8 + 4 + 4 + 8 if ver == 1 else 4 + 4 + 4 + 4 + 4) + 8 + 8
        h = struct.unpack(">I", rb[mat + 36 + 4: mat + 36 + 8])[0]  # height, 16.16
        rb[mat: mat + 36] = struct.pack(">9i", 0, 0x10000, 0, -0x10000, 0, 0, h, 0, 0x40000000)
        rot.write_bytes(bytes(rb))
        self.add("rotation-90.mp4", "rotation-90", "indexed", "160x120 with a 90 degree display matrix in tkhd",
                 check=lambda i: abs(i.rotation or 0) == 90 or f"rotation {i.rotation}")

        self.clip(self.p("yuv444p10.mp4"), pix="yuv444p10le")
        self.add("yuv444p10.mp4", "yuv444p10", "indexed", "H.264 High 4:4:4 Predictive, 10-bit (yuv444p10le)",
                 check=lambda i: i.pix == "yuv444p10le" or i.pix)
        self.clip(self.p("rgb48.mkv"), size="96x72", rate="10", pix="rgb48be",
                  codec=("-c:v", "png"))
        self.add("rgb48.mkv", "rgb48", "indexed", "16-bit RGB (rgb48be) PNG frames in Matroska",
                 check=lambda i: i.pix == "rgb48be" or i.pix)
        gif_post = ",split[s0][s1];[s0]palettegen=max_colors=32[p];[s1][p]paletteuse"
        self.clip(self.p("palette-gif.mp4"), rate="10", pix="rgb24", post=gif_post, codec=(), args=("-f", "gif"))
        self.add("palette-gif.mp4", "gif-as-mp4", "either", "a 2 s palette GIF named .mp4",
                 check=lambda i: i.fmt == "gif" or i.fmt)
        self.clip(self.p("palette.gif"), rate="10", pix="rgb24", post=gif_post, codec=(), args=("-f", "gif"))
        self.add("palette.gif", "gif", "either", "a 2 s animated palette GIF",
                 check=lambda i: i.fmt == "gif" or i.fmt)

        a, b = w / "multi-a.mp4", w / "multi-b.mp4"
        self.clip(a)
        self.clip(b, size="96x64", rate="15")
        ffmpeg("-i", a, "-i", b, "-f", "lavfi", "-i", "sine=f=300:d=2",
               "-map", "0:v", "-map", "1:v", "-map", "2:a", "-c:v", "copy", "-c:a", "aac", "-b:a", "32k",
               self.p("multi-video.mkv"))
        self.add("multi-video.mkv", "multi-video-streams", "indexed",
                 "two video streams (160x120 25 fps, 96x64 15 fps) and one audio stream",
                 check=lambda i: i.videos >= 2 or f"{i.videos} video streams")

        # --- hostile names: each a distinct valid clip ------------------------------------
        names = [
            (os.fsdecode(b"bad\xff\xfe.mp4"), "name-non-utf8", "file name bytes b'bad\\xff\\xfe.mp4' (not UTF-8)"),
            ("new\nline.mp4", "name-newline", "a newline in the file name"),
            ("quote's \"double\".mp4", "name-quotes", "single and double quotes and spaces in the name"),
            ("ansi\x1b[2Jclear.mp4", "name-ansi-escape", "an ANSI clear-screen escape (ESC[2J) in the name"),
            ("-rf.mp4", "name-leading-dash", "a leading dash (looks like an option)"),
            ("cafe\u0301 \u65e5\u672c \U0001f3ac.mp4", "name-unicode", "NFD accent, CJK and an emoji"),
            ("tab\there back\\slash .mp4", "name-tab-backslash", "a tab, a backslash and a space before .mp4"),
        ]
        for name, kind, note in names:
            self.clip(self.p(name))
            self.add(name, kind, "indexed", note + "; distinct content")
        long_dir = "/".join(["long"] + [f"{i}-" + "d" * 120 for i in range(3)])
        long_name = f"{long_dir}/clip-with-a-long-path.mp4"
        self.clip(self.p(long_name))
        self.add(long_name, "long-path", "indexed",
                 f"path of {len(os.fsencode(long_name))} bytes below files/ (each component < 255)")

        # --- duplicates and links ---------------------------------------------------------
        shutil.copyfile(good, self.p("copy-of-good.mp4"))
        self.add("copy-of-good.mp4", "dup-copy", "duplicate", "byte-identical copy of good.mp4", of="good.mp4")
        os.symlink("good.mp4", self.p("link-sym.mp4"))
        self.add("link-sym.mp4", "symlink-dup", "duplicate", "symlink to good.mp4", of="good.mp4", target="good.mp4")
        os.link(good, self.p("link-hard.mp4"))
        self.add("link-hard.mp4", "hardlink-dup", "duplicate", "hard link to good.mp4", of="good.mp4")

        # --- specials ----------------------------------------------------------------------
        loop = self.p("loop/a")
        os.symlink(".", loop)
        self.add("loop/a", "symlink-loop", "special", "loop/a -> . (a directory symlink cycle)", target=".")
        os.symlink("self-loop.mp4", self.p("self-loop.mp4"))
        self.add("self-loop.mp4", "symlink-self", "special", "a symlink to itself (ELOOP)", target="self-loop.mp4")
        os.symlink("does-not-exist.mp4", self.p("dangling.mp4"))
        self.add("dangling.mp4", "symlink-dangling", "special", "a symlink to a missing file",
                 target="does-not-exist.mp4")
        os.mkfifo(self.p("fifo.mp4"))
        self.add("fifo.mp4", "fifo", "special", "a named pipe: opening it for reading blocks forever")
        zero = self.p("zero.mp4")
        try:
            os.mknod(zero, 0o644 | stat.S_IFCHR, os.makedev(1, 5))
            how = "mknod c 1 5"
        except OSError as e:
            os.symlink("/dev/zero", zero)
            how = f"symlink to /dev/zero (mknod: {e.strerror})"
        self.add("zero.mp4", "device-node", "special", "a character device (/dev/zero) named .mp4: endless zeros",
                 device=how)
        self.p("dir.mp4/.keep").parent.mkdir(exist_ok=True)
        self.add("dir.mp4", "dir-named-mp4", "special", "an empty directory named dir.mp4")
        unread = self.clip(self.p("unreadable.mp4"))
        os.chmod(unread, 0)
        self.add("unreadable.mp4", "unreadable-000", "special",
                 "a distinct valid clip with mode 000 (root still reads it: then it indexes)", root_reads=True)
        noacc = self.p("noaccess/x").parent
        os.chmod(noacc, 0)
        self.add("noaccess", "unreadable-dir", "special",
                 "an empty directory with mode 000 (cannot be listed unless root)", root_reads=True)

        # --- junk folder -------------------------------------------------------------------
        rng = random.Random(2000)
        jdir = self.files / "junk"
        jdir.mkdir()
        per_ext: dict[str, int] = {}
        for i in range(JUNK_COUNT):
            ext = JUNK_EXTS[i % len(JUNK_EXTS)]
            # The first byte is never ASCII, 0xEF/0xFE/0xFF (BOMs, MPEG sync): text probers (e.g. LRC
            # for a leading '[') would otherwise read some of them as subtitles, not as junk.
            first = rng.choice([b for b in range(0x80, 0xFF) if b not in (0xEF, 0xFE)])
            data = bytes([first]) + rng.randbytes(rng.randint(0, 63))
            (jdir / f"junk-{i:04d}{ext}").write_bytes(data)
            per_ext[ext or "(none)"] = per_ext.get(ext or "(none)", 0) + 1
        vids = [e for e in JUNK_EXTS if e[1:].lower() in VIDEO_EXTENSIONS]
        n_vid = sum(per_ext[e] for e in vids)
        self.add("junk/", "junk-folder", "junk",
                 f"{JUNK_COUNT} files of 1-64 random bytes; each video-extension one ({n_vid}: "
                 f"{', '.join(vids)}) must be reported failed, each other ({JUNK_COUNT - n_vid}) skipped",
                 count=JUNK_COUNT, video_extensions=vids, video_count=n_vid,
                 other_count=JUNK_COUNT - n_vid, per_extension=per_ext)

        # --- sampled-hash twins ----------------------------------------------------------
        base = self.clip(w / "hash-base.mp4")
        bb = base.read_bytes()
        target = 4 * EDGE + 512 * 1024
        pad = target - len(bb)
        a_bytes = bb + struct.pack(">I4s", pad, b"free") + bytes(pad - 8)
        size = len(a_bytes)
        rs = sample_ranges(size)
        step = (size - 2 * EDGE - SAMPLE) // (SAMPLES - 1)
        flip = EDGE + SAMPLE + (step - SAMPLE) // 2
        if any(lo <= flip < hi for lo, hi in rs) or flip < len(bb) + 8:
            raise Fail("flip offset is sampled or outside the free box")
        b_bytes = bytearray(a_bytes)
        b_bytes[flip] ^= 0x01
        self.p("hash-pair-a.mp4").write_bytes(a_bytes)
        self.p("hash-pair-b.mp4").write_bytes(bytes(b_bytes))
        self.add("hash-pair-a.mp4", "hash-pair-a", "indexed",
                 f"valid clip + a top-level free box padding it to {size} bytes (> 4 MiB: hash is sampled)")
        self.add("hash-pair-b.mp4", "hash-pair-b", "distinct",
                 f"hash-pair-a.mp4 with one byte flipped at {flip} (inside the free box, read by no sample)",
                 check=self.check_pair, **{"from": "hash-pair-a.mp4"}, differs_at=flip)

        # --- mutations --------------------------------------------------------------------
        for kind, name in (("deleted-after-import", "deleted"), ("replaced-after-import", "replaced"),
                           ("truncated-after-import", "truncated"), ("growing", "growing")):
            src = self.clip(self.msrc / f"{name}.mp4")
            dst = self.p(f"mutate/{name}.mp4")
            extra = {"source": f"mutation-src/{name}.mp4"}
            data = src.read_bytes()
            if kind == "growing":
                dst.write_bytes(data[: len(data) * 3 // 10])
                note = "first 30 % of mutation-src/growing.mp4; the test appends the rest while importing"
            else:
                shutil.copyfile(src, dst)
                verb = {"deleted-after-import": "deletes", "replaced-after-import": "replaces",
                        "truncated-after-import": "truncates"}[kind]
                note = f"a distinct good clip; the test {verb} it between import and indexing"
            if kind == "replaced-after-import":
                self.clip(self.msrc / "replacement.mp4")
                extra["replacement"] = "mutation-src/replacement.mp4"
            if kind == "truncated-after-import":
                extra["truncate_to"] = len(data) // 2
            self.add(f"mutate/{name}.mp4", kind, "mutation", note, **extra)

    # -- verification ----------------------------------------------------------------------

    def check_pair(self, info):
        a = (self.files / "hash-pair-a.mp4").read_bytes()
        b = (self.files / "hash-pair-b.mp4").read_bytes()
        diff = [i for i in range(len(a)) if a[i] != b[i]] if len(a) == len(b) else None
        if not diff or len(diff) != 1:
            return f"differ at {diff}"
        if any(lo <= diff[0] < hi for lo, hi in sample_ranges(len(a))):
            return "differing byte is sampled"
        return True


class Info:
    """What ffprobe and a decode pass say about one file."""

    def __init__(self, path: Path, decode: bool, packets: bool = False):
        self.err = ""
        self.ok = False
        self.fmt = ""
        self.nb_streams = 0
        self.videos = self.attached_pics = 0
        self.has_audio = False
        self.w = self.h = 0
        self.pix = ""
        self.r_rate = self.avg_rate = ""
        self.duration = 0.0
        self.start = None
        self.first_pts = None
        self.rotation = None
        self.dec_errors = -1
        r = run([FFPROBE, "-v", "error", "-show_format", "-show_streams", "-of", "json", path])
        if r.returncode != 0:
            err = last_line(r.stderr).replace(str(path) + ": ", "")
            while err.startswith("[") and "] " in err:  # "[ffv1 @ 0x...] [IMGUTILS @ 0x...] Picture..."
                err = err.split("] ", 1)[1]
            self.err = err or f"exit {r.returncode}"
            return
        self.ok = True
        j = json.loads(r.stdout or b"{}")
        f = j.get("format", {})
        self.fmt = f.get("format_name", "")
        self.nb_streams = int(f.get("nb_streams", 0))
        self.duration = float(f.get("duration", 0) or 0)
        st = f.get("start_time")
        self.start = float(st) if st not in (None, "N/A") else None
        vs = [s for s in j.get("streams", []) if s.get("codec_type") == "video"]
        self.attached_pics = sum(1 for s in vs if s.get("disposition", {}).get("attached_pic"))
        real = [s for s in vs if not s.get("disposition", {}).get("attached_pic")]
        self.videos = len(real)
        self.has_audio = any(s.get("codec_type") == "audio" for s in j.get("streams", []))
        if real:
            v = real[0]
            self.w, self.h = v.get("width", 0), v.get("height", 0)
            self.pix = v.get("pix_fmt", "")
            self.r_rate, self.avg_rate = v.get("r_frame_rate", ""), v.get("avg_frame_rate", "")
            for sd in v.get("side_data_list", []):
                if "rotation" in sd:
                    self.rotation = int(sd["rotation"])
        if real and packets:
            r = run([FFPROBE, "-v", "error", "-select_streams", "v:0", "-read_intervals", "%+#1",
                     "-show_entries", "packet=pts_time", "-of", "csv=p=0", path])
            try:
                self.first_pts = float(r.stdout.split()[0])
            except (IndexError, ValueError):
                pass
        if decode and real:
            r = run([FFMPEG, "-nostdin", "-v", "error", "-i", path, "-map", "0:v", "-f", "null", "-"])
            self.dec_errors = len([ln for ln in r.stderr.splitlines() if ln.strip()]) + (r.returncode != 0)

    @property
    def usable_video(self) -> bool:
        still = self.fmt == "tty" or self.fmt.startswith("image2") or self.fmt.endswith("_pipe")
        return self.ok and self.videos > 0 and self.w > 0 and self.h > 0 and not still

    def verdict(self) -> str:
        if not self.ok:
            return "probe FAIL: " + self.err[:60]
        s = f"{self.fmt.split(',')[0]} {self.nb_streams}st"
        if self.videos:
            s += f" v{self.w}x{self.h} {self.pix}"
        elif self.attached_pics:
            s += " cover-art only"
        else:
            s += " no video"
        if self.has_audio:
            s += " +a"
        s += f" {self.duration:g}s"
        if self.rotation is not None:
            s += f" rot{self.rotation}"
        if self.first_pts is not None and self.first_pts < 0:
            s += f" pts0={self.first_pts:g}"
        if self.start is not None and self.start < 0:
            s += f" start={self.start:g}"
        if self.r_rate and self.r_rate != self.avg_rate:
            s += f" vfr(r={self.r_rate},avg={self.avg_rate})"
        if self.dec_errors >= 0:
            s += " dec ok" if self.dec_errors == 0 else f" dec {self.dec_errors} err"
        return s


def verify(c: Corpus) -> list[tuple[dict, bool, str]]:
    def one(e):
        name = e["_path"]
        path = c.files / name
        exp, kind = e["expect"], e["kind"]
        try:
            st = os.lstat(path)
        except OSError as err:
            return e, False, f"missing: {err.strerror}"
        if exp == "special":
            checks = {
                "symlink-loop": lambda: stat.S_ISLNK(st.st_mode) and os.readlink(path) == ".",
                "symlink-self": lambda: stat.S_ISLNK(st.st_mode) and not os.path.exists(path),
                "symlink-dangling": lambda: stat.S_ISLNK(st.st_mode) and not os.path.exists(path),
                "fifo": lambda: stat.S_ISFIFO(st.st_mode),
                "device-node": lambda: stat.S_ISCHR(os.stat(path).st_mode),
                "dir-named-mp4": lambda: stat.S_ISDIR(st.st_mode),
                "unreadable-000": lambda: stat.S_IMODE(st.st_mode) == 0 and stat.S_ISREG(st.st_mode),
                "unreadable-dir": lambda: stat.S_IMODE(st.st_mode) == 0 and stat.S_ISDIR(st.st_mode),
            }
            ok = checks[kind]()
            return e, ok, {stat.S_IFLNK: "symlink -> " + (os.readlink(path) if stat.S_ISLNK(st.st_mode) else ""),
                           stat.S_IFIFO: "fifo", stat.S_IFCHR: "char device", stat.S_IFDIR: "directory",
                           stat.S_IFREG: "regular file"}.get(stat.S_IFMT(st.st_mode), "?") + \
                f" mode {stat.S_IMODE(st.st_mode):03o}"
        if exp == "junk":
            files = sorted(os.listdir(path))
            sizes_ok = all(0 < os.path.getsize(path / f) <= 64 for f in files)
            # A video-extension file must be unreadable to ffprobe (else the app could call it "not
            # a video" instead of failed); another one must not look like a video. The content is
            # the same on every run (fixed seed), so a sample suffices; --check-all-junk probes all.
            vid = [f for f in files if Path(f).suffix[1:].lower() in VIDEO_EXTENSIONS]
            other = [f for f in files if f not in set(vid)]
            if not c.check_all_junk:
                vid, other = vid[::10], other[::40]
            with concurrent.futures.ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as ex:
                infos = dict(zip(vid + other, ex.map(lambda f: Info(path / f, decode=False), vid + other)))
            bad = [f for f in vid if infos[f].ok] + [f for f in other if infos[f].usable_video]
            ok = len(files) == JUNK_COUNT and sizes_ok and not bad
            return e, ok, f"{len(files)} files, sizes ok={sizes_ok}, {len(vid)} video-ext probed: " + \
                (f"readable {bad[:3]}" if bad else "all fail") + f", {len(other)} others sampled"
        if exp == "duplicate":
            same = os.path.samefile(path, c.files / e["of"]) or path.read_bytes() == (c.files / e["of"]).read_bytes()
            eq = path.read_bytes() == (c.files / e["of"]).read_bytes()
            return e, same and eq, f"same bytes as {e['of']}" if eq else "DIFFERENT bytes"
        info = Info(path, decode=exp in ("indexed", "distinct", "either", "mutation"),
                    packets=kind == "negative-ts")
        if exp in ("indexed", "distinct"):
            ok = info.usable_video and info.dec_errors == 0
        elif exp == "mutation":
            ok = info.usable_video and (kind == "growing" or info.dec_errors == 0)
        elif exp == "failed":
            ok = not info.usable_video
        elif exp == "not_video":
            ok = info.ok and not info.usable_video
        else:  # either
            ok = True
        extra = c.checks.get(name)
        why = ""
        if ok and extra:
            res = extra(info)
            if res is not True:
                ok, why = False, f" [{res}]"
        return e, ok, info.verdict() + why

    with concurrent.futures.ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as ex:
        return list(ex.map(one, c.entries))


# ---------------------------------------------------------------------------------------------
# main


def is_ours(out: Path) -> bool:
    try:
        m = json.loads((out / "manifest.json").read_text())
    except (OSError, ValueError):
        return False
    return (out / MARKER).is_file() and isinstance(m, list) and \
        all(isinstance(e, dict) and "kind" in e and "expect" in e for e in m)


def refuse(why: str):
    print(f"refusing to delete or write: {why}", file=sys.stderr)
    sys.exit(2)


def prepare(out: Path):
    if os.path.lexists(out):
        if out.is_symlink() or not out.is_dir():
            refuse(f"{out} is a symlink or not a directory")
        if any(out.iterdir()) and not is_ours(out):
            refuse(f"{out} is not empty and holds no manifest.json (and marker) of this script")
        # chmod 000 directories would stop rmtree when not root.
        for root, dirs, _ in os.walk(out):
            for d in dirs:
                p = os.path.join(root, d)
                if stat.S_ISDIR(os.lstat(p).st_mode):
                    os.chmod(p, 0o700)
        shutil.rmtree(out)
    out.mkdir(parents=True)
    (out / MARKER).write_text("made by scripts/make-bad-inputs.py; the whole folder is rebuilt on each run\n")
    (out / "manifest.json").write_text("[]\n")  # marks the folder as ours even if the build fails


def du(path: Path) -> tuple[int, int, int]:
    n = apparent = blocks = 0
    for root, dirs, files in os.walk(path):
        for f in files + [d for d in dirs if os.path.islink(os.path.join(root, d))]:
            st = os.lstat(os.path.join(root, f))
            n += 1
            if stat.S_ISREG(st.st_mode):
                apparent += st.st_size
                blocks += st.st_blocks * 512
    return n, apparent, blocks


def main():
    args = sys.argv[1:]
    check_all_junk = "--check-all-junk" in args
    args = [a for a in args if a != "--check-all-junk"]
    if len(args) > 1 or (args and args[0].startswith("-") and not os.path.isdir(args[0])):
        print(__doc__)
        sys.exit(0 if args and args[0] in ("-h", "--help") else 2)
    out = Path(args[0] if args else "~/.cache/heimdex/bad-inputs").expanduser().absolute()
    for tool in (FFMPEG, FFPROBE):
        if not shutil.which(tool):
            sys.exit(f"{tool} not found")
    t0 = time.monotonic()
    prepare(out)
    c = Corpus(out)
    c.check_all_junk = check_all_junk
    try:
        c.build()
    except Fail as e:
        sys.exit(f"build failed: {e}")
    shutil.rmtree(c.work)
    t_build = time.monotonic() - t0
    results = verify(c)
    manifest = [{k: v for k, v in e.items() if not k.startswith("_")} for e in c.entries]
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")

    print(f"{'name':42} {'kind':22} {'expect':10} ok  verdict")
    bad = 0
    for e, ok, verdict in results:
        bad += not ok
        print(f"{disp(e['_path'], 42):42} {e['kind']:22} {e['expect']:10} {'ok ' if ok else 'BAD'} {verdict}")
    n, apparent, blocks = du(out)
    kinds = len({e["kind"] for e in c.entries})
    print(f"\n{len(c.entries)} manifest entries, {kinds} kinds; {n} files/links under {out} "
          f"({apparent / 1e6:.1f} MB of data, {blocks / 1e6:.1f} MB on disk)")
    print(f"built in {t_build:.1f} s, verified in {time.monotonic() - t0 - t_build:.1f} s")
    if bad:
        print(f"{bad} entries are not what they claim", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
