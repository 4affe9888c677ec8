//! Comment files: JSONL (one object a line) or CSV (a header row), read as a stream of
//! validated [`Comment`]s.
//!
//! In: a path (or `-` for stdin), the names of the id and text fields, and the encoding and
//! delimiter to force, if any. The bytes go through [`crate::text::decode`] (gzip, GB18030,
//! Big5, UTF-16, delimiter sniffing). Out: comments in file order; a bad line stops the
//! stream with an error naming the file, the line and the field (undecodable bytes: an
//! [`Error::Decode`] naming the file and the line).

use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use serde_json::Value;

use crate::comment::Comment;
use crate::text::decode::{self, failure_of, failure_of_csv, DecodeOptions, Opened};
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

/// Which fields hold the id and the text; the encoding and delimiter to force.
#[derive(Debug, Clone)]
pub struct SourceOptions {
    pub id_field: String,
    pub text_field: String,
    pub decode: DecodeOptions,
}

impl Default for SourceOptions {
    fn default() -> Self {
        SourceOptions {
            id_field: "id".into(),
            text_field: "text".into(),
            decode: DecodeOptions::default(),
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
/// its content's (a first character `{` is JSONL).
pub fn open(
    path: &Path,
    format: Option<SourceFormat>,
    options: SourceOptions,
) -> Result<Box<dyn Iterator<Item = Result<Located>> + Send>> {
    let (opened, name) = if path.as_os_str() == "-" {
        let stdin = Box::new(std::io::stdin());
        let opened = decode::from_reader("stdin", stdin, false, options.decode)?;
        (opened, "stdin".to_string())
    } else {
        let opened = decode::open(path, options.decode, |raw| raw)?;
        (opened, path.display().to_string())
    };
    let format = format
        .or_else(|| SourceFormat::from_path(path).ok())
        .unwrap_or(match opened.jsonl_like {
            true => SourceFormat::Jsonl,
            false => SourceFormat::Csv,
        });
    Ok(match format {
        SourceFormat::Jsonl => Box::new(jsonl(opened.reader, name, options)),
        SourceFormat::Csv => Box::new(csv_rows(opened, name, options)?),
    })
}

fn at(name: &str, line: u64, err: impl std::fmt::Display) -> Error {
    Error::User(format!("{name} line {line}: {err}"))
}

fn validated(name: &str, line: u64, comment: Result<Comment>) -> Result<Located> {
    let comment = comment.map_err(|e| at(name, line, e))?;
    comment.validate().map_err(|e| at(name, line, e))?;
    Ok(Located { line, comment })
}

fn jsonl(
    reader: Box<dyn Read + Send>,
    name: String,
    options: SourceOptions,
) -> impl Iterator<Item = Result<Located>> + Send {
    let mut lines = BufReader::with_capacity(1 << 16, reader).lines();
    let mut line_no = 0u64;
    let mut failed = false;
    std::iter::from_fn(move || loop {
        if failed {
            return None;
        }
        line_no += 1;
        let line = match lines.next()? {
            Ok(line) => line,
            Err(e) => {
                failed = true;
                return Some(Err(match failure_of(&e) {
                    Some(failure) => Error::Decode(failure),
                    None => at(&name, line_no, format!("cannot read: {e}")),
                }));
            }
        };
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let result = match serde_json::from_str::<Value>(line) {
            Ok(Value::Object(object)) => validated(
                &name,
                line_no,
                Comment::from_json_object(object, &options.id_field, &options.text_field),
            ),
            Ok(_) => Err(at(&name, line_no, "not a JSON object")),
            Err(e) => Err(at(&name, line_no, format!("not valid JSON: {e}"))),
        };
        failed = result.is_err();
        return Some(result);
    })
}

fn csv_rows(
    opened: Opened,
    name: String,
    options: SourceOptions,
) -> Result<impl Iterator<Item = Result<Located>> + Send> {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(opened.delimiter)
        .from_reader(opened.reader);
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| csv_error(&name, 1, e, "cannot read the header"))?
        .iter()
        .map(|h| h.trim().trim_start_matches('\u{feff}').to_string())
        .collect();
    for wanted in [&options.id_field, &options.text_field] {
        if !headers.iter().any(|h| h == wanted) {
            return Err(at(
                &name,
                1,
                format!("no column `{wanted}` in the header ({})", headers.join(",")),
            ));
        }
    }
    let mut records = reader.into_records();
    let mut failed = false;
    Ok(std::iter::from_fn(move || {
        if failed {
            return None;
        }
        let result = match records.next()? {
            Ok(row) => {
                let line = row.position().map_or(0, |p| p.line());
                validated(
                    &name,
                    line,
                    Comment::from_csv_row(&headers, &row, &options.id_field, &options.text_field),
                )
            }
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                Err(csv_error(&name, line, e, "bad CSV"))
            }
        };
        failed = result.is_err();
        Some(result)
    }))
}

/// A CSV reader's error: the decoding failure under it, or `what` at `line`.
fn csv_error(name: &str, line: u64, err: csv::Error, what: &str) -> Error {
    match failure_of_csv(&err) {
        Some(failure) => Error::Decode(failure),
        None => at(name, line, format!("{what}: {err}")),
    }
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
        assert!(err.contains("c.csv line 3: bad CSV"), "{err}");
        // Without a known extension the content decides: not `{`, so CSV.
        let err = read_all("c.txt", "x").unwrap_err().to_string();
        assert!(err.contains("c.txt line 1: no column `id`"), "{err}");
    }
}
