//! Validation of collection names and field definitions, with the
//! original's error codes.

use super::*;

fn identifier_ok(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Validates a collection name; errors use the original's codes.
pub fn validate_collection_name(name: &str) -> Result<(), FieldError> {
    let err = |code: &str, msg: &str| FieldError::new("name", code, msg);
    if name.is_empty() {
        return Err(err("name_required", "Collection name is required"));
    }
    if name.len() < 3 {
        return Err(err(
            "name_too_short",
            "Collection name must be at least 3 characters",
        ));
    }
    if name.len() > MAX_COLLECTION_NAME {
        return Err(err(
            "name_too_long",
            "Collection name must be at most 48 characters",
        ));
    }
    if !identifier_ok(name) {
        return Err(err(
            "name_invalid_format",
            "Collection name must start with a letter and contain only letters, digits and underscores",
        ));
    }
    Ok(())
}

/// Validates one field; `path` is its position for error messages (`schema[2]`).
pub fn validate_field(
    input: &FieldInput,
    path: &str,
    errors: &mut Vec<FieldError>,
) -> Option<Field> {
    let before = errors.len();
    let mut err = |suffix: &str, code: &str, msg: String| {
        errors.push(FieldError::new(format!("{path}.{suffix}"), code, msg))
    };
    let name = input.name.clone().unwrap_or_default();
    if name.is_empty() {
        err(
            "name",
            "field_name_required",
            "Field name is required".into(),
        );
    } else if name.len() > MAX_FIELD_NAME {
        err(
            "name",
            "field_name_too_long",
            format!("Field name must be at most {MAX_FIELD_NAME} characters"),
        );
    } else if !identifier_ok(&name) {
        err(
            "name",
            "field_name_invalid_format",
            "Field name must start with a letter and contain only letters, digits and underscores"
                .into(),
        );
    } else if RESERVED.contains(&name.to_ascii_lowercase().as_str()) {
        err(
            "name",
            "field_name_reserved",
            format!("Field name '{name}' is reserved"),
        );
    }
    let kind = match input.kind.as_deref() {
        None | Some("") => {
            err(
                "type",
                "field_type_required",
                "Field type is required".into(),
            );
            None
        }
        Some(raw) => {
            let k = FieldKind::parse(raw);
            if k.is_none() {
                err(
                    "type",
                    "field_type_invalid",
                    format!("Unknown field type '{raw}'; use text, number, boolean, email, url, datetime, json, select, reference or file"),
                );
            }
            k
        }
    };
    let options = match &input.options {
        None | Some(Value::Null) => None,
        // The SDK's short form of a select's values: `["low", "high"]`,
        // stored and returned as `{"values": [...]}`.
        Some(Value::Array(list)) => match list
            .iter()
            .map(|v| v.as_str().map(str::to_string))
            .collect::<Option<Vec<_>>>()
        {
            Some(values) => Some(FieldOptions {
                values: Some(values),
                ..FieldOptions::default()
            }),
            None => {
                err(
                    "options",
                    "options_invalid",
                    "Invalid options: a list of options holds the select's values, as strings"
                        .into(),
                );
                None
            }
        },
        Some(v) => match serde_json::from_value::<FieldOptions>(v.clone()) {
            Ok(o) => Some(o),
            Err(e) => {
                err(
                    "options",
                    "options_invalid",
                    format!("Invalid options: {e}"),
                );
                None
            }
        },
    };
    if let (Some(kind), Some(o)) = (kind, &options) {
        check_options(kind, o, &mut err);
    }
    if kind == Some(FieldKind::Select)
        && options
            .as_ref()
            .and_then(|o| o.values.as_ref())
            .is_none_or(|v| v.is_empty())
    {
        err(
            "options",
            "select_values_required",
            "A select field needs options.values, a non-empty list".into(),
        );
    }
    let mut on_delete = None;
    let mut collection = None;
    if kind == Some(FieldKind::Reference) {
        match input.collection.as_deref().map(str::trim) {
            None | Some("") => err(
                "collection",
                "reference_collection_required",
                "A reference field needs a target collection".into(),
            ),
            Some(c) => collection = Some(c.to_string()),
        }
        match input.on_delete.as_deref() {
            None | Some("") => err(
                "on_delete",
                "reference_on_delete_required",
                "A reference field needs on_delete".into(),
            ),
            Some(raw) => match OnDelete::parse(raw) {
                Some(o) => on_delete = Some(o),
                None => err(
                    "on_delete",
                    "reference_on_delete_invalid",
                    "on_delete must be cascade, set_null or restrict".into(),
                ),
            },
        }
        if input.required && on_delete == Some(OnDelete::SetNull) {
            err(
                "on_delete",
                "reference_set_null_required",
                "A required reference cannot use on_delete set_null".into(),
            );
        }
    } else if input.collection.is_some() || input.on_delete.is_some() {
        err(
            "collection",
            "reference_only",
            "collection and on_delete apply to reference fields only".into(),
        );
    }
    let mask_type = match input.mask_type.as_deref() {
        None => None,
        Some(raw) => {
            let parsed =
                serde_json::from_value::<MaskType>(Value::String(raw.to_ascii_lowercase())).ok();
            if !input.pii {
                err(
                    "mask_type",
                    "mask_type_requires_pii",
                    "mask_type requires pii to be true".into(),
                );
            } else if parsed.is_none() {
                err(
                    "mask_type",
                    "mask_type_invalid",
                    "mask_type must be email, ssn, phone, name, full or custom".into(),
                );
            }
            parsed
        }
    };
    if kind == Some(FieldKind::Json) && input.unique {
        err(
            "unique",
            "unique_not_supported",
            "json fields cannot be unique".into(),
        );
    }
    if input.searchable && kind.is_some_and(|k| !k.is_textual()) {
        err(
            "searchable",
            "searchable_not_applicable",
            "searchable applies to text, email and url fields".into(),
        );
    }
    if errors.len() > before {
        return None;
    }
    let kind = kind?;
    let field = Field {
        name,
        kind,
        required: input.required,
        default: input.default.clone().filter(|v| !v.is_null()),
        unique: input.unique,
        options,
        collection,
        on_delete,
        pii: input.pii,
        mask_type,
        searchable: input.searchable,
    };
    if let Some(default) = &field.default {
        if let Err(problem) = crate::collections::values::check_default(&field, default) {
            errors.push(FieldError::new(
                format!("{path}.default"),
                "default_invalid",
                problem,
            ));
            return None;
        }
    }
    Some(field)
}

fn check_options(kind: FieldKind, o: &FieldOptions, err: &mut impl FnMut(&str, &str, String)) {
    let numeric = kind == FieldKind::Number;
    let textual = kind.is_textual();
    if (o.min.is_some() || o.max.is_some() || o.integer.is_some()) && !numeric {
        err(
            "options",
            "option_not_applicable",
            "min, max and integer apply to number fields".into(),
        );
    }
    if (o.min_length.is_some() || o.max_length.is_some() || o.pattern.is_some()) && !textual {
        err(
            "options",
            "option_not_applicable",
            "min_length, max_length and pattern apply to text fields".into(),
        );
    }
    if o.values.is_some() && kind != FieldKind::Select {
        err(
            "options",
            "option_not_applicable",
            "values apply to select fields".into(),
        );
    }
    if o.multiple.is_some() && !matches!(kind, FieldKind::Select | FieldKind::File) {
        err(
            "options",
            "option_not_applicable",
            "multiple applies to select and file fields".into(),
        );
    }
    let file_options = o.max_size.is_some()
        || o.mime_types.is_some()
        || o.protected.is_some()
        || o.thumbs.is_some();
    if file_options && kind != FieldKind::File {
        err(
            "options",
            "option_not_applicable",
            "max_size, mime_types, protected and thumbs apply to file fields".into(),
        );
    }
    if kind == FieldKind::File {
        crate::files::record::check_options(o, err);
    }
    if let (Some(min), Some(max)) = (o.min, o.max) {
        if min > max {
            err(
                "options",
                "option_range_invalid",
                "min must not exceed max".into(),
            );
        }
    }
    if let (Some(min), Some(max)) = (o.min_length, o.max_length) {
        if min > max {
            err(
                "options",
                "option_range_invalid",
                "min_length must not exceed max_length".into(),
            );
        }
    }
    if let Some(p) = &o.pattern {
        if p.len() > 512 || regex::Regex::new(&format!("^(?:{p})$")).is_err() {
            err(
                "options",
                "pattern_invalid",
                "pattern is not a valid regular expression".into(),
            );
        }
    }
    if let Some(values) = &o.values {
        let mut seen = std::collections::HashSet::new();
        if values.iter().any(|v| v.is_empty() || !seen.insert(v)) {
            err(
                "options",
                "select_values_invalid",
                "select values must be non-empty and distinct".into(),
            );
        }
    }
}

/// Validates a whole schema: every field, then duplicates (case-insensitive).
pub fn validate_schema(inputs: &[FieldInput], errors: &mut Vec<FieldError>) -> Vec<Field> {
    if inputs.is_empty() {
        errors.push(FieldError::new(
            "schema",
            "schema_empty",
            "A collection needs at least one field",
        ));
        return Vec::new();
    }
    if inputs.len() > MAX_FIELDS {
        errors.push(FieldError::new(
            "schema",
            "schema_too_large",
            format!("A collection has at most {MAX_FIELDS} fields"),
        ));
        return Vec::new();
    }
    let mut fields = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (i, input) in inputs.iter().enumerate() {
        let path = format!("schema[{i}]");
        if let Some(field) = validate_field(input, &path, errors) {
            if !seen.insert(field.name.to_ascii_lowercase()) {
                errors.push(FieldError::new(
                    format!("{path}.name"),
                    "field_name_duplicate",
                    format!("Field name '{}' is used twice", field.name),
                ));
                continue;
            }
            fields.push(field);
        }
    }
    fields
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(v: Value) -> FieldInput {
        serde_json::from_value(v).unwrap()
    }

    fn codes(inputs: Vec<Value>) -> Vec<String> {
        let mut errors = Vec::new();
        validate_schema(
            &inputs.into_iter().map(input).collect::<Vec<_>>(),
            &mut errors,
        );
        errors.into_iter().map(|e| e.code).collect()
    }

    #[test]
    fn names_and_types() {
        assert!(codes(vec![serde_json::json!({"name": "title", "type": "TEXT"})]).is_empty());
        assert_eq!(
            codes(vec![serde_json::json!({"name": "id", "type": "text"})]),
            ["field_name_reserved"]
        );
        assert_eq!(
            codes(vec![serde_json::json!({"name": "and", "type": "text"})]),
            ["field_name_reserved"]
        );
        assert_eq!(
            codes(vec![serde_json::json!({"name": "a\"b", "type": "text"})]),
            ["field_name_invalid_format"]
        );
        assert_eq!(
            codes(vec![serde_json::json!({"name": "x", "type": "blob"})]),
            ["field_type_invalid"]
        );
        assert_eq!(
            codes(vec![
                serde_json::json!({"name": "x", "type": "text"}),
                serde_json::json!({"name": "X", "type": "number"})
            ]),
            ["field_name_duplicate"]
        );
        assert_eq!(codes(vec![]), ["schema_empty"]);
        assert_eq!(
            validate_collection_name("Posts; DROP").unwrap_err().code,
            "name_invalid_format"
        );
    }

    #[test]
    fn references_selects_and_options() {
        assert_eq!(
            codes(vec![serde_json::json!({"name": "a", "type": "relation"})]),
            [
                "reference_collection_required",
                "reference_on_delete_required"
            ]
        );
        assert!(codes(vec![serde_json::json!({"name": "a", "type": "relation", "collection": "users", "on_delete": "SET_NULL"})]).is_empty());
        assert_eq!(
            codes(vec![serde_json::json!({"name": "s", "type": "select"})]),
            ["select_values_required"]
        );
        assert!(codes(vec![serde_json::json!({"name": "s", "type": "select", "options": {"values": ["a", "b"], "multiple": true}})]).is_empty());
        // The SDK's list form means the same values.
        assert!(codes(vec![
            serde_json::json!({"name": "s", "type": "select", "options": ["a", "b"]})
        ])
        .is_empty());
        assert_eq!(
            codes(vec![
                serde_json::json!({"name": "s", "type": "select", "options": ["a", 1]})
            ]),
            ["options_invalid", "select_values_required"]
        );
        assert_eq!(
            codes(vec![
                serde_json::json!({"name": "t", "type": "text", "options": ["a"]})
            ]),
            ["option_not_applicable"]
        );
        assert_eq!(
            codes(vec![
                serde_json::json!({"name": "n", "type": "number", "options": {"pattern": "x"}})
            ]),
            ["option_not_applicable"]
        );
        assert_eq!(
            codes(vec![
                serde_json::json!({"name": "t", "type": "text", "options": {"pattern": "("}})
            ]),
            ["pattern_invalid"]
        );
        assert_eq!(
            codes(vec![
                serde_json::json!({"name": "t", "type": "text", "mask_type": "email"})
            ]),
            ["mask_type_requires_pii"]
        );
        assert_eq!(
            codes(vec![
                serde_json::json!({"name": "n", "type": "number", "default": "x"})
            ]),
            ["default_invalid"]
        );
        assert!(codes(vec![
            serde_json::json!({"name": "t", "type": "email", "searchable": true})
        ])
        .is_empty());
        assert_eq!(
            codes(vec![
                serde_json::json!({"name": "n", "type": "number", "searchable": true})
            ]),
            ["searchable_not_applicable"]
        );
    }
}
