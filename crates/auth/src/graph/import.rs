//! Reading the organisation from Graph into entity documents for the catalog.

use std::collections::HashMap;
use std::sync::Arc;

use serde::Serialize;
use serde_json::Value;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use super::client::{GraphClient, GraphError};
use super::entities::{
    GROUP_ID_ANNOTATION, Memberships, USER_ID_ANNOTATION, UserNaming, group_entity, group_ref,
    organization_entity, resolve_relations, user_entity, user_ref,
};

const USER_FIELDS: &str = "id,displayName,mail,userPrincipalName";
const GROUP_FIELDS: &str = "id,displayName,description,mail,mailNickname,securityEnabled";
/// Group member lists read at once; Graph throttles beyond a handful per user.
const PARALLEL_MEMBER_READS: usize = 4;

/// How much of the organisation to read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrgScope {
    /// The signed-in user, their groups (transitively) and the organisation: needs only
    /// `User.Read` (group names need `GroupMember.Read.All` in some tenants).
    Me,
    /// Every user and group of the tenant with memberships, as Backstage reads them: needs
    /// `User.Read.All` and `GroupMember.Read.All` (admin consent).
    Tenant,
    /// `Tenant`, falling back to `Me` when Graph denies it.
    #[default]
    Auto,
}

/// Import settings.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OrgImportOptions {
    /// How much to read.
    pub scope: OrgScope,
    /// How users are named.
    pub user_naming: UserNaming,
}

/// A group the signed-in user belongs to, for the "Mine" view.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct GroupRef {
    /// Graph object ID.
    pub id: String,
    /// The catalog ref of its entity, `group:default/<name>`.
    pub entity_ref: String,
    /// Display name.
    pub display_name: String,
}

/// Something Graph listed that could not become an entity, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Skipped {
    /// `user` or `group`.
    pub kind: &'static str,
    /// Graph object ID.
    pub id: String,
    /// Why.
    pub reason: &'static str,
}

/// The organisation as read, ready for the catalog's Graph source.
#[derive(Clone, Debug, Serialize)]
pub struct OrgSnapshot {
    /// The tenant read.
    pub tenant_id: Option<String>,
    /// The scope actually read (`Auto` resolves to one of the others).
    pub scope: OrgScope,
    /// Why `Auto` fell back to `Me`, to tell the user.
    pub fallback_reason: Option<String>,
    /// User and Group entity documents (apiVersion/kind/metadata/spec), groups first.
    pub entities: Vec<Value>,
    /// The signed-in user's entity ref, when they could be named.
    pub me: Option<String>,
    /// The signed-in user's groups, direct and nested.
    pub my_groups: Vec<GroupRef>,
    /// Graph objects left out.
    pub skipped: Vec<Skipped>,
}

/// Progress of an import.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum ImportProgress {
    /// Reading a collection; `count` items so far.
    Reading {
        /// What (`users`, `groups`, `my groups`).
        what: &'static str,
        /// Items read so far.
        count: usize,
    },
    /// Group member lists read.
    Members {
        /// Done so far.
        done: usize,
        /// Groups in all.
        total: usize,
    },
    /// Finished.
    Done {
        /// User entities made.
        users: usize,
        /// Group entities made (root included).
        groups: usize,
    },
}

/// The signed-in user's groups (direct and nested), named as the import names them.
pub async fn my_groups(graph: &GraphClient) -> Result<Vec<GroupRef>, GraphError> {
    let groups = graph
        .collection(
            &format!("me/transitiveMemberOf/microsoft.graph.group?$select={GROUP_FIELDS}&$top=999"),
            |_| {},
        )
        .await?;
    Ok(group_refs(&groups))
}

fn group_refs(groups: &[Value]) -> Vec<GroupRef> {
    groups
        .iter()
        .filter_map(|group| {
            let entity = group_entity(group)?;
            Some(GroupRef {
                id: entity["metadata"]["annotations"][GROUP_ID_ANNOTATION]
                    .as_str()?
                    .to_owned(),
                entity_ref: group_ref(entity["metadata"]["name"].as_str()?),
                display_name: entity["spec"]["profile"]["displayName"]
                    .as_str()?
                    .to_owned(),
            })
        })
        .collect()
}

/// Reads the organisation and turns it into entities.
pub async fn import_org(
    graph: &GraphClient,
    options: OrgImportOptions,
    progress: &(dyn Fn(ImportProgress) + Send + Sync),
) -> Result<OrgSnapshot, GraphError> {
    let me = graph.get(&format!("me?$select={USER_FIELDS}")).await?;
    let my_groups_raw = graph
        .collection(
            &format!("me/transitiveMemberOf/microsoft.graph.group?$select={GROUP_FIELDS}&$top=999"),
            |count| {
                progress(ImportProgress::Reading {
                    what: "my groups",
                    count,
                })
            },
        )
        .await?;
    // `GET /organization` needs only User.Read; without it there is no root group.
    let organization = match graph
        .collection("organization?$select=id,displayName", |_| {})
        .await
    {
        Ok(list) => list.into_iter().next(),
        Err(GraphError::Forbidden { .. }) => None,
        Err(err) => return Err(err),
    };

    let mut fallback_reason = None;
    let tenant = match options.scope {
        OrgScope::Me => None,
        OrgScope::Tenant => Some(read_tenant(graph, progress).await?),
        OrgScope::Auto => match read_tenant(graph, progress).await {
            Ok(read) => Some(read),
            Err(err @ GraphError::Forbidden { .. }) => {
                tracing::info!("reading only the signed-in user's part of the organisation: {err}");
                fallback_reason = Some(err.to_string());
                None
            }
            Err(err) => return Err(err),
        },
    };
    let scope = if tenant.is_some() {
        OrgScope::Tenant
    } else {
        OrgScope::Me
    };

    let mut skipped = Vec::new();
    let (raw_users, raw_groups, memberships) = match tenant {
        Some(read) => read,
        None => {
            // Only what the user may see: themselves, their groups, and that they are members.
            let my_id = me["id"].as_str().unwrap_or_default().to_owned();
            let group_ids = my_groups_raw
                .iter()
                .filter_map(|group| group["id"].as_str().map(str::to_owned))
                .collect();
            let mut memberships = Memberships::default();
            memberships.user_groups.insert(my_id, group_ids);
            (vec![me.clone()], my_groups_raw.clone(), memberships)
        }
    };

    let mut users = Vec::new();
    for user in &raw_users {
        match user_entity(user, options.user_naming) {
            Some(entity) => users.push(entity),
            None => skipped.push(Skipped {
                kind: "user",
                id: user["id"].as_str().unwrap_or_default().to_owned(),
                reason: "no id, displayName or mail",
            }),
        }
    }
    let mut groups = Vec::new();
    for group in &raw_groups {
        match group_entity(group) {
            Some(entity) => groups.push(entity),
            None => skipped.push(Skipped {
                kind: "group",
                id: group["id"].as_str().unwrap_or_default().to_owned(),
                reason: "no displayName (Graph hides names without GroupMember.Read.All)",
            }),
        }
    }
    let root = organization.as_ref().and_then(organization_entity);
    let (users, groups) = resolve_relations(root, groups, users, &memberships);

    let my_id = me["id"].as_str().unwrap_or_default();
    let me_ref = users
        .iter()
        .find(|user| user["metadata"]["annotations"][USER_ID_ANNOTATION] == my_id)
        .and_then(|user| user["metadata"]["name"].as_str())
        .map(user_ref);
    progress(ImportProgress::Done {
        users: users.len(),
        groups: groups.len(),
    });
    let mut entities = groups;
    entities.extend(users);
    Ok(OrgSnapshot {
        tenant_id: organization
            .as_ref()
            .and_then(|org| org["id"].as_str())
            .map(str::to_owned),
        scope,
        fallback_reason,
        entities,
        me: me_ref,
        my_groups: group_refs(&my_groups_raw),
        skipped,
    })
}

/// Every user, every group and each group's members, as Backstage's `readMicrosoftGraphOrg`.
async fn read_tenant(
    graph: &GraphClient,
    progress: &(dyn Fn(ImportProgress) + Send + Sync),
) -> Result<(Vec<Value>, Vec<Value>, Memberships), GraphError> {
    let users = graph
        .collection(&format!("users?$select={USER_FIELDS}&$top=999"), |count| {
            progress(ImportProgress::Reading {
                what: "users",
                count,
            })
        })
        .await?;
    let groups = graph
        .collection(
            &format!("groups?$select={GROUP_FIELDS}&$top=999"),
            |count| {
                progress(ImportProgress::Reading {
                    what: "groups",
                    count,
                })
            },
        )
        .await?;

    let ids: Vec<String> = groups
        .iter()
        .filter_map(|group| group["id"].as_str().map(str::to_owned))
        .collect();
    let limit = Arc::new(Semaphore::new(PARALLEL_MEMBER_READS));
    let mut reads = JoinSet::new();
    for (index, id) in ids.iter().enumerate() {
        let graph = graph.clone();
        let limit = Arc::clone(&limit);
        let path = format!("groups/{id}/members?$select=id&$top=999");
        reads.spawn(async move {
            let _permit = limit.acquire_owned().await;
            (index, graph.collection(&path, |_| {}).await)
        });
    }
    let mut members: Vec<Option<Vec<Value>>> = vec![None; ids.len()];
    let mut done = 0;
    while let Some(joined) = reads.join_next().await {
        let (index, result) = joined.map_err(|err| GraphError::BadResponse {
            path: "groups/{id}/members".to_owned(),
            reason: err.to_string(),
        })?;
        members[index] = Some(result?);
        done += 1;
        progress(ImportProgress::Members {
            done,
            total: ids.len(),
        });
    }

    // In Graph's listing order, so the entities come out the same on every run.
    let mut memberships = Memberships::default();
    let mut user_groups: HashMap<String, Vec<String>> = HashMap::new();
    for (group_id, list) in ids.iter().zip(members) {
        let mut child_groups = Vec::new();
        for member in list.unwrap_or_default() {
            let Some(member_id) = member["id"].as_str() else {
                continue;
            };
            match member["@odata.type"].as_str() {
                Some("#microsoft.graph.user") => user_groups
                    .entry(member_id.to_owned())
                    .or_default()
                    .push(group_id.clone()),
                Some("#microsoft.graph.group") => child_groups.push(member_id.to_owned()),
                _ => {}
            }
        }
        if !child_groups.is_empty() {
            memberships
                .group_members
                .push((group_id.clone(), child_groups));
        }
    }
    memberships.user_groups = user_groups;
    Ok((users, groups, memberships))
}
