//! The catalog benchmark.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use greenroom::demo::{DemoOptions, generate, plan};
use greenroom::{Greenroom, Progress};
use greenroom_catalog::store::{
    EntityQuery, NewSource, RepoContent, RepoIndex, SourceIndex, SourceKind,
};
use greenroom_catalog::{Catalog, read_tree};
use rayon::prelude::*;

use crate::memory_files::MemoryFiles;
use crate::{Scale, median};

struct Options {
    scale: Scale,
    per_repo: usize,
    search_entities: usize,
}

fn options(args: &[String]) -> anyhow::Result<Options> {
    let (scale, own) = Scale::from_args(
        args,
        1000,
        "greenroom-bench",
        &["--per-repo", "--search-entities"],
    )?;
    let mut o = Options {
        scale,
        per_repo: 10,
        search_entities: 50_000,
    };
    for (flag, value) in own {
        match flag {
            "--per-repo" => o.per_repo = value.parse()?,
            _ => o.search_entities = value.parse()?,
        }
    }
    Ok(o)
}

/// Phase timings of one cold index, measured in a child process so that its peak memory
/// is its own.
#[derive(serde::Serialize, serde::Deserialize, Clone, Copy)]
struct Cold {
    entities: usize,
    discover_ms: f64,
    read_ms: f64,
    write_ms: f64,
    total_ms: f64,
    peak_rss_kb: u64,
}

pub fn run(args: &[String]) -> anyhow::Result<()> {
    let o = options(args)?;
    std::fs::create_dir_all(&o.scale.work)?;
    let org = o
        .scale
        .work
        .join(format!("org-{}-{}", o.scale.repos, o.per_repo));
    let demo = DemoOptions {
        repos: o.scale.repos,
        entities_per_repo: o.per_repo,
        broken_every: 50,
        seed: 7,
    };
    if !org.join(".complete").exists() {
        eprintln!(
            "Generating {} repositories in {} (once; reused by later runs)...",
            o.scale.repos,
            org.display()
        );
        let _ = std::fs::remove_dir_all(&org);
        generate(&org, &demo)?;
        std::fs::write(org.join(".complete"), "")?;
    }
    let service_repos: Vec<String> = plan(&demo)
        .repos
        .iter()
        .skip(1)
        .map(|r| r.path.clone())
        .collect();

    eprintln!("Cold index, {} runs...", o.scale.runs);
    let mut colds = Vec::new();
    let mut data = PathBuf::new();
    for i in 0..o.scale.runs {
        data = o.scale.work.join(format!("data-cold-{i}"));
        let _ = std::fs::remove_dir_all(&data);
        let output = Command::new(std::env::current_exe()?)
            .args([
                "cold-index-child",
                &data.display().to_string(),
                &org.display().to_string(),
            ])
            .output()?;
        anyhow::ensure!(
            output.status.success(),
            "cold index failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        colds.push(serde_json::from_slice::<Cold>(&output.stdout)?);
    }
    let cold = median_by(&colds, |c| c.total_ms);

    eprintln!("Re-index with nothing changed...");
    let mut greenroom = Greenroom::open(&data)?;
    let mut unchanged = Vec::new();
    for _ in 0..7 {
        let started = Instant::now();
        let reports = greenroom.index(None, &|_| {})?;
        unchanged.push(started.elapsed());
        anyhow::ensure!(
            reports[0].stats.repos_read == 0,
            "an unchanged re-index read repositories"
        );
    }

    eprintln!("Re-index after 10 repositories changed...");
    let mut changed = Vec::new();
    for round in 0..5 {
        for repo in service_repos.iter().skip(round * 10).take(10) {
            let file = org.join(repo).join("catalog-info.yaml");
            let text = std::fs::read_to_string(&file)?;
            std::fs::write(
                &file,
                text.replacen("description: ", &format!("description: (rev {round}) "), 1),
            )?;
        }
        let started = Instant::now();
        let reports = greenroom.index(None, &|_| {})?;
        changed.push(started.elapsed());
        anyhow::ensure!(
            reports[0].stats.repos_read == 10,
            "expected 10 repositories read, got {}",
            reports[0].stats.repos_read
        );
    }
    // Put the organisation back as generated, for the next run of the benchmark.
    for round in 0..5 {
        for repo in service_repos.iter().skip(round * 10).take(10) {
            let file = org.join(repo).join("catalog-info.yaml");
            let text = std::fs::read_to_string(&file)?;
            std::fs::write(
                &file,
                text.replacen(&format!("description: (rev {round}) "), "description: ", 1),
            )?;
        }
    }

    eprintln!("Loading {} entities for search...", o.search_entities);
    let (search_catalog, loaded) = search_catalog(&o)?;
    let queries = queries(&search_catalog)?;
    let mut latencies = Vec::new();
    let mut slowest: Vec<(Duration, &str)> = Vec::new();
    for _ in 0..5 {
        for q in &queries {
            let started = Instant::now();
            search_catalog.search(q, 20)?;
            latencies.push(started.elapsed());
            slowest.push((started.elapsed(), q));
        }
    }
    slowest.sort_by_key(|s| std::cmp::Reverse(s.0));
    slowest.dedup_by(|a, b| a.1 == b.1);
    eprintln!("slowest queries: {:?}", &slowest[..slowest.len().min(8)]);
    latencies.sort();
    let pct = |p: f64| latencies[((latencies.len() as f64 * p) as usize).min(latencies.len() - 1)];

    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let rate = cold.entities as f64 / (cold.total_ms / 1000.0);
    println!(
        "Greenroom catalog benchmark ({} repositories, {} entities; medians of {} runs)",
        o.scale.repos + 1,
        cold.entities,
        o.scale.runs
    );
    println!();
    println!("{:<46} {:>12} {:>14}", "measure", "result", "target");
    println!(
        "{:<46} {:>12} {:>14}",
        "cold index (entities/s)",
        format!("{rate:.0}"),
        ">= 20000"
    );
    println!(
        "{:<46} {:>12} {:>14}",
        "cold index total (ms)",
        format!("{:.0}", cold.total_ms),
        ""
    );
    println!(
        "{:<46} {:>12} {:>14}",
        "  discover repositories (ms)",
        format!("{:.0}", cold.discover_ms),
        ""
    );
    println!(
        "{:<46} {:>12} {:>14}",
        "  read + parse + validate, writing alongside (ms)",
        format!("{:.0}", cold.read_ms),
        ""
    );
    println!(
        "{:<46} {:>12} {:>14}",
        "  SQLite writes left after reading ended (ms)",
        format!("{:.0}", cold.write_ms),
        ""
    );
    println!(
        "{:<46} {:>12} {:>14}",
        "re-index, nothing changed (ms, median)",
        format!("{:.1}", ms(median(&mut unchanged))),
        "< 100"
    );
    println!(
        "{:<46} {:>12} {:>14}",
        "re-index, 10 repositories changed (ms, median)",
        format!("{:.1}", ms(median(&mut changed))),
        "< 200"
    );
    println!(
        "{:<46} {:>12} {:>14}",
        format!("search p50 / p95 / p99 on {loaded} entities (ms)"),
        format!(
            "{:.2}/{:.2}/{:.2}",
            ms(pct(0.5)),
            ms(pct(0.95)),
            ms(pct(0.99))
        ),
        "p95 < 2"
    );
    println!(
        "{:<46} {:>12} {:>14}",
        "peak RSS of a cold index (MB)",
        format!(
            "{:.0}",
            colds.iter().map(|c| c.peak_rss_kb).max().unwrap_or(0) as f64 / 1024.0
        ),
        "< 150"
    );
    println!();
    println!(
        "For scale: Backstage's own processing (YAML, policies, processors; in memory, no database) handles"
    );
    println!("about 3,700 entities/s with 168 MB on this kind of machine (figure from the issue).");
    Ok(())
}

/// Runs one cold index of `org` into a fresh `data` folder and prints its timings as JSON.
pub fn cold_index_child(args: &[String]) -> anyhow::Result<()> {
    let [data, org] = args else {
        anyhow::bail!("usage: cold-index-child DATA ORG")
    };
    let mut greenroom = Greenroom::open(Path::new(data))?;
    greenroom.add_folder(Path::new(org), &[])?;
    let marks: Mutex<BTreeMap<&'static str, Instant>> = Mutex::new(BTreeMap::new());
    let started = Instant::now();
    let reports = greenroom.index(None, &|event| {
        let name = match event {
            Progress::Discovered { .. } => "discovered",
            Progress::Writing { .. } => "writing",
            Progress::SourceFinished { .. } => "finished",
            _ => return,
        };
        if let Ok(mut m) = marks.lock() {
            m.insert(name, Instant::now());
        }
    })?;
    let marks = marks.into_inner().unwrap_or_default();
    let at = |name: &str| {
        marks
            .get(name)
            .map_or(0.0, |t| t.duration_since(started).as_secs_f64() * 1000.0)
    };
    let cold = Cold {
        entities: reports[0].stats.added,
        discover_ms: at("discovered"),
        read_ms: at("writing") - at("discovered"),
        write_ms: at("finished") - at("writing"),
        total_ms: started.elapsed().as_secs_f64() * 1000.0,
        peak_rss_kb: peak_rss_kb(),
    };
    println!("{}", serde_json::to_string(&cold)?);
    Ok(())
}

fn peak_rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .map(str::to_owned)
        })
        .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        .unwrap_or(0)
}

/// A catalog of about `search_entities` entities, loaded from generated descriptors held
/// in memory (writing tens of thousands of repositories to this disk would take minutes).
fn search_catalog(o: &Options) -> anyhow::Result<(Catalog, usize)> {
    let path = o
        .scale
        .work
        .join(format!("search-{}.db", o.search_entities));
    if path.exists() {
        let catalog = Catalog::open(&path)?;
        let total = catalog
            .list(&EntityQuery {
                limit: Some(0),
                ..EntityQuery::default()
            })?
            .total;
        if total >= o.search_entities * 9 / 10 {
            return Ok((catalog, total));
        }
        drop(catalog);
        std::fs::remove_file(&path)?;
    }
    let mut catalog = Catalog::open(&path)?;
    let source = catalog.add_source(&NewSource {
        kind: SourceKind::Folder,
        target: "/bench/search".into(),
        name: "search".into(),
        settings: serde_json::json!({}),
        priority: 100,
    })?;
    let demo = plan(&DemoOptions {
        repos: o.search_entities / o.per_repo,
        entities_per_repo: o.per_repo,
        broken_every: 0,
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
                path: format!("/bench/search/{}", repo.path),
                name: repo.path.clone(),
                head: None,
                branch: None,
                remote_url: None,
                location: format!("file:/bench/search/{}/", repo.path),
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
    Ok((catalog, stats.added))
}

/// What people type into a palette: whole names, the first letters of names, words of
/// titles and descriptions, two words, and things that match nothing.
fn queries(catalog: &Catalog) -> anyhow::Result<Vec<String>> {
    let all = catalog.list(&EntityQuery::default())?.items;
    let mut rng = fastrand::Rng::with_seed(3);
    let mut queries = Vec::new();
    for _ in 0..60 {
        let e = &all[rng.usize(..all.len())];
        queries.push(e.name.clone());
        queries.push(e.name.chars().take(rng.usize(2..6)).collect());
        if let Some(word) = e
            .description
            .as_deref()
            .and_then(|d| d.split_whitespace().nth(rng.usize(..4)))
        {
            queries.push(word.to_owned());
        }
        let words: Vec<&str> = e.name.split('-').collect();
        if words.len() > 1 {
            queries.push(format!(
                "{} {}",
                words[0],
                &words[1][..words[1].len().min(3)]
            ));
        }
    }
    queries.extend(["zzz", "quantum", "nothing-here", "xylophone"].map(str::to_owned));
    Ok(queries)
}

fn median_by<T: Copy>(values: &[T], key: impl Fn(&T) -> f64) -> T {
    let mut sorted = values.to_vec();
    sorted.sort_by(|a, b| key(a).total_cmp(&key(b)));
    sorted[sorted.len() / 2]
}
