//! The long job of one kind going on (a template run, a sync), so that the window can stop
//! it: its cancel handle is kept while the job runs, and only then.

use std::sync::Mutex;

/// The cancel handle of the job going on, if any.
pub struct Running<T>(Mutex<Option<T>>);

impl<T> Default for Running<T> {
    fn default() -> Self {
        Running(Mutex::new(None))
    }
}

impl<T> Running<T> {
    /// Runs `job`, keeping `cancel` as the handle to stop it until it ends.
    pub fn run<R>(&self, cancel: T, job: impl FnOnce() -> R) -> R {
        self.set(Some(cancel));
        let result = job();
        self.set(None);
        result
    }

    /// Whether a job is going on.
    pub fn busy(&self) -> bool {
        self.0.lock().is_ok_and(|r| r.is_some())
    }

    /// Stops the job going on with `stop`; `false` when there is none.
    pub fn stop(&self, stop: impl FnOnce(&T)) -> bool {
        match self.0.lock().ok().as_ref().and_then(|r| r.as_ref()) {
            Some(cancel) => {
                stop(cancel);
                true
            }
            None => false,
        }
    }

    fn set(&self, cancel: Option<T>) {
        if let Ok(mut running) = self.0.lock() {
            *running = cancel;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_job_can_be_stopped_while_it_runs_and_only_then() {
        let running = Running::<std::cell::Cell<bool>>::default();
        assert!(!running.stop(|c| c.set(true)), "nothing to stop");
        let stopped = running.run(std::cell::Cell::new(false), || {
            assert!(running.busy());
            running.stop(|c| c.set(true))
        });
        assert!(stopped);
        assert!(!running.busy());
        assert!(!running.stop(|c| c.set(true)), "the job ended");
    }
}
