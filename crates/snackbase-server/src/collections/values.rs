//! Record values: validation of what clients send against a field, the typed
//! form that is stored, and the JSON that is read back.

use serde_json::{Map, Value};

use crate::collections::schema::{Field, FieldKind};
pub use crate::db::values::{format_time, number_json, parse_time, ColumnKind, Stored};
use crate::error::FieldError;

pub fn column_kind(field: &Field) -> ColumnKind {
    match field.kind {
        FieldKind::Number => ColumnKind::Number,
        FieldKind::Boolean => ColumnKind::Bool,
        FieldKind::Datetime => ColumnKind::Time,
        FieldKind::Json => ColumnKind::Json,
        FieldKind::Select if field.is_multiple_select() => ColumnKind::Json,
        FieldKind::File if field.is_multiple_file() => ColumnKind::Json,
        _ => ColumnKind::Text,
    }
}

fn json_type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Validates one non-null value for `field` and converts it for storage.
/// The error is `(code, message)`.
pub fn convert(field: &Field, value: &Value) -> Result<Stored, (&'static str, String)> {
    let wrong = |expected: &str| {
        (
            "invalid_type",
            format!("Expected {expected} value, got {}", json_type_name(value)),
        )
    };
    let options = field.options.clone().unwrap_or_default();
    match field.kind {
        FieldKind::Text | FieldKind::Email | FieldKind::Url => {
            let Value::String(s) = value else {
                return Err(wrong("text"));
            };
            if field.kind == FieldKind::Email && crate::formats::email(s).is_none() {
                return Err(("invalid_email_format", "Invalid email format".into()));
            }
            if field.kind == FieldKind::Url && !crate::formats::web_url(s) {
                return Err((
                    "invalid_url_format",
                    "Invalid URL format. Must start with http:// or https://".into(),
                ));
            }
            let n = s.chars().count();
            if let Some(min) = options.min_length {
                if n < min as usize {
                    return Err(("too_short", format!("Must be at least {min} characters")));
                }
            }
            if let Some(max) = options.max_length {
                if n > max as usize {
                    return Err(("too_long", format!("Must be at most {max} characters")));
                }
            }
            if let Some(pattern) = &options.pattern {
                let re = compiled(pattern)
                    .ok_or_else(|| ("pattern_invalid", "Invalid pattern".to_string()))?;
                if !re.is_match(s) {
                    return Err((
                        "pattern_mismatch",
                        format!("Does not match the pattern {pattern}"),
                    ));
                }
            }
            Ok(Stored::Text(Some(s.clone())))
        }
        FieldKind::Number => {
            let Some(n) = value.as_f64().filter(|_| value.is_number()) else {
                return Err(wrong("number"));
            };
            if !n.is_finite() {
                return Err(("number_out_of_range", "Number out of range".into()));
            }
            // Integers beyond 2^53 cannot be stored exactly in a double: refuse
            // them rather than change them silently.
            let exact_limit = 9_007_199_254_740_992u64;
            if value.as_u64().is_some_and(|u| u > exact_limit)
                || value
                    .as_i64()
                    .is_some_and(|i| i.unsigned_abs() > exact_limit)
            {
                return Err((
                    "number_out_of_range",
                    "Integers must be within ±2^53 to be stored exactly".into(),
                ));
            }
            if options.integer == Some(true) && n.fract() != 0.0 {
                return Err(("not_integer", "Must be an integer".into()));
            }
            if let Some(min) = options.min {
                if n < min {
                    return Err(("too_small", format!("Must be at least {min}")));
                }
            }
            if let Some(max) = options.max {
                if n > max {
                    return Err(("too_large", format!("Must be at most {max}")));
                }
            }
            Ok(Stored::Number(Some(n)))
        }
        FieldKind::Boolean => match value {
            Value::Bool(b) => Ok(Stored::Bool(Some(*b))),
            _ => Err(wrong("boolean")),
        },
        FieldKind::Datetime => {
            let Value::String(s) = value else {
                return Err(wrong("datetime string"));
            };
            parse_time(s).map(|t| Stored::Time(Some(t))).ok_or_else(|| {
                (
                    "invalid_datetime_format",
                    "Invalid datetime format. Use ISO 8601 format (e.g., 2024-01-01T12:00:00Z)"
                        .to_string(),
                )
            })
        }
        FieldKind::Json => {
            let text = value.to_string();
            if text.len() > 1_000_000 {
                return Err(("invalid_json", "JSON value is too large".into()));
            }
            Ok(Stored::Json(Some(value.clone())))
        }
        FieldKind::Select => {
            let allowed = options.values.unwrap_or_default();
            let check = |v: &Value| match v {
                Value::String(s) if allowed.contains(s) => Ok(s.clone()),
                Value::String(s) => Err((
                    "invalid_choice",
                    format!("'{s}' is not one of {}", allowed.join(", ")),
                )),
                other => Err((
                    "invalid_type",
                    format!("Expected text value, got {}", json_type_name(other)),
                )),
            };
            if field.is_multiple_select() {
                let Value::Array(items) = value else {
                    return Err(wrong("list"));
                };
                let mut chosen = Vec::new();
                for item in items {
                    let s = check(item)?;
                    if !chosen.contains(&s) {
                        chosen.push(s);
                    }
                }
                Ok(Stored::Json(Some(Value::Array(
                    chosen.into_iter().map(Value::String).collect(),
                ))))
            } else {
                check(value).map(|s| Stored::Text(Some(s)))
            }
        }
        FieldKind::File => crate::files::record::convert(field, value),
        FieldKind::Reference => {
            let Value::String(s) = value else {
                return Err(wrong("reference ID"));
            };
            if s.trim().is_empty() {
                return Err(("empty_reference", "Reference ID cannot be empty".into()));
            }
            if s.len() > 64 {
                return Err(("invalid_reference", "Reference ID is too long".into()));
            }
            Ok(Stored::Text(Some(s.trim().to_string())))
        }
    }
}

/// Checks a field's default value when the schema is saved.
pub fn check_default(field: &Field, default: &Value) -> Result<(), String> {
    if matches!(field.kind, FieldKind::Reference | FieldKind::File) {
        return Err(format!(
            "{} fields cannot have a default",
            field.kind.name()
        ));
    }
    convert(field, default)
        .map(|_| ())
        .map_err(|(_, message)| message)
}

/// Whether a write replaces the whole record (create, PUT) or only the given keys (PATCH).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Full,
    Partial,
}

/// Validates a request body against the schema. Returns the values to write in
/// schema order (fields absent from a partial write are left out), or every
/// problem found.
pub fn validate_body(
    fields: &[Field],
    body: &Map<String, Value>,
    mode: Mode,
) -> Result<Vec<(usize, Stored)>, Vec<FieldError>> {
    let mut errors = Vec::new();
    for key in body.keys() {
        if !fields.iter().any(|f| &f.name == key) {
            let message = if crate::collections::schema::SYSTEM_FIELDS.contains(&key.as_str()) {
                format!("System field '{key}' cannot be written")
            } else {
                format!("Unknown field '{key}' not defined in collection schema")
            };
            errors.push(FieldError::new(key.clone(), "unknown_field", message));
        }
    }
    let mut values = Vec::new();
    for (i, field) in fields.iter().enumerate() {
        match body.get(&field.name) {
            Some(Value::Null) if field.required => errors.push(FieldError::new(
                &field.name,
                "required_null",
                format!("Required field '{}' cannot be null", field.name),
            )),
            Some(Value::Null) => values.push((i, Stored::null(column_kind(field)))),
            Some(v) => match convert(field, v) {
                Ok(stored) => values.push((i, stored)),
                Err((code, message)) => errors.push(FieldError::new(&field.name, code, message)),
            },
            None if mode == Mode::Partial => {}
            None => match &field.default {
                Some(default) => match convert(field, default) {
                    Ok(stored) => values.push((i, stored)),
                    Err((code, message)) => {
                        errors.push(FieldError::new(&field.name, code, message))
                    }
                },
                None if field.required => errors.push(FieldError::new(
                    &field.name,
                    "required_missing",
                    format!("Required field '{}' is missing", field.name),
                )),
                None => values.push((i, Stored::null(column_kind(field)))),
            },
        }
    }
    if errors.is_empty() {
        Ok(values)
    } else {
        Err(errors)
    }
}

/// The anchored regex of a field's `pattern`, compiled once per pattern (the
/// schemas that carry patterns are few; the map is cleared if it ever grows large).
fn compiled(pattern: &str) -> Option<regex::Regex> {
    use std::collections::HashMap;
    use std::sync::{LazyLock, Mutex};
    static CACHE: LazyLock<Mutex<HashMap<String, regex::Regex>>> =
        LazyLock::new(|| Mutex::new(HashMap::new()));
    if let Some(re) = CACHE.lock().ok()?.get(pattern) {
        return Some(re.clone());
    }
    let re = regex::Regex::new(&format!("^(?:{pattern})$")).ok()?;
    if let Ok(mut cache) = CACHE.lock() {
        if cache.len() >= 1024 {
            cache.clear();
        }
        cache.insert(pattern.to_string(), re.clone());
    }
    Some(re)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn field(v: Value) -> Field {
        let mut errors = Vec::new();
        let input = serde_json::from_value(v).unwrap();
        crate::collections::schema::validate_field(&input, "f", &mut errors).unwrap()
    }

    #[test]
    fn types_are_strict() {
        let n = field(json!({"name": "n", "type": "number", "options": {"min": 0, "max": 10}}));
        assert_eq!(convert(&n, &json!(5)).unwrap(), Stored::Number(Some(5.0)));
        assert_eq!(convert(&n, &json!(true)).unwrap_err().0, "invalid_type");
        assert_eq!(convert(&n, &json!("5")).unwrap_err().0, "invalid_type");
        assert_eq!(convert(&n, &json!(11)).unwrap_err().0, "too_large");
        let b = field(json!({"name": "b", "type": "boolean"}));
        assert_eq!(convert(&b, &json!(1)).unwrap_err().0, "invalid_type");
        let e = field(json!({"name": "e", "type": "email"}));
        assert_eq!(
            convert(&e, &json!("nope")).unwrap_err().0,
            "invalid_email_format"
        );
        let u = field(json!({"name": "u", "type": "url"}));
        assert!(convert(&u, &json!("https://example.com/x")).is_ok());
        assert_eq!(
            convert(&u, &json!("ftp://x")).unwrap_err().0,
            "invalid_url_format"
        );
        let d = field(json!({"name": "d", "type": "date"}));
        assert_eq!(
            convert(&d, &json!("2024-01-02")).unwrap().to_json(),
            json!("2024-01-02T00:00:00.000000Z")
        );
        assert_eq!(
            convert(&d, &json!("2024-01-02T03:04:05+02:00"))
                .unwrap()
                .to_json(),
            json!("2024-01-02T01:04:05.000000Z")
        );
        assert_eq!(
            convert(&d, &json!("yesterday")).unwrap_err().0,
            "invalid_datetime_format"
        );
        let s = field(json!({"name": "s", "type": "select", "options": {"values": ["a", "b"]}}));
        assert_eq!(convert(&s, &json!("c")).unwrap_err().0, "invalid_choice");
        let m = field(
            json!({"name": "m", "type": "select", "options": {"values": ["a", "b"], "multiple": true}}),
        );
        assert_eq!(
            convert(&m, &json!(["b", "a", "b"])).unwrap().to_json(),
            json!(["b", "a"])
        );
        let t = field(
            json!({"name": "t", "type": "text", "options": {"pattern": "[a-z]+", "max_length": 3}}),
        );
        assert_eq!(convert(&t, &json!("abcd")).unwrap_err().0, "too_long");
        assert_eq!(convert(&t, &json!("A")).unwrap_err().0, "pattern_mismatch");
    }

    #[test]
    fn numbers_read_back_as_integers_when_integral() {
        assert_eq!(number_json(3.0), json!(3));
        assert_eq!(number_json(2.5), json!(2.5));
    }

    #[test]
    fn body_validation_collects_everything() {
        let fields = vec![
            field(json!({"name": "title", "type": "text", "required": true})),
            field(json!({"name": "views", "type": "number", "default": 0})),
        ];
        let body = json!({"id": "x", "extra": 1, "views": "many"});
        let errors = validate_body(&fields, body.as_object().unwrap(), Mode::Full).unwrap_err();
        let codes: Vec<_> = errors.iter().map(|e| e.code.as_str()).collect();
        assert_eq!(
            codes,
            [
                "unknown_field",
                "unknown_field",
                "required_missing",
                "invalid_type"
            ]
        );
        let ok = validate_body(
            &fields,
            json!({"title": "t"}).as_object().unwrap(),
            Mode::Full,
        )
        .unwrap();
        assert_eq!(ok[1].1, Stored::Number(Some(0.0)));
        let partial = validate_body(
            &fields,
            json!({"views": 2}).as_object().unwrap(),
            Mode::Partial,
        )
        .unwrap();
        assert_eq!(partial.len(), 1);
    }
}
