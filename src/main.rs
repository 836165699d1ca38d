//! Entry point: parse the command line, set up logging, dispatch, exit.
#![forbid(unsafe_code)]

use clap::Parser;
use scimshim::cli::{Cli, Command};
use scimshim::{cmd, telemetry};

fn main() {
    let cli = Cli::parse();
    let code = match &cli.command {
        Command::Serve(args) => {
            telemetry::init(cli.log_format, &cli.log);
            cmd::serve::run(args)
        }
        Command::Check(args) => cmd::check::run(args),
        Command::Schema => cmd::schema::run(),
    };
    std::process::exit(code);
}
