//! The `verbatim` binary: parse the command line, run, map errors to exit code 2.

mod cli;

use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches};

use cli::config::Settings;

fn main() -> ExitCode {
    let argv: Vec<String> = std::env::args().collect();
    let settings = match cli::config::path(&argv) {
        Some(path) => match Settings::load(&path, cli::config::command(&argv)) {
            Ok(settings) => settings,
            Err(err) => {
                eprintln!("verbatim: error: {err:#}");
                return ExitCode::from(2);
            }
        },
        None => Settings::default(),
    };
    let args = parse(&argv, &settings);
    let json = args.log_format == cli::log::LogFormat::Json;
    let log = cli::log::init(
        args.log_format,
        args.verbosity(),
        args.command.name(),
        settings.get("VERBATIM_LOG"),
    );
    if let Err(err) = log {
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

/// The command line, with the config file's settings as the arguments' defaults; a bad
/// command line prints clap's message and exits as `Cli::parse` does.
fn parse(argv: &[String], settings: &Settings) -> cli::Cli {
    let mut command = settings.defaults(cli::Cli::command());
    command
        .try_get_matches_from_mut(argv)
        .and_then(|mut matches| cli::Cli::from_arg_matches_mut(&mut matches))
        .map_err(|err| err.format(&mut command))
        .unwrap_or_else(|err| err.exit())
}
