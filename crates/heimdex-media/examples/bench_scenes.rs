//! Benchmark: our scene stage vs PySceneDetect vs ffmpeg decode alone, side by side on the same
//! files in one run. Prints frames/s, ratios, peak RSS (summed over the process tree, sampled from
//! /proc) and whether the cuts agree.
//!
//! Run through `scripts/bench-scenes.sh` (sets up PySceneDetect in a virtualenv), or:
//! `cargo run --release -p heimdex-media --example bench_scenes -- [--scenedetect BIN] [--runs N] FILE...`

use heimdex_media::scenes::analyze::KeyframeOptions;
use heimdex_media::scenes::{analyze, AnalyzeOptions, DecodePlan};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

type BoxError = Box<dyn std::error::Error>;

fn main() -> Result<(), BoxError> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    // Helper mode: print the media info of a file as JSON (for profiling `--run-stage` alone).
    if args.first().map(String::as_str) == Some("--probe") {
        let file = args.get(1).ok_or("--probe FILE")?;
        let info = heimdex_media::probe::probe(Path::new(file), &Default::default())?;
        println!("{}", serde_json::to_string(&info)?);
        return Ok(());
    }
    // Child mode: run our stage once and print "frames cuts" on stdout.
    if args.first().map(String::as_str) == Some("--run-stage") {
        // As in the app, the media info comes from the import (probed once, outside the timing).
        let file = args
            .get(1)
            .ok_or("--run-stage FILE INFO_JSON [KEYFRAME_DIR]")?;
        let info_json = args
            .get(2)
            .ok_or("--run-stage FILE INFO_JSON [KEYFRAME_DIR]")?;
        let info: heimdex_core::MediaInfo = serde_json::from_slice(&std::fs::read(info_json)?)?;
        let decode = match std::env::var("BENCH_PLAN").as_deref() {
            Ok("keyframe-first") => DecodePlan::KeyframeFirst,
            _ => DecodePlan::Full,
        };
        let opts = AnalyzeOptions {
            keyframes: args.get(3).map(KeyframeOptions::new),
            decode,
            ..Default::default()
        };
        let a = analyze(
            Path::new(file),
            Some(&info),
            &opts,
            &AtomicBool::new(false),
            &mut |_, _| {},
        )?;
        let cuts: Vec<String> = a.cuts.iter().map(|c| format!("{:.3}", c.secs)).collect();
        println!("{} [{}]", a.frames, cuts.join(","));
        println!("{:?}", a.decode_report);
        return Ok(());
    }
    let mut scenedetect = std::env::var("SCENEDETECT").unwrap_or_else(|_| "scenedetect".into());
    let mut runs = 3usize;
    let mut files = Vec::new();
    let mut it = args.into_iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--scenedetect" => scenedetect = it.next().ok_or("--scenedetect BIN")?,
            "--runs" => runs = it.next().ok_or("--runs N")?.parse()?,
            _ => files.push(PathBuf::from(a)),
        }
    }
    if files.is_empty() {
        let root = heimdex_core::testdata::shared_data_root().join("scenes");
        files = [
            "testvideo.mp4",
            "goldeneye-vfr-drop3.mp4",
            "issue-195-aspect-ratio.mp4",
            "fades.mp4",
        ]
        .iter()
        .map(|f| root.join(f))
        .filter(|p| p.exists())
        .collect();
    }
    let exe = std::env::current_exe()?;
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    println!("CPU: {}", cpu_model());
    println!(
        "cores: {cores}; load average at start: {}; best of {runs} runs, interleaved; RSS = peak of the summed process tree",
        load_average()
    );
    println!(
        "columns: frames/s of ffmpeg's full decode alone (`ffmpeg -i F -f null -`), ours full decode (cuts only / with keyframes), \
         ours keyframe-first (cuts only / with keyframes), PySceneDetect detect-content; ratios of wall times"
    );
    println!(
        "{:<26} {:>6} | {:>7} | {:>7} {:>7} | {:>7} {:>7} {:>6} | {:>7} {:>6} | {:>6} {:>6} {:>6} {:>6} {:>6} | same cuts | keyframe-first pass",
        "file", "frames", "decode", "full", "full+kf", "first", "1st+kf", "MB", "pyscene", "MB",
        "full/py", "1st/py", "1kf/py", "1st/dec", "1kf/dec"
    );
    let kinds = [
        "decode",
        "full",
        "full+kf",
        "first",
        "first+kf",
        "pyscenedetect",
    ];
    let (mut tot_frames, mut tot, mut tot_cpu) = (0u64, [0f64; 6], [0f64; 6]);
    for file in &files {
        let name = file
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("?")
            .to_owned();
        let kf_dir = tempfile::tempdir()?;
        let f = file.to_string_lossy().into_owned();
        let info = heimdex_media::probe::probe(file, &Default::default())?;
        let info_path = kf_dir.path().join("info.json");
        std::fs::write(&info_path, serde_json::to_vec(&info)?)?;
        let info_arg = info_path.to_string_lossy().into_owned();
        let kf = kf_dir.path().join("kf").to_string_lossy().into_owned();
        let mut best = [Sample::worst(); 6];
        let mut outs: [String; 6] = Default::default();
        for _ in 0..runs {
            for (k, slot) in best.iter_mut().enumerate() {
                let mut cmd = match k {
                    0 => {
                        let mut c = Command::new("ffmpeg");
                        c.args(["-nostdin", "-v", "error", "-i", &f, "-f", "null", "-"]);
                        c
                    }
                    5 => {
                        let mut c = Command::new(&scenedetect);
                        c.args(["-i", &f, "detect-content", "list-scenes", "-n"]);
                        c
                    }
                    _ => {
                        let mut c = Command::new(&exe);
                        c.args(["--run-stage", &f, &info_arg]);
                        if k == 2 || k == 4 {
                            c.arg(&kf);
                        }
                        if k >= 3 {
                            c.env("BENCH_PLAN", "keyframe-first");
                        }
                        c
                    }
                };
                let (sample, out) = measure_out(&mut cmd)?;
                *slot = slot.best(sample);
                outs[k] = out;
                if k == 2 || k == 4 {
                    let _ = std::fs::remove_dir_all(&kf);
                }
            }
        }
        let parse = |out: &str| -> (u64, String, String) {
            let mut lines = out.lines();
            let first = lines.next().unwrap_or("");
            let (frames, cuts) = first.split_once(' ').unwrap_or((first, ""));
            let cuts = cuts
                .trim()
                .trim_start_matches('[')
                .trim_end_matches(']')
                .to_owned();
            (
                frames.parse().unwrap_or(0),
                cuts,
                lines.next().unwrap_or("").to_owned(),
            )
        };
        let (frames, full_cuts, _) = parse(&outs[1]);
        let (_, first_cuts, report) = parse(&outs[3]);
        let (_, _, report_kf) = parse(&outs[4]);
        let py_cuts = pyscenedetect_cuts(&outs[5]);
        let fps = |s: &Sample| frames as f64 / s.wall.as_secs_f64();
        let ratio = |a: &Sample, b: &Sample| b.wall.as_secs_f64() / a.wall.as_secs_f64();
        let [dec, full, full_kf, first, first_kf, py] = &best;
        println!(
            "{:<26} {:>6} | {:>7.0} | {:>7.0} {:>7.0} | {:>7.0} {:>7.0} {:>6.0} | {:>7.0} {:>6.0} | {:>5.2}x {:>5.2}x {:>5.2}x {:>5.2}x {:>5.2}x | full=first {} full=py {} | {} | with keyframes: {}",
            name,
            frames,
            fps(dec),
            fps(full),
            fps(full_kf),
            fps(first),
            fps(first_kf),
            first_kf.rss_mb(),
            fps(py),
            py.rss_mb(),
            ratio(full, py),
            ratio(first, py),
            ratio(first_kf, py),
            // Our time as a share of ffmpeg's decode time (below 1.0: faster than decoding all).
            first.wall.as_secs_f64() / dec.wall.as_secs_f64(),
            first_kf.wall.as_secs_f64() / dec.wall.as_secs_f64(),
            if full_cuts == first_cuts { "SAME" } else { "DIFFERENT" },
            if py_cuts.as_deref() == Some(full_cuts.as_str()) { "SAME" } else { "DIFFERENT" },
            report,
            report_kf,
        );
        if full_cuts != first_cuts || py_cuts.as_deref() != Some(full_cuts.as_str()) {
            println!(
                "    cut times: full [{full_cuts}] keyframe-first [{first_cuts}] pyscenedetect [{}]",
                py_cuts.as_deref().unwrap_or("?")
            );
        }
        tot_frames += frames;
        for (k, s) in best.iter().enumerate() {
            tot[k] += s.wall.as_secs_f64();
            tot_cpu[k] += s.cpu.as_secs_f64();
        }
    }
    let n = tot_frames as f64;
    let per = |t: &[f64; 6]| {
        kinds
            .iter()
            .zip(t)
            .map(|(k, v)| format!("{k} {:.0}", n / v))
            .collect::<Vec<_>>()
            .join(", ")
    };
    println!("total: {tot_frames} frames; frames/s: {}", per(&tot));
    println!(
        "total ratios: pyscenedetect/full {:.2}x, pyscenedetect/first {:.2}x, pyscenedetect/first+kf {:.2}x; \
         first/decode {:.2}, first+kf/decode {:.2}, full/decode {:.2}",
        tot[5] / tot[1],
        tot[5] / tot[3],
        tot[5] / tot[4],
        tot[3] / tot[0],
        tot[4] / tot[0],
        tot[1] / tot[0],
    );
    println!(
        "CPU time (user+system, all processes), frames per CPU-second: {}",
        per(&tot_cpu)
    );
    println!("load average at the end: {}", load_average());
    Ok(())
}

/// The CPU model: `model name` (and family/model) from /proc/cpuinfo, plus lscpu's model line.
fn cpu_model() -> String {
    let info = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let field = |key: &str| {
        info.lines()
            .find(|l| l.split(':').next().is_some_and(|k| k.trim() == key))
            .and_then(|l| l.split_once(':'))
            .map(|(_, v)| v.trim().to_owned())
            .unwrap_or_default()
    };
    let lscpu = Command::new("lscpu")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default();
    let lscpu_model = lscpu
        .lines()
        .find(|l| l.trim_start().starts_with("Model name"))
        .map(|l| l.split_once(':').map_or(l, |(_, v)| v).trim().to_owned())
        .unwrap_or_default();
    format!(
        "/proc/cpuinfo: {} (family {}, model {}, {} MHz); lscpu: {}",
        field("model name"),
        field("cpu family"),
        field("model"),
        field("cpu MHz"),
        lscpu_model
    )
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

/// Cut times (seconds, 3 decimals) from `scenedetect ... list-scenes` console output: the start
/// times of scenes 2.. (times rather than frames so variable frame rate files compare too).
fn pyscenedetect_cuts(out: &str) -> Option<String> {
    let mut starts = Vec::new();
    let mut in_table = false;
    for line in out.lines() {
        if line.contains("Scene #") {
            in_table = true;
            continue;
        }
        if in_table && line.trim_start().starts_with('|') {
            let cols: Vec<&str> = line.split('|').map(str::trim).collect();
            if let (Some(_), Some(start)) =
                (cols.get(1).and_then(|c| c.parse::<u64>().ok()), cols.get(3))
            {
                starts.push(parse_timecode(start)?);
            }
        }
    }
    if !in_table {
        // A video with one scene prints no table.
        return out
            .contains("No scenes detected")
            .then(String::new)
            .or(Some(String::new()));
    }
    Some(
        starts
            .iter()
            .skip(1)
            .map(|s| format!("{s:.3}"))
            .collect::<Vec<_>>()
            .join(","),
    )
}

/// `HH:MM:SS.mmm` in seconds.
fn parse_timecode(tc: &str) -> Option<f64> {
    let mut parts = tc.split(':');
    let h: f64 = parts.next()?.parse().ok()?;
    let m: f64 = parts.next()?.parse().ok()?;
    let s: f64 = parts.next()?.parse().ok()?;
    Some(h * 3600.0 + m * 60.0 + s)
}

#[derive(Debug, Clone, Copy)]
struct Sample {
    wall: Duration,
    /// User + system CPU time of the process tree.
    cpu: Duration,
    rss_kb: u64,
}

impl Sample {
    fn worst() -> Self {
        Self {
            wall: Duration::MAX,
            cpu: Duration::MAX,
            rss_kb: 0,
        }
    }

    fn best(self, other: Sample) -> Sample {
        Sample {
            wall: self.wall.min(other.wall),
            cpu: self.cpu.min(other.cpu),
            rss_kb: self.rss_kb.max(other.rss_kb),
        }
    }

    fn rss_mb(&self) -> f64 {
        self.rss_kb as f64 / 1024.0
    }
}

/// Runs `cmd`, timing it and sampling the RSS of its process tree every few milliseconds.
fn measure_out(cmd: &mut Command) -> Result<(Sample, String), BoxError> {
    let cpu_before = children_cpu();
    let start = Instant::now();
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    let pid = child.id();
    let mut stdout = child.stdout.take().ok_or("no stdout")?;
    let mut stderr = child.stderr.take().ok_or("no stderr")?;
    let out_thread = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = std::io::Read::read_to_string(&mut stdout, &mut s);
        s
    });
    let err_thread = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = std::io::Read::read_to_string(&mut stderr, &mut s);
        s
    });
    let mut peak = 0u64;
    let status = loop {
        peak = peak.max(tree_rss_kb(pid));
        if let Some(status) = child.try_wait()? {
            break status;
        }
        std::thread::sleep(Duration::from_millis(3));
    };
    let wall = start.elapsed();
    let cpu = children_cpu().saturating_sub(cpu_before);
    let out = out_thread.join().unwrap_or_default();
    let err = err_thread.join().unwrap_or_default();
    if !status.success() {
        return Err(format!(
            "{:?} failed: {}",
            cmd.get_program(),
            err.lines().last().unwrap_or("")
        )
        .into());
    }
    Ok((
        Sample {
            wall,
            cpu,
            rss_kb: peak,
        },
        out + &err,
    ))
}

/// CPU time (user + system) of this process's waited-for children, from `/proc/self/stat`
/// (`cutime` + `cstime`, in clock ticks of 1/100 s).
fn children_cpu() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name, which is in parentheses and may contain spaces.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<u64> = rest
        .split_whitespace()
        .map(|x| x.parse().unwrap_or(0))
        .collect();
    // rest[0] is field 3 (state); cutime and cstime are fields 16 and 17.
    let ticks = f.get(13).copied().unwrap_or(0) + f.get(14).copied().unwrap_or(0);
    Duration::from_millis(ticks * 10)
}

/// Summed VmRSS (kB) of `pid` and all its descendants (Linux /proc; 0 elsewhere).
fn tree_rss_kb(pid: u32) -> u64 {
    let mut total = 0;
    let mut stack = vec![pid];
    while let Some(p) = stack.pop() {
        if let Ok(status) = std::fs::read_to_string(format!("/proc/{p}/status")) {
            total += status
                .lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.split_whitespace().next())
                .and_then(|v| v.parse::<u64>().ok())
                .unwrap_or(0);
        }
        if let Ok(tasks) = std::fs::read_dir(format!("/proc/{p}/task")) {
            for t in tasks.flatten() {
                if let Ok(children) = std::fs::read_to_string(t.path().join("children")) {
                    stack.extend(
                        children
                            .split_whitespace()
                            .filter_map(|c| c.parse::<u32>().ok()),
                    );
                }
            }
        }
    }
    total
}
