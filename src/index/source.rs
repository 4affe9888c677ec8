//! Comment files: JSONL (one object a line) or CSV (a header row), read as a stream of
//! validated [`Comment`]s to store.
//!
//! In: a path (or `-` for stdin), the names of the id and text fields, and the encoding and
//! delimiter to force, if any. The bytes go through [`crate::text::decode`] (gzip, GB18030,
//! Big5, UTF-16, delimiter sniffing), the records through the scorer's reader
//! ([`crate::score::input`]), so `ingest` and `score` read files the same way. Out: comments
//! in file order; a bad line stops the stream with an error naming the file, the line and
//! the field, or is logged and skipped (`skip_malformed`); undecodable bytes end it with an
//! [`Error::Decode`] naming the file and the line.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use serde_json::Value;

use crate::comment::Comment;
use crate::score::input::{self, Columns, Raw, Row, RowError};
use crate::text::decode::{self, DecodeOptions};
use crate::{Error, Result};

/// The format of a comment file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceFormat {
    /// One JSON object a line (`.jsonl`, `.ndjson`, `.json`).
    Jsonl,
    /// Comma-separated values with a header row (`.csv`).
    Csv,
}

impl SourceFormat {
    /// The format a file name implies (`comments.csv.gz` is CSV).
    pub fn from_path(path: &Path) -> Result<SourceFormat> {
        let ext = |p: &Path| {
            p.extension()
                .and_then(|e| e.to_str())
                .map(str::to_ascii_lowercase)
        };
        let ext = match ext(path).as_deref() {
            Some("gz") => path.file_stem().and_then(|stem| ext(Path::new(stem))),
            other => other.map(str::to_string),
        };
        match ext.as_deref() {
            Some("jsonl" | "ndjson" | "json") => Ok(SourceFormat::Jsonl),
            Some("csv") => Ok(SourceFormat::Csv),
            _ => Err(Error::User(format!(
                "{}: unknown file type (expected .jsonl or .csv)",
                path.display()
            ))),
        }
    }
}

/// Which fields hold the id and the text; the encoding and delimiter to force; whether a
/// malformed record is skipped (logged) rather than ending the stream.
#[derive(Debug, Clone)]
pub struct SourceOptions {
    pub id_field: String,
    pub text_field: String,
    pub decode: DecodeOptions,
    pub skip_malformed: bool,
    /// Counts the records skipped (with `skip_malformed`), when given.
    pub skipped: Option<Arc<AtomicU64>>,
}

impl Default for SourceOptions {
    fn default() -> Self {
        SourceOptions {
            id_field: "id".into(),
            text_field: "text".into(),
            decode: DecodeOptions::default(),
            skip_malformed: false,
            skipped: None,
        }
    }
}

/// A comment and the line it was read from.
#[derive(Debug, Clone)]
pub struct Located {
    pub line: u64,
    pub comment: Comment,
}

/// Open a comment file (`-` is stdin). Its format is `format`, else its extension's, else
/// its content's (a first character `{` is JSONL). The records are read by the scorer's
/// reader ([`crate::score::input`]), the one reader of comment files; every comment needs an
/// id here (a stored comment is replaced by the next one with its id, so a line number
/// would not do). With `skip_malformed`, a malformed record is logged and skipped (the
/// file's own failures, undecodable bytes or a failed read, still end the stream).
pub fn open(
    path: &Path,
    format: Option<SourceFormat>,
    options: SourceOptions,
) -> Result<Box<dyn Iterator<Item = Result<Located>> + Send>> {
    let opened = decode::open_or_stdin(path, options.decode, |raw| raw)?;
    let name = decode::input_name(path);
    let format = format
        .or_else(|| SourceFormat::from_path(path).ok())
        .unwrap_or(match opened.jsonl_like {
            true => SourceFormat::Jsonl,
            false => SourceFormat::Csv,
        });
    let columns = Columns {
        id: options.id_field.clone(),
        text: options.text_field.clone(),
    };
    let (headers, rows): (Vec<String>, Rows) = match format {
        SourceFormat::Jsonl => (
            Vec::new(),
            Box::new(input::jsonl(opened.reader, columns.clone())),
        ),
        SourceFormat::Csv => {
            let (headers, rows) = input::csv(opened.reader, columns.clone(), opened.delimiter)
                .map_err(|e| match e {
                    Error::Decode(_) => e,
                    e => Error::User(format!("{name} {e}")),
                })?;
            let headers: Vec<String> = headers.iter().map(|h| h.trim().to_string()).collect();
            if !headers.contains(&columns.id) {
                let listed = headers.join(",");
                let what = format!("no column `{}` in the header ({listed})", columns.id);
                return Err(at(&name, 1, what));
            }
            (headers, Box::new(rows))
        }
    };
    let reader = Reader {
        name,
        headers,
        columns,
        skip_malformed: options.skip_malformed,
        skipped: options.skipped,
    };
    Ok(Box::new(reader.located(rows)))
}

/// Records as the scorer's reader gives them.
type Rows = Box<dyn Iterator<Item = std::result::Result<Row, RowError>> + Send>;

/// Turns records into validated comments, each named by file and line when it fails.
struct Reader {
    name: String,
    headers: Vec<String>,
    columns: Columns,
    skip_malformed: bool,
    skipped: Option<Arc<AtomicU64>>,
}

impl Reader {
    fn located(self, rows: Rows) -> impl Iterator<Item = Result<Located>> + Send {
        let mut ended = false;
        rows.filter_map(move |row| {
            if ended {
                return None;
            }
            let (line, result) = match row {
                Err(e) if e.failure.is_some() => {
                    ended = true;
                    return e.failure.map(|f| Err(Error::Decode(f)));
                }
                Err(e) => (e.line, Err(Error::User(e.message))),
                Ok(row) => (row.line, self.comment(&row)),
            };
            match result {
                Ok(comment) => Some(Ok(Located { line, comment })),
                Err(e) if self.skip_malformed => {
                    tracing::warn!("{} line {line}: {e} (skipped)", self.name);
                    if let Some(n) = &self.skipped {
                        n.fetch_add(1, Ordering::Relaxed);
                    }
                    None
                }
                Err(e) => {
                    ended = true;
                    Some(Err(at(&self.name, line, e)))
                }
            }
        })
    }

    fn comment(&self, row: &Row) -> Result<Comment> {
        if let Raw::Json(object) = &row.raw
            && object.get(&self.columns.id).is_none_or(Value::is_null)
        {
            return Err(Error::User(format!("field `{}`: missing", self.columns.id)));
        }
        row.comment(&self.headers, &self.columns)
    }
}

fn at(name: &str, line: u64, err: impl std::fmt::Display) -> Error {
    Error::User(format!("{name} line {line}: {err}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(name: &str, content: &str) -> Result<Vec<Located>> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(name);
        std::fs::write(&path, content).unwrap();
        open(&path, None, SourceOptions::default())?.collect()
    }

    #[test]
    fn csv_keeps_other_columns_as_attrs() {
        let rows = read_all(
            "c.csv",
            "id,text,nps,region\n1,\"配送太慢,差评\",3,华东\n2,ok,,\n",
        )
        .unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].comment.text, "配送太慢,差评");
        assert_eq!(rows[0].comment.attrs["region"], "华东");
        assert_eq!(rows[1].comment.nps, None);
        assert_eq!(rows[1].line, 3);
    }

    #[test]
    fn gbk_jsonl_is_decoded_and_a_bad_byte_is_named_by_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.jsonl");
        let text = "{\"id\":1,\"text\":\"发票开错了\"}\n{\"id\":2,\"text\":\"退款很快\"}\n";
        let (gbk, _, _) = encoding_rs::GBK.encode(text);
        std::fs::write(&path, &gbk).unwrap();
        let rows: Vec<Located> = open(&path, None, SourceOptions::default())
            .unwrap()
            .collect::<Result<_>>()
            .unwrap();
        assert_eq!(rows[0].comment.text, "发票开错了");
        assert_eq!(rows[1].comment.text, "退款很快");
        let mut bad = gbk.into_owned();
        bad.extend(b"{\"id\":3,\"text\":\"\xff\xff\"}\n");
        std::fs::write(&path, &bad).unwrap();
        let options = SourceOptions {
            decode: DecodeOptions {
                encoding: Some(decode::Encoding::Gb18030),
                delimiter: None,
            },
            ..SourceOptions::default()
        };
        let results: Vec<Result<Located>> = open(&path, None, options).unwrap().collect();
        assert_eq!(results.len(), 3);
        match &results[2] {
            Err(Error::Decode(failure)) => assert_eq!(failure.line, 3),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn errors_name_file_line_and_field() {
        let err = read_all(
            "c.jsonl",
            "{\"id\":1,\"text\":\"ok\"}\n\n{\"id\":2,\"text\":\"x\",\"nps\":12}\n",
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.ends_with("c.jsonl line 3: field `nps`: 12 is not in 0–10"),
            "{err}"
        );
        let err = read_all("c.jsonl", "{\"id\":1,\"text\":\"ok\"}\n[1]\n")
            .unwrap_err()
            .to_string();
        assert!(err.ends_with("c.jsonl line 2: not a JSON object"), "{err}");
        let err = read_all("c.csv", "id,body\n1,x\n").unwrap_err().to_string();
        assert!(err.contains("line 1: no column `text`"), "{err}");
        let err = read_all("c.csv", "id,text\n1,x\n2,y,z\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("c.csv line 3: 3 fields where the header has 2"),
            "{err}"
        );
        let err = read_all("c.csv", "text\nx\n").unwrap_err().to_string();
        assert!(err.contains("c.csv line 1: no column `id`"), "{err}");
        let err = read_all("c.jsonl", "{\"text\":\"x\"}\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.ends_with("c.jsonl line 1: field `id`: missing"),
            "{err}"
        );
        // Without a known extension the content decides: not `{`, so CSV.
        let err = read_all("c.txt", "x").unwrap_err().to_string();
        assert!(err.contains("c.txt line 1: no column `text`"), "{err}");
    }

    #[test]
    fn malformed_records_are_skipped_when_asked_and_the_rest_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.jsonl");
        let lines = "{\"id\":1,\"text\":\"ok\"}\nnot json\n{\"text\":\"no id\"}\n{\"id\":4,\"text\":\"好\"}\n";
        std::fs::write(&path, lines).unwrap();
        let skipped = Arc::new(AtomicU64::new(0));
        let options = SourceOptions {
            skip_malformed: true,
            skipped: Some(skipped.clone()),
            ..SourceOptions::default()
        };
        let rows: Vec<Located> = open(&path, None, options)
            .unwrap()
            .collect::<Result<_>>()
            .unwrap();
        assert_eq!(skipped.load(Ordering::Relaxed), 2);
        let kept: Vec<(u64, &str)> = rows
            .iter()
            .map(|r| (r.line, r.comment.id.as_str()))
            .collect();
        assert_eq!(kept, [(1, "1"), (4, "4")]);
    }
}
