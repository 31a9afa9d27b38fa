use std::collections::HashMap;

use greenroom_catalog::store::{RepoContent, RepoIndex, RepoState};
use greenroom_sources::{FolderSettings, scan_folder, scan_repo};

use crate::{component, git_repo, write};

fn state(index: &RepoIndex) -> RepoState {
    RepoState {
        fingerprint: index.fingerprint.clone(),
        watch: index.watch.clone(),
        head: index.head.clone(),
        branch: index.branch.clone(),
        name: index.name.clone(),
        indexed_at: 0,
    }
}

fn changed(index: &RepoIndex) -> bool {
    !matches!(index.content, RepoContent::Unchanged)
}

fn patterns() -> Vec<String> {
    vec!["catalog-info.{yaml,yml}".to_owned()]
}

#[test]
fn only_changes_to_what_was_read_trigger_a_new_read() {
    let dir = tempfile::tempdir().expect("tempdir");
    let repo = dir.path().join("svc");
    let location = "apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata:\n  name: more\nspec:\n  targets: [./services/*/catalog-info.yaml]\n";
    let api = "apiVersion: backstage.io/v1alpha1\nkind: API\nmetadata:\n  name: api\nspec:\n  type: openapi\n  lifecycle: production\n  owner: team-a\n  definition:\n    $text: ./openapi.yaml\n";
    git_repo(
        &repo,
        &[
            ("catalog-info.yaml", &format!("{location}---\n{api}")),
            ("openapi.yaml", "openapi: 3.0.0\n"),
            ("services/a/catalog-info.yaml", &component("a")),
            ("src/main.rs", "fn main() {}\n"),
        ],
    );
    let first = scan_repo(&repo, &patterns(), None);
    assert!(changed(&first));
    let RepoContent::Read { files, .. } = &first.content else {
        unreachable!()
    };
    assert_eq!(files.len(), 2);
    assert_eq!(first.branch.as_deref(), Some("main"));

    let again = scan_repo(&repo, &patterns(), Some(&state(&first)));
    assert!(!changed(&again), "nothing changed");

    write(&repo, "src/main.rs", "fn main() { println!(); }\n");
    assert!(
        !changed(&scan_repo(&repo, &patterns(), Some(&state(&first)))),
        "code changes do not matter"
    );

    write(&repo, "openapi.yaml", "openapi: 3.1.0\n");
    let after_definition = scan_repo(&repo, &patterns(), Some(&state(&first)));
    assert!(changed(&after_definition), "a placeholder's file changed");

    write(&repo, "services/b/catalog-info.yaml", &component("b"));
    let after_new_service = scan_repo(&repo, &patterns(), Some(&state(&after_definition)));
    assert!(
        changed(&after_new_service),
        "a Location glob matches a new file"
    );
    let RepoContent::Read { files, .. } = &after_new_service.content else {
        unreachable!()
    };
    assert_eq!(files.len(), 3);

    write(&repo, "catalog-info.yml", &component("second-root"));
    assert!(
        changed(&scan_repo(
            &repo,
            &patterns(),
            Some(&state(&after_new_service))
        )),
        "a new root descriptor"
    );
}

#[test]
fn a_folder_scan_reports_progress_and_damaged_repositories() {
    let dir = tempfile::tempdir().expect("tempdir");
    git_repo(
        &dir.path().join("one"),
        &[("catalog-info.yaml", &component("one"))],
    );
    git_repo(
        &dir.path().join("two"),
        &[("catalog-info.yaml", &component("two"))],
    );
    std::fs::write(dir.path().join("two/.git/HEAD"), "not a ref").expect("corrupt");
    let events = std::sync::Mutex::new(Vec::new());
    let index = scan_folder(
        7,
        dir.path(),
        &FolderSettings::default(),
        &HashMap::new(),
        2,
        &|e| {
            events.lock().expect("lock").push(e);
        },
    )
    .expect("scan");
    assert_eq!(index.source_id, 7);
    assert_eq!(index.repos.len(), 2);
    assert_eq!(events.lock().expect("lock").len(), 3);
    let two = index.repos.iter().find(|r| r.name == "two").expect("two");
    let RepoContent::Read { files, problems } = &two.content else {
        unreachable!()
    };
    assert_eq!(files[0].entities.len(), 1, "its descriptors are still read");
    assert_eq!(problems[0].code, "git-damaged");
    assert!(problems[0].message.contains("git fsck"));

    let missing = scan_folder(
        7,
        &dir.path().join("gone"),
        &FolderSettings::default(),
        &HashMap::new(),
        2,
        &|_| {},
    );
    assert!(
        missing
            .expect_err("missing folder")
            .to_string()
            .contains("mount it")
    );
}
