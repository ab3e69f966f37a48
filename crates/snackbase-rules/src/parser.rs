//! The recursive-descent parser, depth-limited so hostile input cannot exhaust
//! the stack. The grammar is in the crate documentation.

mod error;

use crate::ast::{CompareOp, Expr, ExprKind, Literal, Path, Span};
use crate::lexer::{tokenize, Token, TokenKind};

pub use error::{Expected, ParseError, ParseErrorKind};

/// The longest accepted source, in characters.
pub const MAX_SOURCE_CHARS: usize = 4096;

/// The deepest accepted nesting: each `(`, `[`, call or macro argument list,
/// `not`/`!` and unary `-` opens one level.
pub const MAX_NESTING_DEPTH: usize = 64;

/// Parses a rule or filter into an [`Expr`].
pub fn parse(source: &str) -> Result<Expr, ParseError> {
    let chars: Vec<char> = source.chars().take(MAX_SOURCE_CHARS + 1).collect();
    if chars.len() > MAX_SOURCE_CHARS {
        return Err(ParseError::new(
            MAX_SOURCE_CHARS,
            ParseErrorKind::TooLong {
                max: MAX_SOURCE_CHARS,
            },
        ));
    }
    let tokens = tokenize(&chars)?;
    let mut parser = Parser {
        tokens,
        pos: 0,
        depth: 0,
    };
    let expr = parser.or_expr()?;
    let next = parser.peek();
    if next.kind != TokenKind::Eof {
        return Err(ParseError::new(
            next.span.start,
            ParseErrorKind::TrailingInput,
        ));
    }
    Ok(expr)
}

/// A comparison operator, as the parser finds it.
enum Operator {
    /// A binary operator written as `len` tokens (`not in` is two).
    Binary(CompareOp, usize),
    /// `is [not] null`.
    IsNull,
}

/// Whether `token` is a name spelling `word` in any case (never a dotted
/// name: `a.is` is a name).
fn is_word(token: &Token, word: &str) -> bool {
    token.kind == TokenKind::Identifier && token.text.eq_ignore_ascii_case(word)
}

/// Whether a token of `kind` can start an operand.
fn starts_operand(kind: TokenKind) -> bool {
    matches!(
        kind,
        TokenKind::Integer
            | TokenKind::Float
            | TokenKind::String
            | TokenKind::Boolean
            | TokenKind::Null
            | TokenKind::Date
            | TokenKind::Identifier
            | TokenKind::Macro
            | TokenKind::Not
            | TokenKind::Minus
            | TokenKind::LParen
            | TokenKind::LBracket
    )
}

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
    depth: usize,
}

type PResult<T> = Result<T, ParseError>;

impl Parser {
    fn peek(&self) -> &Token {
        // The token list always ends with EOF and `pos` never passes it.
        &self.tokens[self.pos.min(self.tokens.len() - 1)]
    }

    fn peek_kind_at(&self, offset: usize) -> TokenKind {
        self.tokens
            .get(self.pos + offset)
            .map_or(TokenKind::Eof, |t| t.kind)
    }

    fn advance(&mut self) -> Token {
        let token = self.peek().clone();
        if token.kind != TokenKind::Eof {
            self.pos += 1;
        }
        token
    }

    fn expect(&mut self, kind: TokenKind) -> PResult<Token> {
        let token = self.peek();
        if token.kind == kind {
            Ok(self.advance())
        } else {
            Err(ParseError::new(
                token.span.start,
                ParseErrorKind::ExpectedToken {
                    expected: kind,
                    found: token.kind,
                },
            ))
        }
    }

    fn enter(&mut self, position: usize) -> PResult<()> {
        self.depth += 1;
        if self.depth > MAX_NESTING_DEPTH {
            return Err(ParseError::new(
                position,
                ParseErrorKind::TooDeep {
                    max: MAX_NESTING_DEPTH,
                },
            ));
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    // The functions below recurse only through `(`, `[` and argument lists,
    // and keep their frames small; prefix chains (`not not x`, `--x`) and
    // operator chains are loops. This keeps the deepest accepted input well
    // within a thread's stack, even in debug builds.

    /// `and_expr { "or" and_expr }`, with `and_expr` inlined as a loop.
    fn or_expr(&mut self) -> PResult<Expr> {
        let mut alternatives = Vec::new();
        loop {
            let mut conjuncts = vec![self.not_expr()?];
            while self.at(TokenKind::And, "and") {
                self.advance();
                conjuncts.push(self.not_expr()?);
            }
            alternatives.push(junction(conjuncts, ExprKind::And));
            if !self.at(TokenKind::Or, "or") {
                return Ok(junction(alternatives, ExprKind::Or));
            }
            self.advance();
        }
    }

    /// `{ "not" } comparison`.
    fn not_expr(&mut self) -> PResult<Expr> {
        let mut nots = Vec::new();
        while self.at_prefix_not() {
            let span = self.advance().span;
            self.enter(span.start)?;
            nots.push(span);
        }
        let mut expr = self.comparison()?;
        while let Some(span) = nots.pop() {
            self.leave();
            let span = span.to(expr.span);
            expr = Expr::new(ExprKind::Not(Box::new(expr)), span);
        }
        Ok(expr)
    }

    /// Whether the next token is `kind`, or a name spelling `word` in any
    /// case. Only for operator positions, where a name cannot stand: there
    /// `AND`, `Or`, `IN`, `NOT`, `IS` are operators, and elsewhere names.
    fn at(&self, kind: TokenKind, word: &str) -> bool {
        let token = self.peek();
        token.kind == kind || is_word(token, word)
    }

    /// Whether the next token is a prefix `not`: `not`, `!`, or `NOT` in
    /// any case before something that starts an operand (`NOT (a = 1)`;
    /// a field named `NOT` stays usable: `NOT == 1`).
    fn at_prefix_not(&self) -> bool {
        let token = self.peek();
        token.kind == TokenKind::Not
            || (is_word(token, "not") && starts_operand(self.peek_kind_at(1)))
    }

    fn is_word_at(&self, offset: usize, word: &str) -> bool {
        self.tokens
            .get(self.pos + offset)
            .is_some_and(|token| is_word(token, word))
    }

    /// The comparison operator at the next token, if any. An operator of
    /// another language (`<>` aside, which the lexer reports) is an error
    /// with a suggestion.
    fn operator(&self) -> PResult<Option<Operator>> {
        let not_at = |offset: usize| {
            self.peek_kind_at(offset) == TokenKind::Not || self.is_word_at(offset, "not")
        };
        let in_at = |offset: usize| {
            self.peek_kind_at(offset) == TokenKind::In || self.is_word_at(offset, "in")
        };
        let op = match self.peek().kind {
            TokenKind::Eq => CompareOp::Eq,
            TokenKind::Neq => CompareOp::Ne,
            TokenKind::Lt => CompareOp::Lt,
            TokenKind::Lte => CompareOp::Le,
            TokenKind::Gt => CompareOp::Gt,
            TokenKind::Gte => CompareOp::Ge,
            TokenKind::Tilde => CompareOp::Like,
            TokenKind::NotTilde => CompareOp::NotLike,
            _ if in_at(0) => CompareOp::In,
            _ if not_at(0) && in_at(1) => return Ok(Some(Operator::Binary(CompareOp::NotIn, 2))),
            _ if self.is_word_at(0, "is") => return Ok(Some(Operator::IsNull)),
            _ => {
                let like = |offset: usize| {
                    self.is_word_at(offset, "like") || self.is_word_at(offset, "ilike")
                };
                let (found, suggestion) = if like(0) {
                    (self.peek().text.clone(), "~")
                } else if not_at(0) && like(1) {
                    (format!("NOT {}", self.tokens[self.pos + 1].text), "!~")
                } else {
                    return Ok(None);
                };
                return Err(ParseError::new(
                    self.peek().span.start,
                    ParseErrorKind::UnknownOperator { found, suggestion },
                ));
            }
        };
        Ok(Some(Operator::Binary(op, 1)))
    }

    fn comparison(&mut self) -> PResult<Expr> {
        let lhs = self.unary()?;
        let Some(operator) = self.operator()? else {
            return Ok(lhs);
        };
        let (op, rhs) = match operator {
            Operator::IsNull => self.is_null()?,
            Operator::Binary(op, len) => {
                for _ in 0..len {
                    self.advance();
                }
                let in_list = matches!(op, CompareOp::In | CompareOp::NotIn)
                    && self.peek().kind == TokenKind::LParen;
                let rhs = if in_list {
                    let open = self.advance().span;
                    self.in_list(open)?
                } else {
                    self.unary()?
                };
                (op, rhs)
            }
        };
        if self.operator()?.is_some() {
            return Err(ParseError::new(
                self.peek().span.start,
                ParseErrorKind::ChainedComparison,
            ));
        }
        let span = lhs.span.to(rhs.span);
        Ok(Expr::new(
            ExprKind::Compare {
                op,
                lhs: Box::new(lhs),
                rhs: Box::new(rhs),
            },
            span,
        ))
    }

    /// `is [not] null` (any case), which is `== null` (`!= null`).
    fn is_null(&mut self) -> PResult<(CompareOp, Expr)> {
        self.advance();
        let token = self.peek();
        let negated = token.kind == TokenKind::Not || is_word(token, "not");
        if negated {
            self.advance();
        }
        let token = self.peek();
        if token.kind != TokenKind::Null && !is_word(token, "null") {
            return Err(ParseError::new(
                token.span.start,
                ParseErrorKind::ExpectedToken {
                    expected: TokenKind::Null,
                    found: token.kind,
                },
            ));
        }
        let null = self.advance().span;
        let op = if negated {
            CompareOp::Ne
        } else {
            CompareOp::Eq
        };
        Ok((op, Expr::new(ExprKind::Literal(Literal::Null), null)))
    }

    /// What follows `in (` / `not in (`: a list (`IN ('a', 'b')`) when the
    /// parentheses are empty, hold a comma or hold one literal; otherwise
    /// they group one operand, as anywhere else (`x in (record.tags)`).
    fn in_list(&mut self, open: Span) -> PResult<Expr> {
        self.enter(open.start)?;
        let mut items = self.items(TokenKind::RParen)?;
        let close = self.expect(TokenKind::RParen)?.span;
        self.leave();
        if let [item] = items.as_slice() {
            if !matches!(item.kind, ExprKind::Literal(_)) {
                return Ok(items.remove(0));
            }
        }
        Ok(Expr::new(ExprKind::List(items), open.to(close)))
    }

    /// `{ "-" } primary`; a `-` right before a number makes a negative literal.
    fn unary(&mut self) -> PResult<Expr> {
        let mut minuses = Vec::new();
        let mut literal = None;
        while self.peek().kind == TokenKind::Minus {
            let minus = self.advance().span;
            if matches!(self.peek().kind, TokenKind::Integer | TokenKind::Float) {
                let token = self.advance();
                let value = number_literal(&token, true)?;
                literal = Some(Expr::new(ExprKind::Literal(value), minus.to(token.span)));
                break;
            }
            self.enter(minus.start)?;
            minuses.push(minus);
        }
        let mut expr = match literal {
            Some(literal) => literal,
            None => self.primary()?,
        };
        while let Some(span) = minuses.pop() {
            self.leave();
            let span = span.to(expr.span);
            expr = Expr::new(ExprKind::Neg(Box::new(expr)), span);
        }
        Ok(expr)
    }

    fn primary(&mut self) -> PResult<Expr> {
        let token = self.advance();
        match token.kind {
            TokenKind::LParen => self.parenthesised(token.span),
            TokenKind::LBracket => self.list(token.span),
            TokenKind::Identifier if self.peek().kind == TokenKind::LParen => self.call(token),
            TokenKind::Macro => self.call(token),
            _ => atom(token),
        }
    }

    fn parenthesised(&mut self, open: Span) -> PResult<Expr> {
        self.enter(open.start)?;
        let inner = self.or_expr()?;
        self.expect(TokenKind::RParen)?;
        self.leave();
        Ok(inner)
    }

    fn list(&mut self, open: Span) -> PResult<Expr> {
        self.enter(open.start)?;
        let items = self.items(TokenKind::RBracket)?;
        let close = self.expect(TokenKind::RBracket)?.span;
        self.leave();
        Ok(Expr::new(ExprKind::List(items), open.to(close)))
    }

    /// A function call (`token` is its name) or a macro call (`token` is
    /// the macro): `( [expr {, expr}] )`.
    fn call(&mut self, token: Token) -> PResult<Expr> {
        let open = self.expect(TokenKind::LParen)?.span;
        self.enter(open.start)?;
        let args = self.items(TokenKind::RParen)?;
        let close = self.expect(TokenKind::RParen)?.span;
        self.leave();
        let name = token.text;
        let kind = if token.kind == TokenKind::Macro {
            ExprKind::Macro { name, args }
        } else {
            ExprKind::Call { name, args }
        };
        Ok(Expr::new(kind, token.span.to(close)))
    }

    /// A comma-separated, possibly empty list of expressions before `close`.
    fn items(&mut self, close: TokenKind) -> PResult<Vec<Expr>> {
        let mut items = Vec::new();
        if self.peek().kind == close {
            return Ok(items);
        }
        loop {
            items.push(self.or_expr()?);
            if self.peek().kind != TokenKind::Comma {
                return Ok(items);
            }
            self.advance();
        }
    }
}

/// `items` joined by `build` (`And`/`Or`), or the only item.
fn junction(mut items: Vec<Expr>, build: fn(Vec<Expr>) -> ExprKind) -> Expr {
    if items.len() == 1 {
        if let Some(only) = items.pop() {
            return only;
        }
    }
    let span = match (items.first(), items.last()) {
        (Some(first), Some(last)) => first.span.to(last.span),
        _ => Span::default(),
    };
    Expr::new(build(items), span)
}

/// A literal or a name.
fn atom(token: Token) -> PResult<Expr> {
    let span = token.span;
    let literal = match token.kind {
        TokenKind::Integer | TokenKind::Float => number_literal(&token, false)?,
        TokenKind::String | TokenKind::Date => Literal::Text(token.text),
        TokenKind::Boolean => Literal::Bool(token.text == "true"),
        TokenKind::Null => Literal::Null,
        TokenKind::Identifier => {
            let path = Path::new(token.text.split('.'));
            return Ok(Expr::new(ExprKind::Path(path), span));
        }
        kind => {
            return Err(ParseError::new(
                span.start,
                ParseErrorKind::UnexpectedToken(kind),
            ))
        }
    };
    Ok(Expr::new(ExprKind::Literal(literal), span))
}

fn number_literal(token: &Token, negative: bool) -> PResult<Literal> {
    let text = if negative {
        format!("-{}", token.text)
    } else {
        token.text.clone()
    };
    if token.kind == TokenKind::Integer {
        text.parse::<i64>()
            .map(Literal::Int)
            .map_err(|_| ParseError::new(token.span.start, ParseErrorKind::IntegerOutOfRange))
    } else {
        match text.parse::<f64>() {
            Ok(f) if f.is_finite() => Ok(Literal::Float(f)),
            _ => Err(ParseError::new(
                token.span.start,
                ParseErrorKind::NumberOutOfRange,
            )),
        }
    }
}

#[cfg(test)]
mod tests;
