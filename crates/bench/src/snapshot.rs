//! The snapshot benchmark: export and import times and file size for a catalog of about
//! 50,000 entities, with and without its 2,000 docs pages, through the facade (what
//! `greenroom snapshot export|import` run). The organisation is generated once on disk,
//! indexed, and its docs built; each import goes into an empty data folder.

use std::path::Path;
use std::time::{Duration, Instant};

use greenroom::Greenroom;
use greenroom::demo::{DemoOptions, generate};
use greenroom::snapshot::{ExportOptions, ImportOptions};

use crate::{Scale, median};

/// Every third service repository has a two-page docs site: 3,000 repositories of 17
/// entities give about 51,000 entities and 2,000 pages.
const ENTITIES_PER_REPO: usize = 17;

fn options(args: &[String]) -> anyhow::Result<Scale> {
    Ok(Scale::from_args(args, 3_000, "greenroom-bench-snapshot", &[])?.0)
}

/// One way of exporting: its times, the file's size, and the imports of that file.
struct Variant {
    label: &'static str,
    with_docs: bool,
    exports: Vec<Duration>,
    imports: Vec<Duration>,
    /// The write-ahead-log checkpoint each import leaves for afterwards.
    checkpoints: Vec<Duration>,
    bytes: u64,
    pages: usize,
}

pub fn run(args: &[String]) -> anyhow::Result<()> {
    let o = options(args)?;
    let org = o
        .work
        .join(format!("org-{}x{}", o.repos, ENTITIES_PER_REPO));
    if !org.exists() {
        let started = Instant::now();
        generate(
            &org,
            &DemoOptions {
                repos: o.repos,
                entities_per_repo: ENTITIES_PER_REPO,
                broken_every: 50,
                seed: 11,
            },
        )?;
        eprintln!("generated {} in {:?}", org.display(), started.elapsed());
    }
    let data = o.work.join("data");
    let _ = std::fs::remove_dir_all(&data);
    let mut greenroom = Greenroom::open(&data)?;
    greenroom.add_folder(&org, &[])?;
    let started = Instant::now();
    greenroom.index(None, &|_| {})?;
    let docs = greenroom.index_docs(None, &|_| {})?;
    let entities = greenroom.catalog().stats()?.entities;
    eprintln!(
        "indexed {entities} entities and {} docs pages in {:?}",
        docs.pages,
        started.elapsed()
    );
    // Closing the last connection checkpoints the write-ahead log into the database.
    drop(greenroom);
    let db_bytes = data_size(&data.join("catalog.db"));
    let greenroom = Greenroom::open(&data)?;
    // Each import goes into a new folder of its own. The folders of an earlier run are
    // removed now, not one by one before each import: removing ~90 MB (and 2,000 pages)
    // makes the file system write and discard for seconds afterwards, which an import
    // timed next would pay for.
    let imports = o.work.join("imports");
    let _ = std::fs::remove_dir_all(&imports);

    let mut variants = [
        Variant::new("catalog", false),
        Variant::new("catalog + docs", true),
    ];
    for variant in &mut variants {
        let file = o
            .work
            .join(format!("export-{}.greenroom", variant.with_docs));
        let export = ExportOptions {
            with_docs: variant.with_docs,
            name: Some("Bench".into()),
            ..ExportOptions::default()
        };
        for run in 0..o.runs {
            let started = Instant::now();
            let report = greenroom.export_snapshot(&file, &export, &|_| {})?;
            variant.exports.push(started.elapsed());
            variant.bytes = report.bytes;
            variant.pages = report.manifest.counts.pages;
            let target = imports.join(format!("{}-{run}", variant.label.replace(' ', "")));
            let mut fresh = Greenroom::open(&target)?;
            settle_disk();
            let started = Instant::now();
            let imported = fresh.import_snapshot(&file, &ImportOptions::default(), &|_| {})?;
            variant.imports.push(started.elapsed());
            let started = Instant::now();
            fresh.catalog().checkpoint()?;
            variant.checkpoints.push(started.elapsed());
            anyhow::ensure!(
                imported.entities >= entities * 9 / 10,
                "the import read {} of {entities} entities",
                imported.entities
            );
        }
    }

    println!(
        "Snapshots of {entities} entities ({} docs pages); catalog database {:.1} MB; median of {} runs",
        docs.pages,
        db_bytes as f64 / 1e6,
        o.runs
    );
    // The export's code is the same from run to run: how much the import costs next to it
    // says more about a change than either time on a host whose speed swings.
    println!(
        "{:<16} {:>10} {:>10} {:>16} {:>12} {:>12} {:>14}",
        "", "export", "import", "import / export", "checkpoint", "file", "file / db"
    );
    for v in &mut variants {
        let (export, import) = (median(&mut v.exports), median(&mut v.imports));
        println!(
            "{:<16} {:>8.0}ms {:>8.0}ms {:>16.2} {:>10.0}ms {:>10.2}MB {:>13.1}%  ({} pages)",
            v.label,
            export.as_secs_f64() * 1e3,
            import.as_secs_f64() * 1e3,
            import.as_secs_f64() / export.as_secs_f64(),
            median(&mut v.checkpoints).as_secs_f64() * 1e3,
            v.bytes as f64 / 1e6,
            100.0 * v.bytes as f64 / db_bytes as f64,
            v.pages
        );
    }
    Ok(())
}

impl Variant {
    fn new(label: &'static str, with_docs: bool) -> Variant {
        Variant {
            label,
            with_docs,
            exports: Vec::new(),
            imports: Vec::new(),
            checkpoints: Vec::new(),
            bytes: 0,
            pages: 0,
        }
    }
}

/// Waits until the file system has written what earlier steps left to write (the index
/// built above, the last import's ~180 MB of log and checkpoint): an import is timed on a
/// settled disk, as a person's import would be, not while the disk still works for the run
/// before it. (`sync`, from coreutils; if it cannot run, the figures are only noisier.)
fn settle_disk() {
    let _ = std::process::Command::new("sync").status();
}

/// The database's size with its write-ahead log.
fn data_size(db: &Path) -> u64 {
    let size = |p: &Path| std::fs::metadata(p).map_or(0, |m| m.len());
    size(db) + size(&db.with_extension("db-wal"))
}
