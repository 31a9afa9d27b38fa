//! Realistic Backstage templates run end to end by Greenroom and by the Nunjucks reference
//! runner: the generated trees must be identical byte for byte, and so must the outputs.

use greenroom_scaffolder::{Progress, RunOptions, StepStatus};
use serde_json::{Value, json};

use crate::support::{
    RecordingCatalog, assert_same_tree, load, run_greenroom, run_reference, snapshot,
};

fn compare(
    fixture: &str,
    values: Value,
) -> (
    greenroom_scaffolder::RunOutcome,
    Vec<Progress>,
    tempfile::TempDir,
) {
    let template = load(fixture);
    let dir = tempfile::tempdir().expect("temp dir");
    let target = dir.path().join("generated");
    let reference_dir = dir.path().join("reference");
    let catalog = RecordingCatalog::default();
    let (outcome, events) = run_greenroom(
        &template,
        &values,
        &target,
        &RunOptions::default(),
        &catalog,
    );
    let reference = run_reference(&template, &values, &reference_dir);
    assert_same_tree(&snapshot(&target), &snapshot(&reference_dir));

    let mut ours = Value::Object(outcome.output.raw.clone());
    let mut theirs = reference["output"].clone();
    for output in [&mut ours, &mut theirs] {
        strip_commit_hashes(output);
    }
    assert_eq!(ours, theirs, "rendered spec.output differs");
    (outcome, events, dir)
}

fn strip_commit_hashes(value: &mut Value) {
    if let Value::Object(map) = value {
        map.remove("commitHash");
        map.values_mut().for_each(strip_commit_hashes);
    } else if let Value::Array(items) = value {
        items.iter_mut().for_each(strip_commit_hashes);
    }
}

#[test]
fn python_service_matches_backstage_with_every_option() {
    let values = json!({
        "name": "payments-api",
        "description": "Handles \"payments\" & refunds: fast",
        "owner": "group:default/team-payments",
        "tags": ["python", "fastapi"],
        "repoUrl": "github.com?owner=acme&repo=payments-api",
    });
    let (outcome, events, dir) = compare("python-service", values);
    let target = dir.path().join("generated");

    // Templated folder names with a `/` make nested folders; the conditional file exists.
    assert!(target.join("src/acme/payments/app.py").is_file());
    assert!(target.join("Dockerfile").is_file());
    // GitHub Actions expressions survive copyWithoutTemplating.
    let ci = std::fs::read_to_string(target.join(".github/workflows/ci.yaml")).expect("ci");
    assert!(ci.contains("${{ secrets.PYPI_TOKEN }}") && ci.contains("${{ github.sha }}"));
    // The each step wrote one file per item.
    assert!(target.join("CHANGELOG.md").is_file() && target.join("CONTRIBUTING.md").is_file());

    // publish:github made a repository with Backstage's default author and the remote set.
    let repo = git2::Repository::open(&target).expect("a repository");
    let head = repo.head().expect("head");
    assert_eq!(head.shorthand().ok(), Some("main"));
    let commit = head.peel_to_commit().expect("commit");
    assert_eq!(commit.author().name().ok(), Some("Scaffolder"));
    assert_eq!(
        commit.author().email().ok(),
        Some("scaffolder@backstage.io")
    );
    assert_eq!(commit.message().ok(), Some("initial commit"));
    assert_eq!(
        repo.find_remote("origin").expect("origin").url().ok(),
        Some("https://github.com/acme/payments-api.git")
    );
    assert!(
        commit
            .tree()
            .expect("tree")
            .get_path(std::path::Path::new(".greenroom/answers.yaml"))
            .is_ok()
    );

    // The output links resolved from the publish and register outputs.
    let links: Vec<_> = outcome
        .output
        .links
        .iter()
        .map(|l| (l.title.clone(), l.url.clone(), l.entity_ref.clone()))
        .collect();
    assert_eq!(
        links,
        vec![
            (
                Some("Repository".into()),
                Some("https://github.com/acme/payments-api.git".into()),
                None
            ),
            (
                Some("Open in catalog".into()),
                None,
                Some("component:default/payments-api".into())
            ),
            (
                Some("Documentation".into()),
                Some("https://github.com/acme/payments-api/blob/main/docs-site".into()),
                None
            ),
        ]
    );
    assert_eq!(
        outcome.created_entities,
        vec!["component:default/generated".to_owned()]
    );

    let statuses: Vec<_> = outcome
        .steps
        .iter()
        .map(|s| (s.id.as_str(), s.status))
        .collect();
    assert!(statuses.contains(&("no-ci", StepStatus::SkippedCondition)));
    assert!(statuses.contains(&("docs", StepStatus::Completed)));
    assert!(
        events
            .iter()
            .any(|e| matches!(e, Progress::StepStarted { id, total: 9, .. } if id == "fetch"))
    );
    assert!(
        events
            .iter()
            .any(|e| matches!(e, Progress::Log { line, .. } if line.contains("Running step each")))
    );
}

#[test]
fn python_service_matches_backstage_with_options_off() {
    let values = json!({
        "name": "billing",
        "owner": "group:finance/billing-team",
        "tags": [],
        "docker": false,
        "enableDocs": false,
        "ci": "none",
        "port": 9000,
        "packagePath": "billing",
        "extraFiles": ["CHANGELOG.md"],
        "repoUrl": "github.com?owner=finance&repo=billing",
    });
    let (outcome, _, dir) = compare("python-service", values);
    let target = dir.path().join("generated");
    assert!(
        !target.join("Dockerfile").exists(),
        "an empty rendered name leaves the file out"
    );
    assert!(
        !target.join(".github/workflows/ci.yaml").exists(),
        "fs:delete removed the CI files"
    );
    assert!(!target.join("docs-site").exists());
    assert!(
        outcome
            .output
            .links
            .iter()
            .all(|l| l.title.as_deref() != Some("Documentation"))
    );
}

#[test]
fn older_fetch_options_match_backstage() {
    let (outcome, _, dir) = compare("legacy-options", json!({}));
    let target = dir.path().join("generated");
    let read =
        |p: &str| std::fs::read_to_string(target.join(p)).unwrap_or_else(|_| panic!("{p} exists"));
    // copyWithoutRender: neither the name nor the content of matched files is rendered.
    assert_eq!(
        read("legacy/static/${{ values.name }}.txt"),
        "Kept as written: ${{ values.name }}\n"
    );
    assert_eq!(
        read("legacy/widgets.txt"),
        "Library widgets\n",
        "the first writer wins without replace"
    );
    // templateFileExtension: only .njk files are rendered, and lose the suffix.
    assert_eq!(
        read("njk/notes-widgets.md"),
        "Not rendered: ${{ values.name }}\n"
    );
    assert_eq!(
        read("njk/widgets.md"),
        "Override for widgets\n",
        "replace: true overwrites"
    );
    assert!(read("cookiecutter/widgets/README.md").starts_with("# WIDGETS\n"));
    let catalog = read("catalog-info.yaml");
    assert!(
        catalog.contains("backstage.io/source-template: template:default/legacy-options"),
        "{catalog}"
    );
    assert!(
        std::fs::symlink_metadata(target.join("assets/link.txt"))
            .is_ok_and(|m| m.file_type().is_symlink())
    );
    assert_eq!(
        outcome.output.links[0].url.as_deref(),
        Some("https://gitlab.com/acme/widgets")
    );
    assert_eq!(
        outcome.output.links[1].entity_ref.as_deref(),
        Some("component:default/widgets")
    );
    let repo = git2::Repository::open(&target).expect("publish:gitlab made a repository");
    assert_eq!(repo.head().expect("head").shorthand().ok(), Some("master"));
}
