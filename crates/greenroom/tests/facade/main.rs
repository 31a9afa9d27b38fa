//! Facade tests that need no server: the organisation import's storage and the "Mine" view,
//! remote repositories' docs (over `file://`).

mod org;
mod remote_docs;
