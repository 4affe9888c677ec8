//! Less work per comment: each distinct normalized text of a batch is encoded once, and a
//! server keeps the model's results for recent texts in a bounded LRU ([`ResultCache`]).
//!
//! In: the normalized texts of a batch (exactly what the encoder reads, so texts that differ
//! only in width, whitespace or invisible characters share a key) and, in a server, its
//! cache. Out: a [`Plan`] saying per comment whether its model part is computed, copied
//! from an earlier batch mate or taken from the cache; then the computed parts go into the
//! cache. A [`ModelPart`] (sentiment, topics, explanation, truncation) is a function of the
//! normalized text alone; it is shared with its spans on the normalized text and mapped onto
//! each comment's own original text when applied, so every comment's spans point into
//! itself. The text stage (language, keywords, tokens) still runs per comment.
//!
//! A cached vector was computed among other batch mates than a repeat would have (int8
//! quantization is per call, see [`crate::model::cache`]): a repeat gets its first result,
//! which differs from a fresh encoding by rounding only.

use std::collections::HashMap;
use std::ops::Range;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use super::lru::Lru;
use crate::analysis::{Analysis, NearMiss, Sentiment, TopicEvidence, TopicHit};
use crate::text::Normalized;

/// Entries a server's cache holds unless configured (`--analysis-cache`).
pub const DEFAULT_ENTRIES: usize = 10_000;

/// Longer normalized texts are never cached (within a batch they are still encoded once):
/// repeats are short, and this bounds an entry's memory (key, explanation) to a few KB.
pub const MAX_CACHED_BYTES: usize = 1024;

/// The model's fields of an analysis; spans on whichever text the holder says.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ModelPart {
    pub sentiment: Option<Sentiment>,
    pub topics: Vec<TopicHit>,
    pub explain: Option<Vec<TopicEvidence>>,
    pub near_misses: Option<Vec<NearMiss>>,
    pub truncated: bool,
    /// The comment's vector (for the index).
    pub embedding: Option<Vec<f32>>,
}

impl ModelPart {
    /// Set these fields of `a` as they are.
    pub fn set(&self, a: &mut Analysis) {
        a.sentiment = self.sentiment;
        a.topics = self.topics.clone();
        a.explain = self.explain.clone();
        a.near_misses = self.near_misses.clone();
        a.truncated = self.truncated;
        a.embedding = self.embedding.clone();
    }

    /// With spans on `n`'s original text mapped onto its normalized text.
    pub fn to_normalized(&self, n: &Normalized) -> ModelPart {
        self.map_spans(|r| n.normalized_span(r))
    }

    /// Set the fields of `a`, whose text normalizes to `n`, from a part with spans on the
    /// normalized text: the spans land on `a`'s original text.
    pub fn apply(&self, a: &mut Analysis, n: &Normalized) {
        self.map_spans(|r| n.original_span(r)).set(a);
    }

    fn map_spans(&self, f: impl Fn(Range<usize>) -> Range<usize>) -> ModelPart {
        let mut out = self.clone();
        for span in out.topics.iter_mut().flat_map(|t| t.evidence.iter_mut()) {
            let r = f(span.start..span.end);
            (span.start, span.end) = (r.start, r.end);
        }
        for e in out.explain.iter_mut().flatten() {
            let r = f(e.start..e.end);
            (e.start, e.end) = (r.start, r.end);
        }
        out
    }
}

/// Where a comment's model part comes from.
pub(crate) enum Source {
    /// It is the `j`th text to encode.
    Compute(usize),
    /// A batch mate's, the `j`th text encoded.
    Copy(usize),
    /// The cache's.
    Cached(Arc<ModelPart>),
}

/// Per comment of a batch its [`Source`], and which comments are encoded (by index).
pub(crate) struct Plan {
    pub sources: Vec<Source>,
    pub compute: Vec<usize>,
}

impl Plan {
    /// Plan a batch whose normalized texts are `keys`: the first comment of each key not in
    /// `cache` is encoded, later ones copy it.
    pub fn new(keys: &[&str], cache: Option<&ResultCache>) -> Plan {
        let mut first: HashMap<&str, usize> = HashMap::with_capacity(keys.len());
        let mut lru = cache.filter(|c| c.capacity > 0).map(ResultCache::lock);
        let mut plan = Plan {
            sources: Vec::with_capacity(keys.len()),
            compute: Vec::new(),
        };
        for (i, &key) in keys.iter().enumerate() {
            let source = if let Some(&j) = first.get(key) {
                Source::Copy(j)
            } else if let Some(hit) = lru
                .as_mut()
                .filter(|_| key.len() <= MAX_CACHED_BYTES)
                .and_then(|lru| lru.get(key))
            {
                Source::Cached(hit.clone())
            } else {
                first.insert(key, plan.compute.len());
                plan.compute.push(i);
                Source::Compute(plan.compute.len() - 1)
            };
            plan.sources.push(source);
        }
        plan
    }
}

/// The results of recent texts, shared by a server's workers, with hit and miss counts.
pub struct ResultCache {
    lru: Mutex<Lru<Arc<str>, Arc<ModelPart>>>,
    capacity: usize,
    hits: AtomicU64,
    misses: AtomicU64,
}

/// What a [`ResultCache`] has done.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CacheStats {
    /// Texts answered without the encoder: from the cache, or from an earlier text of the
    /// same batch with the same normalized text.
    pub hits: u64,
    /// Texts encoded (each distinct normalized text of a batch not in the cache).
    pub misses: u64,
    /// Entries held now.
    pub entries: usize,
}

impl ResultCache {
    /// A cache of at most `entries` texts; 0 keeps none (batches still encode each
    /// distinct text once, and are counted).
    pub fn new(entries: usize) -> ResultCache {
        ResultCache {
            lru: Mutex::new(Lru::new(entries)),
            capacity: entries,
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
        }
    }

    /// The most entries it holds.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Hits, misses and entries so far.
    pub fn stats(&self) -> CacheStats {
        CacheStats {
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
            entries: self.lock().len(),
        }
    }

    /// Forget every entry (after an erasure: no text of an erased comment stays in memory);
    /// the counts stay.
    pub fn clear(&self) {
        *self.lock() = Lru::new(self.capacity);
    }

    /// Count a batch done by `plan` and keep its computed `parts` (spans on the normalized
    /// texts `keys`, in the order of `plan.compute`).
    pub(crate) fn record(&self, plan: &Plan, keys: &[&str], parts: &[Arc<ModelPart>]) {
        let misses = plan.compute.len() as u64;
        self.misses.fetch_add(misses, Ordering::Relaxed);
        self.hits
            .fetch_add(plan.sources.len() as u64 - misses, Ordering::Relaxed);
        if self.capacity == 0 {
            return;
        }
        let mut lru = self.lock();
        for (&i, part) in plan.compute.iter().zip(parts) {
            if keys[i].len() <= MAX_CACHED_BYTES {
                lru.insert(keys[i].into(), part.clone());
            }
        }
    }

    /// The map; a worker that panicked while holding it left it whole (no operation panics
    /// half-way), so a poisoned lock is taken as is.
    fn lock(&self) -> MutexGuard<'_, Lru<Arc<str>, Arc<ModelPart>>> {
        self.lru.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plan_encodes_each_key_once_and_takes_cached_ones() {
        let cache = ResultCache::new(10);
        let plan = Plan::new(&["a", "b", "a", "c", "b"], Some(&cache));
        assert_eq!(plan.compute, [0, 1, 3]);
        let copies: Vec<Option<usize>> = plan
            .sources
            .iter()
            .map(|s| match s {
                Source::Copy(j) => Some(*j),
                _ => None,
            })
            .collect();
        assert_eq!(copies, [None, None, Some(0), None, Some(1)]);
        let part = Arc::new(ModelPart {
            sentiment: None,
            topics: Vec::new(),
            explain: None,
            near_misses: None,
            truncated: false,
            embedding: None,
        });
        let keys = ["a", "b", "a", "c", "b"];
        cache.record(&plan, &keys, &[part.clone(), part.clone(), part.clone()]);
        let stats = cache.stats();
        assert_eq!((stats.hits, stats.misses, stats.entries), (2, 3, 3));
        let again = Plan::new(&["c", "d", "c"], Some(&cache));
        assert!(matches!(again.sources[0], Source::Cached(_)));
        assert_eq!(again.compute, [1]);
        assert!(matches!(again.sources[2], Source::Cached(_)));
        let long = "x".repeat(MAX_CACHED_BYTES + 1);
        let plan = Plan::new(&[&long], Some(&cache));
        cache.record(&plan, &[&long], &[part]);
        assert_eq!(cache.stats().entries, 3);
    }

    #[test]
    fn spans_move_from_one_original_through_the_normalized_text_to_another() {
        use crate::analysis::{Label, Span};
        let (a, b) = (
            "菜很好吃，就是配送太慢",
            "\u{feff}  菜很好吃,就是配送太慢\t",
        );
        let (na, nb) = (crate::text::normalize(a), crate::text::normalize(b));
        assert_eq!(na.text, nb.text);
        let slow = a.find("配送").unwrap()..a.len();
        let part = ModelPart {
            sentiment: None,
            topics: vec![TopicHit {
                id: "delivery".into(),
                name: "配送".into(),
                confidence: 0.9,
                sentiment: Label::Negative,
                evidence: vec![Span {
                    start: slow.start,
                    end: slow.end,
                }],
            }],
            explain: Some(vec![TopicEvidence {
                topic: "delivery".into(),
                clause: "配送太慢".into(),
                start: 0,
                end: a.find('，').unwrap(),
                similarity: 0.5,
                seeds: Vec::new(),
                confidence: 0.9,
                sentiment: Label::Negative,
            }]),
            near_misses: None,
            truncated: false,
            embedding: None,
        };
        let shared = part.to_normalized(&na);
        let empty = Analysis {
            id: None,
            lang: crate::text::Lang::ZhHans,
            sentiment: None,
            topics: Vec::new(),
            keywords: Vec::new(),
            truncated: false,
            explain: None,
            near_misses: None,
            tokens: None,
            pii: Vec::new(),
            redacted: None,
            embedding: None,
        };
        let mut analysis = empty.clone();
        shared.apply(&mut analysis, &nb);
        let span = analysis.topics[0].evidence[0];
        assert_eq!(&b[span.start..span.end], "配送太慢");
        let e = &analysis.explain.as_ref().unwrap()[0];
        assert_eq!(&b[e.start..e.end], "菜很好吃");
        let mut back = empty;
        shared.apply(&mut back, &na);
        assert_eq!(back.topics, part.topics);
        assert_eq!(back.explain, part.explain);
    }
}
