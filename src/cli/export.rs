//! `verbatim export --index DIR --format jsonl|parquet [--output FILE] [QUERY]... [filters]`: every
//! stored comment with its analysis, the hand-off to a warehouse or another engine.
//!
//! In: an existing index (no model needed; it may be served meanwhile: export only
//! reads), an optional query and the search's filters. Out: one JSON object per comment
//! (its fields and `analysis`, as `verbatim score` writes) on stdout or in `--output`, or
//! one Parquet file (`--output` required; the `parquet` feature,
//! `verbatim::index::export_parquet`), and one summary line on stderr. A file is written beside its final name and renamed into
//! place once complete, so a failed export never leaves a truncated file that looks whole.

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use anyhow::Context;
use verbatim::index::CommentIndex;
use verbatim::index::export::export_jsonl;

use super::filters::FilterArgs;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The index directory.
    #[arg(long, env = "VERBATIM_INDEX")]
    pub index: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ExportFormat::Jsonl)]
    pub format: ExportFormat,
    /// Write to this file (default: stdout). It appears only once complete.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    /// Only comments matching this query (the search's syntax; default: all).
    pub query: Vec<String>,
    #[command(flatten)]
    pub filters: FilterArgs,
}

/// What `export` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    /// One JSON object per line: the comment's fields and its `analysis`.
    Jsonl,
    /// One Parquet file (needs --output and a build with the `parquet` feature).
    Parquet,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let index = CommentIndex::open(&args.index)?;
    let q = args.query.join(" ");
    let filters = args.filters.into_filters();
    let written = match (&args.output, args.format) {
        (None, ExportFormat::Parquet) => {
            anyhow::bail!(
                "--output: required with --format parquet (a binary file, not for stdout)"
            )
        }
        (Some(path), ExportFormat::Parquet) => {
            to_file(path, |out| parquet(&index, &q, &filters, out, path))?
        }
        (None, ExportFormat::Jsonl) => {
            let stdout = std::io::stdout();
            let mut out = BufWriter::new(stdout.lock());
            export_jsonl(&index, &q, &filters, &mut out, "stdout")?
        }
        (Some(path), ExportFormat::Jsonl) => to_file(path, |out| {
            Ok(export_jsonl(
                &index,
                &q,
                &filters,
                out,
                &path.to_string_lossy(),
            )?)
        })?,
    };
    let place = args
        .output
        .as_ref()
        .map_or("stdout".to_string(), |p| p.display().to_string());
    eprintln!("verbatim export: {written} comment(s) to {place}");
    Ok(())
}

#[cfg(feature = "parquet")]
fn parquet(
    index: &CommentIndex,
    q: &str,
    filters: &verbatim::index::search::Filters,
    out: &mut BufWriter<File>,
    path: &Path,
) -> anyhow::Result<u64> {
    let target = path.to_string_lossy();
    Ok(verbatim::index::export_parquet::export_parquet(
        index, q, filters, out, &target,
    )?)
}

#[cfg(not(feature = "parquet"))]
fn parquet(
    _: &CommentIndex,
    _: &str,
    _: &verbatim::index::search::Filters,
    _: &mut BufWriter<File>,
    _: &Path,
) -> anyhow::Result<u64> {
    anyhow::bail!(
        "--format parquet: this build has no Parquet support; build with `--features parquet` \
         (`make build FEATURES=\"--features parquet\"`)"
    )
}

/// Write through `write` into `<path>.partial`, then sync and rename it to `path`; the
/// partial file is removed on failure.
fn to_file(
    path: &Path,
    write: impl FnOnce(&mut BufWriter<File>) -> anyhow::Result<u64>,
) -> anyhow::Result<u64> {
    let mut name = path.as_os_str().to_os_string();
    name.push(".partial");
    let partial = PathBuf::from(name);
    let file = File::create(&partial).with_context(|| partial.display().to_string())?;
    let mut out = BufWriter::new(file);
    let result = write(&mut out).and_then(|n| {
        let file = out.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        std::fs::rename(&partial, path).with_context(|| path.display().to_string())?;
        Ok(n)
    });
    if result.is_err() {
        let _ = std::fs::remove_file(&partial);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn a_failed_write_leaves_no_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.jsonl");
        let err = to_file(&path, |out| {
            out.write_all(b"{}\n")?;
            anyhow::bail!("disk full")
        });
        assert!(err.is_err());
        assert!(!path.exists());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}
