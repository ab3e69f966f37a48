//! What a macro may name: functions, cast types, literals and operators.

use super::*;

/// The functions a macro may call: aggregates and scalar functions that only
/// compute on their arguments (no I/O, no settings, no catalogs, nothing that
/// builds huge values from small inputs), on SQLite, PostgreSQL or both.
pub const FUNCTIONS: &[&str] = &[
    // Aggregates.
    "count",
    "sum",
    "avg",
    "min",
    "max",
    "total",
    "group_concat",
    "string_agg",
    "bool_and",
    "bool_or",
    "every",
    // Window functions.
    "row_number",
    "rank",
    "dense_rank",
    "percent_rank",
    "cume_dist",
    "ntile",
    "lag",
    "lead",
    "first_value",
    "last_value",
    "nth_value",
    // NULLs and choices.
    "coalesce",
    "ifnull",
    "nullif",
    "iif",
    "greatest",
    "least",
    // Text.
    "lower",
    "upper",
    "length",
    "char_length",
    "character_length",
    "octet_length",
    "trim",
    "ltrim",
    "rtrim",
    "btrim",
    "substr",
    "substring",
    "replace",
    "instr",
    "strpos",
    "concat",
    "concat_ws",
    "left",
    "right",
    "reverse",
    "split_part",
    "starts_with",
    "initcap",
    // Numbers.
    "abs",
    "round",
    "ceil",
    "ceiling",
    "floor",
    "trunc",
    "sign",
    "mod",
    "power",
    "pow",
    "sqrt",
    "exp",
    "ln",
    "log",
    "log10",
    "random",
    // Dates and times.
    "now",
    "current_timestamp",
    "current_date",
    "current_time",
    "localtimestamp",
    "localtime",
    "date",
    "time",
    "datetime",
    "julianday",
    "strftime",
    "unixepoch",
    "date_trunc",
    "date_part",
    "to_char",
    "to_timestamp",
    "to_date",
    "age",
    "make_date",
    // JSON values.
    "json_extract",
    "json_array_length",
    "json_type",
    "json_valid",
    "json_typeof",
    "json_extract_path_text",
    "jsonb_array_length",
    "jsonb_typeof",
    "jsonb_extract_path_text",
    // Types.
    "typeof",
];

/// Bare words that PostgreSQL reads as session facts (the database role, the
/// schema), not as columns; quote a column with such a name (`"user"`).
pub(super) const SESSION_WORDS: &[&str] = &[
    "user",
    "current_user",
    "session_user",
    "current_role",
    "current_schema",
    "current_catalog",
    "system_user",
];

pub(super) fn literal(value: &Value) -> Checked {
    match value {
        Value::Number(..) | Value::SingleQuotedString(_) | Value::Boolean(_) | Value::Null => {
            Ok(())
        }
        Value::Placeholder(p) => Err(format!(
            "'{p}' is not allowed in a macro (use :name parameters)"
        )),
        other => Err(format!(
            "{} (literals are numbers, '…' strings, TRUE, FALSE and NULL)",
            not_allowed(other)
        )),
    }
}

pub(super) fn binary_operator(op: &BinaryOperator) -> Checked {
    use BinaryOperator as B;
    match op {
        B::Plus
        | B::Minus
        | B::Multiply
        | B::Divide
        | B::Modulo
        | B::StringConcat
        | B::Gt
        | B::Lt
        | B::GtEq
        | B::LtEq
        | B::Eq
        | B::NotEq
        | B::And
        | B::Or
        | B::BitwiseOr
        | B::BitwiseAnd
        | B::PGBitwiseShiftLeft
        | B::PGBitwiseShiftRight
        | B::Is
        | B::IsNot
        | B::Glob
        | B::PGRegexMatch
        | B::PGRegexIMatch
        | B::PGRegexNotMatch
        | B::PGRegexNotIMatch
        | B::Arrow
        | B::LongArrow => Ok(()),
        other => Err(format!("Operator '{other}' is not allowed in a macro")),
    }
}

/// The types a value may be cast to: numbers, text, booleans, dates and
/// times, JSON, UUIDs and bytes (not `regclass` and the like, which read the
/// catalogs).
pub(super) fn plain_type(data_type: &DataType) -> Checked {
    use DataType as T;
    match data_type {
        T::Character(_)
        | T::Char(_)
        | T::CharacterVarying(_)
        | T::CharVarying(_)
        | T::Varchar(_)
        | T::Text
        | T::Numeric(_)
        | T::Decimal(_)
        | T::Dec(_)
        | T::Float(_)
        | T::Real
        | T::Double(_)
        | T::DoublePrecision
        | T::Float4
        | T::Float8
        | T::Int(_)
        | T::Integer(_)
        | T::SmallInt(_)
        | T::BigInt(_)
        | T::Int2(_)
        | T::Int4(_)
        | T::Int8(_)
        | T::Bool
        | T::Boolean
        | T::Date
        | T::Time(..)
        | T::Timestamp(..)
        | T::Interval { .. }
        | T::JSON
        | T::JSONB
        | T::Uuid
        | T::Blob(_)
        | T::Bytea => Ok(()),
        other => Err(format!("Casting to {other} is not allowed in a macro")),
    }
}
