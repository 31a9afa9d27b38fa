//! greenroom-auth against real servers on 127.0.0.1: an OpenID provider (panva/oidc-provider
//! shaped like Entra ID), the Secret Service keyring, and a Graph-shaped HTTP server.
//! Run `crates/auth/tests/prepare.sh` first, and the tests under
//! `dbus-run-session -- crates/auth/tests/support/with-keyring.sh cargo test -p greenroom-auth`.

mod browser_flow;
mod device_flow;
mod graph;
mod keyring;
mod resource;
mod session;
mod support;
