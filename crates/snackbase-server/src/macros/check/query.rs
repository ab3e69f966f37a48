//! The walk over queries: statements, set operations, `SELECT`, `FROM`.

use super::*;

impl Walk {
    pub(super) fn query(&mut self, query: &mut Query) -> Checked {
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

    pub(super) fn set_expr(&mut self, body: &mut SetExpr) -> Checked {
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

    pub(super) fn select(&mut self, select: &mut Select) -> Checked {
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

    pub(super) fn select_item(&mut self, item: &mut SelectItem) -> Checked {
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

    pub(super) fn table_with_joins(&mut self, table: &mut TableWithJoins) -> Checked {
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

    pub(super) fn table_factor(&mut self, factor: &mut TableFactor) -> Checked {
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
}

/// A `WITH` table's name: plain, and unable to shadow a collection's table.
pub(super) fn cte_name(alias: &TableAlias) -> Result<String, String> {
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

pub(super) fn table_alias(alias: &TableAlias) -> Checked {
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

pub(super) fn wildcard_options(options: &WildcardAdditionalOptions) -> Checked {
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
