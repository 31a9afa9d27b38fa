//! Facade tests that need no server: the organisation import's storage and the "Mine" view.

mod org;
