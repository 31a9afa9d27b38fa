//! Launch timing for the benchmark: with `GREENROOM_TIMINGS=1` the app prints when the
//! interface first painted the catalog, counted from the start of the process.

use std::sync::OnceLock;
use std::time::Instant;

static STARTED: OnceLock<Instant> = OnceLock::new();
static PAINTED: OnceLock<()> = OnceLock::new();

/// Marks the start of the process; call first thing in `main`.
pub fn process_started() {
    STARTED.get_or_init(Instant::now);
}

/// Records the first paint of the catalog (only the first call counts).
pub fn first_paint(rows: usize) {
    if PAINTED.set(()).is_err() || std::env::var_os("GREENROOM_TIMINGS").is_none() {
        return;
    }
    let millis = STARTED
        .get()
        .map_or(0.0, |s| s.elapsed().as_secs_f64() * 1000.0);
    println!("greenroom-timing first-paint {millis:.1} ms rows={rows}");
}
