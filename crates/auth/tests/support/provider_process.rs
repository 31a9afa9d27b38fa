//! The OpenID provider fixture (`crates/auth/tests/oidc-provider`: panva's oidc-provider
//! dressed as Entra ID) as a child process on 127.0.0.1, for tests outside greenroom-auth
//! that drive it from blocking code. The CLI's tests and the app's end-to-end tests include
//! this file with `#[path]`.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

/// A running provider; stopped when dropped.
pub struct ProviderProcess {
    child: Child,
    /// Its port on 127.0.0.1.
    pub port: u16,
    /// The tenant it issues tokens for.
    pub tenant: String,
    /// The public client registered in it.
    pub client_id: String,
}

impl ProviderProcess {
    /// Starts the fixture found in `auth_tests` (greenroom-auth's `tests` folder) on any free
    /// port, with `env` on top (e.g. `PORT` to take a given one, `DEVICE_INTERVAL`).
    pub fn start(auth_tests: &Path, env: &[(&str, &str)]) -> ProviderProcess {
        let dir = auth_tests.join("oidc-provider");
        assert!(
            dir.join("node_modules/oidc-provider").is_dir(),
            "the OpenID provider fixture is not installed: run crates/auth/tests/prepare.sh"
        );
        let mut child = Command::new("node")
            .arg("server.mjs")
            .current_dir(&dir)
            .env("PORT", "0")
            .env("STOP_ON_STDIN_CLOSE", "1")
            .envs(env.iter().copied())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("node runs the provider fixture");
        let mut lines = BufReader::new(child.stdout.take().expect("stdout"));
        let mut ready = String::new();
        lines
            .read_line(&mut ready)
            .expect("the provider says it is ready");
        std::thread::spawn(move || for _ in lines.lines() {});
        let ready: serde_json::Value = serde_json::from_str(&ready).expect("ready line is JSON");
        ProviderProcess {
            port: ready["port"].as_u64().expect("port") as u16,
            tenant: ready["tenant"].as_str().expect("tenant").to_owned(),
            client_id: ready["client_id"].as_str().expect("client id").to_owned(),
            child,
        }
    }

    /// Its base URL, the authority to configure.
    pub fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The `[auth]` table of a `config.toml` pointing at it.
    pub fn auth_table(&self) -> String {
        format!(
            "[auth]\nauthority = \"{}\"\ntenant = \"{}\"\nclient_id = \"{}\"\n",
            self.base(),
            self.tenant,
            self.client_id
        )
    }
}

impl Drop for ProviderProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
