//! Input files as exported by Chinese and Taiwanese Excel and systems, made UTF-8.
//!
//! In: a path (or any byte stream) and [`DecodeOptions`] (an encoding and a delimiter to
//! force, or neither). Out: an [`Opened`] file: a reader of UTF-8 text (no byte-order mark),
//! the encoding it was read as, the CSV delimiter to use and whether the content looks like
//! JSONL. A gzip stream (`.gz`, or the gzip magic bytes) is unpacked first. The encoding is
//! the byte-order mark's, else UTF-8 when the head is valid UTF-8, else GB18030 or Big5 as
//! [`sniff::guess_encoding`] scores them; the delimiter is comma, tab or semicolon as
//! [`sniff::guess_delimiter`] finds them. Bytes invalid in the chosen encoding, or a stream
//! that cannot be read, end the text with a [`DecodeFailure`] naming the file and the line;
//! the readers of `score` and `ingest` stop on it ([`failure_of`], [`failure_of_csv`]).

pub mod sniff;
mod stream;

use std::fmt;
use std::fs::File;
use std::io::Read;
use std::path::Path;
use std::str::FromStr;

use crate::{Error, Result};
use stream::DecodeReader;

/// Bytes read ahead to choose the encoding and the delimiter (256 KiB).
pub const SAMPLE_BYTES: usize = 256 * 1024;

/// The text encodings an input file may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    /// GB18030, a superset of GBK and GB2312 (mainland Windows Excel's "CSV").
    Gb18030,
    /// GBK; its decoder is GB18030's (the WHATWG Encoding Standard's), so it reads the same.
    Gbk,
    /// Big5 with the HKSCS extensions (Taiwan and Hong Kong).
    Big5,
    /// UTF-16 little-endian (Excel's "Unicode Text").
    Utf16Le,
    Utf16Be,
}

impl Encoding {
    /// Every encoding, in the order they are listed to people.
    pub const ALL: [Encoding; 6] = [
        Encoding::Utf8,
        Encoding::Gb18030,
        Encoding::Gbk,
        Encoding::Big5,
        Encoding::Utf16Le,
        Encoding::Utf16Be,
    ];

    /// The name `--encoding` takes.
    pub fn name(self) -> &'static str {
        match self {
            Encoding::Utf8 => "utf-8",
            Encoding::Gb18030 => "gb18030",
            Encoding::Gbk => "gbk",
            Encoding::Big5 => "big5",
            Encoding::Utf16Le => "utf-16le",
            Encoding::Utf16Be => "utf-16be",
        }
    }

    pub(crate) fn codec(self) -> &'static encoding_rs::Encoding {
        match self {
            Encoding::Utf8 => encoding_rs::UTF_8,
            Encoding::Gb18030 => encoding_rs::GB18030,
            Encoding::Gbk => encoding_rs::GBK,
            Encoding::Big5 => encoding_rs::BIG5,
            Encoding::Utf16Le => encoding_rs::UTF_16LE,
            Encoding::Utf16Be => encoding_rs::UTF_16BE,
        }
    }
}

impl fmt::Display for Encoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Encoding {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        let wanted = s.trim().to_ascii_lowercase().replace('_', "-");
        let wanted = match wanted.as_str() {
            "utf8" => "utf-8",
            "utf16le" | "utf-16" => "utf-16le",
            "utf16be" => "utf-16be",
            other => other,
        };
        Encoding::ALL
            .into_iter()
            .find(|e| e.name() == wanted)
            .ok_or_else(|| {
                let names: Vec<&str> = Encoding::ALL.iter().map(|e| e.name()).collect();
                format!("unknown encoding `{s}` (known: {})", names.join(", "))
            })
    }
}

/// What to force; `None` detects it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DecodeOptions {
    pub encoding: Option<Encoding>,
    /// The CSV field delimiter (a single ASCII byte).
    pub delimiter: Option<u8>,
}

/// A file made ready to parse.
pub struct Opened {
    /// UTF-8 text, without a byte-order mark.
    pub reader: Box<dyn Read + Send>,
    pub encoding: Encoding,
    /// The CSV delimiter (forced, or sniffed from the head).
    pub delimiter: u8,
    /// Whether the input was gzip-compressed.
    pub gzip: bool,
    /// Whether the first non-blank character is `{` (JSONL rather than CSV).
    pub jsonl_like: bool,
}

/// Why a file's text ended early: invalid bytes in its encoding, or a failed read (a
/// truncated gzip stream, an I/O error).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeFailure {
    /// The file's name as given (`stdin` for `-`).
    pub file: String,
    /// The line (1-based) the failure is on.
    pub line: u64,
    pub kind: FailureKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FailureKind {
    /// Bytes that are not valid in `encoding`, at this offset of the (unpacked) stream.
    Invalid { encoding: Encoding, offset: u64 },
    /// The stream could not be read.
    Read(String),
}

impl fmt::Display for DecodeFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (file, line) = (&self.file, self.line);
        match &self.kind {
            FailureKind::Invalid { encoding, offset } => write!(
                f,
                "{file} line {line}: not valid {encoding} text (byte {offset}); read it as \
                 another encoding with --encoding (utf-8, gb18030, gbk, big5, utf-16le, utf-16be)"
            ),
            FailureKind::Read(cause) => write!(f, "{file} line {line}: cannot read: {cause}"),
        }
    }
}

impl std::error::Error for DecodeFailure {}

/// The decoding failure an I/O error from an [`Opened`] reader carries, if any.
pub fn failure_of(err: &std::io::Error) -> Option<DecodeFailure> {
    err.get_ref()?.downcast_ref::<DecodeFailure>().cloned()
}

/// The decoding failure behind a CSV reader's error, if any.
pub fn failure_of_csv(err: &csv::Error) -> Option<DecodeFailure> {
    match err.kind() {
        csv::ErrorKind::Io(io) => failure_of(io),
        _ => None,
    }
}

/// Open `path` (`wrap` sees the raw bytes, e.g. for a progress bar).
pub fn open(
    path: &Path,
    options: DecodeOptions,
    wrap: impl FnOnce(Box<dyn Read + Send>) -> Box<dyn Read + Send>,
) -> Result<Opened> {
    // A missing or unreadable input is the caller's mistake: one line, no source chain.
    let file = File::open(path)
        .map_err(|e| Error::User(format!("cannot open {}: {e}", path.display())))?;
    let gz_suffix = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("gz"));
    from_reader(
        &path.display().to_string(),
        wrap(Box::new(file)),
        gz_suffix,
        options,
    )
}

/// How errors name an input: `stdin` for `-`, else the path.
pub fn input_name(path: &Path) -> String {
    match path.as_os_str() == "-" {
        true => "stdin".to_string(),
        false => path.display().to_string(),
    }
}

/// [`open`], or standard input when `path` is `-` (named `stdin` in errors).
pub fn open_or_stdin(
    path: &Path,
    options: DecodeOptions,
    wrap: impl FnOnce(Box<dyn Read + Send>) -> Box<dyn Read + Send>,
) -> Result<Opened> {
    match path.as_os_str() == "-" {
        true => from_reader("stdin", wrap(Box::new(std::io::stdin())), false, options),
        false => open(path, options, wrap),
    }
}

/// Make `raw` ready to parse; `name` is used in errors, `gzip` forces unpacking.
pub fn from_reader(
    name: &str,
    raw: Box<dyn Read + Send>,
    gzip: bool,
    options: DecodeOptions,
) -> Result<Opened> {
    let (magic, raw) = read_head(raw, 2);
    let gzip = gzip || magic.starts_with(&[0x1f, 0x8b]);
    let raw: Box<dyn Read + Send> = if gzip {
        Box::new(flate2::read::MultiGzDecoder::new(
            std::io::Cursor::new(magic).chain(raw),
        ))
    } else {
        Box::new(std::io::Cursor::new(magic).chain(raw))
    };
    let (head, raw) = read_head(raw, SAMPLE_BYTES);
    let complete = head.len() < SAMPLE_BYTES;
    let encoding = match options.encoding {
        Some(e) => e,
        None => sniff::guess_encoding(&head, complete),
    };
    let (text, _) = encoding.codec().decode_with_bom_removal(&head);
    let delimiter = match options.delimiter {
        Some(d) => d,
        None => sniff::guess_delimiter(&text, complete),
    };
    let jsonl_like = text
        .trim_start_matches(|c: char| c.is_whitespace() || c == '\u{feff}')
        .starts_with('{');
    let reader = DecodeReader::new(
        Box::new(std::io::Cursor::new(head).chain(raw)),
        encoding,
        name.to_string(),
    );
    Ok(Opened {
        reader: Box::new(reader),
        encoding,
        delimiter,
        gzip,
        jsonl_like,
    })
}

/// Up to `n` bytes from the start of `raw` (fewer only at its end or at a read error), and
/// the rest of it. A read error is kept for later, so that it is reported with its line
/// once the bytes before it have been decoded.
fn read_head(raw: Box<dyn Read + Send>, n: usize) -> (Vec<u8>, Box<dyn Read + Send>) {
    let mut head = Vec::with_capacity(n.min(SAMPLE_BYTES));
    let mut raw = raw;
    match (&mut raw).take(n as u64).read_to_end(&mut head) {
        Ok(_) => (head, raw),
        Err(e) => (head, Box::new(stream::Failed(Some(e)))),
    }
}

/// Parse a `--delimiter` value: one ASCII character, or `tab`, `comma`, `semicolon`, `\t`.
pub fn parse_delimiter(s: &str) -> std::result::Result<u8, String> {
    match s {
        "tab" | "\\t" | "\t" => Ok(b'\t'),
        "comma" => Ok(b','),
        "semicolon" => Ok(b';'),
        "pipe" => Ok(b'|'),
        _ if s.len() == 1 && s.is_ascii() && s != "\"" && s != "\n" && s != "\r" => {
            Ok(s.as_bytes()[0])
        }
        _ => Err(format!(
            "`{s}` is not a delimiter (one ASCII character other than a quote or a line \
             break, or tab, comma, semicolon, pipe)"
        )),
    }
}

/// A delimiter as people write it (`tab` for the tab).
pub fn delimiter_name(d: u8) -> String {
    match d {
        b'\t' => "tab".into(),
        other => (other as char).to_string(),
    }
}
