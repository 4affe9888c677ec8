//! The ONNX Runtime sessions of one encoder, and how one call's batches are spread over them.
//!
//! In: the batches of a call (as job numbers) and what to do with each on a session. Out:
//! each job's result, in job order.
//!
//! Two ways to use two cores:
//! - **Lanes (batch commands: `analyze`, `score`, `ingest`, the Python module).** One
//!   session of one intra-op thread per core, each taking the call's next batch as it frees
//!   up. ONNX Runtime's threads inside one session meet at the end of every operator (a
//!   6-layer encoder runs about a hundred of them per batch); side by side they never wait
//!   on each other. Measured on 2 cores (AVX2 CPU, the student, bench_speed's 2,000
//!   comments in batches of 32, the encoder alone, 20 alternated rounds): 1.13× the
//!   throughput of one session of two threads (median; 0.83–1.51). The outputs are the
//!   same bits either way: a batch's result does not depend on its session's threads.
//! - **One session with every thread (the server).** Its requests already run side by
//!   side (a worker per lane of the pool, plus the express lane's spare session,
//!   [`Sessions::add_spare`]), and a lone request should have every core.
//!
//! Sessions after the first open on first use, on the lane that needs them, so a one-text
//! call never pays for them. Every session runs on the same weights ([`Shared`]).

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, OnceLock, TryLockError};

use ort::environment::Environment;
use ort::session::Session;

use super::session::{Shared, open_session};
use crate::{Error, Result};

/// The sessions of one encoder.
pub(super) struct Sessions {
    /// The first is opened at load; the others on first use.
    slots: Vec<OnceLock<Mutex<Session>>>,
    env: &'static Environment,
    model: PathBuf,
    /// Intra-op threads of each session.
    threads: usize,
    shared: Shared,
    /// How many sessions may share one call's batches (1: the free session runs them in turn).
    lanes: usize,
}

impl Sessions {
    /// `lanes` sessions of `threads` threads each at most, `first` already open.
    pub(super) fn new(
        first: Session,
        (env, model): (&'static Environment, PathBuf),
        threads: usize,
        shared: Shared,
        lanes: usize,
    ) -> Sessions {
        let lanes = lanes.max(1);
        // Room for the server's spare session too.
        let slots: Vec<OnceLock<Mutex<Session>>> =
            (0..lanes.max(2)).map(|_| OnceLock::new()).collect();
        let _ = slots[0].set(Mutex::new(first));
        Sessions {
            slots,
            env,
            model,
            threads,
            shared,
            lanes,
        }
    }

    /// Open the second session now (the server's express lane: a caller finding the first
    /// busy runs there instead of waiting behind a long run).
    pub(super) fn add_spare(&self) -> Result<()> {
        self.slot(1).map(|_| ())
    }

    /// The `k`th session, opened if it was not.
    fn slot(&self, k: usize) -> Result<&Mutex<Session>> {
        let slot = &self.slots[k];
        if let Some(session) = slot.get() {
            return Ok(session);
        }
        let session = open_session(self.env, &self.model, self.threads, &self.shared)?;
        // Two callers opening the same slot at once: one session is kept, the other dropped.
        let _ = slot.set(Mutex::new(session));
        Ok(slot.get().expect("set above"))
    }

    /// Run `f` on each job `0..jobs` and return the results in job order: on the free
    /// session one job after another, or side by side on the lanes when there are several
    /// jobs and lanes. The first error stops the call.
    pub(super) fn run<T, F>(&self, jobs: usize, f: F) -> Result<Vec<T>>
    where
        T: Send,
        F: Fn(&mut Session, usize) -> Result<T> + Sync,
    {
        let lanes = self.lanes.min(jobs);
        if lanes <= 1 {
            return (0..jobs).map(|job| f(&mut *self.free()?, job)).collect();
        }
        let next = AtomicUsize::new(0);
        let failed = AtomicBool::new(false);
        let lane = |k: usize| -> Result<Vec<(usize, T)>> {
            let mut session = lock(self.slot(k)?)?;
            let mut done = Vec::new();
            while !failed.load(Ordering::Relaxed) {
                let job = next.fetch_add(1, Ordering::Relaxed);
                if job >= jobs {
                    break;
                }
                match f(&mut session, job) {
                    Ok(out) => done.push((job, out)),
                    Err(e) => {
                        failed.store(true, Ordering::Relaxed);
                        return Err(e);
                    }
                }
            }
            Ok(done)
        };
        let per_lane: Vec<Result<Vec<(usize, T)>>> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..lanes).map(|k| scope.spawn(move || lane(k))).collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join()
                        .unwrap_or_else(|_| Err(Error::Internal("an encoder lane panicked".into())))
                })
                .collect()
        });
        let mut done: Vec<(usize, T)> = Vec::with_capacity(jobs);
        for lane in per_lane {
            done.extend(lane?);
        }
        // No lane failed: each job was taken by exactly one lane and run.
        done.sort_unstable_by_key(|(job, _)| *job);
        Ok(done.into_iter().map(|(_, out)| out).collect())
    }

    /// The first session if it is free, else any other open one that is, else the first
    /// one once it is.
    fn free(&self) -> Result<MutexGuard<'_, Session>> {
        for slot in &self.slots {
            match slot.get().map(Mutex::try_lock) {
                Some(Ok(session)) => return Ok(session),
                Some(Err(TryLockError::Poisoned(_))) => return Err(poisoned()),
                Some(Err(TryLockError::WouldBlock)) | None => {}
            }
        }
        lock(self.slot(0)?)
    }
}

fn lock(session: &Mutex<Session>) -> Result<MutexGuard<'_, Session>> {
    session.lock().map_err(|_| poisoned())
}

fn poisoned() -> Error {
    Error::Internal("encoder session poisoned".into())
}
