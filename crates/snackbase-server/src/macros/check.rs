//! The allow-list a macro's syntax tree must pass before it may run.
//!
//! The walk accepts only what it names and refuses everything else, so syntax
//! that a later `sqlparser` adds is refused until someone reviews it (structs
//! are destructured field by field, so a new field does not compile).
//!
//! - The statement is one query: `SELECT`, set operations (`UNION` …),
//!   `VALUES`, `WITH` (also `RECURSIVE`), `ORDER BY`, `LIMIT`/`OFFSET`/`FETCH`.
//! - In `FROM`: `{collection}` placeholders, the names of the query's own
//!   `WITH` tables that are in scope, subqueries and joins of these. No other
//!   table, view, catalog, schema-qualified or quoted name, and no
//!   table-valued function.
//! - In expressions: columns, `:parameters`, plain literals, the usual
//!   operators, `CASE`, `CAST` to plain types, subqueries (walked the same
//!   way) and the functions of [`FUNCTIONS`].
//!
//! Placeholders reach the walk as marker identifiers (see `template`); the walk
//! counts those it finds where a table (`{collection}`) or a value
//! (`:parameter`) belongs, so the caller can refuse markers anywhere else.

use sqlparser::ast::{
    BinaryOperator, CastKind, Cte, DataType, Distinct, Expr, Fetch, Function, FunctionArg,
    FunctionArgExpr, FunctionArgumentClause, FunctionArgumentList, FunctionArguments, GroupByExpr,
    Ident, InTarget, Join, JoinConstraint, JoinOperator, LimitClause, NamedWindowDefinition,
    NamedWindowExpr, ObjectName, ObjectNamePart, Offset, OrderBy, OrderByExpr, OrderByKind, Query,
    Select, SelectFlavor, SelectItem, SelectItemQualifiedWildcardKind, SetExpr, TableAlias,
    TableAliasColumnDef, TableFactor, TableWithJoins, TypedString, UnaryOperator, Value,
    ValueWithSpan, Values, WildcardAdditionalOptions, WindowFrame, WindowFrameBound, WindowSpec,
    WindowType, With,
};

use super::template::{marker, Marker};

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
const SESSION_WORDS: &[&str] = &[
    "user",
    "current_user",
    "session_user",
    "current_role",
    "current_schema",
    "current_catalog",
    "system_user",
];

/// How deep queries and expressions may nest.
const MAX_DEPTH: usize = 128;

type Checked = Result<(), String>;

/// One walk over a query. `uses` counts the placeholders found where they
/// belong; `scope` holds the names of the `WITH` tables visible at this point.
#[derive(Default)]
pub(super) struct Walk {
    uses: usize,
    depth: usize,
    scope: Vec<String>,
}

fn unsupported(what: &str) -> String {
    format!("{what} is not allowed in a macro")
}

fn not_allowed(e: &impl std::fmt::Display) -> String {
    let mut shown = e.to_string();
    if shown.len() > 80 {
        let mut end = 77;
        while !shown.is_char_boundary(end) {
            end -= 1;
        }
        shown.truncate(end);
        shown.push_str("...");
    }
    format!("'{shown}' is not allowed in a macro")
}

/// The one plain, unquoted identifier of a name (`x`, not `s.x`, `"x"` or `f(x)`).
fn single_plain(name: &ObjectName) -> Option<&Ident> {
    match name.0.as_slice() {
        [ObjectNamePart::Identifier(ident)] if ident.quote_style.is_none() => Some(ident),
        _ => None,
    }
}

fn is_plain_word(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

impl Walk {
    /// Checks a query; returns how many placeholders stand where they belong.
    /// Each `{collection}` in `FROM` without an alias gets the collection's
    /// name as its alias.
    pub(super) fn run(mut self, query: &mut Query) -> Result<usize, String> {
        self.query(query)?;
        Ok(self.uses)
    }

    fn enter(&mut self) -> Checked {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err("The query nests too deeply".into());
        }
        Ok(())
    }

    fn query(&mut self, query: &mut Query) -> Checked {
        self.enter()?;
        let Query {
            with,
            body,
            order_by,
            limit_clause,
            fetch,
            locks,
            for_clause,
            settings,
            format_clause,
            pipe_operators,
        } = query;
        if !locks.is_empty() {
            return Err(unsupported("FOR UPDATE / FOR SHARE"));
        }
        if for_clause.is_some()
            || settings.is_some()
            || format_clause.is_some()
            || !pipe_operators.is_empty()
        {
            return Err(not_allowed(query));
        }
        let outer = self.scope.len();
        if let Some(With {
            with_token: _,
            recursive,
            cte_tables,
        }) = with
        {
            // A WITH table is visible to the later ones and to the body, and
            // to itself only in WITH RECURSIVE: exactly where both databases
            // read the name as the WITH table and never as a real table.
            for Cte {
                alias,
                query,
                from,
                materialized: _,
                closing_paren_token: _,
            } in cte_tables
            {
                if from.is_some() {
                    return Err(unsupported("WITH … FROM"));
                }
                let name = cte_name(alias)?;
                if *recursive {
                    self.scope.push(name.clone());
                }
                self.query(query)?;
                if !*recursive {
                    self.scope.push(name);
                }
            }
        }
        self.set_expr(body)?;
        if let Some(OrderBy { kind, interpolate }) = order_by {
            if interpolate.is_some() {
                return Err(unsupported("INTERPOLATE"));
            }
            match kind {
                OrderByKind::Expressions(exprs) => self.order_by(exprs)?,
                OrderByKind::All(_) => return Err(unsupported("ORDER BY ALL")),
            }
        }
        match limit_clause {
            None => {}
            Some(LimitClause::LimitOffset {
                limit,
                offset,
                limit_by,
            }) => {
                if !limit_by.is_empty() {
                    return Err(unsupported("LIMIT BY"));
                }
                if let Some(limit) = limit {
                    self.expr(limit)?;
                }
                if let Some(Offset { value, rows: _ }) = offset {
                    self.expr(value)?;
                }
            }
            Some(LimitClause::OffsetCommaLimit { offset, limit }) => {
                self.expr(offset)?;
                self.expr(limit)?;
            }
        }
        if let Some(Fetch {
            with_ties: _,
            percent: _,
            quantity: Some(quantity),
        }) = fetch
        {
            self.expr(quantity)?;
        }
        self.scope.truncate(outer);
        self.depth -= 1;
        Ok(())
    }

    fn set_expr(&mut self, body: &mut SetExpr) -> Checked {
        self.enter()?;
        match body {
            SetExpr::Select(select) => self.select(select)?,
            SetExpr::Query(query) => self.query(query)?,
            SetExpr::SetOperation {
                left,
                op: _,
                set_quantifier: _,
                right,
            } => {
                self.set_expr(left)?;
                self.set_expr(right)?;
            }
            SetExpr::Values(Values {
                explicit_row: _,
                value_keyword: _,
                rows,
            }) => {
                for row in rows {
                    self.exprs(&mut row.content)?;
                }
            }
            SetExpr::Insert(_)
            | SetExpr::Update(_)
            | SetExpr::Delete(_)
            | SetExpr::Merge(_)
            | SetExpr::Table(_) => {
                return Err("A macro query must be a SELECT statement".into());
            }
        }
        self.depth -= 1;
        Ok(())
    }

    fn select(&mut self, select: &mut Select) -> Checked {
        let Select {
            select_token: _,
            optimizer_hints,
            distinct,
            select_modifiers,
            top,
            top_before_distinct: _,
            projection,
            exclude,
            into,
            from,
            lateral_views,
            prewhere,
            selection,
            connect_by,
            group_by,
            cluster_by,
            distribute_by,
            sort_by,
            having,
            named_window,
            qualify,
            window_before_qualify: _,
            value_table_mode,
            flavor,
        } = select;
        if into.is_some() {
            return Err(unsupported("SELECT INTO"));
        }
        if !optimizer_hints.is_empty()
            || select_modifiers.is_some()
            || top.is_some()
            || exclude.is_some()
            || !lateral_views.is_empty()
            || prewhere.is_some()
            || !connect_by.is_empty()
            || !cluster_by.is_empty()
            || !distribute_by.is_empty()
            || !sort_by.is_empty()
            || qualify.is_some()
            || value_table_mode.is_some()
            || !matches!(flavor, SelectFlavor::Standard)
        {
            return Err(not_allowed(select));
        }
        match distinct {
            None | Some(Distinct::All | Distinct::Distinct) => {}
            Some(Distinct::On(exprs)) => self.exprs(exprs)?,
        }
        for table in from {
            self.table_with_joins(table)?;
        }
        for item in projection {
            self.select_item(item)?;
        }
        if let Some(e) = selection {
            self.expr(e)?;
        }
        match group_by {
            GroupByExpr::Expressions(exprs, modifiers) if modifiers.is_empty() => {
                self.exprs(exprs)?
            }
            other => return Err(not_allowed(other)),
        }
        if let Some(e) = having {
            self.expr(e)?;
        }
        for NamedWindowDefinition(_, window) in named_window {
            match window {
                NamedWindowExpr::NamedWindow(_) => {}
                NamedWindowExpr::WindowSpec(spec) => self.window_spec(spec)?,
            }
        }
        Ok(())
    }

    fn select_item(&mut self, item: &mut SelectItem) -> Checked {
        match item {
            SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, alias: _ } => {
                self.expr(e)
            }
            SelectItem::Wildcard(options) => wildcard_options(options),
            SelectItem::QualifiedWildcard(SelectItemQualifiedWildcardKind::ObjectName(_), o) => {
                wildcard_options(o)
            }
            other => Err(not_allowed(other)),
        }
    }

    fn table_with_joins(&mut self, table: &mut TableWithJoins) -> Checked {
        let TableWithJoins { relation, joins } = table;
        self.table_factor(relation)?;
        for Join {
            relation,
            global,
            join_operator,
        } in joins
        {
            if *global {
                return Err(unsupported("GLOBAL JOIN"));
            }
            self.table_factor(relation)?;
            let constraint = match join_operator {
                JoinOperator::Join(c)
                | JoinOperator::Inner(c)
                | JoinOperator::Left(c)
                | JoinOperator::LeftOuter(c)
                | JoinOperator::Right(c)
                | JoinOperator::RightOuter(c)
                | JoinOperator::FullOuter(c)
                | JoinOperator::CrossJoin(c) => c,
                _ => return Err(unsupported("This kind of join")),
            };
            match constraint {
                JoinConstraint::On(e) => self.expr(e)?,
                JoinConstraint::Using(_) | JoinConstraint::Natural | JoinConstraint::None => {}
                JoinConstraint::UsingAlias(..) => return Err(unsupported("USING … AS")),
            }
        }
        Ok(())
    }

    fn table_factor(&mut self, factor: &mut TableFactor) -> Checked {
        self.enter()?;
        match factor {
            TableFactor::Table {
                name,
                alias,
                args,
                with_hints,
                version,
                with_ordinality,
                partitions,
                json_path,
                sample,
                index_directives,
                inheritance,
            } => {
                if args.is_some() {
                    return Err(format!(
                        "'{name}(…)' cannot be read: table-valued functions are not allowed in a macro"
                    ));
                }
                if !with_hints.is_empty()
                    || version.is_some()
                    || *with_ordinality
                    || !partitions.is_empty()
                    || json_path.is_some()
                    || sample.is_some()
                    || !index_directives.is_empty()
                    || inheritance.is_some()
                {
                    return Err(not_allowed(factor));
                }
                if let Some(alias) = alias {
                    table_alias(alias)?;
                }
                let ident = single_plain(name);
                if let Some(Marker::Collection(collection)) = ident.and_then(|i| marker(&i.value)) {
                    self.uses += 1;
                    if alias.is_none() {
                        *alias = Some(TableAlias {
                            explicit: true,
                            name: Ident::with_quote('"', collection.to_ascii_lowercase()),
                            columns: Vec::new(),
                            at: None,
                        });
                    }
                } else if !ident.is_some_and(|i| {
                    marker(&i.value).is_none() && self.scope.contains(&i.value.to_ascii_lowercase())
                }) {
                    return Err(format!(
                        "'{name}' cannot be read: a macro reads collections only through {{name}} \
                         placeholders (and the tables of its own WITH clause, unquoted)"
                    ));
                }
            }
            TableFactor::Derived {
                lateral: _,
                subquery,
                alias,
                sample,
            } => {
                if sample.is_some() {
                    return Err(unsupported("TABLESAMPLE"));
                }
                if let Some(alias) = alias {
                    table_alias(alias)?;
                }
                self.query(subquery)?;
            }
            TableFactor::NestedJoin {
                table_with_joins,
                alias,
            } => {
                if let Some(alias) = alias {
                    table_alias(alias)?;
                }
                self.table_with_joins(table_with_joins)?;
            }
            other => {
                return Err(format!(
                    "{} (only {{collection}} placeholders, WITH tables and subqueries may be read)",
                    not_allowed(other)
                ))
            }
        }
        self.depth -= 1;
        Ok(())
    }

    fn exprs(&mut self, exprs: &mut [Expr]) -> Checked {
        exprs.iter_mut().try_for_each(|e| self.expr(e))
    }

    fn boxed(&mut self, e: &mut Option<Box<Expr>>) -> Checked {
        match e {
            Some(e) => self.expr(e),
            None => Ok(()),
        }
    }

    fn order_by(&mut self, exprs: &mut [OrderByExpr]) -> Checked {
        for OrderByExpr {
            expr,
            options: _,
            with_fill,
        } in exprs
        {
            if with_fill.is_some() {
                return Err(unsupported("WITH FILL"));
            }
            self.expr(expr)?;
        }
        Ok(())
    }

    fn window_spec(&mut self, spec: &mut WindowSpec) -> Checked {
        let WindowSpec {
            window_name: _,
            partition_by,
            order_by,
            window_frame,
        } = spec;
        self.exprs(partition_by)?;
        self.order_by(order_by)?;
        if let Some(WindowFrame {
            units: _,
            start_bound,
            end_bound,
        }) = window_frame
        {
            for bound in std::iter::once(start_bound).chain(end_bound.as_mut()) {
                match bound {
                    WindowFrameBound::CurrentRow => {}
                    WindowFrameBound::Preceding(e) | WindowFrameBound::Following(e) => {
                        self.boxed(e)?
                    }
                }
            }
        }
        Ok(())
    }

    fn expr(&mut self, e: &mut Expr) -> Checked {
        self.enter()?;
        match e {
            Expr::Identifier(ident) => {
                if ident.quote_style.is_none() {
                    if let Some(Marker::Param(_)) = marker(&ident.value) {
                        self.uses += 1;
                    } else if SESSION_WORDS.contains(&ident.value.to_ascii_lowercase().as_str()) {
                        return Err(format!(
                            "'{ident}' is a reserved word in a macro; quote a column with this name (\"{ident}\")"
                        ));
                    }
                }
            }
            Expr::CompoundIdentifier(parts) => {
                if parts.len() > 2 {
                    return Err(format!(
                        "{} (qualify a column by its table only)",
                        not_allowed(e)
                    ));
                }
            }
            Expr::Value(ValueWithSpan { value, span: _ }) => literal(value)?,
            Expr::IsFalse(x)
            | Expr::IsNotFalse(x)
            | Expr::IsTrue(x)
            | Expr::IsNotTrue(x)
            | Expr::IsNull(x)
            | Expr::IsNotNull(x)
            | Expr::IsUnknown(x)
            | Expr::IsNotUnknown(x)
            | Expr::Nested(x) => self.expr(x)?,
            Expr::IsDistinctFrom(a, b) | Expr::IsNotDistinctFrom(a, b) => {
                self.expr(a)?;
                self.expr(b)?;
            }
            Expr::In {
                expr,
                target,
                negated: _,
                global: false,
            } => {
                self.expr(expr)?;
                match target {
                    InTarget::List(list) => self.exprs(list)?,
                    InTarget::Subquery(query) => self.query(query)?,
                    other => return Err(not_allowed(other)),
                }
            }
            Expr::Between {
                expr,
                negated: _,
                low,
                high,
            } => {
                self.expr(expr)?;
                self.expr(low)?;
                self.expr(high)?;
            }
            Expr::BinaryOp { left, op, right } => {
                binary_operator(op)?;
                self.expr(left)?;
                self.expr(right)?;
            }
            Expr::AnyOp {
                left,
                compare_op,
                right,
                is_some: _,
            }
            | Expr::AllOp {
                left,
                compare_op,
                right,
            } => {
                binary_operator(compare_op)?;
                self.expr(left)?;
                self.expr(right)?;
            }
            Expr::Like {
                negated: _,
                any: false,
                expr,
                pattern,
                escape_char,
            }
            | Expr::ILike {
                negated: _,
                any: false,
                expr,
                pattern,
                escape_char,
            }
            | Expr::SimilarTo {
                negated: _,
                expr,
                pattern,
                escape_char,
            } => {
                self.expr(expr)?;
                self.expr(pattern)?;
                self.boxed(escape_char)?;
            }
            Expr::UnaryOp { op, expr } => {
                match op {
                    UnaryOperator::Plus
                    | UnaryOperator::Minus
                    | UnaryOperator::Not
                    | UnaryOperator::BitwiseNot => {}
                    other => return Err(not_allowed(other)),
                }
                self.expr(expr)?;
            }
            Expr::Cast {
                kind: CastKind::Cast | CastKind::DoubleColon,
                expr,
                data_type,
                format: None,
            } => {
                plain_type(data_type)?;
                self.expr(expr)?;
            }
            Expr::TypedString(TypedString {
                data_type,
                value: ValueWithSpan { value, span: _ },
                uses_odbc_syntax: false,
            }) => {
                plain_type(data_type)?;
                literal(value)?;
            }
            Expr::AtTimeZone {
                timestamp,
                time_zone,
            } => {
                self.expr(timestamp)?;
                self.expr(time_zone)?;
            }
            Expr::Extract {
                field: _,
                syntax: _,
                expr,
            }
            | Expr::Ceil { expr, field: _ }
            | Expr::Floor { expr, field: _ } => self.expr(expr)?,
            Expr::Position { expr, r#in } => {
                self.expr(expr)?;
                self.expr(r#in)?;
            }
            Expr::Substring {
                expr,
                substring_from,
                substring_for,
                special: _,
                shorthand: _,
            } => {
                self.expr(expr)?;
                self.boxed(substring_from)?;
                self.boxed(substring_for)?;
            }
            Expr::Trim {
                trim_where: _,
                trim_what,
                expr,
                trim_characters,
            } => {
                self.expr(expr)?;
                self.boxed(trim_what)?;
                if let Some(chars) = trim_characters {
                    self.exprs(chars)?;
                }
            }
            Expr::Collate { expr, collation } => {
                // A collation name (NOCASE, "C"), not a path to one.
                if !matches!(collation.0.as_slice(), [ObjectNamePart::Identifier(_)]) {
                    return Err(not_allowed(collation));
                }
                self.expr(expr)?;
            }
            Expr::Function(function) => self.function(function)?,
            Expr::Case {
                case_token: _,
                end_token: _,
                operand,
                conditions,
                else_result,
            } => {
                self.boxed(operand)?;
                for when in conditions {
                    self.expr(&mut when.condition)?;
                    self.expr(&mut when.result)?;
                }
                self.boxed(else_result)?;
            }
            Expr::Exists {
                subquery,
                negated: _,
            } => self.query(subquery)?,
            Expr::Subquery(query) => self.query(query)?,
            Expr::Tuple(exprs) => self.exprs(exprs)?,
            Expr::Array(array) => self.exprs(&mut array.elem)?,
            Expr::Interval(interval) => self.expr(&mut interval.value)?,
            other => return Err(not_allowed(other)),
        }
        self.depth -= 1;
        Ok(())
    }

    fn function(&mut self, function: &mut Function) -> Checked {
        let Function {
            name,
            uses_odbc_syntax,
            parameters,
            args,
            within_group,
            filter,
            null_treatment,
            over,
        } = function;
        let known = single_plain(name)
            .is_some_and(|i| FUNCTIONS.contains(&i.value.to_ascii_lowercase().as_str()));
        if !known {
            return Err(format!(
                "Function '{name}' is not allowed in a macro (allowed: {})",
                FUNCTIONS.join(", ")
            ));
        }
        if *uses_odbc_syntax
            || !matches!(parameters, FunctionArguments::None)
            || null_treatment.is_some()
        {
            return Err(not_allowed(function));
        }
        match args {
            FunctionArguments::None => {}
            FunctionArguments::Subquery(_) => return Err(not_allowed(function)),
            FunctionArguments::List(FunctionArgumentList {
                duplicate_treatment: _,
                args,
                clauses,
            }) => {
                for arg in args {
                    match arg {
                        FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => self.expr(e)?,
                        FunctionArg::Unnamed(FunctionArgExpr::Wildcard) => {}
                        other => return Err(not_allowed(other)),
                    }
                }
                for clause in clauses {
                    match clause {
                        FunctionArgumentClause::OrderBy(exprs) => self.order_by(exprs)?,
                        other => return Err(not_allowed(other)),
                    }
                }
            }
        }
        self.order_by(within_group)?;
        self.boxed(filter)?;
        match over {
            None | Some(WindowType::NamedWindow(_)) => {}
            Some(WindowType::WindowSpec(spec)) => self.window_spec(spec)?,
        }
        Ok(())
    }
}

/// A `WITH` table's name: plain, and unable to shadow a collection's table.
fn cte_name(alias: &TableAlias) -> Result<String, String> {
    table_alias(alias)?;
    let name = &alias.name;
    let lower = name.value.to_ascii_lowercase();
    if name.quote_style.is_some()
        || !is_plain_word(&name.value)
        || marker(&name.value).is_some()
        || lower.starts_with("col_")
    {
        return Err(format!(
            "'{name}' cannot name a WITH table (use a plain name that does not start with col_)"
        ));
    }
    Ok(lower)
}

fn table_alias(alias: &TableAlias) -> Checked {
    let TableAlias {
        explicit: _,
        name: _,
        columns,
        at,
    } = alias;
    let typed = columns
        .iter()
        .any(|TableAliasColumnDef { name: _, data_type }| data_type.is_some());
    if at.is_some() || typed {
        return Err(not_allowed(alias));
    }
    Ok(())
}

fn wildcard_options(options: &WildcardAdditionalOptions) -> Checked {
    let WildcardAdditionalOptions {
        wildcard_token: _,
        opt_ilike,
        opt_exclude,
        opt_except,
        opt_replace,
        opt_rename,
        opt_alias,
    } = options;
    if opt_ilike.is_some()
        || opt_exclude.is_some()
        || opt_except.is_some()
        || opt_replace.is_some()
        || opt_rename.is_some()
        || opt_alias.is_some()
    {
        return Err(not_allowed(options));
    }
    Ok(())
}

fn literal(value: &Value) -> Checked {
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

fn binary_operator(op: &BinaryOperator) -> Checked {
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
fn plain_type(data_type: &DataType) -> Checked {
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
