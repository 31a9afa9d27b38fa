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
//!
//! `greenroom-bench snapshot` measures snapshot export and import of about 50,000
//! entities, with and without 2,000 docs pages, and the file's size against the catalog's.

mod catalog;
mod memory_files;
mod snapshot;
mod sync;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

/// Indexing allocates many small values on several threads; mimalloc does that faster.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("catalog") | None => catalog::run(&args[1.min(args.len())..]),
        Some("cold-index-child") => catalog::cold_index_child(&args[1..]),
        Some("snapshot") => snapshot::run(&args[1..]),
        Some("sync") => sync::run(&args[1..]),
        Some(other) => Err(anyhow::anyhow!(
            "unknown benchmark `{other}`; try `catalog`, `sync` or `snapshot`"
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

/// The middle value (sorts `values`).
pub(crate) fn median(values: &mut [Duration]) -> Duration {
    values.sort();
    values[values.len() / 2]
}

/// How big a benchmark runs and where it works: `--repos N --runs N --work DIR`.
pub(crate) struct Scale {
    /// Repositories generated.
    pub repos: usize,
    /// Timed runs (the median is reported).
    pub runs: usize,
    /// Where generated data and runs go.
    pub work: PathBuf,
}

impl Scale {
    /// `repos` repositories, 3 runs and `work` in the temporary folder, or what `args` sets
    /// instead; the benchmark's own options among `extra` are returned for it to read, and
    /// any other option is refused.
    pub(crate) fn from_args<'a>(
        args: &'a [String],
        repos: usize,
        work: &str,
        extra: &[&str],
    ) -> anyhow::Result<(Scale, Vec<(&'a str, &'a str)>)> {
        let mut known = vec!["--repos", "--runs", "--work"];
        known.extend_from_slice(extra);
        let mut scale = Scale {
            repos,
            runs: 3,
            work: std::env::temp_dir().join(work),
        };
        let mut own = Vec::new();
        for (flag, value) in flags(args, &known)? {
            match flag {
                "--repos" => scale.repos = value.parse()?,
                "--runs" => scale.runs = value.parse()?,
                "--work" => scale.work = PathBuf::from(value),
                _ => own.push((flag, value)),
            }
        }
        anyhow::ensure!(
            scale.repos > 0 && scale.runs > 0,
            "--repos and --runs must be positive"
        );
        Ok((scale, own))
    }
}

/// Pairs each `--flag` in `args` with the value after it, refusing flags not in `known`
/// and flags without a value.
fn flags<'a>(args: &'a [String], known: &[&str]) -> anyhow::Result<Vec<(&'a str, &'a str)>> {
    let mut pairs = Vec::new();
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        if !known.contains(&flag.as_str()) {
            anyhow::bail!(
                "unknown option {flag}; options: {}",
                known
                    .iter()
                    .map(|k| format!("{k} VALUE"))
                    .collect::<Vec<_>>()
                    .join(" ")
            );
        }
        let value = it
            .next()
            .ok_or_else(|| anyhow::anyhow!("{flag} needs a value"))?;
        pairs.push((flag.as_str(), value.as_str()));
    }
    Ok(pairs)
}
