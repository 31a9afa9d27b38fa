//! Reading descriptor files from real folders: multi-document files, placeholders,
//! Locations, and hostile input.

use std::fs;
use std::path::Path;

use greenroom_catalog::descriptor::{FileError, RepoFiles};
use greenroom_catalog::{DescriptorFile, Severity, WorkingTree, read_descriptor, read_tree};

fn write(root: &Path, path: &str, content: impl AsRef<[u8]>) {
    let full = root.join(path);
    fs::create_dir_all(full.parent().expect("parent")).expect("mkdir");
    fs::write(full, content).expect("write");
}

fn component(name: &str) -> String {
    format!(
        "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: {name}\nspec:\n  type: service\n  lifecycle: production\n  owner: team-a\n"
    )
}

fn codes(file: &DescriptorFile) -> Vec<(Option<usize>, String, Severity)> {
    file.problems
        .iter()
        .map(|p| (p.document, p.problem.code.clone(), p.problem.severity))
        .collect()
}

fn names(file: &DescriptorFile) -> Vec<String> {
    file.entities
        .iter()
        .map(|e| e.entity.metadata.name.clone())
        .collect()
}

#[test]
fn a_broken_document_does_not_sink_its_siblings() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = format!(
        "{}---\nkind: [unclosed\n---\n{}---\n{}",
        component("a"),
        component("b"),
        component("Not Valid")
    );
    write(dir.path(), "catalog-info.yaml", text);
    let tree = WorkingTree::new(dir.path()).expect("tree");
    let file = read_descriptor(&tree, "catalog-info.yaml").expect("readable");
    assert_eq!(names(&file), ["a", "b"]);
    let problems = codes(&file);
    assert_eq!(
        problems[0],
        (Some(1), "yaml-syntax".into(), Severity::Error)
    );
    assert_eq!(
        problems[1],
        (Some(3), "invalid-name".into(), Severity::Error)
    );
    let bad_name = &file.problems[1];
    assert_eq!(bad_name.problem.line, Some(24));
    assert_eq!(
        bad_name.entity_ref.as_deref(),
        Some("component:default/not valid")
    );
    assert_eq!(file.entities[1].line, 12);
}

#[test]
fn placeholders_read_files_of_the_same_repository_only() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    write(root, "api/openapi.yaml", "openapi: 3.0.0\n");
    write(root, "api/meta.json", r#"{"team": "payments"}"#);
    write(
        root,
        "shared/links.yaml",
        "- url: https://example.com\n  title: Home\n",
    );
    let api = |name: &str, definition: &str| {
        format!(
            "apiVersion: backstage.io/v1alpha1\nkind: API\nmetadata:\n  name: {name}\nspec:\n  type: openapi\n  lifecycle: production\n  owner: team-a\n  definition:\n    {definition}\n"
        )
    };
    let text = [
        api("text", "$text: ./openapi.yaml"),
        api("rooted", "$text: /api/openapi.yaml"),
        api("remote", "$text: https://example.com/openapi.yaml"),
        api("missing", "$text: ./nope.yaml"),
        api("escape", "$text: ../../etc/passwd"),
        "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: json\n  links:\n    $yaml: ../shared/links.yaml\n  annotations:\n    x.io/meta: {}\nspec:\n  type: service\n  lifecycle: production\n  owner:\n    $json: ./meta.json\n".to_owned(),
    ]
    .join("---\n");
    write(root, "api/catalog-info.yaml", text);
    let tree = WorkingTree::new(root).expect("tree");
    let file = read_descriptor(&tree, "api/catalog-info.yaml").expect("readable");
    assert_eq!(names(&file), ["text", "rooted", "remote"]);
    assert_eq!(
        file.entities[0].entity.spec_str("definition"),
        Some("openapi: 3.0.0\n")
    );
    assert_eq!(
        file.entities[1].entity.spec_str("definition"),
        Some("openapi: 3.0.0\n")
    );
    let problems = codes(&file);
    assert!(
        problems.contains(&(Some(2), "placeholder-offline".into(), Severity::Warning)),
        "{problems:?}"
    );
    assert!(
        problems.contains(&(Some(3), "placeholder-missing".into(), Severity::Error)),
        "{problems:?}"
    );
    assert!(
        problems.contains(&(Some(4), "placeholder-escape".into(), Severity::Error)),
        "{problems:?}"
    );
    // $json gave an object where the owner must be a string; $yaml gave valid links.
    assert!(
        problems
            .iter()
            .any(|p| p.0 == Some(5) && p.1 == "wrong-type"),
        "{problems:?}"
    );
    assert!(
        !problems
            .iter()
            .any(|p| p.0 == Some(5) && p.1 == "placeholder-invalid")
    );
}

#[test]
fn placeholder_changes_change_the_files_hash() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "c.yaml",
        "apiVersion: backstage.io/v1alpha1\nkind: API\nmetadata:\n  name: a\nspec:\n  type: openapi\n  lifecycle: production\n  owner: t\n  definition:\n    $text: ./def.yaml\n",
    );
    write(dir.path(), "def.yaml", "one");
    let tree = WorkingTree::new(dir.path()).expect("tree");
    let before = read_descriptor(&tree, "c.yaml").expect("read").content_hash;
    write(dir.path(), "def.yaml", "two");
    assert_ne!(
        before,
        read_descriptor(&tree, "c.yaml").expect("read").content_hash
    );
}

#[test]
fn locations_lead_to_more_files_and_cycles_are_reported() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    let location = |name: &str, targets: &[&str], extra: &str| {
        let list: String = targets.iter().map(|t| format!("    - {t}\n")).collect();
        format!(
            "apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata:\n  name: {name}\nspec:\n  targets:\n{list}{extra}"
        )
    };
    write(
        root,
        "catalog-info.yaml",
        location(
            "root",
            &[
                "./services/*/catalog-info.yaml",
                "./teams.yaml",
                "./gone.yaml",
                "../outside.yaml",
                "https://example.com/x.yaml",
            ],
            "",
        ),
    );
    write(root, "services/a/catalog-info.yaml", component("a"));
    write(root, "services/b/catalog-info.yaml", component("b"));
    write(root, "services/b/other.yaml", component("ignored"));
    write(
        root,
        "teams.yaml",
        location(
            "teams",
            &["./catalog-info.yaml", "./maybe.yaml"],
            "  presence: optional\n",
        ),
    );
    let tree = WorkingTree::new(root).expect("tree");
    let files = read_tree(&tree, &["catalog-info.yaml".to_owned()]);
    let paths: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "catalog-info.yaml",
            "services/a/catalog-info.yaml",
            "services/b/catalog-info.yaml",
            "teams.yaml"
        ]
    );
    let root_codes: Vec<String> = files[0]
        .problems
        .iter()
        .map(|p| p.problem.code.clone())
        .collect();
    assert_eq!(
        root_codes,
        [
            "location-escape",
            "location-offline",
            "location-target-missing"
        ]
    );
    let missing = &files[0].problems[2];
    assert!(
        missing.problem.message.contains("gone.yaml"),
        "{}",
        missing.problem.message
    );
    // teams.yaml points back at the root: a cycle, reported once; its optional target is silent.
    let cycle: Vec<&str> = files[3]
        .problems
        .iter()
        .map(|p| p.problem.message.as_str())
        .collect();
    assert_eq!(cycle.len(), 1, "{cycle:?}");
    assert!(
        cycle[0].contains("catalog-info.yaml → teams.yaml → catalog-info.yaml"),
        "{}",
        cycle[0]
    );
}

#[test]
fn hostile_files_become_problems_not_crashes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    write(
        root,
        "latin1.yaml",
        b"apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: caf\xe9\n"
            .as_slice(),
    );
    let mut bomb = String::from(
        "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: bomb\n  a: &a [x, x, x, x, x, x, x, x, x, x]\n",
    );
    for (prev, next) in ["a", "b", "c", "d", "e", "f", "g"]
        .iter()
        .zip(["b", "c", "d", "e", "f", "g", "h"])
    {
        bomb.push_str(&format!(
            "  {next}: &{next} [{}]\n",
            vec![format!("*{prev}"); 10].join(", ")
        ));
    }
    write(root, "bomb.yaml", bomb);
    let deep = format!("{}x\n", "- ".repeat(10_000));
    write(root, "deep.yaml", deep);
    let big = fs::File::create(root.join("big.yaml")).expect("create");
    big.set_len(50 * 1024 * 1024).expect("50 MB");
    let outside = tempfile::tempdir().expect("outside");
    write(outside.path(), "secret.yaml", component("secret"));
    std::os::unix::fs::symlink(outside.path().join("secret.yaml"), root.join("link.yaml"))
        .expect("symlink");
    std::os::unix::fs::symlink(root.join("loop.yaml"), root.join("loop.yaml")).expect("loop");

    let tree = WorkingTree::new(root).expect("tree");
    let latin1 = read_descriptor(&tree, "latin1.yaml").expect("readable");
    assert_eq!(codes(&latin1), [(None, "not-utf8".into(), Severity::Error)]);
    assert_eq!(latin1.problems[0].problem.line, Some(4));
    let bomb = read_descriptor(&tree, "bomb.yaml").expect("readable");
    assert!(
        bomb.problems[0].problem.message.contains("alias bomb"),
        "{:?}",
        bomb.problems
    );
    let deep = read_descriptor(&tree, "deep.yaml").expect("readable");
    assert!(
        deep.problems[0]
            .problem
            .message
            .contains("nested more than"),
        "{:?}",
        deep.problems
    );
    assert!(matches!(
        read_descriptor(&tree, "big.yaml"),
        Err(FileError::TooLarge { .. })
    ));
    assert!(matches!(
        read_descriptor(&tree, "link.yaml"),
        Err(FileError::OutsideRepository(_))
    ));
    let looped = read_descriptor(&tree, "loop.yaml").expect_err("a loop");
    assert!(looped.to_string().contains("symlink loop"), "{looped}");
    assert!(matches!(
        tree.read("../x.yaml", 10),
        Err(FileError::OutsideRepository(_))
    ));
    // In a tree, each unreadable root is one file with one problem.
    let files = read_tree(&tree, &["big.yaml".into(), "link.yaml".into()]);
    assert_eq!(
        files
            .iter()
            .map(|f| f.problems[0].problem.code.as_str())
            .collect::<Vec<_>>(),
        ["file-too-large", "file-outside-repository"]
    );
}
