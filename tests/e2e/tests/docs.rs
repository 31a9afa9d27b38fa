//! TechDocs in the app end to end: a service's Docs tab (nav, page, table of contents, a
//! mermaid diagram drawn offline, code copy buttons, light and dark), moving by a nav link
//! and an in-page anchor, searching inside the site, and finding a docs section from the
//! command palette, over a Git repository this test makes.

use fantoccini::{Client, Locator};
use greenroom_e2e::shots::{
    add_folder_first_run, ctrl_k, screenshot, script_text, set_theme, text,
};
use greenroom_e2e::{
    Driver, Sandbox, app_binary, git_repo, require_prerequisites, wait_for, wait_until,
};

const SERVICE: &str = "\
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: payments-service
  title: Payments Service
  description: Takes payments for orders.
  annotations:
    backstage.io/techdocs-ref: dir:.
spec:
  type: service
  lifecycle: production
  owner: payments-team
";

const MKDOCS: &str = "\
site_name: Payments Service
nav:
  - Home: index.md
  - Guide:
      - Install: guide/install.md
      - Configure: guide/configure.md
  - Status page: https://status.example.com/
markdown_extensions:
  - admonition
  - pymdownx.superfences
";

const INDEX: &str = "\
# Payments Service

Takes payments for orders. Start with the [install guide](guide/install.md#linux).

!!! note \"On call\"
    The payments team carries the pager.

## How a payment flows

```mermaid
graph LR
  Checkout --> Payments --> Ledger
```

## Running it

```bash
cargo run --release
```
";

fn install_page() -> String {
    let filler = "Keep the old version until the new one runs.\n\n".repeat(40);
    format!(
        "\
# Install

Pick your system: [Linux](#linux) or [macOS](#macos).

## Linux

Install the package with your package manager.

```bash
sudo apt-get install payments
```

## Windows

Not supported.

## Upgrading

{filler}

## macOS

Use Homebrew: `brew install payments`.

Back to [the start](../index.md).
"
    )
}

const CONFIGURE: &str = "\
# Configure

## Idempotency keys

Every request carries an idempotency key so that a retried payment is taken once.
";

#[tokio::test]
async fn a_person_reads_a_services_docs() {
    let app = app_binary();
    require_prerequisites(&app);
    let sandbox = Sandbox::new();
    let repos = sandbox.path().join("repos");
    git_repo(
        &repos.join("payments"),
        &[
            ("catalog-info.yaml", SERVICE),
            ("mkdocs.yml", MKDOCS),
            ("docs/index.md", INDEX),
            ("docs/guide/install.md", &install_page()),
            ("docs/guide/configure.md", CONFIGURE),
        ],
    );
    let driver = Driver::start(&sandbox);
    let client = driver.session(&app).await;
    let result = read_docs(&client, &repos).await;
    client.close().await.ok();
    drop(driver);
    result.expect("the docs walk-through");
}

async fn read_docs(c: &Client, repos: &std::path::Path) -> Result<(), fantoccini::error::CmdError> {
    add_folder_first_run(c, repos, 1).await?;
    set_theme(c, "light").await?;

    // The service's Docs tab: its nav, the home page with its diagram, code and contents.
    c.goto("tauri://localhost/#/entity/component/default/payments-service")
        .await?;
    wait_for(c, "#tab-docs").await.click().await?;
    assert_eq!(text(c, "#docs-body h1").await, "Payments Service");
    let nav = text(c, ".docs-nav").await;
    for entry in ["Home", "Guide", "Install", "Configure", "Status page"] {
        assert!(nav.contains(entry), "{entry} in the nav: {nav}");
    }
    assert!(
        text(c, "#docs-body .admonition").await.contains("pager"),
        "the admonition"
    );
    wait_for(c, "#docs-body .mermaid-diagram svg").await;
    assert!(
        script_text(
            c,
            "return document.querySelector('#docs-body .mermaid-diagram svg').textContent"
        )
        .await
        .contains("Ledger"),
        "the diagram is drawn from its text"
    );
    wait_for(c, "#docs-body .highlight .docs-copy").await;
    let toc = text(c, ".docs-toc").await;
    assert!(
        toc.contains("How a payment flows") && toc.contains("Running it"),
        "{toc}"
    );
    screenshot(c, "docs-light").await;

    // A nav link: the install page, in the app.
    c.find(Locator::Css(".docs-nav a[data-page='guide/install/']"))
        .await?
        .click()
        .await?;
    wait_for(c, "#docs[data-page='guide/install/']").await;
    assert_eq!(text(c, "#docs-body h1").await, "Install");
    assert!(
        c.current_url()
            .await?
            .as_str()
            .contains("page=guide%2Finstall%2F")
    );

    // An in-page anchor: the heading, below the fold, is scrolled to; the address says which.
    assert!(
        script_text(c, "return String(document.getElementById('macos').getBoundingClientRect().top > innerHeight)").await == "true",
        "the macOS heading starts below the fold"
    );
    c.find(Locator::Css("#docs-body a[href='#macos']"))
        .await?
        .click()
        .await?;
    wait_until(
        c,
        "the macOS heading at the top",
        "const h = document.getElementById('macos'); const r = h && h.getBoundingClientRect();\
         return !!r && r.top >= -2 && r.top < innerHeight - 40 && location.hash.includes('section=macos')",
    )
    .await;

    // A link in the page body leads back to the start.
    c.find(Locator::LinkText("the start"))
        .await?
        .click()
        .await?;
    wait_for(c, "#docs[data-page='']").await;

    // Dark, as the app's theme says.
    set_theme(c, "dark").await?;
    wait_for(c, "#docs-body .mermaid-diagram svg").await;
    screenshot(c, "docs-dark").await;
    set_theme(c, "light").await?;

    // Searching inside the site.
    wait_for(c, "#docs-search")
        .await
        .send_keys("homebrew")
        .await?;
    wait_for(
        c,
        ".docs-hit[data-page='guide/install/'][data-anchor='macos']",
    )
    .await
    .click()
    .await?;
    wait_for(c, "#docs[data-page='guide/install/']").await;

    // The palette finds a docs section across every site and opens it at its heading.
    c.goto("tauri://localhost/#/").await?;
    wait_for(c, "#open-palette").await;
    ctrl_k(c).await?;
    wait_for(c, "[cmdk-input]")
        .await
        .send_keys("idempotency")
        .await?;
    wait_for(
        c,
        "[cmdk-item][data-docs-page='guide/configure/'][data-docs-anchor='idempotency-keys']",
    )
    .await;
    screenshot(c, "docs-palette").await;
    c.find(Locator::Css(
        "[cmdk-item][data-docs-anchor='idempotency-keys']",
    ))
    .await?
    .click()
    .await?;
    wait_for(c, "#docs[data-page='guide/configure/']").await;
    wait_until(
        c,
        "the section's heading in view",
        "const h = document.getElementById('idempotency-keys'); return !!h && h.getBoundingClientRect().top < 300",
    )
    .await;
    assert_eq!(text(c, "#docs-body h1").await, "Configure");
    Ok(())
}
