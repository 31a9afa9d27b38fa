//! Untrusted templates: whatever they try, nothing is written outside the chosen target, and
//! a failed run leaves nothing behind.

use std::fs;
use std::path::Path;

use greenroom_scaffolder::{ExistingTarget, OutputLimits, RunError, RunOptions, Template};
use serde_json::json;

use crate::support::RecordingCatalog;

/// Writes a template (template.yaml plus files) into `dir` and loads it.
pub fn template_in(dir: &Path, steps: &str, files: &[(&str, &str)]) -> Template {
    fs::create_dir_all(dir).expect("template dir");
    let yaml = format!(
        "apiVersion: scaffolder.backstage.io/v1beta3\nkind: Template\nmetadata:\n  name: probe\nspec:\n  owner: group:default/platform\n  type: service\n  parameters:\n    properties:\n      name:\n        type: string\n        default: demo\n      path:\n        type: string\n        default: demo\n  steps:\n{steps}"
    );
    fs::write(dir.join("template.yaml"), yaml).expect("template.yaml");
    for (path, content) in files {
        let file = dir.join(path);
        fs::create_dir_all(file.parent().expect("parent")).expect("dirs");
        fs::write(file, content).expect("file");
    }
    Template::load(&dir.join("template.yaml")).expect("template loads")
}

fn fetch_step(input: &str) -> String {
    format!(
        "    - id: fetch\n      action: fetch:template\n      input:\n        url: ./skeleton\n{input}"
    )
}

/// Runs and expects a refusal with nothing written: no target, no staging leftovers, and the
/// canary folder next to the target untouched.
fn assert_refused(
    template: &Template,
    values: serde_json::Value,
    options: &RunOptions,
    code: &str,
    words: &str,
) {
    let root = tempfile::tempdir().expect("temp dir");
    let target = root.path().join("out").join("project");
    let canary = root.path().join("out");
    fs::create_dir_all(&canary).expect("canary");
    let before: Vec<_> = fs::read_dir(&canary).expect("listing").collect();
    let catalog = RecordingCatalog::default();
    let sink = |_| {};
    let err = greenroom_scaffolder::run(template, &values, &target, options, Some(&catalog), &sink)
        .expect_err("the template must be refused");
    assert_eq!(err.code(), code, "{err}");
    assert!(
        err.to_string().contains(words),
        "message `{err}` should mention `{words}`"
    );
    assert!(!target.exists(), "nothing may be written to the target");
    let after: Vec<_> = fs::read_dir(&canary).expect("listing").collect();
    assert_eq!(
        before.len(),
        after.len(),
        "no staging folder may be left next to the target"
    );
    assert!(!root.path().join("evil.txt").exists() && !root.path().join("out/evil.txt").exists());
    assert!(catalog.registered.borrow().is_empty());
}

#[test]
fn traversal_absolute_paths_and_escaping_symlinks_are_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let options = RunOptions::default();
    let skeleton = [("skeleton/README.md", "hello ${{ values.name }}\n")];

    let t = template_in(
        &dir.path().join("t1"),
        &fetch_step("        targetPath: ../evil\n"),
        &skeleton,
    );
    assert_refused(
        &t,
        json!({}),
        &options,
        "unsafe-template",
        "outside the generated folder",
    );

    let t = template_in(
        &dir.path().join("t2"),
        &fetch_step("        targetPath: /tmp/greenroom-evil\n"),
        &skeleton,
    );
    assert_refused(&t, json!({}), &options, "unsafe-template", "absolute path");
    assert!(!Path::new("/tmp/greenroom-evil").exists());

    let t = template_in(
        &dir.path().join("t3"),
        &fetch_step("        values:\n          path: ${{ parameters.path }}\n"),
        &[("skeleton/${{ values.path }}.txt", "x")],
    );
    assert_refused(
        &t,
        json!({"path": "../../evil"}),
        &options,
        "unsafe-template",
        "outside the generated folder",
    );

    let t = template_in(&dir.path().join("t4"), &fetch_step(""), &skeleton);
    std::os::unix::fs::symlink("/etc/passwd", dir.path().join("t4/skeleton/passwd"))
        .expect("symlink");
    assert_refused(&t, json!({}), &options, "unsafe-template", "symlink");

    let t = template_in(&dir.path().join("t5"), &fetch_step(""), &skeleton);
    std::os::unix::fs::symlink("../../../../outside", dir.path().join("t5/skeleton/up"))
        .expect("symlink");
    assert_refused(&t, json!({}), &options, "unsafe-template", "symlink");

    let t = template_in(
        &dir.path().join("t6"),
        "    - id: fetch\n      action: fetch:template\n      input:\n        url: ../../../../../etc\n",
        &skeleton,
    );
    assert_refused(
        &t,
        json!({}),
        &options,
        "unsafe-template",
        "outside the template's repository",
    );

    let steps = format!(
        "{}    - id: move\n      action: fs:rename\n      input:\n        files:\n          - from: README.md\n            to: ../../evil.txt\n",
        fetch_step("")
    );
    let t = template_in(&dir.path().join("t7"), &steps, &skeleton);
    assert_refused(
        &t,
        json!({}),
        &options,
        "unsafe-template",
        "outside the generated folder",
    );

    let t = template_in(
        &dir.path().join("t8"),
        "    - id: write\n      action: catalog:write\n      input:\n        filePath: /tmp/greenroom-evil.yaml\n        entity:\n          metadata:\n            name: x\n",
        &skeleton,
    );
    assert_refused(&t, json!({}), &options, "unsafe-template", "absolute path");
}

#[test]
fn huge_output_is_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    // One file that renders far larger than the limit.
    let t = template_in(
        &dir.path().join("big"),
        &fetch_step(""),
        &[(
            "skeleton/big.txt",
            "{% for i in range(1000) %}{% for j in range(1000) %}0123456789abcdef{% endfor %}{% endfor %}",
        )],
    );
    let mut options = RunOptions::default();
    options.render_limits.max_output_bytes = 1024 * 1024;
    assert_refused(
        &t,
        json!({}),
        &options,
        "template-expression",
        "larger than",
    );

    // An endless loop runs out of fuel.
    let t = template_in(
        &dir.path().join("loop"),
        &fetch_step(""),
        &[(
            "skeleton/loop.txt",
            "{% for i in range(10000) %}{% for j in range(10000) %}{% endfor %}{% endfor %}",
        )],
    );
    assert_refused(
        &t,
        json!({}),
        &RunOptions::default(),
        "template-expression",
        "computation limit",
    );

    // Many files through `each`.
    let t = template_in(
        &dir.path().join("many"),
        "    - id: many\n      each: ${{ range(0, 500) }}\n      action: fetch:template:file\n      input:\n        url: ./skeleton/one.txt\n        targetPath: file-${{ each.value }}.txt\n",
        &[("skeleton/one.txt", "x")],
    );
    let options = RunOptions {
        limits: OutputLimits {
            max_entries: 100,
            ..OutputLimits::default()
        },
        ..RunOptions::default()
    };
    assert_refused(
        &t,
        json!({}),
        &options,
        "output-limit",
        "more than 100 files",
    );
}

#[test]
fn an_existing_folder_is_never_overwritten_without_asking() {
    let dir = tempfile::tempdir().expect("temp dir");
    let t = template_in(
        &dir.path().join("t"),
        &fetch_step("        values:\n          name: ${{ parameters.name }}\n"),
        &[("skeleton/README.md", "new ${{ values.name }}\n")],
    );
    let target = dir.path().join("existing");
    fs::create_dir_all(&target).expect("target");
    fs::write(target.join("README.md"), "mine\n").expect("file");
    fs::write(target.join("keep.txt"), "keep\n").expect("file");
    let sink = |_| {};
    let err =
        greenroom_scaffolder::run(&t, &json!({}), &target, &RunOptions::default(), None, &sink)
            .expect_err("a non-empty target is refused");
    assert!(matches!(err, RunError::TargetNotEmpty(_)), "{err}");
    assert_eq!(
        fs::read_to_string(target.join("README.md")).expect("kept"),
        "mine\n"
    );

    let merge = RunOptions {
        existing_target: ExistingTarget::Merge,
        ..RunOptions::default()
    };
    greenroom_scaffolder::run(&t, &json!({}), &target, &merge, None, &sink)
        .expect("merging was asked for");
    assert_eq!(
        fs::read_to_string(target.join("README.md")).expect("replaced"),
        "new demo\n"
    );
    assert_eq!(
        fs::read_to_string(target.join("keep.txt")).expect("kept"),
        "keep\n"
    );

    // A generated folder never replaces an existing file (nor a file a folder), even when
    // merging; nothing moves then.
    let clash = dir.path().join("clash");
    fs::create_dir_all(&clash).expect("clash");
    fs::write(clash.join("keep.txt"), "keep\n").expect("file");
    fs::write(clash.join("docs"), "a file\n").expect("file");
    let nested = template_in(
        &dir.path().join("nested"),
        &fetch_step(""),
        &[("skeleton/docs/index.md", "x"), ("skeleton/new.txt", "y")],
    );
    let err = greenroom_scaffolder::run(&nested, &json!({}), &clash, &merge, None, &sink)
        .expect_err("kinds clash");
    assert!(
        matches!(err, RunError::TargetNotEmpty(ref p) if p.ends_with("docs")),
        "{err}"
    );
    assert_eq!(
        fs::read_to_string(clash.join("docs")).expect("kept"),
        "a file\n"
    );
    assert!(!clash.join("new.txt").exists());

    // An empty folder is fine without asking.
    let empty = dir.path().join("empty");
    fs::create_dir_all(&empty).expect("empty");
    greenroom_scaffolder::run(&t, &json!({}), &empty, &RunOptions::default(), None, &sink)
        .expect("empty target");
    assert!(empty.join("README.md").is_file());
}

#[test]
fn values_are_checked_against_the_form() {
    let dir = tempfile::tempdir().expect("temp dir");
    let t = template_in(
        &dir.path().join("t"),
        &fetch_step(""),
        &[("skeleton/a.txt", "a")],
    );
    let sink = |_| {};
    let err = greenroom_scaffolder::run(
        &t,
        &json!({"name": 42}),
        &dir.path().join("out"),
        &RunOptions::default(),
        None,
        &sink,
    )
    .expect_err("a number is not a string");
    match err {
        RunError::InvalidValues(problems) => assert_eq!(problems[0].pointer, "/name"),
        other => panic!("unexpected {other}"),
    }
    assert!(!dir.path().join("out").exists());
}

#[test]
fn errors_name_the_template_file_and_line() {
    let dir = tempfile::tempdir().expect("temp dir");
    let sink = |_| {};
    // A filter from a Backstage plugin, on line 3 of a skeleton file.
    let t = template_in(
        &dir.path().join("filter"),
        &fetch_step("        values:\n          name: ${{ parameters.name }}\n"),
        &[(
            "skeleton/docs/page.md",
            "# Title\n\n${{ values.name | someVendorFilter }}\n",
        )],
    );
    let err = greenroom_scaffolder::run(
        &t,
        &json!({}),
        &dir.path().join("out1"),
        &RunOptions::default(),
        None,
        &sink,
    )
    .expect_err("unknown filter");
    let message = err.to_string();
    assert!(message.contains("skeleton/docs/page.md:3"), "{message}");
    assert!(
        message.contains("someVendorFilter") && message.contains("plugins"),
        "{message}"
    );

    // Nunjucks syntax Greenroom does not support, in template.yaml.
    let t = template_in(
        &dir.path().join("switch"),
        "    - id: log\n      action: debug:log\n      input:\n        message: '{% switch parameters.name %}{% case \"a\" %}${{ parameters.name }}{% endswitch %}'\n",
        &[],
    );
    let err = greenroom_scaffolder::run(
        &t,
        &json!({}),
        &dir.path().join("out2"),
        &RunOptions::default(),
        None,
        &sink,
    )
    .expect_err("switch is not supported");
    let message = err.to_string();
    assert!(message.contains("template.yaml:20"), "{message}");
    assert!(message.contains("switch"), "{message}");
}
