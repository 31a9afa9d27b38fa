//! The desktop app's benchmark, with 10,000 entities in the catalog (a generated demo
//! organisation, made once under the system's temporary folder):
//!
//! - launch to first catalog paint: from starting the process to the interface reporting
//!   its first painted rows (the app prints it with `GREENROOM_TIMINGS=1`);
//! - time to filter (a kind facet, and a text filter) and to open an entity page, measured
//!   inside the page from the click to the frame after the new content is in the DOM;
//! - memory of the app and its WebKit processes, as PSS (shared pages counted once).
//!
//! Run under Xvfb: `scripts/bench-app` (which builds the release app, then runs `cargo run
//! --manifest-path tests/e2e/Cargo.toml --features bench --bin app-bench` under xvfb-run).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use greenroom::Greenroom;
use greenroom::demo::{DemoOptions, generate};
use greenroom_e2e::{
    Driver, Sandbox, app_binary, process_tree, pss_kb, require_prerequisites, wait_for, wait_until,
};

const LAUNCHES: usize = 5;

/// PSS in kilobytes: the total, and each process with its share.
type Memory = (u64, Vec<(String, u64)>);
const REPEATS: usize = 8;

fn main() {
    let app = app_binary();
    require_prerequisites(&app);
    let data = catalog_with_10k();
    let entities = Greenroom::open_read_only(&data)
        .and_then(|g| Ok(g.catalog().stats()?.entities))
        .unwrap_or(0);
    println!("catalog: {entities} entities in {}", data.display());

    // One home for every launch, as a person has: the first launch (cold: WebKit's caches
    // are empty) is reported apart from the next ones.
    let home = Sandbox::new();
    let (cold, _) = launch(&app, &data, &home, false);
    let mut paints = Vec::new();
    let mut memory = None;
    for run in 0..LAUNCHES {
        let (paint, pss) = launch(&app, &data, &home, run == LAUNCHES - 1);
        paints.push(paint);
        if pss.is_some() {
            memory = pss;
        }
    }
    let (filter_kind, filter_text, open) = interactions(&app, &data);

    println!();
    println!(
        "Greenroom desktop app, {entities} entities, {} runs each",
        LAUNCHES
    );
    println!("| measure | median | best | target |");
    println!("|---|---|---|---|");
    row("launch to first catalog paint", &paints, "< 1000 ms");
    row("the same, first launch (cold caches)", &[cold], "");
    row("filter by kind (facet click)", &filter_kind, "< 100 ms");
    row("filter by text (Enter)", &filter_text, "< 100 ms");
    row("open an entity page", &open, "< 100 ms");
    if let Some((total, parts)) = memory {
        println!(
            "| memory, PSS of app + WebKit | {:.0} MB | | < 350 MB |",
            total as f64 / 1024.0
        );
        for (name, kb) in parts {
            println!("|   {name} | {:.0} MB | | |", kb as f64 / 1024.0);
        }
    }
}

fn row(name: &str, values: &[f64], target: &str) {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let median = sorted.get(sorted.len() / 2).copied().unwrap_or(f64::NAN);
    let best = sorted.first().copied().unwrap_or(f64::NAN);
    println!("| {name} | {median:.0} ms | {best:.0} ms | {target} |");
}

/// A data folder whose catalog holds about 10,000 entities, made once and kept.
fn catalog_with_10k() -> PathBuf {
    let root = std::env::temp_dir().join("greenroom-app-bench");
    let data = root.join("data");
    let ready = root.join("ready");
    if ready.exists() {
        return data;
    }
    let _ = std::fs::remove_dir_all(&root);
    println!("generating 1,000 repositories with 10,000 entities (once)...");
    let started = Instant::now();
    let options = DemoOptions {
        repos: 1000,
        entities_per_repo: 10,
        broken_every: 50,
        seed: 11,
    };
    generate(&root.join("org"), &options).expect("the demo organisation");
    let mut greenroom = Greenroom::open(&data).expect("the data folder");
    greenroom
        .add_folder(&root.join("org"), &[])
        .expect("the source");
    greenroom.index(None, &|_| {}).expect("the index");
    std::fs::write(&ready, b"").expect("the marker");
    println!("  done in {:.1} s", started.elapsed().as_secs_f64());
    data
}

/// Starts the app, waits for its first paint, and (when asked) measures its memory once it
/// has settled. Returns the milliseconds to first paint.
fn launch(
    app: &Path,
    data: &Path,
    sandbox: &Sandbox,
    measure_memory: bool,
) -> (f64, Option<Memory>) {
    let mut command = Command::new(app);
    // The rendering people get: the sandbox keeps WebKit's default for WebDriver's
    // screenshots, which the launch takes none of.
    for (key, value) in sandbox
        .env()
        .into_iter()
        .filter(|(key, _)| key != "GREENROOM_WEBVIEW_GPU")
    {
        std::fs::create_dir_all(&value).ok();
        command.env(key, value);
    }
    command
        .env("GREENROOM_DATA_DIR", data)
        .env("GREENROOM_TIMINGS", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    let started = Instant::now();
    let mut child = command.spawn().expect("the app starts");
    let stdout = child.stdout.take().expect("its output");
    let mut paint = f64::NAN;
    for line in BufReader::new(stdout).lines() {
        let Ok(line) = line else { break };
        if line.starts_with("greenroom-timing first-paint") {
            paint = started.elapsed().as_secs_f64() * 1000.0;
            println!("  {line}");
            break;
        }
        if started.elapsed() > Duration::from_secs(60) {
            break;
        }
    }
    let memory = measure_memory.then(|| {
        std::thread::sleep(Duration::from_secs(8));
        let parts: Vec<(String, u64)> = process_tree(child.id())
            .into_iter()
            .filter_map(|(pid, name)| pss_kb(pid).map(|kb| (format!("{name} ({pid})"), kb)))
            .collect();
        (parts.iter().map(|(_, kb)| kb).sum(), parts)
    });
    let _ = Command::new("kill").arg(child.id().to_string()).status();
    let _ = child.wait();
    println!("launch: first paint after {paint:.0} ms");
    (paint, memory)
}

/// Measures filtering and opening inside the page, through WebDriver.
fn interactions(app: &Path, data: &Path) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    runtime.block_on(async {
        let sandbox = Sandbox::new();
        std::fs::create_dir_all(sandbox.data_dir()).ok();
        // The driver's sandbox points at an empty data folder; use the benchmark's.
        let link = sandbox.data_dir();
        std::fs::remove_dir_all(&link).ok();
        std::os::unix::fs::symlink(data, &link).expect("a link to the catalog");
        let driver = Driver::start(&sandbox);
        let c = driver.session(app).await;
        wait_until(
            &c,
            "the catalog",
            "return document.querySelectorAll('.table-row[data-key]').length > 10",
        )
        .await;
        wait_for(&c, "[data-facet=kinds] [data-value=Component]").await;
        let (mut kind, mut text, mut open) = (Vec::new(), Vec::new(), Vec::new());
        for _ in 0..REPEATS {
            kind.push(measure(&c, FILTER_KIND).await);
            kind.push(measure(&c, FILTER_KIND).await); // And back off.
            text.push(measure(&c, FILTER_TEXT).await);
            measure(&c, CLEAR_TEXT).await;
            open.push(measure(&c, OPEN_ENTITY).await);
            c.back().await.ok();
            wait_for(&c, ".table-row[data-key]").await;
            wait_for(&c, "[data-facet=kinds] [data-value=Component]").await;
        }
        c.close().await.ok();
        drop(driver);
        (kind, text, open)
    })
}

async fn measure(c: &fantoccini::Client, script: &str) -> f64 {
    let value = c
        .execute_async(&script.replace("WATCH", WATCH), vec![])
        .await
        .unwrap_or_else(|e| panic!("measuring failed: {e}"));
    value.as_f64().unwrap_or(f64::NAN)
}

/// Calls `done(ms)` on the frame after `ready()` first holds, counting from `t0`.
const WATCH: &str = "
const watch = (t0, ready, done) => {
  const check = () => {
    if (!ready()) return false;
    requestAnimationFrame(() => done(performance.now() - t0));
    return true;
  };
  if (check()) return;
  const observer = new MutationObserver(() => { if (check()) observer.disconnect(); });
  observer.observe(document.getElementById('root'), { subtree: true, childList: true, characterData: true, attributes: true });
};";

const FILTER_KIND: &str = "
const done = arguments[arguments.length - 1];
WATCH
const foot = () => document.querySelector('.table-foot').textContent;
const before = foot();
const t0 = performance.now();
document.querySelector('[data-facet=kinds] [data-value=Component]').click();
watch(t0, () => foot() !== before && !document.querySelector('.table-row .skeleton'), done);
";

const FILTER_TEXT: &str = "
const done = arguments[arguments.length - 1];
WATCH
const input = document.getElementById('catalog-filter');
const foot = () => document.querySelector('.table-foot').textContent;
const before = foot();
const setter = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set;
const t0 = performance.now();
setter.call(input, 'orders');
input.dispatchEvent(new Event('input', { bubbles: true }));
input.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }));
watch(t0, () => foot() !== before && !document.querySelector('.table-row .skeleton'), done);
";

const CLEAR_TEXT: &str = "
const done = arguments[arguments.length - 1];
WATCH
const input = document.getElementById('catalog-filter');
const foot = () => document.querySelector('.table-foot').textContent;
const before = foot();
const setter = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set;
const t0 = performance.now();
setter.call(input, '');
input.dispatchEvent(new Event('input', { bubbles: true }));
input.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }));
watch(t0, () => foot() !== before, done);
";

const OPEN_ENTITY: &str = "
const done = arguments[arguments.length - 1];
WATCH
const row = document.querySelectorAll('.table-row[data-key]')[3];
const key = row.dataset.key;
const t0 = performance.now();
row.click();
watch(t0, () => document.querySelector(`#entity-page[data-ref=\"${key}\"] #relations`) !== null, done);
";
