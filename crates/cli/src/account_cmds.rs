//! `greenroom login|logout|whoami` and `greenroom org sync`: sign-in with Microsoft Entra ID
//! (tokens stay in the OS keyring) and the organisation imported from Microsoft Graph.

use std::process::ExitCode;

use greenroom::Greenroom;
use greenroom::auth::graph::{GraphClient, ImportProgress, OrgImportOptions, import_org};
use greenroom::auth::{
    BrowserSignIn, CancellationToken, ConfigOverrides, PublicClient, SignInProgress, StorageStatus,
    TokenStore,
};

use crate::args::{AuthFlags, LoginArgs};
use crate::render::json;

/// The environment variable naming a program to open sign-in pages with (instead of the
/// desktop's default browser), as `BROWSER` does for other tools.
const BROWSER_ENV: &str = "GREENROOM_BROWSER";

fn overrides(flags: &AuthFlags) -> ConfigOverrides {
    ConfigOverrides {
        authority: flags.authority.clone(),
        tenant: flags.tenant.clone(),
        client_id: flags.client_id.clone(),
    }
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?)
}

async fn client(greenroom: &Greenroom, flags: &AuthFlags) -> anyhow::Result<PublicClient> {
    let config = greenroom.auth_config(&overrides(flags))?;
    let store = TokenStore::open().await;
    if let StorageStatus::MemoryOnly { reason } = store.status() {
        eprintln!(
            "note: no keyring is available ({reason}); the sign-in lasts until this command ends"
        );
    }
    Ok(PublicClient::new(config, store)?)
}

fn show(step: SignInProgress) {
    match step {
        SignInProgress::OpeningBrowser { .. } => eprintln!("Opening your browser to sign in..."),
        SignInProgress::WaitingForBrowser { timeout_secs } => {
            eprintln!(
                "Waiting for the browser (up to {} min; Ctrl+C to stop)...",
                timeout_secs / 60
            )
        }
        SignInProgress::DeviceCode {
            user_code,
            verification_uri,
            ..
        } => {
            eprintln!(
                "To sign in, open {verification_uri} on any device and enter the code {user_code}"
            );
        }
        SignInProgress::KeyringUnavailable { reason } => eprintln!("note: {reason}"),
        _ => {}
    }
}

fn open_browser(url: &str) -> Result<(), String> {
    let program = std::env::var(BROWSER_ENV).ok().filter(|p| !p.is_empty());
    let opened = match program {
        Some(program) => std::process::Command::new(program)
            .arg(url)
            .spawn()
            .map(|_| ()),
        None if cfg!(target_os = "macos") => std::process::Command::new("open")
            .arg(url)
            .spawn()
            .map(|_| ()),
        None if cfg!(windows) => std::process::Command::new("cmd")
            .args(["/C", "start", "", url])
            .spawn()
            .map(|_| ()),
        None => std::process::Command::new("xdg-open")
            .arg(url)
            .spawn()
            .map(|_| ()),
    };
    if opened.is_err() {
        eprintln!("Could not open a browser. Open this address to sign in:\n{url}");
    }
    Ok(())
}

pub fn login(greenroom: &Greenroom, args: &LoginArgs) -> anyhow::Result<ExitCode> {
    runtime()?.block_on(async {
        let client = client(greenroom, &args.auth).await?;
        let cancel = CancellationToken::new();
        let account = if args.device {
            client.sign_in_with_device_code(&show, &cancel).await?
        } else {
            let options = BrowserSignIn {
                login_hint: args.login_hint.clone(),
                ..BrowserSignIn::default()
            };
            client
                .sign_in_with_browser(&open_browser, &options, &show, &cancel)
                .await?
        };
        let user = greenroom.remember_sign_in(&account)?;
        let remembered = client.storage_status().is_persistent();
        crate::out!("Signed in as {} (tenant {}).", user.name, user.tenant_id);
        if !remembered {
            crate::out!("The session is not remembered: no keyring is available.");
        }
        Ok(ExitCode::SUCCESS)
    })
}

pub fn logout(greenroom: &Greenroom, flags: &AuthFlags) -> anyhow::Result<ExitCode> {
    runtime()?.block_on(async {
        if let Ok(client) = client(greenroom, flags).await {
            client.sign_out().await?;
        }
        greenroom.forget_user()?;
        crate::out!("Signed out; nothing of the session is stored any more.");
        Ok(ExitCode::SUCCESS)
    })
}

pub fn whoami(greenroom: &Greenroom, as_json: bool) -> anyhow::Result<ExitCode> {
    let Some(user) = greenroom.signed_in_user() else {
        if as_json {
            json(&serde_json::Value::Null)?;
        } else {
            crate::out!("Not signed in. `greenroom login` signs in with Microsoft Entra ID.");
        }
        return Ok(ExitCode::from(1));
    };
    if as_json {
        json(&user)?;
    } else {
        crate::out!(
            "{}{}",
            user.name,
            user.username
                .as_deref()
                .map(|u| format!(" <{u}>"))
                .unwrap_or_default()
        );
        crate::out!("  tenant  {}", user.tenant_id);
        if let Some(entity) = &user.entity {
            crate::out!("  entity  {entity}");
        }
        if !user.groups.is_empty() {
            crate::out!("  groups  {}", user.groups.join(", "));
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn org_sync(greenroom: &mut Greenroom, flags: &AuthFlags) -> anyhow::Result<ExitCode> {
    let org = runtime()?.block_on(async {
        let client = client(greenroom, flags).await?;
        if client.restore(&show).await?.is_none() {
            anyhow::bail!("nobody is signed in; run `greenroom login` first");
        }
        let token = client.access_token().await?;
        let graph = GraphClient::new(&client.config().graph_url, token)?;
        let progress = |event: ImportProgress| {
            if let ImportProgress::Reading { what, count } = event {
                eprintln!("Reading {what}: {count}");
            }
        };
        Ok(import_org(&graph, OrgImportOptions::default(), &progress).await?)
    })?;
    if let Some(reason) = &org.fallback_reason {
        eprintln!("note: only your own user and groups were imported: {reason}");
    }
    let stats = greenroom.store_org(&org)?;
    crate::out!(
        "Organisation imported: {} users and groups ({} added, {} updated, {} removed).",
        org.entities.len(),
        stats.added,
        stats.updated,
        stats.removed
    );
    Ok(ExitCode::SUCCESS)
}
