//! Who is signed in, the settings of sign-in, and the organisation imported from Microsoft
//! Graph. Tokens never pass through here: `greenroom-auth` keeps them in the OS keyring.
//! What is remembered in the data folder is only who signed in and their groups, so the
//! "Mine" view and `whoami` work offline.

use std::collections::BTreeSet;
use std::path::PathBuf;

use greenroom_auth::graph::OrgSnapshot;
use greenroom_auth::{Account, AuthConfig, ConfigOverrides};
use greenroom_catalog::descriptor::{FileError, RepoFiles, parse_descriptor};
use greenroom_catalog::store::{
    EntitySummary, NewSource, RepoContent, RepoIndex, SourceIndex, SourceKind, WriteStats,
};
use serde::{Deserialize, Serialize};

use crate::{Error, Greenroom};

/// The settings file in the data folder.
pub const SETTINGS_FILE: &str = "config.toml";
const ACCOUNT_FILE: &str = "account.json";

/// `config.toml`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Sign-in with Microsoft Entra ID (`[auth]`).
    #[serde(default)]
    pub auth: Option<AuthConfig>,
    /// Fetching from Git hosts (`[git]`).
    #[serde(default)]
    pub git: GitSettings,
}

/// `[git]` of `config.toml`.
///
/// ```toml
/// [git]
/// azure_devops_hosts = ["devops.contoso.com", "127.0.0.1:8443"]
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GitSettings {
    /// Hosts (`host` or `host:port`) that take Entra ID tokens for Azure DevOps, besides
    /// `dev.azure.com` and `*.visualstudio.com`: an HTTPS fetch from one of them uses the
    /// signed-in account's token when no token is stored for the host.
    #[serde(default)]
    pub azure_devops_hosts: Vec<String>,
}

/// Who signed in, remembered without any secret.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SignedInUser {
    /// Display name.
    pub name: String,
    /// Sign-in name (UPN), if known.
    pub username: Option<String>,
    /// Directory (tenant) ID.
    pub tenant_id: String,
    /// Object ID of the user in the tenant; with the tenant, the user's identity.
    pub object_id: String,
    /// The user's entity in the catalog, once the organisation was imported.
    pub entity: Option<String>,
    /// The user's groups in the catalog (canonical refs), for the "Mine" view.
    pub groups: Vec<String>,
}

impl SignedInUser {
    /// What is remembered of an account.
    pub fn from_account(account: &Account) -> Self {
        SignedInUser {
            name: account.display_name().to_owned(),
            username: account.username.clone(),
            tenant_id: account.id.tenant_id.clone(),
            object_id: account.id.object_id.clone(),
            entity: None,
            groups: Vec::new(),
        }
    }
}

impl Greenroom {
    /// Reads `config.toml` from the data folder (defaults when there is none).
    pub fn settings(&self) -> Result<Settings, Error> {
        let path = self.dir.join(SETTINGS_FILE);
        match std::fs::read_to_string(&path) {
            Ok(text) => toml::from_str(&text)
                .map_err(|e| Error::Invalid(format!("{}: {e}", path.display()))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Settings::default()),
            Err(e) => Err(Error::io(&path, &e)),
        }
    }

    /// The sign-in configuration: `config.toml`, then the `GREENROOM_*` environment
    /// variables, then the flags; checked.
    pub fn auth_config(&self, flags: &ConfigOverrides) -> Result<AuthConfig, Error> {
        let base = self.settings()?.auth.unwrap_or_default();
        base.from_env_and(flags).map_err(|e| {
            Error::Invalid(format!(
                "{e} (settings file: {}; the README says how to register Greenroom in Entra ID)",
                self.dir.join(SETTINGS_FILE).display()
            ))
        })
    }

    /// Remembers who signed in (no secret).
    pub fn remember_user(&self, user: &SignedInUser) -> Result<(), Error> {
        let path = self.dir.join(ACCOUNT_FILE);
        let temp = self.dir.join(format!(".{ACCOUNT_FILE}.tmp"));
        let json = serde_json::to_vec_pretty(user).map_err(|e| Error::Invalid(e.to_string()))?;
        std::fs::write(&temp, json).map_err(|e| Error::io(&temp, &e))?;
        std::fs::rename(&temp, &path).map_err(|e| Error::io(&path, &e))
    }

    /// Remembers a sign-in that just succeeded. The catalog entity and groups of the same user
    /// from an earlier organisation sync are kept, so the "Mine" view survives a new sign-in.
    pub fn remember_sign_in(&self, account: &Account) -> Result<SignedInUser, Error> {
        let mut user = SignedInUser::from_account(account);
        if let Some(previous) = self
            .signed_in_user()
            .filter(|p| p.object_id == user.object_id && p.tenant_id == user.tenant_id)
        {
            user.entity = previous.entity;
            user.groups = previous.groups;
        }
        self.remember_user(&user)?;
        Ok(user)
    }

    /// Who signed in last, if anyone.
    pub fn signed_in_user(&self) -> Option<SignedInUser> {
        let text = std::fs::read(self.dir.join(ACCOUNT_FILE)).ok()?;
        serde_json::from_slice(&text).ok()
    }

    /// Forgets who signed in.
    pub fn forget_user(&self) -> Result<(), Error> {
        let path = self.dir.join(ACCOUNT_FILE);
        match std::fs::remove_file(&path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(Error::io(&path, &e)),
            _ => Ok(()),
        }
    }

    /// Stores an organisation read from Microsoft Graph as a source of its own (replacing the
    /// previous import of the same tenant), validating every entity as if read from a file,
    /// and remembers the signed-in user's entity and groups.
    pub fn store_org(&mut self, org: &OrgSnapshot) -> Result<WriteStats, Error> {
        let tenant = org
            .tenant_id
            .clone()
            .unwrap_or_else(|| "organisation".to_owned());
        let target = format!("graph:{tenant}");
        let source = match self
            .catalog
            .sources()?
            .into_iter()
            .find(|s| s.target == target)
        {
            Some(source) => source,
            None => self.catalog.add_source(&NewSource {
                kind: SourceKind::Org,
                target: target.clone(),
                name: format!("Microsoft Entra ID ({tenant})"),
                settings: serde_json::json!({}),
                priority: 90,
            })?,
        };
        // JSON is YAML: the documents are read exactly as a descriptor file would be.
        let text = org
            .entities
            .iter()
            .map(|e| e.to_string())
            .collect::<Vec<_>>()
            .join("\n---\n");
        let file = parse_descriptor(&NoFiles, "users-and-groups.yaml", text.as_bytes());
        let repo = RepoIndex {
            path: target.clone(),
            name: source.name.clone(),
            head: None,
            branch: None,
            remote_url: None,
            location: "url:https://graph.microsoft.com/v1.0/".to_owned(),
            fingerprint: file.content_hash.clone(),
            watch: "{}".to_owned(),
            content: RepoContent::Read {
                files: vec![file],
                problems: Vec::new(),
            },
        };
        let stats = self.catalog.apply(SourceIndex {
            source_id: source.id,
            repos: vec![repo],
            complete: true,
            problems: Vec::new(),
        })?;
        if let Some(mut user) = self.signed_in_user() {
            user.entity = org.me.clone();
            user.groups = org
                .my_groups
                .iter()
                .map(|g| g.entity_ref.to_lowercase())
                .collect();
            self.remember_user(&user)?;
        }
        Ok(stats)
    }

    /// What the signed-in user's groups own, and what the user owns: the "Mine" view.
    pub fn mine(&self) -> Result<Vec<EntitySummary>, Error> {
        let Some(user) = self.signed_in_user() else {
            return Err(Error::Invalid(
                "nobody is signed in; `greenroom login` then `greenroom org sync` set up the \"Mine\" view".to_owned(),
            ));
        };
        let mut seen = BTreeSet::new();
        let mut mine = Vec::new();
        for owner in user.entity.iter().chain(&user.groups) {
            for entity in self.catalog.owned_by(owner)? {
                if seen.insert(entity.key.clone()) {
                    mine.push(entity);
                }
            }
        }
        Ok(mine)
    }

    /// The settings file's path, to tell people where to configure things.
    pub fn settings_path(&self) -> PathBuf {
        self.dir.join(SETTINGS_FILE)
    }
}

/// Entities from Graph have no files around them: placeholders have nothing to read.
struct NoFiles;

impl RepoFiles for NoFiles {
    fn read(&self, path: &str, _max_bytes: u64) -> Result<Vec<u8>, FileError> {
        Err(FileError::NotFound(path.to_owned()))
    }

    fn glob(&self, _pattern: &str) -> Result<Vec<String>, FileError> {
        Ok(Vec::new())
    }
}
