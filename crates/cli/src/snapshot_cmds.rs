//! `greenroom snapshot ...`: export, import, inspect, publish, subscribe, list, remove and
//! keygen. Each is a thin call into the facade's snapshot API.

use std::io::IsTerminal;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Mutex;

use greenroom::Greenroom;
use greenroom::catalog::snapshot::{Manifest, SignatureStatus, SigningKey};
use greenroom::snapshot::{
    ExportOptions, ExportReport, ImportOptions, ImportReport, RepoAvailability, SnapshotInfo,
    SnapshotProgress, date, inspect_snapshot,
};
use greenroom::snapshot_git::{PublishOptions, SyncOutcome};
use indicatif::ProgressBar;

use crate::args::{SnapshotCommand, SnapshotSelectArgs, SnapshotTrustArgs};
use crate::render::{json, table};

/// The environment variable holding the password of an encrypted signing key.
const PASSWORD_ENV: &str = "GREENROOM_SIGNING_PASSWORD";

pub fn run(data_dir: &Path, command: SnapshotCommand) -> anyhow::Result<ExitCode> {
    match command {
        SnapshotCommand::Export(args) => {
            let greenroom = Greenroom::open_read_only(data_dir)?;
            let options = export_options(&args.select)?;
            let bar = Bar::new();
            let report = greenroom.export_snapshot(&args.out, &options, &|e| bar.update(&e))?;
            bar.finish();
            if args.json {
                json(&report)?;
            } else {
                print_export(&report);
            }
        }
        SnapshotCommand::Import(args) => {
            let mut greenroom = Greenroom::open(data_dir)?;
            let options = ImportOptions {
                allow_older: args.allow_older,
                priority: args.priority,
                ..import_options(&args.trust)?
            };
            let bar = Bar::new();
            let report = greenroom.import_snapshot(&args.file, &options, &|e| bar.update(&e))?;
            bar.finish();
            if args.json {
                json(&report)?;
            } else {
                print_import(&report);
            }
            // Said first, then the log copied into the database (closing would do it too).
            greenroom.catalog().checkpoint()?;
        }
        SnapshotCommand::Inspect(args) => {
            let keys = read_keys(&args.trust)?;
            let info = inspect_snapshot(&args.file, &keys)?;
            if args.json {
                json(&info)?;
            } else {
                print_inspect(&info);
            }
        }
        SnapshotCommand::Publish(args) => {
            let greenroom = Greenroom::open_read_only(data_dir)?;
            let options = PublishOptions {
                export: export_options(&args.select)?,
                branch: args.branch.clone(),
                message: args.message.clone(),
            };
            let bar = Bar::new();
            let report = greenroom.publish_snapshot(&args.to, &options, &|e| bar.update(&e))?;
            bar.finish();
            if args.json {
                json(&report)?;
            } else {
                for warning in &report.export.warnings {
                    crate::out!("warning: {warning}");
                }
                match &report.commit {
                    Some(commit) => crate::out!(
                        "Published {} ({}) to {} on {} as commit {}.",
                        report.file,
                        size(report.export.bytes),
                        report.destination,
                        report.branch,
                        &commit[..12.min(commit.len())]
                    ),
                    None => crate::out!(
                        "{} on {} already holds this snapshot; nothing to commit.",
                        report.destination,
                        report.branch
                    ),
                }
            }
        }
        SnapshotCommand::Subscribe(args) => {
            let mut greenroom = Greenroom::open(data_dir)?;
            let options = ImportOptions {
                priority: args.priority,
                ..import_options(&args.trust)?
            };
            let bar = Bar::new();
            let (source, outcome) = greenroom.subscribe_snapshot(
                &args.url,
                args.branch.as_deref(),
                &options,
                &|e| bar.update(&e),
            )?;
            bar.finish();
            if args.json {
                json(&serde_json::json!({ "source": source, "sync": outcome }))?;
            } else {
                crate::out!(
                    "Subscribed to {} as source #{}; `greenroom index` fetches newer snapshots.",
                    args.url,
                    source.id
                );
                if let SyncOutcome::Imported { report, .. } = &outcome {
                    print_import(report);
                }
            }
        }
        SnapshotCommand::List(args) => {
            let greenroom = Greenroom::open_read_only(data_dir)?;
            let snapshots = greenroom.snapshot_sources()?;
            if args.json {
                json(&snapshots)?;
            } else if snapshots.is_empty() {
                crate::out!(
                    "No snapshots imported. Import one with `greenroom snapshot import <file>`."
                );
            } else {
                let rows: Vec<Vec<String>> = snapshots
                    .iter()
                    .map(|s| {
                        let from = s
                            .snapshot
                            .subscription
                            .as_ref()
                            .map(|sub| sub.url.clone())
                            .or_else(|| s.snapshot.file.clone())
                            .unwrap_or_default();
                        vec![
                            s.source.id.to_string(),
                            s.source.name.clone(),
                            s.source.entity_count.to_string(),
                            age(s.age_millis),
                            s.snapshot.signer.as_ref().map_or_else(
                                || "unsigned".to_owned(),
                                |x| format!("{} ({})", x.signer, x.key_id),
                            ),
                            s.source.priority.to_string(),
                            from,
                        ]
                    })
                    .collect();
                table(
                    &[
                        "ID",
                        "NAME",
                        "ENTITIES",
                        "AGE",
                        "SIGNED BY",
                        "PRIORITY",
                        "FROM",
                    ],
                    &rows,
                );
            }
        }
        SnapshotCommand::Remove { source } => {
            let mut greenroom = Greenroom::open(data_dir)?;
            let removed = greenroom.remove_snapshot(&source)?;
            crate::out!(
                "Removed {} and its {} entities.",
                removed.name,
                removed.entity_count
            );
        }
        SnapshotCommand::Repo {
            entity,
            json: as_json,
        } => {
            let greenroom = Greenroom::open_read_only(data_dir)?;
            let key = greenroom.resolve_ref(&entity)?;
            let availability = greenroom.repository_of(&key)?;
            if as_json {
                json(&availability)?;
            } else {
                match availability {
                    RepoAvailability::Local { path } => {
                        crate::out!("{key} comes from {path}, on this machine.")
                    }
                    RepoAvailability::NotOnThisMachine { repo, clone_url } => match clone_url {
                        Some(url) => crate::out!(
                            "{key} comes from {repo}, which is not on this machine; clone it with: git clone {url}"
                        ),
                        None => crate::out!(
                            "{key} comes from {repo}, which is not on this machine (no clone URL is known)"
                        ),
                    },
                    RepoAvailability::None => {
                        crate::out!("{key} does not come from a repository")
                    }
                }
            }
        }
        SnapshotCommand::Keygen { out, signer } => {
            let password = std::env::var(PASSWORD_ENV).ok().filter(|p| !p.is_empty());
            let (key, secret, public) = SigningKey::generate(&signer, password.as_deref())?;
            let public_path = format!("{}.pub", out.display());
            write_new(&out, &secret)?;
            write_new(Path::new(&public_path), &public)?;
            crate::out!(
                "Wrote the secret key to {} ({}) and the public key to {public_path}; key id {}.",
                out.display(),
                if password.is_some() {
                    "encrypted with $GREENROOM_SIGNING_PASSWORD"
                } else {
                    "not encrypted: keep it secret"
                },
                key.key_id()
            );
            crate::out!(
                "Give the public key to importers: greenroom snapshot import --trust {public_path} <file>"
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn export_options(args: &SnapshotSelectArgs) -> anyhow::Result<ExportOptions> {
    let signing_key = match &args.sign {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
            let password = std::env::var(PASSWORD_ENV).ok().filter(|p| !p.is_empty());
            let signer = args
                .signer
                .clone()
                .or_else(|| args.name.clone())
                .unwrap_or_else(|| "Greenroom".to_owned());
            Some(
                SigningKey::from_minisign(&text, password.as_deref(), &signer)
                    .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?,
            )
        }
        None => None,
    };
    Ok(ExportOptions {
        sources: args.sources.clone(),
        with_docs: args.with_docs,
        name: args.name.clone(),
        origin_id: args.origin.clone(),
        created_at: None,
        signing_key,
    })
}

fn import_options(args: &SnapshotTrustArgs) -> anyhow::Result<ImportOptions> {
    Ok(ImportOptions {
        trusted_keys: read_keys(&args.trust)?,
        require_signature: args.require_signature,
        require_trusted: args.require_trusted,
        ..ImportOptions::default()
    })
}

/// `--trust` values: a file holding a public key, or the key itself.
fn read_keys(values: &[String]) -> anyhow::Result<Vec<String>> {
    values
        .iter()
        .map(|v| {
            let path = Path::new(v);
            if path.is_file() {
                std::fs::read_to_string(path).map_err(|e| anyhow::anyhow!("{v}: {e}"))
            } else {
                Ok(v.clone())
            }
        })
        .collect()
}

fn write_new(path: &Path, text: &str) -> anyhow::Result<()> {
    use std::io::Write as _;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let mut file = options
        .open(path)
        .map_err(|e| anyhow::anyhow!("{}: {e} (keys are never overwritten)", path.display()))?;
    file.write_all(text.as_bytes())?;
    Ok(())
}

fn signature_line(signature: &SignatureStatus, trusted: bool) -> String {
    match signature {
        SignatureStatus::Unsigned => "not signed".to_owned(),
        SignatureStatus::Verified(info) => format!(
            "signed by {} (key {}); the signature checks; {}",
            info.signer,
            info.key_id,
            if trusted {
                "a key you trust"
            } else {
                "not a key you said you trust (--trust)"
            }
        ),
    }
}

fn print_export(report: &ExportReport) {
    for warning in &report.warnings {
        crate::out!("warning: {warning}");
    }
    let c = &report.manifest.counts;
    crate::out!(
        "Wrote {} ({}): {} entities, {} relations, {} problems, {} docs pages; {}; in {} ms.",
        report.path,
        size(report.bytes),
        c.entities,
        c.relations,
        c.problems,
        c.pages,
        signature_line(&report.signature, true).replace("; a key you trust", ""),
        report.millis
    );
}

fn print_import(report: &ImportReport) {
    if report.unchanged {
        crate::out!(
            "{} is already imported (the same snapshot); nothing changed.",
            report.source_name
        );
        return;
    }
    crate::out!(
        "{} {} as source #{}: {} entities ({} added, {} updated, {} removed){}, {} docs pages; {}; in {} ms.",
        if report.created {
            "Imported"
        } else {
            "Replaced"
        },
        report.source_name,
        report.source_id,
        report.entities,
        report.added,
        report.updated,
        report.removed,
        if report.invalid_entities > 0 {
            format!(", {} refused as invalid", report.invalid_entities)
        } else {
            String::new()
        },
        report.pages,
        signature_line(&report.signature, report.trusted),
        report.millis
    );
    if report.shadowed + report.overriding > 0 {
        crate::out!(
            "Conflicts: {} of its entities are also defined by your sources, which win; {} of yours are hidden by it. \
             `greenroom problems` lists them; `greenroom source priority` changes which source wins.",
            report.shadowed,
            report.overriding
        );
        for key in report.conflicts.iter().take(10) {
            crate::out!("  {key}");
        }
    }
}

fn print_inspect(info: &SnapshotInfo) {
    let m: &Manifest = &info.manifest;
    let c = &m.counts;
    crate::out!("Snapshot of {} (origin `{}`)", m.origin.name, m.origin.id);
    crate::out!(
        "  format      {} version {}, made by {}",
        m.format,
        m.format_version,
        m.producer
    );
    crate::out!("  content of  {}", date(m.created_at));
    crate::out!(
        "  file        {}, manifest digest {}",
        size(info.file_size),
        info.digest
    );
    crate::out!(
        "  signature   {}",
        signature_line(&info.signature, info.trusted)
    );
    crate::out!(
        "  catalog     {} entities in {} files of {} repositories, {} relations, {} problems, {} API definitions",
        c.entities,
        c.files,
        c.repos,
        c.relations,
        c.problems,
        c.api_definitions
    );
    crate::out!(
        "  docs        {} sites, {} pages, {} assets",
        c.doc_sites,
        c.pages,
        c.assets
    );
    for source in &m.sources {
        crate::out!(
            "  source      {} ({}): {} repositories, {} entities",
            source.name,
            source.kind,
            source.repos,
            source.entities
        );
    }
    for section in &m.sections {
        crate::out!(
            "  section     {}: {} ({} uncompressed), blake3 {}",
            section.name,
            size(section.size),
            size(section.raw_size),
            section.blake3
        );
    }
    if info.invalid.is_empty() {
        crate::out!(
            "  checks      checksums match; all {} entities are valid",
            info.valid_entities
        );
    } else {
        crate::out!(
            "  checks      checksums match; {} entities are valid, {} would be refused:",
            info.valid_entities,
            c.entities.saturating_sub(info.valid_entities)
        );
        for line in &info.invalid {
            crate::out!("    {line}");
        }
    }
}

fn size(bytes: u64) -> String {
    match bytes {
        0..=1023 => format!("{bytes} B"),
        1024..=1_048_575 => format!("{:.1} KB", bytes as f64 / 1024.0),
        _ => format!("{:.1} MB", bytes as f64 / 1_048_576.0),
    }
}

fn age(millis: i64) -> String {
    let hours = millis.max(0) / 3_600_000;
    match hours {
        0 => "under an hour".to_owned(),
        1..=47 => format!("{hours} h"),
        _ => format!("{} days", hours / 24),
    }
}

/// A spinner that says what an export or import is doing, drawn only on a terminal.
struct Bar {
    bar: Mutex<Option<ProgressBar>>,
}

impl Bar {
    fn new() -> Bar {
        let bar = std::io::stdout().is_terminal().then(|| {
            let bar = ProgressBar::new_spinner();
            bar.enable_steady_tick(std::time::Duration::from_millis(100));
            bar
        });
        Bar {
            bar: Mutex::new(bar),
        }
    }

    fn update(&self, event: &SnapshotProgress) {
        let Ok(slot) = self.bar.lock() else { return };
        let Some(bar) = slot.as_ref() else { return };
        let message = match event {
            SnapshotProgress::Reading => "reading".to_owned(),
            SnapshotProgress::Verified { entities, pages } => {
                format!("checked: {entities} entities, {pages} docs pages")
            }
            SnapshotProgress::Validated { entities, invalid } => {
                format!("validated {entities} entities ({invalid} refused)")
            }
            SnapshotProgress::Docs { done, total } => format!("docs {done}/{total}"),
            SnapshotProgress::Writing => "writing".to_owned(),
        };
        bar.set_message(message);
    }

    fn finish(&self) {
        if let Ok(mut slot) = self.bar.lock()
            && let Some(bar) = slot.take()
        {
            bar.finish_and_clear();
        }
    }
}
