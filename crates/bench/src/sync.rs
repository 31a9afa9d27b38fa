//! The remote sync benchmark: repositories served by `git daemon` on 127.0.0.1, a first
//! sync and a no-change sync of all of them as one list source, against `git clone
//! --depth 1` of the same repositories one after another.

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::median;
use anyhow::Context;
use greenroom::{Cancel, Greenroom, RemoteOptions};

use crate::Scale;

fn options(args: &[String]) -> anyhow::Result<Scale> {
    Ok(Scale::from_args(args, 200, "greenroom-bench", &[])?.0)
}

/// `git daemon` serving a folder; stopped when dropped.
struct Daemon {
    child: Child,
    port: u16,
}

impl Daemon {
    fn start(base: &Path) -> anyhow::Result<Daemon> {
        let exec_path = Command::new("git").arg("--exec-path").output()?;
        let program =
            PathBuf::from(String::from_utf8_lossy(&exec_path.stdout).trim()).join("git-daemon");
        anyhow::ensure!(
            program.exists(),
            "{} is missing; install git",
            program.display()
        );
        let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let child = Command::new(program)
            .args([
                "--reuseaddr",
                "--export-all",
                "--listen=127.0.0.1",
                "--max-connections=64",
            ])
            .arg(format!("--port={port}"))
            .arg(format!("--base-path={}", base.display()))
            .arg(base)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?;
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            anyhow::ensure!(Instant::now() < deadline, "git daemon did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok(Daemon { child, port })
    }

    fn url(&self, name: &str) -> String {
        format!("git://127.0.0.1:{}/{name}", self.port)
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn run(args: &[String]) -> anyhow::Result<()> {
    let o = options(args)?;
    let served = o.work.join(format!("served-{}", o.repos));
    if !served.join(".complete").exists() {
        eprintln!(
            "Generating {} repositories in {} (once; reused by later runs)...",
            o.repos,
            served.display()
        );
        let _ = std::fs::remove_dir_all(&served);
        for i in 0..o.repos {
            generate_repo(&served.join(repo_name(i)), i)?;
        }
        std::fs::write(served.join(".complete"), "")?;
    }
    let daemon = Daemon::start(&served)?;
    let list = o.work.join(format!("repos-{}.txt", o.repos));
    let urls: Vec<String> = (0..o.repos).map(|i| daemon.url(&repo_name(i))).collect();
    std::fs::write(&list, urls.join("\n") + "\n")?;

    eprintln!("Yardstick: `git clone --depth 1` of each repository, one after another...");
    let mut clones = Vec::new();
    for run in 0..o.runs {
        let dest = o.work.join(format!("clones-{run}"));
        let _ = std::fs::remove_dir_all(&dest);
        std::fs::create_dir_all(&dest)?;
        let started = Instant::now();
        for (i, url) in urls.iter().enumerate() {
            let status = Command::new("git")
                .args(["clone", "--depth", "1", "--quiet", url])
                .arg(dest.join(repo_name(i)))
                .stdin(Stdio::null())
                .status()?;
            anyhow::ensure!(status.success(), "git clone {url} failed");
        }
        clones.push(started.elapsed());
        let _ = std::fs::remove_dir_all(&dest);
    }

    eprintln!(
        "Greenroom: first sync into an empty data folder, then a sync with nothing changed..."
    );
    let mut firsts = Vec::new();
    let mut unchanged = Vec::new();
    let mut entities = 0;
    for run in 0..o.runs {
        let data = o.work.join(format!("sync-data-{run}"));
        let _ = std::fs::remove_dir_all(&data);
        let mut greenroom = Greenroom::open(&data)?;
        let source = greenroom.add_remote_list(&list, &RemoteOptions::default())?;
        let id = source.id.to_string();
        let started = Instant::now();
        let reports = greenroom.sync(Some(&id), &|_| {}, &Cancel::new())?;
        firsts.push(started.elapsed());
        let report = &reports[0];
        anyhow::ensure!(
            report.failures.is_empty() && report.updated == o.repos,
            "first sync: {} updated, failures: {:?}",
            report.updated,
            report.failures.first()
        );
        entities = report.stats.added;
        for _ in 0..3 {
            let started = Instant::now();
            let reports = greenroom.sync(Some(&id), &|_| {}, &Cancel::new())?;
            unchanged.push(started.elapsed());
            anyhow::ensure!(
                reports[0].unchanged == o.repos && reports[0].stats.repos_read == 0,
                "a no-change sync re-read repositories"
            );
        }
        drop(greenroom);
        let _ = std::fs::remove_dir_all(&data);
    }

    let clone = median(&mut clones);
    let first = median(&mut firsts);
    let again = median(&mut unchanged);
    let secs = |d: Duration| d.as_secs_f64();
    println!(
        "Greenroom remote sync benchmark ({} repositories served by git daemon on 127.0.0.1, {} entities; \
         medians of {} runs, {} no-change syncs)",
        o.repos,
        entities,
        o.runs,
        unchanged.len()
    );
    println!();
    println!("{:<52} {:>10} {:>14}", "measure", "seconds", "target");
    println!(
        "{:<52} {:>10.2} {:>14}",
        "yardstick: git clone --depth 1, one after another",
        secs(clone),
        ""
    );
    println!(
        "{:<52} {:>10.2} {:>14}",
        "first sync (clone, read, write the catalog)",
        secs(first),
        format!("<= {:.2}", secs(clone) / 3.0)
    );
    println!(
        "{:<52} {:>10.2} {:>14}",
        "no-change sync",
        secs(again),
        "< 5.00"
    );
    println!();
    println!(
        "first sync is {:.1}x faster than the sequential clones (target: at least 3x); {} repositories fetched {} at a time",
        secs(clone) / secs(first),
        o.repos,
        greenroom::remote::SYNC_CONCURRENCY
    );
    Ok(())
}

fn repo_name(i: usize) -> String {
    format!("service-{i:03}")
}

/// A small service repository: a component and its API (with an OpenAPI file), docs,
/// some code, and three commits of history.
fn generate_repo(dir: &Path, i: usize) -> anyhow::Result<()> {
    let name = repo_name(i);
    let mut options = git2::RepositoryInitOptions::new();
    options.initial_head("main");
    let repo = git2::Repository::init_opts(dir, &options)?;
    let catalog = format!(
        "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: {name}\n  description: Service number {i}\n  annotations:\n    backstage.io/techdocs-ref: dir:.\nspec:\n  type: service\n  lifecycle: production\n  owner: team-{}\n  providesApis: [{name}-api]\n---\napiVersion: backstage.io/v1alpha1\nkind: API\nmetadata:\n  name: {name}-api\nspec:\n  type: openapi\n  lifecycle: production\n  owner: team-{}\n  definition:\n    $text: ./openapi.yaml\n",
        i % 12,
        i % 12
    );
    let openapi = format!(
        "openapi: 3.0.0\ninfo:\n  title: {name}\n  version: 1.0.0\npaths:\n  /items:\n    get:\n      responses:\n        '200':\n          description: The items\n"
    );
    for round in 0..3 {
        let mut files: Vec<(String, String)> = vec![
            ("catalog-info.yaml".into(), catalog.clone()),
            ("openapi.yaml".into(), openapi.clone()),
            ("mkdocs.yml".into(), format!("site_name: {name}\n")),
            (
                "docs/index.md".into(),
                format!("# {name}\n\nRevision {round} of the docs.\n"),
            ),
        ];
        for f in 0..12 {
            let body: String = (0..60)
                .map(|line| {
                    format!(
                        "pub fn f{f}_{line}() -> u32 {{ {} }}\n",
                        i * 1000 + round * 100 + line
                    )
                })
                .collect();
            files.push((format!("src/module_{f}.rs"), body));
        }
        for (path, text) in &files {
            let full = dir.join(path);
            std::fs::create_dir_all(full.parent().context("parent")?)?;
            std::fs::write(full, text)?;
        }
        let mut index = repo.index()?;
        index.add_all(["*"], git2::IndexAddOption::DEFAULT, None)?;
        index.write()?;
        let tree = repo.find_tree(index.write_tree()?)?;
        let time = git2::Time::new(1_700_000_000 + round as i64 * 3600, 0);
        let who = git2::Signature::new("Bench", "bench@example.com", &time)?;
        let parent = repo.head().ok().and_then(|h| h.peel_to_commit().ok());
        let parents: Vec<&git2::Commit<'_>> = parent.iter().collect();
        repo.commit(
            Some("HEAD"),
            &who,
            &who,
            &format!("Revision {round}"),
            &tree,
            &parents,
        )?;
    }
    Ok(())
}
