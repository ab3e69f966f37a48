//! Syntax errors: what went wrong, where, and what was expected there.

use std::fmt;

use crate::lexer::TokenKind;

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
            ParseErrorKind::UnexpectedCharacter { suggestion, .. }
            | ParseErrorKind::UnknownOperator { suggestion, .. } => {
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
    /// A lone `&` or `|`.
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
    /// An operator of another language: `<>`, `LIKE`, `NOT LIKE`.
    #[error("Unknown operator '{found}'. Did you mean '{suggestion}'?")]
    UnknownOperator {
        /// The operator found.
        found: String,
        /// The operator probably meant.
        suggestion: &'static str,
    },
    /// A weekday and a month name not followed by the rest of a JavaScript
    /// date text.
    #[error(
        "Invalid date '{0}'; expected a JavaScript date such as Thu Jan 01 1970 00:00:00 GMT+0000"
    )]
    InvalidDate(String),
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
    /// The source exceeds [`MAX_SOURCE_CHARS`](crate::MAX_SOURCE_CHARS).
    #[error("Expression is too long (more than {max} characters)")]
    TooLong {
        /// The limit.
        max: usize,
    },
    /// The nesting exceeds [`MAX_NESTING_DEPTH`](crate::MAX_NESTING_DEPTH).
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
    /// Some specific text, e.g. `&&` or `~`.
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
