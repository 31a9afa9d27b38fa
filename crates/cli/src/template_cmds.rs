//! `greenroom template list|show` and `greenroom scaffold [update]`.

use std::path::Path;
use std::process::ExitCode;

use greenroom::Greenroom;
use greenroom::scaffolder::{Progress, RunOptions, UpdateOptions};
use serde_json::{Map, Value};

use crate::args::{ScaffoldArgs, ScaffoldCommand, TemplateCommand};
use crate::render::{json, table};

pub fn list(greenroom: &Greenroom, command: TemplateCommand) -> anyhow::Result<ExitCode> {
    match command {
        TemplateCommand::List(args) => {
            let list = greenroom.templates()?;
            let summaries: Vec<_> = list.templates.iter().map(|t| t.summary()).collect();
            if args.json {
                json(&summaries)?;
            } else {
                let rows: Vec<Vec<String>> = summaries
                    .iter()
                    .map(|s| {
                        let source = match &s.source {
                            greenroom::scaffolder::TemplateSource::Builtin { .. } => {
                                "built-in".to_owned()
                            }
                            greenroom::scaffolder::TemplateSource::Local => {
                                s.file.display().to_string()
                            }
                        };
                        vec![
                            s.entity_ref.clone(),
                            s.title.clone(),
                            s.tags.join(","),
                            source,
                        ]
                    })
                    .collect();
                table(&["REF", "TITLE", "TAGS", "FROM"], &rows);
            }
            for problem in &list.problems {
                eprintln!("warning: {problem}");
            }
        }
        TemplateCommand::Show { template } => {
            let template = greenroom.find_template(&template)?;
            json(&template.form)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn scaffold(greenroom: &Greenroom, args: ScaffoldArgs) -> anyhow::Result<ExitCode> {
    if let Some(ScaffoldCommand::Update { project, values }) = args.update {
        let values = match values {
            Some(file) => object(read_values(&file)?)?,
            None => Map::new(),
        };
        let outcome = greenroom.scaffold_update(
            &project,
            &UpdateOptions {
                values,
                ..UpdateOptions::default()
            },
        )?;
        if outcome.up_to_date {
            crate::out!("{} is up to date with its template.", project.display());
            return Ok(ExitCode::SUCCESS);
        }
        for (label, files) in [
            ("updated", &outcome.updated),
            ("added", &outcome.added),
            ("deleted", &outcome.deleted),
        ] {
            for file in files {
                crate::out!("{label:>9}  {file}");
            }
        }
        for conflict in &outcome.conflicts {
            crate::out!(" conflict  {}  {}", conflict.path, conflict.detail);
        }
        if !outcome.conflicts.is_empty() {
            crate::out!("Resolve the conflicts (look for <<<<<<< markers), then commit.");
            return Ok(ExitCode::from(1));
        }
        crate::out!("Updated; review with `git diff` and commit.");
        return Ok(ExitCode::SUCCESS);
    }
    let Some(name) = args.template else {
        anyhow::bail!(
            "name a template (`greenroom template list` shows them), or use `greenroom scaffold update DIR`"
        );
    };
    let template = greenroom.find_template(&name)?;
    let mut values = match &args.values {
        Some(file) => object(read_values(file)?)?,
        None => Map::new(),
    };
    for pair in &args.set {
        let (key, value) = pair
            .split_once('=')
            .ok_or_else(|| anyhow::anyhow!("--set takes NAME=VALUE, got `{pair}`"))?;
        let value = greenroom_yaml::parse_single(value, &Default::default())
            .map(|n| n.to_json())
            .unwrap_or(Value::String(value.to_owned()));
        values.insert(key.to_owned(), value);
    }
    let values = Value::Object(values);
    let options = RunOptions {
        skip_unavailable: args.skip_offline,
        ..RunOptions::default()
    };
    let show = |event: Progress| match event {
        Progress::StepStarted {
            index, total, name, ..
        } if !args.json => eprintln!("[{}/{total}] {name}", index + 1),
        Progress::StepSkipped { id, reason } if !args.json => eprintln!("skipped {id}: {reason}"),
        Progress::Log { line, .. } if !args.json => eprintln!("    {line}"),
        _ => {}
    };
    if args.dry_run {
        let preview = greenroom.scaffold_dry_run(&template, &values, &options, &show)?;
        if args.json {
            json(&preview)?;
        } else {
            for file in &preview.files {
                crate::out!("{:>8}  {}", file.size, file.path);
            }
            crate::out!(
                "{} files would be created (dry run: nothing was written).",
                preview.files.len()
            );
        }
        return Ok(ExitCode::SUCCESS);
    }
    let Some(out) = &args.out else {
        anyhow::bail!("--out DIR says where to create the project")
    };
    let outcome = greenroom.scaffold(&template, &values, out, &options, &show)?;
    if args.json {
        json(&outcome)?;
        return Ok(ExitCode::SUCCESS);
    }
    crate::out!(
        "Created {} from {}.",
        outcome.target.display(),
        template.entity_ref.key()
    );
    for entity in &outcome.created_entities {
        crate::out!("  in the catalog: {entity}");
    }
    for link in &outcome.output.links {
        crate::out!(
            "  {}: {}",
            link.title.as_deref().unwrap_or("link"),
            link.url
                .as_deref()
                .or(link.entity_ref.as_deref())
                .unwrap_or("")
        );
    }
    for skipped in &outcome.skipped_actions {
        crate::out!(
            "  skipped (not available offline): {} ({})",
            skipped.step,
            skipped.action
        );
    }
    for warning in &outcome.warnings {
        eprintln!("warning: {warning}");
    }
    Ok(ExitCode::SUCCESS)
}

fn read_values(file: &Path) -> anyhow::Result<Value> {
    let text = std::fs::read_to_string(file).map_err(|e| greenroom::Error::io(file, &e))?;
    let node = greenroom_yaml::parse_single(&text, &Default::default())
        .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
    Ok(node.to_json())
}

fn object(value: Value) -> anyhow::Result<Map<String, Value>> {
    match value {
        Value::Object(map) => Ok(map),
        Value::Null => Ok(Map::new()),
        other => {
            anyhow::bail!("the values must be a mapping of parameter names to answers, not {other}")
        }
    }
}
