//! Plain dates on date fields in query syntax. Tantivy reads RFC 3339 only, so
//! `created_at:2026-05-23` and `created_at:[2026-01-01 TO *]` matched nothing; here a plain
//! date is that day in UTC: a literal is the day (`[day, next day)`) and a range bound is
//! its midnight. The `from`/`to` filters take a time zone (`tz`); query syntax is UTC.

use tantivy::query_grammar::{UserInputAst, UserInputBound, UserInputLeaf};
use tantivy::schema::{FieldType, Schema};

/// Whether `field` is a date field of `schema`.
pub(super) fn is_date_field(schema: &Schema, field: &str) -> bool {
    schema
        .find_field(field)
        .is_some_and(|(f, _)| matches!(schema.get_field_entry(f).field_type(), FieldType::Date(_)))
}

/// The first field of `ast` that holds numbers or dates (`nps`, `score`, `created_at`).
pub(super) fn typed_field(ast: &UserInputAst, schema: &Schema) -> Option<String> {
    let typed = |field: &Option<String>| {
        let name = field.as_deref()?;
        let (f, _) = schema.find_field(name)?;
        let kind = schema.get_field_entry(f).field_type();
        let numeric = matches!(
            kind,
            FieldType::U64(_) | FieldType::I64(_) | FieldType::F64(_) | FieldType::Date(_)
        );
        numeric.then(|| name.to_string())
    };
    match ast {
        UserInputAst::Clause(clauses) => clauses.iter().find_map(|(_, a)| typed_field(a, schema)),
        UserInputAst::Boost(a, _) => typed_field(a, schema),
        UserInputAst::Leaf(leaf) => match leaf.as_ref() {
            UserInputLeaf::Literal(l) => typed(&l.field_name),
            UserInputLeaf::Range { field, .. } | UserInputLeaf::Set { field, .. } => typed(field),
            _ => None,
        },
    }
}

/// `YYYY-MM-DD` as a date, else `None`.
fn plain_date(text: &str) -> Option<jiff::civil::Date> {
    let b = text.as_bytes();
    let shaped = b.len() == 10 && b[4] == b'-' && b[7] == b'-';
    shaped.then(|| text.parse().ok()).flatten()
}

fn midnight(date: jiff::civil::Date) -> String {
    format!("{date}T00:00:00Z")
}

/// The day `phrase` names on date field `field`, as a range leaf; `None` when it is not a
/// plain date (an RFC 3339 time stays as tantivy reads it).
pub(super) fn day(field: &str, phrase: &str) -> Option<UserInputAst> {
    let date = plain_date(phrase)?;
    let next = date.tomorrow().ok()?;
    Some(UserInputAst::Leaf(Box::new(UserInputLeaf::Range {
        field: Some(field.to_string()),
        lower: UserInputBound::Inclusive(midnight(date)),
        upper: UserInputBound::Exclusive(midnight(next)),
    })))
}

/// A range bound with a plain date read as that day's midnight (UTC).
pub(super) fn bound(b: UserInputBound) -> UserInputBound {
    let at = |s: &str| plain_date(s).map(midnight);
    match b {
        UserInputBound::Inclusive(s) => UserInputBound::Inclusive(at(&s).unwrap_or(s)),
        UserInputBound::Exclusive(s) => UserInputBound::Exclusive(at(&s).unwrap_or(s)),
        UserInputBound::Unbounded => UserInputBound::Unbounded,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_dates_become_utc_days() {
        let UserInputAst::Leaf(leaf) = day("created_at", "2026-02-28").unwrap() else {
            panic!("a leaf");
        };
        let UserInputLeaf::Range { lower, upper, .. } = *leaf else {
            panic!("a range");
        };
        assert_eq!(
            lower,
            UserInputBound::Inclusive("2026-02-28T00:00:00Z".into())
        );
        assert_eq!(
            upper,
            UserInputBound::Exclusive("2026-03-01T00:00:00Z".into())
        );
        assert!(day("created_at", "2026-02-30").is_none());
        assert!(day("created_at", "2026-02-28T10:00:00Z").is_none());
        let kept = UserInputBound::Inclusive("2026-01-01T08:00:00Z".into());
        assert_eq!(bound(kept.clone()), kept);
    }
}
