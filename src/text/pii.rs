//! PII redaction: phone numbers, emails, ID numbers, bank cards and IP addresses masked
//! before a comment is stored.
//!
//! In: an original text and a [`Redaction`] (which types to mask). Out: a [`Redacted`]
//! text, where each finding is replaced by its mask (`[电话]` / `[phone]`, `[邮箱]` /
//! `[email]`, `[身份证]` / `[id]`, `[银行卡]` / `[card]`, `[IP]`: Chinese masks when the
//! text is detected as Chinese or mixed), and the [`Finding`]s with their character
//! (code point) offsets into the original text.
//!
//! Matching runs on a one-character-for-one copy of the text with full-width forms folded
//! to ASCII (`１３８` → `138`, `＠` → `@`, `－` → `-`), so offsets stay those of the
//! original. The patterns and their checks (checksums, dates, context words) are in
//! [`super::pii_rules`]; overlapping candidates are resolved longest first. Masks hold no
//! digits, so redacting a redacted text finds nothing more.

use serde::{Deserialize, Serialize};

use super::pii_rules;
use crate::analysis::{Analysis, Input};
use crate::{Error, Result};

/// A kind of personal data.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum PiiType {
    /// Mainland, Taiwan, Hong Kong and international phone numbers (mobile and landline).
    Phone,
    Email,
    /// Mainland resident ID (18 characters, MOD 11-2 checksum, a real birth date) and
    /// Taiwan ID (letter + 9 digits, checksum).
    Id,
    /// Bank cards: 13–19 digits, Luhn-valid.
    Card,
    /// IPv4 and IPv6 addresses.
    Ip,
}

impl PiiType {
    pub const ALL: [PiiType; 5] = [
        PiiType::Phone,
        PiiType::Email,
        PiiType::Id,
        PiiType::Card,
        PiiType::Ip,
    ];

    /// The name used in flags, config and JSON.
    pub fn name(self) -> &'static str {
        match self {
            PiiType::Phone => "phone",
            PiiType::Email => "email",
            PiiType::Id => "id",
            PiiType::Card => "card",
            PiiType::Ip => "ip",
        }
    }

    /// The text that replaces a finding: Chinese when the comment is Chinese.
    pub fn mask(self, chinese: bool) -> &'static str {
        match (self, chinese) {
            (PiiType::Phone, true) => "[电话]",
            (PiiType::Phone, false) => "[phone]",
            (PiiType::Email, true) => "[邮箱]",
            (PiiType::Email, false) => "[email]",
            (PiiType::Id, true) => "[身份证]",
            (PiiType::Id, false) => "[id]",
            (PiiType::Card, true) => "[银行卡]",
            (PiiType::Card, false) => "[card]",
            (PiiType::Ip, _) => "[IP]",
        }
    }

    fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

/// Which types to mask: a set of [`PiiType`]s (empty: redaction off).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Redaction(u8);

impl Default for Redaction {
    /// Every type: what storing comments does unless told otherwise.
    fn default() -> Self {
        Redaction::ALL
    }
}

impl Redaction {
    pub const ALL: Redaction = Redaction(0b1_1111);
    pub const NONE: Redaction = Redaction(0);

    /// Whether nothing is masked.
    pub fn is_off(self) -> bool {
        self.0 == 0
    }

    pub fn contains(self, kind: PiiType) -> bool {
        self.0 & kind.bit() != 0
    }

    /// The set as bits (one per [`PiiType`], in declaration order).
    pub fn bits(self) -> u8 {
        self.0
    }

    /// The set of these bits (unknown bits ignored).
    pub fn from_bits(bits: u8) -> Redaction {
        Redaction(bits & Redaction::ALL.0)
    }

    /// The set of these types.
    pub fn of(types: &[PiiType]) -> Redaction {
        Redaction(types.iter().fold(0, |acc, t| acc | t.bit()))
    }

    /// Parse `all`, `none` (also `off`, `false`) or a comma-separated list of type names
    /// (`phone,email,id,card,ip`); an unknown name is an error naming it.
    pub fn parse(spec: &str) -> Result<Redaction> {
        let spec = spec.trim();
        match spec.to_ascii_lowercase().as_str() {
            "all" | "true" | "on" => return Ok(Redaction::ALL),
            "none" | "off" | "false" | "" => return Ok(Redaction::NONE),
            _ => {}
        }
        let mut set = Redaction::NONE;
        for name in spec.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            let kind = PiiType::ALL
                .into_iter()
                .find(|t| t.name().eq_ignore_ascii_case(name))
                .ok_or_else(|| {
                    Error::User(format!(
                        "unknown PII type `{name}` (known: phone, email, id, card, ip; or all, none)"
                    ))
                })?;
            set.0 |= kind.bit();
        }
        Ok(set)
    }
}

impl std::fmt::Display for Redaction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.is_off() {
            return f.write_str("none");
        }
        let names: Vec<&str> = PiiType::ALL
            .into_iter()
            .filter(|t| self.contains(*t))
            .map(PiiType::name)
            .collect();
        f.write_str(&names.join(","))
    }
}

/// Where PII was found: its type and character offsets into the original text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PiiSpan {
    #[serde(rename = "type")]
    pub kind: PiiType,
    /// First character (code point, not byte) of the finding in the original text.
    pub start: usize,
    /// One past its last character.
    pub end: usize,
}

/// One finding and the mask that replaced it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub span: PiiSpan,
    pub masked: &'static str,
}

/// A text with its PII masked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redacted {
    pub text: String,
    pub findings: Vec<Finding>,
}

impl Redacted {
    /// The spans found, as an analysis records them.
    pub fn spans(&self) -> Vec<PiiSpan> {
        self.findings.iter().map(|f| f.span).collect()
    }
}

/// The PII of `text` of the types in `redaction`, in order, without overlaps.
pub fn detect(text: &str, redaction: Redaction) -> Vec<PiiSpan> {
    if redaction.is_off()
        || !text
            .bytes()
            .any(|b| b.is_ascii_digit() || b == b'@' || b >= 0x80)
    {
        return Vec::new();
    }
    let view = View::new(text);
    let mut found: Vec<PiiSpan> = pii_rules::candidates(&view.text)
        .into_iter()
        .filter(|c| redaction.contains(c.kind))
        .map(|c| PiiSpan {
            kind: c.kind,
            start: view.char_at(c.start),
            end: view.char_at(c.end),
        })
        .collect();
    // Longest first; on a tie the earlier rule's type wins (the sort is stable).
    found.sort_by_key(|s| std::cmp::Reverse(s.end - s.start));
    let mut kept: Vec<PiiSpan> = Vec::with_capacity(found.len());
    for span in found {
        if kept
            .iter()
            .all(|k| span.end <= k.start || span.start >= k.end)
        {
            kept.push(span);
        }
    }
    kept.sort_by_key(|s| s.start);
    kept
}

/// Mask the PII of `text` of the types in `redaction`.
pub fn redact(text: &str, redaction: Redaction) -> Redacted {
    let spans = detect(text, redaction);
    if spans.is_empty() {
        return Redacted {
            text: text.to_string(),
            findings: Vec::new(),
        };
    }
    let chinese = is_chinese(text);
    let mut out = String::with_capacity(text.len());
    let mut findings = Vec::with_capacity(spans.len());
    let mut next = spans.iter().peekable();
    let mut skip_until = 0;
    for (i, ch) in text.chars().enumerate() {
        if i < skip_until {
            continue;
        }
        match next.peek() {
            Some(span) if span.start == i => {
                let masked = span.kind.mask(chinese);
                out.push_str(masked);
                findings.push(Finding {
                    span: **span,
                    masked,
                });
                skip_until = span.end;
                next.next();
            }
            _ => out.push(ch),
        }
    }
    Redacted {
        text: out,
        findings,
    }
}

/// Mask the PII of texts about to be analysed, in place (`analyze` with redaction on); the
/// spans found in each, for [`record`].
pub fn redact_inputs(inputs: &mut [Input], redaction: Redaction) -> Vec<Vec<PiiSpan>> {
    inputs
        .iter_mut()
        .map(|input| {
            let r = redact(&input.text, redaction);
            if !r.findings.is_empty() {
                input.text.clone_from(&r.text);
            }
            r.spans()
        })
        .collect()
}

/// Record in each analysis what [`redact_inputs`] masked, and the masked text it analysed.
pub fn record(analyses: &mut [Analysis], inputs: &[Input], found: Vec<Vec<PiiSpan>>) {
    for ((analysis, input), spans) in analyses.iter_mut().zip(inputs).zip(found) {
        if !spans.is_empty() {
            analysis.redacted = Some(input.text.clone());
        }
        analysis.pii = spans;
    }
}

/// Whether masks for `text` should be Chinese: the crate's language detection says
/// Simplified, Traditional or mixed Chinese.
fn is_chinese(text: &str) -> bool {
    use super::Lang;
    let normalized = super::normalize(text);
    matches!(
        super::lang::detect(&normalized.text),
        Lang::ZhHans | Lang::ZhHant | Lang::Mixed
    )
}

/// The text with full-width forms, odd spaces and dashes folded to ASCII, one character
/// for one, and the byte start of each of its characters.
struct View {
    text: String,
    starts: Vec<usize>,
}

impl View {
    fn new(original: &str) -> View {
        let text: String = original.chars().map(fold).collect();
        let mut starts: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
        starts.push(text.len());
        View { text, starts }
    }

    /// The character index of a byte offset (a character boundary) of the view.
    fn char_at(&self, byte: usize) -> usize {
        match self.starts.binary_search(&byte) {
            Ok(i) | Err(i) => i,
        }
    }
}

fn fold(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        '\u{3000}' | '\u{00A0}' | '\u{2002}'..='\u{200A}' | '\u{202F}' => ' ',
        '\u{2010}'..='\u{2015}' | '\u{2212}' => '-',
        _ => c,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_follow_the_language_and_offsets_are_characters() {
        let r = redact("我的手机是１３８１２３４５６７８，谢谢", Redaction::ALL);
        assert_eq!(r.text, "我的手机是[电话]，谢谢");
        assert_eq!(
            r.spans(),
            [PiiSpan {
                kind: PiiType::Phone,
                start: 5,
                end: 16
            }]
        );
        let r = redact("Mail me at a.b@example.com please", Redaction::ALL);
        assert_eq!(r.text, "Mail me at [email] please");
        // Idempotent: a masked text has nothing left to find.
        assert_eq!(redact(&r.text, Redaction::ALL).text, r.text);
    }

    #[test]
    fn types_can_be_chosen_and_parsed() {
        let only_email = Redaction::parse("email").unwrap();
        let r = redact("13812345678 a@b.cn", only_email);
        assert_eq!(r.text, "13812345678 [email]");
        assert_eq!(Redaction::parse("all").unwrap(), Redaction::ALL);
        assert!(Redaction::parse("none").unwrap().is_off());
        assert_eq!(
            Redaction::parse("phone, ip").unwrap().to_string(),
            "phone,ip"
        );
        let err = Redaction::parse("phone,plate").unwrap_err().to_string();
        assert!(err.contains("`plate`"), "{err}");
    }
}
