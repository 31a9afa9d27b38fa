//! `greenroom validate`: exit 0 when every document is valid, 1 when any is invalid, 2 when
//! a path cannot be read. Output for people, as JSON, or as GitHub Actions annotations.

use std::process::ExitCode;

use greenroom::validate::{ValidationReport, validate_paths};

use crate::args::{ValidateArgs, ValidateFormat};
use crate::render::json;

pub fn run(args: &ValidateArgs) -> anyhow::Result<ExitCode> {
    let report = match validate_paths(&args.paths, &args.globs) {
        Ok(report) => report,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(ExitCode::from(2));
        }
    };
    match args.format {
        ValidateFormat::Json => json(&report)?,
        ValidateFormat::Human => human(&report),
        ValidateFormat::Github => github(&report),
    }
    let failed = report.errors > 0 || (args.strict && report.warnings > 0);
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn human(report: &ValidationReport) {
    for file in &report.files {
        for p in &file.problems {
            let document = p
                .document
                .map(|d| format!(" (document {})", d + 1))
                .unwrap_or_default();
            crate::out!(
                "{}{}: {}{document}: {} [{}]",
                file.path,
                p.problem.position(),
                p.problem.severity.as_str(),
                p.problem.described(),
                p.problem.code
            );
        }
    }
    let verdict = if report.errors == 0 {
        "valid"
    } else {
        "INVALID"
    };
    crate::out!(
        "{} files, {} entities: {verdict} ({} errors, {} warnings)",
        report.files.len(),
        report.entities,
        report.errors,
        report.warnings
    );
}

/// `::error file=…,line=…,col=…,title=…::message`, as GitHub Actions shows on the diff.
fn github(report: &ValidationReport) {
    let escape = |s: &str| {
        s.replace('%', "%25")
            .replace('\r', "%0D")
            .replace('\n', "%0A")
    };
    let escape_property = |s: &str| escape(s).replace(':', "%3A").replace(',', "%2C");
    for file in &report.files {
        for p in &file.problems {
            let mut properties = vec![format!("file={}", escape_property(&file.path))];
            if let Some(line) = p.problem.line {
                properties.push(format!("line={line}"));
            }
            if let Some(column) = p.problem.column {
                properties.push(format!("col={column}"));
            }
            properties.push(format!("title={}", escape_property(&p.problem.code)));
            crate::out!(
                "::{} {}::{}",
                p.problem.severity.as_str(),
                properties.join(","),
                escape(&p.problem.described())
            );
        }
    }
    crate::out!(
        "{} files, {} entities, {} errors, {} warnings",
        report.files.len(),
        report.entities,
        report.errors,
        report.warnings
    );
}
