//! Inference off the async runtime: a bounded queue feeding worker threads that run the
//! analyzer, merging requests that wait together into one encoder call.
//!
//! In: a request's texts (awaited by the handler). Out: their analyses, or 503 with
//! Retry-After when `queue` requests are already admitted (bounded memory under any load),
//! or when the answer takes longer than the request timeout. A worker holds the jobs it
//! took and goes through them in slices: each encoder call takes at most `max_batch` texts
//! and [`SLICE_COST`] of work ([`crate::analyze::cost`]), filled from the jobs with the
//! least work left first, so a long request cannot hold a worker for long. Short jobs (one
//! slice at most) also have a worker of their own, the express lane ([`queue`]), with its
//! own model session: a one-text request does not wait for a long encoder run. Between
//! slices, jobs whose caller has gone (disconnected, or already answered 503 on timeout)
//! or whose deadline passed are dropped with the rest of their work. Every worker goes
//! through one [`ResultCache`]: a text seen recently is not encoded again.

mod queue;

use std::ops::Range;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use tokio::sync::oneshot;

use self::queue::{Lane, Queue};
use super::error::ApiError;
use crate::Result;
use crate::analysis::{Analysis, Input};
use crate::analyze::{Analyzer, ResultCache, cost};

/// The most work, in [`crate::analyze::cost`] units (about encoder tokens), that one
/// encoder call takes, unless its first text alone costs more: about two dozen short
/// comments, or one text of 3 KB or more (its 512-token window costs about 0.3 s of CPU).
/// A long text is thus always a call of its own, and a short request is never padded to
/// its length: it waits at most the one slice in progress.
pub const SLICE_COST: usize = 1024;

/// How the pool is sized.
#[derive(Debug, Clone, Copy)]
pub struct PoolOptions {
    /// Worker threads (each runs the encoder with all its threads).
    pub workers: usize,
    /// Requests admitted (waiting or being analysed) beyond this many get 503.
    pub queue: usize,
    /// The most texts merged into one encoder call.
    pub max_batch: usize,
    /// How long a request may wait for its analyses.
    pub timeout: Duration,
    /// Results of this many recent distinct texts are kept (0: none).
    pub analysis_cache: usize,
}

impl Default for PoolOptions {
    fn default() -> Self {
        PoolOptions {
            workers: 1,
            queue: 64,
            max_batch: 64,
            timeout: Duration::from_secs(30),
            analysis_cache: crate::analyze::cache::DEFAULT_ENTRIES,
        }
    }
}

struct Job {
    inputs: Vec<Input>,
    deadline: Instant,
    reply: oneshot::Sender<Result<Vec<Analysis>>>,
    _admitted: Admitted,
}

/// One admitted request, counted until its job is answered or dropped.
struct Admitted(Arc<AtomicUsize>);

impl Drop for Admitted {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// The analysis pool; cheap to clone.
#[derive(Clone)]
pub struct Pool {
    queue: Arc<Queue<Job>>,
    admitted: Arc<AtomicUsize>,
    limit: usize,
    timeout: Duration,
    cache: Arc<ResultCache>,
    _open: Arc<Open>,
}

/// Closes the queue when the last [`Pool`] handle goes, so the workers end.
struct Open(Arc<Queue<Job>>);

impl Drop for Open {
    fn drop(&mut self) {
        self.0.close();
    }
}

impl Pool {
    /// Start the workers: `workers` main ones and the express one, which gets a model
    /// session of its own.
    pub fn start(analyzer: Arc<Analyzer>, options: PoolOptions) -> Pool {
        if let Some(Err(e)) = analyzer.encoder().map(|e| e.add_session()) {
            tracing::warn!(
                "no second model session ({e}): short requests may wait behind long ones"
            );
        }
        let queue = Arc::new(Queue::new());
        let cache = Arc::new(ResultCache::new(options.analysis_cache));
        let max_batch = options.max_batch.max(1);
        let lanes = std::iter::once(Lane::Express)
            .chain(std::iter::repeat_n(Lane::Main, options.workers.max(1)));
        for (k, lane) in lanes.enumerate() {
            let (queue, analyzer, cache) = (queue.clone(), analyzer.clone(), cache.clone());
            std::thread::Builder::new()
                .name(format!("verbatim-infer-{k}"))
                .spawn(move || work(&queue, lane, &analyzer, &cache, max_batch))
                .expect("spawn an inference worker");
        }
        Pool {
            _open: Arc::new(Open(queue.clone())),
            queue,
            admitted: Arc::new(AtomicUsize::new(0)),
            limit: options.queue.max(1),
            timeout: options.timeout,
            cache,
        }
    }

    /// The result cache every worker shares (its counts go to `/metrics`).
    pub fn cache(&self) -> &ResultCache {
        &self.cache
    }

    /// Requests admitted and not yet answered (waiting, or being analysed).
    pub fn waiting(&self) -> usize {
        self.admitted.load(Ordering::Relaxed)
    }

    /// Analyse `inputs` (validated by the caller) on a worker.
    pub async fn analyze(&self, inputs: Vec<Input>) -> Result<Vec<Analysis>, ApiError> {
        if self.admitted.fetch_add(1, Ordering::Relaxed) >= self.limit {
            self.admitted.fetch_sub(1, Ordering::Relaxed);
            return Err(overloaded());
        }
        let short = inputs.iter().map(|i| cost(&i.text)).sum::<usize>() <= SLICE_COST;
        let (reply, answer) = oneshot::channel();
        let job = Job {
            inputs,
            deadline: Instant::now() + self.timeout,
            reply,
            _admitted: Admitted(self.admitted.clone()),
        };
        if !self.queue.push(job, short) {
            return Err(ApiError::internal("inference workers stopped"));
        }
        // Dropping `answer` (a timeout here, or the client going away) tells the worker to
        // abandon the rest of the job.
        match tokio::time::timeout(self.timeout, answer).await {
            Ok(Ok(result)) => result.map_err(ApiError::from),
            Ok(Err(_)) => Err(ApiError::busy("the analysis timed out; retry shortly")),
            Err(_) => Err(ApiError::busy(format!(
                "no analysis within {} s: the server is busy, or these texts take longer than \
                 that here (send fewer or shorter texts per request, or raise --timeout); \
                 retry shortly",
                self.timeout.as_secs()
            ))),
        }
    }
}

fn overloaded() -> ApiError {
    metrics::counter!("verbatim_rejected_overload_total").increment(1);
    ApiError::busy("too many requests waiting for analysis; retry shortly")
}

/// A job a worker holds: its texts' costs, the analyses done so far, or its error.
struct Active {
    job: Job,
    costs: Vec<usize>,
    done: Vec<Analysis>,
    error: Option<crate::Error>,
}

impl Active {
    fn new(job: Job) -> Active {
        let costs = job.inputs.iter().map(|i| cost(&i.text)).collect();
        Active {
            done: Vec::with_capacity(job.inputs.len()),
            job,
            costs,
            error: None,
        }
    }

    fn work_left(&self) -> usize {
        self.costs[self.done.len()..].iter().sum()
    }

    fn abandoned(&self, now: Instant) -> bool {
        self.job.deadline <= now || self.job.reply.is_closed()
    }

    fn finished(&self) -> bool {
        self.error.is_some() || self.done.len() == self.job.inputs.len()
    }

    fn answer(mut self) {
        let result = match self.error.take() {
            Some(e) => Err(e),
            None => Ok(std::mem::take(&mut self.done)),
        };
        let _ = self.job.reply.send(result);
    }
}

fn work(
    queue: &Queue<Job>,
    lane: Lane,
    analyzer: &Analyzer,
    cache: &ResultCache,
    max_batch: usize,
) {
    let mut active: Vec<Active> = Vec::new();
    loop {
        match queue.take(lane, active.is_empty()) {
            Some(jobs) => active.extend(jobs.into_iter().map(Active::new)),
            None => return,
        }
        let now = Instant::now();
        let held = active.len();
        active.retain(|a| !a.abandoned(now));
        if active.len() < held {
            metrics::counter!("verbatim_jobs_abandoned_total")
                .increment((held - active.len()) as u64);
        }
        if active.is_empty() {
            continue;
        }
        active.sort_by_key(Active::work_left);
        let slices = plan(&active, max_batch, SLICE_COST);
        run_slices(analyzer, cache, &mut active, &slices);
        let (finished, rest): (Vec<Active>, Vec<Active>) =
            active.into_iter().partition(Active::finished);
        active = rest;
        finished.into_iter().for_each(Active::answer);
    }
}

/// The next encoder call: per job (in order), the range of its texts to analyse, at most
/// `max_texts` texts and `budget` of cost in all (at least one text).
fn plan(active: &[Active], max_texts: usize, budget: usize) -> Vec<(usize, Range<usize>)> {
    let (mut texts, mut spent) = (0, 0);
    let mut out = Vec::new();
    for (k, a) in active.iter().enumerate() {
        let start = a.done.len();
        let mut end = start;
        while end < a.costs.len()
            && texts < max_texts
            && (texts == 0 || spent + a.costs[end] <= budget)
        {
            spent += a.costs[end];
            texts += 1;
            end += 1;
        }
        if end > start {
            out.push((k, start..end));
        }
        if texts >= max_texts || spent >= budget {
            break;
        }
    }
    out
}

/// Analyse the planned slices in one call, adding each job's analyses (or its error).
fn run_slices(
    analyzer: &Analyzer,
    cache: &ResultCache,
    active: &mut [Active],
    slices: &[(usize, Range<usize>)],
) {
    let inputs_of = |active: &[Active], (k, range): &(usize, Range<usize>)| {
        active[*k].job.inputs[range.clone()].to_vec()
    };
    let inputs: Vec<Input> = slices.iter().flat_map(|s| inputs_of(active, s)).collect();
    metrics::histogram!("verbatim_batch_requests").record(slices.len() as f64);
    metrics::counter!("verbatim_texts_analyzed_total").increment(inputs.len() as u64);
    // A panic in the analyzer must not take the worker (and every later request) down.
    let run = |inputs: &[Input]| {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            analyzer.analyze_cached(inputs, cache)
        }))
        .unwrap_or_else(|_| {
            Err(crate::Error::Internal(
                "the analyzer panicked on this batch".into(),
            ))
        })
    };
    match run(&inputs) {
        Ok(all) => {
            let mut all = all.into_iter();
            for (k, range) in slices {
                active[*k].done.extend(all.by_ref().take(range.len()));
            }
        }
        // One bad job must not fail its batch mates: analyse each slice on its own.
        Err(_) if slices.len() > 1 => {
            for slice in slices {
                match run(&inputs_of(active, slice)) {
                    Ok(mine) => active[slice.0].done.extend(mine),
                    Err(e) => active[slice.0].error = Some(e),
                }
            }
        }
        Err(e) => {
            if let Some((k, _)) = slices.first() {
                active[*k].error = Some(e);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn active(texts: &[&str], admitted: &Arc<AtomicUsize>) -> Active {
        admitted.fetch_add(1, Ordering::Relaxed);
        Active::new(Job {
            inputs: texts.iter().map(|t| Input::new(*t)).collect(),
            deadline: Instant::now() + Duration::from_secs(60),
            reply: oneshot::channel().0,
            _admitted: Admitted(admitted.clone()),
        })
    }

    #[test]
    fn a_long_text_is_a_call_of_its_own_and_short_jobs_go_first() {
        let admitted = Arc::new(AtomicUsize::new(0));
        let long = "菜很好吃但是配送太慢。".repeat(3000);
        let mut jobs = vec![
            active(&[&long, &long, "ok"], &admitted),
            active(&["fine", "good"], &admitted),
        ];
        assert_eq!(admitted.load(Ordering::Relaxed), 2);
        jobs.sort_by_key(Active::work_left);
        assert_eq!(jobs[0].job.inputs.len(), 2);
        assert_eq!(plan(&jobs, 64, SLICE_COST), vec![(0, 0..2)]);
        assert_eq!(plan(&jobs[1..], 64, SLICE_COST), vec![(0, 0..1)]);
        assert_eq!(plan(&jobs, 1, SLICE_COST), vec![(0, 0..1)]);
        let short: Vec<String> = (0..100)
            .map(|i| format!("第{i}条：{}", "客服态度很好，物流也快".repeat(3)))
            .collect();
        let short: Vec<&str> = short.iter().map(String::as_str).collect();
        let many = [active(&short, &admitted)];
        let planned = plan(&many, 64, SLICE_COST);
        assert!(
            planned[0].1.len() > 16 && planned[0].1.len() < 64,
            "{planned:?}"
        );
        drop((jobs, many));
        assert_eq!(admitted.load(Ordering::Relaxed), 0);
    }
}
