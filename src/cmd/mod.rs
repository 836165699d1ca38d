//! One file per subcommand; each is thin and returns its exit code.

pub mod backend;
pub mod check;
pub mod demo;
pub mod explain;
pub mod hash_token;
pub mod schema;
pub mod serve;
pub mod test;

/// Exit codes shared by all commands.
pub mod exit {
    /// Everything is fine.
    pub const OK: i32 = 0;
    /// `check`/`test` found problems.
    pub const PROBLEMS: i32 = 1;
    /// Usage, I/O or configuration error.
    pub const USAGE: i32 = 2;
}
