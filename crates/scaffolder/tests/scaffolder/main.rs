//! greenroom-scaffolder's integration tests, in one binary to keep linking cheap.

mod expressions;
mod fixtures;
mod golden_paths;
mod reference;
mod runs;
mod safety;
mod support;
mod updates;
mod yaml;
