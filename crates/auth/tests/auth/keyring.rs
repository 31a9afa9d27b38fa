//! The refresh token in the real Secret Service (gnome-keyring), read back with `secret-tool`.
//! These tests need the wrapper: they fail, saying so, when no Secret Service is reachable.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use greenroom_auth::{
    AuthError, NoProgress, PublicClient, SignInProgress, StorageStatus, TokenStore,
};

use crate::support::*;

/// What the Secret Service holds for `user`, asked through libsecret's own tool.
fn lookup(user: &str) -> Option<String> {
    let output = Command::new("secret-tool")
        .args([
            "lookup",
            "service",
            greenroom_auth::KEYRING_SERVICE,
            "username",
            user,
        ])
        .output()
        .unwrap_or_else(|err| panic!("secret-tool is missing ({err}); {PREPARE_HINT}"));
    let value = String::from_utf8(output.stdout).expect("secret is text");
    (output.status.success() && !value.is_empty()).then_some(value)
}

fn files_containing(dir: &Path, needle: &str) -> Vec<String> {
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return found;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(files_containing(&path, needle));
        } else if std::fs::read(&path)
            .map(|bytes| bytes.windows(needle.len()).any(|w| w == needle.as_bytes()))
            .unwrap_or(false)
        {
            found.push(path.display().to_string());
        }
    }
    found
}

#[tokio::test(flavor = "multi_thread")]
async fn the_refresh_token_lives_in_the_keyring_and_rotates() {
    let provider = OidcProvider::start().await;
    let config = provider.config(&provider.tenant);
    let user = config.keyring_user();
    let client = PublicClient::new(config.clone(), keyring().await).unwrap();
    assert!(matches!(
        client.storage_status(),
        StorageStatus::Keyring { .. }
    ));

    let steps = Steps::default();
    let (result, _) = browser_sign_in(&client, ADA, &steps).await;
    let account = result.expect("sign-in");
    assert!(steps.all().iter().any(|step| matches!(
        step,
        SignInProgress::SignedIn {
            remembered: true,
            ..
        }
    )));
    let first = lookup(&user).expect("the refresh token is in the keyring");
    assert_eq!(
        provider.state().await["lastTokens"]["refresh_token"].as_str(),
        Some(first.as_str()),
        "the keyring holds the refresh token, nothing else"
    );

    client.refresh().await.expect("renewal");
    let second = lookup(&user).expect("still stored");
    assert_ne!(first, second, "the rotated token replaced the old one");

    // Nothing secret lands in a file: gnome-keyring's storage is encrypted.
    for var in ["XDG_DATA_HOME", "XDG_RUNTIME_DIR"] {
        if let Some(dir) = std::env::var_os(var) {
            assert_eq!(
                files_containing(Path::new(&dir), &second),
                Vec::<String>::new()
            );
        }
    }

    // A new process (new client, new store) resumes the remembered sign-in.
    let later = PublicClient::new(config.clone(), keyring().await).unwrap();
    let restored = later.restore(&NoProgress).await.expect("restore");
    assert_eq!(restored.map(|a| a.id), Some(account.id));
    let third = lookup(&user).expect("rotated again on restore");
    assert_ne!(third, second);
    assert!(later.access_token().await.is_ok());

    later.sign_out().await.expect("sign-out");
    assert_eq!(lookup(&user), None, "sign-out deletes the keyring entry");
    assert_eq!(later.restore(&NoProgress).await.unwrap(), None);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_remembered_sign_in_that_expired_is_forgotten() {
    let provider = OidcProvider::start_with(&[("REFRESH_TOKEN_TTL", "2")]).await;
    let config = provider.config(&provider.tenant);
    let client = PublicClient::new(config.clone(), keyring().await).unwrap();
    let (result, _) = browser_sign_in(&client, ADA, &NoProgress).await;
    result.expect("sign-in");
    assert!(lookup(&config.keyring_user()).is_some());

    tokio::time::sleep(Duration::from_secs(3)).await;
    let later = PublicClient::new(config.clone(), keyring().await).unwrap();
    let err = later.restore(&NoProgress).await.unwrap_err();
    assert!(matches!(err, AuthError::SignInAgain(_)), "{err:?}");
    assert_eq!(lookup(&config.keyring_user()), None);
    assert_eq!(later.account().await, None);
}

/// Runs itself in a child process whose D-Bus address leads nowhere, as on a headless machine.
#[tokio::test(flavor = "multi_thread")]
async fn without_a_secret_service_the_session_is_memory_only_and_says_so() {
    const PROBE: &str = "GREENROOM_AUTH_PROBE_WITHOUT_BUS";
    if std::env::var_os(PROBE).is_some() {
        let store = TokenStore::open().await;
        println!("STATUS {}", serde_json::to_string(&store.status()).unwrap());
        println!(
            "REQUIRED {}",
            TokenStore::open_required().await.unwrap_err()
        );
        let provider = OidcProvider::start().await;
        let client = PublicClient::new(provider.config(&provider.tenant), store).unwrap();
        let steps = Steps::default();
        let (result, _) = browser_sign_in(&client, ADA, &steps).await;
        result.expect("sign-in works without a keyring");
        let remembered = steps.all().iter().any(|step| {
            matches!(
                step,
                SignInProgress::SignedIn {
                    remembered: true,
                    ..
                }
            )
        });
        println!("REMEMBERED {remembered}");
        return;
    }
    let output = Command::new(std::env::current_exe().unwrap())
        .args([
            "keyring::without_a_secret_service_the_session_is_memory_only_and_says_so",
            "--exact",
            "--nocapture",
        ])
        .env(PROBE, "1")
        .env(
            "DBUS_SESSION_BUS_ADDRESS",
            "unix:path=/nonexistent/greenroom-test-bus",
        )
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "probe failed: {stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout.contains(r#"STATUS {"kind":"memory_only","reason":"#),
        "{stdout}"
    );
    assert!(stdout.contains("Secret Service"), "{stdout}");
    assert!(
        stdout.contains("REQUIRED no OS keyring is available"),
        "{stdout}"
    );
    assert!(stdout.contains("REMEMBERED false"), "{stdout}");
}
