//! The recursive-descent parser, depth-limited so hostile input cannot exhaust
//! the stack. The grammar is in the crate documentation.

use std::fmt;

use crate::ast::{CompareOp, Expr, ExprKind, Literal, Path, Span};
use crate::lexer::{tokenize, Token, TokenKind};

/// The longest accepted source, in characters.
pub const MAX_SOURCE_CHARS: usize = 4096;

/// The deepest accepted nesting: each `(`, `[`, call or macro argument list,
/// `not`/`!` and unary `-` opens one level.
pub const MAX_NESTING_DEPTH: usize = 64;

/// A syntax error. Its `Display` is `<message> at position <N>`, with `N` a
/// 0-based character offset, e.g. `Unexpected token: EOF at position 10`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{kind} at position {position}")]
pub struct ParseError {
    /// 0-based character offset of the problem.
    pub position: usize,
    /// What went wrong.
    pub kind: ParseErrorKind,
    /// What the parser would have accepted there, when that is known.
    pub expected: Option<Expected>,
}

impl ParseError {
    pub(crate) fn new(position: usize, kind: ParseErrorKind) -> Self {
        let expected = match &kind {
            ParseErrorKind::UnexpectedCharacter { suggestion, .. } => {
                Some(Expected::Text(suggestion))
            }
            ParseErrorKind::ExpectedToken { expected, .. } => Some(Expected::Token(*expected)),
            ParseErrorKind::UnexpectedToken(_) => Some(Expected::Expression),
            ParseErrorKind::TrailingInput => Some(Expected::EndOfInput),
            ParseErrorKind::ExpectedNameAfterDot => Some(Expected::Name),
            _ => None,
        };
        Self {
            position,
            kind,
            expected,
        }
    }
}

/// The kinds of syntax error; each `Display` is the message without position.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseErrorKind {
    /// A lone `=`, `&` or `|`.
    #[error("Unexpected character '{found}'. Did you mean '{suggestion}'?")]
    UnexpectedCharacter {
        /// The character found.
        found: char,
        /// The operator probably meant.
        suggestion: &'static str,
    },
    /// A character that starts no token.
    #[error("Invalid character '{}'", .0.escape_debug())]
    InvalidCharacter(char),
    /// A string literal without its closing quote.
    #[error("Unterminated string literal")]
    UnterminatedString,
    /// A backslash escape other than `\\ \' \" \n \t`.
    #[error("Invalid escape sequence '\\{}'", .0.escape_debug())]
    InvalidEscape(char),
    /// `a.` or `a..b`.
    #[error("Expected a name after '.'")]
    ExpectedNameAfterDot,
    /// A token that cannot start an operand.
    #[error("Unexpected token: {0}")]
    UnexpectedToken(TokenKind),
    /// A specific token was required.
    #[error("Expected {expected}, found {found}")]
    ExpectedToken {
        /// The required token.
        expected: TokenKind,
        /// The token found instead.
        found: TokenKind,
    },
    /// A complete expression followed by more tokens.
    #[error("Unexpected token after expression")]
    TrailingInput,
    /// `a < b < c`.
    #[error("Comparison operators cannot be chained; combine comparisons with 'and'")]
    ChainedComparison,
    /// An integer literal outside `i64`.
    #[error("Integer literal out of range")]
    IntegerOutOfRange,
    /// A decimal literal too large for `f64`.
    #[error("Number literal out of range")]
    NumberOutOfRange,
    /// The source exceeds [`MAX_SOURCE_CHARS`].
    #[error("Expression is too long (more than {max} characters)")]
    TooLong {
        /// The limit.
        max: usize,
    },
    /// The nesting exceeds [`MAX_NESTING_DEPTH`].
    #[error("Expression is nested too deeply (more than {max} levels)")]
    TooDeep {
        /// The limit.
        max: usize,
    },
}

/// What the parser expected where it failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expected {
    /// An operand: a literal, name, call, list or parenthesised expression.
    Expression,
    /// A specific token.
    Token(TokenKind),
    /// The end of the input (or an operator joining what came before).
    EndOfInput,
    /// A name.
    Name,
    /// Some specific text, e.g. `==` or a closing quote.
    Text(&'static str),
}

impl fmt::Display for Expected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expected::Expression => f.write_str("an expression"),
            Expected::Token(kind) => write!(f, "{kind}"),
            Expected::EndOfInput => f.write_str("an operator or the end of the expression"),
            Expected::Name => f.write_str("a name"),
            Expected::Text(text) => write!(f, "'{text}'"),
        }
    }
}

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
            while self.peek().kind == TokenKind::And {
                self.advance();
                conjuncts.push(self.not_expr()?);
            }
            alternatives.push(junction(conjuncts, ExprKind::And));
            if self.peek().kind != TokenKind::Or {
                return Ok(junction(alternatives, ExprKind::Or));
            }
            self.advance();
        }
    }

    /// `{ "not" } comparison`.
    fn not_expr(&mut self) -> PResult<Expr> {
        let mut nots = Vec::new();
        while self.peek().kind == TokenKind::Not {
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

    fn comparison_op(&self) -> Option<(CompareOp, usize)> {
        let op = match self.peek().kind {
            TokenKind::Eq => CompareOp::Eq,
            TokenKind::Neq => CompareOp::Ne,
            TokenKind::Lt => CompareOp::Lt,
            TokenKind::Lte => CompareOp::Le,
            TokenKind::Gt => CompareOp::Gt,
            TokenKind::Gte => CompareOp::Ge,
            TokenKind::In => CompareOp::In,
            TokenKind::Not if self.peek_kind_at(1) == TokenKind::In => {
                return Some((CompareOp::NotIn, 2))
            }
            _ => return None,
        };
        Some((op, 1))
    }

    fn comparison(&mut self) -> PResult<Expr> {
        let lhs = self.unary()?;
        let Some((op, len)) = self.comparison_op() else {
            return Ok(lhs);
        };
        for _ in 0..len {
            self.advance();
        }
        let rhs = self.unary()?;
        if self.comparison_op().is_some() {
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
        TokenKind::String => Literal::Text(token.text),
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
