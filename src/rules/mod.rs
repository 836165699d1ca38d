//! The rule engine: rule files are data (YAML), loaded and compiled once into a
//! [`RuleSet`], then evaluated per request by the pure function [`eval::evaluate`].
//!
//! Flow: [`load`] (files → YAML with positions → [`model`] specs → [`compile`]d
//! [`Rule`]s, collecting [`diagnostic`]s) → [`eval`] (conditions from [`matcher`],
//! then [`actions`]) → a [`trace::Trace`] of every change for the logs.

pub mod actions;
pub mod compile;
pub mod diagnostic;
pub mod drive;
pub mod eval;
pub mod fixture;
pub mod jsonpath;
pub mod load;
pub mod matcher;
pub mod model;
pub mod request;
pub mod rule;
pub mod secret;
pub mod trace;
pub mod yaml;

pub use actions::{Flow, LocalResponse, SecretMode};
pub use diagnostic::{Diagnostic, Severity};
pub use drive::{Driven, Io, NoIo, drive};
pub use eval::{Outcome, Resume, Step, evaluate, evaluate_response};
pub use load::{LoadError, LoadOptions, Loaded, load, load_strs};
pub use request::{Body, Fetched, ReplyPlan, Request};
pub use rule::{LoadedFile, Phase, Rule, RuleSet, RuleSource};
pub use trace::{Change, Trace};
