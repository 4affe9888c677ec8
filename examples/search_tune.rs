//! Offline experiments for hybrid search recall (issue 19): the stored vectors and analyses
//! of an index built by `search_eval`, rescored in memory under variants of centring, query
//! folding, K, floor, fusion weights and topic feedback.
//!
//! In: the index directory (default `target/search-eval-index`) and
//! `corpora/search/queries.jsonl`. Out on stdout: recall@50 and nDCG@10 per variant, dev and
//! test halves, and per-query diagnostics for the baseline.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;

use serde::Deserialize;
use tantivy::DocAddress;
use verbatim::analyze::{Analyzer, Options};
use verbatim::index::vectors::{FIELD, Quantized};
use verbatim::index::{CommentIndex, Mode, QueryEncoder, SearchRequest};
use verbatim::text::variants::to_simplified;

#[derive(Deserialize)]
struct Query {
    id: String,
    group: String,
    split: String,
    q: String,
    topic: String,
    sentiment: String,
    relevant: Vec<String>,
}

struct Doc {
    id: String,
    lang: String,
    v: Vec<f32>,
    aspects: Vec<String>,
}

fn dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn normalize(v: &mut [f32]) {
    let n = dot(v, v).sqrt();
    if n > 0.0 {
        v.iter_mut().for_each(|x| *x /= n);
    }
}

fn mean<'a>(vs: impl Iterator<Item = &'a Vec<f32>>) -> Vec<f32> {
    let mut s = vec![0f32; 384];
    let mut n = 0;
    for v in vs {
        s.iter_mut().zip(v).for_each(|(a, b)| *a += b);
        n += 1;
    }
    s.iter_mut().for_each(|x| *x /= n.max(1) as f32);
    s
}

fn sub(a: &[f32], b: &[f32]) -> Vec<f32> {
    a.iter().zip(b).map(|(x, y)| x - y).collect()
}

fn recall(ranked: &[usize], rel: &HashSet<usize>) -> f64 {
    let found = ranked.iter().take(50).filter(|d| rel.contains(d)).count();
    found as f64 / rel.len().clamp(1, 50) as f64
}

fn ndcg(ranked: &[usize], rel: &HashSet<usize>) -> f64 {
    let gain = |i: usize| 1.0 / ((i + 2) as f64).log2();
    let dcg: f64 = ranked
        .iter()
        .take(10)
        .enumerate()
        .filter(|(_, d)| rel.contains(d))
        .map(|(i, _)| gain(i))
        .sum();
    let ideal: f64 = (0..rel.len().min(10)).map(gain).sum();
    dcg / ideal.max(1e-9)
}

fn rrf(lists: &[(&[usize], f32)], k: f32) -> Vec<usize> {
    let mut s: HashMap<usize, f32> = HashMap::new();
    for (list, w) in lists {
        for (r, &d) in list.iter().enumerate() {
            *s.entry(d).or_default() += w / (k + r as f32 + 1.0);
        }
    }
    let mut v: Vec<(f32, usize)> = s.into_iter().map(|(d, x)| (x, d)).collect();
    v.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    v.into_iter().map(|x| x.1).collect()
}

#[derive(Clone, Copy, Debug)]
enum Centre {
    None,
    Global,
    GlobalCos,
    Lang,
    LangCos,
}

#[derive(Clone, Copy, Debug)]
enum Fold {
    Orig,
    Folded,
    Avg,
}

#[derive(Clone, Copy, Debug)]
struct Config {
    centre: Centre,
    fold: Fold,
    k: usize,
    floor: f32,
    w_kw: f32,
    w_sem: f32,
    /// topic feedback: (top M, share, weight, with sentiment)
    aspect: Option<(usize, f32, f32, bool)>,
    /// vector feedback: (top M, beta)
    prf: Option<(usize, f32)>,
    /// the query's own analysis: (weight, with sentiment); or the judged aspect (oracle)
    qa: Option<(f32, bool, bool)>,
    /// floor of the aspect lists
    floor_a: f32,
    /// feedback only when the query's analysis has no topic
    fallback: bool,
    pool: usize,
    tone_vote: bool,
    /// the k of reciprocal rank fusion
    rrf_k: f32,
}

struct World {
    docs: Vec<Doc>,
    global: Vec<f32>,
    by_lang: HashMap<String, Vec<f32>>,
    centred: HashMap<String, Vec<Vec<f32>>>,
}

impl World {
    fn doc_vecs(&self, c: Centre) -> &Vec<Vec<f32>> {
        &self.centred[match c {
            Centre::None | Centre::Global => "raw",
            Centre::GlobalCos => "gcos",
            Centre::Lang => "lang",
            Centre::LangCos => "lcos",
        }]
    }
    fn query_vec(&self, raw: &[f32], lang: &str, c: Centre) -> Vec<f32> {
        let mut q = match c {
            Centre::None => raw.to_vec(),
            Centre::Global | Centre::GlobalCos => sub(raw, &self.global),
            Centre::Lang | Centre::LangCos => {
                sub(raw, self.by_lang.get(lang).unwrap_or(&self.global))
            }
        };
        normalize(&mut q);
        q
    }
}

struct Prepared<'a> {
    q: &'a Query,
    rel: HashSet<usize>,
    words: Vec<usize>,
    raw: [Vec<f32>; 3],
    lang: String,
    qaspects: Vec<(String, String)>,
}

fn semantic(world: &World, cfg: &Config, p: &Prepared) -> Vec<(f32, usize)> {
    let raw = &p.raw[cfg.fold as usize];
    let mut q = world.query_vec(raw, &p.lang, cfg.centre);
    let vecs = world.doc_vecs(cfg.centre);
    let score = |q: &[f32]| -> Vec<(f32, usize)> {
        let mut s: Vec<(f32, usize)> = vecs
            .iter()
            .enumerate()
            .map(|(i, v)| (dot(q, v), i))
            .collect();
        s.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        s
    };
    let mut s = score(&q);
    if let Some((m, beta)) = cfg.prf {
        let fb = mean(s.iter().take(m).map(|&(_, i)| &vecs[i]));
        q.iter_mut().zip(&fb).for_each(|(a, b)| *a += beta * b);
        normalize(&mut q);
        s = score(&q);
    }
    s
}

fn rank(world: &World, cfg: &Config, p: &Prepared) -> (Vec<usize>, Option<String>) {
    let mut all = semantic(world, cfg, p);
    all.truncate(cfg.pool);
    let near: Vec<usize> = all
        .iter()
        .filter(|(c, _)| *c >= cfg.floor)
        .take(cfg.k)
        .map(|x| x.1)
        .collect();
    let mut lists: Vec<(&[usize], f32)> = vec![(&p.words, cfg.w_kw), (&near, cfg.w_sem)];
    let mut dominant = None;
    let third: Vec<usize>;
    let skip = cfg.fallback && !p.qaspects.is_empty();
    if let Some((m, share, w, with_sentiment)) = cfg.aspect.filter(|_| !skip) {
        let mut counts: BTreeMap<String, usize> = BTreeMap::new();
        let top: Vec<usize> = near.iter().take(m).copied().collect();
        for &d in &top {
            let mut seen = HashSet::new();
            for a in &world.docs[d].aspects {
                let key = if with_sentiment {
                    a.clone()
                } else {
                    a.split(':').next().unwrap().to_string()
                };
                if seen.insert(key.clone()) {
                    *counts.entry(key).or_default() += 1;
                }
            }
        }
        if let Some((key, n)) = counts.into_iter().max_by_key(|x| x.1)
            && top.len() >= 2
            && n as f32 >= share * top.len() as f32
        {
            dominant = Some(key.clone());
            third = all
                .iter()
                .filter(|(c, d)| {
                    *c >= cfg.floor_a
                        && world.docs[*d].aspects.iter().any(|a| {
                            if with_sentiment {
                                *a == key
                            } else {
                                a.split(':').next() == Some(key.as_str())
                            }
                        })
                })
                .take(cfg.k)
                .map(|x| x.1)
                .collect();
            lists.push((&third, w));
        }
    }
    let fourth: Vec<usize>;
    if let Some((w, with_sentiment, oracle)) = cfg.qa {
        let want: Vec<(String, String)> = match oracle {
            true => vec![(
                p.q.topic.clone(),
                match p.q.sentiment.as_str() {
                    "neg" => "negative",
                    "pos" => "positive",
                    _ => "neutral",
                }
                .to_string(),
            )],
            false => p
                .qaspects
                .iter()
                .map(|(t, l)| {
                    if !cfg.tone_vote || l == "neutral" {
                        return (t.clone(), l.clone());
                    }
                    let mut votes: BTreeMap<&str, usize> = BTreeMap::new();
                    for &d in near.iter().take(20) {
                        for a in &world.docs[d].aspects {
                            let (at, al) = a.split_once(':').unwrap();
                            if at == t && al != "neutral" {
                                *votes.entry(al).or_default() += 1;
                            }
                        }
                    }
                    let own = votes.get(l.as_str()).copied().unwrap_or(0);
                    match votes.into_iter().max_by_key(|x| x.1) {
                        Some((v, n)) if n > own => (t.clone(), v.to_string()),
                        _ => (t.clone(), l.clone()),
                    }
                })
                .collect(),
        };
        let carries = |d: usize| {
            world.docs[d].aspects.iter().any(|a| {
                let (t, l) = a.split_once(':').unwrap();
                want.iter()
                    .any(|(wt, wl)| wt == t && (!with_sentiment || wl == "neutral" || wl == l))
            })
        };
        fourth = all
            .iter()
            .filter(|(c, d)| *c >= cfg.floor_a && carries(*d))
            .take(cfg.k)
            .map(|x| x.1)
            .collect();
        if !want.is_empty() {
            lists.push((&fourth, w));
        }
        dominant = Some(format!("{want:?}"));
    }
    (rrf(&lists, cfg.rrf_k), dominant)
}

fn main() {
    let dir = PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or("target/search-eval-index".into()),
    );
    let analyzer = Analyzer::load(Options::default()).expect("model");
    let index = CommentIndex::open(&dir).expect("index (run search_eval first)");
    let searcher = index.reader().searcher();
    let mut docs = Vec::new();
    for (ord, seg) in searcher.segment_readers().iter().enumerate() {
        let col = seg.fast_fields().bytes(FIELD).unwrap().expect("vectors");
        let mut buf = Vec::new();
        for d in 0..seg.max_doc() {
            if seg.alive_bitset().is_some_and(|a| !a.is_alive(d)) {
                continue;
            }
            let Some(o) = col.term_ords(d).next() else {
                continue;
            };
            col.ord_to_bytes(o, &mut buf).unwrap();
            let v = Quantized::from_bytes(&buf).unwrap().to_floats();
            let s = index
                .stored(&searcher, DocAddress::new(ord as u32, d))
                .unwrap();
            let aspects = s
                .analysis
                .topics
                .iter()
                .map(|t| format!("{}:{}", t.id, t.sentiment.as_str()))
                .collect();
            docs.push(Doc {
                id: s.comment.id,
                lang: s.analysis.lang.code().into(),
                v,
                aspects,
            });
        }
    }
    eprintln!("{} docs", docs.len());
    let id_of: HashMap<String, usize> = docs
        .iter()
        .enumerate()
        .map(|(i, d)| (d.id.clone(), i))
        .collect();
    let global = mean(docs.iter().map(|d| &d.v));
    let mut by_lang = HashMap::new();
    for l in ["zh-Hans", "zh-Hant", "en", "mixed"] {
        by_lang.insert(
            l.to_string(),
            mean(docs.iter().filter(|d| d.lang == l).map(|d| &d.v)),
        );
    }
    let mut centred = HashMap::new();
    let cos = |v: Vec<f32>| {
        let mut v = v;
        normalize(&mut v);
        v
    };
    centred.insert(
        "raw".to_string(),
        docs.iter().map(|d| d.v.clone()).collect(),
    );
    centred.insert(
        "gcos".to_string(),
        docs.iter().map(|d| cos(sub(&d.v, &global))).collect(),
    );
    let lm = |d: &Doc| by_lang.get(&d.lang).unwrap_or(&global).clone();
    centred.insert(
        "lang".to_string(),
        docs.iter().map(|d| sub(&d.v, &lm(d))).collect(),
    );
    centred.insert(
        "lcos".to_string(),
        docs.iter().map(|d| cos(sub(&d.v, &lm(d)))).collect(),
    );
    let world = World {
        docs,
        global,
        by_lang,
        centred,
    };

    let text = std::fs::read_to_string("corpora/search/queries.jsonl").unwrap();
    let queries: Vec<Query> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let prepared: Vec<Prepared> = queries
        .iter()
        .map(|q| {
            let e = |t: &str| analyzer.embed_query(t).unwrap().unwrap();
            let orig = e(&q.q);
            let folded = e(&to_simplified(&q.q));
            let mut avg: Vec<f32> = orig.iter().zip(&folded).map(|(a, b)| a + b).collect();
            normalize(&mut avg);
            let request = SearchRequest {
                mode: Mode::Keyword,
                limit: 1000,
                ..SearchRequest::query(&q.q)
            };
            let words = index
                .search_with(&request, Some(&analyzer as &dyn QueryEncoder))
                .unwrap()
                .hits
                .into_iter()
                .filter_map(|h| id_of.get(&h.id).copied())
                .collect();
            Prepared {
                q,
                rel: q
                    .relevant
                    .iter()
                    .filter_map(|id| id_of.get(id).copied())
                    .collect(),
                words,
                raw: [orig, folded, avg],
                lang: verbatim::text::lang::detect(&q.q).code().into(),
                qaspects: analyzer
                    .analyze_one(&verbatim::analysis::Input::new(to_simplified(&q.q)))
                    .unwrap()
                    .topics
                    .iter()
                    .map(|t| (t.id.clone(), t.sentiment.as_str().to_string()))
                    .collect(),
            }
        })
        .collect();

    // The query's cost: embedding only (semantic) against the analysis hybrid runs.
    for round in 0..2 {
        let t = std::time::Instant::now();
        for q in &queries {
            analyzer.embed_query(&to_simplified(&q.q)).unwrap();
        }
        let embed = t.elapsed().as_secs_f64() * 1e3 / queries.len() as f64;
        let t = std::time::Instant::now();
        for q in &queries {
            analyzer.analyze_query(&to_simplified(&q.q)).unwrap();
        }
        let analyze = t.elapsed().as_secs_f64() * 1e3 / queries.len() as f64;
        println!("round {round}: embed_query {embed:.2} ms, analyze_query {analyze:.2} ms a query");
    }
    let base = Config {
        centre: Centre::Global,
        fold: Fold::Orig,
        k: 200,
        floor: 0.2,
        floor_a: 0.0,
        fallback: false,
        pool: 100000,
        tone_vote: false,
        rrf_k: 60.0,
        w_kw: 1.0,
        w_sem: 1.0,
        aspect: None,
        prf: None,
        qa: None,
    };
    let eval = |name: &str, cfg: Config, verbose: bool| {
        let mut t: BTreeMap<(String, String), (f64, f64, usize)> = BTreeMap::new();
        for p in &prepared {
            let (r, dom) = rank(&world, &cfg, p);
            let (rc, nd) = (recall(&r, &p.rel), ndcg(&r, &p.rel));
            for g in [p.q.group.as_str(), "all"] {
                let e = t.entry((p.q.split.clone(), g.to_string())).or_default();
                *e = (e.0 + rc, e.1 + nd, e.2 + 1);
            }
            if verbose {
                let sem = semantic(&world, &cfg, p);
                let s50: Vec<usize> = sem
                    .iter()
                    .filter(|x| x.0 >= cfg.floor)
                    .take(50)
                    .map(|x| x.1)
                    .collect();
                let s200 = sem
                    .iter()
                    .take(200)
                    .filter(|x| p.rel.contains(&x.1))
                    .count();
                let above = sem.iter().filter(|x| x.0 >= cfg.floor).count();
                println!(
                    "  {} {:<5} {:<8} {:<22} rel {:>3} kw@50 {:.2} (kw hits {:>4}) sem@50 {:.2} hyb@50 {:.2} nDCG {:.2} sem200 {:>3} >floor {:>4} dom {:?} want {}:{}",
                    p.q.id,
                    p.q.split,
                    p.q.group,
                    p.q.q,
                    p.rel.len(),
                    recall(&p.words, &p.rel),
                    p.words.len(),
                    recall(&s50, &p.rel),
                    rc,
                    nd,
                    s200,
                    above,
                    dom,
                    p.q.topic,
                    p.q.sentiment
                );
            }
        }
        let f = |s: &str, g: &str| {
            let (r, n, c) = t[&(s.to_string(), g.to_string())];
            format!("{:.3}/{:.3}", r / c as f64, n / c as f64)
        };
        println!(
            "{name:<34} dev {} test {} | test Hans {} Hant {} en {} mixed {} | dev Hans {} Hant {} en {} mixed {}",
            f("dev", "all"),
            f("test", "all"),
            f("test", "zh-Hans"),
            f("test", "zh-Hant"),
            f("test", "en"),
            f("test", "mixed"),
            f("dev", "zh-Hans"),
            f("dev", "zh-Hant"),
            f("dev", "en"),
            f("dev", "mixed"),
        );
    };
    // TUNE_VERBOSE=1: per-query rows for the chosen configuration; TUNE_DEBUG=q65: that
    // query's top 50, the library's hybrid against the chosen configuration's.
    let verbose = std::env::var("TUNE_VERBOSE").is_ok();
    let fold = Config {
        fold: Fold::Folded,
        ..base
    };
    let qa = |w: f32| Config {
        qa: Some((w, true, false)),
        ..fold
    };
    let voted = Config {
        aspect: Some((20, 0.5, 2.0, true)),
        fallback: true,
        ..qa(2.0)
    };
    let chosen = Config {
        tone_vote: true,
        pool: 1000,
        ..voted
    };
    let mut runs: Vec<(String, Config)> = vec![
        ("first cut (one mean, as typed)".into(), base),
        (
            "no centring".into(),
            Config {
                centre: Centre::None,
                ..base
            },
        ),
        (
            "centred cosine".into(),
            Config {
                centre: Centre::GlobalCos,
                ..base
            },
        ),
    ];
    for floor in [0.0, 0.2] {
        for centre in [Centre::Lang, Centre::LangCos] {
            let cfg = Config {
                centre,
                floor,
                ..base
            };
            runs.push((format!("{centre:?} centring, floor {floor}"), cfg));
        }
    }
    runs.push(("query folded to Simplified".into(), fold));
    runs.push((
        "folded and as typed, averaged".into(),
        Config {
            fold: Fold::Avg,
            ..base
        },
    ));
    for k in [100, 500, 1000] {
        runs.push((format!("K {k}"), Config { k, ..base }));
    }
    runs.push(("keyword weight 0.5".into(), Config { w_kw: 0.5, ..base }));
    for m in [5, 10, 20, 50] {
        for beta in [0.5, 1.0, 2.0] {
            let cfg = Config {
                prf: Some((m, beta)),
                ..base
            };
            runs.push((format!("Rocchio top {m}, beta {beta}"), cfg));
        }
    }
    for w in [1.0, 1.5, 2.0, 3.0] {
        runs.push((format!("folded + query's topic, weight {w}"), qa(w)));
    }
    runs.push(("… + neighbours' topic when none".into(), voted));
    runs.push(("… + neighbours' tone, pool 1000 (chosen)".into(), chosen));
    for rrf_k in [10.0, 20.0, 40.0, 100.0] {
        runs.push((format!("chosen, RRF k {rrf_k}"), Config { rrf_k, ..chosen }));
    }
    let oracle = Config {
        floor: 0.0,
        qa: Some((1.0, true, true)),
        ..fold
    };
    runs.push(("oracle: the judged topic and tone".into(), oracle));
    for (name, cfg) in runs {
        let show = verbose && name.ends_with("(chosen)");
        eval(&name, cfg, show);
    }
    if let Ok(want) = std::env::var("TUNE_DEBUG") {
        debug(&index, &analyzer, &world, &id_of, &chosen, &prepared, &want);
    }
}

/// One query's top 50: the library's hybrid against `cfg`'s.
fn debug(
    index: &CommentIndex,
    analyzer: &Analyzer,
    world: &World,
    id_of: &HashMap<String, usize>,
    cfg: &Config,
    prepared: &[Prepared],
    want: &str,
) {
    let p = prepared.iter().find(|p| p.q.id == want).expect("query id");
    let (mine, dom) = rank(world, cfg, p);
    println!("topics {dom:?}; query topics {:?}", p.qaspects);
    let request = SearchRequest {
        mode: Mode::Hybrid,
        limit: 50,
        ..SearchRequest::query(&p.q.q)
    };
    let lib = index
        .search_with(&request, Some(analyzer as &dyn QueryEncoder))
        .unwrap();
    for (i, h) in lib.hits.iter().enumerate() {
        let (d, t) = (id_of[&h.id], mine[i]);
        println!(
            "{i:>2} library {} {:?} {:?} relevant {} {:?} | offline {} relevant {} {:?}",
            h.id,
            h.matched,
            h.similarity,
            p.rel.contains(&d),
            world.docs[d].aspects,
            world.docs[t].id,
            p.rel.contains(&t),
            world.docs[t].aspects
        );
    }
}
