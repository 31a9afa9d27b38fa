//! The built-in golden paths generate projects that build and pass their own tests.
//!
//! The Rust build reuses a Cargo target folder and the npm builds an npm cache under
//! /var/tmp/greenroom-test-deps/scaffolder (made by tests/prepare.sh), so repeated runs are
//! quick. Each test prints how long generation and the build took.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use greenroom_catalog::rules::validate_document;
use greenroom_scaffolder::{FieldWidget, RunOptions, Template, builtin_dir, load_builtin};
use greenroom_yaml::{Limits, parse_single};
use serde_json::json;

const DEPS: &str = "/var/tmp/greenroom-test-deps/scaffolder";

fn builtin(name: &str) -> Template {
    let report = load_builtin(&builtin_dir());
    assert!(
        report.problems.is_empty(),
        "built-in templates load: {:?}",
        report.problems
    );
    report
        .templates
        .into_iter()
        .find(|t| t.entity.metadata.name == name)
        .unwrap_or_else(|| panic!("built-in template {name}"))
}

fn deps_dir(sub: &str) -> PathBuf {
    let dir = Path::new(DEPS).join(sub);
    assert!(
        Path::new(DEPS).is_dir(),
        "{DEPS} is missing: run crates/scaffolder/tests/prepare.sh"
    );
    fs::create_dir_all(&dir).expect("cache dir");
    dir
}

/// Generates a built-in template into a fresh folder and checks what every golden path
/// promises: a valid catalog entry with owner and system, TechDocs, a README, CI whose
/// `${{ secrets.X }}` survived, and nothing left unrendered.
fn generate(name: &str, extra: serde_json::Value) -> (tempfile::TempDir, PathBuf) {
    let template = builtin(name);
    let dir = tempfile::tempdir().expect("temp dir");
    let project = dir.path().join(format!("golden-{name}"));
    let mut values = json!({
        "name": format!("golden-{name}"),
        "owner": "group:default/platform",
        "system": "system:default/developer-portal",
        "repoUrl": format!("github.com?owner=acme&repo=golden-{name}"),
    });
    for (k, v) in extra.as_object().expect("object") {
        values[k] = v.clone();
    }
    let started = Instant::now();
    let sink = |_| {};
    greenroom_scaffolder::run(
        &template,
        &values,
        &project,
        &RunOptions::default(),
        None,
        &sink,
    )
    .unwrap_or_else(|e| panic!("{name} generates: {e}"));
    eprintln!("{name}: generated in {:?}", started.elapsed());

    let catalog = fs::read_to_string(project.join("catalog-info.yaml")).expect("catalog-info.yaml");
    let node = parse_single(&catalog, &Limits::default()).expect("catalog-info.yaml parses");
    let verdict = validate_document(&node);
    let entity = verdict.entity.unwrap_or_else(|| {
        panic!(
            "catalog-info.yaml is valid: {:?}\n{catalog}",
            verdict.problems
        )
    });
    assert_eq!(entity.spec["owner"], "group:default/platform");
    assert_eq!(entity.spec["system"], "system:default/developer-portal");
    assert_eq!(
        entity
            .metadata
            .annotations
            .get("backstage.io/techdocs-ref")
            .map(String::as_str),
        Some("dir:.")
    );

    let mkdocs = fs::read_to_string(project.join("mkdocs.yml")).expect("mkdocs.yml");
    let mkdocs = parse_single(&mkdocs, &Limits::default())
        .expect("mkdocs.yml parses")
        .to_json();
    let pages: Vec<String> = mkdocs["nav"]
        .as_array()
        .expect("nav")
        .iter()
        .flat_map(|item| {
            item.as_object()
                .expect("nav item")
                .values()
                .filter_map(|v| v.as_str().map(str::to_owned))
        })
        .collect();
    assert!(pages.len() >= 2, "{pages:?}");
    for page in pages {
        assert!(
            project.join("docs").join(&page).is_file(),
            "docs/{page} exists"
        );
    }
    assert!(project.join("README.md").is_file());

    let workflows: Vec<_> = fs::read_dir(project.join(".github/workflows"))
        .expect("workflows")
        .collect();
    assert!(!workflows.is_empty());
    for workflow in workflows {
        let text = fs::read_to_string(workflow.expect("entry").path()).expect("workflow");
        assert!(
            text.contains("${{ secrets."),
            "GitHub Actions secrets are kept:\n{text}"
        );
    }
    for file in walk(&project) {
        if file
            .components()
            .any(|c| c.as_os_str() == ".git" || c.as_os_str() == ".github")
        {
            continue;
        }
        let text = fs::read_to_string(&file).unwrap_or_default();
        assert!(
            !text.contains("${{") && !text.contains("{%"),
            "{} has unrendered template text",
            file.display()
        );
    }
    assert!(
        git2::Repository::open(&project).is_ok(),
        "publish:github made a repository"
    );
    (dir, project)
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in fs::read_dir(dir).expect("readable") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

fn run(project: &Path, program: &str, args: &[&str], envs: &[(&str, &Path)]) {
    let started = Instant::now();
    let output = Command::new(program)
        .args(args)
        .envs(envs.iter().map(|(k, v)| (*k, v.as_os_str())))
        .current_dir(project)
        .output()
        .unwrap_or_else(|e| panic!("{program} runs ({e}); run crates/scaffolder/tests/prepare.sh"));
    eprintln!(
        "{}: `{program} {}` took {:?}",
        project.display(),
        args.join(" "),
        started.elapsed()
    );
    assert!(
        output.status.success(),
        "`{program} {}` failed in the generated project:\n{}\n{}",
        args.join(" "),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Installs exactly the locked packages, from the shared cache when it has them.
fn npm_ci(project: &Path) {
    let cache = deps_dir("npm-cache");
    let cache = cache.to_string_lossy();
    run(
        project,
        "npm",
        &[
            "ci",
            "--prefer-offline",
            "--no-audit",
            "--no-fund",
            "--cache",
            &cache,
        ],
        &[],
    );
}

#[test]
fn built_in_templates_load_with_their_pickers() {
    let report = load_builtin(&builtin_dir());
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    let names: Vec<_> = report
        .templates
        .iter()
        .map(|t| t.entity.metadata.name.as_str())
        .collect();
    assert_eq!(
        names,
        [
            "docs-site",
            "react-webapp",
            "rust-service",
            "typescript-library"
        ]
    );
    for template in &report.templates {
        let summary = template.summary();
        assert!(summary.description.is_some() && summary.tags.contains(&"recommended".to_owned()));
        assert!(matches!(
            summary.source,
            greenroom_scaffolder::TemplateSource::Builtin { .. }
        ));
        let widgets: Vec<_> = template.form.fields().map(|f| f.widget.clone()).collect();
        for wanted in [
            FieldWidget::OwnerPicker,
            FieldWidget::EntityPicker,
            FieldWidget::RepoUrlPicker,
        ] {
            assert!(
                widgets.contains(&wanted),
                "{} asks for {wanted:?}",
                summary.name
            );
        }
        let owner = template
            .form
            .fields()
            .find(|f| f.widget == FieldWidget::OwnerPicker)
            .expect("owner");
        assert!(owner.options["catalogFilter"]["kind"].is_array());
        assert!(
            template.warnings.is_empty(),
            "{}: {:?}",
            summary.name,
            template.warnings
        );
    }
}

#[test]
fn rust_service_passes_its_tests_as_generated() {
    let (_dir, project) = generate("rust-service", json!({"port": 8123}));
    let lib = fs::read_to_string(project.join("src/lib.rs")).expect("lib.rs");
    assert!(lib.contains("pub const DEFAULT_PORT: u16 = 8123;"));
    let target = deps_dir("cargo-target");
    run(
        &project,
        "cargo",
        &["test", "--locked", "--quiet"],
        &[("CARGO_TARGET_DIR", &target)],
    );
}

#[test]
fn typescript_library_builds_and_passes_its_tests() {
    let (_dir, project) = generate("typescript-library", json!({}));
    npm_ci(&project);
    run(&project, "npm", &["test"], &[]);
    run(&project, "npm", &["run", "build"], &[]);
    assert!(project.join("dist/index.d.ts").is_file());
}

#[test]
fn react_webapp_builds_and_passes_its_tests() {
    let (_dir, project) = generate("react-webapp", json!({"title": "Golden \"app\""}));
    npm_ci(&project);
    run(&project, "npm", &["test"], &[]);
    run(&project, "npm", &["run", "build"], &[]);
    let html = fs::read_to_string(project.join("dist/index.html")).expect("built");
    assert!(html.contains("<title>Golden \"app\"</title>"));
}

#[test]
fn docs_site_has_its_pages_and_a_valid_descriptor() {
    let (_dir, project) = generate(
        "docs-site",
        json!({"sections": ["Getting started", "Runbooks"]}),
    );
    assert!(project.join("docs/getting-started.md").is_file());
    assert!(project.join("docs/runbooks.md").is_file());
    assert!(!project.join("docs/architecture.md").exists());
    let index = fs::read_to_string(project.join("docs/index.md")).expect("index");
    assert!(index.contains("- [Runbooks](runbooks.md)"), "{index}");
}
