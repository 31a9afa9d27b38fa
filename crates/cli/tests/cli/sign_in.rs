//! `greenroom login`, `whoami` and `logout` against the real OpenID provider of the sign-in
//! tests (panva's oidc-provider dressed as Entra ID, on 127.0.0.1), with a scripted browser
//! and, under the test command, the real Secret Service keyring.

use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::process::Stdio;

use crate::{Env, text};

#[path = "../../../auth/tests/support/provider_process.rs"]
mod provider_process;

pub(crate) use provider_process::ProviderProcess as Provider;

pub(crate) fn start_provider() -> Provider {
    Provider::start(
        &PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../auth/tests"),
        &[],
    )
}

/// What `GET /_test/state` of the provider says.
pub(crate) fn provider_state(provider: &Provider) -> serde_json::Value {
    StateReader::new(provider).state()
}

/// Reads the provider's `GET /_test/state` (plain HTTP/1.0 over a socket), from any thread.
pub(crate) struct StateReader {
    address: String,
}

impl StateReader {
    pub(crate) fn new(provider: &Provider) -> StateReader {
        StateReader {
            address: provider.base().trim_start_matches("http://").to_owned(),
        }
    }

    pub(crate) fn state(&self) -> serde_json::Value {
        use std::io::{Read, Write};
        let address = self.address.as_str();
        let mut stream = std::net::TcpStream::connect(address).expect("provider");
        write!(
            stream,
            "GET /_test/state HTTP/1.0\r\nHost: {address}\r\n\r\n"
        )
        .expect("request");
        let mut answer = String::new();
        stream.read_to_string(&mut answer).expect("answer");
        let body = answer.split_once("\r\n\r\n").map_or("", |(_, body)| body);
        serde_json::from_str(body).expect("provider state is JSON")
    }
}

/// `greenroom login` as Ada, a curl script playing the browser against `provider`; the data
/// folder's `config.toml` must point at the provider.
pub(crate) fn login(env: &Env) {
    // The "browser": follows the provider's pages (its scripted user signs in) back to the
    // command's loopback listener, keeping cookies like a browser does.
    let browser = env.dir.path().join("browser.sh");
    let jar = env.dir.path().join("cookies");
    std::fs::write(
        &browser,
        format!(
            "#!/bin/sh\nexec curl -s -L -c '{0}' -b '{0}' -o /dev/null \"$1\"\n",
            jar.display()
        ),
    )
    .expect("script");
    std::fs::set_permissions(&browser, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let mut login = env
        .command(&["login", "--login-hint", "ada.lovelace@contoso.example"])
        .env("GREENROOM_BROWSER", &browser)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("login");
    let started = std::time::Instant::now();
    while login.try_wait().expect("wait").is_none()
        && started.elapsed() < std::time::Duration::from_secs(60)
    {
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    if login.try_wait().expect("wait").is_none() {
        let _ = login.kill();
    }
    let login = login.wait_with_output().expect("login output");
    assert!(
        login.status.success(),
        "login failed: {}",
        text(&login.stderr)
    );
    assert!(
        text(&login.stdout).contains("Signed in as Ada Lovelace"),
        "{}",
        text(&login.stdout)
    );
}

#[test]
fn login_whoami_and_logout_against_a_real_provider() {
    let provider = start_provider();
    let env = Env::new();
    std::fs::create_dir_all(env.data()).expect("data");
    std::fs::write(env.data().join("config.toml"), provider.auth_table()).expect("config");

    assert_eq!(
        env.run(&["whoami"]).status.code(),
        Some(1),
        "nobody is signed in yet"
    );
    login(&env);
    assert!(
        env.ok(&["whoami"])
            .contains(&format!("tenant  {}", provider.tenant)),
        "whoami names the tenant"
    );

    let who = env.json(&["whoami"]);
    assert_eq!(who["name"], "Ada Lovelace");
    assert_eq!(who["objectId"], "0b4a3c8e-5f21-4d6b-9a7e-1c2d3e4f5a61");
    // Nothing secret is written to the data folder.
    for entry in std::fs::read_dir(env.data()).expect("data") {
        let path = entry.expect("entry").path();
        if path.is_file() && path.extension().is_none_or(|e| e != "db" && e != "db-wal") {
            let content = std::fs::read_to_string(&path).unwrap_or_default();
            assert!(
                !content.contains("refresh_token") && !content.contains("eyJ"),
                "{} holds a token",
                path.display()
            );
        }
    }

    assert!(env.run(&["logout"]).status.success());
    assert_eq!(env.run(&["whoami"]).status.code(), Some(1));

    let unconfigured = Env::new();
    let refused = unconfigured.run(&["login"]);
    assert!(!refused.status.success());
    assert!(
        text(&refused.stderr).contains("no client ID configured"),
        "{}",
        text(&refused.stderr)
    );
}
