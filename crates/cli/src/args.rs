//! The command line, as clap parses it.

use std::path::PathBuf;

use clap::{ArgGroup, Args, Parser, Subcommand, ValueEnum};

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
    /// TechDocs, rendered offline: build a static site, check links, search.
    #[command(subcommand)]
    Docs(DocsCommand),
    /// Share the whole catalog (and docs) as one .greenroom file, directly or through Git.
    #[command(subcommand)]
    Snapshot(SnapshotCommand),
    /// Software templates: the built-in golden paths and the catalog's templates.
    #[command(subcommand)]
    Template(TemplateCommand),
    /// Create a project from a template, or update one with the template's newer version.
    Scaffold(ScaffoldArgs),
    /// Sign in with Microsoft Entra ID (the browser, or a device code with --device).
    Login(LoginArgs),
    /// Sign out and forget the session.
    Logout(AuthFlags),
    /// Who is signed in.
    Whoami(JsonArg),
    /// Your organisation's users and groups, from Microsoft Graph.
    #[command(subcommand)]
    Org(OrgCommand),
}

#[derive(Debug, Args)]
pub struct AuthFlags {
    /// The identity provider (default https://login.microsoftonline.com; env GREENROOM_AUTHORITY).
    #[arg(long)]
    pub authority: Option<String>,
    /// Directory (tenant) ID, `organizations` or `common` (env GREENROOM_TENANT).
    #[arg(long)]
    pub tenant: Option<String>,
    /// Application (client) ID of your organisation's Greenroom registration (env GREENROOM_CLIENT_ID).
    #[arg(long)]
    pub client_id: Option<String>,
}

#[derive(Debug, Args)]
pub struct LoginArgs {
    /// Sign in with a code on another device instead of this machine's browser.
    #[arg(long)]
    pub device: bool,
    /// Your sign-in name, to pre-fill the sign-in page.
    #[arg(long, value_name = "NAME")]
    pub login_hint: Option<String>,
    #[command(flatten)]
    pub auth: AuthFlags,
}

#[derive(Debug, Subcommand)]
pub enum OrgCommand {
    /// Import users and groups (yours, or the whole tenant with consent) into the catalog.
    Sync(AuthFlags),
}

#[derive(Debug, Subcommand)]
pub enum TemplateCommand {
    /// List the templates.
    List(JsonArg),
    /// Show a template's parameters (its form pages as JSON Schema).
    Show {
        /// Template reference, name or path to a template.yaml.
        template: String,
    },
}

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct ScaffoldArgs {
    #[command(subcommand)]
    pub update: Option<ScaffoldCommand>,
    /// Template reference, name or path to a template.yaml.
    pub template: Option<String>,
    /// Answers to the template's parameters, as YAML or JSON.
    #[arg(long, value_name = "FILE")]
    pub values: Option<PathBuf>,
    /// One answer, `name=value` (repeatable; overrides --values).
    #[arg(long = "set", value_name = "NAME=VALUE")]
    pub set: Vec<String>,
    /// The folder to create.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Show the files that would be created, without writing anything.
    #[arg(long)]
    pub dry_run: bool,
    /// Skip steps that cannot run offline instead of stopping.
    #[arg(long)]
    pub skip_offline: bool,
    /// Print the outcome as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum ScaffoldCommand {
    /// Merge the newest version of the project's template into it (Git three-way merge).
    Update {
        /// The generated project.
        project: PathBuf,
        /// Answers to change or to questions the new version adds (YAML or JSON).
        #[arg(long, value_name = "FILE")]
        values: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum DocsCommand {
    /// Write a static site (works from file://) for a folder holding mkdocs.yml, or an entity.
    Build(DocsBuildArgs),
    /// Report broken links and anchors with file:line; exit 1 if there are any (for CI).
    Check(DocsCheckArgs),
    /// Find docs pages and sections of every indexed site.
    Search(DocsSearchArgs),
}

#[derive(Debug, Args)]
pub struct DocsBuildArgs {
    /// A folder holding mkdocs.yml (or a docs/ folder), or an entity reference.
    pub target: String,
    /// Where to write the site.
    #[arg(long, default_value = "site")]
    pub out: PathBuf,
}

#[derive(Debug, Args)]
pub struct DocsCheckArgs {
    /// Folders holding mkdocs.yml, or entity references.
    #[arg(required = true)]
    pub targets: Vec<String>,
    /// Also print notes (ignored settings, removed HTML, remote images).
    #[arg(long, short)]
    pub verbose: bool,
}

#[derive(Debug, Args)]
pub struct DocsSearchArgs {
    /// Words to find.
    #[arg(required = true)]
    pub query: Vec<String>,
    /// Only in this entity's docs.
    #[arg(long)]
    pub entity: Option<String>,
    /// At most this many results.
    #[arg(long, default_value_t = 20)]
    pub limit: usize,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum SourceCommand {
    /// Add a folder holding Git repositories, a remote repository by URL, a file listing
    /// remote repositories (one URL per line), or every repository of an organisation.
    Add(SourceAddArgs),
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

#[derive(Debug, Args)]
#[command(group(ArgGroup::new("organisation").args(["github_org", "azure_devops_project"])))]
pub struct SourceAddArgs {
    /// A folder, a Git URL (https://, ssh://, git@host:path, git://, file://), a list file, or an
    /// organisation's address (https://github.com/ORG, https://dev.azure.com/ORG/PROJECT).
    #[arg(
        required_unless_present = "organisation",
        conflicts_with = "organisation"
    )]
    pub target: Option<String>,
    /// Follow every repository of this GitHub organisation (or user): they are listed through
    /// the GitHub REST API at each sync, with the token stored for the host (`greenroom
    /// credentials set github.com`); archived and disabled ones are skipped. For GitHub
    /// Enterprise Server add `--api-url https://HOST/api/v3`.
    #[arg(long, value_name = "ORG")]
    pub github_org: Option<String>,
    /// Follow every Git repository of this Azure DevOps project: they are listed through its
    /// REST API at each sync, with the token stored for the host or your `greenroom login`;
    /// disabled and empty ones are skipped. For Azure DevOps Server give the collection as ORG
    /// and add `--api-url https://HOST/tfs`.
    #[arg(long, value_name = "ORG/PROJECT")]
    pub azure_devops_project: Option<String>,
    /// The REST API's address for --github-org (default https://api.github.com) or
    /// --azure-devops-project (default https://dev.azure.com).
    #[arg(long, value_name = "URL", requires = "organisation")]
    pub api_url: Option<String>,
    /// More descriptor files to read in each repository (glob, e.g. `services/*/catalog-info.yaml`).
    #[arg(long = "glob", value_name = "PATTERN")]
    pub globs: Vec<String>,
    /// The branch to follow in remote repositories (default: each one's default branch).
    #[arg(long, value_name = "BRANCH")]
    pub branch: Option<String>,
    /// Do not index or sync it now.
    #[arg(long)]
    pub no_index: bool,
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
    /// Skip building and indexing TechDocs.
    #[arg(long)]
    pub no_docs: bool,
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
    /// Only what you and your groups own (after `greenroom login` and `greenroom org sync`).
    #[arg(long)]
    pub mine: bool,
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

#[derive(Debug, Subcommand)]
pub enum SnapshotCommand {
    /// Write the catalog (optionally with its rendered docs) to a .greenroom file.
    Export(SnapshotExportArgs),
    /// Import a .greenroom file as its own source (a newer one of the same origin replaces it).
    Import(SnapshotImportArgs),
    /// Print a file's manifest and check its checksums, signature and entities, importing nothing.
    Inspect(SnapshotInspectArgs),
    /// Export and commit the snapshot into a Git repository (a folder or a URL to push to).
    Publish(SnapshotPublishArgs),
    /// Follow the snapshots published in a Git repository: a source that fetches the newest on `greenroom index`.
    Subscribe(SnapshotSubscribeArgs),
    /// List imported snapshots with their age and signer.
    List(JsonArg),
    /// Remove an imported snapshot (or subscription), its entities and its docs.
    Remove {
        /// Its id or name.
        source: String,
    },
    /// Say whether an entity's repository is on this machine, and where to clone it from if not.
    Repo {
        /// The entity: a reference or a unique name.
        entity: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Make a minisign key pair to sign snapshots (KEY and KEY.pub). The secret key is
    /// encrypted with $GREENROOM_SIGNING_PASSWORD when it is set.
    Keygen {
        /// Where to write the secret key; the public key goes next to it with `.pub` added.
        #[arg(long)]
        out: PathBuf,
        /// The name signatures show, e.g. "Platform team".
        #[arg(long)]
        signer: String,
    },
}

#[derive(Debug, Args)]
pub struct SnapshotSelectArgs {
    /// Only these sources (id, folder or name; repeatable). Default: all.
    #[arg(long = "source")]
    pub sources: Vec<String>,
    /// Include the rendered TechDocs sites (an onboarding pack that works with nothing cloned).
    #[arg(long)]
    pub with_docs: bool,
    /// Who publishes it, e.g. "Platform team" (default: the sources' names).
    #[arg(long)]
    pub name: Option<String>,
    /// Stable id of the publisher (default: made from the name); imports of the same id replace each other.
    #[arg(long)]
    pub origin: Option<String>,
    /// Sign with this minisign secret key (its password from $GREENROOM_SIGNING_PASSWORD).
    #[arg(long, value_name = "KEY")]
    pub sign: Option<PathBuf>,
    /// The name the signature shows (default: the publisher's name).
    #[arg(long)]
    pub signer: Option<String>,
}

#[derive(Debug, Args)]
pub struct SnapshotExportArgs {
    /// The file to write.
    #[arg(long)]
    pub out: PathBuf,
    #[command(flatten)]
    pub select: SnapshotSelectArgs,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct SnapshotTrustArgs {
    /// A public key you trust (minisign .pub file or its base64 line; repeatable).
    #[arg(long = "trust", value_name = "KEY")]
    pub trust: Vec<String>,
    /// Refuse a snapshot that is not signed.
    #[arg(long)]
    pub require_signature: bool,
    /// Refuse a snapshot not signed by a trusted key.
    #[arg(long)]
    pub require_trusted: bool,
}

#[derive(Debug, Args)]
pub struct SnapshotImportArgs {
    /// The .greenroom file.
    pub file: PathBuf,
    #[command(flatten)]
    pub trust: SnapshotTrustArgs,
    /// Accept a snapshot older than the one imported before from the same origin.
    #[arg(long)]
    pub allow_older: bool,
    /// Conflict priority of a new snapshot source (default 50; folders have 100, higher wins).
    #[arg(long)]
    pub priority: Option<i64>,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct SnapshotInspectArgs {
    /// The .greenroom file.
    pub file: PathBuf,
    /// A public key you trust (minisign .pub file or its base64 line; repeatable).
    #[arg(long = "trust", value_name = "KEY")]
    pub trust: Vec<String>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct SnapshotPublishArgs {
    /// The repository: a folder (made a repository if empty or missing) or a Git URL to push to.
    #[arg(long)]
    pub to: String,
    /// The branch (default: the repository's default branch, else main).
    #[arg(long)]
    pub branch: Option<String>,
    /// The commit message.
    #[arg(long)]
    pub message: Option<String>,
    #[command(flatten)]
    pub select: SnapshotSelectArgs,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct SnapshotSubscribeArgs {
    /// The Git URL (or folder) snapshots are published to.
    pub url: String,
    /// The branch (default: the repository's default branch).
    #[arg(long)]
    pub branch: Option<String>,
    #[command(flatten)]
    pub trust: SnapshotTrustArgs,
    /// Conflict priority of the source (default 50; folders have 100, higher wins).
    #[arg(long)]
    pub priority: Option<i64>,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
}
