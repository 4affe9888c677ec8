//! The OpenAPI document served at `/openapi.json`.
//!
//! In: what utoipa generates from the handlers' and types' annotations ([`super::ops::ApiDoc`]).
//! Out: that document completed with what the annotations cannot say: the bearer security
//! scheme, the answers every route can give before its handler runs (400, 401, 403, 413, 414,
//! 415, 421, 503), the enums referenced by name, and the exact shape the server accepts for
//! each query parameter and body field (patterns, bounds, list sizes), so that a generator
//! such as schemathesis finds the server accepting exactly what the document allows.

use std::sync::LazyLock;

use serde_json::{Map, Value, json};
use utoipa::OpenApi;

use super::ops::ApiDoc;
use crate::analysis::Label;
use crate::comment::{MAX_ATTR_KEY_CHARS, MAX_ATTR_VALUE_CHARS, MAX_ATTRS, MAX_TEXT_BYTES};
use crate::index::query_bounds::MAX_QUERY_CHARS;
use crate::index::search::{MAX_LIMIT, MAX_OFFSET};
use crate::index::zone::Zone;
use crate::report::MAX_MIN_SUPPORT;
use crate::report::discover::{MAX_CLUSTERS, MAX_SAMPLE};

/// The completed document, built once.
pub fn document() -> &'static Value {
    static DOC: LazyLock<Value> = LazyLock::new(build);
    &DOC
}

/// Routes documented here rather than in [`ApiDoc`]'s list.
#[derive(OpenApi)]
#[openapi(paths(
    super::reports::discover,
    super::reanalyze::start,
    super::reanalyze::status
))]
struct MoreRoutes;

fn build() -> Value {
    let mut api = ApiDoc::openapi();
    api.merge(MoreRoutes::openapi());
    let mut doc = serde_json::to_value(api).unwrap_or_else(|_| json!({}));
    doc["paths"]["/metrics"] = metrics_path();
    add_components(&mut doc);
    for (path, item) in object(&mut doc["paths"]) {
        for (method, operation) in object(item) {
            complete_operation(path, method, operation);
        }
    }
    body_schemas(&mut doc["components"]["schemas"]);
    doc
}

fn object(v: &mut Value) -> impl Iterator<Item = (&String, &mut Value)> {
    v.as_object_mut().into_iter().flat_map(Map::iter_mut)
}

fn enum_schema(values: &[&str], description: &str) -> Value {
    json!({"type": "string", "enum": values, "description": description})
}

fn add_components(doc: &mut Value) {
    let components = &mut doc["components"];
    components["securitySchemes"] = json!({"bearer": {
        "type": "http", "scheme": "bearer",
        "description": "An API key (`--read-keys`/`--write-keys`). Without keys the server \
                        serves loopback clients only and needs none."
    }});
    let schemas = &mut components["schemas"];
    schemas["Sort"] = enum_schema(&["relevance", "date"], "The order of hits.");
    schemas["DriverBy"] = enum_schema(&["topic", "keyword"], "What drivers are grouped by.");
    schemas["ItemKind"] = enum_schema(&["topic", "keyword"], "What a driver or pain point is.");
    schemas["ScoreKind"] = enum_schema(&["nps", "csat"], "The score a report explains.");
    schemas["Interval"] = enum_schema(&["day", "week", "month"], "Trend periods.");
    let zones = Zone::names();
    let zones: Vec<&str> = zones.iter().map(String::as_str).collect();
    schemas["TimeZone"] = enum_schema(&zones, "An IANA time zone (default UTC).");
    // Security is optional: a server without keys asks for none.
    doc["security"] = json!([{}, {"bearer": []}]);
}

/// `GET /metrics`: Prometheus text exposition (version 0.0.4), no parameters.
fn metrics_path() -> Value {
    json!({"get": {
        "tags": ["ops"],
        "operationId": "metrics",
        "summary": "Prometheus metrics: requests by route and status, latencies, queue, cache, comments.",
        "responses": {"200": {
            "description": "Prometheus text format 0.0.4 (`# HELP`, `# TYPE`, samples)",
            "content": {"text/plain; version=0.0.4; charset=utf-8": {"schema": {"type": "string"}}}
        }}
    }})
}

/// A JSON error answer with a description.
fn error_answer(description: &str) -> Value {
    json!({"description": description,
           "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}})
}

fn complete_operation(path: &str, method: &str, op: &mut Value) {
    let mut answers = vec![
        ("401", "no or an unknown API key (servers with keys)"),
        (
            "403",
            "a key without the right, a cross-site write, or a non-loopback client of a server without keys",
        ),
        ("414", "the URI is longer than 16 KiB"),
        ("421", "a `Host` that is not this server's"),
        (
            "503",
            "the server is saturated; retry after `Retry-After` seconds",
        ),
    ];
    if method != "get" {
        answers.push(("400", "the body is not JSON"));
        answers.push(("413", "the body is larger than 8 MiB"));
        answers.push(("415", "the body is not `application/json`"));
    }
    if path.contains('{') {
        answers.push(("400", "the id is not valid UTF-8 once percent-decoded"));
    }
    let responses = &mut op["responses"];
    for (status, description) in answers {
        if responses.get(status).is_none() {
            responses[status] = error_answer(description);
        }
    }
    let params = op.get_mut("parameters").and_then(Value::as_array_mut);
    for param in params.into_iter().flatten() {
        if param["in"] == "path" && param["name"] == "customer_id" {
            param["schema"] = customer_id_schema(true);
        }
        if param["in"] == "query" {
            query_parameter(param);
            if path.ends_with("/segments") && param["name"] == "by" {
                param["schema"] = json!({"type": "string", "pattern": r"[^\s]"});
                param["required"] = json!(true);
            }
            if path.ends_with("/discover") {
                discover_parameter(param);
            }
            if path == "/v1/admin/reanalyze" {
                let max = crate::index::reanalyze::MAX_BATCH;
                param["schema"] = match param["name"].as_str() {
                    Some("batch") => json!({"type": "integer", "minimum": 1, "maximum": max}),
                    _ => json!({"type": "integer", "minimum": 0, "maximum": u32::MAX}),
                };
            }
        }
    }
}

/// Case-insensitive alternation of `words`, as an ECMA regex group.
fn any_case(words: &[&str]) -> String {
    let alternatives: Vec<String> = words
        .iter()
        .map(|w| {
            w.chars()
                .map(|c| match (c.to_ascii_lowercase(), c.to_ascii_uppercase()) {
                    (l, u) if l != u => format!("[{l}{u}]"),
                    _ => regex_escape(c),
                })
                .collect()
        })
        .collect();
    format!("(?:{})", alternatives.join("|"))
}

fn regex_escape(c: char) -> String {
    if "\\^$.|?*+()[]{}-".contains(c) {
        format!("\\{c}")
    } else {
        c.to_string()
    }
}

/// A comma-separated list of `item`s (blank entries and spaces around them ignored).
fn list_of(item: &str) -> String {
    format!(r"^[\s,]*{item}(?:\s*,[\s,]*{item})*[\s,]*$")
}

const LABELS: [&str; 3] = [
    Label::Negative.as_str(),
    Label::Neutral.as_str(),
    Label::Positive.as_str(),
];
const LANGS: [&str; 5] = ["zh-Hans", "zh-Hant", "en", "mixed", "other"];

fn query_parameter(param: &mut Value) {
    let name = param["name"].as_str().unwrap_or_default().to_string();
    let string = |extra: Value| {
        let mut s = json!({"type": "string"});
        for (k, v) in extra.as_object().into_iter().flatten() {
            s[k] = v.clone();
        }
        s
    };
    let date = json!({"anyOf": [{"type": "string", "format": "date"},
                                {"type": "string", "format": "date-time"}]});
    let schema = match name.as_str() {
        "q" => string(json!({"maxLength": MAX_QUERY_CHARS})),
        "sentiment" => string(json!({"pattern": list_of(&any_case(&LABELS))})),
        "lang" => string(json!({"pattern": list_of(&any_case(&LANGS))})),
        "topic" => {
            let item = format!(r"[^,:\s](?:[^,:]*[^,:\s])?(?::{})?", any_case(&LABELS));
            string(json!({"pattern": list_of(&item)}))
        }
        "channel" => string(json!({"pattern": r"[^\s,]"})),
        "attrs" => string(json!({"pattern": r"^[^=]*[^=\s][^=]*=",
            "description": "An attribute that must match exactly, as `key=value`."})),
        "customer_id" => customer_id_schema(false),
        "from" | "to" | "vs_from" | "vs_to" => date,
        "segment" | "vs_segment" => string(json!({"pattern": r"^[^=]*[^=\s][^=]*=\s*[^\s]",
            "description": "`key=value`: channel, lang or an attribute key."})),
        "score_min" | "score_max" => json!({"type": "number", "minimum": -1.0, "maximum": 1.0}),
        "limit" => json!({"type": "integer", "minimum": 0, "maximum": MAX_LIMIT}),
        "offset" => json!({"type": "integer", "minimum": 0, "maximum": MAX_OFFSET}),
        "min_support" => json!({"type": "integer", "minimum": 1, "maximum": MAX_MIN_SUPPORT}),
        "sort" => json!({"$ref": "#/components/schemas/Sort"}),
        "mode" => json!({"$ref": "#/components/schemas/Mode"}),
        "by" => json!({"$ref": "#/components/schemas/DriverBy"}),
        "score" => json!({"$ref": "#/components/schemas/ScoreKind"}),
        "interval" => json!({"$ref": "#/components/schemas/Interval"}),
        "tz" => json!({"$ref": "#/components/schemas/TimeZone"}),
        "format" => enum_schema(&["json", "csv"], "The answer's format (default json)."),
        _ => return,
    };
    param["schema"] = schema;
    param["required"] = json!(false);
}

/// Discover's own bounds (`report::discover`: `DiscoverRequest::check`).
fn discover_parameter(param: &mut Value) {
    let int = |min: usize, max: usize| json!({"type": "integer", "minimum": min, "maximum": max});
    let schema = match param["name"].as_str().unwrap_or_default() {
        "limit" => int(1, MAX_CLUSTERS),
        "min_size" => int(2, MAX_SAMPLE),
        "sample" => int(100, MAX_SAMPLE),
        "max_confidence" => json!({"type": "number", "minimum": 0.0, "maximum": 1.0}),
        _ => return,
    };
    param["schema"] = schema;
    param["required"] = json!(false);
}

/// Not blank: some character that is not whitespace, a control or an invisible mark
/// (`text::normalize::is_blank`'s rule, but for the tag characters past U+FFFF).
const NON_BLANK: &str = concat!(
    r"[^\s\u0000-\u001f\u007f-\u009f\u00ad\u034f\u061c\u115f\u1160\u180e",
    r"\u200b-\u200f\u202a-\u202e\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0]"
);

/// A short field: no control characters, and one character of the class `visible`.
fn short_pattern(visible: &str) -> String {
    format!(r"^[^\u0000-\u001f\u007f-\u009f]*{visible}[^\u0000-\u001f\u007f-\u009f]*$")
}

/// A customer id to erase or filter by: no control characters, something visible, at most
/// 512 characters (exactly the server's rule); in a path also something besides dots, since
/// URLs resolve `.` and `..` segments away.
fn customer_id_schema(in_path: bool) -> Value {
    let visible = if in_path {
        NON_BLANK.replacen("[^", "[^.", 1)
    } else {
        NON_BLANK.to_string()
    };
    json!({"type": "string", "minLength": 1, "pattern": short_pattern(&visible),
        "maxLength": crate::index::erase::MAX_CUSTOMER_ID_CHARS})
}

/// Bounds of the request bodies' fields, as the server checks them.
fn body_schemas(schemas: &mut Value) {
    let non_blank = NON_BLANK;
    let short = short_pattern(NON_BLANK);
    let comment = &mut schemas["Comment"]["properties"];
    comment["text"] = json!({"type": "string", "pattern": non_blank, "maxLength": MAX_TEXT_BYTES,
        "description": "The comment: at most 100,000 bytes of UTF-8 (as many characters when ASCII)."});
    for field in ["id", "channel", "customer_id"] {
        comment[field] = json!({"type": ["string", "null"], "pattern": short,
            "maxLength": crate::comment::MAX_FIELD_CHARS,
            "description": "At most 128 characters and 512 bytes."});
    }
    comment["id"]["type"] = json!("string");
    comment["nps"] = json!({"type": ["integer", "null"], "minimum": 0, "maximum": 10});
    comment["csat"] = json!({"type": ["integer", "null"], "minimum": 1, "maximum": 5});
    comment["created_at"] = json!({"type": ["string", "null"],
        "description": "An RFC 3339 timestamp or a date (YYYY-MM-DD), from 1990-01-01 to now + 1 day."});
    comment["attrs"] = json!({"type": "object", "maxProperties": MAX_ATTRS,
        "propertyNames": {"minLength": 1, "maxLength": MAX_ATTR_KEY_CHARS, "pattern": r"^[^\u0000-\u001f\u007f-\u009f]+$"},
        "additionalProperties": {"type": "string", "maxLength": MAX_ATTR_VALUE_CHARS, "pattern": r"^[^\u0000-\u001f\u007f-\u009f]*$"}});
    // What a client may send: the stored form, with dates the server accepts today.
    let mut new_comment = schemas["Comment"].clone();
    new_comment["properties"]["created_at"]["pattern"] = json!(created_at_pattern());
    new_comment["description"] = json!("A comment to store (as `Comment`, dates checked).");
    schemas["NewComment"] = new_comment;
    let ingest = &mut schemas["IngestRequest"]["properties"];
    ingest["items"]["items"] = json!({"$ref": "#/components/schemas/NewComment"});
    ingest["items"]["minItems"] = json!(1);
    ingest["items"]["maxItems"] = json!(super::comments::MAX_ITEMS);
    let analyze = &mut schemas["AnalyzeRequest"];
    let texts = json!({"type": "array", "minItems": 1, "maxItems": super::analyze::MAX_TEXTS,
        "items": {"type": "string", "pattern": non_blank, "maxLength": MAX_TEXT_BYTES}});
    let items = json!({"type": "array", "minItems": 1, "maxItems": super::analyze::MAX_TEXTS,
        "items": {"$ref": "#/components/schemas/Input"}});
    let redact = json!({"type": "boolean", "default": false,
        "description": "Mask PII (phone, email, id, card, ip) before analysing."});
    analyze["oneOf"] = json!([
        {"type": "object", "required": ["texts"], "properties": {"texts": texts, "redact": redact}, "additionalProperties": false},
        {"type": "object", "required": ["items"], "properties": {"items": items, "redact": redact}, "additionalProperties": false}
    ]);
    if let Some(obj) = analyze.as_object_mut() {
        obj.remove("properties");
        obj.remove("required");
        obj.remove("additionalProperties");
    }
    let input = &mut schemas["Input"]["properties"];
    input["text"] = json!({"type": "string", "pattern": non_blank, "maxLength": MAX_TEXT_BYTES});
}

/// Dates (or UTC timestamps) the server accepts now: from 1990 to the end of last month. The
/// server takes up to now + 1 day; a pattern cannot say "today", so it says a little less.
fn created_at_pattern() -> String {
    let now = tantivy::time::OffsetDateTime::now_utc();
    let (year, month) = (now.year(), u8::from(now.month()));
    let years: Vec<String> = (1990..year).map(|y| y.to_string()).collect();
    let mut periods = vec![format!("(?:{})-(?:0[1-9]|1[0-2])", years.join("|"))];
    if month > 1 {
        let months: Vec<String> = (1..month).map(|m| format!("{m:02}")).collect();
        periods.push(format!("{year}-(?:{})", months.join("|")));
    }
    format!(
        r"^(?:{})-(?:0[1-9]|1\d|2[0-8])(?:T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\dZ)?$",
        periods.join("|")
    )
}
