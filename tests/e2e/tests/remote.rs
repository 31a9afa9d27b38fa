//! Remote sources on the Sources page end to end: the real app against real Git servers on
//! 127.0.0.1 started by this test (`git daemon`, and `git http-backend` behind basic
//! authentication), with the real Secret Service keeping the token (under scripts/test).
//!
//! Walks: add by URL and sync -> a new commit and "Sync now" -> a host that needs
//! credentials, the prompt, the token saved and the sync through -> the background sync's
//! interval -> remove (entities and cache) -> offline: the catalog keeps what it had and the
//! page says when it last synced.

use std::path::Path;
use std::time::Duration;

use fantoccini::{Client, Locator};
use greenroom_e2e::shots::{screenshot, text, wait_text};
use greenroom_e2e::{
    Driver, Sandbox, app_binary, git_commit, git_repo, require_keyring, require_prerequisites,
    wait_for, wait_until,
};

#[path = "../../../crates/sources/tests/sources/remote/servers.rs"]
#[allow(dead_code)]
mod servers;

use servers::{GitDaemon, HttpGit};

fn component(name: &str) -> String {
    format!(
        "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: {name}\nspec:\n  type: service\n  lifecycle: production\n  owner: team-a\n"
    )
}

#[tokio::test]
async fn a_person_adds_remote_repositories_syncs_them_and_gives_a_token() {
    let app = app_binary();
    require_prerequisites(&app);
    require_keyring();
    let sandbox = Sandbox::new();
    let served = sandbox.path().join("served");
    git_repo(
        &served.join("orders"),
        &[("catalog-info.yaml", &component("orders"))],
    );
    git_repo(
        &served.join("billing"),
        &[("catalog-info.yaml", &component("billing"))],
    );
    let mut daemon = GitDaemon::start(&served);
    let http = HttpGit::start(&served, "tester", "s3cret-token");
    let driver = Driver::start(&sandbox);
    let client = driver.session(&app).await;
    let result = walk(&client, &sandbox, &served, &mut daemon, &http).await;
    client.close().await.ok();
    drop(driver);
    result.expect("the remote sources walk-through");
}

async fn walk(
    c: &Client,
    sandbox: &Sandbox,
    served: &Path,
    daemon: &mut GitDaemon,
    http: &HttpGit,
) -> Result<(), fantoccini::error::CmdError> {
    let started = std::time::Instant::now();
    c.goto("tauri://localhost/#/sources").await?;

    // Add by URL: it syncs at once, and the page shows the repository's state.
    wait_for(c, "#remote-url")
        .await
        .send_keys(&daemon.url("orders"))
        .await?;
    c.find(Locator::Css("#add-remote")).await?.click().await?;
    let orders = "section[aria-label='orders'][data-kind=remote]";
    wait_text(c, &format!("{orders} [data-report]"), "1 updated").await;
    wait_text(c, &format!("{orders} .synced-at"), "Synced just now").await;
    wait_text(c, &format!("{orders} .source-stats"), "1 entities").await;
    let row = text(c, &format!("{orders} tr[data-repo]")).await;
    assert!(row.contains(&daemon.url("orders")), "{row}");

    println!("{:>6} ms: A new commit", started.elapsed().as_millis());
    // A new commit, then "Sync now": the new entity arrives.
    git_commit(
        &served.join("orders"),
        &[(
            "catalog-info.yaml",
            &format!("{}---\n{}", component("orders"), component("orders-worker")),
        )],
    );
    c.find(Locator::Css(&format!("{orders} [data-action=sync]")))
        .await?
        .click()
        .await?;
    wait_text(c, &format!("{orders} .source-stats"), "2 entities").await;
    wait_text(c, &format!("{orders} [data-report]"), "1 added").await;

    println!(
        "{:>6} ms: A host that wants credentials",
        started.elapsed().as_millis()
    );
    // A host that wants credentials: the prompt, the token into the keyring, the sync through.
    let field = c.find(Locator::Css("#remote-url")).await?;
    assert_eq!(
        field.prop("value").await?.as_deref(),
        Some(""),
        "the form was cleared"
    );
    field.send_keys(&http.url("billing")).await?;
    c.find(Locator::Css("#add-remote")).await?.click().await?;
    let billing = "section[aria-label='billing'][data-kind=remote]";
    let prompt = format!("{billing} form.credentials[data-host='{}']", http.host());
    wait_for(c, &prompt).await;
    assert!(
        text(c, &prompt)
            .await
            .contains(&format!("{} needs credentials", http.host()))
    );
    c.execute(
        "document.querySelector(arguments[0]).scrollIntoView({ block: 'center' })",
        vec![serde_json::Value::String(prompt.clone())],
    )
    .await?;
    screenshot(c, "remote-credentials").await;
    c.find(Locator::Css(&format!("{prompt} input[type=text]")))
        .await?
        .send_keys("tester")
        .await?;
    c.find(Locator::Css(&format!("{prompt} [data-field=token]")))
        .await?
        .send_keys("s3cret-token")
        .await?;
    c.find(Locator::Css(&format!("{prompt} [data-action=save-token]")))
        .await?
        .click()
        .await?;
    wait_text(c, &format!("{billing} .source-stats"), "1 entities").await;
    wait_until(
        c,
        "the prompt to go",
        &format!(
            "return document.querySelector({:?}) === null",
            format!("{billing} form.credentials")
        ),
    )
    .await;
    screenshot(c, "remote-sources").await;

    println!(
        "{:>6} ms: The background sync's interval",
        started.elapsed().as_millis()
    );
    // The background sync's interval is a kept setting.
    wait_for(c, "#sync-interval")
        .await
        .select_by_value("15")
        .await?;
    let settings = sandbox.data_dir().join("app-settings.json");
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let text = std::fs::read_to_string(&settings).unwrap_or_default();
        if text.contains("\"intervalMinutes\": 15") {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the interval was not saved: {text}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    println!("{:>6} ms: Remove", started.elapsed().as_millis());
    // Remove: its entities and its cache go.
    let id = c
        .find(Locator::Css(billing))
        .await?
        .attr("data-source")
        .await?
        .expect("a source id");
    let cache = sandbox.data_dir().join(format!("cache/git/source-{id}"));
    assert!(cache.is_dir(), "{} was fetched", cache.display());
    c.find(Locator::Css(&format!("{billing} [data-action=remove]")))
        .await?
        .click()
        .await?;
    c.find(Locator::Css(&format!(
        "{billing} [data-action=confirm-remove]"
    )))
    .await?
    .click()
    .await?;
    wait_until(
        c,
        "the source to go",
        &format!("return document.querySelector({billing:?}) === null"),
    )
    .await;
    assert!(!cache.exists(), "the cache went with the source");

    println!("{:>6} ms: Offline", started.elapsed().as_millis());
    // Offline: the server is gone; the sync fails per repository, the catalog keeps the
    // entities, and the page still says when the source last synced.
    daemon.stop();
    c.find(Locator::Css(&format!("{orders} [data-action=sync]")))
        .await?
        .click()
        .await?;
    wait_text(c, &format!("{orders} [data-report]"), "1 failed").await;
    wait_text(c, &format!("{orders} tr[data-repo]"), "offline").await;
    wait_text(c, &format!("{orders} .source-stats"), "2 entities").await;
    let synced = text(c, &format!("{orders} .synced-at")).await;
    assert!(synced.starts_with("Synced "), "{synced}");
    screenshot(c, "remote-offline").await;
    Ok(())
}
