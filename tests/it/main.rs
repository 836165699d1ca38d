//! Integration tests: the real `scimshim` binary on loopback ports, in front of a
//! recording upstream (to assert exactly what arrives) and the real SCIM server
//! `scim2-server` from PyPI. One test binary, one module per area.

mod support;

mod admin;
mod backend;
mod cli;
mod compliance;
mod connections;
mod corpus;
mod docs;
mod errors;
mod explain;
mod inbound_auth;
mod lifecycle;
mod logging;
mod profiles;
mod reload;
mod rewrites;
mod ruletest;
mod scim_rules;
mod sessions;
mod tls;
mod transparency;
