//! The record fields a rule or filter may refer to.

use std::collections::BTreeMap;

/// The type of a record field, as far as rules are concerned.
///
/// The field types of the collection model map onto these: `email` and `url`
/// are [`FieldType::Text`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FieldType {
    /// Text (also email and URL fields).
    Text,
    /// A number (stored as a double).
    Number,
    /// A boolean.
    Boolean,
    /// An instant; values are RFC 3339 text, compared as instants.
    Datetime,
    /// Any JSON value; rules may only compare it with `null`.
    Json,
    /// A choice among options: one text value, or a list of them.
    Select {
        /// Whether several options may be chosen (stored as a JSON array of strings).
        multiple: bool,
    },
    /// The id of a record in another collection (text).
    Reference,
}

impl FieldType {
    /// The name used in messages.
    pub fn name(self) -> &'static str {
        match self {
            FieldType::Text => "text",
            FieldType::Number => "number",
            FieldType::Boolean => "boolean",
            FieldType::Datetime => "datetime",
            FieldType::Json => "json",
            FieldType::Select { multiple: false } => "select",
            FieldType::Select { multiple: true } => "multiple select",
            FieldType::Reference => "reference",
        }
    }
}

/// The system fields every record has, with their types.
pub const SYSTEM_FIELDS: [(&str, FieldType); 6] = [
    ("id", FieldType::Text),
    ("account_id", FieldType::Text),
    ("created_at", FieldType::Datetime),
    ("created_by", FieldType::Text),
    ("updated_at", FieldType::Datetime),
    ("updated_by", FieldType::Text),
];

/// The longest accepted field name.
pub const MAX_FIELD_NAME_CHARS: usize = 63;

const KEYWORDS: [&str; 7] = ["and", "or", "not", "in", "true", "false", "null"];

/// The fields of one collection: the [`SYSTEM_FIELDS`] plus the ones added.
///
/// Field names are `[A-Za-z_][A-Za-z0-9_]*` (at most
/// [`MAX_FIELD_NAME_CHARS`]), not a keyword and not a system field; this is
/// what lets the SQL compiler use them as (quoted) column names.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Schema {
    fields: BTreeMap<String, FieldType>,
}

/// Why a field could not be added to a [`Schema`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SchemaError {
    /// The name is not `[A-Za-z_][A-Za-z0-9_]*` of at most 63 characters, or is a keyword.
    #[error("Invalid field name '{0}'")]
    InvalidName(String),
    /// The name is a system field.
    #[error("Field name '{0}' is reserved")]
    Reserved(String),
    /// The name was added before.
    #[error("Field '{0}' is defined twice")]
    Duplicate(String),
}

impl Schema {
    /// A schema with only the system fields.
    pub fn new() -> Self {
        Self::default()
    }

    /// Builds a schema from `(name, type)` pairs.
    pub fn from_fields<'a, I>(fields: I) -> Result<Self, SchemaError>
    where
        I: IntoIterator<Item = (&'a str, FieldType)>,
    {
        let mut schema = Self::new();
        for (name, ty) in fields {
            schema.add_field(name, ty)?;
        }
        Ok(schema)
    }

    /// Adds a field.
    pub fn add_field(&mut self, name: &str, ty: FieldType) -> Result<(), SchemaError> {
        let valid = !name.is_empty()
            && name.len() <= MAX_FIELD_NAME_CHARS
            && name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && !KEYWORDS.contains(&name);
        if !valid {
            return Err(SchemaError::InvalidName(name.to_owned()));
        }
        if SYSTEM_FIELDS.iter().any(|(system, _)| *system == name) {
            return Err(SchemaError::Reserved(name.to_owned()));
        }
        if self.fields.insert(name.to_owned(), ty).is_some() {
            return Err(SchemaError::Duplicate(name.to_owned()));
        }
        Ok(())
    }

    /// The type of a field (system or added), if it exists.
    pub fn field_type(&self, name: &str) -> Option<FieldType> {
        SYSTEM_FIELDS
            .iter()
            .find(|(system, _)| *system == name)
            .map(|(_, ty)| *ty)
            .or_else(|| self.fields.get(name).copied())
    }

    /// Every field, system fields first, then the added ones by name.
    pub fn fields(&self) -> impl Iterator<Item = (&str, FieldType)> + '_ {
        SYSTEM_FIELDS
            .iter()
            .map(|(name, ty)| (*name, *ty))
            .chain(self.fields.iter().map(|(name, ty)| (name.as_str(), *ty)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_validated() {
        let mut schema = Schema::new();
        schema.add_field("title", FieldType::Text).expect("valid");
        schema.add_field("_x9", FieldType::Number).expect("valid");
        for bad in [
            "",
            "9a",
            "a-b",
            "a\"b",
            "a b",
            "and",
            "null",
            "é",
            &"x".repeat(64),
        ] {
            assert_eq!(
                schema.add_field(bad, FieldType::Text),
                Err(SchemaError::InvalidName(bad.to_owned())),
                "{bad}"
            );
        }
        assert_eq!(
            schema.add_field("created_at", FieldType::Text),
            Err(SchemaError::Reserved("created_at".into()))
        );
        assert_eq!(
            schema.add_field("title", FieldType::Text),
            Err(SchemaError::Duplicate("title".into()))
        );
        assert_eq!(schema.field_type("created_at"), Some(FieldType::Datetime));
        assert_eq!(schema.field_type("title"), Some(FieldType::Text));
        assert_eq!(schema.field_type("nope"), None);
        assert_eq!(schema.fields().count(), 8);
    }
}
