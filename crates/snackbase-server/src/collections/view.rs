//! A compiled collection as one caller sees it: a mask over its fields, not
//! a copy of the collection. The common case (every field visible) borrows
//! what the compiled collection already holds: its rule schema, its columns
//! and its select list; only a narrowed view builds its own.

use std::borrow::Cow;

use snackbase_rules as rules;

use super::compiled::{rule_schema_of, Compiled};
use super::record_sql::Columns;
use super::schema::Field;
use super::values::column_kind;
use crate::db::values::select_list;
use crate::error::ApiResult;

/// The fields of a compiled collection one caller may read.
#[derive(Debug, Clone)]
pub struct View<'a> {
    compiled: &'a Compiled,
    /// Whether each of the collection's fields (in schema order) is visible;
    /// `None` when all are.
    mask: Option<Vec<bool>>,
}

impl<'a> View<'a> {
    /// Every field visible.
    pub fn all(compiled: &'a Compiled) -> Self {
        Self {
            compiled,
            mask: None,
        }
    }

    /// Only the fields named in `names` visible (the system fields always are).
    pub fn only(compiled: &'a Compiled, names: &[String]) -> Self {
        let mask: Vec<bool> = compiled
            .fields
            .iter()
            .map(|f| names.contains(&f.name))
            .collect();
        Self {
            compiled,
            mask: (!mask.iter().all(|v| *v)).then_some(mask),
        }
    }

    /// The whole compiled collection, for what does not depend on visibility
    /// (its name, its table, its search index).
    pub fn compiled(&self) -> &'a Compiled {
        self.compiled
    }

    /// Whether some field is hidden.
    pub fn is_narrowed(&self) -> bool {
        self.mask.is_some()
    }

    /// The visible fields, in schema order.
    pub fn fields(&self) -> impl Iterator<Item = &'a Field> + '_ {
        self.compiled
            .fields
            .iter()
            .enumerate()
            .filter(|(i, _)| self.mask.as_ref().is_none_or(|m| m[*i]))
            .map(|(_, f)| f)
    }

    /// A visible field by name.
    pub fn field(&self, name: &str) -> Option<&'a Field> {
        let i = self.compiled.fields.iter().position(|f| f.name == name)?;
        self.mask
            .as_ref()
            .is_none_or(|m| m[i])
            .then(|| &self.compiled.fields[i])
    }

    /// The rule language's view of the visible fields.
    pub fn rule_schema(&self) -> ApiResult<Cow<'a, rules::Schema>> {
        if self.mask.is_none() {
            if let Some(schema) = &self.compiled.rule_schema {
                return Ok(Cow::Borrowed(schema));
            }
        }
        rule_schema_of(self.fields()).map(Cow::Owned)
    }

    /// The columns a read returns: the system fields and the visible fields.
    pub fn columns(&self) -> Cow<'a, Columns> {
        if self.mask.is_none() {
            return Cow::Borrowed(&self.compiled.sql.columns);
        }
        let system = self.compiled.sql.columns.len() - self.compiled.fields.len();
        let mut cols: Columns = self.compiled.sql.columns[..system].to_vec();
        cols.extend(self.fields().map(|f| (f.name.clone(), column_kind(f))));
        Cow::Owned(cols)
    }

    /// [`Self::columns`] qualified by the alias `t`, for a SELECT list.
    pub fn select_list(&self) -> Cow<'a, str> {
        if self.mask.is_none() {
            return Cow::Borrowed(&self.compiled.sql.select_list);
        }
        Cow::Owned(select_list(&self.columns(), "t"))
    }
}
