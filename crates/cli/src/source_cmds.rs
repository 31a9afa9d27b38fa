//! `greenroom source ...`, `greenroom index` and `greenroom demo`.

use std::process::ExitCode;

use greenroom::demo::{DemoOptions, generate};
use greenroom::{Greenroom, IndexReport};

use crate::args::{DemoArgs, IndexArgs, SourceCommand};
use crate::progress::IndexBar;
use crate::render::{changes, json, table};

pub fn run(greenroom: &mut Greenroom, command: SourceCommand) -> anyhow::Result<ExitCode> {
    match command {
        SourceCommand::Add(args) => return crate::sync_cmds::add(greenroom, args),
        SourceCommand::List(args) => {
            let sources = crate::sync_cmds::listed(greenroom)?;
            if args.json {
                json(&sources)?;
            } else if sources.is_empty() {
                crate::out!(
                    "No sources yet. Add a folder of Git repositories with `greenroom source add <folder>`, or a \
                     remote repository or organisation with `greenroom source add <git-url>`."
                );
            } else {
                let rows: Vec<Vec<String>> = sources.iter().map(crate::sync_cmds::row).collect();
                table(
                    &[
                        "ID", "NAME", "KIND", "REPOS", "ENTITIES", "ERR/WARN", "INDEXED", "TARGET",
                    ],
                    &rows,
                );
                crate::sync_cmds::print_remote_details(&sources);
            }
        }
        SourceCommand::Remove { source } => {
            let removed = greenroom.remove_source(&source)?;
            crate::out!(
                "Removed source {} and its {} entities.",
                removed.name,
                removed.entity_count
            );
        }
        SourceCommand::Priority { source, priority } => {
            let record = greenroom.catalog().find_source(&source)?;
            greenroom
                .catalog_mut()
                .set_source_priority(record.id, priority)?;
            crate::out!("Source {} now has priority {priority}.", record.name);
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Indexes one source with a progress bar and prints what it did.
pub fn index_and_print(greenroom: &mut Greenroom, source: &str) -> anyhow::Result<()> {
    let reports = index_with_bar(greenroom, Some(source))?;
    print_reports(&reports);
    print_docs(&index_docs_with_bar(greenroom, Some(source))?);
    Ok(())
}

pub fn index(greenroom: &mut Greenroom, args: &IndexArgs) -> anyhow::Result<ExitCode> {
    if greenroom.catalog().sources()?.is_empty() {
        anyhow::bail!(
            "there are no sources to index; add one with `greenroom source add <folder>`"
        );
    }
    let reports = index_with_bar(greenroom, args.source.as_deref())?;
    let docs = if args.no_docs {
        None
    } else {
        Some(index_docs_with_bar(greenroom, args.source.as_deref())?)
    };
    if args.json {
        json(&serde_json::json!({ "sources": reports, "docs": docs }))?;
    } else {
        print_reports(&reports);
        if let Some(docs) = &docs {
            print_docs(docs);
        }
    }
    let failed = reports.iter().any(|r| r.error.is_some());
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

pub fn demo(greenroom: &mut Greenroom, args: &DemoArgs) -> anyhow::Result<ExitCode> {
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| greenroom.dir().join("demo-org"));
    let summary = generate(
        &out,
        &DemoOptions {
            repos: args.repos,
            ..DemoOptions::default()
        },
    )?;
    crate::out!(
        "Generated a demo organisation in {}: {} repositories, {} entities, {} broken on purpose.",
        out.display(),
        summary.repos,
        summary.entities,
        summary.broken
    );
    if !args.no_index {
        let source = greenroom.add_folder(&out, &[])?;
        let reports = index_with_bar(greenroom, Some(&source.id.to_string()))?;
        print_reports(&reports);
        print_docs(&index_docs_with_bar(
            greenroom,
            Some(&source.id.to_string()),
        )?);
        crate::out!(
            "Try: greenroom ls --kind component | greenroom search payments | greenroom problems"
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Indexes one source without a progress bar (for quick refreshes such as a snapshot
/// subscription's), returning its reports.
pub fn index_quietly(greenroom: &mut Greenroom, source: &str) -> anyhow::Result<Vec<IndexReport>> {
    Ok(greenroom.index(Some(source), &|_| {})?)
}

fn index_with_bar(
    greenroom: &mut Greenroom,
    source: Option<&str>,
) -> anyhow::Result<Vec<IndexReport>> {
    let bar = IndexBar::new();
    Ok(greenroom.index(source, &|event| bar.update(event))?)
}

/// Builds and indexes the docs of one source or all, with a progress bar over the sites.
pub fn index_docs_with_bar(
    greenroom: &mut Greenroom,
    source: Option<&str>,
) -> anyhow::Result<greenroom::docs::DocsReport> {
    let bar = IndexBar::new();
    Ok(greenroom.index_docs(source, &|event| bar.docs(event))?)
}

/// One line about the docs sites indexed, if there are any.
pub fn print_docs(docs: &greenroom::docs::DocsReport) {
    if docs.sites > 0 || !docs.failures.is_empty() {
        crate::out!(
            "docs: {} sites, {} pages ({} sites changed)",
            docs.sites,
            docs.pages,
            docs.reindexed
        );
    }
    for failure in &docs.failures {
        crate::out!("docs: not built: {failure}");
    }
}

pub fn print_reports(reports: &[IndexReport]) {
    for r in reports {
        if let Some(error) = &r.error {
            crate::out!("{}: not indexed: {error}", r.name);
            continue;
        }
        let changes = changes(&r.stats);
        crate::out!(
            "{}: {} repositories ({} read, {} unchanged), {changes} in {} ms",
            r.name,
            r.repos,
            r.stats.repos_read,
            r.stats.repos_unchanged,
            r.millis
        );
    }
}
