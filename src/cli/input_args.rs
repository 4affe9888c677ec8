//! The flags `score` and `ingest` share for reading files from other systems: `--encoding`
//! (GB18030/GBK, Big5, UTF-16 from Chinese and Taiwanese Excel) and `--delimiter`.
//!
//! In: the command line (or `VERBATIM_ENCODING` / `VERBATIM_DELIMITER`, which the config
//! keys `encoding` and `delimiter` set). Out: the library's [`DecodeOptions`].

use verbatim::text::decode::{DecodeOptions, Encoding, parse_delimiter};

#[derive(Debug, Clone, clap::Args)]
pub struct InputArgs {
    /// The input's text encoding. auto: the byte-order mark's, else UTF-8 when valid, else
    /// GB18030 or Big5, whichever reads as more plausible Chinese. gbk reads as gb18030.
    #[arg(long, value_enum, default_value_t = EncodingArg::Auto, env = "VERBATIM_ENCODING")]
    pub encoding: EncodingArg,
    /// The CSV delimiter: one character, or tab, comma, semicolon (default: sniffed from the
    /// first records among comma, tab and semicolon).
    #[arg(long, value_parser = parse_delimiter, env = "VERBATIM_DELIMITER")]
    pub delimiter: Option<u8>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum EncodingArg {
    Auto,
    #[value(name = "utf-8", alias = "utf8")]
    Utf8,
    Gb18030,
    Gbk,
    Big5,
    #[value(name = "utf-16le")]
    Utf16le,
    #[value(name = "utf-16be")]
    Utf16be,
}

impl InputArgs {
    pub fn options(&self) -> DecodeOptions {
        let encoding = match self.encoding {
            EncodingArg::Auto => None,
            EncodingArg::Utf8 => Some(Encoding::Utf8),
            EncodingArg::Gb18030 => Some(Encoding::Gb18030),
            EncodingArg::Gbk => Some(Encoding::Gbk),
            EncodingArg::Big5 => Some(Encoding::Big5),
            EncodingArg::Utf16le => Some(Encoding::Utf16Le),
            EncodingArg::Utf16be => Some(Encoding::Utf16Be),
        };
        DecodeOptions {
            encoding,
            delimiter: self.delimiter,
        }
    }
}
