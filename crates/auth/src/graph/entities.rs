//! Graph users, groups and the organisation as Backstage `User` and `Group` entities, made the
//! way Backstage's Microsoft Graph provider makes them
//! (`plugins/catalog-backend-module-msgraph/src/microsoftGraph/{defaultTransformers,read,helper}.ts`).

use std::collections::HashMap;

use serde_json::{Map, Value, json};

/// Annotation holding a user's Graph object ID (= the ID token's `oid`).
pub const USER_ID_ANNOTATION: &str = "graph.microsoft.com/user-id";
/// Annotation holding a group's Graph object ID (= a `groups` claim value).
pub const GROUP_ID_ANNOTATION: &str = "graph.microsoft.com/group-id";
/// Annotation of the root group holding the tenant ID.
pub const TENANT_ID_ANNOTATION: &str = "graph.microsoft.com/tenant-id";
/// Annotation holding a user's e-mail (Backstage's sign-in resolver matches on it).
pub const EMAIL_ANNOTATION: &str = "microsoft.com/email";

const API_VERSION: &str = "backstage.io/v1alpha1";

/// How users get entity names.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UserNaming {
    /// Backstage's default: named from `mail`; users without `mail` are skipped.
    #[default]
    Mail,
    /// Named from `mail`, else from `userPrincipalName` (accounts without a mailbox are common).
    MailOrUserPrincipalName,
}

/// Backstage's `normalizeEntityName`: trim, lower-case, every character outside
/// `[a-zA-Z0-9_\-.]` becomes `_`, no trailing `_`, no `__`.
pub fn normalize_entity_name(name: &str) -> String {
    let mut cleaned: String = name
        .trim()
        .to_lowercase()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect();
    while cleaned.ends_with('_') {
        cleaned.pop();
    }
    while cleaned.contains("__") {
        cleaned = cleaned.replace("__", "_");
    }
    cleaned
}

/// `group:default/name`, as Backstage's `stringifyEntityRef` writes it.
pub fn group_ref(name: &str) -> String {
    format!("group:default/{name}")
}

/// `user:default/name`.
pub fn user_ref(name: &str) -> String {
    format!("user:default/{name}")
}

fn text<'a>(value: &'a Value, field: &str) -> Option<&'a str> {
    value
        .get(field)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

/// `defaultUserTransformer`: needs `id`, `displayName` and `mail` (or the UPN, if asked).
pub fn user_entity(user: &Value, naming: UserNaming) -> Option<Value> {
    let id = text(user, "id")?;
    let display_name = text(user, "displayName")?;
    let mail = match naming {
        UserNaming::Mail => text(user, "mail")?,
        UserNaming::MailOrUserPrincipalName => {
            text(user, "mail").or_else(|| text(user, "userPrincipalName"))?
        }
    };
    Some(json!({
        "apiVersion": API_VERSION,
        "kind": "User",
        "metadata": {
            "name": normalize_entity_name(mail),
            "annotations": {
                EMAIL_ANNOTATION: mail,
                USER_ID_ANNOTATION: id,
            },
        },
        "spec": {
            "profile": { "displayName": display_name, "email": mail },
            "memberOf": [],
        },
    }))
}

/// The name `defaultGroupTransformer` gives: security groups by display name, others by mail
/// nickname when they have one.
fn group_name(group: &Value) -> Option<&str> {
    let display_name = text(group, "displayName")?;
    if group.get("securityEnabled").and_then(Value::as_bool) == Some(true) {
        return Some(display_name);
    }
    Some(text(group, "mailNickname").unwrap_or(display_name))
}

/// `defaultGroupTransformer`: needs `id` and `displayName`.
pub fn group_entity(group: &Value) -> Option<Value> {
    let id = text(group, "id")?;
    let display_name = text(group, "displayName")?;
    let mut metadata = Map::new();
    metadata.insert(
        "name".into(),
        normalize_entity_name(group_name(group)?).into(),
    );
    metadata.insert("annotations".into(), json!({ GROUP_ID_ANNOTATION: id }));
    if let Some(description) = text(group, "description") {
        metadata.insert("description".into(), description.into());
    }
    let mut profile = Map::new();
    profile.insert("displayName".into(), display_name.into());
    if let Some(mail) = text(group, "mail") {
        profile.insert("email".into(), mail.into());
    }
    Some(json!({
        "apiVersion": API_VERSION,
        "kind": "Group",
        "metadata": metadata,
        "spec": { "type": "team", "profile": profile, "children": [] },
    }))
}

/// `defaultOrganizationTransformer`: the tenant as the root group.
pub fn organization_entity(organization: &Value) -> Option<Value> {
    let id = text(organization, "id")?;
    let display_name = text(organization, "displayName")?;
    Some(json!({
        "apiVersion": API_VERSION,
        "kind": "Group",
        "metadata": {
            "name": normalize_entity_name(display_name),
            "description": display_name,
            "annotations": { TENANT_ID_ANNOTATION: id },
        },
        "spec": {
            "type": "root",
            "profile": { "displayName": display_name },
            "children": [],
        },
    }))
}

fn annotation<'a>(entity: &'a Value, key: &str) -> Option<&'a str> {
    entity["metadata"]["annotations"][key].as_str()
}

fn name_of(entity: &Value) -> &str {
    entity["metadata"]["name"].as_str().unwrap_or_default()
}

/// Membership read from Graph, by object ID, in the order Graph listed it.
#[derive(Clone, Debug, Default)]
pub struct Memberships {
    /// Group ID -> IDs of groups that are its members.
    pub group_members: Vec<(String, Vec<String>)>,
    /// User ID -> IDs of groups the user is a member of.
    pub user_groups: HashMap<String, Vec<String>>,
}

fn push_unique(list: &mut Vec<String>, value: &str) {
    if !list.iter().any(|v| v == value) {
        list.push(value.to_owned());
    }
}

/// Backstage's `resolveRelations`: child groups become `children`, each group gets one `parent`
/// (groups without one hang under the root), users get `memberOf`. Then users and groups are
/// sorted by name. Backstage's later `buildOrgHierarchy`/`buildMemberOf` passes compare entity
/// names with the full refs written here, so they change nothing and are not repeated.
pub fn resolve_relations(
    root: Option<Value>,
    mut groups: Vec<Value>,
    mut users: Vec<Value>,
    memberships: &Memberships,
) -> (Vec<Value>, Vec<Value>) {
    if let Some(root) = root {
        groups.insert(0, root);
    }
    // Group ID or tenant ID -> ref.
    let refs: HashMap<String, String> = groups
        .iter()
        .filter_map(|group| {
            let id = annotation(group, GROUP_ID_ANNOTATION)
                .or_else(|| annotation(group, TENANT_ID_ANNOTATION))?;
            Some((id.to_owned(), group_ref(name_of(group))))
        })
        .collect();
    let mut children: Vec<(String, Vec<String>)> = memberships.group_members.clone();
    let mut parents: HashMap<String, Vec<String>> = HashMap::new();
    for (group, members) in &children {
        for member in members {
            push_unique(parents.entry(member.clone()).or_default(), group);
        }
    }
    let tenant = groups
        .iter()
        .find_map(|group| annotation(group, TENANT_ID_ANNOTATION))
        .map(str::to_owned);
    if let Some(tenant) = &tenant {
        for group in &groups {
            let Some(id) = annotation(group, GROUP_ID_ANNOTATION) else {
                continue;
            };
            let orphan = parents.get(id).is_none_or(Vec::is_empty);
            if orphan {
                push_unique(parents.entry(id.to_owned()).or_default(), tenant);
                match children.iter_mut().find(|(group, _)| group == tenant) {
                    Some((_, members)) => push_unique(members, id),
                    None => children.push((tenant.clone(), vec![id.to_owned()])),
                }
            }
        }
    }
    for group in &mut groups {
        let Some(id) = annotation(group, GROUP_ID_ANNOTATION)
            .or_else(|| annotation(group, TENANT_ID_ANNOTATION))
            .map(str::to_owned)
        else {
            continue;
        };
        let child_refs: Vec<Value> = children
            .iter()
            .filter(|(parent, _)| *parent == id)
            .flat_map(|(_, members)| members)
            .filter_map(|member| refs.get(member).cloned().map(Value::from))
            .collect();
        if let Some(list) = group["spec"]["children"].as_array_mut() {
            list.extend(child_refs);
        }
        // Backstage keeps a single parent: the last one listed.
        if let Some(parent) = parents
            .get(&id)
            .and_then(|ids| ids.iter().rev().find_map(|p| refs.get(p)))
        {
            group["spec"]["parent"] = parent.clone().into();
        }
    }
    for user in &mut users {
        let Some(id) = annotation(user, USER_ID_ANNOTATION).map(str::to_owned) else {
            continue;
        };
        let mut member_of: Vec<String> = Vec::new();
        for group in memberships.user_groups.get(&id).into_iter().flatten() {
            if let Some(group_ref) = refs.get(group) {
                push_unique(&mut member_of, group_ref);
            }
        }
        user["spec"]["memberOf"] = member_of.into();
    }
    users.sort_by(|a, b| name_of(a).cmp(name_of(b)));
    groups.sort_by(|a, b| name_of(a).cmp(name_of(b)));
    (users, groups)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The cases of Backstage's helper.test.ts, plus the trailing and doubled underscores.
    #[test]
    fn entity_names_are_normalised_like_backstage() {
        for (input, expected) in [
            ("User.Name@example.com", "user.name_example.com"),
            ("  Platform Team ", "platform_team"),
            ("my group (Reader)", "my_group_reader"),
            ("Ärger-Gruppe", "_rger-gruppe"),
            ("a__b___c", "a_b_c"),
            ("x_", "x"),
        ] {
            assert_eq!(normalize_entity_name(input), expected, "{input}");
        }
    }

    #[test]
    fn users_without_mail_follow_the_naming_rule() {
        let user = json!({ "id": "u1", "displayName": "Room 1", "userPrincipalName": "room1@contoso.example" });
        assert_eq!(user_entity(&user, UserNaming::Mail), None);
        let named = user_entity(&user, UserNaming::MailOrUserPrincipalName).unwrap();
        assert_eq!(named["metadata"]["name"], "room1_contoso.example");
        assert_eq!(
            named["metadata"]["annotations"][EMAIL_ANNOTATION],
            "room1@contoso.example"
        );
    }

    #[test]
    fn group_names_depend_on_security_enabled() {
        let security = json!({ "id": "g", "displayName": "Platform Team", "mailNickname": "plat", "securityEnabled": true });
        assert_eq!(
            group_entity(&security).unwrap()["metadata"]["name"],
            "platform_team"
        );
        let unified = json!({ "id": "g", "displayName": "Engineering", "mailNickname": "eng", "securityEnabled": false });
        assert_eq!(group_entity(&unified).unwrap()["metadata"]["name"], "eng");
        assert_eq!(
            group_entity(&json!({ "id": "g" })),
            None,
            "no displayName: not readable"
        );
    }
}
