//! scimshim: a sidecar reverse proxy in front of a strict SCIM 2.0 (RFC 7643/7644)
//! backend that rewrites the dialects identity providers actually speak.
//!
//! Data flows one way: [`cli`] → [`config`] → [`rules`] (load, compile, pure
//! evaluation) → [`proxy`] (the HTTP shell). [`scim`] is a leaf vocabulary
//! library; [`telemetry`] holds the log events. [`reload`] builds the
//! configuration again while `serve` runs and swaps the new rules in.
#![forbid(unsafe_code)]

pub mod admin;
pub mod backend;
pub mod cli;
pub mod cmd;
pub mod config;
pub mod digest;
pub mod explain;
pub mod proxy;
pub mod reload;
pub mod rules;
pub mod ruletest;
pub mod scim;
pub mod telemetry;
pub mod textdiff;
