//! Which Entra ID directory and app registration to sign in with.

use serde::{Deserialize, Serialize};
use url::Url;

use crate::error::ConfigError;

/// Entra's public-cloud authority; sovereign clouds and tests point elsewhere.
pub const DEFAULT_AUTHORITY: &str = "https://login.microsoftonline.com";
/// Microsoft Graph v1.0 on the public cloud.
pub const DEFAULT_GRAPH_URL: &str = "https://graph.microsoft.com/v1.0";
/// Tenant of personal Microsoft accounts; never allowed unless listed explicitly.
pub const CONSUMERS_TENANT_ID: &str = "9188040d-6c67-4c5b-b112-36a304b66dad";

/// Environment variable overriding [`AuthConfig::authority`].
pub const ENV_AUTHORITY: &str = "GREENROOM_AUTHORITY";
/// Environment variable overriding [`AuthConfig::tenant`].
pub const ENV_TENANT: &str = "GREENROOM_TENANT";
/// Environment variable overriding [`AuthConfig::client_id`].
pub const ENV_CLIENT_ID: &str = "GREENROOM_CLIENT_ID";

/// Sign-in settings, as read from the `[auth]` table of Greenroom's TOML config file.
///
/// ```toml
/// [auth]
/// tenant = "contoso.onmicrosoft.com"   # a GUID, a domain, `organizations` or `common`
/// client_id = "8f3e2a1b-6c5d-4e7f-9a8b-0c1d2e3f4a5b"
/// # authority = "https://login.microsoftonline.us"
/// # allowed_tenants = ["4d9c6a2e-7b1f-4c3a-9e85-2f6d0b1a7c34"]
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthConfig {
    /// Base URL of the identity provider, without the tenant.
    #[serde(default = "default_authority")]
    pub authority: String,
    /// Directory to sign in to: a tenant GUID or verified domain, `organizations` or `common`.
    #[serde(default = "default_tenant")]
    pub tenant: String,
    /// Application (client) ID of the organisation's public-client app registration.
    #[serde(default)]
    pub client_id: String,
    /// Scopes to ask for; `openid` is always sent.
    #[serde(default = "default_scopes")]
    pub scopes: Vec<String>,
    /// Tenant IDs whose users may sign in when `tenant` is `organizations` or `common`.
    /// Empty means "any work or school tenant" (never the personal-account tenant).
    /// With a concrete `tenant`, only that tenant's ID is accepted whatever this says.
    #[serde(default)]
    pub allowed_tenants: Vec<String>,
    /// Microsoft Graph base URL (ends in `/v1.0`).
    #[serde(default = "default_graph_url")]
    pub graph_url: String,
}

fn default_authority() -> String {
    DEFAULT_AUTHORITY.to_owned()
}

fn default_tenant() -> String {
    "organizations".to_owned()
}

fn default_graph_url() -> String {
    DEFAULT_GRAPH_URL.to_owned()
}

/// Scopes asked for by default: identity, a refresh token, and the signed-in user's profile and
/// memberships in Graph (`User.Read` needs no admin consent).
pub fn default_scopes() -> Vec<String> {
    ["openid", "profile", "email", "offline_access", "User.Read"]
        .map(str::to_owned)
        .to_vec()
}

impl Default for AuthConfig {
    fn default() -> Self {
        Self {
            authority: default_authority(),
            tenant: default_tenant(),
            client_id: String::new(),
            scopes: default_scopes(),
            allowed_tenants: Vec::new(),
            graph_url: default_graph_url(),
        }
    }
}

/// Values given on the command line; each one that is set wins over the environment and the file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ConfigOverrides {
    /// `--authority`
    pub authority: Option<String>,
    /// `--tenant`
    pub tenant: Option<String>,
    /// `--client-id`
    pub client_id: Option<String>,
}

impl AuthConfig {
    /// Layers `GREENROOM_AUTHORITY`, `GREENROOM_TENANT`, `GREENROOM_CLIENT_ID` and then the
    /// flags over `self` (usually what the config file said), and checks the result.
    pub fn from_env_and(self, flags: &ConfigOverrides) -> Result<Self, ConfigError> {
        self.with_env_from(|name| std::env::var(name).ok(), flags)
    }

    /// Like [`AuthConfig::from_env_and`] with the environment read through `env`, so callers and
    /// tests need not touch the process environment.
    pub fn with_env_from(
        mut self,
        env: impl Fn(&str) -> Option<String>,
        flags: &ConfigOverrides,
    ) -> Result<Self, ConfigError> {
        let pick = |flag: &Option<String>, var: &str| {
            flag.clone()
                .or_else(|| env(var))
                .map(|value| value.trim().to_owned())
                .filter(|value| !value.is_empty())
        };
        if let Some(authority) = pick(&flags.authority, ENV_AUTHORITY) {
            self.authority = authority;
        }
        if let Some(tenant) = pick(&flags.tenant, ENV_TENANT) {
            self.tenant = tenant;
        }
        if let Some(client_id) = pick(&flags.client_id, ENV_CLIENT_ID) {
            self.client_id = client_id;
        }
        self.validate()?;
        Ok(self)
    }

    /// Checks the settings without touching the network.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.client_id.trim().is_empty() {
            return Err(ConfigError::MissingClientId);
        }
        let authority = Url::parse(&self.authority).map_err(|err| ConfigError::BadUrl {
            field: "authority",
            value: self.authority.clone(),
            reason: err.to_string(),
        })?;
        check_scheme("authority", &authority)?;
        let graph = Url::parse(&self.graph_url).map_err(|err| ConfigError::BadUrl {
            field: "graph_url",
            value: self.graph_url.clone(),
            reason: err.to_string(),
        })?;
        check_scheme("graph_url", &graph)?;
        let tenant = self.tenant.trim();
        let tenant_ok = !tenant.is_empty()
            && tenant
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_'));
        if !tenant_ok {
            return Err(ConfigError::BadTenant(self.tenant.clone()));
        }
        if tenant.eq_ignore_ascii_case("consumers") {
            return Err(ConfigError::ConsumersTenant);
        }
        if let Some(bad) = self.allowed_tenants.iter().find(|t| !is_guid(t)) {
            return Err(ConfigError::BadAllowedTenant(bad.clone()));
        }
        Ok(())
    }

    /// `https://login.microsoftonline.com/{tenant}`: the base of every endpoint path.
    pub(crate) fn tenant_base(&self) -> String {
        format!(
            "{}/{}",
            self.authority.trim_end_matches('/'),
            self.tenant.trim()
        )
    }

    /// The OpenID discovery document of the configured tenant.
    pub(crate) fn discovery_url(&self) -> String {
        format!(
            "{}/v2.0/.well-known/openid-configuration",
            self.tenant_base()
        )
    }

    /// Whether the tenant is `common` or `organizations`, whose issuer is a `{tenantid}` template.
    pub fn is_multi_tenant(&self) -> bool {
        let tenant = self.tenant.trim();
        tenant.eq_ignore_ascii_case("common") || tenant.eq_ignore_ascii_case("organizations")
    }

    /// Whether a user of tenant `tid` may sign in under this configuration.
    pub fn tenant_allowed(&self, tid: &str) -> bool {
        let tenant = self.tenant.trim();
        if is_guid(tenant) {
            return tid.eq_ignore_ascii_case(tenant);
        }
        if !self.allowed_tenants.is_empty() {
            return self
                .allowed_tenants
                .iter()
                .any(|allowed| allowed.eq_ignore_ascii_case(tid));
        }
        !tid.eq_ignore_ascii_case(CONSUMERS_TENANT_ID)
    }

    /// Scopes to send besides `openid`, which the OpenID library adds itself.
    pub(crate) fn extra_scopes(&self) -> impl Iterator<Item = &str> {
        self.scopes
            .iter()
            .map(|scope| scope.trim())
            .filter(|scope| !scope.is_empty() && *scope != "openid")
    }

    /// Whether a refresh token will be issued at all.
    pub(crate) fn wants_refresh_token(&self) -> bool {
        self.scopes
            .iter()
            .any(|scope| scope.trim() == "offline_access")
    }

    /// Name of the keyring entry holding this configuration's refresh token. It names the
    /// authority, tenant and app, so changing any of them never reuses another sign-in.
    pub fn keyring_user(&self) -> String {
        format!(
            "refresh-token:{}@{}/{}",
            self.client_id.trim(),
            self.authority
                .trim_end_matches('/')
                .trim_start_matches("https://")
                .trim_start_matches("http://"),
            self.tenant.trim().to_ascii_lowercase()
        )
    }
}

fn check_scheme(field: &'static str, url: &Url) -> Result<(), ConfigError> {
    let loopback = matches!(
        url.host_str(),
        Some("127.0.0.1") | Some("localhost") | Some("[::1]")
    );
    match url.scheme() {
        "https" => Ok(()),
        // Plain HTTP only to this machine, for tests and local providers.
        "http" if loopback => Ok(()),
        _ => Err(ConfigError::BadUrl {
            field,
            value: url.to_string(),
            reason: "use https:// (plain http:// is accepted only for 127.0.0.1 or localhost)"
                .to_owned(),
        }),
    }
}

/// Whether `value` looks like a GUID (8-4-4-4-12 hex digits), as Entra tenant and object IDs do.
pub fn is_guid(value: &str) -> bool {
    let groups: Vec<&str> = value.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(group, len)| group.len() == len && group.chars().all(|c| c.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const TID: &str = "4d9c6a2e-7b1f-4c3a-9e85-2f6d0b1a7c34";

    fn base() -> AuthConfig {
        AuthConfig {
            client_id: "8f3e2a1b-6c5d-4e7f-9a8b-0c1d2e3f4a5b".into(),
            ..AuthConfig::default()
        }
    }

    #[test]
    fn the_auth_table_of_the_config_file_loads() {
        #[derive(Deserialize)]
        struct File {
            auth: AuthConfig,
        }
        let file: File = toml::from_str(
            r#"
            [auth]
            tenant = "4d9c6a2e-7b1f-4c3a-9e85-2f6d0b1a7c34"
            client_id = "8f3e2a1b-6c5d-4e7f-9a8b-0c1d2e3f4a5b"
            scopes = ["openid", "profile", "offline_access", "User.Read", "GroupMember.Read.All"]
            "#,
        )
        .unwrap();
        assert_eq!(file.auth.authority, DEFAULT_AUTHORITY);
        assert_eq!(file.auth.graph_url, DEFAULT_GRAPH_URL);
        assert_eq!(file.auth.scopes.len(), 5);
        file.auth.validate().unwrap();
        let typo = toml::from_str::<File>("[auth]\nclient-id = \"x\"\n");
        assert!(typo.is_err(), "unknown keys are reported, not ignored");
    }

    #[test]
    fn toml_style_fields_deserialize_with_defaults() {
        let config: AuthConfig =
            serde_json::from_str(r#"{"client_id":"abc","tenant":"contoso.onmicrosoft.com"}"#)
                .unwrap();
        assert_eq!(config.authority, DEFAULT_AUTHORITY);
        assert_eq!(config.scopes, default_scopes());
        assert_eq!(config.tenant, "contoso.onmicrosoft.com");
        assert!(serde_json::from_str::<AuthConfig>(r#"{"client":"x"}"#).is_err());
    }

    #[test]
    fn flags_beat_environment_beat_file() {
        let env = |name: &str| match name {
            ENV_TENANT => Some(TID.to_owned()),
            ENV_CLIENT_ID => Some("from-env".to_owned()),
            ENV_AUTHORITY => Some("https://login.microsoftonline.us".to_owned()),
            _ => None,
        };
        let flags = ConfigOverrides {
            client_id: Some("from-flag".into()),
            ..ConfigOverrides::default()
        };
        let config = base().with_env_from(env, &flags).unwrap();
        assert_eq!(config.client_id, "from-flag");
        assert_eq!(config.tenant, TID);
        assert_eq!(config.authority, "https://login.microsoftonline.us");
    }

    #[test]
    fn empty_environment_values_are_ignored() {
        let config = base()
            .with_env_from(|_| Some("  ".to_owned()), &ConfigOverrides::default())
            .unwrap();
        assert_eq!(config.tenant, "organizations");
    }

    #[test]
    fn validation_names_the_problem() {
        let missing = AuthConfig::default().validate().unwrap_err();
        assert!(matches!(missing, ConfigError::MissingClientId));
        assert!(missing.to_string().contains("GREENROOM_CLIENT_ID"));

        let mut plain = base();
        plain.authority = "http://login.example.com".into();
        assert!(matches!(
            plain.validate(),
            Err(ConfigError::BadUrl {
                field: "authority",
                ..
            })
        ));
        plain.authority = "http://127.0.0.1:8080".into();
        plain.validate().unwrap();

        let mut tenant = base();
        tenant.tenant = "../evil".into();
        assert!(matches!(tenant.validate(), Err(ConfigError::BadTenant(_))));
        tenant.tenant = "consumers".into();
        assert!(matches!(
            tenant.validate(),
            Err(ConfigError::ConsumersTenant)
        ));

        let mut allowed = base();
        allowed.allowed_tenants = vec!["contoso.com".into()];
        assert!(matches!(
            allowed.validate(),
            Err(ConfigError::BadAllowedTenant(_))
        ));
    }

    #[test]
    fn tenant_allowlist() {
        let mut config = base();
        assert!(config.tenant_allowed(TID));
        assert!(!config.tenant_allowed(CONSUMERS_TENANT_ID));
        config.allowed_tenants = vec![TID.to_uppercase()];
        assert!(config.tenant_allowed(TID));
        assert!(!config.tenant_allowed("11111111-2222-3333-4444-555555555555"));
        config.tenant = "11111111-2222-3333-4444-555555555555".into();
        assert!(
            !config.tenant_allowed(TID),
            "a concrete tenant wins over the list"
        );
        assert!(config.tenant_allowed("11111111-2222-3333-4444-555555555555"));
    }

    #[test]
    fn endpoints_and_keyring_names() {
        let mut config = base();
        config.authority = "https://login.microsoftonline.com/".into();
        assert_eq!(
            config.discovery_url(),
            "https://login.microsoftonline.com/organizations/v2.0/.well-known/openid-configuration"
        );
        assert_eq!(
            config.keyring_user(),
            "refresh-token:8f3e2a1b-6c5d-4e7f-9a8b-0c1d2e3f4a5b@login.microsoftonline.com/organizations"
        );
        assert!(config.is_multi_tenant());
        assert_eq!(
            config.extra_scopes().collect::<Vec<_>>(),
            ["profile", "email", "offline_access", "User.Read"]
        );
    }

    #[test]
    fn guid_shape() {
        assert!(is_guid(TID));
        assert!(!is_guid("organizations"));
        assert!(!is_guid("4d9c6a2e-7b1f-4c3a-9e85-2f6d0b1a7c3"));
        assert!(!is_guid("4d9c6a2e-7b1f-4c3a-9e85-2f6d0b1a7c3g"));
    }
}
