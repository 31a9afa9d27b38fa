//! Catalog snapshots in the app end to end, across two "machines" (two data folders):
//! a platform engineer indexes a folder and exports the catalog with its docs from the
//! Sources page; a new hire's Greenroom is opened with that file (as a double-click does),
//! checks it, imports it, and has the catalog and the docs with no repository on disk and
//! the clone command at hand. Then the new hire's own clone defines the same service: the
//! conflict shows, and choosing "this snapshot wins" changes which definition is shown.

use std::path::Path;

use fantoccini::{Client, Locator};
use greenroom_e2e::shots::{add_folder_first_run, screenshot, text, type_into, wait_text};
use greenroom_e2e::{
    Driver, Sandbox, app_binary, git_repo, require_prerequisites, wait_for, wait_until,
};

const CLONE_URL: &str = "https://git.example.com/platform/payments.git";

fn service(title: &str) -> String {
    format!(
        "\
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: payments-service
  title: {title}
  annotations:
    backstage.io/techdocs-ref: dir:.
spec:
  type: service
  lifecycle: production
  owner: payments-team
"
    )
}

const TEAM: &str = "\
apiVersion: backstage.io/v1alpha1
kind: Group
metadata:
  name: payments-team
spec:
  type: team
  children: []
";

const MKDOCS: &str = "site_name: Payments Service\nnav:\n  - Home: index.md\n";
const INDEX: &str = "# Payments Service\n\nHow to take a payment, offline.\n";

/// The platform engineer's repositories: a service with docs and its team.
fn platform_repos(root: &Path) {
    let payments = root.join("payments");
    git_repo(
        &payments,
        &[
            ("catalog-info.yaml", &service("Payments Service")),
            ("mkdocs.yml", MKDOCS),
            ("docs/index.md", INDEX),
        ],
    );
    git2::Repository::open(&payments)
        .expect("the repository")
        .remote("origin", CLONE_URL)
        .expect("an origin");
    git_repo(&root.join("org"), &[("catalog-info.yaml", TEAM)]);
}

#[tokio::test]
async fn a_team_exports_its_catalog_and_a_new_hire_opens_it_offline() {
    let app = app_binary();
    require_prerequisites(&app);

    // The platform engineer's machine.
    let platform = Sandbox::new();
    let repos = platform.path().join("repos");
    platform_repos(&repos);
    let file = platform.path().join("shared").join("platform.greenroom");
    std::fs::create_dir_all(file.parent().expect("a folder")).expect("the shared folder");
    {
        let driver = Driver::start(&platform);
        let client = driver.session(&app).await;
        let result = export(&client, &repos, &file).await;
        client.close().await.ok();
        drop(driver);
        result.expect("the export walk-through");
    }
    assert!(
        std::fs::metadata(&file).is_ok_and(|m| m.len() > 0),
        "the export wrote {}",
        file.display()
    );

    // The new hire's machine: nothing but the file, then a clone of one repository.
    let newcomer = Sandbox::new();
    let clone = newcomer.path().join("src");
    git_repo(
        &clone.join("payments"),
        &[("catalog-info.yaml", &service("Payments (my branch)"))],
    );
    let driver = Driver::start(&newcomer);
    let client = driver
        .session_with_args(&app, &[file.display().to_string()])
        .await;
    let result = open_and_import(&client, &clone).await;
    let handed = if result.is_ok() {
        Some(opened_again(&client, &app, &newcomer, &file).await)
    } else {
        None
    };
    client.close().await.ok();
    drop(driver);
    result.expect("the import walk-through");
    handed
        .expect("the walk-through ran")
        .expect("opening the file again");
}

/// Opening the file again while Greenroom runs on that data folder (a second double-click)
/// starts no second window: the start hands the file to the running one and ends, and the
/// window offers the file again.
async fn opened_again(
    c: &Client,
    app: &Path,
    sandbox: &Sandbox,
    file: &Path,
) -> Result<(), fantoccini::error::CmdError> {
    c.execute(
        "document.querySelector('#launch-snapshot')?.close()",
        vec![],
    )
    .await?;
    wait_until(
        c,
        "no snapshot dialog",
        "return !document.querySelector('#launch-snapshot[open]')",
    )
    .await;
    let mut second = std::process::Command::new(app);
    second.arg(file).envs(sandbox.env());
    let mut second = second.spawn().expect("a second start");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let status = loop {
        if let Some(status) = second.try_wait().expect("the second start") {
            break status;
        }
        if std::time::Instant::now() > deadline {
            let _ = second.kill();
            panic!("a second start on the same data folder opened its own window");
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    assert!(status.success(), "the second start handed over: {status}");
    wait_for(c, "#launch-snapshot[open] #snapshot-preview").await;
    let preview = text(c, "#snapshot-preview").await;
    assert!(preview.contains("2 entities"), "{preview}");
    Ok(())
}

async fn export(c: &Client, repos: &Path, file: &Path) -> Result<(), fantoccini::error::CmdError> {
    add_folder_first_run(c, repos, 2).await?;
    wait_for(c, "#nav-sources").await.click().await?;
    wait_for(c, "#export-snapshot-section").await;
    wait_for(c, "#export-name")
        .await
        .send_keys("Platform team")
        .await?;
    wait_until(
        c,
        "a suggested file in the downloads or home folder",
        "return document.querySelector('#export-path').value.endsWith('.greenroom')",
    )
    .await;
    type_into(c, "#export-path", &file.display().to_string()).await?;
    wait_for(c, "#export-snapshot").await.click().await?;
    wait_text(c, "#export-summary", "Wrote").await;
    let summary = text(c, "#export-summary").await;
    assert!(summary.contains(&file.display().to_string()), "{summary}");
    assert!(
        summary.contains("2 entities") && summary.contains("1 docs page"),
        "{summary}"
    );
    assert!(summary.contains("Not signed"), "{summary}");
    screenshot(c, "snapshot-export").await;

    // Anything but a .greenroom file is refused, and nothing is written.
    let elsewhere = file.with_extension("txt");
    type_into(c, "#export-path", &elsewhere.display().to_string()).await?;
    wait_for(c, "#export-snapshot").await.click().await?;
    wait_text(c, "#export-error", ".greenroom").await;
    assert!(!elsewhere.exists(), "no other kind of file is written");
    Ok(())
}

async fn open_and_import(c: &Client, clone: &Path) -> Result<(), fantoccini::error::CmdError> {
    // The file the app was opened with is checked at once and described.
    wait_for(c, "#launch-snapshot[open] #snapshot-preview").await;
    let preview = text(c, "#snapshot-preview").await;
    assert!(
        preview.to_lowercase().contains("platform team"),
        "{preview}"
    );
    assert!(preview.contains("2 entities"), "{preview}");
    assert!(preview.contains("1 docs page"), "{preview}");
    assert_eq!(text(c, "#snapshot-signature").await, "Not signed");
    screenshot(c, "snapshot-open").await;

    wait_for(c, "#import-snapshot").await.click().await?;
    wait_text(c, "#import-summary", "Imported").await;
    let summary = text(c, "#import-summary").await;
    assert!(
        summary.contains("2 added") && summary.contains("0 conflicts"),
        "{summary}"
    );
    wait_for(c, "#close-launch-snapshot").await.click().await?;
    wait_until(
        c,
        "the catalog to list the imported entities",
        "return !document.querySelector('#launch-snapshot') \
         && document.querySelectorAll('.table-row[data-key]').length === 2",
    )
    .await;

    // The service came from another machine: its repository is not here; the clone command is.
    c.goto("tauri://localhost/#/entity/component/default/payments-service")
        .await?;
    wait_text(c, "#entity-title", "Payments Service").await;
    assert_eq!(
        text(c, "#clone-command").await,
        format!("git clone {CLONE_URL}")
    );
    assert!(
        c.find(Locator::Css("#copy-path")).await.is_err(),
        "no folder to open: the path in the snapshot is the exporter's"
    );
    screenshot(c, "snapshot-entity").await;

    // Its descriptor: the entity as the snapshot carries it, said so.
    wait_for(c, "#tab-yaml").await.click().await?;
    wait_text(c, "#entity-yaml", "the entity as the snapshot carries it").await;
    assert!(
        text(c, "#entity-yaml")
            .await
            .contains("\"payments-service\"")
    );

    // Its docs open offline, from the snapshot.
    wait_for(c, "#tab-docs").await.click().await?;
    wait_text(c, "#docs-body", "How to take a payment, offline.").await;

    // The new hire's own clone defines the same service: theirs wins, the conflict shows.
    wait_for(c, "#nav-sources").await.click().await?;
    let folder = wait_for(c, "#folder-path").await;
    folder.send_keys(&clone.display().to_string()).await?;
    c.find(Locator::Css("#add-folder")).await?.click().await?;
    let card = "[data-kind='snapshot']";
    wait_text(c, &format!("{card} .file-problems"), "payments-service").await;
    c.goto("tauri://localhost/#/entity/component/default/payments-service")
        .await?;
    wait_text(c, "#entity-title", "Payments (my branch)").await;

    // Choosing "this snapshot wins" shows the snapshot's definition again.
    wait_for(c, "#nav-sources").await.click().await?;
    let wins = wait_for(c, &format!("{card} input[id^='snapshot-wins-']")).await;
    wins.click().await?;
    wait_until(
        c,
        "the choice to be saved",
        &format!("return document.querySelector(\"{card} input[id^='snapshot-wins-']\").checked"),
    )
    .await;
    wait_text(c, &format!("{card} .source-stats"), "Not signed").await;
    screenshot(c, "snapshot-sources").await;
    c.goto("tauri://localhost/#/entity/component/default/payments-service")
        .await?;
    wait_text(c, "#entity-title", "Payments Service").await;
    Ok(())
}
