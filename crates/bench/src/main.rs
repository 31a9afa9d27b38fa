//! `greenroom-bench`: benchmarks that print figures. Machines here are noisy, so each
//! figure is a median of several runs and ratios are computed within one run.
//!
//! `greenroom-bench catalog` measures the catalog core on a generated organisation:
//! cold index, re-index with nothing changed and with ten repositories changed, search
//! latency on 50,000 entities, and peak memory, with where the time goes.
//!
//! `greenroom-bench sync` measures remote sources: 200 repositories served by `git daemon`
//! on 127.0.0.1, a first sync and a no-change sync, against `git clone --depth 1` of each
//! repository one after another.

mod catalog;
mod memory_files;
mod sync;

use std::process::ExitCode;

/// Indexing allocates many small values on several threads; mimalloc does that faster.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("catalog") | None => catalog::run(&args[1.min(args.len())..]),
        Some("cold-index-child") => catalog::cold_index_child(&args[1..]),
        Some("sync") => sync::run(&args[1..]),
        Some(other) => Err(anyhow::anyhow!(
            "unknown benchmark `{other}`; try `catalog` or `sync`"
        )),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(1)
        }
    }
}
