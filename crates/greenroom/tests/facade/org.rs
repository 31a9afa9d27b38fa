use std::path::PathBuf;

use greenroom::Greenroom;
use greenroom::account::SignedInUser;
use greenroom::auth::graph::{GroupRef, OrgScope, OrgSnapshot};
use greenroom::catalog::store::ProblemQuery;

fn org_entities() -> Vec<serde_json::Value> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../auth/tests/graph-fixtures/expected-tenant-entities.json");
    serde_json::from_str(&std::fs::read_to_string(path).expect("Graph fixture")).expect("JSON")
}

fn snapshot(entities: Vec<serde_json::Value>) -> OrgSnapshot {
    OrgSnapshot {
        tenant_id: Some("4d9c6a2e-7b1f-4c3a-9e85-2f6d0b1a7c34".into()),
        scope: OrgScope::Tenant,
        fallback_reason: None,
        entities,
        me: Some("user:default/ada.lovelace_contoso.example".into()),
        my_groups: vec![GroupRef {
            id: "5e2d8f1a-3b4c-4d5e-8f6a-7b8c9d0e1f21".into(),
            entity_ref: "group:default/platform_team".into(),
            display_name: "Platform team".into(),
        }],
        skipped: Vec::new(),
    }
}

#[test]
fn an_imported_organisation_becomes_a_source_and_drives_the_mine_view() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut greenroom = Greenroom::open(dir.path()).expect("open");
    greenroom
        .remember_user(&SignedInUser {
            name: "Ada Lovelace".into(),
            username: Some("ada.lovelace@contoso.example".into()),
            tenant_id: "4d9c6a2e-7b1f-4c3a-9e85-2f6d0b1a7c34".into(),
            object_id: "0b4a3c8e-5f21-4d6b-9a7e-1c2d3e4f5a61".into(),
            entity: None,
            groups: Vec::new(),
        })
        .expect("remember");
    let stats = greenroom
        .store_org(&snapshot(org_entities()))
        .expect("store");
    assert_eq!(stats.added, 8);
    let sources = greenroom.catalog().sources().expect("sources");
    assert_eq!(
        sources[0].name,
        "Microsoft Entra ID (4d9c6a2e-7b1f-4c3a-9e85-2f6d0b1a7c34)"
    );
    let user = greenroom.signed_in_user().expect("remembered");
    assert_eq!(user.groups, ["group:default/platform_team"]);

    // A service owned by the user's group shows in "Mine".
    let repo = dir.path().join("repos/svc");
    std::fs::create_dir_all(&repo).expect("mkdir");
    git2::Repository::init(&repo).expect("git init");
    std::fs::write(
        repo.join("catalog-info.yaml"),
        "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: deployer\nspec:\n  type: service\n  lifecycle: production\n  owner: platform_team\n",
    )
    .expect("write");
    greenroom
        .add_folder(&dir.path().join("repos"), &[])
        .expect("add");
    greenroom.index(None, &|_| {}).expect("index");
    let mine: Vec<String> = greenroom
        .mine()
        .expect("mine")
        .into_iter()
        .map(|e| e.key)
        .collect();
    assert_eq!(mine, ["component:default/deployer"]);

    // A second import replaces the first; an invalid entity is a problem, not a crash.
    let mut changed = org_entities();
    changed.truncate(7);
    changed.push(serde_json::json!({"apiVersion": "backstage.io/v1alpha1", "kind": "User", "metadata": {"name": "Not Valid"}, "spec": {"memberOf": []}}));
    let again = greenroom
        .store_org(&snapshot(changed))
        .expect("store again");
    assert_eq!(again.removed, 1);
    let problems = greenroom
        .catalog()
        .problems(&ProblemQuery::default())
        .expect("problems");
    assert!(
        problems.iter().any(|p| p.problem.code == "invalid-name"),
        "{problems:?}"
    );
}

#[test]
fn sign_in_settings_come_from_the_file_then_the_environment_then_flags() {
    let dir = tempfile::tempdir().expect("tempdir");
    let greenroom = Greenroom::open(dir.path()).expect("open");
    let missing = greenroom
        .auth_config(&Default::default())
        .expect_err("not configured");
    assert!(
        missing.to_string().contains("client ID") && missing.to_string().contains("config.toml"),
        "{missing}"
    );
    std::fs::write(
        dir.path().join("config.toml"),
        "[auth]\ntenant = \"4d9c6a2e-7b1f-4c3a-9e85-2f6d0b1a7c34\"\nclient_id = \"from-file\"\n",
    )
    .expect("write");
    let config = greenroom
        .auth_config(&greenroom::auth::ConfigOverrides {
            client_id: Some("from-flag".into()),
            ..Default::default()
        })
        .expect("configured");
    assert_eq!(config.client_id, "from-flag");
    assert_eq!(config.tenant, "4d9c6a2e-7b1f-4c3a-9e85-2f6d0b1a7c34");
    std::fs::write(
        dir.path().join("config.toml"),
        "[auth]\nclient = \"typo\"\n",
    )
    .expect("write");
    let typo = greenroom.settings().expect_err("unknown key");
    assert!(typo.to_string().contains("config.toml"), "{typo}");
}
