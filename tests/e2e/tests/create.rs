//! A golden path end to end: the Create page lists the built-in templates, the wizard's
//! form (pickers backed by the catalog), the review, a dry run's files, the run's log, and
//! the new service opening in the catalog, with its files and Git repository on disk.

use fantoccini::{Client, Locator};
use greenroom_e2e::shots::{
    add_folder_first_run, screenshot, script_text, set_theme, text, type_into,
};
use greenroom_e2e::{
    Driver, Sandbox, app_binary, git_repo, require_prerequisites, wait_for, wait_until,
};

const ORG: &str = "\
apiVersion: backstage.io/v1alpha1
kind: Group
metadata:
  name: payments-team
  title: Payments Team
spec:
  type: team
  children: []
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata:
  name: platform
  title: Platform
spec:
  type: team
  children: []
---
apiVersion: backstage.io/v1alpha1
kind: System
metadata:
  name: payments
  title: Payments
spec:
  owner: payments-team
";

#[tokio::test]
async fn a_person_creates_a_service_from_a_golden_path() {
    let app = app_binary();
    require_prerequisites(&app);
    let sandbox = Sandbox::new();
    let repos = sandbox.path().join("repos");
    git_repo(&repos.join("org"), &[("catalog-info.yaml", ORG)]);
    let driver = Driver::start(&sandbox);
    let client = driver.session(&app).await;
    let result = create(&client, &repos).await;
    client.close().await.ok();
    drop(driver);
    result.expect("the template walk-through");
    let project = repos.join("orders-api");
    let cargo = std::fs::read_to_string(project.join("Cargo.toml")).expect("the generated crate");
    assert!(cargo.contains("name = \"orders-api\""), "{cargo}");
    let repo = git2::Repository::open(&project).expect("a Git repository");
    let origin = repo.find_remote("origin").expect("origin");
    assert_eq!(
        origin.url().ok(),
        Some("https://github.com/acme/orders-api.git")
    );
}

async fn pick(
    c: &Client,
    input: &str,
    typed: &str,
    entity: &str,
) -> Result<(), fantoccini::error::CmdError> {
    wait_for(c, input).await.click().await?;
    c.find(Locator::Css(input)).await?.send_keys(typed).await?;
    wait_for(c, &format!(".entity-options button[data-ref='{entity}']"))
        .await
        .click()
        .await
}

async fn create(c: &Client, repos: &std::path::Path) -> Result<(), fantoccini::error::CmdError> {
    add_folder_first_run(c, repos, 3).await?;
    set_theme(c, "light").await?;

    // The templates, narrowed by a word.
    c.find(Locator::Css("#nav-create")).await?.click().await?;
    wait_for(
        c,
        ".template-card[data-ref='template:default/rust-service']",
    )
    .await;
    wait_for(c, ".template-card[data-ref='template:default/docs-site']").await;
    screenshot(c, "create-templates").await;
    type_into(c, "#template-filter", "axum").await?;
    wait_until(
        c,
        "only the Rust service",
        "const cards = [...document.querySelectorAll('.template-card')].map(c => c.dataset.ref);\
         return cards.length === 1 && cards[0] === 'template:default/rust-service'",
    )
    .await;
    c.find(Locator::Css(
        "[data-choose='template:default/rust-service']",
    ))
    .await?
    .click()
    .await?;

    // Page 1: a name the pattern refuses, then a good one; owner and system from the catalog.
    type_into(c, "#field_name", "Orders API").await?;
    wait_until(
        c,
        "the name's pattern error",
        "return (document.querySelector('.field-string.has-error, .has-error')?.textContent ?? '').includes('Must match')",
    )
    .await;
    type_into(c, "#field_name", "orders-api").await?;
    pick(c, "#field_owner", "payments", "group:default/payments-team").await?;
    pick(c, "#field_system", "pay", "system:default/payments").await?;
    screenshot(c, "wizard-form").await;
    c.find(Locator::Css("#wizard-next")).await?.click().await?;

    // Page 2: the repository, and the folder it goes in on this machine.
    type_into(c, "#field_repoUrl-owner", "acme").await?;
    type_into(c, "#field_repoUrl-repo", "orders-api").await?;
    let folder = script_text(
        c,
        "return document.getElementById('field_repoUrl-folder').value",
    )
    .await;
    assert_eq!(
        std::fs::canonicalize(&folder).ok(),
        std::fs::canonicalize(repos).ok(),
        "new projects go in the catalog's folder by default"
    );
    c.find(Locator::Css("#wizard-next")).await?.click().await?;

    // Review: the answers, the folder, the remote.
    let review = text(c, "#wizard-review").await;
    assert!(review.contains("group:default/payments-team"), "{review}");
    assert!(
        review.contains("https://github.com/acme/orders-api"),
        "{review}"
    );
    let target = script_text(c, "return document.getElementById('wizard-target').value").await;
    assert!(target.ends_with("/orders-api"), "{target}");
    wait_until(
        c,
        "the answers checked",
        "return !document.getElementById('wizard-create').disabled",
    )
    .await;

    // The dry run's files and their contents; nothing written yet.
    c.find(Locator::Css("#wizard-preview"))
        .await?
        .click()
        .await?;
    wait_for(c, ".file-link[data-path='Cargo.toml']")
        .await
        .click()
        .await?;
    wait_until(
        c,
        "the Cargo.toml preview",
        "return (document.getElementById('preview-content')?.textContent ?? '').includes('orders-api')",
    )
    .await;
    assert!(
        !repos.join("orders-api").exists(),
        "a dry run writes nothing"
    );
    screenshot(c, "wizard-dry-run").await;

    // The run, step by step, then the new service in the catalog.
    c.find(Locator::Css("#wizard-create"))
        .await?
        .click()
        .await?;
    wait_for(c, "#run-outcome").await;
    for step in ["fetch", "publish", "register"] {
        wait_for(c, &format!(".run-step.done[data-step='{step}']")).await;
    }
    screenshot(c, "wizard-run-log").await;
    // The catalog's change events refresh the window; the run must not happen again.
    assert!(
        c.find(Locator::Css("#run-error")).await.is_err(),
        "{}",
        text(c, "#run-error").await
    );
    c.find(Locator::Css(
        "[data-open-entity='component:default/orders-api']",
    ))
    .await?
    .click()
    .await?;
    wait_for(c, "#entity-page[data-ref='component:default/orders-api']").await;
    let relations = text(c, "#relations").await;
    assert!(relations.to_lowercase().contains("payments"), "{relations}");
    Ok(())
}
