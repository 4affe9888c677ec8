//! Guessing a file's encoding and CSV delimiter from its first bytes.
//!
//! In: the head of a file (up to [`super::SAMPLE_BYTES`]) and whether it is the whole file.
//! Out: an [`Encoding`] ([`guess_encoding`]) and a delimiter byte ([`guess_delimiter`]).
//! Both are guesses that `--encoding` and `--delimiter` override.

use std::collections::HashSet;
use std::sync::LazyLock;

use super::Encoding;
use crate::text::variants::to_simplified;

/// Frequent Simplified characters (`data/common_hanzi.txt`).
static COMMON: LazyLock<HashSet<char>> = LazyLock::new(|| {
    include_str!("../data/common_hanzi.txt")
        .lines()
        .filter(|l| !l.starts_with('#'))
        .flat_map(str::chars)
        .collect()
});

/// The encoding of `head`: its byte-order mark's; else UTF-16 when every other byte is NUL;
/// else UTF-8 when it is valid UTF-8 (a sequence cut by the end of an incomplete head
/// allowed); else whichever of GB18030 and Big5 [`plausibility`] scores higher.
pub fn guess_encoding(head: &[u8], complete: bool) -> Encoding {
    if let Some((bom, _)) = encoding_rs::Encoding::for_bom(head) {
        if bom == encoding_rs::UTF_16LE {
            return Encoding::Utf16Le;
        }
        if bom == encoding_rs::UTF_16BE {
            return Encoding::Utf16Be;
        }
        return Encoding::Utf8;
    }
    if let Some(utf16) = utf16_by_nul_bytes(head) {
        return utf16;
    }
    match std::str::from_utf8(head) {
        Ok(_) => return Encoding::Utf8,
        Err(e) if e.error_len().is_none() && !complete => return Encoding::Utf8,
        Err(_) => {}
    }
    let gb = plausibility(head, Encoding::Gb18030, complete);
    let big5 = plausibility(head, Encoding::Big5, complete);
    // Ties go to GB18030, the more common of the two.
    if big5 > gb {
        Encoding::Big5
    } else {
        Encoding::Gb18030
    }
}

/// UTF-16 without a byte-order mark: ASCII-heavy text has a NUL in every other byte (odd
/// positions for little-endian, even for big-endian); text in any other encoding here has
/// none. Looks at the first 4 KiB.
fn utf16_by_nul_bytes(head: &[u8]) -> Option<Encoding> {
    let head = &head[..head.len().min(4096)];
    let pairs = head.len() / 2;
    if pairs < 2 {
        return None;
    }
    let (mut even, mut odd) = (0usize, 0usize);
    for pair in head.chunks_exact(2) {
        even += usize::from(pair[0] == 0);
        odd += usize::from(pair[1] == 0);
    }
    let most = |n: usize| n * 10 >= pairs * 3;
    let few = |n: usize| n * 20 <= pairs;
    match (most(odd) && few(even), most(even) && few(odd)) {
        (true, _) => Some(Encoding::Utf16Le),
        (_, true) => Some(Encoding::Utf16Be),
        _ => None,
    }
}

/// How much `head` decoded as `encoding` reads like real Chinese text, from −3 to 1.
///
/// Both encodings give most byte pairs some character, so decoding without errors is not
/// enough: GB2312 text read as Big5 becomes a scatter of rare Traditional characters, and
/// Big5 text read as GB18030 becomes kana, Cyrillic, private-use and rare characters. So the
/// score is the share of non-ASCII characters that are frequent ones (after folding
/// Traditional to Simplified, so that both scripts count), each undecodable sequence costing
/// three frequent ones. Real text scores about 0.6–0.9, the wrong decoding below 0.3.
pub fn plausibility(head: &[u8], encoding: Encoding, complete: bool) -> f64 {
    let mut decoder = encoding.codec().new_decoder_without_bom_handling();
    let capacity = decoder
        .max_utf8_buffer_length(head.len())
        .unwrap_or(head.len() * 3 + 16);
    let mut text = String::with_capacity(capacity);
    // An incomplete head may end inside a character: not last, so it is held, not replaced.
    let _ = decoder.decode_to_string(head, &mut text, complete);
    let (mut non_ascii, mut common, mut errors) = (0usize, 0usize, 0usize);
    for c in to_simplified(&text).chars().filter(|c| !c.is_ascii()) {
        non_ascii += 1;
        if c == '\u{fffd}' {
            errors += 1;
        } else if COMMON.contains(&c) {
            common += 1;
        }
    }
    if non_ascii == 0 {
        return 0.0;
    }
    (common as f64 - 3.0 * errors as f64) / non_ascii as f64
}

/// The CSV delimiter of `text` (decoded head; `complete` when it is the whole file): of
/// comma, tab and semicolon, the one that splits the header into the most fields with every
/// one of the first 50 records as wide; when none is consistent, the widest header; comma
/// when nothing splits. Quoted fields (with delimiters and line breaks inside) are parsed
/// as CSV does; a last record cut by the end of the head is left out.
pub fn guess_delimiter(text: &str, complete: bool) -> u8 {
    let mut best = (b',', false, 1usize);
    for delimiter in [b',', b'\t', b';'] {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(delimiter)
            .from_reader(text.as_bytes());
        let mut widths: Vec<usize> = reader
            .records()
            .map_while(|r| r.ok())
            .map(|r| r.len())
            .take(52)
            .collect();
        if !complete && widths.len() > 1 {
            widths.pop();
        }
        widths.truncate(51);
        let Some(&header) = widths.first() else {
            continue;
        };
        let consistent = widths.iter().all(|&w| w == header);
        if header > 1 && (consistent, header) > (best.1, best.2) {
            best = (delimiter, consistent, header);
        }
    }
    best.0
}

#[cfg(test)]
mod tests {
    use super::*;

    const SIMPLIFIED: &str =
        "编号,内容\n1,\"物流很快，包装完好，客服态度也不错\"\n2,退款一直没有到账，太失望了\n";
    const TRADITIONAL: &str =
        "編號,內容\n1,\"物流很快，包裝完好，客服態度也不錯\"\n2,退款一直沒有到賬，太失望了\n";

    #[test]
    fn tells_gbk_from_big5() {
        let (gbk, _, _) = encoding_rs::GBK.encode(SIMPLIFIED);
        let (big5, _, _) = encoding_rs::BIG5.encode(TRADITIONAL);
        assert_eq!(guess_encoding(&gbk, true), Encoding::Gb18030);
        assert_eq!(guess_encoding(&big5, true), Encoding::Big5);
        // Simplified text whose characters Big5 cannot hold is still GB18030.
        let (gbk_trad, _, _) = encoding_rs::GBK.encode(TRADITIONAL);
        assert_eq!(guess_encoding(&gbk_trad, true), Encoding::Gb18030);
        let right = plausibility(&big5, Encoding::Big5, true);
        let wrong = plausibility(&big5, Encoding::Gb18030, true);
        assert!(right > 0.6 && wrong < 0.3, "{right} {wrong}");
    }

    #[test]
    fn bom_nul_bytes_and_utf8() {
        let mut le: Vec<u8> = vec![0xff, 0xfe];
        le.extend(
            "id\ttext\n1\tok\n"
                .encode_utf16()
                .flat_map(u16::to_le_bytes),
        );
        assert_eq!(guess_encoding(&le, true), Encoding::Utf16Le);
        assert_eq!(guess_encoding(&le[2..], true), Encoding::Utf16Le);
        let be: Vec<u8> = "id\ttext\n"
            .encode_utf16()
            .flat_map(u16::to_be_bytes)
            .collect();
        assert_eq!(guess_encoding(&be, true), Encoding::Utf16Be);
        let utf8 = SIMPLIFIED.as_bytes();
        assert_eq!(guess_encoding(utf8, true), Encoding::Utf8);
        // A head cut inside a character is still UTF-8, unless it is the whole file.
        assert_eq!(
            guess_encoding(&utf8[..utf8.len() - 10], false),
            Encoding::Utf8
        );
    }

    #[test]
    fn delimiters() {
        assert_eq!(guess_delimiter(SIMPLIFIED, true), b',');
        let tabbed = "id\ttext\tnps\n1\t\"Fast, cheap; good\"\t9\n2\tslow, late\t3\n";
        assert_eq!(guess_delimiter(tabbed, true), b'\t');
        let semi = "id;text;nps\n1;\"a;b\nc\";9\n2;ok, fine;3\n";
        assert_eq!(guess_delimiter(semi, true), b';');
        assert_eq!(guess_delimiter("text\nhello\n", true), b',');
        // The cut last record does not break consistency.
        assert_eq!(guess_delimiter("a\tb\tc\n1\t2\t3\n4\t5", false), b'\t');
    }
}
