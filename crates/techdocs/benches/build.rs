//! `cargo bench -p greenroom-techdocs`: build times of synthetic 1,000- and 10,000-page sites
//! and of the fixture sites, side by side with `mkdocs build` (MkDocs + techdocs-core from the
//! virtualenv made by `tests/prepare.sh`) on the same sources, in the same run.
//!
//! MkDocs on 10,000 pages takes minutes; it runs only with `GREENROOM_BENCH_FULL=1`.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use greenroom_techdocs::{
    BuildOptions, SiteCache, WorkingTree, build_site, locate_in_folder, warm_up, write_static_site,
};

fn main() {
    let full = std::env::var_os("GREENROOM_BENCH_FULL").is_some();
    // `GREENROOM_BENCH_ONLY=10000` keeps the sites whose label contains it (for profiling).
    let only = std::env::var("GREENROOM_BENCH_ONLY").ok();
    let mkdocs =
        mkdocs_binary().filter(|_| std::env::var_os("GREENROOM_BENCH_NO_MKDOCS").is_none());
    let work = tempfile::tempdir().expect("temp dir");
    let mut sites: Vec<(String, PathBuf, bool)> = Vec::new();
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    for name in ["payments-service", "platform-handbook", "monorepo"] {
        sites.push((format!("fixture {name}"), fixtures.join(name), true));
    }
    for pages in [1_000usize, 10_000] {
        if only
            .as_deref()
            .is_some_and(|o| !format!("synthetic {pages} pages").contains(o))
        {
            continue;
        }
        let dir = work.path().join(format!("synthetic-{pages}"));
        synthesize(&dir, pages);
        sites.push((
            format!("synthetic {pages} pages"),
            dir,
            pages <= 1_000 || full,
        ));
    }

    if let Some(only) = &only {
        sites.retain(|(label, _, _)| label.contains(only.as_str()));
    }
    warm_up();
    println!(
        "{:<28} {:>6} {:>11} {:>11} {:>11} {:>11} {:>8}",
        "site", "pages", "greenroom", "+write", "cached", "mkdocs", "ratio"
    );
    for (label, dir, run_mkdocs) in &sites {
        let files = WorkingTree::new(dir).expect("site dir");
        let location = locate_in_folder(&files, "").expect("mkdocs.yml");
        let options = BuildOptions::default();
        // Best of three cold builds, as MkDocs gets its best of one.
        let mut cold = Duration::MAX;
        let mut pages = 0;
        for _ in 0..3 {
            let start = Instant::now();
            let site = build_site(&files, &location, &options, None, &|_| {}).expect("build");
            cold = cold.min(start.elapsed());
            pages = site.pages.len();
        }
        // A fresh folder per site, so removing an earlier output is not part of the figure.
        let out = work.path().join(format!("out-{pages}-{}", label.len()));
        let start = Instant::now();
        let site = build_site(&files, &location, &options, None, &|_| {}).expect("build");
        write_static_site(&site, &files, &out).expect("write");
        let with_write = start.elapsed();
        let cache_dir = work.path().join(format!("cache-{pages}"));
        let cache = SiteCache::new(&cache_dir);
        build_site(&files, &location, &options, Some(&cache), &|_| {}).expect("prime cache");
        let start = Instant::now();
        let cached =
            build_site(&files, &location, &options, Some(&cache), &|_| {}).expect("cached build");
        let warm = start.elapsed();
        assert_eq!(cached.reused_pages, pages);

        let (mkdocs_cell, ratio_cell) = match (&mkdocs, run_mkdocs) {
            (Some(bin), true) => match time_mkdocs(bin, dir, work.path()) {
                Ok(t) => (
                    secs(t),
                    format!("{:.0}x", t.as_secs_f64() / with_write.as_secs_f64()),
                ),
                Err(e) => (format!("failed: {e}"), "-".into()),
            },
            (None, _) => ("not installed".into(), "-".into()),
            (_, false) => ("skipped".into(), "-".into()),
        };
        println!(
            "{label:<28} {pages:>6} {:>11} {:>11} {:>11} {mkdocs_cell:>11} {ratio_cell:>8}",
            secs(cold),
            secs(with_write),
            secs(warm)
        );
    }
    println!();
    println!(
        "greenroom: build_site, best of 3 cold builds (no cache); +write: build and write_static_site;"
    );
    println!(
        "cached: rebuild with every page in the cache; mkdocs: `mkdocs build` with techdocs-core;"
    );
    println!(
        "ratio: mkdocs / (greenroom + write). Machine: {} cores.",
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    if mkdocs.is_none() {
        println!(
            "MkDocs is not installed: run crates/techdocs/tests/prepare.sh for the comparison."
        );
    }
    if !full {
        println!(
            "MkDocs on the 10,000-page site is skipped; set GREENROOM_BENCH_FULL=1 to run it (minutes)."
        );
    }
}

fn secs(d: Duration) -> String {
    format!("{:.3} s", d.as_secs_f64())
}

fn mkdocs_binary() -> Option<PathBuf> {
    let deps = std::env::var("GREENROOM_TEST_DEPS")
        .unwrap_or_else(|_| "/var/tmp/greenroom-test-deps".into());
    let bin = Path::new(&deps).join("mkdocs-venv/bin/mkdocs");
    bin.exists().then_some(bin)
}

fn time_mkdocs(bin: &Path, dir: &Path, work: &Path) -> Result<Duration, String> {
    // Build a copy so the config can get techdocs-core added, as Backstage does.
    let copy = work.join("mkdocs-src");
    let _ = fs::remove_dir_all(&copy);
    copy_dir(dir, &copy).map_err(|e| e.to_string())?;
    let config = copy.join("mkdocs.yml");
    let text = fs::read_to_string(&config).map_err(|e| e.to_string())?;
    if !text.contains("techdocs-core") {
        fs::write(&config, format!("{text}\nplugins:\n  - techdocs-core\n"))
            .map_err(|e| e.to_string())?;
    }
    let start = Instant::now();
    let output = Command::new(bin)
        .args(["build", "-q", "-d"])
        .arg(work.join("mkdocs-site"))
        .current_dir(&copy)
        .output()
        .map_err(|e| e.to_string())?;
    let elapsed = start.elapsed();
    if !output.status.success() {
        return Err(String::from_utf8_lossy(&output.stderr)
            .lines()
            .last()
            .unwrap_or_default()
            .to_string());
    }
    Ok(elapsed)
}

fn copy_dir(from: &Path, to: &Path) -> std::io::Result<()> {
    fs::create_dir_all(to)?;
    for entry in fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            fs::copy(entry.path(), target)?;
        }
    }
    Ok(())
}

/// A site shaped like a large real one: 20 sections of sub-folders, pages with headings,
/// prose, lists, a table, an admonition, a highlighted code block and cross-links with anchors.
fn synthesize(dir: &Path, pages: usize) {
    let _ = fs::remove_dir_all(dir);
    fs::create_dir_all(dir.join("docs")).expect("create");
    fs::write(
        dir.join("mkdocs.yml"),
        "site_name: Synthetic\nplugins:\n  - techdocs-core\n",
    )
    .expect("write");
    fs::write(
        dir.join("docs/index.md"),
        "# Synthetic site\n\nStart with [the first page](section-00/page-0000.md#usage).\n",
    )
    .expect("write");
    let sections = 20;
    for i in 0..pages.saturating_sub(1) {
        let section = i % sections;
        let next = (i + 1) % (pages - 1);
        let mut page = String::new();
        let _ = write!(
            page,
            "# Component {i}\n\nComponent {i} handles part of the **order pipeline**. It reads events from the queue, \
             validates them and writes results to the store. See [the next component](../section-{:02}/page-{next:04}.md#usage) \
             and the [home page](../index.md).\n\n## Usage\n\n1. Install the client.\n2. Configure `COMPONENT_{i}_URL`.\n3. Call `run()`.\n\n\
             !!! note \"Ownership\"\n    Owned by team {section}. Page the on-call engineer for incidents.\n\n\
             ```python title=\"client_{i}.py\"\nimport requests\n\ndef run(url: str) -> dict:\n    \"\"\"Calls component {i}.\"\"\"\n    response = requests.get(url, timeout=5)\n    response.raise_for_status()\n    return response.json()\n```\n\n\
             ## Configuration\n\n| Setting | Default | Meaning |\n|---|---|---|\n| `timeout` | `5` | seconds |\n| `retries` | `3` | attempts |\n\n\
             ## Usage\n\nA second usage section, to exercise duplicate heading ids. Press ++ctrl+c++ to stop.\n",
            next % sections
        );
        let path = dir.join(format!("docs/section-{section:02}/page-{i:04}.md"));
        fs::create_dir_all(path.parent().expect("parent")).expect("create");
        fs::write(path, page).expect("write");
    }
}
