//! The server's cache of search queries' analyses: a query's vector and topics come from an
//! encoder pass (about 9 of the 11 ms of a hybrid search on the demo index), and analysts
//! send the same query again and again (the next page, another facet, the web page's
//! views), so the server keeps the last [`CAPACITY`] queries' analyses.
//!
//! In: the server's analyzer and a query's text. Out: the same [`QueryAnalysis`] the
//! analyzer gives (a query's analysis depends on the analyzer alone, which a server never
//! changes), with hit and miss counts for `/metrics`.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use crate::Result;
use crate::analyze::Analyzer;
use crate::analyze::lru::Lru;
use crate::index::{QueryAnalysis, QueryEncoder};

/// Queries whose analyses are kept (a few KB each).
pub const CAPACITY: usize = 1024;

/// The cache; shared by every request of a server.
pub struct QueryCache {
    lru: Mutex<Lru<String, Option<QueryAnalysis>>>,
    hits: AtomicU64,
    misses: AtomicU64,
}

impl Default for QueryCache {
    fn default() -> Self {
        QueryCache {
            lru: Mutex::new(Lru::new(CAPACITY)),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
        }
    }
}

impl QueryCache {
    /// (hits, misses) so far.
    pub fn counts(&self) -> (u64, u64) {
        (
            self.hits.load(Ordering::Relaxed),
            self.misses.load(Ordering::Relaxed),
        )
    }

    fn lookup(&self, q: &str) -> Option<Option<QueryAnalysis>> {
        let found = self.lru.lock().ok()?.get(q).cloned();
        let counter = if found.is_some() {
            &self.hits
        } else {
            &self.misses
        };
        counter.fetch_add(1, Ordering::Relaxed);
        found
    }

    fn keep(&self, q: &str, analysis: &Option<QueryAnalysis>) {
        if let Ok(mut lru) = self.lru.lock() {
            lru.insert(q.to_string(), analysis.clone());
        }
    }
}

/// The analyzer seen through the cache, for one search.
pub struct CachedQueries {
    pub analyzer: Arc<Analyzer>,
    pub cache: Arc<QueryCache>,
}

impl QueryEncoder for CachedQueries {
    fn embed_query(&self, text: &str) -> Result<Option<Vec<f32>>> {
        Ok(self.analyze_query(text)?.map(|a| a.vector))
    }

    fn analyze_query(&self, text: &str) -> Result<Option<QueryAnalysis>> {
        if let Some(hit) = self.cache.lookup(text) {
            return Ok(hit);
        }
        let analysis = match self.analyzer.analyze_query(text)? {
            Some(a) => Some(a),
            None => self
                .analyzer
                .embed_query(text)?
                .map(|vector| QueryAnalysis {
                    vector,
                    topics: Vec::new(),
                }),
        };
        self.cache.keep(text, &analysis);
        Ok(analysis)
    }
}
