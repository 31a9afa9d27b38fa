//! Remote sources on the command line: `source add <url|list-file|organisation>`, `sync` with a
//! progress bar, the remote part of `source list`, and `credentials`.

use std::io::{IsTerminal, Read};
use std::path::Path;
use std::process::ExitCode;
use std::sync::Mutex;

use greenroom::catalog::store::{ProblemQuery, RemoteRepoRecord, SourceKind, SourceRecord};
use greenroom::{Cancel, Greenroom, Organisation, RemoteOptions, SyncProgress, SyncReport};
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;

use crate::args::{CredentialsCommand, SourceAddArgs, SyncArgs};
use crate::render::{ago, changes, json, table};

/// `greenroom source add TARGET`: a folder, a list file, a Git URL or an organisation's
/// address; or `--github-org` / `--azure-devops-project`.
pub fn add(greenroom: &mut Greenroom, args: SourceAddArgs) -> anyhow::Result<ExitCode> {
    let options = RemoteOptions {
        branch: args.branch.clone(),
        globs: args.globs.clone(),
    };
    let source = match (organisation(&args)?, args.target.as_deref()) {
        (Some(org), _) => greenroom.add_remote_org(&org, &options)?,
        (None, Some(target)) => add_target(greenroom, target, &options)?,
        (None, None) => anyhow::bail!(
            "say what to add: a folder, a Git URL, a list file, --github-org ORG or --azure-devops-project ORG/PROJECT"
        ),
    };
    crate::out!(
        "Added {} source {} ({}) as #{}.",
        source.kind.as_str(),
        source.name,
        source.target,
        source.id
    );
    if args.no_index {
        return Ok(ExitCode::SUCCESS);
    }
    if source.kind == SourceKind::Remote {
        let id = source.id.to_string();
        let reports = sync_with_bar(greenroom, Some(&id))?;
        print_reports(greenroom, &reports)?;
        crate::source_cmds::print_docs(&crate::source_cmds::index_docs_with_bar(
            greenroom,
            Some(&id),
        )?);
        return Ok(exit_code(&reports));
    }
    crate::source_cmds::index_and_print(greenroom, &source.id.to_string())?;
    Ok(ExitCode::SUCCESS)
}

/// The organisation named by `--github-org` or `--azure-devops-project`, if any.
fn organisation(args: &SourceAddArgs) -> anyhow::Result<Option<Organisation>> {
    let api = args.api_url.as_deref();
    if let Some(org) = &args.github_org {
        return Ok(Some(Organisation::github(org, api)?));
    }
    let Some(path) = &args.azure_devops_project else {
        return Ok(None);
    };
    let (org, project) = path.split_once('/').ok_or_else(|| {
        anyhow::anyhow!("--azure-devops-project takes ORG/PROJECT, e.g. acme/Platform, as in https://dev.azure.com/acme/Platform")
    })?;
    Ok(Some(Organisation::azure_devops(org, project, api)?))
}

/// A folder, a list file, or a Git URL (an organisation's address among them).
fn add_target(
    greenroom: &mut Greenroom,
    target: &str,
    options: &RemoteOptions,
) -> anyhow::Result<SourceRecord> {
    let path = Path::new(target);
    if path.is_dir() {
        if options.branch.is_some() {
            anyhow::bail!(
                "--branch applies to remote repositories; a folder's repositories are read as they are checked out"
            );
        }
        return Ok(greenroom.add_folder(path, &options.globs)?);
    }
    if path.is_file() {
        return Ok(greenroom.add_remote_list(path, options)?);
    }
    greenroom.add_remote(target, options).map_err(|e| {
        // An address is not echoed: it may hold a password (the error shows it redacted).
        if target.contains("://") || target.contains('@') {
            anyhow::anyhow!("{e}")
        } else {
            anyhow::anyhow!(
                "there is no folder or list file {target} here, and as a Git address: {e}"
            )
        }
    })
}

/// `greenroom sync [--source S]`: fetches remote sources, then the newest snapshot of each
/// subscription.
pub fn sync(greenroom: &mut Greenroom, args: &SyncArgs) -> anyhow::Result<ExitCode> {
    let sources = greenroom.catalog().sources()?;
    let chosen = match &args.source {
        Some(text) => vec![greenroom.catalog().find_source(text)?],
        None => sources,
    };
    let remote = chosen.iter().any(|s| s.kind == SourceKind::Remote);
    let subscriptions: Vec<String> = chosen
        .iter()
        .filter(|s| is_subscription(s))
        .map(|s| s.id.to_string())
        .collect();
    if !remote && subscriptions.is_empty() {
        match &args.source {
            Some(_) => anyhow::bail!(
                "{} is a {} source; `greenroom sync` fetches remote sources and snapshot subscriptions, `greenroom index` reads folders",
                chosen[0].name,
                chosen[0].kind.as_str()
            ),
            None => anyhow::bail!(
                "there are no remote sources to sync; add one with `greenroom source add <git-url>` or `greenroom snapshot subscribe <git-url>`"
            ),
        }
    }
    let reports = if remote {
        sync_with_bar(greenroom, args.source.as_deref())?
    } else {
        Vec::new()
    };
    let mut failed = any_failed(&reports);
    if args.json {
        json(&reports)?;
    } else {
        print_reports(greenroom, &reports)?;
    }
    // Docs are read from the fetched trees; a source whose repositories did not move has
    // nothing new to build.
    for report in reports.iter().filter(|r| r.updated > 0) {
        let docs = crate::source_cmds::index_docs_with_bar(
            greenroom,
            Some(&report.source_id.to_string()),
        )?;
        if !args.json {
            crate::source_cmds::print_docs(&docs);
        }
    }
    for id in &subscriptions {
        let snapshots = crate::source_cmds::index_quietly(greenroom, id)?;
        failed |= snapshots.iter().any(|r| r.error.is_some());
        if !args.json {
            crate::source_cmds::print_reports(&snapshots);
        }
    }
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// Whether `source` follows snapshots published in a Git repository.
fn is_subscription(source: &SourceRecord) -> bool {
    source.kind == SourceKind::Snapshot
        && source
            .settings
            .get("subscription")
            .is_some_and(|s| !s.is_null())
}

fn exit_code(reports: &[SyncReport]) -> ExitCode {
    if any_failed(reports) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn any_failed(reports: &[SyncReport]) -> bool {
    reports
        .iter()
        .any(|r| r.error.is_some() || !r.failures.is_empty())
}

fn sync_with_bar(
    greenroom: &mut Greenroom,
    source: Option<&str>,
) -> anyhow::Result<Vec<SyncReport>> {
    let bar = SyncBar::new();
    Ok(greenroom.sync(source, &|event| bar.update(event), &Cancel::new())?)
}

fn print_reports(greenroom: &Greenroom, reports: &[SyncReport]) -> anyhow::Result<()> {
    for r in reports {
        if let Some(error) = &r.error {
            crate::out!("{}: not synced: {error}", r.name);
            continue;
        }
        let changes = changes(&r.stats);
        crate::out!(
            "{}: {} repositories ({} updated, {} unchanged, {} failed), {changes} in {} ms",
            r.name,
            r.repos,
            r.updated,
            r.unchanged,
            r.failures.len(),
            r.millis
        );
        for failure in &r.failures {
            crate::out!("  {}: {}", failure.repo, failure.failure.message);
        }
        for host in &r.needs_credentials {
            crate::out!("  Store a token for {host} with: greenroom credentials set {host}");
        }
        for warning in listing_warnings(greenroom, r.source_id)? {
            crate::out!("  {warning}");
        }
    }
    Ok(())
}

/// What went wrong listing an organisation's repositories (e.g. its API could not be
/// reached and the last listing was synced): said with the sync, not only in `problems`.
fn listing_warnings(greenroom: &Greenroom, source_id: i64) -> anyhow::Result<Vec<String>> {
    let query = ProblemQuery {
        source_id: Some(source_id),
        ..ProblemQuery::default()
    };
    Ok(greenroom
        .catalog()
        .problems(&query)?
        .into_iter()
        .filter(|p| p.problem.code == "org-listing")
        .map(|p| p.problem.message)
        .collect())
}

/// Draws sync progress on the terminal: repositories done and bytes received.
struct SyncBar {
    bar: Mutex<Option<ProgressBar>>,
    received: Mutex<std::collections::HashMap<String, usize>>,
    enabled: bool,
}

impl SyncBar {
    fn new() -> Self {
        SyncBar {
            bar: Mutex::new(None),
            received: Mutex::default(),
            enabled: std::io::stdout().is_terminal(),
        }
    }

    fn update(&self, event: SyncProgress) {
        if !self.enabled {
            return;
        }
        let Ok(mut slot) = self.bar.lock() else {
            return;
        };
        match event {
            SyncProgress::SourceStarted {
                name,
                position,
                count,
                repos,
                ..
            } => {
                let bar = ProgressBar::new(repos as u64).with_style(
                    ProgressStyle::with_template(
                        "{spinner} {prefix} [{bar:30}] {pos}/{len} repositories {msg}",
                    )
                    .unwrap_or_else(|_| ProgressStyle::default_bar())
                    .progress_chars("=> "),
                );
                bar.set_prefix(format!("[{position}/{count}] {name}"));
                bar.enable_steady_tick(std::time::Duration::from_millis(100));
                *slot = Some(bar);
            }
            SyncProgress::Transfer {
                repo,
                received_bytes,
                ..
            } => {
                if let (Some(bar), Ok(mut received)) = (slot.as_ref(), self.received.lock()) {
                    received.insert(repo, received_bytes);
                    let total: usize = received.values().sum();
                    bar.set_message(format!(
                        "({} received)",
                        indicatif::HumanBytes(total as u64)
                    ));
                }
            }
            SyncProgress::RepoFinished { done, .. } => {
                if let Some(bar) = slot.as_ref() {
                    bar.set_position(done as u64);
                }
            }
            SyncProgress::SourceFinished { .. } => {
                if let Some(bar) = slot.take() {
                    bar.finish_and_clear();
                }
            }
            SyncProgress::RepoStarted { .. } => {}
        }
    }
}

/// A source as `source list --json` prints it: the record, and for remote sources the
/// state of each repository.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ListedSource {
    #[serde(flatten)]
    source: SourceRecord,
    /// When the last repository fetch that worked happened, for remote sources.
    #[serde(skip_serializing_if = "Option::is_none")]
    synced_at: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    remote_repos: Option<Vec<RemoteRepoRecord>>,
}

/// The sources with the state of their remote repositories.
pub fn listed(greenroom: &Greenroom) -> anyhow::Result<Vec<ListedSource>> {
    let mut listed = Vec::new();
    for source in greenroom.catalog().sources()? {
        let (synced_at, remote_repos) = if source.kind == SourceKind::Remote {
            let repos = greenroom.catalog().remote_repos(source.id)?;
            (repos.iter().filter_map(|r| r.synced_at).max(), Some(repos))
        } else {
            (None, None)
        };
        listed.push(ListedSource {
            source,
            synced_at,
            remote_repos,
        });
    }
    Ok(listed)
}

/// The table row of a source for `source list`.
pub fn row(listed: &ListedSource) -> Vec<String> {
    let s = &listed.source;
    let state = match &listed.remote_repos {
        Some(repos) => {
            let failed = repos.iter().filter(|r| r.error.is_some()).count();
            let synced = match listed.synced_at {
                Some(at) => format!("synced {}", ago(Some(at))),
                None => "never synced".to_owned(),
            };
            if failed > 0 {
                format!("{synced}; {failed} failing")
            } else {
                synced
            }
        }
        None => s
            .index_error
            .as_ref()
            .map_or_else(|| ago(s.indexed_at), |e| format!("failed: {e}")),
    };
    vec![
        s.id.to_string(),
        s.name.clone(),
        s.kind.as_str().to_owned(),
        s.repo_count
            .max(listed.remote_repos.as_ref().map_or(0, |r| r.len() as i64))
            .to_string(),
        s.entity_count.to_string(),
        format!("{}/{}", s.error_count, s.warning_count),
        state,
        s.target.clone(),
    ]
}

/// Under the table: each remote repository that has failed, and when it last synced.
pub fn print_remote_details(listed: &[ListedSource]) {
    for source in listed {
        let Some(repos) = &source.remote_repos else {
            continue;
        };
        let rows: Vec<Vec<String>> = repos
            .iter()
            .map(|r| {
                vec![
                    format!("#{}", source.source.id),
                    r.path.clone(),
                    r.commit
                        .as_deref()
                        .map_or_else(|| "-".to_owned(), |c| c.chars().take(10).collect()),
                    ago(r.synced_at),
                    r.entity_count.to_string(),
                    r.error.clone().unwrap_or_else(|| "ok".to_owned()),
                ]
            })
            .collect();
        if !rows.is_empty() && (repos.len() > 1 || repos.iter().any(|r| r.error.is_some())) {
            crate::out!("");
            table(
                &[
                    "SOURCE",
                    "REPOSITORY",
                    "COMMIT",
                    "SYNCED",
                    "ENTITIES",
                    "STATE",
                ],
                &rows,
            );
        }
    }
}

/// `greenroom credentials ...`.
pub fn credentials(greenroom: &Greenroom, command: CredentialsCommand) -> anyhow::Result<ExitCode> {
    match command {
        CredentialsCommand::Set { host, username } => {
            if std::io::stdin().is_terminal() {
                eprintln!("Paste the token for {host}, then press Enter and Ctrl-D:");
            }
            let mut token = String::new();
            std::io::stdin().read_to_string(&mut token)?;
            greenroom.set_git_token(&host, username.as_deref(), token.trim())?;
            crate::out!("Stored the token for {host} in the OS keyring.");
        }
        CredentialsCommand::Remove { host } => {
            if greenroom.forget_git_token(&host)? {
                crate::out!("Removed the token for {host}.");
            } else {
                crate::out!("No token was stored for {host}.");
            }
        }
        CredentialsCommand::Check { host } => {
            if greenroom.has_git_token(&host)? {
                crate::out!("A token is stored for {host}.");
            } else {
                crate::out!("No token is stored for {host}.");
                return Ok(ExitCode::from(1));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
