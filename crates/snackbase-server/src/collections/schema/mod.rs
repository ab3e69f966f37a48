//! Collection schemas: field definitions as clients send them and the typed
//! form the rest of the server uses; their validation is in `validate.rs`.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use crate::error::FieldError;

mod validate;

pub use validate::{validate_collection_name, validate_field, validate_schema};

/// Fields every record has; they cannot be defined, written or renamed.
pub const SYSTEM_FIELDS: [&str; 6] = [
    "id",
    "account_id",
    "created_at",
    "created_by",
    "updated_at",
    "updated_by",
];

/// Words that cannot name a field: system fields and the rule language's keywords.
const RESERVED: [&str; 14] = [
    "id",
    "account_id",
    "created_at",
    "created_by",
    "updated_at",
    "updated_by",
    "and",
    "or",
    "not",
    "in",
    "true",
    "false",
    "null",
    "expand",
];

pub const MAX_COLLECTION_NAME: usize = 48;
pub const MAX_FIELD_NAME: usize = 59;
pub const MAX_FIELDS: usize = 200;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    Text,
    Number,
    Boolean,
    Email,
    Url,
    Datetime,
    Json,
    Select,
    Reference,
    /// Stored files (see `files`): the stored name, or a list of them.
    File,
}

impl FieldKind {
    /// Parses a type name, case-insensitively, with the aliases `date` and `relation`.
    pub fn parse(raw: &str) -> Option<Self> {
        Some(match raw.trim().to_ascii_lowercase().as_str() {
            "text" => Self::Text,
            "number" => Self::Number,
            "boolean" | "bool" => Self::Boolean,
            "email" => Self::Email,
            "url" => Self::Url,
            "datetime" | "date" => Self::Datetime,
            "json" => Self::Json,
            "select" => Self::Select,
            "reference" | "relation" => Self::Reference,
            "file" => Self::File,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Text => "text",
            Self::Number => "number",
            Self::Boolean => "boolean",
            Self::Email => "email",
            Self::Url => "url",
            Self::Datetime => "datetime",
            Self::Json => "json",
            Self::Select => "select",
            Self::Reference => "reference",
            Self::File => "file",
        }
    }

    /// Whether values are stored as plain text (so the kinds can change into each other).
    pub fn is_textual(self) -> bool {
        matches!(self, Self::Text | Self::Email | Self::Url)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OnDelete {
    Cascade,
    SetNull,
    Restrict,
}

impl OnDelete {
    pub fn parse(raw: &str) -> Option<Self> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "cascade" => Some(Self::Cascade),
            "set_null" | "setnull" | "set null" => Some(Self::SetNull),
            "restrict" => Some(Self::Restrict),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MaskType {
    Email,
    Ssn,
    Phone,
    Name,
    Full,
    Custom,
}

/// A field as a client sends it: loosely typed, validated into [`Field`].
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FieldInput {
    pub name: Option<String>,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    #[serde(default)]
    pub required: bool,
    #[serde(default)]
    #[schema(value_type = Object)]
    pub default: Option<Value>,
    #[serde(default)]
    pub unique: bool,
    #[serde(default)]
    #[schema(value_type = Object)]
    pub options: Option<Value>,
    pub collection: Option<String>,
    pub on_delete: Option<String>,
    #[serde(default)]
    pub pii: bool,
    pub mask_type: Option<String>,
    /// Text, email and url fields: matched by `?search=` on record lists.
    #[serde(default)]
    pub searchable: bool,
    /// With a schema change: the name this field had before (a rename).
    pub renamed_from: Option<String>,
}

/// Type options (all optional).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FieldOptions {
    /// Numbers: smallest value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    /// Numbers: largest value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    /// Text: shortest length, in characters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_length: Option<u32>,
    /// Text: longest length, in characters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_length: Option<u32>,
    /// Text: a regular expression the whole value must match.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
    /// Select: the allowed values.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub values: Option<Vec<String>>,
    /// Select: whether several values may be chosen.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub multiple: Option<bool>,
    /// Numbers: whether only integers are accepted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub integer: Option<bool>,
    /// Files: the largest file, in bytes (at most `SNACKBASE_MAX_FILE_SIZE`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_size: Option<u64>,
    /// Files: the allowed types (`image/png`, `image/*`), checked against
    /// the type sniffed from the content.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mime_types: Option<Vec<String>>,
    /// Files: downloads need a token (bearer or `?token=`, or a file token).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub protected: Option<bool>,
    /// Files: thumbnail sizes offered besides `100x100` (`WxH`, `WxHt`, ...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub thumbs: Option<Vec<String>>,
}

/// A validated field, as stored in the collection's metadata and returned.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Field {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: FieldKind,
    pub required: bool,
    #[schema(value_type = Object)]
    pub default: Option<Value>,
    pub unique: bool,
    pub options: Option<FieldOptions>,
    pub collection: Option<String>,
    pub on_delete: Option<OnDelete>,
    pub pii: bool,
    pub mask_type: Option<MaskType>,
    /// Matched by `?search=` on record lists (text, email and url fields).
    #[serde(default)]
    pub searchable: bool,
}

impl Field {
    /// A file field that holds a list of files.
    pub fn is_multiple_file(&self) -> bool {
        self.kind == FieldKind::File
            && self
                .options
                .as_ref()
                .and_then(|o| o.multiple)
                .unwrap_or(false)
    }

    pub fn is_multiple_select(&self) -> bool {
        self.kind == FieldKind::Select
            && self
                .options
                .as_ref()
                .and_then(|o| o.multiple)
                .unwrap_or(false)
    }
}
