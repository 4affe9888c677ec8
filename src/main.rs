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
    let parsed = command
        .try_get_matches_from_mut(argv)
        .and_then(|mut matches| cli::Cli::from_arg_matches_mut(&mut matches))
        .map_err(|err| err.format(&mut command));
    parsed.unwrap_or_else(|err| {
        if let Some(source) = value_source(&err, argv, settings) {
            let _ = err.print();
            eprintln!("note: that value came from {source}, not the command line");
            std::process::exit(err.exit_code());
        }
        err.exit()
    })
}

/// Where a refused value came from when the command line did not give it: a `VERBATIM_*`
/// variable or the config file (clap names the flag either way).
fn value_source(err: &clap::Error, argv: &[String], settings: &Settings) -> Option<String> {
    use clap::error::{ContextKind, ContextValue};
    let Some(ContextValue::String(arg)) = err.get(ContextKind::InvalidArg) else {
        return None;
    };
    let flag = arg.split([' ', '=']).next()?;
    let on_line = argv
        .iter()
        .any(|a| a == flag || a.starts_with(&format!("{flag}=")));
    if !flag.starts_with("--") || on_line {
        return None;
    }
    let var = format!(
        "VERBATIM_{}",
        flag[2..].replace('-', "_").to_ascii_uppercase()
    );
    if std::env::var_os(&var).is_some() {
        Some(format!("the environment variable {var}"))
    } else if settings.get(&var).is_some() {
        let key = var["VERBATIM_".len()..].to_ascii_lowercase();
        Some(format!("the config file's key `{key}`"))
    } else {
        None
    }
}
