//! Runtime values and the value-level semantics shared by the evaluator and the
//! constant folding of the SQL compiler: equality, ordering, membership and
//! truthiness.

use std::cmp::Ordering;

use serde_json::{Map, Number};

/// A runtime value.
///
/// JSON converts both ways with [`Value::from_json`] and [`Value::to_json`].
/// JSON objects become [`Value::Object`], which rules can only test against
/// `null` (the checker enforces this for `json` fields); integers that fit in
/// `i64` become [`Value::Int`], other numbers [`Value::Float`].
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Value {
    /// No value (also what a missing path resolves to).
    #[default]
    Null,
    /// A boolean.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A floating-point number.
    Float(f64),
    /// A string. Datetimes are strings too (RFC 3339).
    Text(String),
    /// A list (JSON array).
    List(Vec<Value>),
    /// A JSON object, kept as JSON.
    Object(Map<String, serde_json::Value>),
}

impl Value {
    /// Converts a JSON value.
    pub fn from_json(json: &serde_json::Value) -> Value {
        match json {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(b) => Value::Bool(*b),
            serde_json::Value::Number(n) => match n.as_i64() {
                Some(i) => Value::Int(i),
                None => n.as_f64().map_or(Value::Null, Value::Float),
            },
            serde_json::Value::String(s) => Value::Text(s.clone()),
            serde_json::Value::Array(items) => {
                Value::List(items.iter().map(Value::from_json).collect())
            }
            serde_json::Value::Object(map) => Value::Object(map.clone()),
        }
    }

    /// Converts to JSON. Non-finite floats become `null` (JSON has no NaN).
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Value::Null => serde_json::Value::Null,
            Value::Bool(b) => serde_json::Value::Bool(*b),
            Value::Int(i) => serde_json::Value::Number(Number::from(*i)),
            Value::Float(f) => {
                Number::from_f64(*f).map_or(serde_json::Value::Null, serde_json::Value::Number)
            }
            Value::Text(s) => serde_json::Value::String(s.clone()),
            Value::List(items) => {
                serde_json::Value::Array(items.iter().map(Value::to_json).collect())
            }
            Value::Object(map) => serde_json::Value::Object(map.clone()),
        }
    }

    /// Truthiness: `null`, `false`, `0`, `0.0`, `""`, `[]` and `{}` are false;
    /// everything else is true.
    pub fn is_truthy(&self) -> bool {
        match self {
            Value::Null => false,
            Value::Bool(b) => *b,
            Value::Int(i) => *i != 0,
            Value::Float(f) => *f != 0.0,
            Value::Text(s) => !s.is_empty(),
            Value::List(items) => !items.is_empty(),
            Value::Object(map) => !map.is_empty(),
        }
    }

    /// The rule language's `==`: strict by type, except that integers and
    /// floats compare numerically; `null == null` is true; lists compare item
    /// by item; objects structurally.
    pub fn rule_eq(&self, other: &Value) -> bool {
        match (self, other) {
            (Value::Null, Value::Null) => true,
            (Value::Bool(a), Value::Bool(b)) => a == b,
            (Value::Int(a), Value::Int(b)) => a == b,
            (Value::Float(a), Value::Float(b)) => a == b,
            (Value::Int(a), Value::Float(b)) | (Value::Float(b), Value::Int(a)) => {
                int_to_float(*a) == *b
            }
            (Value::Text(a), Value::Text(b)) => a == b,
            (Value::List(a), Value::List(b)) => {
                a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.rule_eq(y))
            }
            (Value::Object(a), Value::Object(b)) => a == b,
            _ => false,
        }
    }

    /// The rule language's ordering: numbers numerically, strings by code
    /// point; `None` (so `<` and friends are false) for anything else,
    /// including `null`.
    pub fn rule_cmp(&self, other: &Value) -> Option<Ordering> {
        match (self, other) {
            (Value::Int(a), Value::Int(b)) => Some(a.cmp(b)),
            (Value::Float(a), Value::Float(b)) => a.partial_cmp(b),
            (Value::Int(a), Value::Float(b)) => int_to_float(*a).partial_cmp(b),
            (Value::Float(a), Value::Int(b)) => a.partial_cmp(&int_to_float(*b)),
            (Value::Text(a), Value::Text(b)) => Some(a.cmp(b)),
            _ => None,
        }
    }

    /// The rule language's `self in container`: membership (by [`rule_eq`])
    /// for lists, substring for strings, key membership for objects; false for
    /// `null` and anything else.
    ///
    /// [`rule_eq`]: Value::rule_eq
    pub fn rule_in(&self, container: &Value) -> bool {
        match container {
            Value::List(items) => items.iter().any(|item| self.rule_eq(item)),
            Value::Text(haystack) => match self {
                Value::Text(needle) => haystack.contains(needle.as_str()),
                _ => false,
            },
            Value::Object(map) => match self {
                Value::Text(key) => map.contains_key(key),
                _ => false,
            },
            _ => false,
        }
    }

    /// The rule language's `self ~ pattern`: both are text and `self`
    /// contains `pattern`, ASCII letters matching in either case (other
    /// characters exactly, as SQLite's `LIKE` compares them); false for
    /// anything else, `null` included.
    pub fn rule_like(&self, pattern: &Value) -> bool {
        match (self, pattern) {
            (Value::Text(text), Value::Text(pattern)) => text
                .to_ascii_lowercase()
                .contains(&pattern.to_ascii_lowercase()),
            _ => false,
        }
    }

    /// A short name of the value's type, for messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Int(_) | Value::Float(_) => "number",
            Value::Text(_) => "text",
            Value::List(_) => "list",
            Value::Object(_) => "object",
        }
    }
}

/// Converts as PostgreSQL's `int8 → float8` cast does (rounding to nearest),
/// which is also what the SQL compiler binds for integer constants compared
/// with number columns.
pub(crate) fn int_to_float(i: i64) -> f64 {
    i as f64
}

impl From<&serde_json::Value> for Value {
    fn from(json: &serde_json::Value) -> Self {
        Value::from_json(json)
    }
}

impl From<serde_json::Value> for Value {
    fn from(json: serde_json::Value) -> Self {
        Value::from_json(&json)
    }
}

impl From<&Value> for serde_json::Value {
    fn from(value: &Value) -> Self {
        value.to_json()
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}

impl From<i64> for Value {
    fn from(i: i64) -> Self {
        Value::Int(i)
    }
}

impl From<f64> for Value {
    fn from(f: f64) -> Self {
        Value::Float(f)
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::Text(s.to_owned())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::Text(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn json_round_trip() {
        let j = json!({"a": [1, 2.5, "x", null, true, {"k": "v"}]});
        let v = Value::from_json(&j);
        assert!(matches!(v, Value::Object(_)));
        assert_eq!(v.to_json(), j);
        let list = Value::from_json(&json!([1, 2.5, "x", null, true]));
        assert_eq!(
            list,
            Value::List(vec![
                Value::Int(1),
                Value::Float(2.5),
                Value::Text("x".into()),
                Value::Null,
                Value::Bool(true)
            ])
        );
        assert_eq!(Value::Float(f64::NAN).to_json(), json!(null));
        assert_eq!(
            Value::from_json(&json!(u64::MAX)),
            Value::Float(u64::MAX as f64)
        );
    }

    #[test]
    fn equality_is_strict_except_numbers() {
        assert!(Value::Int(1).rule_eq(&Value::Float(1.0)));
        assert!(!Value::Text("1".into()).rule_eq(&Value::Int(1)));
        assert!(!Value::Bool(true).rule_eq(&Value::Int(1)));
        assert!(Value::Null.rule_eq(&Value::Null));
        assert!(!Value::Null.rule_eq(&Value::Bool(false)));
    }

    #[test]
    fn ordering_and_membership() {
        assert_eq!(Value::Int(1).rule_cmp(&Value::Text("a".into())), None);
        assert_eq!(Value::Null.rule_cmp(&Value::Int(5)), None);
        assert_eq!(
            Value::Text("B".into()).rule_cmp(&Value::Text("a".into())),
            Some(Ordering::Less)
        );
        let list = Value::List(vec![Value::Null, Value::Text("a".into())]);
        assert!(Value::Null.rule_in(&list));
        assert!(Value::Text("a".into()).rule_in(&Value::Text("cat".into())));
        assert!(!Value::Text("a".into()).rule_in(&Value::Null));
        assert!(!Value::Int(1).rule_in(&Value::Int(1)));
    }

    #[test]
    fn like_ignores_ascii_case_only() {
        let text = |s: &str| Value::Text(s.into());
        assert!(text("Hello World").rule_like(&text("o w")));
        assert!(text("abc").rule_like(&text("")));
        assert!(text("a%b").rule_like(&text("%")));
        assert!(!text("ab").rule_like(&text("%")));
        assert!(!text("ab").rule_like(&text("_")));
        assert!(text("ÉCOLE").rule_like(&text("Écol")));
        assert!(!text("ÉCOLE").rule_like(&text("école")));
        assert!(!Value::Null.rule_like(&text("")));
        assert!(!text("a").rule_like(&Value::Null));
        assert!(!Value::Int(12).rule_like(&text("1")));
    }

    #[test]
    fn truthiness() {
        for v in [
            Value::Null,
            Value::Bool(false),
            Value::Int(0),
            Value::Float(0.0),
            Value::Text(String::new()),
            Value::List(vec![]),
            Value::Object(Map::new()),
        ] {
            assert!(!v.is_truthy(), "{v:?}");
        }
        assert!(Value::Float(f64::NAN).is_truthy());
        assert!(Value::Text("0".into()).is_truthy());
    }
}
