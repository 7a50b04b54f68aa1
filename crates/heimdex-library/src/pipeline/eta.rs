//! The time left for a whole video, with stages that run at the same time.
//!
//! Stages that run together share the cores, so one stage's own rate says little about when it
//! ends (speech speeds up once the scenes pass is done). The estimate weighs each stage's fraction
//! done by its usual cost ([`prior_secs_per_video_sec`]): the video's fraction done, and the time
//! since its first stage started, give the time left ([`estimate`]). Before that fraction says
//! much (the first 5 %), it is blended with a plan ([`plan`]): each running stage ends by its own
//! rate; a stage not started takes its usual cost, scaled by how much faster or slower the stages
//! seen so far ran than theirs, from when the stages it depends on
//! ([`crate::jobs::dependencies`]) are done; the video ends at the end of its longest chain.

use crate::jobs::dependencies;
use heimdex_core::Stage;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

/// Where one stage of the video is, for the estimate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum StageStatus {
    /// Not started (queued, or waiting for the stages it depends on).
    Waiting,
    /// Running for `elapsed` seconds of measured work with `fraction` of it done.
    Running { elapsed: f64, fraction: f64 },
    /// Finished; `secs` is how long it ran when this process saw it run.
    Done { secs: Option<f64> },
}

/// Each stage's usual cost: seconds per second of video that the stage takes alone on a 2-core x86
/// machine (the stages of `scripts/bench-index.sh` one after another, 720p30 H.264 with speech,
/// machine load about 3 from other work). Their ratios say how much of the video's work each
/// stage is; the plan scales them by the speed it observes.
pub fn prior_secs_per_video_sec(stage: Stage) -> f64 {
    match stage {
        Stage::Poster => 0.0003,
        Stage::Scenes => 0.042,
        Stage::Speech => 0.072,
        Stage::Vision => 0.004,
        Stage::Embed => 0.015,
        Stage::Caption => 0.0,
    }
}

/// Each stage's cost in seconds per second of video: what it took in this library lately
/// ([`crate::jobs::usual_costs`]) where it has run, its prior ([`prior_secs_per_video_sec`])
/// scaled by how the learned stages compare with their priors elsewhere.
#[derive(Debug, Clone, PartialEq)]
pub struct StageCosts {
    learned: Vec<(Stage, f64)>,
    /// Learned over prior, over the stages learned (1 with none).
    scale: f64,
}

impl StageCosts {
    /// The priors alone (a library that has indexed nothing yet).
    pub fn priors() -> Self {
        Self::learned(Vec::new())
    }

    /// `learned`: seconds per video second for the stages that have a history.
    pub fn learned(learned: Vec<(Stage, f64)>) -> Self {
        let learned: Vec<(Stage, f64)> = learned
            .into_iter()
            .filter(|(_, c)| c.is_finite() && *c >= 0.0)
            .collect();
        let (seen, usual) = learned.iter().fold((0.0, 0.0), |(a, b), (s, c)| {
            (a + c, b + prior_secs_per_video_sec(*s))
        });
        let scale = if seen > 0.0 && usual > 0.0 {
            (seen / usual).clamp(0.1, 10.0)
        } else {
            1.0
        };
        Self { learned, scale }
    }

    /// Seconds per second of video for `stage`.
    pub fn of(&self, stage: Stage) -> f64 {
        self.learned
            .iter()
            .find(|(s, _)| *s == stage)
            .map_or_else(|| prior_secs_per_video_sec(stage) * self.scale, |(_, c)| *c)
    }
}

/// The video's fraction done below which the plan ([`plan`]) still counts.
const PLAN_UNTIL: f64 = 0.05;

/// Seconds left for the video: `stages` as they are, `elapsed` seconds since its first stage
/// started (in this run; stages done before it are left out of `stages` as `Done { secs: None }`
/// and count for nothing).
pub fn estimate(
    stages: &[(Stage, StageStatus)],
    duration_secs: f64,
    elapsed: f64,
    costs: &StageCosts,
) -> f64 {
    let planned = plan(stages, duration_secs, costs);
    let (mut done, mut all) = (0.0, 0.0);
    for (stage, status) in stages {
        let w = costs.of(*stage);
        let f = match *status {
            StageStatus::Done { secs: None } => continue,
            StageStatus::Done { secs: Some(_) } => 1.0,
            StageStatus::Running { fraction, .. } => fraction.clamp(0.0, 1.0),
            StageStatus::Waiting => 0.0,
        };
        done += w * f;
        all += w;
    }
    if all <= 0.0 || done <= 0.0 || elapsed <= 0.0 {
        return planned;
    }
    let fraction = done / all;
    let by_rate = elapsed * (1.0 - fraction) / fraction;
    let w = (fraction / PLAN_UNTIL).min(1.0);
    w * by_rate + (1.0 - w) * planned
}

/// A running stage's own rate is trusted fully from this fraction on; before it, it is blended
/// with the prior (the first percent of a stage says little: model warm-up, the first window).
const TRUST_FRACTION: f64 = 0.15;
/// Observations that scale the priors must cover at least this many seconds of work.
const MIN_OBSERVED_SECS: f64 = 2.0;

/// Seconds left for the video whose stages are `stages` (each stage once), `duration_secs` long, by
/// the longest chain of stages still to run.
pub fn plan(stages: &[(Stage, StageStatus)], duration_secs: f64, costs: &StageCosts) -> f64 {
    let duration = duration_secs.max(0.0);
    let prior = |s: Stage| costs.of(s) * duration;
    // How much slower (> 1) or faster than the priors the stages seen so far ran.
    let (mut seen, mut expected) = (0.0, 0.0);
    for (stage, status) in stages {
        let (secs, share) = match *status {
            StageStatus::Done { secs: Some(s) } => (s, 1.0),
            StageStatus::Running { elapsed, fraction } if fraction >= 0.02 => {
                (elapsed / fraction, fraction.min(1.0))
            }
            _ => continue,
        };
        if prior(*stage) > 0.0 {
            seen += secs * share;
            expected += prior(*stage) * share;
        }
    }
    let speed = if seen >= MIN_OBSERVED_SECS && expected > 0.0 {
        (seen / expected).clamp(0.2, 5.0)
    } else {
        1.0
    };
    let remaining = |stage: Stage, status: StageStatus| -> f64 {
        let usual = prior(stage) * speed;
        match status {
            StageStatus::Done { .. } => 0.0,
            StageStatus::Waiting => usual,
            StageStatus::Running { elapsed, fraction } => {
                let from_prior = (usual - elapsed).max(usual * 0.05);
                if fraction <= 0.0 {
                    return from_prior;
                }
                let fraction = fraction.min(1.0);
                let own = elapsed * (1.0 - fraction) / fraction;
                let w = (fraction / TRUST_FRACTION).min(1.0);
                w * own + (1.0 - w) * from_prior.max(usual * (1.0 - fraction))
            }
        }
    };
    // Stage end times along the dependencies (stages in pipeline order: dependencies first).
    let mut sorted: Vec<(Stage, StageStatus)> = stages.to_vec();
    sorted.sort_by_key(|(s, _)| s.order());
    let mut ends: HashMap<Stage, f64> = HashMap::new();
    for (stage, status) in &sorted {
        let start = match status {
            StageStatus::Waiting => dependencies(*stage)
                .iter()
                .filter_map(|d| ends.get(d))
                .fold(0.0_f64, |a, b| a.max(*b)),
            _ => 0.0,
        };
        ends.insert(*stage, start + remaining(*stage, *status));
    }
    ends.values().fold(0.0_f64, |a, b| a.max(*b))
}

/// The live estimate for one video, shared by its running jobs' progress reporters.
#[derive(Debug)]
pub struct VideoEta {
    duration_secs: f64,
    costs: StageCosts,
    /// When the first stage of this run started (`None` until then).
    first_start: Mutex<Option<Instant>>,
    stages: Mutex<Vec<(Stage, Tracked)>>,
}

#[derive(Debug, Clone, Copy)]
enum Tracked {
    Waiting,
    Running {
        started: Instant,
        fraction: f64,
        /// When `fraction` last grew, and the largest step it grew by.
        reported: Instant,
        step: f64,
        /// Since when, and from which fraction, it is the video's only running stage.
        alone: Option<(Instant, f64)>,
    },
    Done {
        secs: Option<f64>,
    },
}

/// A stage's fraction now, between its reports: stages that report in steps (speech after each
/// window, seconds apart) would make the estimate jump up and down between them. From its last
/// report, `since_report` seconds ago, the fraction is carried on at the stage's average rate up
/// to then, by at most one more `step` (the largest it has made).
pub fn between_reports(fraction: f64, elapsed: f64, since_report: f64, step: f64) -> f64 {
    let until_report = elapsed - since_report;
    if fraction <= 0.0 || until_report <= 0.0 || since_report <= 0.0 {
        return fraction;
    }
    let carried = fraction / until_report * since_report;
    (fraction + carried.min(step)).min(1.0)
}

/// The video's last stage with a cost, running alone: its own rate since it runs alone says best
/// when the video ends (the stages before it shared the cores; a rate over the whole run counts
/// their speed). `estimate`: the estimate from all stages; `fraction`: the stage's fraction now;
/// `secs` and `gained`: the seconds since it runs alone and the fraction it did in them. Blended
/// with `estimate` from [`MIN_ALONE_GAIN`] until it has done that plus [`TRUST_FRACTION`] alone
/// (the first items of a stage can cost far more than the rest: a few pictures read by Tesseract
/// before hundreds of texts embedded).
pub fn last_stage_alone(estimate: f64, fraction: f64, secs: f64, gained: f64) -> f64 {
    if gained <= MIN_ALONE_GAIN || secs <= 0.0 {
        return estimate;
    }
    let own = secs * (1.0 - fraction).max(0.0) / gained;
    let w = ((gained - MIN_ALONE_GAIN) / TRUST_FRACTION).min(1.0);
    w * own + (1.0 - w) * estimate
}

/// The fraction the last stage must have done alone before its own rate counts at all.
const MIN_ALONE_GAIN: f64 = 0.02;

impl VideoEta {
    /// `stages`: the video's stages with whether each is already done; `costs`: what they usually
    /// take.
    pub fn new(duration_secs: f64, stages: &[(Stage, bool)], costs: StageCosts) -> Self {
        Self {
            duration_secs,
            costs,
            first_start: Mutex::new(None),
            stages: Mutex::new(
                stages
                    .iter()
                    .map(|&(s, done)| {
                        (
                            s,
                            if done {
                                Tracked::Done { secs: None }
                            } else {
                                Tracked::Waiting
                            },
                        )
                    })
                    .collect(),
            ),
        }
    }

    fn with_stage(&self, stage: Stage, f: impl FnOnce(&mut Tracked)) {
        if let Ok(mut stages) = self.stages.lock() {
            match stages.iter_mut().find(|(s, _)| *s == stage) {
                Some((_, t)) => f(t),
                None => {
                    let mut t = Tracked::Waiting;
                    f(&mut t);
                    stages.push((stage, t));
                }
            }
            // Which stage runs alone, since when.
            let running = stages
                .iter()
                .filter(|(_, t)| matches!(t, Tracked::Running { .. }))
                .count();
            for (_, t) in stages.iter_mut() {
                if let Tracked::Running {
                    fraction, alone, ..
                } = t
                {
                    if running != 1 {
                        *alone = None;
                    } else if alone.is_none() {
                        *alone = Some((Instant::now(), *fraction));
                    }
                }
            }
        }
    }

    /// A stage's measured work starts (or starts again: after its model loaded, say).
    pub fn started(&self, stage: Stage, at: Instant) {
        if let Ok(mut first) = self.first_start.lock() {
            first.get_or_insert(at);
        }
        self.with_stage(stage, |t| {
            *t = Tracked::Running {
                started: at,
                fraction: 0.0,
                reported: at,
                step: 0.0,
                alone: None,
            }
        });
    }

    /// A running stage reports `fraction` done.
    pub fn progress(&self, stage: Stage, fraction: f64) {
        self.with_stage(stage, |t| match t {
            Tracked::Running {
                fraction: f,
                reported,
                step,
                ..
            } => {
                if fraction > *f {
                    *step = step.max(fraction - *f);
                    *reported = Instant::now();
                }
                *f = fraction;
            }
            _ => {
                let now = Instant::now();
                *t = Tracked::Running {
                    started: now,
                    fraction,
                    reported: now,
                    step: 0.0,
                    alone: None,
                }
            }
        });
    }

    /// A stage finished.
    pub fn done(&self, stage: Stage) {
        self.with_stage(stage, |t| {
            let secs = match t {
                Tracked::Running { started, .. } => Some(started.elapsed().as_secs_f64()),
                _ => None,
            };
            *t = Tracked::Done { secs };
        });
    }

    /// A stage stopped without finishing (it failed and waits for its next attempt, or was
    /// cancelled).
    pub fn stopped(&self, stage: Stage) {
        self.with_stage(stage, |t| *t = Tracked::Waiting);
    }

    /// Seconds left for the whole video now.
    pub fn secs_left(&self) -> f64 {
        let Ok(stages) = self.stages.lock() else {
            return 0.0;
        };
        let now = Instant::now();
        let statuses: Vec<(Stage, StageStatus)> = stages
            .iter()
            .map(|(s, t)| {
                let status = match *t {
                    Tracked::Waiting => StageStatus::Waiting,
                    Tracked::Running {
                        started,
                        fraction,
                        reported,
                        step,
                        ..
                    } => {
                        let elapsed = now.duration_since(started).as_secs_f64();
                        let since = now.duration_since(reported).as_secs_f64();
                        StageStatus::Running {
                            elapsed,
                            fraction: between_reports(fraction, elapsed, since, step),
                        }
                    }
                    Tracked::Done { secs } => StageStatus::Done { secs },
                };
                (*s, status)
            })
            .collect();
        // The last stage with a cost, running alone (nothing with a cost waits).
        let mut running = stages
            .iter()
            .zip(&statuses)
            .filter_map(|((s, t), (_, st))| match (*t, *st) {
                (Tracked::Running { alone, .. }, StageStatus::Running { fraction, .. }) => {
                    Some((*s, fraction, alone))
                }
                _ => None,
            });
        let last_alone = match (running.next(), running.next()) {
            (Some((_, fraction, Some((since, from)))), None)
                if !stages
                    .iter()
                    .any(|(s, t)| matches!(t, Tracked::Waiting) && self.costs.of(*s) > 0.0) =>
            {
                Some((
                    fraction,
                    now.duration_since(since).as_secs_f64(),
                    fraction - from,
                ))
            }
            _ => None,
        };
        drop(stages);
        let elapsed = self
            .first_start
            .lock()
            .ok()
            .and_then(|f| *f)
            .map_or(0.0, |f| now.duration_since(f).as_secs_f64());
        let all = estimate(&statuses, self.duration_secs, elapsed, &self.costs);
        match last_alone {
            Some((fraction, secs, gained)) => last_stage_alone(all, fraction, secs, gained),
            None => all,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use StageStatus::{Done, Running, Waiting};

    const ALL_WAITING: [(Stage, StageStatus); 5] = [
        (Stage::Poster, Waiting),
        (Stage::Scenes, Waiting),
        (Stage::Speech, Waiting),
        (Stage::Vision, Waiting),
        (Stage::Embed, Waiting),
    ];

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-6 * b.abs().max(1.0)
    }

    #[test]
    fn before_anything_runs_the_longest_chain_of_priors() {
        let d = 600.0;
        let p = |s| prior_secs_per_video_sec(s) * d;
        let chain = (p(Stage::Scenes) + p(Stage::Vision)).max(p(Stage::Speech)) + p(Stage::Embed);
        assert!(close(plan(&ALL_WAITING, d, &StageCosts::priors()), chain));
        assert!(close(
            estimate(&ALL_WAITING, d, 0.0, &StageCosts::priors()),
            chain
        ));
    }

    #[test]
    fn stages_at_the_same_time_overlap_and_later_ones_add_up() {
        // Scenes and speech run together, each with 100 s left; vision and embed follow.
        let d = 1000.0;
        let stages = [
            (Stage::Poster, Done { secs: None }),
            (
                Stage::Scenes,
                Running {
                    elapsed: 100.0,
                    fraction: 0.5,
                },
            ),
            (
                Stage::Speech,
                Running {
                    elapsed: 100.0,
                    fraction: 0.5,
                },
            ),
            (Stage::Vision, Waiting),
            (Stage::Embed, Waiting),
        ];
        let got = plan(&stages, d, &StageCosts::priors());
        // Each running stage has 100 s left by its own rate; the priors are scaled by how the
        // running stages compare with theirs.
        let speed = (200.0 * 0.5 + 200.0 * 0.5)
            / (prior_secs_per_video_sec(Stage::Scenes) * d * 0.5
                + prior_secs_per_video_sec(Stage::Speech) * d * 0.5);
        let p = |s| prior_secs_per_video_sec(s) * d * speed.clamp(0.2, 5.0);
        let want = (100.0 + p(Stage::Vision)).max(100.0) + p(Stage::Embed);
        assert!(close(got, want), "{got} vs {want}");
    }

    #[test]
    fn a_slow_machine_slows_the_stages_not_started() {
        let d = 600.0;
        let usual = prior_secs_per_video_sec(Stage::Speech) * d;
        // Speech is a quarter done after as long as it usually takes in all: 4x slower.
        let slow = [
            (Stage::Poster, Done { secs: None }),
            (Stage::Scenes, Done { secs: None }),
            (Stage::Vision, Done { secs: None }),
            (
                Stage::Speech,
                Running {
                    elapsed: usual,
                    fraction: 0.25,
                },
            ),
            (Stage::Embed, Waiting),
        ];
        let got = plan(&slow, d, &StageCosts::priors());
        let want = 3.0 * usual + 4.0 * prior_secs_per_video_sec(Stage::Embed) * d;
        assert!(close(got, want), "{got} vs {want}");
    }

    #[test]
    fn done_is_zero_and_estimates_shrink_as_work_gets_done() {
        let done: Vec<_> = ALL_WAITING
            .iter()
            .map(|(s, _)| (*s, Done { secs: Some(1.0) }))
            .collect();
        assert_eq!(plan(&done, 600.0, &StageCosts::priors()), 0.0);
        assert_eq!(estimate(&done, 600.0, 10.0, &StageCosts::priors()), 0.0);
        let mut last = f64::INFINITY;
        for i in 1..=10 {
            let f = f64::from(i) / 10.0;
            let usual = prior_secs_per_video_sec(Stage::Embed) * 600.0;
            let stages = [
                (Stage::Scenes, Done { secs: None }),
                (
                    Stage::Embed,
                    Running {
                        elapsed: usual * f,
                        fraction: f,
                    },
                ),
            ];
            let got = plan(&stages, 600.0, &StageCosts::priors());
            assert!(got <= last + 1e-9, "{got} after {last}");
            last = got;
        }
        assert!(last.abs() < 1e-9);
    }

    #[test]
    fn past_a_tenth_the_video_rate_decides() {
        // Half of the video's work (by the stages' usual costs) done in 100 s: 100 s left,
        // whichever stages did it and whatever their own rates say.
        let d = 600.0;
        let p = |s| prior_secs_per_video_sec(s);
        let all = p(Stage::Scenes) + p(Stage::Speech) + p(Stage::Embed);
        // Speech alone is worth `half` of the work when it is `fs` done.
        let fs = (all / 2.0) / p(Stage::Speech);
        assert!(fs < 1.0);
        let stages = [
            (Stage::Poster, Done { secs: None }),
            (
                Stage::Scenes,
                Running {
                    elapsed: 100.0,
                    fraction: 0.0,
                },
            ),
            (
                Stage::Speech,
                Running {
                    elapsed: 5.0,
                    fraction: fs,
                },
            ),
            (Stage::Embed, Waiting),
        ];
        let got = estimate(&stages, d, 100.0, &StageCosts::priors());
        assert!(close(got, 100.0), "{got}");
        // Early on the plan counts: at 2.5 % done, half of each.
        let fs = 0.025 * all / p(Stage::Speech);
        let stages = [
            (Stage::Scenes, Waiting),
            (
                Stage::Speech,
                Running {
                    elapsed: 10.0,
                    fraction: fs,
                },
            ),
            (Stage::Embed, Waiting),
        ];
        let got = estimate(&stages, d, 10.0, &StageCosts::priors());
        let want = 0.5 * (10.0 * 0.975 / 0.025) + 0.5 * plan(&stages, d, &StageCosts::priors());
        assert!(close(got, want), "{got} vs {want}");
    }

    #[test]
    fn learned_costs_replace_the_priors_and_scale_the_others() {
        let p = prior_secs_per_video_sec;
        assert!(close(
            StageCosts::priors().of(Stage::Embed),
            p(Stage::Embed)
        ));
        // This library runs speech and scenes at half their priors: embed, not seen yet, is
        // expected at half its prior too.
        let half = StageCosts::learned(vec![
            (Stage::Speech, p(Stage::Speech) / 2.0),
            (Stage::Scenes, p(Stage::Scenes) / 2.0),
        ]);
        assert!(close(half.of(Stage::Speech), p(Stage::Speech) / 2.0));
        assert!(close(half.of(Stage::Embed), p(Stage::Embed) / 2.0));
        // Nonsense from the history is ignored.
        let odd = StageCosts::learned(vec![(Stage::Speech, f64::NAN), (Stage::Scenes, -1.0)]);
        assert!(close(odd.of(Stage::Speech), p(Stage::Speech)));
        // A plan with the learned costs is that much shorter.
        let d = 600.0;
        assert!(close(
            plan(&ALL_WAITING, d, &half),
            plan(&ALL_WAITING, d, &StageCosts::priors()) / 2.0
        ));
    }

    #[test]
    fn the_last_stage_alone_goes_by_its_own_rate() {
        // Nothing done alone yet: the estimate as it is.
        assert!(close(last_stage_alone(50.0, 0.3, 0.0, 0.0), 50.0));
        // Too little done alone to say anything.
        assert!(close(last_stage_alone(50.0, 0.31, 5.0, 0.01), 50.0));
        // A tenth done alone in 10 s with 60 % left: 60 s by its own rate, blended with the
        // estimate until 2 + 15 % were done alone.
        let w = (0.1 - MIN_ALONE_GAIN) / TRUST_FRACTION;
        assert!(close(
            last_stage_alone(30.0, 0.4, 10.0, 0.1),
            w * 60.0 + (1.0 - w) * 30.0
        ));
        assert!(close(last_stage_alone(30.0, 0.5, 20.0, 0.2), 50.0));
        assert!(close(last_stage_alone(30.0, 1.0, 20.0, 0.2), 0.0));
    }

    #[test]
    fn the_live_estimate_uses_the_last_stage_s_own_rate() {
        let eta = VideoEta::new(
            600.0,
            &[(Stage::Speech, false), (Stage::Embed, false)],
            StageCosts::priors(),
        );
        let t0 = Instant::now();
        eta.started(Stage::Speech, t0);
        eta.started(Stage::Embed, t0);
        eta.progress(Stage::Embed, 0.5);
        // Two stages run: no stage runs alone.
        let shared = eta.secs_left();
        eta.done(Stage::Speech);
        // Embed now runs alone, from one half; nothing done alone yet: the same estimate.
        let alone = eta.secs_left();
        assert!(alone.is_finite() && shared.is_finite());
        std::thread::sleep(std::time::Duration::from_millis(20));
        eta.progress(Stage::Embed, 0.9);
        // 40 % in about 20 ms: 10 % left takes about 5 ms by its own rate.
        assert!(eta.secs_left() < 0.5, "{}", eta.secs_left());
    }

    #[test]
    fn between_reports_the_fraction_goes_on_by_at_most_one_step() {
        // Half done after 8 s, reported 2 s ago, in steps of a tenth: the average rate would add
        // an eighth; one step is the most.
        assert!(close(between_reports(0.5, 10.0, 2.0, 0.1), 0.6));
        assert!(close(
            between_reports(0.5, 10.0, 0.5, 0.1),
            0.5 + 0.5 / 9.5 * 0.5
        ));
        // Nothing reported yet, or just now: as reported.
        assert!(close(between_reports(0.0, 10.0, 10.0, 0.0), 0.0));
        assert!(close(between_reports(0.4, 10.0, 0.0, 0.1), 0.4));
        assert!(close(between_reports(0.95, 10.0, 5.0, 0.2), 1.0));
    }

    #[test]
    fn the_live_estimate_follows_the_stages() {
        let eta = VideoEta::new(
            600.0,
            &[(Stage::Poster, true), (Stage::Speech, false)],
            StageCosts::priors(),
        );
        let before = eta.secs_left();
        assert!(close(
            before,
            prior_secs_per_video_sec(Stage::Speech) * 600.0
        ));
        eta.started(Stage::Speech, Instant::now());
        eta.progress(Stage::Speech, 0.5);
        assert!(eta.secs_left() < before);
        eta.done(Stage::Speech);
        assert_eq!(eta.secs_left(), 0.0);
        // A stage not known when the estimate was made is added when it starts.
        eta.started(Stage::Embed, Instant::now());
        assert!(eta.secs_left() > 0.0);
        eta.stopped(Stage::Embed);
        assert!(eta.secs_left().is_finite());
    }
}
