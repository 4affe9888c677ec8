//! The config file: a flat TOML table whose keys are the `VERBATIM_*` variables without the
//! prefix, in lower case (`index`, `addr`, `write_keys = ["..."]`, `threads`, ...).
//!
//! Precedence is flags > environment > config file > defaults: each key of the file is
//! exported as its variable only when the environment does not set it already, before the
//! command line is parsed (clap then reads flags first, the variable second). The file is
//! `--config FILE` or `VERBATIM_CONFIG`; an unknown key or a bad value names the key.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};

/// The keys a config file may set (each mirrors `VERBATIM_<KEY>` and a flag).
pub const KEYS: &[&str] = &[
    "addr",
    "allowed_hosts",
    "analysis_cache",
    "batch_size",
    "commit_every",
    "delimiter",
    "encoder",
    "encoding",
    "format",
    "id_column",
    "index",
    "keywords",
    "limit",
    "max_batch",
    "min_support",
    "models",
    "precision",
    "queue",
    "read_keys",
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

/// Export the file's settings as `VERBATIM_*` variables where those are unset.
pub fn apply(path: &Path) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the config file {}", path.display()))?;
    for (key, value) in parse(&text).with_context(|| format!("config file {}", path.display()))? {
        let var = format!("VERBATIM_{}", key.to_ascii_uppercase());
        if std::env::var_os(&var).is_none() {
            std::env::set_var(var, value);
        }
    }
    Ok(())
}

/// The (key, value as the variable would hold it) pairs of a config file.
fn parse(text: &str) -> anyhow::Result<Vec<(String, String)>> {
    let table: toml::Table = text.parse().context("not valid TOML")?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_values_and_errors() {
        let pairs =
            parse("index = \"/data/idx\"\nthreads = 2\nwrite_keys = [\"a\", \"b\"]\n").unwrap();
        assert_eq!(
            pairs,
            [
                ("index".into(), "/data/idx".into()),
                ("threads".into(), "2".into()),
                ("write_keys".into(), "a,b".into())
            ]
        );
        let err = parse("idx = 1").unwrap_err().to_string();
        assert!(err.contains("unknown key `idx`"), "{err}");
        assert!(parse("index = {a = 1}").is_err());
        let args: Vec<String> = ["verbatim", "serve", "--config=v.toml"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(path(&args), Some(PathBuf::from("v.toml")));
    }
}
