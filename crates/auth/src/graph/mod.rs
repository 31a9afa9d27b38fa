//! The organisation from Microsoft Graph, as the catalog's own source of Backstage `User` and
//! `Group` entities.
//!
//! Give [`GraphClient`] the access token from [`crate::PublicClient::access_token`] and the
//! configured `graph_url`; [`import_org`] returns entity documents (apiVersion, kind, metadata,
//! spec) the way Backstage's Microsoft Graph provider makes them, plus the signed-in user's
//! groups for the "Mine" view. [`my_groups`] alone is cheap enough for every app start.

mod client;
mod entities;
mod import;

pub use client::{GraphClient, GraphError};
pub use entities::{
    EMAIL_ANNOTATION, GROUP_ID_ANNOTATION, Memberships, TENANT_ID_ANNOTATION, USER_ID_ANNOTATION,
    UserNaming, group_entity, group_ref, normalize_entity_name, organization_entity,
    resolve_relations, user_entity, user_ref,
};
pub use import::{
    GroupRef, ImportProgress, OrgImportOptions, OrgScope, OrgSnapshot, Skipped, import_org,
    my_groups,
};
