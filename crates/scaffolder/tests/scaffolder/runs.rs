//! Plans, dry runs, offline actions, secrets and pull requests.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::fs;

use greenroom_scaffolder::{PreviewKind, Progress, RunError, RunOptions, StepStatus};
use serde_json::json;

use crate::safety::template_in;
use crate::support::{RecordingCatalog, commit_all, load};

const OFFLINE_STEPS: &str = "    - id: fetch
      action: fetch:template
      input:
        url: ./skeleton
        values:
          name: ${{ parameters.name }}
    - id: remote
      action: fetch:plain
      input:
        url: https://github.com/acme/shared/tree/main/ci
        targetPath: ./ci
    - id: notify
      action: http:backstage:request
      input:
        method: POST
        path: /api/proxy/slack
    - id: argo
      action: argocd:create-resources
      input:
        appName: ${{ parameters.name }}
";

#[test]
fn offline_actions_stop_the_run_before_anything_is_written_unless_skipped() {
    let dir = tempfile::tempdir().expect("temp dir");
    let template = template_in(
        &dir.path().join("t"),
        OFFLINE_STEPS,
        &[("skeleton/README.md", "${{ values.name }}\n")],
    );
    let plan = greenroom_scaffolder::plan(&template, &json!({}), &RunOptions::default());
    let unavailable: Vec<_> = plan
        .steps
        .iter()
        .filter(|s| s.unavailable.is_some())
        .map(|s| s.id.as_str())
        .collect();
    assert_eq!(unavailable, ["remote", "notify", "argo"]);
    assert!(plan.problems.is_empty());

    let target = dir.path().join("out");
    let sink = |_| {};
    let err = greenroom_scaffolder::run(
        &template,
        &json!({}),
        &target,
        &RunOptions::default(),
        None,
        &sink,
    )
    .expect_err("offline actions stop the run");
    assert_eq!(err.code(), "not-available-offline");
    assert!(
        err.to_string().contains("http:backstage:request") && err.to_string().contains("skip"),
        "{err}"
    );
    assert!(!target.exists());

    let skip = RunOptions {
        skip_unavailable: true,
        ..RunOptions::default()
    };
    let outcome = greenroom_scaffolder::run(&template, &json!({}), &target, &skip, None, &sink)
        .expect("runs the rest");
    let skipped: Vec<_> = outcome
        .skipped_actions
        .iter()
        .map(|s| s.action.as_str())
        .collect();
    assert_eq!(
        skipped,
        [
            "fetch:plain",
            "http:backstage:request",
            "argocd:create-resources"
        ]
    );
    assert_eq!(outcome.steps[1].status, StepStatus::SkippedOffline);
    assert_eq!(
        fs::read_to_string(target.join("README.md")).expect("rendered"),
        "demo\n"
    );

    // A remote URL mapped to a local clone is no longer offline.
    let mirror = dir.path().join("mirror/ci");
    fs::create_dir_all(&mirror).expect("mirror");
    fs::write(mirror.join("build.yaml"), "steps: []\n").expect("file");
    let mapped = RunOptions {
        skip_unavailable: true,
        remote_sources: BTreeMap::from([(
            "https://github.com/acme/shared/tree/main/".to_owned(),
            dir.path().join("mirror"),
        )]),
        ..RunOptions::default()
    };
    let target = dir.path().join("mapped");
    let outcome = greenroom_scaffolder::run(&template, &json!({}), &target, &mapped, None, &sink)
        .expect("runs");
    assert_eq!(outcome.skipped_actions.len(), 2);
    assert_eq!(
        fs::read_to_string(target.join("ci/build.yaml")).expect("copied"),
        "steps: []\n"
    );
}

#[test]
fn a_dry_run_returns_the_files_and_writes_nothing() {
    let template = load("python-service");
    let values = json!({"name": "preview-me", "owner": "group:default/a", "repoUrl": "github.com?owner=a&repo=preview-me"});
    let events = RefCell::new(Vec::new());
    let sink = |e: Progress| events.borrow_mut().push(e);
    let dry = greenroom_scaffolder::dry_run(&template, &values, &RunOptions::default(), &sink)
        .expect("dry run");
    let file = |p: &str| {
        dry.files
            .iter()
            .find(|f| f.path == p)
            .unwrap_or_else(|| panic!("{p} in the preview"))
    };
    assert!(
        file("README.md")
            .content
            .as_deref()
            .is_some_and(|c| c.starts_with("# Preview Me\n"))
    );
    assert_eq!(file("assets/logo.png").kind, PreviewKind::Binary);
    assert!(file("scripts/dev.sh").executable);
    assert_eq!(
        file("README-link.md").link_target.as_deref(),
        Some("README.md")
    );
    assert!(
        file(".greenroom/answers.yaml")
            .content
            .as_deref()
            .is_some_and(|c| c.contains("name: preview-me"))
    );
    assert!(
        !dry.files
            .iter()
            .any(|f| f.path == ".git" || f.path.starts_with(".git/")),
        "no repository in a preview"
    );
    assert_eq!(
        dry.output.links[0].url.as_deref(),
        Some("https://github.com/a/preview-me.git")
    );
    assert!(
        events
            .borrow()
            .iter()
            .any(|e| matches!(e, Progress::StepFinished { id } if id == "publish"))
    );
}

#[test]
fn secrets_never_reach_logs_or_the_answers_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path().join("t");
    fs::create_dir_all(root.join("skeleton")).expect("dirs");
    fs::write(root.join("skeleton/README.md"), "${{ values.name }}\n").expect("file");
    fs::write(
        root.join("template.yaml"),
        r#"apiVersion: scaffolder.backstage.io/v1beta3
kind: Template
metadata:
  name: with-secrets
spec:
  owner: group:default/platform
  type: service
  parameters:
    - title: Secrets
      required: [name, dbPassword]
      properties:
        name:
          type: string
        dbPassword:
          type: string
          ui:widget: password
        apiToken:
          type: string
          ui:field: Secret
  steps:
    - id: fetch
      action: fetch:template
      input:
        url: ./skeleton
        values:
          name: ${{ parameters.name }}
    - id: log
      action: debug:log
      input:
        message: db=${{ parameters.dbPassword }} api=${{ secrets.apiToken }} task=${{ secrets.TASK_TOKEN }} seen=${{ secrets.apiToken | length }} masked=${{ parameters.apiToken }}
"#,
    )
    .expect("template");
    let template =
        greenroom_scaffolder::Template::load(&root.join("template.yaml")).expect("loads");
    let options = RunOptions {
        secrets: serde_json::Map::from_iter([("TASK_TOKEN".to_owned(), json!("tok-987654"))]),
        ..RunOptions::default()
    };
    let lines = RefCell::new(Vec::new());
    let sink = |e: Progress| {
        if let Progress::Log { line, .. } = e {
            lines.borrow_mut().push(line)
        }
    };
    let target = dir.path().join("out");
    let values = json!({"name": "svc", "dbPassword": "hunter2-pass", "apiToken": "sk-live-123456"});
    let outcome = greenroom_scaffolder::run(&template, &values, &target, &options, None, &sink)
        .expect("runs");
    let all_logs = format!("{}\n{:?}", lines.borrow().join("\n"), outcome);
    for secret in ["hunter2-pass", "sk-live-123456", "tok-987654"] {
        assert!(!all_logs.contains(secret), "{secret} leaked into the log");
    }
    assert!(
        lines
            .borrow()
            .iter()
            .any(|l| l == "db=*** api=*** task=*** seen=14 masked=**************"),
        "{:?}",
        lines.borrow()
    );
    let answers = fs::read_to_string(target.join(".greenroom/answers.yaml")).expect("answers");
    assert!(answers.contains("name: svc"));
    assert!(
        !answers.contains("hunter2")
            && !answers.contains("sk-live")
            && !answers.contains("dbPassword"),
        "{answers}"
    );
}

const PULL_REQUEST_STEPS: &str = "    - id: fetch
      action: fetch:template
      input:
        url: ./skeleton
        targetPath: ./change
        values:
          name: ${{ parameters.name }}
    - id: pr
      action: publish:github:pull-request
      input:
        repoUrl: github.com?owner=acme&repo=infra
        branchName: add-${{ parameters.name }}
        title: Add ${{ parameters.name }}
        sourcePath: ./change
        targetPath: services/${{ parameters.name }}
";

#[test]
fn pull_requests_commit_on_a_branch_of_a_local_clone_or_leave_a_patch() {
    let dir = tempfile::tempdir().expect("temp dir");
    let template = template_in(
        &dir.path().join("t"),
        PULL_REQUEST_STEPS,
        &[("skeleton/deploy.yaml", "service: ${{ values.name }}\n")],
    );
    // A clone of acme/infra with one commit on main.
    let clone = dir.path().join("infra");
    let repo = git2::Repository::init(&clone).expect("clone");
    fs::write(clone.join("README.md"), "infra\n").expect("file");
    commit_all(&repo, "init");
    let base = repo
        .head()
        .expect("head")
        .peel_to_commit()
        .expect("commit")
        .id();

    let options = RunOptions {
        local_clones: BTreeMap::from([("github.com/acme/infra".to_owned(), clone.clone())]),
        ..RunOptions::default()
    };
    let sink = |_| {};
    let outcome = greenroom_scaffolder::run(
        &template,
        &json!({"name": "api"}),
        &dir.path().join("out"),
        &options,
        None,
        &sink,
    )
    .expect("runs");
    assert!(outcome.warnings.is_empty(), "{:?}", outcome.warnings);
    let branch = repo
        .find_branch("add-api", git2::BranchType::Local)
        .expect("the branch exists");
    let commit = branch.get().peel_to_commit().expect("commit");
    assert_eq!(commit.parent_id(0).expect("parent"), base);
    assert_eq!(commit.author().name().ok(), Some("Scaffolder"));
    let blob = commit
        .tree()
        .expect("tree")
        .get_path(std::path::Path::new("services/api/deploy.yaml"))
        .expect("file committed");
    assert_eq!(
        repo.find_blob(blob.id()).expect("blob").content(),
        b"service: api\n"
    );
    assert!(
        !clone.join("services").exists(),
        "the clone's working tree is left alone"
    );
    assert_eq!(
        repo.head().expect("head").peel_to_commit().expect("c").id(),
        base
    );

    // Without a clone: a patch in the generated folder.
    let out = dir.path().join("patch");
    greenroom_scaffolder::run(
        &template,
        &json!({"name": "web"}),
        &out,
        &RunOptions::default(),
        None,
        &sink,
    )
    .expect("runs");
    let patch = fs::read_to_string(out.join(".greenroom/pr.patch")).expect("patch written");
    assert!(
        patch.contains("+++ b/services/web/deploy.yaml") && patch.contains("+service: web"),
        "{patch}"
    );
    assert!(
        out.join("change/deploy.yaml").is_file(),
        "the files stay too"
    );
}

#[test]
fn registration_happens_after_the_folder_is_in_place() {
    let template = load("python-service");
    let dir = tempfile::tempdir().expect("temp dir");
    let target = dir.path().join("svc");
    let catalog = RecordingCatalog::default();
    let values = json!({"name": "svc", "owner": "group:default/a", "repoUrl": "github.com?owner=a&repo=svc"});
    let sink = |_| {};
    greenroom_scaffolder::run(
        &template,
        &values,
        &target,
        &RunOptions::default(),
        Some(&catalog),
        &sink,
    )
    .expect("runs");
    let registered = catalog.registered.borrow();
    assert_eq!(registered.len(), 1);
    assert_eq!(registered[0].0, target.join("catalog-info.yaml"));
    assert_eq!(
        registered[0].1,
        "https://github.com/a/svc/blob/main/catalog-info.yaml"
    );
    let err = greenroom_scaffolder::run(
        &template,
        &values,
        &target,
        &RunOptions::default(),
        None,
        &sink,
    )
    .expect_err("second run into the same folder is refused");
    assert!(matches!(err, RunError::TargetNotEmpty(_)));
}

#[test]
fn a_cancelled_run_writes_nothing() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};

    let template = load("python-service");
    let dir = tempfile::tempdir().expect("temp dir");
    let target = dir.path().join("svc");
    let cancel = Arc::new(AtomicBool::new(false));
    let options = RunOptions {
        cancel: Some(cancel.clone()),
        ..RunOptions::default()
    };
    // Cancel as soon as the second step starts.
    let sink = |e: Progress| {
        if matches!(e, Progress::StepStarted { index: 1, .. }) {
            cancel.store(true, Ordering::Relaxed);
        }
    };
    let values = json!({"name": "svc", "owner": "group:default/a", "repoUrl": "github.com?owner=a&repo=svc"});
    let err = greenroom_scaffolder::run(&template, &values, &target, &options, None, &sink)
        .expect_err("cancelled");
    assert!(matches!(err, RunError::Cancelled), "{err}");
    assert!(!target.exists());
    assert_eq!(
        fs::read_dir(dir.path()).expect("listing").count(),
        0,
        "no staging folder left"
    );
}
