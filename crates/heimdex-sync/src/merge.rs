//! Team hits merged with local hits: reciprocal-rank fusion (k = 60) over the two ranked lists,
//! the same scene (same content hash and scene index) counted once.

use crate::ids::scene_uuid;
use crate::target::TeamHit;
use serde::Serialize;
use std::collections::HashMap;
use uuid::Uuid;

/// RRF constant, as in local hybrid search.
pub const RRF_K: f64 = 60.0;

/// A local hit, as the merge needs it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LocalHit {
    pub content_hash: String,
    pub scene_index: u32,
    pub file_name: String,
    pub start_secs: f64,
    pub end_secs: f64,
    pub text: String,
}

/// Where a merged hit was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    Local,
    Team,
    Both,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MergedHit {
    pub scene_id: Uuid,
    pub file_name: String,
    pub scene_index: u32,
    pub start_secs: f64,
    pub end_secs: f64,
    pub text: String,
    pub origin: Origin,
    pub score: f64,
    /// 1-based ranks in each list.
    pub local_rank: Option<usize>,
    pub team_rank: Option<usize>,
}

/// Fuses `local` and `team` (each best first) and returns the best `limit`.
pub fn merge(local: &[LocalHit], team: &[TeamHit], limit: usize) -> Vec<MergedHit> {
    let mut by_id: HashMap<Uuid, MergedHit> = HashMap::new();
    for (i, h) in local.iter().enumerate() {
        let id = scene_uuid(&h.content_hash, h.scene_index);
        by_id.entry(id).or_insert_with(|| MergedHit {
            scene_id: id,
            file_name: h.file_name.clone(),
            scene_index: h.scene_index,
            start_secs: h.start_secs,
            end_secs: h.end_secs,
            text: h.text.clone(),
            origin: Origin::Local,
            score: 1.0 / (RRF_K + (i + 1) as f64),
            local_rank: Some(i + 1),
            team_rank: None,
        });
    }
    for (i, h) in team.iter().enumerate() {
        let add = 1.0 / (RRF_K + (i + 1) as f64);
        match by_id.get_mut(&h.scene_id) {
            Some(m) if m.team_rank.is_none() => {
                m.score += add;
                m.origin = Origin::Both;
                m.team_rank = Some(i + 1);
            }
            Some(_) => {}
            None => {
                by_id.insert(
                    h.scene_id,
                    MergedHit {
                        scene_id: h.scene_id,
                        file_name: h.file_name.clone(),
                        scene_index: u32::try_from(h.scene_index).unwrap_or(0),
                        start_secs: h.start_secs,
                        end_secs: h.end_secs,
                        text: h.combined_text.clone(),
                        origin: Origin::Team,
                        score: add,
                        local_rank: None,
                        team_rank: Some(i + 1),
                    },
                );
            }
        }
    }
    let mut out: Vec<MergedHit> = by_id.into_values().collect();
    out.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then(
                a.local_rank
                    .unwrap_or(usize::MAX)
                    .cmp(&b.local_rank.unwrap_or(usize::MAX)),
            )
            .then(
                a.team_rank
                    .unwrap_or(usize::MAX)
                    .cmp(&b.team_rank.unwrap_or(usize::MAX)),
            )
    });
    out.truncate(limit);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::video_uuid;

    fn local(hash: &str, idx: u32) -> LocalHit {
        LocalHit {
            content_hash: hash.into(),
            scene_index: idx,
            file_name: format!("{hash}.mp4"),
            start_secs: 0.0,
            end_secs: 1.0,
            text: String::new(),
        }
    }

    fn team(hash: &str, idx: u32) -> TeamHit {
        TeamHit {
            scene_id: scene_uuid(hash, idx),
            video_id: video_uuid(hash),
            file_name: format!("{hash}.mp4"),
            scene_index: idx as i32,
            start_secs: 0.0,
            end_secs: 1.0,
            combined_text: String::new(),
            similarity: 0.5,
        }
    }

    #[test]
    fn a_scene_in_both_lists_counts_once_and_ranks_first() {
        let l = [local("a", 0), local("b", 1)];
        let t = [team("c", 0), team("b", 1)];
        let m = merge(&l, &t, 10);
        assert_eq!(m.len(), 3);
        assert_eq!(m[0].scene_id, scene_uuid("b", 1));
        assert_eq!(m[0].origin, Origin::Both);
        assert_eq!((m[0].local_rank, m[0].team_rank), (Some(2), Some(2)));
        // Ties: the local first hit before the team's first hit.
        assert_eq!(m[1].origin, Origin::Local);
        assert_eq!(m[2].origin, Origin::Team);
        assert_eq!(merge(&l, &t, 1).len(), 1);
    }
}
