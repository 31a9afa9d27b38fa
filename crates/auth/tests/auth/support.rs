//! Test harness: the real OpenID provider (panva/oidc-provider dressed like Entra, in
//! tests/oidc-provider) started on 127.0.0.1, and a cookie-keeping HTTP client that plays the
//! user's browser against it.

use std::path::Path;
use std::sync::Arc;

use greenroom_auth::{
    AuthConfig, BrowserSignIn, CancellationToken, NoProgress, ProgressSink, PublicClient,
    SignInProgress, TokenStore,
};
use reqwest::StatusCode;
use serde_json::{Value, json};

pub const PREPARE_HINT: &str = "run crates/auth/tests/prepare.sh (installs the OpenID provider fixture with npm ci and the keyring packages)";

#[path = "../support/provider_process.rs"]
#[allow(dead_code)] // Shared with the CLI's and the app's tests, which use all of it.
mod provider_process;

use provider_process::ProviderProcess;

/// A running provider; stopped when dropped.
pub struct OidcProvider {
    _process: ProviderProcess,
    pub base: String,
    pub tenant: String,
    pub client_id: String,
    control: reqwest::Client,
}

impl OidcProvider {
    pub async fn start() -> Self {
        Self::start_with(&[]).await
    }

    /// Starts the provider with extra environment (REFRESH_TOKEN_TTL, DEVICE_CODE_TTL,
    /// DEVICE_INTERVAL, ...).
    pub async fn start_with(env: &[(&str, &str)]) -> Self {
        let process =
            ProviderProcess::start(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests"), env);
        Self {
            base: process.base(),
            tenant: process.tenant.clone(),
            client_id: process.client_id.clone(),
            control: reqwest::Client::new(),
            _process: process,
        }
    }

    /// A configuration pointing at this provider; `tenant` is the tenant GUID, `organizations`
    /// or `common`.
    pub fn config(&self, tenant: &str) -> AuthConfig {
        AuthConfig {
            authority: self.base.clone(),
            tenant: tenant.to_owned(),
            client_id: self.client_id.clone(),
            ..AuthConfig::default()
        }
    }

    /// Makes the next token response carry an ID token with `claims` overridden (null removes a
    /// claim), signed with `key`: provider | impostor | rotated | unpublished.
    pub async fn tamper_next_id_token(&self, claims: Value, key: &str) {
        self.post("/_test/tamper", json!({ "claims": claims, "key": key }))
            .await;
    }

    pub async fn settings(&self, settings: Value) {
        self.post("/_test/settings", settings).await;
    }

    /// Counters and what the provider last saw.
    pub async fn state(&self) -> Value {
        self.control
            .get(format!("{}/_test/state", self.base))
            .send()
            .await
            .expect("provider state")
            .json()
            .await
            .expect("provider state is JSON")
    }

    async fn post(&self, path: &str, body: Value) {
        let response = self
            .control
            .post(format!("{}{path}", self.base))
            .json(&body)
            .send()
            .await
            .expect("provider control request");
        assert!(
            response.status().is_success(),
            "{path}: {}",
            response.status()
        );
    }

    /// The token endpoint for `tenant`.
    pub fn token_endpoint(&self, tenant: &str) -> String {
        format!("{}/{tenant}/oauth2/v2.0/token", self.base)
    }
}

/// The user's browser: keeps cookies, follows redirects by hand so the test sees where they go.
pub struct Browser {
    http: reqwest::Client,
}

/// What the loopback listener answered the browser.
#[derive(Debug)]
pub struct Landing {
    pub status: StatusCode,
    pub body: String,
}

impl Default for Browser {
    fn default() -> Self {
        Self::new()
    }
}

impl Browser {
    pub fn new() -> Self {
        Self {
            http: reqwest::Client::builder()
                .cookie_store(true)
                .redirect(reqwest::redirect::Policy::none())
                // The provider's Node server sometimes resets a reused idle connection; browsers
                // retry, this client simply opens a new one per request.
                .pool_max_idle_per_host(0)
                .build()
                .expect("browser client"),
        }
    }

    /// Follows the provider's pages from `url` (the scripted user signs in and consents) until
    /// it redirects to the app's loopback address, and returns that URL without visiting it.
    pub async fn until_callback(&self, url: &str) -> String {
        let mut url = url.to_owned();
        for _ in 0..20 {
            let response = self.http.get(&url).send().await.expect("browser GET");
            let status = response.status();
            if status.is_redirection() {
                let location = response.headers()["location"]
                    .to_str()
                    .expect("location")
                    .to_owned();
                let next = reqwest::Url::parse(&url)
                    .and_then(|base| base.join(&location))
                    .expect("redirect target");
                if next.host_str() == Some("localhost") {
                    return next.to_string();
                }
                url = next.to_string();
                continue;
            }
            let body = response.text().await.unwrap_or_default();
            panic!("the provider stopped at {url} with {status}: {body}");
        }
        panic!("too many redirects from the provider");
    }

    /// Visits the app's loopback address, as the browser does at the end of a sign-in.
    pub async fn deliver(&self, callback: &str) -> Result<Landing, reqwest::Error> {
        let response = self.http.get(callback).send().await?;
        Ok(Landing {
            status: response.status(),
            body: response.text().await?,
        })
    }

    /// The whole browser leg of a sign-in.
    pub async fn sign_in(&self, url: &str) -> Landing {
        let callback = self.until_callback(url).await;
        self.deliver(&callback)
            .await
            .expect("loopback listener answers")
    }

    /// The user opens the verification page, types the code, confirms (or aborts), and signs in
    /// as `login` when asked. Returns the last page's text.
    pub async fn enter_device_code(
        &self,
        verification_uri: &str,
        user_code: &str,
        login: &str,
        approve: bool,
    ) -> String {
        let page = self
            .http
            .get(verification_uri)
            .send()
            .await
            .expect("verification page")
            .text()
            .await
            .expect("verification page text");
        let xsrf = hidden_value(&page, "xsrf");
        let confirm = self
            .http
            .post(verification_uri)
            .form(&[("xsrf", xsrf.as_str()), ("user_code", user_code)])
            .send()
            .await
            .expect("posting the user code")
            .text()
            .await
            .expect("confirm page");
        assert!(
            confirm.contains("op.deviceConfirmForm"),
            "the provider did not accept the user code: {confirm}"
        );
        let xsrf = hidden_value(&confirm, "xsrf");
        let decision = if approve {
            ("confirm", "yes")
        } else {
            ("abort", "yes")
        };
        let mut response = self
            .http
            .post(verification_uri)
            .form(&[("xsrf", xsrf.as_str()), ("user_code", user_code), decision])
            .send()
            .await
            .expect("confirming the device");
        let mut url = reqwest::Url::parse(verification_uri).expect("verification URI");
        for _ in 0..20 {
            let status = response.status();
            if status.is_redirection() {
                let location = response.headers()["location"]
                    .to_str()
                    .expect("location")
                    .to_owned();
                url = url.join(&location).expect("redirect target");
                response = self
                    .http
                    .get(url.clone())
                    .send()
                    .await
                    .expect("following redirect");
                continue;
            }
            let body = response.text().await.expect("page text");
            if let Some(action) = login_form_action(&body) {
                let target = url.join(&action).expect("login form action");
                response = self
                    .http
                    .post(target.clone())
                    .form(&[("login", login)])
                    .send()
                    .await
                    .expect("signing in");
                url = target;
                continue;
            }
            return body;
        }
        panic!("too many steps on the device pages");
    }
}

fn hidden_value(page: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = page
        .find(&marker)
        .unwrap_or_else(|| panic!("no {name} field in: {page}"))
        + marker.len();
    page[start..].split('"').next().expect("value").to_owned()
}

fn login_form_action(page: &str) -> Option<String> {
    let start = page.find("action=\"/interaction/")? + "action=\"".len();
    let action = page[start..].split('"').next()?;
    action.ends_with("/login").then(|| action.to_owned())
}

/// An opener that hands the sign-in URL to a browser task.
pub fn opener_to(
    sender: tokio::sync::mpsc::UnboundedSender<String>,
) -> impl Fn(&str) -> Result<(), String> + Send + Sync {
    move |url: &str| sender.send(url.to_owned()).map_err(|err| err.to_string())
}

/// Records every progress step.
#[derive(Clone, Default)]
pub struct Steps(pub Arc<std::sync::Mutex<Vec<SignInProgress>>>);

impl ProgressSink for Steps {
    fn report(&self, step: SignInProgress) {
        self.0.lock().expect("steps").push(step);
    }
}

impl Steps {
    pub fn all(&self) -> Vec<SignInProgress> {
        self.0.lock().expect("steps").clone()
    }
}

/// Signs in through the browser as `login`, the test playing the browser; returns the result and
/// what the browser was shown.
pub async fn browser_sign_in(
    client: &PublicClient,
    login: &str,
    progress: &dyn ProgressSink,
) -> (
    Result<greenroom_auth::Account, greenroom_auth::AuthError>,
    Landing,
) {
    let (sender, mut urls) = tokio::sync::mpsc::unbounded_channel();
    let opener = opener_to(sender);
    let browser = tokio::spawn(async move {
        let url = urls.recv().await.expect("the client opened the browser");
        Browser::new().sign_in(&url).await
    });
    let options = BrowserSignIn {
        login_hint: Some(login.to_owned()),
        ..BrowserSignIn::default()
    };
    let result = client
        .sign_in_with_browser(&opener, &options, progress, &CancellationToken::new())
        .await;
    let landing = browser.await.expect("browser task");
    (result, landing)
}

/// A client with a memory-only store, for flows that do not test the keyring.
pub fn memory_client(config: AuthConfig) -> PublicClient {
    PublicClient::new(config, TokenStore::memory_only("tests")).expect("client")
}

pub const ADA: &str = "ada.lovelace@contoso.example";
pub const ADA_OID: &str = "0b4a3c8e-5f21-4d6b-9a7e-1c2d3e4f5a61";
pub const GRACE: &str = "grace.hopper@contoso.example";

pub async fn signed_in(provider: &OidcProvider, tenant: &str) -> PublicClient {
    let client = memory_client(provider.config(tenant));
    let (result, _) = browser_sign_in(&client, ADA, &NoProgress).await;
    result.expect("sign-in");
    client
}

/// The real Secret Service; fails, saying how to run the tests, when none is reachable.
pub async fn keyring() -> TokenStore {
    TokenStore::open_required().await.unwrap_or_else(|err| {
        panic!(
            "no Secret Service is reachable ({err}). Run the tests as `dbus-run-session -- crates/auth/tests/support/with-keyring.sh cargo test -p greenroom-auth`; {PREPARE_HINT}"
        )
    })
}
