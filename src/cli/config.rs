//! The config file: a TOML table whose keys are the `VERBATIM_*` variables without the
//! prefix, in lower case (`index`, `addr`, `write_keys = ["..."]`, `threads`, ...), plus one
//! optional section per command (`[report]`, `[serve]`, ...) whose keys apply to that command
//! only and win over the top-level ones (so `[report] format = "csv"` leaves `analyze` alone).
//!
//! Precedence is flags > environment > config file > defaults: each key of the file becomes
//! the default value of the arguments that read its variable (clap reads a flag first, the
//! variable second, the default last), so nothing is written to the process environment. The
//! one key no argument reads, `log`, is handed to the log's filter (`VERBATIM_LOG` > `log` >
//! `RUST_LOG`). The file is `--config FILE` or `VERBATIM_CONFIG`; an unknown key or a bad
//! value names the key.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::{Command, CommandFactory};

/// The keys a config file may set (each mirrors `VERBATIM_<KEY>` and a flag).
pub const KEYS: &[&str] = &[
    "addr",
    "allowed_hosts",
    "analysis_cache",
    "backend",
    "batch_size",
    "commit_every",
    "cors_origins",
    "delimiter",
    "encoder",
    "encoding",
    "format",
    "id_column",
    "index",
    "keywords",
    "limit",
    "log",
    "log_format",
    "max_batch",
    "max_connections",
    "min_support",
    "models",
    "precision",
    "queue",
    "read_keys",
    "read_timeout",
    "redact",
    "taxonomy",
    "text_column",
    "threads",
    "timeout",
    "tz",
    "workers",
    "write_keys",
];

/// The config file named by `--config FILE` / `--config=FILE` in `args`, else by
/// `VERBATIM_CONFIG`.
pub fn path(args: &[String]) -> Option<PathBuf> {
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        if arg == "--" {
            break;
        }
        if arg == "--config" {
            return iter.next().map(PathBuf::from);
        }
        if let Some(value) = arg.strip_prefix("--config=") {
            return Some(PathBuf::from(value));
        }
    }
    std::env::var_os("VERBATIM_CONFIG").map(PathBuf::from)
}

/// The subcommand named in `args` (the first word that is not an option or an option's
/// value), whose `[section]` of the config file applies.
pub fn command(args: &[String]) -> Option<&str> {
    let mut iter = args.iter().skip(1);
    while let Some(arg) = iter.next() {
        match arg.as_str() {
            "--config" | "--log-format" => {
                iter.next();
            }
            a if a.starts_with('-') => {}
            a => return Some(a),
        }
    }
    None
}

/// A config file's settings for one command, by variable (`VERBATIM_INDEX`, ...).
#[derive(Debug, Default)]
pub struct Settings {
    vars: Vec<(String, String)>,
}

impl Settings {
    /// Read the file: the top-level keys, overridden by the keys of the running command's
    /// section (`[report]`, `[serve]`, ...).
    pub fn load(path: &Path, command: Option<&str>) -> anyhow::Result<Settings> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the config file {}", path.display()))?;
        let pairs =
            parse(&text, command).with_context(|| format!("config file {}", path.display()))?;
        let vars = pairs
            .into_iter()
            .map(|(key, value)| (format!("VERBATIM_{}", key.to_ascii_uppercase()), value))
            .collect();
        Ok(Settings { vars })
    }

    /// The file's value for the variable `var`.
    pub fn get(&self, var: &str) -> Option<&str> {
        self.vars
            .iter()
            .find(|(name, _)| name == var)
            .map(|(_, value)| value.as_str())
    }

    /// `cmd` with the file's value as the default of every argument (of it and of its
    /// subcommands) that reads one of the file's variables.
    pub fn defaults(&self, cmd: Command) -> Command {
        if self.vars.is_empty() {
            return cmd;
        }
        cmd.mut_args(|arg| {
            let value = arg.get_env().and_then(|var| self.get(var.to_str()?));
            match value {
                // An argument with a default is not required (as derive makes it).
                Some(value) => arg
                    .default_value(clap::builder::Str::from(value.to_string()))
                    .required(false),
                None => arg,
            }
        })
        .mut_subcommands(|sub| self.defaults(sub))
    }
}

/// The (key, value as the variable would hold it) pairs of a config file for `command`:
/// its section's keys first (they win), then the top-level ones.
fn parse(text: &str, command: Option<&str>) -> anyhow::Result<Vec<(String, String)>> {
    let table: toml::Table = text.parse().context("not valid TOML")?;
    let commands: Vec<String> = super::Cli::command()
        .get_subcommands()
        .map(|c| c.get_name().to_string())
        .collect();
    let mut top = toml::Table::new();
    let mut section = None;
    for (key, value) in table {
        match value {
            toml::Value::Table(keys) if commands.contains(&key) => {
                if command == Some(key.as_str()) {
                    section = Some(keys);
                }
            }
            toml::Value::Table(_) if !KEYS.contains(&key.as_str()) => bail!(
                "unknown section `[{key}]` (sections are commands: {})",
                commands.join(", ")
            ),
            value => {
                top.insert(key, value);
            }
        }
    }
    let mut out = section.map(pairs).transpose()?.unwrap_or_default();
    for (key, value) in pairs(top)? {
        if !out.iter().any(|(k, _)| *k == key) {
            out.push((key, value));
        }
    }
    Ok(out)
}

/// Check the keys of one table and render their values as the variables would hold them.
fn pairs(table: toml::Table) -> anyhow::Result<Vec<(String, String)>> {
    let mut out = Vec::new();
    for (key, value) in table {
        if !KEYS.contains(&key.as_str()) {
            bail!("unknown key `{key}` (known: {})", KEYS.join(", "));
        }
        let scalar = |v: &toml::Value| -> anyhow::Result<String> {
            Ok(match v {
                toml::Value::String(s) => s.clone(),
                toml::Value::Integer(i) => i.to_string(),
                toml::Value::Float(f) => f.to_string(),
                toml::Value::Boolean(b) => b.to_string(),
                _ => bail!("key `{key}`: expected a string, number, boolean or a list of them"),
            })
        };
        let value = match &value {
            toml::Value::Array(_) if !takes_list(&super::Cli::command(), &key) => {
                bail!("key `{key}` takes one value, not a list")
            }
            toml::Value::Array(items) => items
                .iter()
                .map(scalar)
                .collect::<anyhow::Result<Vec<_>>>()?
                .join(","),
            other => scalar(other)?,
        };
        out.push((key, value));
    }
    Ok(out)
}

/// Whether some argument reading `key`'s variable takes several values (comma-separated or
/// repeated), so that a list in the file means something (`write_keys = ["a", "b"]`).
fn takes_list(cmd: &Command, key: &str) -> bool {
    let var = format!("VERBATIM_{}", key.to_ascii_uppercase());
    let many = cmd.get_arguments().any(|arg| {
        arg.get_env().is_some_and(|v| v == var.as_str())
            && (arg.get_value_delimiter().is_some()
                || matches!(arg.get_action(), clap::ArgAction::Append))
    });
    many || cmd.get_subcommands().any(|sub| takes_list(sub, key))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::FromArgMatches;

    #[test]
    fn the_file_gives_defaults_that_flags_override() {
        #[derive(clap::Parser)]
        struct Cli {
            #[command(subcommand)]
            command: Sub,
        }
        #[derive(clap::Subcommand)]
        enum Sub {
            Run {
                #[arg(long, env = "VERBATIM_TEST_THREADS", default_value_t = 1)]
                threads: usize,
                #[arg(long, env = "VERBATIM_TEST_KEYS", value_delimiter = ',')]
                keys: Vec<String>,
                #[arg(long, env = "VERBATIM_TEST_INDEX")]
                index: String,
            },
        }
        let settings = Settings {
            vars: vec![
                ("VERBATIM_TEST_THREADS".into(), "3".into()),
                ("VERBATIM_TEST_KEYS".into(), "a,b".into()),
                ("VERBATIM_TEST_INDEX".into(), "idx".into()),
            ],
        };
        let parse = |argv: &[&str]| {
            let matches = settings.defaults(Cli::command()).get_matches_from(argv);
            let Sub::Run {
                threads,
                keys,
                index,
            } = Cli::from_arg_matches(&matches).unwrap().command;
            assert_eq!(index, "idx"); // a required flag the file gives
            (threads, keys)
        };
        assert_eq!(parse(&["v", "run"]), (3, vec!["a".into(), "b".into()]));
        assert_eq!(parse(&["v", "run", "--threads", "5"]).0, 5);
        assert_eq!(settings.get("VERBATIM_TEST_THREADS"), Some("3"));
        assert_eq!(settings.get("VERBATIM_LOG"), None);
    }

    #[test]
    fn keys_values_and_errors() {
        let pairs = parse(
            "index = \"/data/idx\"\nthreads = 2\nwrite_keys = [\"a\", \"b\"]\n",
            None,
        )
        .unwrap();
        assert_eq!(
            pairs,
            [
                ("index".into(), "/data/idx".into()),
                ("threads".into(), "2".into()),
                ("write_keys".into(), "a,b".into())
            ]
        );
        let err = parse("idx = 1", None).unwrap_err().to_string();
        assert!(err.contains("unknown key `idx`"), "{err}");
        assert!(parse("index = {a = 1}", None).is_err());
        // A list for a one-value key was joined into one value (`a,b`, a path).
        let err = parse("index = [\"a\", \"b\"]", None)
            .unwrap_err()
            .to_string();
        assert!(err.contains("key `index` takes one value"), "{err}");
        let args: Vec<String> = ["verbatim", "serve", "--config=v.toml"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(path(&args), Some(PathBuf::from("v.toml")));
        assert_eq!(command(&args), Some("serve"));
        let args: Vec<String> = ["verbatim", "--config", "v.toml", "-v", "report", "drivers"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(command(&args), Some("report"));
    }

    #[test]
    fn a_command_section_overrides_the_top_level_for_that_command_only() {
        let text = "format = \"table\"\nindex = \"idx\"\n[report]\nformat = \"csv\"\n";
        let report = parse(text, Some("report")).unwrap();
        assert!(
            report.contains(&("format".into(), "csv".into())),
            "{report:?}"
        );
        assert!(
            report.contains(&("index".into(), "idx".into())),
            "{report:?}"
        );
        assert_eq!(report.len(), 2);
        let analyze = parse(text, Some("analyze")).unwrap();
        assert!(
            analyze.contains(&("format".into(), "table".into())),
            "{analyze:?}"
        );
        let err = parse("[reprot]\nformat = \"csv\"\n", None)
            .unwrap_err()
            .to_string();
        assert!(err.contains("unknown section `[reprot]`"), "{err}");
        let err = parse("[serve]\nidx = 1\n", Some("serve"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("unknown key `idx`"), "{err}");
    }
}
