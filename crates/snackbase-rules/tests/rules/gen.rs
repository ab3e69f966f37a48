//! Generators: a fixed schema with fields of every type, random records and
//! identities, and random well-typed expressions over them.

use proptest::prelude::*;
use proptest::test_runner::Config;
use serde_json::json;
use snackbase_rules::{
    CompareOp, Context, Expr, ExprKind, FieldType, Literal, MacroError, ParamBinder, Path, Schema,
    Span, SqlContext, SqlParam, Value,
};

/// The proptest configuration of this suite: no regression files in the
/// source tree, and a case count that keeps the suite fast.
pub fn config(cases: u32) -> Config {
    Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    }
}

pub fn schema() -> Schema {
    Schema::from_fields([
        ("t1", FieldType::Text),
        ("t2", FieldType::Text),
        ("s1", FieldType::Select { multiple: false }),
        ("r1", FieldType::Reference),
        ("n1", FieldType::Number),
        ("n2", FieldType::Number),
        ("b1", FieldType::Boolean),
        ("d1", FieldType::Datetime),
        ("j1", FieldType::Json),
        ("m1", FieldType::Select { multiple: true }),
        // Also a column name of SQLite's json_each: needs the table alias.
        ("value", FieldType::Select { multiple: true }),
    ])
    .expect("valid schema")
}

const TEXTS: [&str; 21] = [
    "",
    "a",
    "A",
    "AB",
    "É",
    "a\\b",
    "ab",
    "abc",
    "b",
    "ba",
    "é",
    "a'b",
    "%",
    "_",
    "a%",
    "x\"y",
    "2024-01-01",
    " a",
    "aé",
    "u1",
    "g1",
];

const USERS: [&str; 3] = ["u1", "u2", "u3"];

/// Datetimes as a client may write them, with their canonical form.
pub const DATETIMES: [(&str, &str); 8] = [
    ("2024-01-01T01:00:00+01:00", "2024-01-01T00:00:00.000000Z"),
    ("2024-01-01", "2024-01-01T00:00:00.000000Z"),
    ("2024-01-01T00:00:00.000001Z", "2024-01-01T00:00:00.000001Z"),
    ("2023-12-31T23:59:59.999999Z", "2023-12-31T23:59:59.999999Z"),
    ("2024-06-15T14:30:00+02:00", "2024-06-15T12:30:00.000000Z"),
    ("2024-06-15 12:30:00", "2024-06-15T12:30:00.000000Z"),
    ("0001-01-01T00:00:00Z", "0001-01-01T00:00:00.000000Z"),
    ("9999-12-31T23:59:59.999999Z", "9999-12-31T23:59:59.999999Z"),
];

/// The instants of [`DATETIMES`] as JavaScript's `Date.prototype.toString`
/// writes them in some time zone, where that has no fraction of a second.
pub const JS_DATES: [Option<&str>; 8] = [
    Some("Mon Jan 01 2024 01:00:00 GMT+0100 (Central European Standard Time)"),
    Some("Mon Jan 01 2024 00:00:00 GMT+0000 (Coordinated Universal Time)"),
    None,
    None,
    Some("Sat Jun 15 2024 14:30:00 GMT+0200 (Central European Summer Time)"),
    Some("Sat Jun 15 2024 07:30:00 GMT-0500"),
    Some("Mon Jan 01 0001 00:00:00 GMT+0000 (Coordinated Universal Time)"),
    None,
];

const NUMBERS: [f64; 9] = [-2.5, -1.0, -0.0, 0.0, 1.0, 2.0, 2.5, 1e15, 0.1];

/// One stored record. Datetimes are indexes into [`DATETIMES`].
#[derive(Debug, Clone)]
pub struct Record {
    pub id: String,
    pub created_by: String,
    pub updated_by: String,
    pub created_at: usize,
    pub updated_at: usize,
    pub texts: [Option<String>; 4],
    pub numbers: [Option<f64>; 2],
    pub b1: Option<bool>,
    pub d1: Option<usize>,
    pub j1: Option<serde_json::Value>,
    pub lists: [Option<Vec<String>>; 2],
}

fn text() -> impl Strategy<Value = String> {
    prop::sample::select(&TEXTS[..]).prop_map(str::to_owned)
}

fn opt<T: std::fmt::Debug + Clone>(
    s: impl Strategy<Value = T>,
) -> impl Strategy<Value = Option<T>> {
    prop_oneof![1 => Just(None), 3 => s.prop_map(Some)]
}

fn json_value() -> impl Strategy<Value = serde_json::Value> {
    prop::sample::select(vec![
        json!({"a": 1}),
        json!([1, 2]),
        json!("x"),
        json!(0),
        json!({}),
        json!([]),
    ])
}

fn record(index: usize) -> impl Strategy<Value = Record> {
    let dt = || 0..DATETIMES.len();
    let user = || prop::sample::select(&USERS[..]).prop_map(str::to_owned);
    let list = || opt(prop::collection::vec(text(), 0..3));
    (
        (user(), user(), dt(), dt()),
        [opt(text()), opt(text()), opt(text()), opt(text())],
        [
            opt(prop::sample::select(&NUMBERS[..])),
            opt(prop::sample::select(&NUMBERS[..])),
        ],
        (
            opt(any::<bool>()),
            opt(dt()),
            opt(json_value()),
            [list(), list()],
        ),
    )
        .prop_map(
            move |(
                (created_by, updated_by, created_at, updated_at),
                texts,
                numbers,
                (b1, d1, j1, lists),
            )| Record {
                id: format!("r{index}"),
                created_by,
                updated_by,
                created_at,
                updated_at,
                texts,
                numbers,
                b1,
                d1,
                j1,
                lists,
            },
        )
}

pub fn records() -> impl Strategy<Value = Vec<Record>> {
    (
        record(0),
        record(1),
        record(2),
        record(3),
        record(4),
        record(5),
    )
        .prop_map(|(a, b, c, d, e, f)| vec![a, b, c, d, e, f])
}

/// The caller of a rule.
#[derive(Debug, Clone)]
pub struct Identity {
    pub id: Option<String>,
    pub role: Option<String>,
    pub groups: Vec<String>,
    pub hour: u8,
}

pub fn identity() -> impl Strategy<Value = Identity> {
    (
        opt(prop::sample::select(vec!["u1", "u2", "u9"]).prop_map(str::to_owned)),
        opt(prop::sample::select(vec!["admin", "editor", "a"]).prop_map(str::to_owned)),
        prop::sample::subsequence(
            vec!["g1".to_owned(), "g2".to_owned(), "a".to_owned()],
            0..=3,
        ),
        0u8..24,
    )
        .prop_map(|(id, role, groups, hour)| Identity {
            id,
            role,
            groups,
            hour,
        })
}

impl Identity {
    fn value(&self, path: &[&str]) -> Value {
        let text = |s: &Option<String>| s.clone().map_or(Value::Null, Value::Text);
        match path {
            ["user", "id"] => text(&self.id),
            ["user", "role"] => text(&self.role),
            ["user", "email"] => Value::Text("u@example.com".into()),
            ["user", "account_id"] | ["account", "id"] => Value::Text("acc".into()),
            ["account", "slug"] => Value::Text("acme".into()),
            ["user", "groups"] => {
                Value::List(self.groups.iter().cloned().map(Value::Text).collect())
            }
            _ => Value::Null,
        }
    }
}

/// What the evaluator sees: one record (datetimes as clients wrote them,
/// integral numbers sometimes as integers) plus the identity.
pub struct EvalCtx<'a> {
    pub record: &'a Record,
    pub identity: &'a Identity,
}

impl Record {
    pub fn field(&self, name: &str) -> Value {
        let text = |s: &Option<String>| s.clone().map_or(Value::Null, Value::Text);
        let number = |n: Option<f64>| match n {
            Some(n) if n.fract() == 0.0 && n.abs() < 1e9 => Value::Int(n as i64),
            Some(n) => Value::Float(n),
            None => Value::Null,
        };
        let list = |l: &Option<Vec<String>>| {
            l.as_ref().map_or(Value::Null, |items| {
                Value::List(items.iter().cloned().map(Value::Text).collect())
            })
        };
        match name {
            "id" => Value::Text(self.id.clone()),
            "account_id" => Value::Text("acc".into()),
            "created_by" => Value::Text(self.created_by.clone()),
            "updated_by" => Value::Text(self.updated_by.clone()),
            "created_at" => Value::Text(DATETIMES[self.created_at].0.into()),
            "updated_at" => Value::Text(DATETIMES[self.updated_at].0.into()),
            "t1" => text(&self.texts[0]),
            "t2" => text(&self.texts[1]),
            "s1" => text(&self.texts[2]),
            "r1" => text(&self.texts[3]),
            "n1" => number(self.numbers[0]),
            "n2" => number(self.numbers[1]),
            "b1" => self.b1.map_or(Value::Null, Value::Bool),
            "d1" => self
                .d1
                .map_or(Value::Null, |i| Value::Text(DATETIMES[i].0.into())),
            "j1" => self.j1.as_ref().map_or(Value::Null, Value::from_json),
            "m1" => list(&self.lists[0]),
            "value" => list(&self.lists[1]),
            _ => Value::Null,
        }
    }
}

impl Context for EvalCtx<'_> {
    fn resolve(&self, path: &[&str]) -> Value {
        match path {
            ["record", field] => self.record.field(field),
            _ => self.identity.value(path),
        }
    }

    fn now_hour_utc(&self) -> u8 {
        self.identity.hour
    }

    fn call_sql_macro(&self, name: &str, args: &[Value]) -> Result<Value, MacroError> {
        match (name, args) {
            ("twice", [Value::Int(i)]) => Ok(Value::Float(*i as f64 * 2.0)),
            ("twice", [Value::Float(f)]) => Ok(Value::Float(f * 2.0)),
            ("twice", [_]) => Ok(Value::Null),
            _ => Err(MacroError::new("unknown macro")),
        }
    }
}

/// What the compiler sees: the identity, and the table alias `t`.
pub struct SqlCtx<'a>(pub &'a Identity);

impl SqlContext for SqlCtx<'_> {
    fn resolve(&self, path: &[&str]) -> Value {
        self.0.value(path)
    }

    fn now_hour_utc(&self) -> u8 {
        self.0.hour
    }

    fn table_alias(&self) -> Option<&str> {
        Some("t")
    }

    fn sql_macro(
        &self,
        name: &str,
        args: &[String],
        params: &mut ParamBinder,
    ) -> Result<String, MacroError> {
        match (name, args) {
            ("twice", [x]) => {
                let two = params.bind(SqlParam::Float(2.0));
                Ok(format!("{x} * {two}"))
            }
            _ => Err(MacroError::new("unknown macro")),
        }
    }
}

// ---- expressions -------------------------------------------------------

fn node(kind: ExprKind) -> Expr {
    Expr::new(kind, Span::default())
}

pub fn path(dotted: &str) -> Expr {
    node(ExprKind::Path(Path::new(dotted.split('.'))))
}

fn lit(l: Literal) -> Expr {
    node(ExprKind::Literal(l))
}

fn cmp(op: CompareOp, lhs: Expr, rhs: Expr) -> Expr {
    node(ExprKind::Compare {
        op,
        lhs: Box::new(lhs),
        rhs: Box::new(rhs),
    })
}

fn call(name: &str, args: Vec<Expr>) -> Expr {
    node(ExprKind::Call {
        name: name.into(),
        args,
    })
}

fn mac(name: &str, args: Vec<Expr>) -> Expr {
    node(ExprKind::Macro {
        name: name.into(),
        args,
    })
}

fn field(names: &'static [&'static str]) -> impl Strategy<Value = Expr> + Clone {
    prop::sample::select(names).prop_map(|n| path(&format!("record.{n}")))
}

fn text_operand() -> BoxedStrategy<Expr> {
    prop_oneof![
        4 => field(&["t1", "t2", "s1", "r1", "id", "created_by"]),
        3 => text().prop_map(|s| lit(Literal::Text(s))),
        2 => prop::sample::select(vec!["user.id", "user.role", "account.slug"]).prop_map(path),
    ]
    .boxed()
}

fn number_operand() -> BoxedStrategy<Expr> {
    let literal = prop_oneof![
        prop::sample::select(vec![-3i64, -1, 0, 1, 2, 3, 1_000_000_000_000_000])
            .prop_map(|i| lit(Literal::Int(i))),
        prop::sample::select(&NUMBERS[..]).prop_map(|f| lit(Literal::Float(f))),
    ];
    let field = field(&["n1", "n2"]);
    prop_oneof![
        4 => field.clone(),
        3 => literal,
        1 => field.clone().prop_map(|e| node(ExprKind::Neg(Box::new(e)))),
        1 => field.prop_map(|e| mac("twice", vec![e])),
    ]
    .boxed()
}

fn datetime_operand() -> BoxedStrategy<Expr> {
    prop_oneof![
        3 => field(&["d1", "created_at", "updated_at"]),
        2 => prop::sample::select(&DATETIMES[..]).prop_map(|(text, _)| lit(Literal::Text(text.into()))),
    ]
    .boxed()
}

fn bool_operand() -> BoxedStrategy<Expr> {
    prop_oneof![
        field(&["b1"]),
        any::<bool>().prop_map(|b| lit(Literal::Bool(b)))
    ]
    .boxed()
}

fn null() -> Expr {
    lit(Literal::Null)
}

/// A list literal of operands of one type, sometimes with `null`.
fn list_of(operand: BoxedStrategy<Expr>) -> impl Strategy<Value = Expr> {
    (prop::collection::vec(operand, 0..4), any::<bool>()).prop_map(|(mut items, with_null)| {
        if with_null {
            items.push(null());
        }
        node(ExprKind::List(items))
    })
}

fn comparison_op() -> impl Strategy<Value = CompareOp> {
    prop::sample::select(vec![
        CompareOp::Eq,
        CompareOp::Ne,
        CompareOp::Lt,
        CompareOp::Le,
        CompareOp::Gt,
        CompareOp::Ge,
    ])
}

fn equality_op() -> impl Strategy<Value = CompareOp> {
    prop::sample::select(vec![CompareOp::Eq, CompareOp::Ne])
}

fn membership_op() -> impl Strategy<Value = CompareOp> {
    prop::sample::select(vec![CompareOp::In, CompareOp::NotIn])
}

fn like_op() -> impl Strategy<Value = CompareOp> {
    prop::sample::select(vec![CompareOp::Like, CompareOp::NotLike])
}

/// Conditions that do not nest other conditions.
fn leaf() -> BoxedStrategy<Expr> {
    let ordered = |operand: fn() -> BoxedStrategy<Expr>| {
        (comparison_op(), operand(), operand()).prop_map(|(op, l, r)| cmp(op, l, r))
    };
    let nullable = prop::sample::select(vec![
        "record.t1",
        "record.n1",
        "record.b1",
        "record.d1",
        "record.j1",
        "record.m1",
        "record.value",
        "user.id",
        "user.groups",
    ]);
    prop_oneof![
        ordered(text_operand),
        ordered(number_operand),
        ordered(datetime_operand),
        (equality_op(), bool_operand(), bool_operand()).prop_map(|(op, l, r)| cmp(op, l, r)),
        (equality_op(), nullable, any::<bool>()).prop_map(|(op, p, flip)| if flip {
            cmp(op, null(), path(p))
        } else {
            cmp(op, path(p), null())
        }),
        (membership_op(), text_operand(), list_of(text_operand()))
            .prop_map(|(op, l, r)| cmp(op, l, r)),
        (membership_op(), number_operand(), list_of(number_operand()))
            .prop_map(|(op, l, r)| cmp(op, l, r)),
        (
            membership_op(),
            datetime_operand(),
            list_of(datetime_operand())
        )
            .prop_map(|(op, l, r)| cmp(op, l, r)),
        (membership_op(), text_operand(), text_operand()).prop_map(|(op, l, r)| cmp(op, l, r)),
        (
            like_op(),
            prop_oneof![4 => text_operand(), 1 => Just(null())],
            prop_oneof![4 => text_operand(), 1 => Just(null())]
        )
            .prop_map(|(op, l, r)| cmp(op, l, r)),
        (
            membership_op(),
            text_operand(),
            prop::sample::select(vec!["record.m1", "record.value", "user.groups"])
        )
            .prop_map(|(op, l, r)| cmp(op, l, path(r))),
        (text_operand(), list_of(text_operand())).prop_map(|(i, c)| call("contains", vec![c, i])),
        (text_operand(), field(&["m1", "value"])).prop_map(|(i, c)| call("contains", vec![c, i])),
        (
            prop::sample::select(vec!["starts_with", "ends_with"]),
            text_operand(),
            text_operand()
        )
            .prop_map(|(f, a, b)| call(f, vec![a, b])),
        field(&["t1", "n1", "b1", "d1", "m1", "value", "s1"]),
        prop::sample::select(vec!["owns_record", "is_creator"]).prop_map(|m| mac(m, vec![])),
        (
            prop::sample::select(vec!["has_role", "has_group"]),
            prop::sample::select(vec!["admin", "g1", "a", "x"])
        )
            .prop_map(|(m, arg)| mac(m, vec![lit(Literal::Text(arg.into()))])),
        (0i64..25, 0i64..25).prop_map(|(a, b)| mac(
            "in_time_range",
            vec![lit(Literal::Int(a)), lit(Literal::Int(b))]
        )),
    ]
    .boxed()
}

/// Well-typed boolean expressions of rules over [`schema`].
pub fn condition() -> impl Strategy<Value = Expr> {
    leaf().prop_recursive(4, 24, 4, |inner| {
        prop_oneof![
            inner.clone().prop_map(|e| node(ExprKind::Not(Box::new(e)))),
            prop::collection::vec(inner.clone(), 2..4).prop_map(|items| node(ExprKind::And(items))),
            prop::collection::vec(inner.clone(), 2..4).prop_map(|items| node(ExprKind::Or(items))),
            // Conditions may be truthy fields of any type; `not` makes them booleans.
            (equality_op(), inner.clone(), inner.clone()).prop_map(|(op, l, r)| cmp(
                op,
                negate(l),
                negate(r)
            )),
            (
                membership_op(),
                inner.clone(),
                prop::collection::vec(inner, 0..3)
            )
                .prop_map(|(op, l, items)| {
                    cmp(
                        op,
                        negate(l),
                        node(ExprKind::List(items.into_iter().map(negate).collect())),
                    )
                }),
        ]
    })
}

fn negate(e: Expr) -> Expr {
    node(ExprKind::Not(Box::new(e)))
}

/// Trees of every shape, well-typed or not: any literal, known and unknown
/// names, functions and macros, with any arity.
pub fn arbitrary_tree() -> impl Strategy<Value = Expr> {
    let literal = prop_oneof![
        Just(Literal::Null),
        any::<bool>().prop_map(Literal::Bool),
        any::<i64>().prop_map(Literal::Int),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Literal::Float),
        any::<String>().prop_map(Literal::Text),
        text().prop_map(Literal::Text),
    ];
    let name = prop::sample::select(vec![
        "record.t1",
        "record.n1",
        "record.b1",
        "record.d1",
        "record.j1",
        "record.m1",
        "record.value",
        "record.nope",
        "record",
        "record.t1.x",
        "user.id",
        "user.groups",
        "user.nope",
        "account.slug",
        "t1",
        "n1",
        "value",
        "nope",
    ]);
    let leaf = prop_oneof![literal.prop_map(lit), name.prop_map(path)];
    let function = prop::sample::select(vec!["contains", "starts_with", "ends_with", "lower"]);
    let macro_name = prop::sample::select(vec![
        "has_role",
        "has_group",
        "owns_record",
        "is_creator",
        "in_time_range",
        "twice",
        "nope",
    ]);
    let op = prop::sample::select(vec![
        CompareOp::Eq,
        CompareOp::Ne,
        CompareOp::Lt,
        CompareOp::Le,
        CompareOp::Gt,
        CompareOp::Ge,
        CompareOp::In,
        CompareOp::NotIn,
        CompareOp::Like,
        CompareOp::NotLike,
    ]);
    leaf.prop_recursive(5, 40, 4, move |inner| {
        let items = || prop::collection::vec(inner.clone(), 0..4);
        prop_oneof![
            items().prop_map(|items| node(ExprKind::List(items))),
            inner.clone().prop_map(|e| node(ExprKind::Not(Box::new(e)))),
            inner.clone().prop_map(|e| node(ExprKind::Neg(Box::new(e)))),
            prop::collection::vec(inner.clone(), 2..4).prop_map(|items| node(ExprKind::And(items))),
            prop::collection::vec(inner.clone(), 2..4).prop_map(|items| node(ExprKind::Or(items))),
            (op.clone(), inner.clone(), inner.clone()).prop_map(|(op, l, r)| cmp(op, l, r)),
            (function.clone(), items()).prop_map(|(f, args)| call(f, args)),
            (macro_name.clone(), items()).prop_map(|(m, args)| mac(m, args)),
        ]
    })
}
