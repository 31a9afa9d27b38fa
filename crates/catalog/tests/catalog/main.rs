//! Integration tests of the catalog crate, in one binary to keep linking cheap.

mod backstage_cases;
mod descriptors;
mod store;
