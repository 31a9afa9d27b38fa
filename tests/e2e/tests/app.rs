//! The desktop app end to end, as a person uses it: the real app under Xvfb, driven through
//! tauri-driver and WebKitWebDriver, over Git repositories this test makes.
//!
//! Run by scripts/test; by hand: build the app with the `custom-protocol` feature, then
//! `xvfb-run -a -s "-screen 0 1280x800x24" cargo test --manifest-path tests/e2e/Cargo.toml`.
//! Screenshots of the main screens go to `$GREENROOM_SCREENSHOTS` (default: a folder in
//! the target directory).

use std::path::Path;
use std::time::Instant;

use fantoccini::{Client, Locator};
use greenroom_e2e::shots::{ctrl_k, enter, screenshot, text};
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
  members: [ada.lovelace]
---
apiVersion: backstage.io/v1alpha1
kind: User
metadata:
  name: ada.lovelace
spec:
  profile:
    displayName: Ada Lovelace
    email: ada@example.com
  memberOf: [payments-team]
";

fn payments_descriptor(title: &str) -> String {
    format!(
        "\
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: payments-service
  title: {title}
  description: Takes payments for orders.
  tags: [java, payments]
  links:
    - url: https://dashboards.example.com/payments
      title: Dashboard
spec:
  type: service
  lifecycle: production
  owner: payments-team
  dependsOn: [component:ledger]
  providesApis: [payments-api]
---
apiVersion: backstage.io/v1alpha1
kind: API
metadata:
  name: payments-api
  title: Payments API
  description: Pay for an order.
spec:
  type: openapi
  lifecycle: production
  owner: payments-team
  definition:
    $text: ./api/openapi.yaml
"
    )
}

const OPENAPI: &str = "\
openapi: 3.0.3
info:
  title: Payments API
  version: 1.4.0
paths:
  /payments:
    post:
      summary: Pay for an order
      requestBody:
        content:
          application/json:
            schema:
              $ref: ./schemas/payment.yaml#/Payment
      responses:
        '201':
          description: The payment was taken
";

const PAYMENT_SCHEMA: &str = "\
Payment:
  type: object
  required: [orderId, amount]
  properties:
    orderId:
      type: string
    amount:
      type: number
";

const LEDGER: &str = "\
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: ledger
  title: Ledger
  description: Double-entry book of every payment.
spec:
  type: service
  lifecycle: production
  owner: payments-team
";

const LEGACY: &str = "\
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: legacy-billing
  description: The old billing system.
spec:
  type: service
  lifecycle: deprecated
  owner: payments-team
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: legacy billing v2
spec:
  type: service
  lifecycle: deprecated
  owner: payments-team
";

/// The repositories a person would add: an organisation, two services and a broken file.
fn fixture(root: &Path) {
    git_repo(&root.join("org"), &[("catalog-info.yaml", ORG)]);
    git_repo(
        &root.join("payments"),
        &[
            (
                "catalog-info.yaml",
                &payments_descriptor("Payments Service"),
            ),
            ("api/openapi.yaml", OPENAPI),
            ("api/schemas/payment.yaml", PAYMENT_SCHEMA),
        ],
    );
    git_repo(&root.join("ledger"), &[("catalog-info.yaml", LEDGER)]);
    git_repo(&root.join("legacy"), &[("catalog-info.yaml", LEGACY)]);
}

async fn rows(client: &Client) -> Vec<String> {
    let value = client
        .execute(
            "return [...document.querySelectorAll('.table-row[data-key]')].map(r => r.dataset.key)",
            vec![],
        )
        .await
        .expect("the rows");
    serde_json::from_value(value).unwrap_or_default()
}

async fn wait_for_page(client: &Client, key: &str) {
    wait_for(client, &format!("#entity-page[data-ref=\"{key}\"]")).await;
}

#[tokio::test]
async fn a_person_adds_folders_finds_services_and_sees_problems_and_edits() {
    let app = app_binary();
    require_prerequisites(&app);
    let sandbox = Sandbox::new();
    let repos = sandbox.path().join("repos");
    fixture(&repos);
    let driver = Driver::start(&sandbox);
    let client = driver.session(&app).await;
    let result = run(&client, &repos).await;
    client.close().await.ok();
    drop(driver);
    result.expect("the walk through the app");
}

async fn run(c: &Client, repos: &Path) -> Result<(), fantoccini::error::CmdError> {
    // First run: an empty catalog offers to add a folder or a demo.
    wait_for(c, "#first-run").await;
    assert!(c.title().await?.contains("Greenroom"));
    screenshot(c, "first-run").await;
    wait_for(c, "#folder-path")
        .await
        .send_keys(&repos.display().to_string())
        .await?;
    wait_for(c, "#add-folder").await.click().await?;

    // The index finishes and the catalog shows every entity.
    wait_until(
        c,
        "the catalog to list the indexed entities",
        "return document.querySelectorAll('.table-row[data-key]').length === 6",
    )
    .await;

    // Filter to components, then to one of them by text.
    wait_for(c, "[data-facet=kinds] [data-value=Component]")
        .await
        .click()
        .await?;
    wait_until(
        c,
        "only components",
        "const keys = [...document.querySelectorAll('.table-row[data-key]')].map(r => r.dataset.key);\
         return keys.length === 3 && keys.every(k => k.startsWith('component:'))",
    )
    .await;
    screenshot(c, "catalog").await;
    wait_for(c, "#catalog-filter")
        .await
        .send_keys("orders")
        .await?;
    wait_until(
        c,
        "the text filter",
        "return document.querySelectorAll('.table-row[data-key]').length === 1",
    )
    .await;
    assert_eq!(rows(c).await, ["component:default/payments-service"]);

    // Open it: owner, relations, source.
    wait_for(
        c,
        ".table-row[data-key='component:default/payments-service']",
    )
    .await
    .click()
    .await?;
    wait_for_page(c, "component:default/payments-service").await;
    assert_eq!(text(c, "#entity-title").await, "Payments Service");
    // Headings are shown in capitals; WebDriver reads what is shown.
    let relations = text(c, "#relations").await.to_lowercase();
    assert!(relations.contains("depends on"), "{relations}");
    assert!(relations.contains("provides apis"), "{relations}");
    assert!(
        text(c, "#entity-file")
            .await
            .starts_with("catalog-info.yaml")
    );
    screenshot(c, "entity").await;

    // The relations graph draws the neighbourhood.
    wait_for(c, "#tab-graph").await.click().await?;
    wait_until(
        c,
        "the graph's nodes",
        "return document.querySelectorAll('#relations-graph .graph-node').length >= 4",
    )
    .await;
    screenshot(c, "graph").await;
    wait_for(c, "#tab-overview").await.click().await?;

    // Follow the dependsOn relation.
    wait_for(
        c,
        "[data-relation=dependsOn] a[data-ref='component:default/ledger']",
    )
    .await
    .click()
    .await?;
    wait_for_page(c, "component:default/ledger").await;
    assert_eq!(text(c, "#entity-title").await, "Ledger");

    // Back returns to the filtered catalog view.
    c.back().await?;
    wait_for_page(c, "component:default/payments-service").await;
    c.back().await?;
    wait_until(
        c,
        "the filtered view after Back",
        "return document.querySelectorAll('.table-row[data-key]').length === 1 \
         && document.querySelector('#catalog-filter').value === 'orders'",
    )
    .await;

    // Find the API through the palette, by keyboard only.
    wait_for(c, "#catalog-filter").await.click().await?;
    ctrl_k(c).await?;
    wait_for(c, "[cmdk-input]")
        .await
        .send_keys("payments api")
        .await?;
    wait_for(c, "[cmdk-item][data-ref='api:default/payments-api']").await;
    screenshot(c, "palette").await;
    wait_for(c, "[cmdk-input]")
        .await
        .send_keys(&enter())
        .await?;
    wait_for_page(c, "api:default/payments-api").await;

    // Its OpenAPI definition renders offline, with the schema file its $ref names.
    wait_for(c, "#tab-definition").await.click().await?;
    wait_for(c, ".swagger-ui .opblock").await;
    let definition = text(c, "#api-definition").await;
    assert!(definition.contains("/payments"), "{definition}");
    assert!(definition.contains("1 referenced file"), "{definition}");
    screenshot(c, "api-definition").await;

    // The broken file: its error on the Sources page and on the page of its valid neighbour.
    wait_for(c, "#nav-sources").await.click().await?;
    let problems = text(c, "[aria-label='Problems by file']").await;
    assert!(problems.contains("legacy/catalog-info.yaml"), "{problems}");
    assert!(problems.contains("legacy billing v2"), "{problems}");
    screenshot(c, "sources").await;
    c.goto("tauri://localhost/#/entity/component/default/legacy-billing")
        .await?;
    wait_for_page(c, "component:default/legacy-billing").await;
    let shown = text(c, "#entity-problems").await;
    assert!(shown.contains("1 error"), "{shown}");

    // The team's page: members and what it owns.
    c.goto("tauri://localhost/#/entity/group/default/payments-team")
        .await?;
    wait_for_page(c, "group:default/payments-team").await;
    let owned = text(c, "#owned").await;
    assert!(
        owned.contains("Payments Service") && owned.contains("Ledger"),
        "{owned}"
    );
    assert!(text(c, "#group-people").await.contains("ada.lovelace"));
    screenshot(c, "group").await;

    // A live edit: the open page follows the file without any action.
    c.goto("tauri://localhost/#/entity/component/default/payments-service")
        .await?;
    wait_for_page(c, "component:default/payments-service").await;
    let edited = Instant::now();
    std::fs::write(
        repos.join("payments/catalog-info.yaml"),
        payments_descriptor("Payments Service (edited)"),
    )
    .expect("the edit");
    wait_until(
        c,
        "the edit to show",
        "return document.querySelector('#entity-title')?.textContent === 'Payments Service (edited)'",
    )
    .await;
    println!("live edit shown after {} ms", edited.elapsed().as_millis());

    // The dark theme, for the README.
    c.execute(
        "localStorage.setItem('greenroom.theme', 'dark'); document.documentElement.dataset.theme = 'dark'",
        vec![],
    )
    .await?;
    screenshot(c, "entity-dark").await;
    Ok(())
}

#[tokio::test]
async fn a_newcomer_explores_the_demo_organisation() {
    let app = app_binary();
    require_prerequisites(&app);
    let sandbox = Sandbox::new();
    let driver = Driver::start(&sandbox);
    let client = driver.session(&app).await;
    let result = explore_demo(&client).await;
    client.close().await.ok();
    drop(driver);
    result.expect("the demo walk-through");
}

async fn explore_demo(c: &Client) -> Result<(), fantoccini::error::CmdError> {
    wait_for(c, "#explore-demo").await.click().await?;
    wait_until(
        c,
        "the demo catalog",
        "return document.querySelectorAll('.table-row[data-key]').length > 10",
    )
    .await;
    let shown = text(c, "#match-count").await;
    let total: usize = shown
        .split_whitespace()
        .next()
        .and_then(|n| n.replace(',', "").parse().ok())
        .unwrap_or(0);
    assert!(total > 200, "the demo has a few hundred entities: {shown}");
    screenshot(c, "demo-catalog").await;

    // The components of the biggest system, and one of them two relations deep.
    wait_for(c, "[data-facet=systems] .facet-option")
        .await
        .click()
        .await?;
    wait_for(c, "[data-facet=kinds] [data-value=Component]")
        .await
        .click()
        .await?;
    wait_until(
        c,
        "the system's components",
        "const keys = [...document.querySelectorAll('.table-row[data-key]')].map(r => r.dataset.key);\
         return keys.length > 1 && keys.every(k => k.startsWith('component:')) && location.hash.includes('system=')",
    )
    .await;
    screenshot(c, "demo-filtered").await;
    wait_for(c, ".table-row[data-key]").await.click().await?;
    wait_for(c, "#entity-page[data-ref^='component:']").await;
    screenshot(c, "demo-entity").await;
    wait_for(c, "#tab-graph").await.click().await?;
    wait_for(c, "#graph-depth")
        .await
        .select_by_value("2")
        .await?;
    wait_until(
        c,
        "a deeper graph",
        "return document.querySelectorAll('#relations-graph .graph-node').length > 5",
    )
    .await;
    screenshot(c, "demo-graph").await;

    // The descriptor as written, highlighted.
    wait_for(c, "#tab-yaml").await.click().await?;
    let yaml = text(c, "#entity-yaml").await;
    assert!(yaml.contains("kind: Component"), "{yaml}");
    assert!(
        c.find(Locator::Css("#entity-yaml .hljs-attr"))
            .await
            .is_ok(),
        "the YAML is highlighted"
    );
    screenshot(c, "demo-yaml").await;
    Ok(())
}
