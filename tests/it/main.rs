//! Integration tests: the real `scimshim` binary on loopback ports, in front of a
//! recording upstream (to assert exactly what arrives) and the real SCIM server
//! `scim2-server` from PyPI. One test binary, one module per area.

mod support;

mod backend;
mod cli;
mod compliance;
mod corpus;
mod docs;
mod errors;
mod logging;
mod rewrites;
mod scim_rules;
mod sessions;
mod tls;
mod transparency;
