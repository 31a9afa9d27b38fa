//! The command line, as clap parses it.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Greenroom: your organisation's software catalog, offline.
#[derive(Debug, Parser)]
#[command(name = "greenroom", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    /// The data folder (default: $GREENROOM_DATA_DIR, else ~/.local/share/greenroom).
    #[arg(long, global = true, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Add, list or remove sources (folders of Git repositories, remote repositories).
    #[command(subcommand)]
    Source(SourceCommand),
    /// Read the sources into the catalog (only what changed is rewritten).
    Index(IndexArgs),
    /// Fetch remote sources and read what changed (works offline: what was fetched stays).
    Sync(SyncArgs),
    /// Store or remove the HTTPS token of a Git host, in the OS keyring.
    #[command(subcommand)]
    Credentials(CredentialsCommand),
    /// Generate a demo organisation, add it as a source and index it.
    Demo(DemoArgs),
    /// List entities, with filters.
    Ls(LsArgs),
    /// Show one entity: its fields, relations and problems.
    Show(ShowArgs),
    /// Find entities by any word (prefix matching).
    Search(SearchArgs),
    /// List the problems found while indexing.
    Problems(ProblemsArgs),
    /// Count what the catalog holds.
    Stats(JsonArg),
    /// Show the entities around one, as text, Graphviz dot, Mermaid or JSON.
    Graph(GraphArgs),
    /// Check descriptor files with Backstage's rules (for CI); exit 1 if any is invalid.
    Validate(ValidateArgs),
}

#[derive(Debug, Subcommand)]
pub enum SourceCommand {
    /// Add a folder holding Git repositories, a remote repository by URL, or a file listing
    /// remote repositories (one URL per line).
    Add {
        /// A folder, a Git URL (https://, ssh://, git@host:path, git://, file://), or a list file.
        target: String,
        /// More descriptor files to read in each repository (glob, e.g. `services/*/catalog-info.yaml`).
        #[arg(long = "glob", value_name = "PATTERN")]
        globs: Vec<String>,
        /// The branch to follow in remote repositories (default: each one's default branch).
        #[arg(long, value_name = "BRANCH")]
        branch: Option<String>,
        /// Do not index or sync it now.
        #[arg(long)]
        no_index: bool,
    },
    /// List the sources and how they last indexed.
    List(JsonArg),
    /// Remove a source and everything it contributed.
    Remove {
        /// Its id, folder or name.
        source: String,
    },
    /// Set which source wins when two define the same entity (higher wins; default 100).
    Priority {
        /// Its id, folder or name.
        source: String,
        /// The priority.
        priority: i64,
    },
}

#[derive(Debug, Subcommand)]
pub enum CredentialsCommand {
    /// Store the token for HOST (`host` or `host:port`), read from standard input.
    Set {
        /// The host, as in "needs credentials for HOST".
        host: String,
        /// The user name to send with the token (default: greenroom; most hosts accept any).
        #[arg(long)]
        username: Option<String>,
    },
    /// Remove the stored token of HOST.
    Remove {
        /// The host.
        host: String,
    },
    /// Tell whether a token is stored for HOST (exit 1 if not).
    Check {
        /// The host.
        host: String,
    },
}

#[derive(Debug, Args)]
pub struct SyncArgs {
    /// Only this source (id, URL, list file or name).
    #[arg(long)]
    pub source: Option<String>,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct JsonArg {
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct IndexArgs {
    /// Only this source (id, folder or name).
    #[arg(long)]
    pub source: Option<String>,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Where to create the repositories (default: `demo-org` in the data folder).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// How many service repositories.
    #[arg(long, default_value_t = 40)]
    pub repos: usize,
    /// Only generate; do not add or index.
    #[arg(long)]
    pub no_index: bool,
}

#[derive(Debug, Args)]
pub struct LsArgs {
    /// Kind (repeatable), e.g. component.
    #[arg(long = "kind", short = 'k')]
    pub kinds: Vec<String>,
    /// spec.type (repeatable).
    #[arg(long = "type", short = 't')]
    pub types: Vec<String>,
    /// Owner, e.g. team-a or user:jane (repeatable).
    #[arg(long = "owner", short = 'o')]
    pub owners: Vec<String>,
    /// Lifecycle (repeatable).
    #[arg(long = "lifecycle", short = 'l')]
    pub lifecycles: Vec<String>,
    /// System (repeatable).
    #[arg(long = "system")]
    pub systems: Vec<String>,
    /// Namespace (repeatable).
    #[arg(long = "namespace", short = 'n')]
    pub namespaces: Vec<String>,
    /// Tag (repeatable; any of them matches).
    #[arg(long = "tag")]
    pub tags: Vec<String>,
    /// Source id, folder or name (repeatable).
    #[arg(long = "source")]
    pub sources: Vec<String>,
    /// Only entities whose file has errors.
    #[arg(long)]
    pub with_errors: bool,
    /// Sort by.
    #[arg(long, value_enum, default_value_t = SortArg::Name)]
    pub sort: SortArg,
    /// Reverse the order.
    #[arg(long)]
    pub desc: bool,
    /// At most this many.
    #[arg(long)]
    pub limit: Option<usize>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum SortArg {
    Name,
    Kind,
    Type,
    Owner,
    Lifecycle,
    System,
    Title,
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// The entity: a reference (`component:default/payments`, `api:payments`) or a unique name.
    pub entity: String,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct SearchArgs {
    /// Words to find.
    #[arg(required = true)]
    pub query: Vec<String>,
    /// At most this many results.
    #[arg(long, default_value_t = 20)]
    pub limit: usize,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ProblemsArgs {
    /// Only this source.
    #[arg(long)]
    pub source: Option<String>,
    /// Only errors.
    #[arg(long)]
    pub errors: bool,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct GraphArgs {
    /// The entity at the centre.
    pub entity: String,
    /// How many relations away.
    #[arg(long, default_value_t = 1)]
    pub depth: usize,
    /// Only these relation types (repeatable), e.g. dependsOn.
    #[arg(long = "relation")]
    pub relations: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = GraphFormat::Text)]
    pub format: GraphFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GraphFormat {
    Text,
    Dot,
    Mermaid,
    Json,
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Descriptor files, or folders to search for catalog-info.yaml files.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// More files to check in folders (glob relative to each folder).
    #[arg(long = "glob", value_name = "PATTERN")]
    pub globs: Vec<String>,
    /// Output format: for people, JSON, or GitHub Actions annotations.
    #[arg(long, value_enum, default_value_t = ValidateFormat::Human)]
    pub format: ValidateFormat,
    /// Treat warnings as errors.
    #[arg(long)]
    pub strict: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ValidateFormat {
    Human,
    Json,
    Github,
}
