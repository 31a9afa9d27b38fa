//! What the docs and template walk-throughs share with the others: screenshots into
//! `$GREENROOM_SCREENSHOTS`, text of an element, keys, and adding a folder on first run.

use std::path::{Path, PathBuf};
use std::time::Duration;

use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::key::Key;
use fantoccini::{Client, Locator};

use crate::{wait_for, wait_until};

/// Where screenshots go: `$GREENROOM_SCREENSHOTS`, else `greenroom-screenshots` in the
/// temporary folder.
pub fn screenshot_dir() -> PathBuf {
    std::env::var_os("GREENROOM_SCREENSHOTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("greenroom-screenshots"))
}

/// Saves a screenshot of the window as `<name>.png`, once transitions have settled.
pub async fn screenshot(client: &Client, name: &str) {
    tokio::time::sleep(Duration::from_millis(700)).await;
    // WebKitWebDriver's screenshot waits for the next paint, and a page that is quite still
    // (no caret, no spinner) may not paint again for minutes: keep it painting meanwhile,
    // with a dot in a corner whose colour nobody can see change. (Flickering the opacity of
    // the whole page did the same, but about one shot in two of the device-code dialog came
    // back as the bare page background: an opacity below 1 gives the page a layer of its own
    // in WebKit, and the shot could fall between the layer going and coming back.)
    client
        .execute(
            "const dot = document.createElement('div'); \
             dot.style.cssText = 'position:fixed;right:0;bottom:0;width:1px;height:1px;pointer-events:none'; \
             document.body.appendChild(dot); \
             const until = Date.now() + 5000; let on = false; const tick = () => { \
               on = !on; dot.style.backgroundColor = on ? 'rgba(0,0,0,0.01)' : 'transparent'; \
               if (Date.now() < until) requestAnimationFrame(tick); else dot.remove(); }; \
             requestAnimationFrame(tick)",
            vec![],
        )
        .await
        .expect("the page runs scripts");
    // A screenshot can come back as an earlier paint: seen as the first of a session opened
    // with a snapshot file (the catalog "Loading…" behind no dialog, while the DOM held the
    // dialog and the X window showed it). The next one is what is on screen. One is thrown
    // away before every kept one (about 40 ms each) rather than tracking sessions here.
    client.screenshot().await.expect("a screenshot");
    let png = client.screenshot().await.expect("a screenshot");
    let dir = screenshot_dir();
    std::fs::create_dir_all(&dir).expect("the screenshot folder");
    let path = dir.join(format!("{name}.png"));
    std::fs::write(&path, png).expect("the screenshot written");
    println!("screenshot: {}", path.display());
}

/// Replaces the text of an input with `text`, and checks that the field (and so the page's
/// state) holds exactly that: a controlled input can put its old value back between the
/// clearing and the typing when the page renders in between, and the keys then append to it.
pub async fn type_into(
    client: &Client,
    css: &str,
    text: &str,
) -> Result<(), fantoccini::error::CmdError> {
    let holds = format!("return document.querySelector({css:?})?.value === {text:?}");
    for _ in 0..5 {
        let field = wait_for(client, css).await;
        field.clear().await?;
        field.send_keys(text).await?;
        tokio::time::sleep(Duration::from_millis(100)).await;
        if client.execute(&holds, vec![]).await? == serde_json::Value::Bool(true) {
            return Ok(());
        }
    }
    panic!("`{css}` would not hold `{text}`");
}

/// The text of an element, once it is there.
pub async fn text(client: &Client, css: &str) -> String {
    wait_for(client, css).await.text().await.unwrap_or_default()
}

/// Waits until the text of `css` contains `expected`.
pub async fn wait_text(client: &Client, css: &str, expected: &str) {
    let script = format!(
        "return (document.querySelector({css:?})?.textContent ?? '').includes({expected:?})"
    );
    wait_until(client, &format!("`{css}` to say `{expected}`"), &script).await;
}

/// Runs a script and returns its string result.
pub async fn script_text(client: &Client, script: &str) -> String {
    client
        .execute(script, vec![])
        .await
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// Presses Ctrl+K (the command palette).
pub async fn ctrl_k(client: &Client) -> Result<(), fantoccini::error::CmdError> {
    let keys = KeyActions::new("keyboard".into())
        .then(KeyAction::Down {
            value: Key::Control.into(),
        })
        .then(KeyAction::Down { value: 'k' })
        .then(KeyAction::Up { value: 'k' })
        .then(KeyAction::Up {
            value: Key::Control.into(),
        });
    client.perform_actions(keys).await
}

/// The Enter key as `send_keys` takes it.
pub fn enter() -> String {
    char::from(Key::Enter).to_string()
}

/// Paints the window light or dark, as the theme switch does.
pub async fn set_theme(client: &Client, theme: &str) -> Result<(), fantoccini::error::CmdError> {
    client
        .execute(
            &format!(
                "localStorage.setItem('greenroom.theme', '{theme}'); document.documentElement.dataset.theme = '{theme}'"
            ),
            vec![],
        )
        .await
        .map(|_| ())
}

/// On the first-run screen, adds `folder` and waits until `entities` rows are listed.
pub async fn add_folder_first_run(
    client: &Client,
    folder: &Path,
    entities: usize,
) -> Result<(), fantoccini::error::CmdError> {
    wait_for(client, "#first-run").await;
    wait_for(client, "#folder-path")
        .await
        .send_keys(&folder.display().to_string())
        .await?;
    client
        .find(Locator::Css("#add-folder"))
        .await?
        .click()
        .await?;
    wait_until(
        client,
        "the catalog to list the indexed entities",
        &format!("return document.querySelectorAll('.table-row[data-key]').length === {entities}"),
    )
    .await;
    Ok(())
}
