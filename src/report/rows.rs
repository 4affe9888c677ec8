//! The comments a report looks at, read as columns from the index's fast fields.
//!
//! In: the index and a query (the search's text query and filters). Out: [`Rows`], one
//! entry per matching comment: scores, sentiment, date, language, channel, the topics with
//! their own sentiment and keywords, each as a small integer into a name table (chosen
//! attributes are added by [`super::attrs`]), and the analysis version of each (reports
//! list the versions they cover). Stored documents are never loaded here; only the few
//! example comments a report shows are (by [`Rows::address`]).

use std::collections::{BTreeMap, HashMap};

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::{Column, StrColumn};
use tantivy::fastfield::FacetReader;
use tantivy::query::Query;
use tantivy::schema::Facet;
use tantivy::{DateTime, DocAddress, DocId, Score, Searcher, SegmentOrdinal, SegmentReader};

use crate::Result;
use crate::analysis::Label;
use crate::index::CommentIndex;
use crate::index::reanalyze::{VersionCount, sorted};
use crate::index::zone::Zone;

/// "No value" for the small integer columns.
pub const NONE: u8 = u8::MAX;
/// "No value" for the name-table columns.
pub const NO_NAME: u32 = u32::MAX;

/// What to read besides the always-present columns.
#[derive(Debug, Clone, Default)]
pub struct Need {
    /// Read every comment's keywords.
    pub keywords: bool,
    /// The zone whose calendar days [`Rows::day`] counts (default UTC).
    pub zone: Zone,
}

/// A table of names, each given a dense id the first time it is seen.
#[derive(Debug, Clone, Default)]
pub struct Names {
    pub names: Vec<String>,
    ids: HashMap<String, u32>,
}

impl Names {
    /// The id of `name`, adding it if new.
    pub fn id(&mut self, name: &str) -> u32 {
        if let Some(&id) = self.ids.get(name) {
            return id;
        }
        let id = self.names.len() as u32;
        self.names.push(name.to_string());
        self.ids.insert(name.to_string(), id);
        id
    }

    /// The id of `name`, if seen.
    pub fn get(&self, name: &str) -> Option<u32> {
        self.ids.get(name).copied()
    }

    /// How many names.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }
}

/// The matching comments, one entry per comment in each column.
#[derive(Debug, Default)]
pub struct Rows {
    /// NPS 0–10, or [`NONE`].
    pub nps: Vec<u8>,
    /// CSAT 1–5, or [`NONE`].
    pub csat: Vec<u8>,
    /// The comment's sentiment, if it has one.
    pub sentiment: Vec<Option<Label>>,
    /// Sentiment score in [-1, 1], NaN when the comment has none.
    pub score: Vec<f32>,
    /// Days since 1970-01-01 on the calendar of [`Need::zone`], or `i32::MIN` when undated.
    pub day: Vec<i32>,
    /// Into `langs`, or [`NO_NAME`].
    pub lang: Vec<u32>,
    /// Into `channels`, or [`NO_NAME`].
    pub channel: Vec<u32>,
    /// Comment `i`'s topics are `aspects[aspect_start[i]..aspect_start[i + 1]]`.
    pub aspect_start: Vec<u32>,
    /// (topic id into `topics`, the topic's sentiment).
    pub aspects: Vec<(u32, Label)>,
    /// Comment `i`'s keywords are `keywords[keyword_start[i]..keyword_start[i + 1]]`.
    pub keyword_start: Vec<u32>,
    pub keywords: Vec<u32>,
    /// One column per attribute key [`super::attrs::read_values`] was given: into
    /// `attr_values[k]`, or [`NO_NAME`].
    pub attr: Vec<Vec<u32>>,
    /// Into `versions` (the analysis version), or [`NO_NAME`] when not recorded.
    pub version: Vec<u32>,
    pub versions: Names,
    pub topics: Names,
    pub keyword_names: Names,
    pub langs: Names,
    pub channels: Names,
    pub attr_values: Vec<Names>,
    addresses: Vec<DocAddress>,
}

impl Rows {
    /// Read the comments `query` matches.
    pub fn load(index: &CommentIndex, query: &dyn Query, need: &Need) -> Result<Rows> {
        Rows::load_in(&index.reader().searcher(), query, need)
    }

    /// [`Rows::load`] with a given searcher (to read more of the same rows later).
    pub fn load_in(searcher: &Searcher, query: &dyn Query, need: &Need) -> Result<Rows> {
        let collector = RowCollector { need: need.clone() };
        let mut rows = searcher.search(query, &collector)?;
        rows.aspect_start.push(rows.aspects.len() as u32);
        if need.keywords {
            rows.keyword_start.push(rows.keywords.len() as u32);
        }
        Ok(rows)
    }

    /// How many comments.
    pub fn len(&self) -> usize {
        self.nps.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.nps.is_empty()
    }

    /// Comment `i`'s topics with their sentiment.
    pub fn aspects_of(&self, i: usize) -> &[(u32, Label)] {
        &self.aspects[self.aspect_start[i] as usize..self.aspect_start[i + 1] as usize]
    }

    /// Comment `i`'s topics, each once, with its most negative sentiment (aspects are kept
    /// sorted by topic, then label, negative first).
    pub fn topics_of(&self, i: usize) -> impl Iterator<Item = (u32, Label)> + '_ {
        let aspects = self.aspects_of(i);
        aspects
            .iter()
            .enumerate()
            .filter(move |&(k, &(topic, _))| k == 0 || aspects[k - 1].0 != topic)
            .map(|(_, &aspect)| aspect)
    }

    /// Comment `i`'s keywords.
    pub fn keywords_of(&self, i: usize) -> &[u32] {
        if self.keyword_start.len() <= i + 1 {
            return &[];
        }
        &self.keywords[self.keyword_start[i] as usize..self.keyword_start[i + 1] as usize]
    }

    /// The analysis versions of the comments in `subset`, most first (`unknown` for those
    /// stored before versions were recorded), added to `counts`.
    pub fn count_versions(
        &self,
        subset: impl IntoIterator<Item = usize>,
        counts: &mut BTreeMap<String, u64>,
    ) {
        for i in subset {
            let name = match self.version.get(i) {
                Some(&v) if v != NO_NAME => self.versions.names[v as usize].as_str(),
                _ => crate::analyze::version::UNKNOWN,
            };
            *counts.entry(name.to_string()).or_default() += 1;
        }
    }

    /// The analysis versions of every comment read, most first.
    pub fn analysis_versions(&self) -> Vec<VersionCount> {
        let mut counts = BTreeMap::new();
        self.count_versions(0..self.len(), &mut counts);
        sorted(counts)
    }

    /// Where comment `i` is in the index (to load its stored text).
    pub fn address(&self, i: usize) -> DocAddress {
        self.addresses[i]
    }

    fn append(&mut self, mut seg: SegmentRows) {
        let topic_map: Vec<u32> = seg.topics.iter().map(|t| self.topics.id(t)).collect();
        let lang_map: Vec<u32> = seg.langs.iter().map(|t| self.langs.id(t)).collect();
        let channel_map: Vec<u32> = seg.channels.iter().map(|t| self.channels.id(t)).collect();
        let version_map: Vec<u32> = seg.versions.iter().map(|t| self.versions.id(t)).collect();
        let remap = |map: &[u32], v: u32| {
            if v == NO_NAME {
                NO_NAME
            } else {
                map[v as usize]
            }
        };
        let base = self.aspects.len() as u32;
        self.aspect_start
            .extend(seg.rows.aspect_start.iter().map(|s| s + base));
        self.aspects.extend(
            seg.rows
                .aspects
                .iter()
                .map(|&(t, l)| (topic_map[t as usize], l)),
        );
        if !seg.rows.keyword_start.is_empty() {
            let kw_map: Vec<u32> = seg
                .keyword_names
                .iter()
                .map(|k| self.keyword_names.id(k))
                .collect();
            let base = self.keywords.len() as u32;
            self.keyword_start
                .extend(seg.rows.keyword_start.iter().map(|s| s + base));
            self.keywords
                .extend(seg.rows.keywords.iter().map(|&k| kw_map[k as usize]));
        }
        self.lang
            .extend(seg.rows.lang.iter().map(|&v| remap(&lang_map, v)));
        self.channel
            .extend(seg.rows.channel.iter().map(|&v| remap(&channel_map, v)));
        self.version
            .extend(seg.rows.version.iter().map(|&v| remap(&version_map, v)));
        self.nps.append(&mut seg.rows.nps);
        self.csat.append(&mut seg.rows.csat);
        self.sentiment.append(&mut seg.rows.sentiment);
        self.score.append(&mut seg.rows.score);
        self.day.append(&mut seg.rows.day);
        self.addresses.append(&mut seg.rows.addresses);
    }
}

/// One segment's rows with segment-local name tables.
struct SegmentRows {
    rows: Rows,
    topics: Vec<String>,
    keyword_names: Vec<String>,
    langs: Vec<String>,
    channels: Vec<String>,
    versions: Vec<String>,
}

struct RowCollector {
    need: Need,
}

/// What a facet ordinal of a segment stands for.
#[derive(Clone, Copy)]
enum FacetKind {
    Sentiment(Label),
    Aspect(u32, Label),
    Lang(u32),
    Channel(u32),
    Other,
}

struct RowSegment {
    segment: SegmentOrdinal,
    facets: FacetReader,
    facet_kinds: Vec<FacetKind>,
    want_keywords: bool,
    zone: Zone,
    keywords: Option<StrColumn>,
    version: Option<StrColumn>,
    nps: Column<u64>,
    csat: Column<u64>,
    score: Column<f64>,
    created_at: Column<DateTime>,
    out: SegmentRows,
}

impl Collector for RowCollector {
    type Fruit = Rows;
    type Child = RowSegment;

    fn for_segment(
        &self,
        segment: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<RowSegment> {
        let fast = reader.fast_fields();
        let facets = reader.facet_reader("facets")?;
        let mut out = SegmentRows {
            rows: Rows::default(),
            topics: Vec::new(),
            keyword_names: Vec::new(),
            langs: Vec::new(),
            channels: Vec::new(),
            versions: Vec::new(),
        };
        let mut facet_kinds = Vec::with_capacity(facets.num_facets());
        let mut facet = Facet::root();
        let mut topic_ids: HashMap<String, u32> = HashMap::new();
        for ord in 0..facets.num_facets() as u64 {
            facets.facet_from_ord(ord, &mut facet)?;
            let path = facet.to_path();
            let kind = match path.as_slice() {
                ["sentiment", label] => {
                    Label::parse(label).map_or(FacetKind::Other, FacetKind::Sentiment)
                }
                ["aspect", value] => match value.rsplit_once(':') {
                    Some((topic, label)) => match Label::parse(label) {
                        Some(l) => {
                            let next = topic_ids.len() as u32;
                            let id = *topic_ids.entry(topic.to_string()).or_insert_with(|| {
                                out.topics.push(topic.to_string());
                                next
                            });
                            FacetKind::Aspect(id, l)
                        }
                        None => FacetKind::Other,
                    },
                    None => FacetKind::Other,
                },
                ["lang", lang] => {
                    out.langs.push(lang.to_string());
                    FacetKind::Lang(out.langs.len() as u32 - 1)
                }
                ["channel", channel] => {
                    out.channels.push(channel.to_string());
                    FacetKind::Channel(out.channels.len() as u32 - 1)
                }
                _ => FacetKind::Other,
            };
            facet_kinds.push(kind);
        }
        let keywords = if self.need.keywords {
            let column = fast.str("keyword")?;
            if let Some(c) = &column {
                out.keyword_names = dictionary(c)?;
            }
            column
        } else {
            None
        };
        let version = fast.str(crate::index::schema::VERSION_FIELD)?;
        if let Some(c) = &version {
            out.versions = dictionary(c)?;
        }
        Ok(RowSegment {
            segment,
            version,
            want_keywords: self.need.keywords,
            zone: self.need.zone.clone(),
            facets,
            facet_kinds,
            keywords,
            nps: fast.u64("nps")?,
            csat: fast.u64("csat")?,
            score: fast.f64("score")?,
            created_at: fast.date("created_at")?,
            out,
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<SegmentRows>) -> tantivy::Result<Rows> {
        let mut rows = Rows::default();
        for fruit in fruits {
            rows.append(fruit);
        }
        Ok(rows)
    }
}

impl SegmentCollector for RowSegment {
    type Fruit = SegmentRows;

    fn collect(&mut self, doc: DocId, _score: Score) {
        let rows = &mut self.out.rows;
        rows.addresses.push(DocAddress::new(self.segment, doc));
        rows.nps
            .push(self.nps.first(doc).map_or(NONE, |v| v.min(254) as u8));
        rows.csat
            .push(self.csat.first(doc).map_or(NONE, |v| v.min(254) as u8));
        rows.score
            .push(self.score.first(doc).map_or(f32::NAN, |v| v as f32));
        rows.day.push(
            self.created_at
                .first(doc)
                .map_or(i32::MIN, |d| self.zone.day(d.into_timestamp_secs())),
        );
        rows.aspect_start.push(rows.aspects.len() as u32);
        let (mut sentiment, mut lang, mut channel) = (None, NO_NAME, NO_NAME);
        for ord in self.facets.facet_ords(doc) {
            match self.facet_kinds[ord as usize] {
                FacetKind::Sentiment(l) => sentiment = Some(l),
                FacetKind::Aspect(t, l) => rows.aspects.push((t, l)),
                FacetKind::Lang(l) => lang = l,
                FacetKind::Channel(c) => channel = c,
                FacetKind::Other => {}
            }
        }
        // A comment counts once per topic (and topic×sentiment) and keyword, however often
        // its analysis repeats one.
        let start = *rows.aspect_start.last().unwrap_or(&0) as usize;
        let mine = &mut rows.aspects[start..];
        mine.sort_unstable();
        let unique = dedup_len(mine);
        rows.aspects.truncate(start + unique);
        rows.sentiment.push(sentiment);
        rows.version.push(
            self.version
                .as_ref()
                .and_then(|c| c.term_ords(doc).next())
                .map_or(NO_NAME, |ord| ord as u32),
        );
        rows.lang.push(lang);
        rows.channel.push(channel);
        if self.want_keywords {
            rows.keyword_start.push(rows.keywords.len() as u32);
            if let Some(keywords) = &self.keywords {
                let start = rows.keywords.len();
                rows.keywords
                    .extend(keywords.term_ords(doc).map(|ord| ord as u32));
                let mine = &mut rows.keywords[start..];
                mine.sort_unstable();
                let unique = dedup_len(mine);
                rows.keywords.truncate(start + unique);
            }
        }
    }

    fn harvest(self) -> SegmentRows {
        self.out
    }
}

/// Move the distinct values of a sorted slice to its front; their count.
fn dedup_len<T: PartialEq + Copy>(sorted: &mut [T]) -> usize {
    let mut n = 0;
    for i in 0..sorted.len() {
        if n == 0 || sorted[i] != sorted[n - 1] {
            sorted[n] = sorted[i];
            n += 1;
        }
    }
    n
}

/// Every term of a string column, by ordinal.
fn dictionary(column: &StrColumn) -> tantivy::Result<Vec<String>> {
    let mut names = Vec::with_capacity(column.num_terms());
    let mut stream = column.dictionary().stream()?;
    while stream.advance() {
        names.push(String::from_utf8_lossy(stream.key()).into_owned());
    }
    Ok(names)
}
