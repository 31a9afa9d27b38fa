//! Who is signed in, as the verified ID token says.

use serde::{Deserialize, Serialize};

/// The stable identity of a user: tenant ID and object ID, never e-mail or user name (both are
/// mutable and can be reassigned). The object ID is Graph's `user.id` and Backstage's
/// `graph.microsoft.com/user-id` annotation.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct AccountId {
    /// `tid`: the directory the user signed in to.
    pub tenant_id: String,
    /// `oid`: the user's object ID in that directory.
    pub object_id: String,
}

/// The signed-in user. Holds no secret, so the facade may cache it (e.g. to show who was signed
/// in while offline).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    /// The key to use for this user.
    pub id: AccountId,
    /// `name`: display name, for showing only.
    pub name: Option<String>,
    /// `preferred_username` (usually the UPN), for showing only.
    pub username: Option<String>,
    /// `email`, unverified; for showing only.
    pub email: Option<String>,
    /// Group object IDs from the `groups` claim, when the app registration emits it.
    pub groups: Vec<String>,
    /// True when the user is in too many groups for the token (`_claim_names` / `hasgroups`):
    /// read them from Graph (`/me/transitiveMemberOf`) instead.
    pub groups_overage: bool,
    /// App roles assigned to the user (`roles`).
    pub roles: Vec<String>,
}

impl Account {
    /// Name to show: display name, else user name, else the object ID.
    pub fn display_name(&self) -> &str {
        self.name
            .as_deref()
            .or(self.username.as_deref())
            .unwrap_or(&self.id.object_id)
    }
}
