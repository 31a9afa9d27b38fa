//! The Greenroom catalog: Backstage descriptors read and validated as Backstage does,
//! their relations, and the SQLite catalog that stores and searches them.

pub mod descriptor;
pub mod model;
pub mod problem;
pub mod rules;
pub mod snapshot;
pub mod store;

pub use descriptor::{
    DescriptorFile, FileProblem, ReadEntity, RepoFiles, WorkingTree, read_descriptor, read_tree,
};
pub use model::entity::{Entity, Link, Metadata};
pub use model::entity_ref::{DEFAULT_NAMESPACE, EntityRef, RefError};
pub use model::relation::{Relation, RelationType, declared_relations};
pub use problem::{Problem, Severity};
pub use store::{Catalog, StoreError};
