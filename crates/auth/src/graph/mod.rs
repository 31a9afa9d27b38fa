//! Microsoft Graph.
