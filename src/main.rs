//! Entry point: parse the command line, set up logging, dispatch, exit.
#![forbid(unsafe_code)]

use clap::Parser;
use scimshim::cli::{Cli, Command};
use scimshim::{cmd, telemetry};

// mimalloc: glibc malloc's free-list work and heap trimming showed up as ~5 % of
// the proxy's CPU per request (bench/README.md); mimalloc's thread-local pages
// make the short-lived per-request allocations much cheaper.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let cli = Cli::parse();
    let code = match &cli.command {
        Command::Serve(args) => {
            telemetry::init(cli.log_format, &cli.log);
            cmd::serve::run(args)
        }
        Command::Check(args) => cmd::check::run(args),
        Command::Test(args) => cmd::test::run(args),
        Command::Schema(args) => cmd::schema::run(args),
        Command::Explain(args) => cmd::explain::run(args),
        Command::HashToken(args) => cmd::hash_token::run(args),
        Command::Demo(args) => {
            telemetry::init(cli.log_format, &cli.log);
            cmd::demo::run(args)
        }
        Command::Backend(args) => {
            telemetry::init(cli.log_format, &cli.log);
            cmd::backend::run(args)
        }
    };
    std::process::exit(code);
}
