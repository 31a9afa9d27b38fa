//! Builds the docs of a folder holding `mkdocs.yml` into a static site, for trying the
//! renderer by hand: `cargo run -p greenroom-techdocs --example build_docs -- <folder> <out>`.
//! (The real command is `greenroom docs build`.)

use std::path::PathBuf;
use std::process::ExitCode;

use greenroom_techdocs::{
    BuildOptions, WorkingTree, build_site, locate_in_folder, write_static_site,
};

fn main() -> ExitCode {
    let mut args = std::env::args_os().skip(1).map(PathBuf::from);
    let (Some(folder), Some(out)) = (args.next(), args.next()) else {
        eprintln!("usage: build_docs <folder with mkdocs.yml> <output folder>");
        return ExitCode::from(2);
    };
    let files = match WorkingTree::new(&folder) {
        Ok(files) => files,
        Err(err) => {
            eprintln!("{}: {err}", folder.display());
            return ExitCode::FAILURE;
        }
    };
    let Some(location) = locate_in_folder(&files, "") else {
        eprintln!(
            "{}: no mkdocs.yml, mkdocs.yaml or docs/ folder",
            folder.display()
        );
        return ExitCode::FAILURE;
    };
    let site = match build_site(&files, &location, &BuildOptions::default(), None, &|_| {}) {
        Ok(site) => site,
        Err(err) => {
            eprintln!("{err}");
            return ExitCode::FAILURE;
        }
    };
    for warning in &site.warnings {
        eprintln!("warning: {warning}");
    }
    match write_static_site(&site, &files, &out) {
        Ok(summary) => {
            println!(
                "{} pages, {} assets written to {}",
                summary.pages,
                summary.assets,
                out.display()
            );
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("{err}");
            ExitCode::FAILURE
        }
    }
}
