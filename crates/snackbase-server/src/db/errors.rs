//! What a failed statement says about its cause: a constraint it violated
//! (mapped to a field by the features), or a rule that could not be
//! computed (a 4xx, not a database fault).

/// Whether a failed statement failed because of what a rule computes (a SQL
/// macro past its time limit, a value it cannot compute) rather than because
/// of the database: SQLite's interrupt, PostgreSQL's query cancel and data
/// exceptions (class 22).
pub fn is_rule_failure(err: &anyhow::Error) -> bool {
    let Some(sqlx::Error::Database(db)) = err.downcast_ref::<sqlx::Error>() else {
        return false;
    };
    match db.try_downcast_ref::<sqlx::postgres::PgDatabaseError>() {
        Some(pg) => pg.code() == "57014" || pg.code().starts_with("22"),
        // SQLite: SQLITE_INTERRUPT (9), raised by the time limit's progress handler.
        None => db.code().as_deref() == Some("9"),
    }
}

/// The constraint a database error violated, if any.
pub fn violated_constraint(err: &sqlx::Error) -> Option<ConstraintViolation> {
    let db = err.as_database_error()?;
    let kind = match db.kind() {
        sqlx::error::ErrorKind::UniqueViolation => ConstraintKind::Unique,
        sqlx::error::ErrorKind::ForeignKeyViolation => ConstraintKind::ForeignKey,
        sqlx::error::ErrorKind::NotNullViolation => ConstraintKind::NotNull,
        sqlx::error::ErrorKind::CheckViolation => ConstraintKind::Check,
        _ => return None,
    };
    Some(ConstraintViolation {
        kind,
        constraint: db.constraint().map(str::to_string),
        message: db.message().to_string(),
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConstraintKind {
    Unique,
    ForeignKey,
    NotNull,
    Check,
}

#[derive(Debug, Clone)]
pub struct ConstraintViolation {
    pub kind: ConstraintKind,
    /// The constraint's name (PostgreSQL names it; SQLite does not).
    pub constraint: Option<String>,
    /// The driver's message (SQLite names the columns here).
    pub message: String,
}

impl ConstraintViolation {
    /// Whether this violation concerns `needle`: a constraint name on PostgreSQL,
    /// or a `table.column` in SQLite's message.
    pub fn mentions(&self, needle: &str) -> bool {
        self.constraint
            .as_deref()
            .is_some_and(|c| c.contains(needle))
            || self.message.contains(needle)
    }
}
