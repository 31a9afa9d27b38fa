//! Reading the catalog: `ls`, `show`, `search`, `problems`, `stats`.

use std::process::ExitCode;

use greenroom::Greenroom;
use greenroom::catalog::store::{EntityQuery, ProblemQuery, SortField};
use greenroom::catalog::{EntityRef, Severity};
use serde_json::json as j;

use crate::args::{JsonArg, LsArgs, ProblemsArgs, SearchArgs, ShowArgs, SortArg};
use crate::render::{json, short_ref, table};

pub fn ls(greenroom: &Greenroom, args: &LsArgs) -> anyhow::Result<ExitCode> {
    let as_key = |text: &String, kind: &str| {
        EntityRef::parse(text, Some(kind), "default")
            .map(|r| r.key())
            .unwrap_or_else(|_| text.to_lowercase())
    };
    let mut sources = Vec::new();
    for source in &args.sources {
        sources.push(greenroom.catalog().find_source(source)?.id);
    }
    let query = EntityQuery {
        kinds: args.kinds.clone(),
        types: args.types.clone(),
        owners: args.owners.iter().map(|o| as_key(o, "Group")).collect(),
        lifecycles: args.lifecycles.clone(),
        systems: args.systems.iter().map(|s| as_key(s, "System")).collect(),
        namespaces: args.namespaces.clone(),
        tags: args.tags.clone(),
        sources,
        with_errors: args.with_errors,
        sort: match args.sort {
            SortArg::Name => SortField::Name,
            SortArg::Kind => SortField::Kind,
            SortArg::Type => SortField::Type,
            SortArg::Owner => SortField::Owner,
            SortArg::Lifecycle => SortField::Lifecycle,
            SortArg::System => SortField::System,
            SortArg::Title => SortField::Title,
        },
        descending: args.desc,
        limit: args.limit,
        ..EntityQuery::default()
    };
    let page = if args.mine {
        let items = greenroom.mine()?;
        greenroom::catalog::store::EntityPage {
            total: items.len(),
            items,
        }
    } else {
        greenroom.catalog().list(&query)?
    };
    if args.json {
        json(&page.items)?;
        return Ok(ExitCode::SUCCESS);
    }
    let rows: Vec<Vec<String>> = page
        .items
        .iter()
        .map(|e| {
            vec![
                e.kind.clone(),
                if e.namespace == "default" {
                    e.name.clone()
                } else {
                    format!("{}/{}", e.namespace, e.name)
                },
                e.spec_type.clone().unwrap_or_default(),
                e.owner
                    .as_deref()
                    .map(|o| short_ref(o, "group"))
                    .unwrap_or_default(),
                e.lifecycle.clone().unwrap_or_default(),
                e.system
                    .as_deref()
                    .map(|s| short_ref(s, "system"))
                    .unwrap_or_default(),
                if e.error_count > 0 {
                    format!("{} errors", e.error_count)
                } else {
                    String::new()
                },
            ]
        })
        .collect();
    table(
        &[
            "KIND",
            "NAME",
            "TYPE",
            "OWNER",
            "LIFECYCLE",
            "SYSTEM",
            "PROBLEMS",
        ],
        &rows,
    );
    if page.total > page.items.len() {
        crate::out!("({} of {} shown)", page.items.len(), page.total);
    }
    Ok(ExitCode::SUCCESS)
}

pub fn show(greenroom: &Greenroom, args: &ShowArgs) -> anyhow::Result<ExitCode> {
    let key = greenroom.resolve_ref(&args.entity)?;
    let catalog = greenroom.catalog();
    let record = catalog
        .entity(&key)?
        .ok_or_else(|| anyhow::anyhow!("{key} disappeared while reading"))?;
    let relations = catalog.relations_of(&key)?;
    let problems = catalog.problems(&ProblemQuery {
        entity: Some(key.clone()),
        ..ProblemQuery::default()
    })?;
    if args.json {
        json(&j!({
            "key": record.key,
            "kind": record.entity.kind,
            "namespace": record.entity.metadata.namespace,
            "name": record.entity.metadata.name,
            "entity": record.entity,
            "source": { "id": record.source_id, "name": record.source_name, "kind": record.source_kind },
            "location": record.location,
            "relations": relations,
            "problems": problems,
        }))?;
        return Ok(ExitCode::SUCCESS);
    }
    let e = &record.entity;
    crate::out!("{} {}  ({})", e.kind, e.metadata.name, record.key);
    let mut fields: Vec<(&str, String)> = Vec::new();
    if let Some(title) = &e.metadata.title {
        fields.push(("Title", title.clone()));
    }
    if let Some(description) = &e.metadata.description {
        fields.push(("Description", description.clone()));
    }
    for (label, field, kind) in [
        ("Owner", "owner", "group"),
        ("System", "system", "system"),
        ("Domain", "domain", "domain"),
    ] {
        if let Some(value) = e.spec_str(field) {
            fields.push((label, short_ref(&value.to_lowercase(), kind)));
        }
    }
    for (label, field) in [("Type", "type"), ("Lifecycle", "lifecycle")] {
        if let Some(value) = e.spec_str(field) {
            fields.push((label, value.to_owned()));
        }
    }
    if !e.metadata.tags.is_empty() {
        fields.push(("Tags", e.metadata.tags.join(", ")));
    }
    for link in &e.metadata.links {
        fields.push((
            "Link",
            format!("{} {}", link.title.as_deref().unwrap_or(""), link.url)
                .trim()
                .to_owned(),
        ));
    }
    fields.push((
        "Source",
        format!("{} (#{})", record.source_name, record.source_id),
    ));
    if let Some(location) = &record.location {
        let commit = location
            .commit
            .as_deref()
            .map(|c| &c[..c.len().min(10)])
            .unwrap_or("no commit");
        let line = location.line.map(|l| format!(":{l}")).unwrap_or_default();
        fields.push(("File", format!("{}/{}{line}", location.repo, location.file)));
        fields.push((
            "Commit",
            format!(
                "{commit} on {}",
                location.branch.as_deref().unwrap_or("a detached head")
            ),
        ));
    }
    for (label, value) in fields {
        crate::out!("  {label:<12} {value}");
    }
    if !relations.is_empty() {
        crate::out!("Relations");
        for r in &relations {
            crate::out!(
                "  {:<14} {}{}",
                r.relation_type.as_str(),
                r.key,
                if r.missing {
                    "  (not in the catalog)"
                } else {
                    ""
                }
            );
        }
    }
    if !problems.is_empty() {
        crate::out!("Problems in its file");
        for p in &problems {
            crate::out!("  {}", problem_line(p));
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn search(greenroom: &Greenroom, args: &SearchArgs) -> anyhow::Result<ExitCode> {
    let text = args.query.join(" ");
    let hits = greenroom.catalog().search(&text, args.limit)?;
    if args.json {
        json(&hits)?;
    } else if hits.is_empty() {
        crate::out!("Nothing matches `{text}`.");
    } else {
        let rows: Vec<Vec<String>> = hits
            .iter()
            .map(|h| {
                vec![
                    h.kind.clone(),
                    h.key.clone(),
                    h.title
                        .clone()
                        .or_else(|| h.description.clone())
                        .unwrap_or_default(),
                ]
            })
            .collect();
        table(&["KIND", "REF", "TITLE / DESCRIPTION"], &rows);
    }
    Ok(ExitCode::SUCCESS)
}

pub fn problems(greenroom: &Greenroom, args: &ProblemsArgs) -> anyhow::Result<ExitCode> {
    let source_id = match &args.source {
        Some(text) => Some(greenroom.catalog().find_source(text)?.id),
        None => None,
    };
    let severity = args.errors.then_some(Severity::Error);
    let problems = greenroom.catalog().problems(&ProblemQuery {
        source_id,
        severity,
        ..ProblemQuery::default()
    })?;
    if args.json {
        json(&problems)?;
    } else if problems.is_empty() {
        crate::out!("No problems.");
    } else {
        for p in &problems {
            crate::out!("{}", problem_line(p));
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn problem_line(p: &greenroom::catalog::store::ProblemRecord) -> String {
    let place = match (&p.repo, &p.file) {
        (Some(repo), Some(file)) => format!("{repo}/{file}"),
        (Some(repo), None) => repo.clone(),
        _ => p.source_name.clone(),
    };
    format!(
        "{place}{}: {}: {} [{}]",
        p.problem.position(),
        p.problem.severity.as_str(),
        p.problem.described(),
        p.problem.code
    )
}

pub fn stats(greenroom: &Greenroom, args: &JsonArg) -> anyhow::Result<ExitCode> {
    let stats = greenroom.catalog().stats()?;
    if args.json {
        json(&stats)?;
    } else {
        crate::out!(
            "{} entities from {} sources, {} relations",
            stats.entities,
            stats.sources,
            stats.relations
        );
        for kind in &stats.kinds {
            crate::out!("  {:<10} {}", kind.value, kind.count);
        }
        crate::out!(
            "{} errors, {} warnings (`greenroom problems` lists them)",
            stats.errors,
            stats.warnings
        );
    }
    Ok(ExitCode::SUCCESS)
}
