//! The snapshot benchmark: export and import times and file size for a 50,000-entity
//! catalog, with and without 2,000 docs pages.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::Context;
use greenroom::demo::{DemoOptions, plan};
use greenroom_catalog::Catalog;
use greenroom_catalog::read_tree;
use greenroom_catalog::snapshot::{Limits, Manifest, Origin, Snapshot, write_snapshot};
use greenroom_catalog::store::{
    NewSource, RepoContent, RepoIndex, SnapshotWrite, SourceIndex, SourceKind,
};
use rayon::prelude::*;

use crate::memory_files::MemoryFiles;

struct Options {
    entities: usize,
    per_repo: usize,
    runs: usize,
    work: PathBuf,
}

fn options(args: &[String]) -> anyhow::Result<Options> {
    let mut o = Options {
        entities: 50_000,
        per_repo: 10,
        runs: 3,
        work: std::env::temp_dir().join("greenroom-bench-snapshot"),
    };
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let mut value = || {
            it.next()
                .cloned()
                .with_context(|| format!("{flag} needs a value"))
        };
        match flag.as_str() {
            "--entities" => o.entities = value()?.parse()?,
            "--runs" => o.runs = value()?.parse()?,
            "--work" => o.work = PathBuf::from(value()?),
            other => {
                anyhow::bail!("unknown option {other}; options: --entities N --runs N --work DIR")
            }
        }
    }
    Ok(o)
}

pub fn run(args: &[String]) -> anyhow::Result<()> {
    let o = options(args)?;
    let _ = std::fs::remove_dir_all(&o.work);
    std::fs::create_dir_all(&o.work)?;
    let db = o.work.join("source.db");
    let started = Instant::now();
    let loaded = load(&db, &o)?;
    eprintln!("loaded {loaded} entities in {:?}", started.elapsed());
    let catalog = Catalog::open(&db)?;

    let mut exports = Vec::new();
    let mut bytes = Vec::new();
    for _ in 0..o.runs {
        let started = Instant::now();
        let exported = catalog.export_catalog(&[])?;
        let t1 = started.elapsed();
        let manifest = Manifest {
            format: String::new(),
            format_version: 0,
            producer: "bench".into(),
            created_at: exported.created_at,
            origin: Origin {
                id: "bench".into(),
                name: "bench".into(),
            },
            sources: exported.sources.clone(),
            counts: exported.counts.clone(),
            sections: Vec::new(),
        };
        bytes = write_snapshot(manifest, &exported.content, None, None)?;
        exports.push(started.elapsed());
        eprintln!("export: query {t1:?}, total {:?}", started.elapsed());
    }
    let mut imports = Vec::new();
    for i in 0..o.runs {
        let path = o.work.join(format!("import-{i}.db"));
        let mut target = Catalog::open(&path)?;
        let cpu0 = cpu_ms();
        let started = Instant::now();
        let snapshot = Snapshot::read(&bytes, &Limits::default())?;
        let t1 = started.elapsed();
        let repos = snapshot.repo_indexes();
        let t2 = started.elapsed();
        let cpu1 = cpu_ms();
        target.write_snapshot_source(SnapshotWrite {
            existing: None,
            source: NewSource {
                kind: SourceKind::Snapshot,
                target: "snapshot:bench".into(),
                name: "bench".into(),
                settings: serde_json::json!({}),
                priority: 50,
            },
            repos,
            problems: Vec::new(),
            sites: Vec::new(),
        })?;
        imports.push(started.elapsed());
        eprintln!(
            "import: read {t1:?}, validate {:?}, total {:?}; cpu read+validate {} ms, write {} ms",
            t2 - t1,
            started.elapsed(),
            cpu1 - cpu0,
            cpu_ms() - cpu1
        );
    }
    let db_size = db_size(&db)?;
    println!(
        "entities {loaded}; file {} bytes; db {} bytes; ratio {:.1}%",
        bytes.len(),
        db_size,
        100.0 * bytes.len() as f64 / db_size as f64
    );
    println!(
        "export median {:?}; import median {:?}",
        median(&mut exports),
        median(&mut imports)
    );
    Ok(())
}

fn db_size(db: &Path) -> anyhow::Result<u64> {
    let conn = Catalog::open(db)?;
    drop(conn);
    Ok(std::fs::metadata(db)?.len())
}

fn load(path: &Path, o: &Options) -> anyhow::Result<usize> {
    let mut catalog = Catalog::open(path)?;
    let source = catalog.add_source(&NewSource {
        kind: SourceKind::Folder,
        target: "/bench/snapshot".into(),
        name: "bench".into(),
        settings: serde_json::json!({}),
        priority: 100,
    })?;
    let demo = plan(&DemoOptions {
        repos: o.entities / o.per_repo,
        entities_per_repo: o.per_repo,
        broken_every: 50,
        seed: 11,
    });
    let repos: Vec<RepoIndex> = demo
        .repos
        .par_iter()
        .map(|repo| {
            let files = MemoryFiles {
                files: repo.files.iter().cloned().collect(),
            };
            let read = read_tree(&files, &["catalog-info.yaml".to_owned()]);
            RepoIndex {
                path: format!("/bench/snapshot/{}", repo.path),
                name: repo.path.clone(),
                head: Some("0123456789abcdef0123456789abcdef01234567".into()),
                branch: Some("main".into()),
                remote_url: Some(format!("https://git.example.com/org/{}.git", repo.path)),
                location: format!("file:/bench/snapshot/{}/", repo.path),
                fingerprint: repo.path.clone(),
                watch: "{}".into(),
                content: RepoContent::Read {
                    files: read,
                    problems: Vec::new(),
                },
            }
        })
        .collect();
    let stats = catalog.apply(SourceIndex {
        source_id: source.id,
        repos,
        complete: true,
        problems: Vec::new(),
    })?;
    Ok(stats.added)
}

fn median(values: &mut [Duration]) -> Duration {
    values.sort();
    values[values.len() / 2]
}

fn cpu_ms() -> u64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit(')')
        .next()
        .unwrap_or("")
        .split_whitespace()
        .collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    (ticks(11) + ticks(12)) * 10
}
