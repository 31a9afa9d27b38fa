//! The signed-in Entra ID account as the HTTPS credential for Azure DevOps: an access token
//! for the Azure DevOps resource, minted from the session's refresh token, sent as the
//! password of Basic authentication (any user name), as Git Credential Manager does for
//! Azure Repos. Only used when no token is stored for the host; never stored itself.
//!
//! Fetches ask for credentials on their own threads, outside any async runtime, while the
//! sign-in client is async: one worker thread per sync owns a runtime and the client, and
//! every wait on it is bounded.

use std::sync::{Mutex, mpsc};
use std::time::Duration;

use greenroom_auth::{AccessToken, AuthConfig, AuthError, PublicClient, TokenStore};

/// Azure DevOps' resource (its application ID) with `.default`: every permission the app
/// registration was granted on it.
pub const AZURE_DEVOPS_SCOPE: &str = "499b84ac-1321-427f-aa17-267ca6975798/.default";
/// How long a token request may take, the identity provider's answer included.
const TOKEN_WAIT: Duration = Duration::from_secs(60);
/// Opening the keyring (bounded at 30 s by greenroom-auth) comes on top the first time.
const WORKER_WAIT: Duration = Duration::from_secs(100);

/// Whether `host` (`host` or `host:port`, lower case) is Azure DevOps: `dev.azure.com`,
/// `*.visualstudio.com`, or one of `extra` (`[git] azure_devops_hosts`); an entry without
/// a port matches any port.
pub(crate) fn is_azure_devops_host(host: &str, extra: &[String]) -> bool {
    let host = host.trim().to_ascii_lowercase();
    let name = match host.rsplit_once(':') {
        Some((name, port))
            if !port.is_empty()
                && port.chars().all(|c| c.is_ascii_digit())
                && (!name.contains(':') || name.ends_with(']')) =>
        {
            name
        }
        _ => host.as_str(),
    };
    name == "dev.azure.com"
        || name.ends_with(".visualstudio.com")
        || extra.iter().any(|entry| {
            let entry = entry.trim().to_ascii_lowercase();
            entry == host || entry == name
        })
}

type Reply = mpsc::Sender<Result<Option<AccessToken>, String>>;

/// Entra ID tokens for the Azure DevOps hosts of one sync.
pub(crate) struct AzureDevOpsTokens {
    hosts: Vec<String>,
    /// The sign-in settings; `None` when sign-in is not configured.
    config: Option<AuthConfig>,
    worker: Mutex<Option<mpsc::Sender<(String, Reply)>>>,
}

impl AzureDevOpsTokens {
    /// For the hosts listed in `[git] azure_devops_hosts` and the sign-in of `config`.
    pub(crate) fn new(hosts: Vec<String>, config: Option<AuthConfig>) -> Self {
        AzureDevOpsTokens {
            hosts,
            config,
            worker: Mutex::new(None),
        }
    }

    /// Whether `host` is one of Azure DevOps'.
    pub(crate) fn serves(&self, host: &str) -> bool {
        self.config.is_some() && is_azure_devops_host(host, &self.hosts)
    }

    /// The signed-in account's token for Azure DevOps; `Ok(None)` when nobody is signed in.
    /// `Err` says what to do, worded to follow "needs credentials for HOST: ".
    pub(crate) fn token(&self, host: &str) -> Result<Option<AccessToken>, String> {
        let Some(config) = &self.config else {
            return Ok(None);
        };
        let (reply, answer) = mpsc::channel();
        {
            let mut worker = self.worker.lock().unwrap_or_else(|p| p.into_inner());
            if worker.is_none() {
                *worker = Some(spawn_worker(config.clone())?);
            }
            if let Some(worker) = worker.as_ref()
                && worker.send((host.to_owned(), reply)).is_err()
            {
                return Err("the sign-in worker stopped; try the sync again".to_owned());
            }
        }
        answer.recv_timeout(WORKER_WAIT).unwrap_or_else(|_| {
            Err(format!(
                "the identity provider did not give a token for Azure DevOps within {} seconds; check the network",
                WORKER_WAIT.as_secs()
            ))
        })
    }
}

/// A thread with a runtime and a sign-in client over the keyring's refresh token; it ends
/// when the sender is dropped, at the end of the sync.
fn spawn_worker(config: AuthConfig) -> Result<mpsc::Sender<(String, Reply)>, String> {
    let (send, requests) = mpsc::channel::<(String, Reply)>();
    std::thread::Builder::new()
        .name("entra-token".into())
        .spawn(move || {
            let runtime = match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(runtime) => runtime,
                Err(e) => {
                    for (_, reply) in requests {
                        let _ = reply.send(Err(format!("cannot start the sign-in client ({e})")));
                    }
                    return;
                }
            };
            let client = runtime.block_on(async {
                let store = TokenStore::open().await;
                PublicClient::new(config, store)
            });
            for (host, reply) in requests {
                let answer = match &client {
                    Ok(client) => runtime.block_on(async {
                        match tokio::time::timeout(
                            TOKEN_WAIT,
                            client.access_token_for(AZURE_DEVOPS_SCOPE),
                        )
                        .await
                        {
                            Ok(result) => explain(result, &host),
                            Err(_) => Err(format!(
                                "the identity provider did not answer within {} seconds; check the network",
                                TOKEN_WAIT.as_secs()
                            )),
                        }
                    }),
                    Err(e) => Err(format!("the sign-in settings are unusable ({e})")),
                };
                let _ = reply.send(answer);
            }
            // The client (and its keyring store) is dropped here, on this plain thread.
            drop(client);
        })
        .map_err(|e| format!("cannot start the sign-in client ({e})"))?;
    Ok(send)
}

/// What a failure to get the token means for the fetch, in words a person can act on.
fn explain(
    result: Result<AccessToken, AuthError>,
    host: &str,
) -> Result<Option<AccessToken>, String> {
    match result {
        Ok(token) => Ok(Some(token)),
        Err(AuthError::NotSignedIn) => Ok(None),
        Err(AuthError::ResourceNotAllowed { detail, .. }) => Err(format!(
            "your organisation has not allowed Greenroom to access Azure DevOps ({detail}); use a personal access \
             token instead (`greenroom credentials set {host}`)"
        )),
        Err(e) if e.needs_sign_in() => Err(format!(
            "the Entra ID sign-in used for Azure DevOps has ended ({e}); sign in again with `greenroom login`, or use \
             a personal access token"
        )),
        Err(e) => Err(format!(
            "could not get an Entra ID token for Azure DevOps ({e}); or use a personal access token"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn azure_devops_hosts() {
        let extra = vec!["DevOps.Contoso.com".to_owned(), "127.0.0.1:8443".to_owned()];
        for (host, expected) in [
            ("dev.azure.com", true),
            ("dev.azure.com:443", true),
            ("contoso.visualstudio.com", true),
            ("visualstudio.com", false),
            ("evilvisualstudio.com", false),
            ("dev.azure.com.evil.example", false),
            ("github.com", false),
            ("devops.contoso.com", true),
            ("devops.contoso.com:8080", true),
            ("127.0.0.1:8443", true),
            ("127.0.0.1:8444", false),
            ("127.0.0.1", false),
        ] {
            assert_eq!(is_azure_devops_host(host, &extra), expected, "{host}");
        }
    }

    #[test]
    fn without_sign_in_settings_no_host_is_served() {
        let tokens = AzureDevOpsTokens::new(Vec::new(), None);
        assert!(!tokens.serves("dev.azure.com"));
        assert_eq!(tokens.token("dev.azure.com").ok(), Some(None));
    }
}
