//! The `verbatim` binary: parse the command line, run, map errors to exit code 2.

mod cli;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let argv: Vec<String> = std::env::args().collect();
    if let Some(path) = cli::config::path(&argv) {
        if let Err(err) = cli::config::apply(&path, cli::config::command(&argv)) {
            eprintln!("verbatim: error: {err:#}");
            return ExitCode::from(2);
        }
    }
    let args = cli::Cli::parse();
    let json = args.log_format == cli::log::LogFormat::Json;
    if let Err(err) = cli::log::init(args.log_format, args.verbosity(), args.command.name()) {
        eprintln!("verbatim: error: {err:#}");
        return ExitCode::from(2);
    }
    match cli::run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) if cli::is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            // A JSON log stays one object per line, the failure included.
            if json {
                tracing::error!(error = format!("{err:#}"), "command failed");
            } else {
                eprintln!("verbatim: error: {err:#}");
            }
            ExitCode::from(2)
        }
    }
}
