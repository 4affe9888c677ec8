//! Writing scored rows (every input field kept, the analysis added) and finding where an
//! interrupted run stopped.
//!
//! JSONL rows get an `analysis` field holding the Analysis; CSV rows get the columns
//! [`CSV_COLUMNS`]. [`resume`] reads an existing output, drops a last record cut short by an
//! interruption and returns the ids already scored, so a rerun appends only the rest.

use std::collections::HashSet;
use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Read, Seek, SeekFrom, Write};
use std::path::Path;

use serde_json::Value;

use super::input::{Raw, Row};
use crate::analysis::Analysis;
use crate::{Error, Result};

/// The columns a CSV output adds after the input's own.
pub const CSV_COLUMNS: [&str; 8] = [
    "lang",
    "sentiment",
    "sentiment_score",
    "p_negative",
    "p_neutral",
    "p_positive",
    "topics",
    "keywords",
];

/// Where scored rows go.
pub enum Sink {
    Jsonl(BufWriter<File>),
    Csv(Box<csv::Writer<File>>),
}

impl Sink {
    /// Open `path` for appending, writing the CSV header when the file is new.
    pub fn open(path: &Path, csv_headers: Option<&[String]>, fresh: bool) -> Result<Sink> {
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|e| Error::io(path, e))?;
        Ok(match csv_headers {
            None => Sink::Jsonl(BufWriter::with_capacity(1 << 16, file)),
            Some(headers) => {
                let mut w = csv::WriterBuilder::new().flexible(true).from_writer(file);
                if fresh {
                    let all: Vec<&str> = headers
                        .iter()
                        .map(String::as_str)
                        .chain(CSV_COLUMNS)
                        .collect();
                    w.write_record(&all)
                        .map_err(|e| Error::io(path, e.into()))?;
                }
                Sink::Csv(Box::new(w))
            }
        })
    }

    /// Write one scored row.
    pub fn write(&mut self, row: &Row, analysis: &Analysis, path: &Path) -> Result<()> {
        let io = |e: std::io::Error| Error::io(path, e);
        match (self, &row.raw) {
            (Sink::Jsonl(w), Raw::Json(object)) => {
                let line = jsonl_line(object, analysis)?;
                w.write_all(line.as_bytes()).map_err(io)
            }
            (Sink::Csv(w), Raw::Csv(fields)) => {
                let mut record = fields.clone();
                record.extend(csv_cells(analysis));
                w.write_record(&record).map_err(|e| io(e.into()))
            }
            _ => Err(Error::User(
                "the output format must match the input's (JSONL or CSV)".into(),
            )),
        }
    }

    /// Push everything written so far to the file.
    pub fn flush(&mut self, path: &Path) -> Result<()> {
        match self {
            Sink::Jsonl(w) => w.flush(),
            Sink::Csv(w) => w.flush(),
        }
        .map_err(|e| Error::io(path, e))
    }
}

/// The input object with `"analysis"` added last, as one line. The analysis is written by
/// its own serializer (not through `serde_json::Value`, which widens every f32 to f64 and
/// prints -0.9627 as -0.9627000093460083), so its numbers read as `verbatim analyze` prints
/// them; an input field named `analysis` is replaced.
fn jsonl_line(
    object: &serde_json::Map<String, serde_json::Value>,
    analysis: &Analysis,
) -> Result<String> {
    let internal = |e: serde_json::Error| Error::Internal(e.to_string());
    let mut rest = object.clone();
    rest.remove("analysis");
    let mut line = serde_json::to_string(&rest).map_err(internal)?;
    line.pop(); // the closing brace
    if !rest.is_empty() {
        line.push(',');
    }
    line.push_str("\"analysis\":");
    line.push_str(&serde_json::to_string(analysis).map_err(internal)?);
    line.push_str("}\n");
    Ok(line)
}

fn csv_cells(a: &Analysis) -> Vec<String> {
    let (label, score, probs) = match &a.sentiment {
        Some(s) => (
            s.label.as_str().to_string(),
            format!("{:.4}", s.score),
            [s.probs.negative, s.probs.neutral, s.probs.positive].map(|p| format!("{p:.4}")),
        ),
        None => (
            String::new(),
            String::new(),
            [String::new(), String::new(), String::new()],
        ),
    };
    let [topics, keywords] = list_cells(a);
    let [neg, neu, pos] = probs;
    vec![
        a.lang.code().to_string(),
        label,
        score,
        neg,
        neu,
        pos,
        topics,
        keywords,
    ]
}

/// The topics (`id:sentiment`) and keywords of an analysis as two `;`-separated CSV cells,
/// as `score` and the comment-list export write them.
pub fn list_cells(a: &Analysis) -> [String; 2] {
    let topics: Vec<String> = a
        .topics
        .iter()
        .map(|t| format!("{}:{}", t.id, t.sentiment.as_str()))
        .collect();
    let keywords: Vec<&str> = a.keywords.iter().map(|k| k.term.as_str()).collect();
    [topics.join(";"), keywords.join(";")]
}

/// The ids an earlier run already wrote to `path` (empty when there is no such file), after
/// cutting off a last record that an interruption left incomplete. `csv_header` is the
/// header this run writes (CSV output), `None` for JSONL. A file that is not an earlier
/// output of the same scoring (another header; a whole line or record that is not a scored
/// row) is refused and left as it is: resuming into it would cut it down or mix columns.
pub fn resume(
    path: &Path,
    csv_header: Option<&[String]>,
    id_field: &str,
) -> Result<HashSet<String>> {
    let mut file = match OpenOptions::new().read(true).write(true).open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(HashSet::new()),
        Err(e) => return Err(Error::io(path, e)),
    };
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes)
        .map_err(|e| Error::io(path, e))?;
    let found = match csv_header {
        Some(header) => csv_ids(&bytes, header, id_field),
        None => jsonl_ids(&bytes, id_field),
    };
    let (ids, keep) = found.map_err(|why| {
        Error::User(format!(
            "{} exists and is not an earlier output of this scoring ({why}): choose another \
             --output, or remove it to score from the start",
            path.display()
        ))
    })?;
    if keep < bytes.len() as u64 {
        file.set_len(keep).map_err(|e| Error::io(path, e))?;
        file.seek(SeekFrom::End(0))
            .map_err(|e| Error::io(path, e))?;
    }
    Ok(ids)
}

/// Ids of whole lines, and the length of the file up to the last whole line; a whole line
/// (newline-ended) that is not a scored row is an error.
fn jsonl_ids(bytes: &[u8], id_field: &str) -> std::result::Result<(HashSet<String>, u64), String> {
    let mut ids = HashSet::new();
    let mut keep = 0;
    let mut start = 0;
    let mut line_no = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if b != b'\n' {
            continue;
        }
        let line = &bytes[start..i];
        line_no += 1;
        match serde_json::from_slice::<Value>(line) {
            Ok(Value::Object(o)) if o.contains_key("analysis") => {
                let row = ids.len() + 1;
                ids.insert(match o.get(id_field) {
                    Some(Value::String(s)) => s.clone(),
                    Some(Value::Number(n)) => n.to_string(),
                    _ => row.to_string(),
                });
            }
            _ if line.iter().all(u8::is_ascii_whitespace) => {}
            _ => return Err(format!("line {line_no} is not a scored row")),
        }
        keep = i + 1;
        start = i + 1;
    }
    Ok((ids, keep as u64))
}

/// Ids of whole CSV records (after a header equal to `header`), and the length up to the
/// last whole one; only the last record may be incomplete.
fn csv_ids(
    bytes: &[u8],
    header: &[String],
    id_field: &str,
) -> std::result::Result<(HashSet<String>, u64), String> {
    let mut ids = HashSet::new();
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(bytes);
    let found = match reader.headers() {
        Ok(h) if !bytes.is_empty() => h.clone(),
        _ => return Ok((ids, 0)),
    };
    let found: Vec<&str> = found
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}'))
        .collect();
    if found != header {
        return Err(format!(
            "its columns are {} where this run writes {}",
            found.join(","),
            header.join(",")
        ));
    }
    let id_at = found.iter().position(|h| *h == id_field);
    let mut keep = reader.position().byte();
    let mut record = csv::StringRecord::new();
    while let Ok(true) = reader.read_record(&mut record) {
        let end = reader.position().byte();
        // A record is whole when it has every column and its line ended.
        let whole = record.len() == header.len() && end > 0 && bytes[end as usize - 1] == b'\n';
        let line = record.position().map_or(0, |p| p.line());
        if !whole {
            if (end as usize) < bytes.len() {
                return Err(format!("the record at line {line} is not a scored row"));
            }
            break;
        }
        ids.insert(id_at.map_or_else(|| line.to_string(), |k| record[k].to_string()));
        keep = end;
    }
    Ok((ids, keep))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cut_last_line_is_dropped() {
        let jsonl =
            b"{\"id\":\"a\",\"analysis\":{}}\n{\"id\":7,\"analysis\":{}}\n{\"id\":\"c\",\"ana";
        let (ids, keep) = jsonl_ids(jsonl, "id").unwrap();
        assert_eq!(ids, HashSet::from(["a".to_string(), "7".to_string()]));
        assert_eq!(keep, 48);
        let csv = "id,text,lang\n1,\"two\nlines\",en\n2,\"cut";
        let header: Vec<String> = ["id", "text", "lang"].map(String::from).to_vec();
        let (ids, keep) = csv_ids(csv.as_bytes(), &header, "id").unwrap();
        assert_eq!(ids, HashSet::from(["1".to_string()]));
        assert_eq!(&csv[..keep as usize], "id,text,lang\n1,\"two\nlines\",en\n");
    }

    #[test]
    fn a_file_that_is_not_an_earlier_output_is_refused() {
        let other = b"{\"id\":\"a\",\"text\":\"mine\"}\n";
        assert!(jsonl_ids(other, "id").unwrap_err().contains("line 1"));
        let header: Vec<String> = ["id", "text", "lang"].map(String::from).to_vec();
        let err = csv_ids(b"id,comment,lang\n1,x,en\n", &header, "id").unwrap_err();
        assert!(err.contains("id,comment,lang"), "{err}");
        let err = csv_ids(b"id,text,lang\n1,x\n2,y,en\n", &header, "id").unwrap_err();
        assert!(err.contains("line 2"), "{err}");
    }
}
