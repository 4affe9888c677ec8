//! Reading the rows of a file to score: JSONL objects or CSV records, kept whole (every
//! field or column goes back out), each with its line, id and text.
//!
//! In: a UTF-8 reader (as [`crate::text::decode`] makes one of any file), the id/text field
//! names and, for CSV, the delimiter. Out: one [`Row`] or one [`RowError`] (line and what was
//! wrong) per record; a bad record does not end the stream, so the caller decides whether to
//! skip it or stop, except a [`RowError::failure`] (undecodable bytes, an unreadable file),
//! after which the stream ends.

use std::io::{BufRead, BufReader, Read};

use serde_json::{Map, Value};

use crate::comment::{Comment, MAX_TEXT_BYTES};
use crate::text::decode::{DecodeFailure, failure_of, failure_of_csv};
use crate::{Error, Result};

/// A record of the input.
#[derive(Debug, Clone)]
pub struct Row {
    /// The line it starts on (1-based; CSV counts the header as line 1).
    pub line: u64,
    /// Its id, or its line number when the file has no id field.
    pub id: String,
    pub text: String,
    pub raw: Raw,
}

/// The record as read, for the output.
#[derive(Debug, Clone)]
pub enum Raw {
    Json(Map<String, Value>),
    Csv(Vec<String>),
}

/// A record that cannot be scored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub line: u64,
    pub message: String,
    /// Set when the file itself failed (bytes invalid in its encoding, a failed read): the
    /// stream ends here, whatever the caller does with malformed rows.
    pub failure: Option<DecodeFailure>,
}

impl RowError {
    pub(crate) fn new(line: u64, message: String) -> Self {
        RowError {
            line,
            message,
            failure: None,
        }
    }

    fn failed(failure: DecodeFailure) -> Self {
        RowError {
            line: failure.line,
            message: failure.to_string(),
            failure: Some(failure),
        }
    }
}

/// The field names to use.
#[derive(Debug, Clone)]
pub struct Columns {
    pub id: String,
    pub text: String,
}

/// Rows of a JSONL stream.
pub fn jsonl(
    reader: impl Read + Send + 'static,
    columns: Columns,
) -> impl Iterator<Item = std::result::Result<Row, RowError>> + Send {
    let mut lines = BufReader::with_capacity(1 << 16, reader).lines();
    let mut line = 0u64;
    let mut ended = false;
    std::iter::from_fn(move || {
        loop {
            if ended {
                return None;
            }
            line += 1;
            let text = match lines.next()? {
                Ok(t) => t,
                Err(e) => {
                    ended = true;
                    return Some(Err(match failure_of(&e) {
                        Some(failure) => RowError::failed(failure),
                        None => RowError::new(line, format!("cannot read: {e}")),
                    }));
                }
            };
            if text.trim().is_empty() {
                continue;
            }
            let err = |message: String| Some(Err(RowError::new(line, message)));
            let object = match serde_json::from_str::<Value>(&text) {
                Ok(Value::Object(o)) => o,
                Ok(_) => return err("not a JSON object".into()),
                Err(e) => return err(format!("not valid JSON: {e}")),
            };
            let id = match object.get(&columns.id) {
                None | Some(Value::Null) => line.to_string(),
                Some(Value::String(s)) => s.clone(),
                Some(Value::Number(n)) => n.to_string(),
                Some(_) => return err(format!("field `{}`: not a string or number", columns.id)),
            };
            let text = match object.get(&columns.text) {
                Some(Value::String(s)) => s.clone(),
                None | Some(Value::Null) => {
                    return err(format!("field `{}`: missing", columns.text));
                }
                Some(_) => return err(format!("field `{}`: not a string", columns.text)),
            };
            return Some(checked(
                Row {
                    line,
                    id,
                    text,
                    raw: Raw::Json(object),
                },
                &columns,
            ));
        }
    })
}

/// The header and the rows of a CSV stream split at `delimiter` (a UTF-8 byte-order mark is
/// dropped).
pub fn csv(
    reader: impl Read + Send + 'static,
    columns: Columns,
    delimiter: u8,
) -> Result<(
    Vec<String>,
    impl Iterator<Item = std::result::Result<Row, RowError>> + Send,
)> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(reader);
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| match failure_of_csv(&e) {
            Some(failure) => Error::Decode(failure),
            None => Error::User(format!("line 1: cannot read the CSV header: {e}")),
        })?
        .iter()
        .enumerate()
        .map(|(i, h)| {
            if i == 0 {
                h.trim_start_matches('\u{feff}').to_string()
            } else {
                h.to_string()
            }
        })
        .collect();
    let find = |name: &str| headers.iter().position(|h| h.trim() == name);
    let text_at = find(&columns.text).ok_or_else(|| {
        Error::User(format!(
            "line 1: no column `{}` in the header ({})",
            columns.text,
            headers.join(",")
        ))
    })?;
    let id_at = find(&columns.id);
    let width = headers.len();
    let mut records = reader.into_records();
    let mut ended = false;
    let rows = std::iter::from_fn(move || {
        if ended {
            return None;
        }
        Some(match records.next()? {
            Err(e) => match failure_of_csv(&e) {
                Some(failure) => {
                    ended = true;
                    Err(RowError::failed(failure))
                }
                None => Err(RowError::new(
                    e.position().map_or(0, |p| p.line()),
                    format!("bad CSV: {e}"),
                )),
            },
            Ok(r) => csv_row(&r, width, (id_at, text_at), &columns),
        })
    });
    Ok((headers, rows))
}

/// One CSV record as a row: its fields, id (or line number) and text, checked.
fn csv_row(
    r: &csv::StringRecord,
    width: usize,
    (id_at, text_at): (Option<usize>, usize),
    columns: &Columns,
) -> std::result::Result<Row, RowError> {
    let line = r.position().map_or(0, |p| p.line());
    if r.len() != width {
        return Err(RowError::new(
            line,
            format!("{} fields where the header has {width}", r.len()),
        ));
    }
    let fields: Vec<String> = r.iter().map(str::to_string).collect();
    let id = id_at.map_or_else(|| line.to_string(), |k| fields[k].clone());
    let text = fields[text_at].clone();
    let row = Row {
        line,
        id,
        text,
        raw: Raw::Csv(fields),
    };
    checked(row, columns)
}

pub(crate) fn checked(row: Row, columns: &Columns) -> std::result::Result<Row, RowError> {
    let fail = |message: String| Err(RowError::new(row.line, message));
    if row.text.trim().is_empty() {
        return fail(format!("field `{}`: empty", columns.text));
    }
    if row.text.len() > MAX_TEXT_BYTES {
        return fail(format!(
            "field `{}`: {} bytes, more than the {MAX_TEXT_BYTES} allowed",
            columns.text,
            row.text.len()
        ));
    }
    if row.id.trim().is_empty() {
        return fail(format!("field `{}`: empty", columns.id));
    }
    Ok(row)
}

impl Row {
    /// The row as a comment to index (other fields under attrs), validated.
    pub fn comment(&self, headers: &[String], columns: &Columns) -> Result<Comment> {
        let comment = match &self.raw {
            Raw::Json(object) => {
                let mut object = object.clone();
                object.insert(columns.id.clone(), Value::String(self.id.clone()));
                object.remove("analysis");
                Comment::from_json_object(object, &columns.id, &columns.text)?
            }
            Raw::Csv(fields) => {
                let mut headers = headers.to_vec();
                let mut record = csv::StringRecord::from(fields.clone());
                if !headers.iter().any(|h| h == &columns.id) {
                    headers.push(columns.id.clone());
                    record.push_field(&self.id);
                }
                Comment::from_csv_row(&headers, &record, &columns.id, &columns.text)?
            }
        };
        comment.validate()?;
        Ok(comment)
    }
}
