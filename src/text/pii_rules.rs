//! The patterns of [`super::pii`] and the checks that decide a match.
//!
//! In: the folded view of a text (full-width forms already ASCII). Out: candidate
//! [`Candidate`]s (type and byte range of the view), possibly overlapping. Each regex only
//! proposes; a match counts when its edges are not inside a longer run of digits or letters
//! (an order number `2023112412345678901` holds no phone), and when its own check passes:
//! checksums (ID MOD 11-2, Taiwan ID, Luhn), a real birth date, valid IP octets, and for the
//! weaker shapes (a bare 8-digit number, a landline without a separator, a card number
//! without a known issuer prefix) a context word just before it ([`super::pii_context`]).

use std::sync::OnceLock;

use regex::Regex;

use super::pii::PiiType;
use super::pii_context::{self as context, Near};

/// A proposed finding: its type and byte range in the view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Candidate {
    pub kind: PiiType,
    pub start: usize,
    pub end: usize,
}

struct Rules {
    intl: Regex,
    mobile: Regex,
    service: Regex,
    landline: Regex,
    tw_mobile: Regex,
    nanp: Regex,
    local: Regex,
    email: Regex,
    cn_id: Regex,
    tw_id: Regex,
    card: Regex,
    ipv4: Regex,
    ipv6: Regex,
}

fn rules() -> &'static Rules {
    static RULES: OnceLock<Rules> = OnceLock::new();
    RULES.get_or_init(|| {
        // The patterns are constants: a failure here is a bug caught by every test.
        let re = |p: &str| Regex::new(p).expect("a valid built-in PII pattern");
        Rules {
            intl: re(r"(?:\(\+?(?:86|852|853|886)\)|\+ ?|00)\s?\(?\d{1,4}\)?(?:[ -]?\(?\d{1,5}\)?){1,7}"),
            mobile: re(r"1[3-9]\d[ -]?\d{4}[ -]?\d{4}"),
            service: re(r"[48]00[ -]?\d{3}[ -]?\d{4}"),
            landline: re(r"(?:\(0\d{1,3}\)|0\d{1,3})[ -]?\d{3,4}[ -]?\d{3,4}"),
            tw_mobile: re(r"09\d{2}[ -]?\d{3}[ -]?\d{3}"),
            nanp: re(r"(?:\([2-9]\d{2}\) ?|[2-9]\d{2}[-.])[2-9]\d{2}[-.]\d{4}"),
            local: re(r"[2-9]\d{3}[ -]?\d{4}"),
            email: re(r"[A-Za-z0-9][A-Za-z0-9._%+-]*@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}"),
            cn_id: re(r"[1-8]\d{5} ?(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01]) ?\d{3}[\dXx]"),
            tw_id: re(r"[A-Z][1289]\d{8}"),
            card: re(r"\d{4}(?:[ -]\d{4}){3}(?:[ -]\d{1,3})?|\d{4}[ -]\d{6}[ -]\d{5}|\d{13,19}"),
            ipv4: re(r"\d{1,3}(?:\.\d{1,3}){3}"),
            ipv6: re(r"[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}"),
        }
    })
}

/// Every candidate of the view, of every type.
pub fn candidates(view: &str) -> Vec<Candidate> {
    let r = rules();
    let mut out = Vec::new();
    let mut add = |kind: PiiType, re: &Regex, check: &dyn Fn(&str, usize, usize) -> bool| {
        scan(
            re,
            view,
            |s, e| check(view, s, e),
            |s, e| {
                out.push(Candidate {
                    kind,
                    start: s,
                    end: e,
                })
            },
        );
    };
    add(PiiType::Email, &r.email, &email_ok);
    add(PiiType::Id, &r.cn_id, &|v, s, e| {
        numeric_edges(v, s, e) && cn_id_ok(&v[s..e])
    });
    add(PiiType::Id, &r.tw_id, &|v, s, e| {
        alnum_edges(v, s, e) && tw_id_ok(&v[s..e])
    });
    add(PiiType::Card, &r.card, &card_ok);
    add(PiiType::Phone, &r.intl, &intl_ok);
    add(PiiType::Phone, &r.mobile, &numeric_edges);
    add(PiiType::Phone, &r.service, &numeric_edges);
    add(PiiType::Phone, &r.tw_mobile, &numeric_edges);
    add(PiiType::Phone, &r.landline, &landline_ok);
    add(PiiType::Phone, &r.nanp, &numeric_edges);
    add(PiiType::Phone, &r.local, &|v, s, e| {
        numeric_edges(v, s, e) && context::before(v, s) == Near::Phone
    });
    add(PiiType::Ip, &r.ipv4, &ipv4_ok);
    add(PiiType::Ip, &r.ipv6, &ipv6_ok);
    out
}

/// Call `found` for every match of `re` that `check` accepts. A rejected match is retried
/// one character later, so a valid match overlapping a rejected one is still seen.
fn scan(
    re: &Regex,
    text: &str,
    check: impl Fn(usize, usize) -> bool,
    mut found: impl FnMut(usize, usize),
) {
    let mut pos = 0;
    while let Some(m) = re.find_at(text, pos) {
        if m.start() < m.end() && check(m.start(), m.end()) {
            found(m.start(), m.end());
            pos = m.end();
        } else {
            let step = text[m.start()..].chars().next().map_or(1, char::len_utf8);
            pos = m.start() + step;
        }
        if pos >= text.len() {
            break;
        }
    }
}

fn char_before(text: &str, at: usize) -> Option<char> {
    text[..at].chars().next_back()
}

fn char_after(text: &str, at: usize) -> Option<char> {
    text[at..].chars().next()
}

/// Whether the separator `sep` next to a match continues a grouped number (`2023 1124 ...`):
/// it is followed (or preceded) by at least two digits.
fn continues(sep: Option<char>, digits: &str) -> bool {
    matches!(sep, Some(' ' | '-' | '.' | '/'))
        && digits.chars().take(2).filter(char::is_ascii_digit).count() == 2
}

/// Edges of a number: no letter or digit touching it, and no grouped digits continuing it.
fn numeric_edges(text: &str, start: usize, end: usize) -> bool {
    let before = char_before(text, start);
    let after = char_after(text, end);
    if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '+')
        || after.is_some_and(|c| c.is_ascii_alphanumeric())
    {
        return false;
    }
    let left: String = text[..start]
        .chars()
        .rev()
        .skip(1)
        .take(2)
        .collect::<String>();
    let right = text[end..].chars().skip(1).take(2).collect::<String>();
    !continues(before, &left) && !continues(after, &right)
}

fn alnum_edges(text: &str, start: usize, end: usize) -> bool {
    !char_before(text, start).is_some_and(|c| c.is_ascii_alphanumeric())
        && !char_after(text, end).is_some_and(|c| c.is_ascii_alphanumeric())
}

fn digits(s: &str) -> Vec<u32> {
    s.chars().filter_map(|c| c.to_digit(10)).collect()
}

fn email_ok(text: &str, start: usize, end: usize) -> bool {
    let local_char = |c: char| c.is_ascii_alphanumeric() || "._%+-".contains(c);
    let m = &text[start..end];
    !char_before(text, start).is_some_and(local_char)
        && !char_after(text, end).is_some_and(|c| c.is_ascii_alphanumeric() || c == '@')
        && !m.contains("..")
}

/// International numbers: `+CC ...`, `00CC ...` (CC 86, 852, 853, 886), `(+86)`, `(852)`;
/// 8 to 15 digits after the prefix.
fn intl_ok(text: &str, start: usize, end: usize) -> bool {
    let m = &text[start..end];
    if let Some(rest) = m.strip_prefix("00") {
        let rest = rest.trim_start();
        if !["86", "852", "853", "886"]
            .iter()
            .any(|cc| rest.starts_with(cc))
        {
            return false;
        }
    }
    let n = digits(m).len() - if m.starts_with("00") { 2 } else { 0 };
    let before_ok = !char_before(text, start).is_some_and(|c| c.is_ascii_alphanumeric());
    let after_ok = !char_after(text, end).is_some_and(|c| c.is_ascii_alphanumeric());
    (8..=15).contains(&n) && before_ok && after_ok
}

/// Landlines: a mainland area code (010, 02x, 0[3-9]xx) and 7–8 digits starting 2–9, or a
/// Taiwan one (02–08, 037, 049, 082, 089, 0826, 0836) and 6–8 digits (any first digit), the area code set
/// off by a separator or parentheses; without one, only after a phone word.
fn landline_ok(text: &str, start: usize, end: usize) -> bool {
    if !numeric_edges(text, start, end) {
        return false;
    }
    let m = &text[start..end];
    let groups: Vec<&str> = m
        .split(|c: char| !c.is_ascii_digit())
        .filter(|g| !g.is_empty())
        .collect();
    if groups.len() < 2 {
        return (10..=12).contains(&m.len()) && context::before(text, start) == Near::Phone;
    }
    let area = groups[0];
    let rest: String = groups[1..].concat();
    let first_ok = rest.starts_with(|c: char| ('2'..='9').contains(&c));
    let mainland = first_ok
        && (area == "010"
            || (area.len() == 3 && area.starts_with("02"))
            || (area.len() == 4 && area.as_bytes()[1] >= b'3'))
        && (7..=8).contains(&rest.len());
    let taiwan = (matches!(area, "02" | "03" | "04" | "05" | "06" | "07" | "08")
        || matches!(area, "037" | "049" | "082" | "089" | "0826" | "0836"))
        && (6..=8).contains(&rest.len());
    mainland || taiwan
}

/// Mainland resident ID: MOD 11-2 check character and a birth date that exists and is not
/// in the future.
pub fn cn_id_ok(m: &str) -> bool {
    let chars: Vec<char> = m.chars().filter(|c| *c != ' ').collect();
    if chars.len() != 18 {
        return false;
    }
    let body: Vec<u32> = chars[..17].iter().filter_map(|c| c.to_digit(10)).collect();
    if body.len() != 17 {
        return false;
    }
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const CHECK: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];
    let sum: u32 = body.iter().zip(WEIGHTS).map(|(d, w)| d * w).sum();
    let expected = CHECK[(sum % 11) as usize];
    if chars[17].to_ascii_uppercase() != expected {
        return false;
    }
    let num = |r: std::ops::Range<usize>| body[r].iter().fold(0, |acc, d| acc * 10 + d);
    let (year, month, day) = (num(6..10), num(10..12), num(12..14));
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1900..=current_year()).contains(&year) && (1..=days).contains(&day)
}

/// The current year (UTC), from the system clock.
fn current_year() -> u32 {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    // Days to a year, good enough at a year's granularity (leap days averaged).
    1970 + (secs as f64 / (365.2425 * 86_400.0)) as u32
}

/// Taiwan ID: the letter's two-digit code and nine digits, weights 1 9 8 7 6 5 4 3 2 1 1,
/// sum divisible by 10.
pub fn tw_id_ok(m: &str) -> bool {
    const CODES: &[u8; 26] = b"\x0a\x0b\x0c\x0d\x0e\x0f\x10\x11\x22\x12\x13\x14\x15\x16\x23\x17\x18\x19\x1a\x1b\x1c\x1d\x20\x1e\x1f\x21";
    let mut chars = m.chars();
    let Some(letter) = chars.next().filter(char::is_ascii_uppercase) else {
        return false;
    };
    let code = u32::from(CODES[(letter as u8 - b'A') as usize]);
    let ds = digits(chars.as_str());
    if ds.len() != 9 {
        return false;
    }
    let weights = [8, 7, 6, 5, 4, 3, 2, 1, 1];
    let body: u32 = ds.iter().zip(weights).map(|(d, w)| d * w).sum();
    let sum = code / 10 + (code % 10) * 9 + body;
    sum.is_multiple_of(10)
}

/// The Luhn check of a digit string.
pub fn luhn_ok(ds: &[u32]) -> bool {
    let sum: u32 = ds
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| match i % 2 {
            1 if d * 2 > 9 => d * 2 - 9,
            1 => d * 2,
            _ => d,
        })
        .sum();
    sum.is_multiple_of(10)
}

/// Bank cards: Luhn-valid, one kind of separator; accepted after a card word, or when
/// grouped by fours or with a known issuer prefix and length, unless an order/tracking
/// word is nearer.
fn card_ok(text: &str, start: usize, end: usize) -> bool {
    let m = &text[start..end];
    let ds = digits(m);
    let seps: Vec<char> = m.chars().filter(|c| !c.is_ascii_digit()).collect();
    if !numeric_edges(text, start, end)
        || !(13..=19).contains(&ds.len())
        || seps.windows(2).any(|w| w[0] != w[1])
        || !luhn_ok(&ds)
    {
        return false;
    }
    // Grouped by fours (`4111 1111 1111 1111`) is how cards are written, not order numbers.
    let grouped = m.split([' ', '-']).count() >= 4;
    match context::before(text, start) {
        Near::Card => true,
        Near::Order | Near::Version => false,
        Near::Phone | Near::None => grouped || issuer_plausible(&ds),
    }
}

/// A known issuer prefix with a length it issues: UnionPay 62 (16–19), Visa 4 (13, 16, 19),
/// Mastercard 51–55 and 2221–2720 (16), Amex 34/37 (15), JCB 35 (16–19), Discover 6011/65
/// (16–19), Chinese debit 60/9558 (16–19).
fn issuer_plausible(ds: &[u32]) -> bool {
    let prefix = |n: usize| ds[..n].iter().fold(0, |acc, d| acc * 10 + d);
    let len = ds.len();
    match (prefix(2), prefix(4)) {
        (62 | 60 | 65 | 35, _) | (_, 9558) => (16..=19).contains(&len),
        (40..=49, _) => matches!(len, 13 | 16 | 19),
        (51..=55, _) | (_, 2221..=2720) => len == 16,
        (34 | 37, _) => len == 15,
        _ => false,
    }
}

fn ipv4_ok(text: &str, start: usize, end: usize) -> bool {
    let m = &text[start..end];
    let octets_ok = m
        .split('.')
        .all(|o| o.parse::<u16>().is_ok_and(|v| v <= 255) && (o == "0" || !o.starts_with('0')));
    let before = char_before(text, start);
    let after = char_after(text, end);
    let next_digit = text[end..]
        .chars()
        .nth(1)
        .is_some_and(|c| c.is_ascii_digit());
    // A dot and a digit after it: one more part of a longer dotted number.
    let continued = after == Some('.') && next_digit;
    let touching = before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '.')
        || after.is_some_and(|c| c.is_ascii_alphanumeric());
    octets_ok
        && !touching
        && !continued
        && !matches!(context::before(text, start), Near::Version | Near::Order)
}

fn ipv6_ok(text: &str, start: usize, end: usize) -> bool {
    let m = &text[start..end];
    let groups = m.split(':').filter(|g| !g.is_empty()).count();
    let hexish = |c: char| c.is_ascii_hexdigit() || c == ':';
    // A colon before is a label's (`IP: 2408:...`, `IP：` folded) unless it follows hex.
    let before_ok = match char_before(text, start) {
        Some(':') => !char_before(text, start - 1).is_some_and(hexish),
        c => !c.is_some_and(|c| c.is_ascii_alphanumeric()),
    };
    groups >= 3
        && m.parse::<std::net::Ipv6Addr>().is_ok()
        && before_ok
        && !char_after(text, end).is_some_and(|c| hexish(c) || c.is_ascii_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksums() {
        assert!(cn_id_ok("11010519491231002X"));
        assert!(!cn_id_ok("110105194912310021"));
        assert!(!cn_id_ok("110105194902300025")); // 30 February
        assert!(tw_id_ok("A123456789"));
        assert!(!tw_id_ok("A123456788"));
        assert!(luhn_ok(&digits("4111 1111 1111 1111")));
        assert!(!luhn_ok(&digits("4111 1111 1111 1112")));
    }
}
