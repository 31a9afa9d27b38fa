use crate::{Env, component, text, write};

#[test]
fn valid_files_pass_and_invalid_ones_fail_with_positions() {
    let env = Env::new();
    let dir = env.dir.path().join("plain"); // Not a Git repository.
    write(&dir, "ok/catalog-info.yaml", component("fine", ""));
    let valid = env.run(&[
        "validate",
        dir.join("ok/catalog-info.yaml").to_str().expect("utf-8"),
    ]);
    assert_eq!(valid.status.code(), Some(0), "{}", text(&valid.stdout));
    assert!(text(&valid.stdout).contains("1 files, 1 entities: valid"));

    write(
        &dir,
        "bad/catalog-info.yaml",
        component("Not Fine", "").replace("  owner: team-a\n", ""),
    );
    let invalid = env.run(&["validate", dir.to_str().expect("utf-8")]);
    assert_eq!(invalid.status.code(), Some(1));
    let out = text(&invalid.stdout);
    assert!(out.contains("bad/catalog-info.yaml:4:9: error (document 1): metadata.name: `Not Fine` is not a valid name"), "{out}");
    assert!(
        out.contains("spec.owner is required for a Component"),
        "{out}"
    );
    assert!(
        out.contains("2 files, 1 entities: INVALID (2 errors, 0 warnings)"),
        "{out}"
    );

    let github = text(
        &env.run(&[
            "validate",
            "--format",
            "github",
            dir.to_str().expect("utf-8"),
        ])
        .stdout,
    );
    assert!(
        github.lines().any(|l| l.starts_with("::error file=")
            && l.contains(",line=4,col=9,title=invalid-name::metadata.name%3A")
            || l.starts_with("::error file=")
                && l.contains("line=4,col=9,title=invalid-name::metadata.name: ")),
        "{github}"
    );

    let json = env.run(&["validate", "--format", "json", dir.to_str().expect("utf-8")]);
    let report: serde_json::Value = serde_json::from_slice(&json.stdout).expect("json");
    assert_eq!(report["errors"], 2);
    assert_eq!(report["files"].as_array().map(Vec::len), Some(2));
}

#[test]
fn warnings_fail_only_when_strict_and_unreadable_paths_exit_2() {
    let env = Env::new();
    let dir = env.dir.path().join("w");
    write(
        &dir,
        "catalog-info.yaml",
        component("typo", "  dependOn: [component:x]\n"),
    );
    let lenient = env.run(&["validate", dir.to_str().expect("utf-8")]);
    assert_eq!(lenient.status.code(), Some(0));
    assert!(text(&lenient.stdout).contains("did you mean `dependsOn`"));
    assert_eq!(
        env.run(&["validate", "--strict", dir.to_str().expect("utf-8")])
            .status
            .code(),
        Some(1)
    );

    let missing = env.run(&["validate", dir.join("nope.yaml").to_str().expect("utf-8")]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(text(&missing.stderr).contains("does not exist"));
    assert_eq!(
        env.run(&["validate"]).status.code(),
        Some(2),
        "usage errors exit 2"
    );
}

#[test]
fn locations_are_followed_within_the_folder() {
    let env = Env::new();
    let dir = env.dir.path().join("mono");
    write(
        &dir,
        "catalog-info.yaml",
        "apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata:\n  name: all\nspec:\n  targets: [./services/*/service.yaml, ../outside.yaml]\n",
    );
    write(&dir, "services/a/service.yaml", component("a", ""));
    write(
        &dir,
        "services/b/service.yaml",
        component("b", "").replace("kind: Component", "kind: Componnet"),
    );
    let out = env.run(&[
        "validate",
        dir.join("catalog-info.yaml").to_str().expect("utf-8"),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains(
            "services/b/service.yaml:2:7: error (document 1): kind: unknown kind `Componnet`"
        ),
        "{stdout}"
    );
    assert!(stdout.contains("points outside the repository"), "{stdout}");
    assert!(stdout.contains("3 files, 2 entities"), "{stdout}");
}
