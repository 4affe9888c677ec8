//! Erasure (PIPL / GDPR): every comment of one `customer_id` deleted, and the audit line
//! that records it.
//!
//! In: a customer id as a person or a client gave it. Out: the id checked ([`check`]: not
//! blank, at most [`MAX_CUSTOMER_ID_CHARS`] characters, no control characters, errors naming
//! `customer_id`), an [`Erasure`] from [`super::CommentWriter::erase_customer`], and one
//! audit line for stderr ([`Erasure::audit_line`]). The audit line names the customer by
//! the first 16 hex digits of the SHA-256 of the id, never by the id itself: a log kept
//! after an erasure must not hold the identifier it erased, while an operator who has the
//! id can still find its line by hashing it (`printf %s ID | sha256sum`).

use serde::Serialize;
use sha2::{Digest, Sha256};
use tantivy::time::OffsetDateTime;
use tantivy::time::format_description::well_known::Rfc3339;

use crate::Result;
use crate::comment::{MAX_FIELD_BYTES, field_error};

/// The longest customer id accepted, in characters (code points, as JSON Schema's
/// `maxLength` counts them): every id a comment can store (at most that many bytes) fits.
pub const MAX_CUSTOMER_ID_CHARS: usize = MAX_FIELD_BYTES;

/// Hex digits of the id's SHA-256 written to the audit log.
const DIGEST_HEX: usize = 16;

/// Check a customer id given to erase (taken exactly as given: stored ids are matched
/// byte for byte); the error names `field`.
pub fn check(field: &str, id: &str) -> Result<()> {
    match problem(id) {
        Some(message) => Err(field_error(field, message)),
        None => Ok(()),
    }
}

/// What is wrong with a customer id, if anything.
pub fn problem(id: &str) -> Option<String> {
    if crate::text::normalize::is_blank(id) {
        Some("missing or empty (nothing visible)".into())
    } else if id.chars().count() > MAX_CUSTOMER_ID_CHARS {
        Some(format!("longer than {MAX_CUSTOMER_ID_CHARS} characters"))
    } else if id.chars().any(char::is_control) {
        Some("contains control characters".into())
    } else {
        None
    }
}

/// What an erasure did; durable once returned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Erasure {
    pub customer_id: String,
    /// Comments deleted (0 when the customer had none: not an error).
    pub deleted: u64,
}

impl Erasure {
    /// The audit line: `audit: erase customer=sha256:<16 hex> deleted=N
    /// at=<RFC 3339 UTC> via=<cli|api> request_id=<id or ->`.
    pub fn audit_line(&self, via: &str, request_id: Option<&str>) -> String {
        let at = OffsetDateTime::now_utc()
            .format(&Rfc3339)
            .unwrap_or_else(|_| "unknown".into());
        format!(
            "audit: erase customer=sha256:{} deleted={} at={at} via={via} request_id={}",
            digest(&self.customer_id),
            self.deleted,
            request_id.map_or_else(|| "-".to_string(), printable),
        )
    }
}

/// The first [`DIGEST_HEX`] hex digits of the SHA-256 of `id`.
pub fn digest(id: &str) -> String {
    Sha256::digest(id.as_bytes())
        .iter()
        .flat_map(|b| [b >> 4, b & 0xf])
        .take(DIGEST_HEX)
        .map(|n| char::from_digit(u32::from(n), 16).unwrap_or('0'))
        .collect()
}

/// A client's request id as one log token: at most 64 visible ASCII characters, the rest
/// replaced by `_`, so a header cannot forge or break a log line.
fn printable(id: &str) -> String {
    id.chars()
        .take(64)
        .map(|c| if c.is_ascii_graphic() { c } else { '_' })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_checked_and_hashed() {
        assert!(check("customer_id", "c-1").is_ok());
        for bad in ["", "  ", "a\nb", "a\u{7f}", &"x".repeat(513)] {
            let e = check("customer_id", bad).unwrap_err().to_string();
            assert!(e.contains("`customer_id`"), "{e}");
        }
        // sha256("abc") = ba7816bf8f01cfea...
        assert_eq!(digest("abc"), "ba7816bf8f01cfea");
        let e = Erasure {
            customer_id: "abc".into(),
            deleted: 3,
        };
        let line = e.audit_line("api", Some("r1\nforged x"));
        assert!(line.contains("customer=sha256:ba7816bf8f01cfea deleted=3 "));
        assert!(line.ends_with("via=api request_id=r1_forged_x"), "{line}");
        assert!(!line.contains("abc"));
    }
}
