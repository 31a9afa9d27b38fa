//! A generated demo organisation: Git repositories with realistic descriptors (groups and
//! users, domains and systems, services with APIs, resources and dependencies, TechDocs,
//! and a few broken files), for a first look at Greenroom and for benchmarks.

use std::collections::HashSet;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::Error;

/// How big a demo to make.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DemoOptions {
    /// Service repositories (plus one repository holding the organisation).
    pub repos: usize,
    /// About how many entities each service repository defines.
    pub entities_per_repo: usize,
    /// Every n-th repository gets a broken descriptor (0: none).
    pub broken_every: usize,
    /// Seed for the random choices, so the same options give the same organisation.
    pub seed: u64,
}

impl Default for DemoOptions {
    fn default() -> Self {
        DemoOptions {
            repos: 40,
            entities_per_repo: 6,
            broken_every: 15,
            seed: 7,
        }
    }
}

/// What was generated.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DemoSummary {
    /// The folder holding the repositories.
    pub root: PathBuf,
    /// Repositories created.
    pub repos: usize,
    /// Valid entities written.
    pub entities: usize,
    /// Documents written broken on purpose.
    pub broken: usize,
    /// Service repositories (folder names), for benchmarks that change some.
    pub service_repos: Vec<String>,
}

const DOMAINS: [&str; 6] = [
    "commerce",
    "payments",
    "logistics",
    "identity",
    "data",
    "platform",
];
const NOUNS: [&str; 40] = [
    "orders",
    "checkout",
    "ledger",
    "invoices",
    "refunds",
    "catalog",
    "pricing",
    "inventory",
    "shipping",
    "tracking",
    "returns",
    "accounts",
    "profiles",
    "sessions",
    "tokens",
    "search",
    "recommendations",
    "reviews",
    "ratings",
    "notifications",
    "emails",
    "sms",
    "webhooks",
    "reports",
    "analytics",
    "metrics",
    "billing",
    "subscriptions",
    "coupons",
    "loyalty",
    "fraud",
    "risk",
    "warehouse",
    "carriers",
    "routing",
    "media",
    "images",
    "gateway",
    "scheduler",
    "audit",
];
const ROLES: [&str; 8] = [
    "service", "api", "worker", "web", "sync", "engine", "portal", "bridge",
];
const FIRST: [&str; 16] = [
    "ada",
    "grace",
    "alan",
    "barbara",
    "ken",
    "margaret",
    "linus",
    "radia",
    "dennis",
    "frances",
    "john",
    "hedy",
    "tim",
    "katherine",
    "edsger",
    "sophie",
];
const LAST: [&str; 12] = [
    "lovelace", "hopper", "turing", "liskov", "thompson", "hamilton", "torvalds", "perlman",
    "ritchie", "allen", "backus", "lamarr",
];
const LANGUAGES: [&str; 6] = ["java", "go", "rust", "typescript", "python", "kotlin"];
const LIFECYCLES: [&str; 3] = ["production", "production", "experimental"];

struct Names {
    used: HashSet<String>,
}

impl Names {
    fn unique(&mut self, base: String) -> String {
        let mut name = base.clone();
        let mut n = 2;
        while !self.used.insert(name.clone()) {
            name = format!("{base}-{n}");
            n += 1;
        }
        name
    }
}

struct Team {
    name: String,
    domain: &'static str,
}

/// A repository of the demo, in memory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoRepo {
    /// Folder, relative to the demo's root (`services/orders-api`).
    pub path: String,
    /// Files: path relative to the repository, and content.
    pub files: Vec<(String, String)>,
}

/// The whole demo, in memory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoPlan {
    /// The repositories, the organisation's first.
    pub repos: Vec<DemoRepo>,
    /// Valid entities in all.
    pub entities: usize,
    /// Documents broken on purpose.
    pub broken: usize,
}

/// Writes the demo organisation under `root` (which must not exist or be empty), each
/// repository committed with Git.
pub fn generate(root: &Path, options: &DemoOptions) -> Result<DemoSummary, Error> {
    if root.exists()
        && fs::read_dir(root)
            .map_err(|e| Error::io(root, &e))?
            .next()
            .is_some()
    {
        return Err(Error::Invalid(format!(
            "{} is not empty; choose a new folder for the demo",
            root.display()
        )));
    }
    let plan = plan(options);
    for repo in &plan.repos {
        commit_repo(&root.join(&repo.path), &repo.files)?;
    }
    Ok(DemoSummary {
        root: root.to_owned(),
        repos: plan.repos.len(),
        entities: plan.entities,
        broken: plan.broken,
        service_repos: plan.repos.iter().skip(1).map(|r| r.path.clone()).collect(),
    })
}

/// Plans the demo organisation without touching the disk.
pub fn plan(options: &DemoOptions) -> DemoPlan {
    let mut rng = fastrand::Rng::with_seed(options.seed);
    let mut names = Names {
        used: HashSet::new(),
    };
    let mut summary = DemoPlan {
        repos: Vec::new(),
        entities: 0,
        broken: 0,
    };

    // The organisation: departments per domain, teams, users, domains and systems.
    let team_count = (options.repos / 6).clamp(3, 400);
    let teams: Vec<Team> = (0..team_count)
        .map(|i| {
            let domain = DOMAINS[i % DOMAINS.len()];
            Team {
                name: names.unique(format!("team-{}", NOUNS[(i * 7 + 3) % NOUNS.len()])),
                domain,
            }
        })
        .collect();
    let systems: Vec<(String, &str, &str)> = (0..(options.repos / 4).max(3))
        .map(|i| {
            let team = &teams[i % teams.len()];
            (
                names.unique(format!("{}-platform", NOUNS[(i * 11 + 5) % NOUNS.len()])),
                team.domain,
                team.name.as_str(),
            )
        })
        .collect();
    let mut groups = String::new();
    for domain in DOMAINS {
        write_doc(
            &mut groups,
            &group(
                &format!("{domain}-department"),
                "department",
                None,
                &[],
                &[],
            ),
        );
        summary.entities += 1;
    }
    let mut users = String::new();
    for (i, team) in teams.iter().enumerate() {
        let members: Vec<String> = (0..3)
            .map(|m| {
                let n = i * 3 + m;
                names.unique(format!(
                    "{}.{}",
                    FIRST[n % FIRST.len()],
                    LAST[(n / FIRST.len() + m) % LAST.len()]
                ))
            })
            .collect();
        for member in &members {
            write_doc(&mut users, &user(member, &team.name));
            summary.entities += 1;
        }
        write_doc(
            &mut groups,
            &group(
                &team.name,
                "team",
                Some(&format!("{}-department", team.domain)),
                &[],
                &members,
            ),
        );
        summary.entities += 1;
    }
    let mut structure = String::new();
    for domain in DOMAINS {
        write_doc(
            &mut structure,
            &format!(
                "apiVersion: backstage.io/v1alpha1\nkind: Domain\nmetadata:\n  name: {domain}\n  title: {}\n  description: Everything about {domain}.\nspec:\n  owner: {domain}-department\n",
                capitalise(domain)
            ),
        );
        summary.entities += 1;
    }
    for (name, domain, owner) in &systems {
        write_doc(
            &mut structure,
            &format!(
                "apiVersion: backstage.io/v1alpha1\nkind: System\nmetadata:\n  name: {name}\n  description: The {} platform of the {domain} domain.\nspec:\n  owner: {owner}\n  domain: {domain}\n",
                name.trim_end_matches("-platform")
            ),
        );
        summary.entities += 1;
    }
    let location = "apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata:\n  name: organisation\n  description: Teams, people, domains and systems.\nspec:\n  targets:\n    - ./org/groups.yaml\n    - ./org/users.yaml\n    - ./org/structure.yaml\n";
    summary.entities += 1;
    let files = [
        ("catalog-info.yaml", location.to_owned()),
        ("org/groups.yaml", groups),
        ("org/users.yaml", users),
        ("org/structure.yaml", structure),
        (
            "README.md",
            "# Organisation\n\nTeams, people, domains and systems of the demo company.\n"
                .to_owned(),
        ),
    ];
    summary.repos.push(DemoRepo {
        path: "org".to_owned(),
        files: files.into_iter().map(|(p, t)| (p.to_owned(), t)).collect(),
    });

    // Service repositories, each a small monorepo of components with their APIs and resources.
    let mut components: Vec<String> = Vec::new();
    let mut apis: Vec<String> = Vec::new();
    for r in 0..options.repos {
        let team = &teams[rng.usize(..teams.len())];
        let system = systems
            .iter()
            .filter(|s| s.2 == team.name)
            .map(|s| s.0.as_str())
            .next()
            .unwrap_or(systems[0].0.as_str());
        let noun = NOUNS[rng.usize(..NOUNS.len())];
        let repo_name = names.unique(format!("{noun}-{}", ROLES[rng.usize(..ROLES.len())]));
        let mut docs = String::new();
        let mut files: Vec<(String, String)> = Vec::new();
        let mut written = 0;
        let mut part = 0;
        while written < options.entities_per_repo.max(1) {
            let component = if part == 0 {
                repo_name.clone()
            } else {
                names.unique(format!("{repo_name}-{}", ROLES[part % ROLES.len()]))
            };
            let language = LANGUAGES[rng.usize(..LANGUAGES.len())];
            let kind_of = ["service", "service", "website", "library"][rng.usize(..4)];
            let mut spec = format!(
                "  type: {kind_of}\n  lifecycle: {}\n  owner: {}\n  system: {system}\n",
                LIFECYCLES[rng.usize(..LIFECYCLES.len())],
                team.name
            );
            let mut extra_docs = String::new();
            if kind_of == "service" && written + 1 < options.entities_per_repo {
                let api = names.unique(format!("{component}-api"));
                writeln!(spec, "  providesApis: [{api}]").ok();
                write_doc(
                    &mut extra_docs,
                    &api_doc(&api, &team.name, system, &component),
                );
                files.push((format!("apis/{api}.yaml"), openapi(&api)));
                apis.push(api);
                written += 1;
            }
            if !apis.is_empty() && rng.bool() {
                let consumed = &apis[rng.usize(..apis.len())];
                if !spec.contains(&format!("[{consumed}]")) {
                    writeln!(spec, "  consumesApis: [{consumed}]").ok();
                }
            }
            let mut depends = Vec::new();
            if written + 1 < options.entities_per_repo && rng.u8(..3) > 0 {
                let db = names.unique(format!("{component}-db"));
                write_doc(
                    &mut extra_docs,
                    &format!(
                        "apiVersion: backstage.io/v1alpha1\nkind: Resource\nmetadata:\n  name: {db}\n  description: Database of {component}.\nspec:\n  type: database\n  owner: {}\n  system: {system}\n",
                        team.name
                    ),
                );
                depends.push(format!("resource:{db}"));
                written += 1;
            }
            for _ in 0..rng.usize(..3) {
                if let Some(other) = components.get(rng.usize(..components.len().max(1))) {
                    depends.push(format!("component:{other}"));
                }
            }
            depends.dedup();
            if !depends.is_empty() {
                writeln!(spec, "  dependsOn: [{}]", depends.join(", ")).ok();
            }
            let docs_annotation = if part == 0 && r % 3 == 0 {
                files.push(("mkdocs.yml".into(), format!("site_name: {repo_name}\nnav:\n  - Home: index.md\n  - Runbook: runbook.md\n")));
                files.push(("docs/index.md".into(), format!("# {}\n\nThe {repo_name} {kind_of}, owned by {}.\n\n## Architecture\n\nIt is part of the {system} system.\n", capitalise(&repo_name), team.name)));
                files.push(("docs/runbook.md".into(), "# Runbook\n\n!!! warning \"On call\"\n    Page the owning team first.\n\n## Restarting\n\n```bash\nkubectl rollout restart deployment\n```\n".into()));
                "    backstage.io/techdocs-ref: dir:.\n"
            } else {
                ""
            };
            write_doc(
                &mut docs,
                &format!(
                    "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: {component}\n  title: {}\n  description: {} {kind_of} written in {language}, part of {system}.\n  tags: [{language}, {noun}]\n  annotations:\n    github.com/project-slug: demo-org/{repo_name}\n{docs_annotation}  links:\n    - url: https://dashboards.example.com/{component}\n      title: Dashboard\n      icon: dashboard\nspec:\n{spec}",
                    capitalise(&component),
                    capitalise(noun)
                ),
            );
            if !extra_docs.is_empty() {
                write_doc(&mut docs, &extra_docs);
            }
            components.push(component);
            written += 1;
            part += 1;
        }
        summary.entities += written;
        if options.broken_every > 0 && r % options.broken_every == options.broken_every - 1 {
            // Mistakes people really make: a name with spaces, a missing owner, bad YAML.
            let broken = match r / options.broken_every % 3 {
                0 => format!(
                    "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: {repo_name} legacy\nspec:\n  type: service\n  lifecycle: deprecated\n  owner: {}\n",
                    team.name
                ),
                1 => format!(
                    "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: {repo_name}-old\nspec:\n  type: service\n  lifecycle: deprecated\n"
                ),
                _ => format!(
                    "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: {repo_name}-tmp\n  description: broken: a colon\nspec: [\n"
                ),
            };
            write_doc(&mut docs, &broken);
            summary.broken += 1;
        }
        files.push(("catalog-info.yaml".into(), docs));
        files.push((
            "README.md".into(),
            format!("# {repo_name}\n\nOwned by {}.\n", team.name),
        ));
        summary.repos.push(DemoRepo {
            path: format!("services/{repo_name}"),
            files,
        });
    }
    summary
}

fn write_doc(out: &mut String, doc: &str) {
    if !out.is_empty() {
        out.push_str("---\n");
    }
    out.push_str(doc);
}

fn group(
    name: &str,
    kind: &str,
    parent: Option<&str>,
    children: &[String],
    members: &[String],
) -> String {
    let mut doc = format!(
        "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: {name}\n  title: {}\nspec:\n  type: {kind}\n  profile:\n    displayName: {}\n    email: {name}@example.com\n",
        capitalise(&name.replace('-', " ")),
        capitalise(&name.replace('-', " "))
    );
    if let Some(parent) = parent {
        writeln!(doc, "  parent: {parent}").ok();
    }
    writeln!(doc, "  children: [{}]", children.join(", ")).ok();
    if !members.is_empty() {
        writeln!(doc, "  members: [{}]", members.join(", ")).ok();
    }
    doc
}

fn user(name: &str, team: &str) -> String {
    let display: Vec<String> = name.split('.').map(capitalise).collect();
    format!(
        "apiVersion: backstage.io/v1alpha1\nkind: User\nmetadata:\n  name: {name}\nspec:\n  profile:\n    displayName: {}\n    email: {name}@example.com\n  memberOf: [{team}]\n",
        display.join(" ")
    )
}

fn api_doc(name: &str, owner: &str, system: &str, component: &str) -> String {
    format!(
        "apiVersion: backstage.io/v1alpha1\nkind: API\nmetadata:\n  name: {name}\n  description: The HTTP API of {component}.\n  tags: [rest]\nspec:\n  type: openapi\n  lifecycle: production\n  owner: {owner}\n  system: {system}\n  definition:\n    $text: ./apis/{name}.yaml\n"
    )
}

fn openapi(name: &str) -> String {
    format!(
        "openapi: 3.0.3\ninfo:\n  title: {}\n  version: 1.0.0\npaths:\n  /items:\n    get:\n      summary: List items\n      responses:\n        '200':\n          description: The items\n",
        capitalise(name)
    )
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// Creates a Git repository with the files committed on `main`.
fn commit_repo(dir: &Path, files: &[(String, String)]) -> Result<(), Error> {
    for (path, text) in files {
        let full = dir.join(path);
        if let Some(parent) = full.parent() {
            fs::create_dir_all(parent).map_err(|e| Error::io(parent, &e))?;
        }
        fs::write(&full, text).map_err(|e| Error::io(&full, &e))?;
    }
    let git = |e: git2::Error| Error::Io {
        path: dir.display().to_string(),
        reason: e.message().to_owned(),
    };
    let mut init = git2::RepositoryInitOptions::new();
    init.initial_head("main");
    let repo = git2::Repository::init_opts(dir, &init).map_err(git)?;
    let mut index = repo.index().map_err(git)?;
    index
        .add_all(["*"], git2::IndexAddOption::DEFAULT, None)
        .map_err(git)?;
    index.write().map_err(git)?;
    let tree = repo
        .find_tree(index.write_tree().map_err(git)?)
        .map_err(git)?;
    let when = git2::Time::new(1_767_225_600, 0);
    let author = git2::Signature::new("Demo Bot", "demo@example.com", &when).map_err(git)?;
    repo.commit(Some("HEAD"), &author, &author, "Initial commit", &tree, &[])
        .map_err(git)?;
    Ok(())
}
