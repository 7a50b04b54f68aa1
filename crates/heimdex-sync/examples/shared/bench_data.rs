//! Data of the team backend benchmarks (bench_sync for pgvector, bench_qdrant for Qdrant): the
//! same 384-dim unit vectors around 2000 fixed centres for both, so their figures compare.
#![allow(dead_code)]

use heimdex_sync::ids::{scene_uuid, video_uuid};
use heimdex_sync::{SceneDoc, VideoDoc};

pub const DIM: usize = 384;
pub const MODEL: &str = "all-MiniLM-L6-v2";
pub const SCENES_PER_VIDEO: u32 = 500;

/// xorshift64* with Box-Muller normals: reproducible, no dependency.
pub struct Rng(pub u64);
impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn unit(&mut self) -> f64 {
        ((self.next() >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }
    pub fn normal(&mut self) -> f32 {
        let (u, v) = (self.unit(), self.unit());
        ((-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()) as f32
    }
}

pub fn normalise(mut v: Vec<f32>) -> Vec<f32> {
    let n = v.iter().map(|x| x * x).sum::<f32>().sqrt().max(1e-12);
    v.iter_mut().for_each(|x| *x /= n);
    v
}

pub struct Gen {
    rng: Rng,
    centres: Vec<Vec<f32>>,
}
impl Gen {
    /// The same `clusters` centres for every generator (data and queries share a distribution);
    /// `seed` picks the points.
    pub fn new(seed: u64, clusters: usize) -> Self {
        let mut rng = Rng(0x5eed);
        let centres = (0..clusters)
            .map(|_| normalise((0..DIM).map(|_| rng.normal()).collect()))
            .collect();
        Self {
            rng: Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1),
            centres,
        }
    }
    pub fn vector(&mut self) -> Vec<f32> {
        let c = (self.rng.next() % self.centres.len() as u64) as usize;
        let spread = 0.06_f32;
        let centre = &self.centres[c];
        let v = centre
            .iter()
            .map(|x| x + spread * self.rng.normal())
            .collect();
        normalise(v)
    }
}

pub fn docs(gen: &mut Gen, from: usize, n: usize) -> (Vec<VideoDoc>, Vec<SceneDoc>) {
    let mut videos = Vec::new();
    let mut scenes = Vec::with_capacity(n);
    for k in from..from + n {
        let video = k / SCENES_PER_VIDEO as usize;
        let idx = (k % SCENES_PER_VIDEO as usize) as u32;
        let hash = format!("bench{video:010}");
        if idx == 0 || k == from {
            videos.push(VideoDoc {
                id: video_uuid(&hash),
                content_hash: hash.clone(),
                file_name: format!("video-{video}.mp4"),
                duration_secs: 3600.0,
                width: Some(1920),
                height: Some(1080),
                scene_count: None,
                created_at: None,
            });
        }
        scenes.push(SceneDoc {
            id: scene_uuid(&hash, idx),
            video_id: video_uuid(&hash),
            scene_index: idx as i32,
            start_secs: f64::from(idx) * 7.0,
            end_secs: f64::from(idx) * 7.0 + 7.0,
            combined_text: format!(
                "scene {idx} of video {video}: a person talks about topic {}",
                k % 97
            ),
            transcript: String::new(),
            thumbnail_ref: None,
            thumbnail_jpeg: None,
            text_vector: Some((MODEL.into(), gen.vector())),
            image_vector: None,
        });
    }
    (videos, scenes)
}

pub fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .unwrap_or_default()
        .trim()
        .to_owned()
}

pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}
