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

/// Whether timings are printed (`GREENROOM_TIMINGS=1`).
pub fn enabled() -> bool {
    static ENABLED: OnceLock<bool> = OnceLock::new();
    *ENABLED.get_or_init(|| std::env::var_os("GREENROOM_TIMINGS").is_some())
}

/// Prints how long a command took, when timings are on.
pub fn command(name: &str, started: Instant) {
    if enabled() {
        let millis = started.elapsed().as_secs_f64() * 1000.0;
        println!("greenroom-timing command {name} {millis:.1} ms");
    }
}

/// Prints how long after the start of the process something happened, when timings are on.
pub fn since_start(what: &str) {
    if enabled() {
        let millis = STARTED
            .get()
            .map_or(0.0, |s| s.elapsed().as_secs_f64() * 1000.0);
        println!("greenroom-timing {what} {millis:.1} ms");
    }
}

/// Records the first paint of the catalog (only the first call counts).
pub fn first_paint(rows: usize, marks: &str) {
    if PAINTED.set(()).is_err() || !enabled() {
        return;
    }
    let millis = STARTED
        .get()
        .map_or(0.0, |s| s.elapsed().as_secs_f64() * 1000.0);
    println!("greenroom-timing first-paint {millis:.1} ms rows={rows} page: {marks}");
}
