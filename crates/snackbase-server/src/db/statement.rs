//! A statement builder that owns its placeholders. Values are bound where
//! they are used (`bind`), fragments compose (`append`, including rule and
//! filter predicates compiled by the rules crate), and placeholders are
//! numbered once, in order of appearance, when the statement is complete
//! (`finish`). No code computes `$n` offsets.

use snackbase_rules::TOKEN_MARK;

use super::values::{ColumnKind, Param};

/// SQL under construction: text with parameter tokens, and their values.
#[derive(Debug, Clone, Default)]
pub struct Statement {
    sql: String,
    params: Vec<Param>,
}

impl Statement {
    pub fn new(sql: &str) -> Self {
        let mut s = Self::default();
        s.push(sql);
        s
    }

    /// Appends SQL text: quoted identifiers and keywords, never values, and
    /// tokens this statement gave out ([`Statement::token`]).
    pub fn push(&mut self, sql: &str) -> &mut Self {
        self.sql.push_str(sql);
        self
    }

    /// A token for `value`, to embed once or several times.
    pub fn token(&mut self, value: Param) -> String {
        self.params.push(value);
        format!("{TOKEN_MARK}{}{TOKEN_MARK}", self.params.len() - 1)
    }

    /// Appends a placeholder bound to `value`.
    pub fn bind(&mut self, value: Param) -> &mut Self {
        let token = self.token(value);
        self.sql.push_str(&token);
        self
    }

    /// Appends `(t1, t2, …)`, one placeholder per value.
    pub fn bind_list(&mut self, values: impl IntoIterator<Item = Param>) -> &mut Self {
        self.sql.push('(');
        self.bind_all(values);
        self.sql.push(')');
        self
    }

    /// Appends `t1, t2, …`, one placeholder per value.
    pub fn bind_all(&mut self, values: impl IntoIterator<Item = Param>) -> &mut Self {
        for (i, value) in values.into_iter().enumerate() {
            if i > 0 {
                self.sql.push_str(", ");
            }
            self.bind(value);
        }
        self
    }

    /// Appends another statement under construction (a fragment).
    pub fn append(&mut self, other: &Statement) -> &mut Self {
        self.append_tokens(&other.sql, other.params.iter().cloned())
    }

    /// Appends a predicate compiled by the rules crate (tokens unnumbered).
    pub fn append_fragment(&mut self, fragment: snackbase_rules::SqlFragment) -> &mut Self {
        let params = fragment.params.into_iter().map(to_param);
        self.append_tokens(&fragment.sql, params)
    }

    fn append_tokens(&mut self, sql: &str, params: impl Iterator<Item = Param>) -> &mut Self {
        let offset = self.params.len();
        self.params.extend(params);
        let mut pieces = sql.split(TOKEN_MARK);
        self.sql.push_str(pieces.next().unwrap_or_default());
        while let Some(token) = pieces.next() {
            let index = token.parse::<usize>().map_or(usize::MAX, |i| i + offset);
            self.sql
                .push_str(&format!("{TOKEN_MARK}{index}{TOKEN_MARK}"));
            self.sql.push_str(pieces.next().unwrap_or_default());
        }
        self
    }

    pub fn is_empty(&self) -> bool {
        self.sql.is_empty()
    }

    /// The SQL with `$1…$n` in order of first appearance (a token used twice
    /// is one placeholder), and the values in that order; values whose token
    /// no longer appears are left out.
    pub fn finish(&self) -> (String, Vec<Param>) {
        // Tokens are only written by this type; a bad one is a bug, which
        // the database then reports (the marks make the SQL invalid).
        snackbase_rules::number_tokens(&self.sql, &self.params, 1)
            .unwrap_or_else(|| (self.sql.clone(), Vec::new()))
    }
}

/// A rule-language parameter as a statement parameter.
pub fn to_param(p: snackbase_rules::SqlParam) -> Param {
    use snackbase_rules::SqlParam;
    match p {
        SqlParam::Null => Param::Null(ColumnKind::Text),
        SqlParam::Bool(b) => Param::Bool(b),
        SqlParam::Int(i) => Param::Int(i),
        SqlParam::Float(f) => Param::Float(f),
        SqlParam::Text(s) => Param::Text(s),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_in_order_of_appearance() {
        let mut inner = Statement::new("b = ");
        inner.bind(Param::Int(2));
        let mut s = Statement::new("SELECT 1 WHERE a = ");
        let a = s.token(Param::Int(1));
        s.push(&a).push(" AND (").append(&inner).push(") AND c IN ");
        s.bind_list([Param::Int(3), Param::Int(4)]);
        s.push(" AND d = ").push(&a);
        let unused = s.token(Param::Int(99));
        assert!(!unused.is_empty());
        let (sql, params) = s.finish();
        assert_eq!(
            sql,
            "SELECT 1 WHERE a = $1 AND (b = $2) AND c IN ($3, $4) AND d = $1"
        );
        assert_eq!(
            params,
            [Param::Int(1), Param::Int(2), Param::Int(3), Param::Int(4)]
        );
    }
}
