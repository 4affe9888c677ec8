//! Inference off the async runtime: a bounded queue feeding worker threads that run the
//! analyzer, merging requests that wait together into one encoder call.
//!
//! In: a request's texts (awaited by the handler). Out: their analyses, or 503 with
//! Retry-After when the queue is full (bounded memory under any load), or when the answer
//! takes longer than the request timeout. A worker takes the first waiting job, then every
//! other job already queued up to `max_batch` texts, and analyses them in one call; jobs
//! whose caller has given up are dropped before any work is done on them.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::oneshot;

use super::error::ApiError;
use crate::analyze::{Analysis, Analyzer, Input};
use crate::Result;

/// How the pool is sized.
#[derive(Debug, Clone, Copy)]
pub struct PoolOptions {
    /// Worker threads (each runs the encoder with all its threads).
    pub workers: usize,
    /// Requests waiting beyond this many get 503.
    pub queue: usize,
    /// The most texts merged into one encoder call.
    pub max_batch: usize,
    /// How long a request may wait for its analyses.
    pub timeout: Duration,
}

impl Default for PoolOptions {
    fn default() -> Self {
        PoolOptions {
            workers: 1,
            queue: 64,
            max_batch: 64,
            timeout: Duration::from_secs(30),
        }
    }
}

struct Job {
    inputs: Vec<Input>,
    deadline: Instant,
    reply: oneshot::Sender<Result<Vec<Analysis>>>,
}

/// The analysis pool; cheap to clone.
#[derive(Clone)]
pub struct Pool {
    tx: SyncSender<Job>,
    waiting: Arc<AtomicUsize>,
    timeout: Duration,
}

impl Pool {
    /// Start the workers.
    pub fn start(analyzer: Arc<Analyzer>, options: PoolOptions) -> Pool {
        let (tx, rx) = mpsc::sync_channel::<Job>(options.queue.max(1));
        let rx = Arc::new(Mutex::new(rx));
        let waiting = Arc::new(AtomicUsize::new(0));
        for k in 0..options.workers.max(1) {
            let (rx, analyzer, waiting) = (rx.clone(), analyzer.clone(), waiting.clone());
            let max_batch = options.max_batch.max(1);
            std::thread::Builder::new()
                .name(format!("verbatim-infer-{k}"))
                .spawn(move || work(&rx, &analyzer, &waiting, max_batch))
                .expect("spawn an inference worker");
        }
        Pool {
            tx,
            waiting,
            timeout: options.timeout,
        }
    }

    /// Requests queued and not yet taken by a worker.
    pub fn waiting(&self) -> usize {
        self.waiting.load(Ordering::Relaxed)
    }

    /// Analyse `inputs` (validated by the caller) on a worker.
    pub async fn analyze(&self, inputs: Vec<Input>) -> Result<Vec<Analysis>, ApiError> {
        let (reply, answer) = oneshot::channel();
        let job = Job {
            inputs,
            deadline: Instant::now() + self.timeout,
            reply,
        };
        self.waiting.fetch_add(1, Ordering::Relaxed);
        match self.tx.try_send(job) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => {
                self.waiting.fetch_sub(1, Ordering::Relaxed);
                metrics::counter!("verbatim_rejected_overload_total").increment(1);
                return Err(ApiError::busy(
                    "too many requests waiting for analysis; retry shortly",
                ));
            }
            Err(TrySendError::Disconnected(_)) => {
                self.waiting.fetch_sub(1, Ordering::Relaxed);
                return Err(ApiError::internal("inference workers stopped"));
            }
        }
        match tokio::time::timeout(self.timeout, answer).await {
            Ok(Ok(result)) => result.map_err(ApiError::from),
            Ok(Err(_)) => Err(ApiError::busy("the analysis timed out; retry shortly")),
            Err(_) => Err(ApiError::busy(format!(
                "no analysis within {} s; retry shortly",
                self.timeout.as_secs()
            ))),
        }
    }
}

fn work(rx: &Mutex<Receiver<Job>>, analyzer: &Analyzer, waiting: &AtomicUsize, max_batch: usize) {
    loop {
        let mut jobs = Vec::new();
        {
            let Ok(rx) = rx.lock() else { return };
            let Ok(first) = rx.recv() else { return };
            let mut texts = first.inputs.len();
            jobs.push(first);
            while texts < max_batch {
                match rx.try_recv() {
                    Ok(job) => {
                        texts += job.inputs.len();
                        jobs.push(job);
                    }
                    Err(_) => break,
                }
            }
        }
        waiting.fetch_sub(jobs.len(), Ordering::Relaxed);
        let now = Instant::now();
        jobs.retain(|j| j.deadline > now && !j.reply.is_closed());
        if jobs.is_empty() {
            continue;
        }
        metrics::histogram!("verbatim_batch_requests").record(jobs.len() as f64);
        let inputs: Vec<Input> = jobs.iter().flat_map(|j| j.inputs.iter().cloned()).collect();
        metrics::counter!("verbatim_texts_analyzed_total").increment(inputs.len() as u64);
        // A panic in the analyzer must not take the worker (and every later request) down.
        let run = |inputs: &[Input]| {
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| analyzer.analyze(inputs)))
                .unwrap_or_else(|_| {
                    Err(crate::Error::Internal(
                        "the analyzer panicked on this batch".into(),
                    ))
                })
        };
        match run(&inputs) {
            Ok(mut all) => {
                for job in jobs.into_iter().rev() {
                    let mine = all.split_off(all.len() - job.inputs.len());
                    let _ = job.reply.send(Ok(mine));
                }
            }
            // One bad job must not fail its batch mates: answer each on its own.
            Err(_) if jobs.len() > 1 => {
                for job in jobs {
                    let _ = job.reply.send(run(&job.inputs));
                }
            }
            Err(e) => {
                if let Some(job) = jobs.pop() {
                    let _ = job.reply.send(Err(e));
                }
            }
        }
    }
}
