//! ImageNet class names with their WordNet hypernyms (`labels.json` beside the weights), and the
//! tags of one image: the likeliest classes, then the broader words they share ("tabby cat" ->
//! "cat", "feline", "animal"), each hypernym scored by the probability of all its classes together
//! and weighted below a class.

use crate::EmbedError;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::Path;

/// One ImageNet class as `labels.json` lists it.
#[derive(Debug, Clone, Deserialize)]
pub struct ClassLabel {
    /// The readable name shown to people ("tabby cat").
    pub name: String,
    /// Every name of the class ("tabby", "tabby cat"), searchable.
    #[serde(default)]
    pub names: Vec<String>,
    /// Broader words, nearest first ("domestic cat", "cat", "feline", "carnivore", "mammal").
    #[serde(default)]
    pub hypernyms: Vec<String>,
}

/// Whether a tag is a class the model scored or a broader word derived from classes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TagKind {
    Class,
    Hypernym,
}

impl TagKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TagKind::Class => "class",
            TagKind::Hypernym => "hypernym",
        }
    }
}

/// A word for what is seen, with a score in 0..1.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tag {
    pub label: String,
    pub score: f32,
    pub kind: TagKind,
}

/// How many tags of each kind an image keeps, and from what score.
#[derive(Debug, Clone, Copy)]
pub struct TagPolicy {
    pub max_classes: usize,
    pub min_class_score: f32,
    pub max_hypernyms: usize,
    pub min_hypernym_score: f32,
    /// A hypernym's score is this times the summed probability of its classes.
    pub hypernym_weight: f32,
}

impl Default for TagPolicy {
    fn default() -> Self {
        Self {
            max_classes: 3,
            min_class_score: 0.08,
            max_hypernyms: 6,
            min_hypernym_score: 0.2,
            hypernym_weight: 0.85,
        }
    }
}

/// The class list of a classifier.
#[derive(Debug, Clone)]
pub struct Labels {
    classes: Vec<ClassLabel>,
}

impl Labels {
    pub fn read(path: &Path) -> Result<Self, EmbedError> {
        let text = std::fs::read_to_string(path).map_err(|source| EmbedError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let classes: Vec<ClassLabel> =
            serde_json::from_str(&text).map_err(|e| EmbedError::Config {
                path: path.to_path_buf(),
                message: e.to_string(),
            })?;
        if classes.is_empty() {
            return Err(EmbedError::Config {
                path: path.to_path_buf(),
                message: "no classes".into(),
            });
        }
        Ok(Self { classes })
    }

    pub fn from_classes(classes: Vec<ClassLabel>) -> Self {
        Self { classes }
    }

    pub fn len(&self) -> usize {
        self.classes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.classes.is_empty()
    }

    pub fn class(&self, i: usize) -> Option<&ClassLabel> {
        self.classes.get(i)
    }

    /// The tags of one image from its class probabilities (softmax, one per class).
    pub fn tags(&self, probs: &[f32], policy: &TagPolicy) -> Vec<Tag> {
        let mut order: Vec<usize> = (0..probs.len().min(self.classes.len())).collect();
        order.sort_by(|&a, &b| probs[b].total_cmp(&probs[a]));
        let mut tags: Vec<Tag> = Vec::new();
        for &i in order.iter().take(policy.max_classes) {
            // The best class always counts when it is clearly above chance.
            let floor = if tags.is_empty() {
                policy.min_class_score / 2.0
            } else {
                policy.min_class_score
            };
            if probs[i] < floor {
                break;
            }
            tags.push(Tag {
                label: self.classes[i].name.clone(),
                score: probs[i],
                kind: TagKind::Class,
            });
        }
        // Every hypernym's share of the probability, over all classes.
        let mut mass: HashMap<&str, f32> = HashMap::new();
        let mut first_seen: HashMap<&str, (usize, usize)> = HashMap::new();
        for (rank, &i) in order.iter().enumerate() {
            let p = probs[i];
            if p < 1e-4 {
                break;
            }
            for (pos, h) in self.classes[i].hypernyms.iter().enumerate() {
                *mass.entry(h.as_str()).or_default() += p;
                first_seen.entry(h.as_str()).or_insert((rank, pos));
            }
        }
        let mut broader: Vec<(&str, f32)> = mass
            .into_iter()
            .map(|(h, m)| (h, (m * policy.hypernym_weight).min(policy.hypernym_weight)))
            .filter(|(_, s)| *s >= policy.min_hypernym_score)
            .collect();
        broader.sort_by(|a, b| {
            b.1.total_cmp(&a.1)
                .then_with(|| first_seen[a.0].cmp(&first_seen[b.0]))
        });
        for (h, s) in broader {
            if tags.iter().filter(|t| t.kind == TagKind::Hypernym).count() >= policy.max_hypernyms {
                break;
            }
            if tags.iter().any(|t| t.label.eq_ignore_ascii_case(h)) {
                continue;
            }
            tags.push(Tag {
                label: h.to_owned(),
                score: s,
                kind: TagKind::Hypernym,
            });
        }
        tags
    }

    /// One short text per class, in class order: its names, then its broader words
    /// ("tabby cat, tabby, domestic cat, cat, feline, animal"). Embedded with the text model, these
    /// let a typed query reach every class by meaning, not only the few shown as tags.
    pub fn class_texts(&self) -> Vec<String> {
        self.classes
            .iter()
            .map(|c| {
                let mut words: Vec<&str> = vec![c.name.as_str()];
                for w in c.names.iter().chain(&c.hypernyms) {
                    if !words.iter().any(|x| x.eq_ignore_ascii_case(w)) {
                        words.push(w);
                    }
                }
                words.join(", ")
            })
            .collect()
    }

    /// The phrases a query is compared with, each with its class: the class's whole text (names
    /// and broader words, see [`Labels::class_texts`]) and each of its names alone. A long list of
    /// synonyms blurs a text vector ("dragonfly, darning needle, devil's darning needle, sewing
    /// needle, snake feeder, ..." is nearer "fly" than "dragonfly"), a name alone does not; the
    /// whole text keeps the broader words ("a cat" reaches "tabby").
    pub fn class_phrases(&self) -> Vec<(u16, String)> {
        let texts = self.class_texts();
        let mut out = Vec::with_capacity(texts.len() * 3);
        for (i, (c, text)) in self.classes.iter().zip(texts).enumerate() {
            let Ok(i) = u16::try_from(i) else { break };
            let mut names: Vec<&str> = vec![c.name.as_str()];
            for n in &c.names {
                if !names.iter().any(|x| x.eq_ignore_ascii_case(n)) {
                    names.push(n);
                }
            }
            for n in names {
                if !n.eq_ignore_ascii_case(&text) {
                    out.push((i, n.to_owned()));
                }
            }
            out.push((i, text));
        }
        out
    }

    /// Every name of the class called `name` (for the searchable text), or just `name`.
    pub fn names_of(&self, name: &str) -> Vec<String> {
        self.classes
            .iter()
            .find(|c| c.name == name)
            .map(|c| {
                let mut all = vec![c.name.clone()];
                for n in &c.names {
                    if !all.iter().any(|a| a.eq_ignore_ascii_case(n)) {
                        all.push(n.clone());
                    }
                }
                all
            })
            .unwrap_or_else(|| vec![name.to_owned()])
    }
}

/// Tags of several pictures of one scene merged: each label keeps its best score, best first.
pub fn merge_tags(per_image: &[Vec<Tag>]) -> Vec<Tag> {
    let mut best: Vec<Tag> = Vec::new();
    for tags in per_image {
        for t in tags {
            match best.iter_mut().find(|b| b.label == t.label) {
                Some(b) if b.score < t.score => {
                    b.score = t.score;
                    if t.kind == TagKind::Class {
                        b.kind = TagKind::Class;
                    }
                }
                Some(_) => {}
                None => best.push(t.clone()),
            }
        }
    }
    best.sort_by(|a, b| {
        (a.kind != TagKind::Class)
            .cmp(&(b.kind != TagKind::Class))
            .then_with(|| b.score.total_cmp(&a.score))
    });
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels() -> Labels {
        let class = |name: &str, hyp: &[&str]| ClassLabel {
            name: name.into(),
            names: vec![name.into()],
            hypernyms: hyp.iter().map(|s| s.to_string()).collect(),
        };
        Labels::from_classes(vec![
            class("tabby cat", &["cat", "feline", "animal"]),
            class("Egyptian cat", &["cat", "feline", "animal"]),
            class("golden retriever", &["dog", "animal"]),
            class("espresso", &["coffee", "beverage"]),
        ])
    }

    #[test]
    fn classes_then_hypernyms_weighted_below() {
        let tags = labels().tags(&[0.45, 0.4, 0.1, 0.05], &TagPolicy::default());
        let names: Vec<&str> = tags.iter().map(|t| t.label.as_str()).collect();
        assert_eq!(
            names,
            vec![
                "tabby cat",
                "Egyptian cat",
                "golden retriever",
                "animal",
                "cat",
                "feline"
            ]
        );
        let cat = tags.iter().find(|t| t.label == "cat").expect("cat");
        assert_eq!(cat.kind, TagKind::Hypernym);
        assert!((cat.score - 0.85 * 0.85).abs() < 1e-5, "{}", cat.score);
        // "dog" has 0.1 of the mass: below the hypernym floor.
        assert!(!names.contains(&"dog"));
    }

    #[test]
    fn an_unsure_image_keeps_only_its_best_class() {
        let tags = labels().tags(&[0.05, 0.03, 0.02, 0.9 * 0.0], &TagPolicy::default());
        assert_eq!(tags.len(), 1);
        assert_eq!(tags[0].label, "tabby cat");
        let none = labels().tags(&[0.01, 0.01, 0.01, 0.01], &TagPolicy::default());
        assert!(none.is_empty());
    }

    #[test]
    fn class_texts_list_names_then_broader_words_once() {
        let texts = labels().class_texts();
        assert_eq!(texts.len(), 4);
        assert_eq!(texts[0], "tabby cat, cat, feline, animal");
    }

    #[test]
    fn class_phrases_are_each_name_alone_and_the_whole_text() {
        let phrases = labels().class_phrases();
        let first: Vec<&str> = phrases
            .iter()
            .filter(|(c, _)| *c == 0)
            .map(|(_, t)| t.as_str())
            .collect();
        assert_eq!(first, vec!["tabby cat", "tabby cat, cat, feline, animal"]);
        assert_eq!(phrases.last().map(|p| p.0), Some(3));
    }

    #[test]
    fn merged_tags_keep_the_best_score() {
        let a = vec![Tag {
            label: "cat".into(),
            score: 0.3,
            kind: TagKind::Hypernym,
        }];
        let b = vec![
            Tag {
                label: "espresso".into(),
                score: 0.6,
                kind: TagKind::Class,
            },
            Tag {
                label: "cat".into(),
                score: 0.5,
                kind: TagKind::Hypernym,
            },
        ];
        let m = merge_tags(&[a, b]);
        assert_eq!(m[0].label, "espresso");
        assert_eq!(m[1].label, "cat");
        assert!((m[1].score - 0.5).abs() < 1e-6);
    }
}
