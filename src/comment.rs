//! A customer comment as it is stored and searched (docs/formats.md), and its validation.
//!
//! In: a comment from an API request (typed JSON), a JSONL object or a CSV row (known
//! fields by name, any other field kept under `attrs`). Out: a validated [`Comment`] and its
//! parsed `created_at`. Every error names the field at fault; callers add the file and line.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use tantivy::time::format_description::well_known::Rfc3339;
use tantivy::time::{Date, Month, OffsetDateTime, Time};

use crate::{Error, Result};

/// The longest text accepted, in bytes.
pub const MAX_TEXT_BYTES: usize = 100_000;
/// The longest id, customer id or channel accepted, in bytes.
pub const MAX_FIELD_BYTES: usize = 512;
/// ... and at most this many characters (what `/openapi.json` states as `maxLength`).
pub const MAX_FIELD_CHARS: usize = 128;
/// The most attributes one comment may carry.
pub const MAX_ATTRS: usize = 32;
/// The longest attribute key, in characters.
pub const MAX_ATTR_KEY_CHARS: usize = 64;
/// The longest attribute value, in characters.
pub const MAX_ATTR_VALUE_CHARS: usize = 256;
/// The earliest `created_at` accepted: 1990-01-01 (UTC). The latest is now + 1 day.
pub const EARLIEST_DATE: &str = "1990-01-01";

/// A comment with its metadata. `created_at` is kept as given (an RFC 3339 timestamp or a
/// plain date) and parsed by [`Comment::validate`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Comment {
    pub id: String,
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    /// Net Promoter score, 0–10.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "whole_score"
    )]
    pub nps: Option<u8>,
    /// Customer satisfaction, 1–5.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "whole_score"
    )]
    pub csat: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_id: Option<String>,
    /// Any other string attributes: region, product, plan, ...
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub attrs: BTreeMap<String, String>,
}

/// The error for a bad value of `field`.
pub fn field_error(field: &str, message: impl std::fmt::Display) -> Error {
    Error::User(format!("field `{field}`: {message}"))
}

impl Comment {
    /// A comment with only an id and a text.
    pub fn new(id: impl Into<String>, text: impl Into<String>) -> Comment {
        Comment {
            id: id.into(),
            text: text.into(),
            created_at: None,
            nps: None,
            csat: None,
            channel: None,
            customer_id: None,
            attrs: BTreeMap::new(),
        }
    }

    /// The comment as an input to the analyzer (its id echoed in the analysis).
    pub fn input(&self) -> crate::analysis::Input {
        crate::analysis::Input {
            id: Some(self.id.clone()),
            text: self.text.clone(),
        }
    }

    /// Check every field and return the parsed `created_at`. The error names the field.
    pub fn validate(&self) -> Result<Option<OffsetDateTime>> {
        self.validate_at("")
    }

    /// [`Comment::validate`] for a comment inside a larger document: error field names
    /// start with `path` (`items[2].` gives `items[2].nps`).
    pub fn validate_at(&self, path: &str) -> Result<Option<OffsetDateTime>> {
        let at = |name: &str| format!("{path}{name}");
        check_short(&at("id"), &self.id)?;
        if self.id.trim().is_empty() {
            return Err(field_error(&at("id"), "missing or empty"));
        }
        if self.text.len() > MAX_TEXT_BYTES {
            return Err(field_error(
                &at("text"),
                format!(
                    "{} bytes, more than the {MAX_TEXT_BYTES} allowed",
                    self.text.len()
                ),
            ));
        }
        if !has_visible_text(&self.text) {
            return Err(field_error(&at("text"), "missing or empty"));
        }
        if let Some(nps) = self.nps.filter(|n| *n > 10) {
            return Err(field_error(&at("nps"), format!("{nps} is not in 0–10")));
        }
        if let Some(csat) = self.csat.filter(|n| !(1..=5).contains(n)) {
            return Err(field_error(&at("csat"), format!("{csat} is not in 1–5")));
        }
        for (name, value) in [
            ("channel", &self.channel),
            ("customer_id", &self.customer_id),
        ] {
            if let Some(v) = value {
                check_short(&at(name), v)?;
            }
        }
        check_attrs(&at("attrs"), &self.attrs)?;
        self.created_at
            .as_deref()
            .map(|s| {
                parse_timestamp(s)
                    .and_then(plausible_date)
                    .map_err(|m| field_error(&at("created_at"), m))
            })
            .transpose()
    }

    /// A comment from a JSON object read from a file: `id` and `text` (or the given names),
    /// the known fields (docs/formats.md), and every other field under `attrs`. Numbers may be JSON numbers
    /// or numeric strings; ids may be numbers.
    pub fn from_json_object(
        mut object: Map<String, Value>,
        id_field: &str,
        text_field: &str,
    ) -> Result<Comment> {
        let mut take = |name: &str| object.remove(name).filter(|v| !v.is_null());
        let id = take(id_field)
            .map(|v| scalar_string(id_field, v))
            .transpose()?
            .ok_or_else(|| field_error(id_field, "missing"))?;
        let text = match take(text_field) {
            Some(Value::String(s)) => s,
            Some(_) => return Err(field_error(text_field, "not a string")),
            None => return Err(field_error(text_field, "missing")),
        };
        let mut comment = Comment::new(id, text);
        comment.created_at = take("created_at")
            .map(|v| scalar_string("created_at", v))
            .transpose()?;
        comment.nps = take("nps").map(|v| small_int("nps", &v)).transpose()?;
        comment.csat = take("csat").map(|v| small_int("csat", &v)).transpose()?;
        comment.channel = take("channel")
            .map(|v| scalar_string("channel", v))
            .transpose()?;
        comment.customer_id = take("customer_id")
            .map(|v| scalar_string("customer_id", v))
            .transpose()?;
        match take("attrs") {
            None => {}
            Some(Value::Object(attrs)) => {
                for (k, v) in attrs {
                    if !v.is_null() {
                        let v = scalar_string(&format!("attrs.{k}"), v)?;
                        comment.attrs.insert(k, v);
                    }
                }
            }
            Some(_) => return Err(field_error("attrs", "not an object")),
        }
        for (k, v) in object {
            if !v.is_null() {
                let v = match v {
                    Value::Array(_) | Value::Object(_) => v.to_string(),
                    other => scalar_string(&k, other)?,
                };
                comment.attrs.insert(k, v);
            }
        }
        comment.normalize_empty();
        Ok(comment)
    }

    /// A comment from a CSV row given its header; empty cells are absent values.
    pub fn from_csv_row(
        headers: &[String],
        row: &csv::StringRecord,
        id_field: &str,
        text_field: &str,
    ) -> Result<Comment> {
        let object = headers
            .iter()
            .zip(row.iter())
            .filter(|(_, v)| !v.trim().is_empty())
            .map(|(k, v)| (k.clone(), Value::String(v.to_string())))
            .collect();
        Comment::from_json_object(object, id_field, text_field)
    }

    fn normalize_empty(&mut self) {
        for v in [
            &mut self.created_at,
            &mut self.channel,
            &mut self.customer_id,
        ] {
            if v.as_deref().is_some_and(|s| s.trim().is_empty()) {
                *v = None;
            }
        }
        self.id = self.id.trim().to_string();
    }
}

/// Whether `text` has something to analyse (see [`crate::text::normalize::is_blank`]).
fn has_visible_text(text: &str) -> bool {
    !crate::text::normalize::is_blank(text)
}

/// A score as a JSON integer, or as a number with no fraction (`7.0`), which JSON Schema
/// counts as an integer too. Its range is checked by [`Comment::validate_at`].
fn whole_score<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> std::result::Result<Option<u8>, D::Error> {
    let Some(v) = Option::<f64>::deserialize(d)? else {
        return Ok(None);
    };
    if v.fract() != 0.0 {
        return Err(serde::de::Error::custom(format!(
            "{v} is not a whole number"
        )));
    }
    if !(0.0..=255.0).contains(&v) {
        return Err(serde::de::Error::custom(format!(
            "{v} is out of range (NPS is 0–10, CSAT 1–5)"
        )));
    }
    Ok(Some(v as u8))
}

fn check_short(field: &str, value: &str) -> Result<()> {
    if value.len() > MAX_FIELD_BYTES {
        return Err(field_error(
            field,
            format!("longer than {MAX_FIELD_BYTES} bytes"),
        ));
    }
    // The OpenAPI document states the bound in characters (JSON Schema's maxLength).
    if value.chars().count() > MAX_FIELD_CHARS {
        return Err(field_error(
            field,
            format!("longer than {MAX_FIELD_CHARS} characters"),
        ));
    }
    if value.chars().any(char::is_control) {
        return Err(field_error(field, "contains control characters"));
    }
    Ok(())
}

/// At most [`MAX_ATTRS`] attributes, keys of 1–[`MAX_ATTR_KEY_CHARS`] characters, values
/// of at most [`MAX_ATTR_VALUE_CHARS`], no control characters. `field` is `attrs` with its
/// path; a bad key or value is named `attrs.<key>`.
fn check_attrs(field: &str, attrs: &BTreeMap<String, String>) -> Result<()> {
    if attrs.len() > MAX_ATTRS {
        return Err(field_error(
            field,
            format!(
                "{} attributes, more than the {MAX_ATTRS} allowed",
                attrs.len()
            ),
        ));
    }
    for (key, value) in attrs {
        if key.is_empty() {
            return Err(field_error(field, "an attribute has an empty name"));
        }
        if key.chars().count() > MAX_ATTR_KEY_CHARS {
            let head: String = key.chars().take(16).collect();
            return Err(field_error(
                field,
                format!("the key `{head}…` is longer than {MAX_ATTR_KEY_CHARS} characters"),
            ));
        }
        let name = format!("{field}.{key}");
        if key.chars().any(char::is_control) {
            return Err(field_error(&name, "the key contains control characters"));
        }
        if value.chars().count() > MAX_ATTR_VALUE_CHARS {
            return Err(field_error(
                &name,
                format!("longer than {MAX_ATTR_VALUE_CHARS} characters"),
            ));
        }
        if value.chars().any(char::is_control) {
            return Err(field_error(&name, "contains control characters"));
        }
    }
    Ok(())
}

/// `t` if it lies between [`EARLIEST_DATE`] and now + 1 day (time zones ahead of UTC and
/// clocks a little fast), else why not: a date far off would stretch every trend.
fn plausible_date(t: OffsetDateTime) -> std::result::Result<OffsetDateTime, String> {
    let earliest = Date::from_calendar_date(1990, Month::January, 1)
        .map(|d| d.with_time(Time::MIDNIGHT).assume_utc())
        .map_err(|e| e.to_string())?;
    let latest = OffsetDateTime::now_utc() + tantivy::time::Duration::days(1);
    if t < earliest || t > latest {
        return Err(format!(
            "{} is not between {EARLIEST_DATE} and now + 1 day",
            t.date()
        ));
    }
    Ok(t)
}

fn scalar_string(field: &str, value: Value) -> Result<String> {
    match value {
        Value::String(s) => Ok(s),
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(b.to_string()),
        _ => Err(field_error(field, "not a string or number")),
    }
}

fn small_int(field: &str, value: &Value) -> Result<u8> {
    let bad = || field_error(field, format!("`{value}` is not a whole number"));
    let n = match value {
        Value::Number(n) => n.as_f64().ok_or_else(bad)?,
        Value::String(s) => s.trim().parse::<f64>().map_err(|_| bad())?,
        _ => return Err(bad()),
    };
    if n.fract() != 0.0 || !(0.0..=255.0).contains(&n) {
        return Err(bad());
    }
    Ok(n as u8)
}

/// Parse a timestamp: RFC 3339 (`2025-05-23T10:00:00+08:00`), a plain date (`2025-05-23`,
/// midnight UTC) or a date and time without offset (`2025-05-23 10:00:00`, taken as UTC).
pub fn parse_timestamp(s: &str) -> std::result::Result<OffsetDateTime, String> {
    let s = s.trim();
    let bad = || format!("`{s}` is not an RFC 3339 timestamp or a date (YYYY-MM-DD)");
    if s.len() == 10 {
        return parse_date(s)
            .map(|d| d.with_time(Time::MIDNIGHT).assume_utc())
            .ok_or_else(bad);
    }
    if let Ok(t) = OffsetDateTime::parse(s, &Rfc3339) {
        return Ok(t);
    }
    // `YYYY-MM-DD HH:MM:SS[.fff]` without an offset, as spreadsheets write it.
    let with_t = match s.as_bytes().get(10) {
        Some(b' ') => format!("{}T{}", &s[..10], &s[11..]),
        _ => s.to_string(),
    };
    let has_offset = with_t.ends_with(['Z', 'z'])
        || with_t
            .get(10..)
            .is_some_and(|time| time.contains(['+', '-']));
    let candidate = if has_offset {
        with_t
    } else {
        format!("{with_t}Z")
    };
    OffsetDateTime::parse(&candidate, &Rfc3339).map_err(|_| bad())
}

fn parse_date(s: &str) -> Option<Date> {
    let mut parts = s.splitn(3, '-');
    let year: i32 = parts.next()?.parse().ok()?;
    let month: u8 = parts.next()?.parse().ok()?;
    let day: u8 = parts.next()?.parse().ok()?;
    Date::from_calendar_date(year, Month::try_from(month).ok()?, day).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn from_json(v: Value) -> Result<Comment> {
        match v {
            Value::Object(o) => Comment::from_json_object(o, "id", "text"),
            _ => unreachable!(),
        }
    }

    #[test]
    fn json_object_maps_known_fields_and_keeps_the_rest_as_attrs() {
        let c = from_json(json!({"id": 42, "text": "配送太慢", "nps": "3", "csat": 2,
            "channel": "app", "region": "华东", "plan": null, "score": 1.5,
            "attrs": {"product": "X1"}}))
        .unwrap();
        assert_eq!(c.id, "42");
        assert_eq!(c.nps, Some(3));
        assert_eq!(c.csat, Some(2));
        assert_eq!(c.channel.as_deref(), Some("app"));
        assert_eq!(c.attrs["region"], "华东");
        assert_eq!(c.attrs["product"], "X1");
        assert_eq!(c.attrs["score"], "1.5");
        assert!(!c.attrs.contains_key("plan"));
        c.validate().unwrap();
    }

    #[test]
    fn errors_name_the_field() {
        let cases = [
            (json!({"text": "x"}), "field `id`: missing"),
            (json!({"id": "a"}), "field `text`: missing"),
            (
                json!({"id": "a", "text": "  "}),
                "field `text`: missing or empty",
            ),
            (
                json!({"id": "a", "text": "x", "nps": 11}),
                "field `nps`: 11 is not in 0–10",
            ),
            (
                json!({"id": "a", "text": "x", "nps": "nine"}),
                "field `nps`",
            ),
            (
                json!({"id": "a", "text": "x", "csat": 0}),
                "field `csat`: 0 is not in 1–5",
            ),
            (
                json!({"id": "a", "text": "x", "created_at": "May 5"}),
                "field `created_at`",
            ),
            (
                json!({"id": "a", "text": "x", "attrs": [1]}),
                "field `attrs`",
            ),
            (
                json!({"id": "a", "text": "x", "created_at": "2500-01-01"}),
                "field `created_at`: 2500-01-01 is not between 1990-01-01 and now + 1 day",
            ),
            (
                json!({"id": "a", "text": "x", "created_at": "1989-12-31T23:59:59Z"}),
                "field `created_at`: 1989-12-31 is not between",
            ),
            (
                json!({"id": "a", "text": "x", "attrs": {"k": "v".repeat(257)}}),
                "field `attrs.k`: longer than 256 characters",
            ),
            (
                json!({"id": "a", "text": "x", "customer_id": "c".repeat(129)}),
                "field `customer_id`: longer than 128 characters",
            ),
            (
                json!({"id": "客".repeat(171), "text": "x"}),
                "field `id`: longer than 512 bytes",
            ),
            (
                json!({"id": "a", "text": "x", "attrs": {"k".repeat(65): "v"}}),
                "field `attrs`: the key `kkkkkkkkkkkkkkkk…` is longer than 64",
            ),
        ];
        for (input, expected) in cases {
            let err = from_json(input.clone())
                .and_then(|c| c.validate().map(|_| ()))
                .unwrap_err()
                .to_string();
            assert!(err.starts_with(expected), "{input}: {err}");
        }
    }

    #[test]
    fn attrs_are_bounded_in_number_and_length() {
        let mut c = Comment::new("a", "x");
        for k in 0..MAX_ATTRS {
            c.attrs
                .insert(format!("a{k:02}"), "值".repeat(MAX_ATTR_VALUE_CHARS));
        }
        c.attrs.insert("区".repeat(MAX_ATTR_KEY_CHARS), "v".into());
        c.attrs.pop_first();
        c.validate().unwrap();
        c.attrs.insert("one-more".into(), "v".into());
        let err = c.validate_at("items[3].").unwrap_err().to_string();
        assert_eq!(
            err,
            "field `items[3].attrs`: 33 attributes, more than the 32 allowed"
        );
    }

    #[test]
    fn dates_from_1990_to_tomorrow_are_plausible() {
        let at = |s: &str| {
            let mut c = Comment::new("a", "x");
            c.created_at = Some(s.into());
            c.validate().map(|_| ())
        };
        at("1990-01-01").unwrap();
        let today = OffsetDateTime::now_utc().date();
        at(&today.to_string()).unwrap();
        at(&(today + tantivy::time::Duration::days(3)).to_string()).unwrap_err();
        at("9999-12-31").unwrap_err();
    }

    #[test]
    fn visible_text_agrees_with_normalization() {
        for text in [
            "",
            " \t\u{3000}\u{a0}",
            "\u{200b}\u{feff}\u{7}",
            "a",
            "　好",
            "\u{2003}x",
            "👍",
        ] {
            assert_eq!(
                has_visible_text(text),
                !crate::text::normalize(text).text.is_empty(),
                "{text:?}"
            );
        }
    }

    #[test]
    fn timestamps() {
        let t = |s: &str| parse_timestamp(s).map(|t| t.unix_timestamp());
        assert_eq!(t("2025-05-23"), Ok(1_747_958_400));
        assert_eq!(t("2025-05-23T08:00:00+08:00"), Ok(1_747_958_400));
        assert_eq!(t("2025-05-23 00:00:00"), Ok(1_747_958_400));
        assert_eq!(t("2025-05-23T00:00:00Z"), Ok(1_747_958_400));
        assert!(t("2025-02-30").is_err());
        assert!(t("yesterday").is_err());
        assert!(t("2025-05-23T00:00:00ZZ").is_err());
    }
}
