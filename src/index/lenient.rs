//! Deserializers that take numbers as JSON numbers or strings (URL query strings carry only
//! strings) and a list as one string or an array.

use serde::{Deserialize, Deserializer};

#[derive(Deserialize)]
#[serde(untagged)]
enum NumberOrString {
    Number(f64),
    String(String),
}

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

fn number<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    match Option::<NumberOrString>::deserialize(d)? {
        None => Ok(None),
        Some(NumberOrString::Number(n)) => Ok(Some(n)),
        Some(NumberOrString::String(s)) if s.trim().is_empty() => Err(serde::de::Error::custom(
            "empty (leave it out, or give a number)",
        )),
        Some(NumberOrString::String(s)) => s
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| serde::de::Error::custom(format!("`{s}` is not a number"))),
    }
}

pub fn opt_f64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    number(d)
}

pub fn usize<'de, D: Deserializer<'de>>(d: D) -> Result<usize, D::Error> {
    match number(d)? {
        Some(n) if n >= 0.0 && n.fract() == 0.0 && n <= u32::MAX as f64 => Ok(n as usize),
        Some(n) => Err(serde::de::Error::custom(format!(
            "{n} is not a whole number ≥ 0"
        ))),
        None => Err(serde::de::Error::custom("a number is required")),
    }
}

pub fn strings<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    Ok(match Option::<OneOrMany>::deserialize(d)? {
        None => Vec::new(),
        Some(OneOrMany::One(s)) => vec![s],
        Some(OneOrMany::Many(v)) => v,
    })
}
