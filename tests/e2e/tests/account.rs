//! The account menu end to end: the real app signs in against the real OpenID provider of
//! the sign-in tests (panva's oidc-provider dressed as Entra ID, on 127.0.0.1), with a
//! scripted browser (`GREENROOM_BROWSER`) and, under scripts/test, the real Secret Service.
//! The organisation comes from a local server answering with recorded Microsoft Graph JSON.
//!
//! Walks: not set up -> set up -> browser sign-in -> organisation sync -> a restart resumes
//! the session -> sign-out -> device-code sign-in -> provider unreachable (offline) -> the
//! provider forgot the session (ended).

use std::io::{Read, Write};
use std::net::TcpListener;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use fantoccini::{Client, Locator};
use greenroom_e2e::shots::{screenshot, text};
use greenroom_e2e::{
    Driver, Sandbox, app_binary, require_keyring, require_prerequisites, wait_for, wait_until,
};

const LOGIN: &str = "ada.lovelace@contoso.example";

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[path = "../../../crates/auth/tests/support/provider_process.rs"]
mod provider_process;

use provider_process::ProviderProcess as Provider;

/// The provider fixture of greenroom-auth's tests, on a given port (0: any), with a short
/// device-code polling interval.
fn start_provider(port: u16) -> Provider {
    Provider::start(
        &repo_root().join("crates/auth/tests"),
        &[("PORT", &port.to_string()), ("DEVICE_INTERVAL", "1")],
    )
}

/// Microsoft Graph as recorded in greenroom-auth's fixtures, served over plain HTTP on
/// 127.0.0.1 (one request per connection), paging included (`$skiptoken`).
fn start_graph() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let base = format!(
        "http://127.0.0.1:{}/v1.0",
        listener.local_addr().expect("addr").port()
    );
    let served = base.clone();
    let fixtures = repo_root().join("crates/auth/tests/graph-fixtures");
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut request = Vec::new();
            let mut buffer = [0u8; 4096];
            while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                match stream.read(&mut buffer) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => request.extend_from_slice(&buffer[..n]),
                }
            }
            let head = String::from_utf8_lossy(&request).into_owned();
            let target = head.split_whitespace().nth(1).unwrap_or("/").to_owned();
            let authorised = head
                .lines()
                .any(|l| l.to_ascii_lowercase().starts_with("authorization: bearer "));
            let (path, query) = target.split_once('?').unwrap_or((&target, ""));
            let page = query
                .split('&')
                .find_map(|p| {
                    p.strip_prefix("$skiptoken=")
                        .or(p.strip_prefix("%24skiptoken="))
                })
                .map(|v| format!(".{v}"))
                .unwrap_or_default();
            let resource = path
                .strip_prefix("/v1.0/")
                .unwrap_or(path)
                .replace('/', "_");
            let body = std::fs::read_to_string(fixtures.join(format!("{resource}{page}.json")));
            let (status, body) = match (authorised, body) {
                (false, _) => ("401 Unauthorized", r#"{"error":{"code":"InvalidAuthenticationToken","message":"no token"}}"#.to_owned()),
                (true, Ok(text)) => ("200 OK", text.replace("{{base}}", &served)),
                (true, Err(_)) => ("404 Not Found", r#"{"error":{"code":"Request_ResourceNotFound","message":"Resource does not exist."}}"#.to_owned()),
            };
            let _ = write!(
                stream,
                "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    base
}

/// The "browser": follows the provider's pages with a cookie jar, signs the scripted user in
/// on the provider's form, and so lands on the app's loopback address.
fn browser_script(dir: &Path) -> PathBuf {
    let script = dir.join("browser.sh");
    let jar = dir.join("cookies");
    std::fs::write(
        &script,
        format!(
            r#"#!/bin/sh
jar='{jar}'
page=$(curl -s -L -c "$jar" -b "$jar" -w '\n%{{url_effective}}' "$1")
url=$(printf '%s\n' "$page" | tail -n 1)
action=$(printf '%s' "$page" | sed -n 's/.*action="\(\/interaction\/[^"]*\/login\)".*/\1/p' | head -n 1)
if [ -n "$action" ]; then
  origin=$(printf '%s' "$url" | sed -E 's#^(https?://[^/]+).*#\1#')
  curl -s -L -c "$jar" -b "$jar" -o /dev/null --data-urlencode 'login={LOGIN}' "$origin$action"
fi
"#,
            jar = jar.display()
        ),
    )
    .expect("browser script");
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    script
}

/// A person on another device: opens the verification page, types the code, confirms and
/// signs in on the provider's form (curl with a cookie jar of its own).
fn approve_device_code(dir: &Path, verification_uri: &str, user_code: &str) {
    let jar = dir.join("device-cookies");
    let curl = |args: &[&str]| -> (String, String) {
        let output = Command::new("curl")
            .args(["-s", "-L", "-c"])
            .arg(&jar)
            .arg("-b")
            .arg(&jar)
            .args(["-w", "\n%{url_effective}"])
            .args(args)
            .output()
            .expect("curl runs");
        let text = String::from_utf8_lossy(&output.stdout).into_owned();
        let (body, url) = text.rsplit_once('\n').unwrap_or((&text, ""));
        (body.to_owned(), url.to_owned())
    };
    let hidden = |page: &str| {
        let marker = "name=\"xsrf\" value=\"";
        let start = page
            .find(marker)
            .unwrap_or_else(|| panic!("no xsrf field in: {page}"))
            + marker.len();
        page[start..].split('"').next().expect("value").to_owned()
    };
    let (page, _) = curl(&[verification_uri]);
    let xsrf = hidden(&page);
    let (confirm, _) = curl(&[
        "--data-urlencode",
        &format!("xsrf={xsrf}"),
        "--data-urlencode",
        &format!("user_code={user_code}"),
        verification_uri,
    ]);
    let xsrf = hidden(&confirm);
    let (login, url) = curl(&[
        "--data-urlencode",
        &format!("xsrf={xsrf}"),
        "--data-urlencode",
        &format!("user_code={user_code}"),
        "--data",
        "confirm=yes",
        verification_uri,
    ]);
    if let Some(start) = login.find("action=\"/interaction/") {
        let action = login[start + "action=\"".len()..]
            .split('"')
            .next()
            .expect("action");
        let origin: String = url.splitn(4, '/').take(3).collect::<Vec<_>>().join("/");
        curl(&[
            "--data-urlencode",
            &format!("login={LOGIN}"),
            &format!("{origin}{action}"),
        ]);
    }
}

fn write_config(sandbox: &Sandbox, provider: &Provider, graph: &str) {
    std::fs::create_dir_all(sandbox.data_dir()).expect("data");
    std::fs::write(
        sandbox.data_dir().join("config.toml"),
        format!("{}graph_url = \"{graph}\"\n", provider.auth_table()),
    )
    .expect("config");
}

async fn click(client: &Client, css: &str) -> Result<(), fantoccini::error::CmdError> {
    wait_for(client, css).await.click().await
}

/// Opens the account panel (closing and opening it again asks for the state afresh).
async fn open_panel(client: &Client) -> Result<(), fantoccini::error::CmdError> {
    if client.find(Locator::Css("#account-panel")).await.is_ok() {
        click(client, "#account-button").await?;
    }
    click(client, "#account-button").await?;
    wait_for(client, "#account-panel").await;
    Ok(())
}

#[tokio::test]
async fn a_person_signs_in_syncs_the_organisation_and_signs_out() {
    let app = app_binary();
    require_prerequisites(&app);
    require_keyring();
    let sandbox = Sandbox::new();
    sandbox.set_env("GREENROOM_BROWSER", browser_script(sandbox.path()));
    let driver = Driver::start(&sandbox);
    let result = walk(&driver, &sandbox, &app).await;
    drop(driver);
    result.expect("the account walk-through");
}

async fn walk(
    driver: &Driver,
    sandbox: &Sandbox,
    app: &Path,
) -> Result<(), fantoccini::error::CmdError> {
    let started = std::time::Instant::now();
    let step = |what: &str| println!("{:>6} ms: {what}", started.elapsed().as_millis());
    // Not set up: the menu explains config.toml.
    let c = driver.session(app).await;
    step("session");
    wait_for(&c, "#first-run").await;
    step("first run");
    open_panel(&c).await?;
    step("panel open");
    let panel = wait_for(&c, "#account-not-configured").await;
    step("found");
    let explained = panel.text().await?;
    step("text");
    assert!(explained.contains("config.toml"), "{explained}");
    assert!(explained.contains("client_id"), "{explained}");
    screenshot(&c, "account-not-configured").await;

    // Set up while the app runs: the menu offers to sign in.
    let provider = start_provider(0);
    let graph = start_graph();
    write_config(sandbox, &provider, &graph);
    open_panel(&c).await?;
    wait_for(&c, "#account-signed-out").await;
    screenshot(&c, "account-sign-in").await;

    // The browser sign-in: the scripted browser comes back to the app's loopback listener.
    click(&c, "#sign-in-browser").await?;
    wait_for(&c, "#account-signed-in").await;
    assert_eq!(text(&c, "#account-name").await, "Ada Lovelace");
    assert_eq!(text(&c, "#account-tenant").await, provider.tenant);
    wait_until(
        &c,
        "the name on the account button",
        "return document.querySelector('#account-button strong')?.textContent === 'Ada Lovelace'",
    )
    .await;

    // The organisation: users and groups from Graph become entities.
    click(&c, "#sync-org").await?;
    let synced = text(&c, "#org-sync-result").await;
    assert!(synced.contains("added"), "{synced}");
    wait_until(
        &c,
        "the user's entity in the account panel",
        "return (document.querySelector('#account-signed-in')?.textContent ?? '').includes('user:')",
    )
    .await;
    screenshot(&c, "account-signed-in").await;
    c.close().await?;

    // A restart resumes the remembered session from the keyring.
    let c = driver.session(app).await;
    wait_for(&c, "#catalog-filter").await;
    wait_until(
        &c,
        "the session to be resumed",
        "return (document.querySelector('#account-button')?.textContent ?? '').includes('Signed in')",
    )
    .await;
    // Nothing secret in the data folder.
    for entry in std::fs::read_dir(sandbox.data_dir()).expect("data") {
        let path = entry.expect("entry").path();
        if path.is_file() && path.extension().is_some_and(|e| e == "json" || e == "toml") {
            let content = std::fs::read_to_string(&path).unwrap_or_default();
            assert!(
                !content.contains("refresh_token") && !content.contains("eyJ"),
                "{} holds a token",
                path.display()
            );
        }
    }

    // Sign out, then sign in with a device code approved "on another device".
    open_panel(&c).await?;
    click(&c, "#sign-out").await?;
    wait_for(&c, "#account-signed-out").await;
    click(&c, "#sign-in-device").await?;
    let code = text(&c, "#device-code").await;
    let uri = text(&c, "#device-url").await;
    assert!(
        !code.is_empty() && uri.starts_with(&provider.base()),
        "{code} {uri}"
    );
    screenshot(&c, "account-device-code").await;
    approve_device_code(sandbox.path(), &uri, &code);
    wait_for(&c, "#account-signed-in").await;
    assert_eq!(text(&c, "#account-name").await, "Ada Lovelace");
    c.close().await?;

    // The provider cannot be reached: the app says so calmly and keeps working.
    let port = provider.port;
    drop(provider);
    let c = driver.session(app).await;
    wait_for(&c, "#catalog-filter").await;
    wait_until(
        &c,
        "the offline state",
        "return (document.querySelector('#account-button')?.textContent ?? '').includes('Offline')",
    )
    .await;
    open_panel(&c).await?;
    let offline = text(&c, "#account-offline").await;
    assert!(offline.contains("works offline"), "{offline}");
    c.close().await?;

    // The provider is back but has forgotten the session (as after a revocation): ended.
    let provider = start_provider(port);
    let c = driver.session(app).await;
    wait_for(&c, "#catalog-filter").await;
    wait_until(
        &c,
        "the ended session",
        "return (document.querySelector('#account-button')?.textContent ?? '').includes('Session ended')",
    )
    .await;
    open_panel(&c).await?;
    let ended = text(&c, "#account-expired").await;
    assert!(ended.contains("Your session has ended"), "{ended}");
    assert!(ended.contains("Sign in again"), "{ended}");
    screenshot(&c, "account-expired").await;
    // And signing in again works.
    click(&c, "#sign-in-browser").await?;
    wait_for(&c, "#account-signed-in").await;
    c.close().await?;
    drop(provider);
    Ok(())
}
