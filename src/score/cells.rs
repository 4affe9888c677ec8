//! Arrow cells as text (cargo feature `parquet`): the id, the text and the metadata columns
//! of a Parquet file read by `verbatim score`.
//!
//! In: an array and a row. Out: the cell as the string a CSV file would hold: strings as
//! they are, integers, floats and booleans printed, dates as `YYYY-MM-DD` and timestamps as
//! RFC 3339 in UTC; `None` for a null and for any other type (lists, structs, binary), which
//! are kept in the output but not read.

use arrow_array::Array;
use arrow_array::cast::AsArray;
use arrow_array::types::{
    Date32Type, Float32Type, Float64Type, Int8Type, Int16Type, Int32Type, Int64Type,
    TimestampMicrosecondType, TimestampMillisecondType, TimestampNanosecondType,
    TimestampSecondType, UInt8Type, UInt16Type, UInt32Type, UInt64Type,
};
use arrow_schema::{DataType, TimeUnit};

/// Whether a column of this type can hold the text.
pub fn is_text(t: &DataType) -> bool {
    matches!(t, DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View)
}

/// Whether a column of this type can hold ids: text or integers.
pub fn is_id(t: &DataType) -> bool {
    is_text(t) || t.is_integer()
}

/// The cell at `i` as text.
pub fn cell(array: &dyn Array, i: usize) -> Option<String> {
    if array.is_null(i) {
        return None;
    }
    let int = |v: i64| Some(v.to_string());
    match array.data_type() {
        DataType::Utf8 => Some(array.as_string::<i32>().value(i).to_string()),
        DataType::LargeUtf8 => Some(array.as_string::<i64>().value(i).to_string()),
        DataType::Utf8View => Some(array.as_string_view().value(i).to_string()),
        DataType::Int8 => int(array.as_primitive::<Int8Type>().value(i).into()),
        DataType::Int16 => int(array.as_primitive::<Int16Type>().value(i).into()),
        DataType::Int32 => int(array.as_primitive::<Int32Type>().value(i).into()),
        DataType::Int64 => int(array.as_primitive::<Int64Type>().value(i)),
        DataType::UInt8 => int(array.as_primitive::<UInt8Type>().value(i).into()),
        DataType::UInt16 => int(array.as_primitive::<UInt16Type>().value(i).into()),
        DataType::UInt32 => int(array.as_primitive::<UInt32Type>().value(i).into()),
        DataType::UInt64 => Some(array.as_primitive::<UInt64Type>().value(i).to_string()),
        DataType::Float32 => Some(array.as_primitive::<Float32Type>().value(i).to_string()),
        DataType::Float64 => Some(array.as_primitive::<Float64Type>().value(i).to_string()),
        DataType::Boolean => Some(array.as_boolean().value(i).to_string()),
        DataType::Date32 => date(array.as_primitive::<Date32Type>().value(i)),
        DataType::Timestamp(unit, _) => timestamp(array, *unit, i),
        _ => None,
    }
}

fn date(days: i32) -> Option<String> {
    let at = jiff::Timestamp::from_second(i64::from(days) * 86_400).ok()?;
    Some(jiff::tz::Offset::UTC.to_datetime(at).date().to_string())
}

fn timestamp(array: &dyn Array, unit: TimeUnit, i: usize) -> Option<String> {
    let at = match unit {
        TimeUnit::Second => {
            jiff::Timestamp::from_second(array.as_primitive::<TimestampSecondType>().value(i))
        }
        TimeUnit::Millisecond => jiff::Timestamp::from_millisecond(
            array.as_primitive::<TimestampMillisecondType>().value(i),
        ),
        TimeUnit::Microsecond => jiff::Timestamp::from_microsecond(
            array.as_primitive::<TimestampMicrosecondType>().value(i),
        ),
        TimeUnit::Nanosecond => jiff::Timestamp::from_nanosecond(i128::from(
            array.as_primitive::<TimestampNanosecondType>().value(i),
        )),
    };
    at.ok().map(|t| t.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::{Date32Array, Int64Array, StringArray, TimestampMillisecondArray};

    #[test]
    fn cells_read_as_a_csv_would_hold_them() {
        let ids = Int64Array::from(vec![Some(42), None]);
        assert_eq!(cell(&ids, 0).as_deref(), Some("42"));
        assert_eq!(cell(&ids, 1), None);
        let text = StringArray::from(vec!["物流太慢"]);
        assert_eq!(cell(&text, 0).as_deref(), Some("物流太慢"));
        let day = Date32Array::from(vec![20_000]);
        assert_eq!(cell(&day, 0).as_deref(), Some("2024-10-04"));
        let at = TimestampMillisecondArray::from(vec![1_728_000_000_000]);
        assert_eq!(cell(&at, 0).as_deref(), Some("2024-10-04T00:00:00Z"));
    }
}
