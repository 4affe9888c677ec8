//! The jobs admitted for analysis, waiting for a worker, in two lanes.
//!
//! In: jobs, each marked short (at most one slice of work) or long. Out: to each worker the
//! jobs it may take: the express worker takes only short jobs, so a one-text request never
//! waits behind a long one; the main workers take long jobs, and short ones too when they
//! have nothing else to do. A worker with work in hand only collects what is already
//! queued; an idle one waits. Closing the queue lets idle workers end.

use std::collections::VecDeque;
use std::sync::{Condvar, Mutex};

/// Which jobs a worker takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lane {
    /// Short jobs only.
    Express,
    /// Long jobs, and short ones when idle.
    Main,
}

struct State<J> {
    jobs: VecDeque<(J, bool)>,
    closed: bool,
}

/// A queue of jobs in two lanes.
pub struct Queue<J> {
    state: Mutex<State<J>>,
    ready: Condvar,
}

impl<J> Queue<J> {
    pub fn new() -> Queue<J> {
        Queue {
            state: Mutex::new(State {
                jobs: VecDeque::new(),
                closed: false,
            }),
            ready: Condvar::new(),
        }
    }

    /// Queue `job`; false (and the job dropped) when the queue is closed.
    pub fn push(&self, job: J, short: bool) -> bool {
        let Ok(mut state) = self.state.lock() else {
            return false;
        };
        if state.closed {
            return false;
        }
        state.jobs.push_back((job, short));
        drop(state);
        self.ready.notify_all();
        true
    }

    /// No more jobs: idle workers end.
    pub fn close(&self) {
        if let Ok(mut state) = self.state.lock() {
            state.closed = true;
        }
        self.ready.notify_all();
    }

    /// The queued jobs a worker of `lane` may take, in arrival order. An `idle` worker
    /// waits until there is one (`None`: the queue is closed and has none for it); a busy
    /// one gets what is there, perhaps nothing.
    pub fn take(&self, lane: Lane, idle: bool) -> Option<Vec<J>> {
        let mut state = self.state.lock().ok()?;
        loop {
            let eligible = |short: bool| match lane {
                Lane::Express => short,
                Lane::Main => idle || !short,
            };
            let mut taken = Vec::new();
            let mut kept = VecDeque::with_capacity(state.jobs.len());
            for (job, short) in state.jobs.drain(..) {
                match eligible(short) {
                    true => taken.push(job),
                    false => kept.push_back((job, short)),
                }
            }
            state.jobs = kept;
            if !taken.is_empty() || !idle {
                return Some(taken);
            }
            if state.closed {
                return None;
            }
            state = self.ready.wait(state).ok()?;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lanes_take_their_jobs() {
        let q = Queue::new();
        assert!(q.push("long", false) && q.push("short", true));
        assert_eq!(q.take(Lane::Express, true), Some(vec!["short"]));
        assert_eq!(q.take(Lane::Express, false), Some(vec![]));
        q.push("short 2", true);
        assert_eq!(q.take(Lane::Main, false), Some(vec!["long"]));
        assert_eq!(q.take(Lane::Main, true), Some(vec!["short 2"]));
        q.close();
        assert!(!q.push("late", true));
        assert_eq!(q.take(Lane::Main, true), None);
        assert_eq!(q.take(Lane::Express, true), None);
    }
}
