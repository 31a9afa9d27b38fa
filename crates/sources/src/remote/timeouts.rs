//! Network timeouts of libgit2. Without them a server that stops answering in the middle
//! of a transfer holds a fetch (and a cancel) forever.

use std::sync::Mutex;
use std::time::Duration;

/// How long libgit2 waits to connect, and for each network read or write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// Connecting to a server.
    pub connect: Duration,
    /// One read or write on an open connection.
    pub io: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            connect: Duration::from_secs(15),
            io: Duration::from_secs(60),
        }
    }
}

static APPLIED: Mutex<Option<Timeouts>> = Mutex::new(None);

/// Sets libgit2's timeouts for the whole process. They are global in libgit2, so the last
/// call wins; syncs call [`ensure_timeouts`], which applies the defaults only if nothing
/// was set.
pub fn set_timeouts(timeouts: Timeouts) {
    let mut applied = APPLIED.lock().unwrap_or_else(|p| p.into_inner());
    apply(timeouts);
    *applied = Some(timeouts);
}

/// Applies the default timeouts unless some were set.
pub fn ensure_timeouts() {
    let mut applied = APPLIED.lock().unwrap_or_else(|p| p.into_inner());
    if applied.is_none() {
        let timeouts = Timeouts::default();
        apply(timeouts);
        *applied = Some(timeouts);
    }
}

#[allow(unsafe_code)]
fn apply(timeouts: Timeouts) {
    let millis = |d: Duration| i32::try_from(d.as_millis()).unwrap_or(i32::MAX).max(1);
    // SAFETY: git2 marks these setters unsafe because they write libgit2 globals without
    // synchronisation. They are plain integers read when a connection is opened; writes
    // here are serialised by `APPLIED`, and a connection opening meanwhile sees either the
    // old or the new value. The library is initialised by git2 before the call.
    unsafe {
        let _ = git2::opts::set_server_connect_timeout_in_milliseconds(millis(timeouts.connect));
        let _ = git2::opts::set_server_timeout_in_milliseconds(millis(timeouts.io));
    }
}
