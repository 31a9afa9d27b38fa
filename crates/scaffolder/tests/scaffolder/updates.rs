//! `update`: a newer template version merged into a generated project through Git.

use std::fs;
use std::path::Path;

use greenroom_scaffolder::{RunOptions, Template, UpdateOptions};
use serde_json::json;

use crate::support::commit_all;

const TEMPLATE: &str = "apiVersion: scaffolder.backstage.io/v1beta3
kind: Template
metadata:
  name: service
spec:
  owner: group:default/platform
  type: service
  parameters:
    - properties:
        name:
          type: string
        token:
          type: string
          ui:widget: password
  steps:
    - id: fetch
      action: fetch:template
      input:
        url: ./skeleton
        values:
          name: ${{ parameters.name }}
    - id: publish
      action: publish:github
      input:
        repoUrl: github.com?owner=acme&repo=${{ parameters.name }}
";

const README_V1: &str =
    "# ${{ values.name }}\n\nline 2\nline 3: about ${{ values.name }}\nline 4\n";

fn write(dir: &Path, files: &[(&str, &str)]) {
    for (path, content) in files {
        let file = dir.join(path);
        fs::create_dir_all(file.parent().expect("parent")).expect("dirs");
        fs::write(file, content).expect("write");
    }
}

/// A template repository at version 1, a project generated from it and committed by its user.
fn generated(dir: &Path) -> (git2::Repository, std::path::PathBuf) {
    let templates = dir.join("templates");
    let repo = git2::Repository::init(&templates).expect("template repo");
    write(
        &templates,
        &[
            ("service/template.yaml", TEMPLATE),
            ("service/skeleton/README.md", README_V1),
            (
                "service/skeleton/config.yaml",
                "port: 8080\nname: ${{ values.name }}\n",
            ),
            ("service/skeleton/old.txt", "to be removed\n"),
        ],
    );
    commit_all(&repo, "v1");
    let template = Template::load(&templates.join("service/template.yaml")).expect("v1 loads");
    let project = dir.join("project");
    let sink = |_| {};
    let values = json!({"name": "orders", "token": "s3cr3t-value"});
    greenroom_scaffolder::run(
        &template,
        &values,
        &project,
        &RunOptions::default(),
        None,
        &sink,
    )
    .expect("generated");
    let answers = fs::read_to_string(project.join(".greenroom/answers.yaml")).expect("answers");
    assert!(
        answers.contains("templateRef: template:default/service")
            && answers.contains("pathInRepo: service")
    );
    assert!(
        !answers.contains("s3cr3t"),
        "secrets stay out of the answers"
    );
    (repo, project)
}

#[test]
fn an_update_merges_cleanly_when_the_user_changed_other_files() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (templates_repo, project) = generated(dir.path());
    // The user edits the README and adds a file.
    let project_repo = git2::Repository::open(&project).expect("project repo");
    let readme = fs::read_to_string(project.join("README.md")).expect("readme");
    write(
        &project,
        &[
            ("README.md", &format!("{readme}\nOur notes.\n")),
            ("src/main.py", "print('hi')\n"),
        ],
    );
    commit_all(&project_repo, "user work");
    // Version 2 changes config.yaml, adds a file and removes one.
    let templates = dir.path().join("templates");
    write(
        &templates,
        &[
            (
                "service/skeleton/config.yaml",
                "port: 9090\nname: ${{ values.name }}\nreplicas: 2\n",
            ),
            (
                "service/skeleton/NEW.md",
                "New in v2 for ${{ values.name }}\n",
            ),
        ],
    );
    fs::remove_file(templates.join("service/skeleton/old.txt")).expect("remove");
    commit_all(&templates_repo, "v2");
    let v2 = Template::load(&templates.join("service/template.yaml")).expect("v2 loads");

    let outcome =
        greenroom_scaffolder::update(&project, &v2, &UpdateOptions::default()).expect("updates");
    assert!(outcome.conflicts.is_empty(), "{:?}", outcome.conflicts);
    assert_eq!(
        fs::read_to_string(project.join("config.yaml")).expect("config"),
        "port: 9090\nname: orders\nreplicas: 2\n"
    );
    assert_eq!(
        fs::read_to_string(project.join("NEW.md")).expect("new"),
        "New in v2 for orders\n"
    );
    assert!(!project.join("old.txt").exists());
    assert!(
        fs::read_to_string(project.join("README.md"))
            .expect("readme")
            .ends_with("Our notes.\n")
    );
    assert!(project.join("src/main.py").is_file());
    assert!(outcome.updated.contains(&"config.yaml".to_owned()));
    assert!(outcome.added.contains(&"NEW.md".to_owned()));
    assert_eq!(outcome.deleted, vec!["old.txt".to_owned()]);
    // The answers now name version 2.
    let answers = greenroom_scaffolder::read_answers(&project).expect("answers");
    assert_eq!(answers.version.commit, v2.version.commit);
    // Nothing was committed: the user reviews the change.
    assert!(
        project_repo
            .statuses(None)
            .expect("status")
            .iter()
            .any(|s| s.path().ok() == Some("config.yaml"))
    );

    // Updating again to the same version changes nothing.
    commit_all(&project_repo, "update to v2");
    let again =
        greenroom_scaffolder::update(&project, &v2, &UpdateOptions::default()).expect("no-op");
    assert!(again.up_to_date);
}

#[test]
fn an_update_leaves_conflict_markers_where_both_sides_changed_a_line() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (templates_repo, project) = generated(dir.path());
    let project_repo = git2::Repository::open(&project).expect("project repo");
    let readme = fs::read_to_string(project.join("README.md")).expect("readme");
    write(
        &project,
        &[(
            "README.md",
            &readme.replace("line 3: about orders", "line 3: our own words"),
        )],
    );
    commit_all(&project_repo, "user edits line 3");
    let templates = dir.path().join("templates");
    write(
        &templates,
        &[(
            "service/skeleton/README.md",
            &README_V1.replace("line 3: about", "line 3: all about"),
        )],
    );
    commit_all(&templates_repo, "v2");
    let v2 = Template::load(&templates.join("service/template.yaml")).expect("v2 loads");

    // A dirty project is refused first.
    fs::write(project.join("scratch.txt"), "wip").expect("write");
    let err =
        greenroom_scaffolder::update(&project, &v2, &UpdateOptions::default()).expect_err("dirty");
    assert!(err.to_string().contains("uncommitted changes"), "{err}");
    fs::remove_file(project.join("scratch.txt")).expect("remove");

    let outcome =
        greenroom_scaffolder::update(&project, &v2, &UpdateOptions::default()).expect("updates");
    assert_eq!(outcome.conflicts.len(), 1, "{outcome:?}");
    assert_eq!(outcome.conflicts[0].path, "README.md");
    let merged = fs::read_to_string(project.join("README.md")).expect("readme");
    assert!(
        merged.contains("<<<<<<< project\nline 3: our own words\n"),
        "{merged}"
    );
    assert!(
        merged.contains("=======\nline 3: all about orders\n>>>>>>> template (new)"),
        "{merged}"
    );
}

#[test]
fn a_template_without_history_updates_from_the_recorded_render() {
    let dir = tempfile::tempdir().expect("temp dir");
    // Like a built-in template: a plain folder, not a repository.
    let templates = dir.path().join("builtin");
    write(
        &templates,
        &[
            ("service/template.yaml", TEMPLATE),
            ("service/skeleton/README.md", README_V1),
            ("service/skeleton/config.yaml", "port: 8080\n"),
        ],
    );
    let v1 = Template::load(&templates.join("service/template.yaml")).expect("loads");
    assert!(v1.version.commit.is_none());
    let project = dir.path().join("project");
    let sink = |_| {};
    greenroom_scaffolder::run(
        &v1,
        &json!({"name": "web"}),
        &project,
        &RunOptions::default(),
        None,
        &sink,
    )
    .expect("generated");
    let project_repo = git2::Repository::open(&project).expect("publish made a repository");
    assert!(
        project_repo
            .find_reference("refs/greenroom/render/_root")
            .is_ok(),
        "the render is recorded"
    );
    write(&project, &[("notes.md", "mine\n")]);
    commit_all(&project_repo, "notes");

    write(
        &templates,
        &[("service/skeleton/config.yaml", "port: 8081\n")],
    );
    let v2 = Template::load(&templates.join("service/template.yaml")).expect("loads");
    assert_ne!(v1.version.content_hash, v2.version.content_hash);
    let outcome =
        greenroom_scaffolder::update(&project, &v2, &UpdateOptions::default()).expect("updates");
    assert!(outcome.conflicts.is_empty(), "{outcome:?}");
    assert_eq!(
        outcome
            .updated
            .iter()
            .filter(|p| *p != ".greenroom/answers.yaml")
            .collect::<Vec<_>>(),
        vec!["config.yaml"]
    );
    assert_eq!(
        fs::read_to_string(project.join("config.yaml")).expect("config"),
        "port: 8081\n"
    );
    assert!(project.join("notes.md").is_file());
}
