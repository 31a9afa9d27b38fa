//! The entity model: envelope, references, kinds and relations.

pub mod entity;
pub mod entity_ref;
pub mod kinds;
pub mod relation;
