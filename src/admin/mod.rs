//! The admin side of `serve`: health, readiness, metrics and the rules in
//! use, on their own listener (`--admin-listen`). [`state`] is what the
//! endpoints report.

pub mod server;
pub mod state;

pub use state::{FileReport, OpsState, Readiness, ReloadFailure, RulesReport};
