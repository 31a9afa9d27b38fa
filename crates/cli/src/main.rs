//! `greenroom`: the catalog from the command line. Every subcommand is a thin call into
//! the facade; output is for people by default and JSON with `--json`.

mod account_cmds;
mod args;
mod catalog_cmds;
mod docs_cmd;
mod graph_cmd;
mod progress;
mod render;
mod source_cmds;
mod sync_cmds;
mod template_cmds;
mod validate_cmd;

use std::process::ExitCode;

/// Indexing allocates many small values on several threads; mimalloc does that faster.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use clap::Parser;

use args::{Cli, Command};

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(1)
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let data_dir = greenroom::data_dir(cli.data_dir.as_deref())?;
    let open = || greenroom::Greenroom::open(&data_dir);
    let read = || greenroom::Greenroom::open_read_only(&data_dir);
    match cli.command {
        Command::Source(command) => source_cmds::run(&mut open()?, command),
        Command::Index(args) => source_cmds::index(&mut open()?, &args),
        Command::Sync(args) => sync_cmds::sync(&mut open()?, &args),
        Command::Credentials(command) => sync_cmds::credentials(&read()?, command),
        Command::Demo(args) => source_cmds::demo(&mut open()?, &args),
        Command::Ls(args) => catalog_cmds::ls(&read()?, &args),
        Command::Show(args) => catalog_cmds::show(&read()?, &args),
        Command::Search(args) => catalog_cmds::search(&read()?, &args),
        Command::Problems(args) => catalog_cmds::problems(&read()?, &args),
        Command::Stats(args) => catalog_cmds::stats(&read()?, &args),
        Command::Graph(args) => graph_cmd::run(&read()?, &args),
        Command::Validate(args) => validate_cmd::run(&args),
        Command::Docs(command) => docs_cmd::run(&data_dir, command),
        Command::Template(command) => template_cmds::list(&read()?, command),
        Command::Scaffold(args) => template_cmds::scaffold(&open()?, args),
        Command::Login(args) => account_cmds::login(&open()?, &args),
        Command::Logout(flags) => account_cmds::logout(&open()?, &flags),
        Command::Whoami(args) => account_cmds::whoami(&read()?, args.json),
        Command::Org(args::OrgCommand::Sync(flags)) => account_cmds::org_sync(&mut open()?, &flags),
    }
}
