//! The lexer: source text to tokens with character spans.

use std::fmt;

use crate::ast::Span;
use crate::datetime::{self, JS_DATE_CHARS};
use crate::parser::{ParseError, ParseErrorKind};

/// The kinds of token, named as they appear in error messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenKind {
    /// A number without a decimal point.
    Integer,
    /// A number with a decimal point or an exponent.
    Float,
    /// A quoted string.
    String,
    /// `true` or `false`.
    Boolean,
    /// `null`.
    Null,
    /// A JavaScript date text (`Thu Jan 01 1970 00:00:00 GMT+0000 (…)`),
    /// its text the canonical datetime.
    Date,
    /// A (possibly dotted) name.
    Identifier,
    /// `@name`.
    Macro,
    /// `and` or `&&`.
    And,
    /// `or` or `||`.
    Or,
    /// `not` or `!`.
    Not,
    /// `in`.
    In,
    /// `==` or `=`.
    Eq,
    /// `!=`.
    Neq,
    /// `<`.
    Lt,
    /// `<=`.
    Lte,
    /// `>`.
    Gt,
    /// `>=`.
    Gte,
    /// `~`: contains, ignoring case.
    Tilde,
    /// `!~`: does not contain, ignoring case.
    NotTilde,
    /// `-`.
    Minus,
    /// `(`.
    LParen,
    /// `)`.
    RParen,
    /// `[`.
    LBracket,
    /// `]`.
    RBracket,
    /// `,`.
    Comma,
    /// The end of the input.
    Eof,
}

impl fmt::Display for TokenKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TokenKind::Integer => "INTEGER",
            TokenKind::Float => "FLOAT",
            TokenKind::String => "STRING",
            TokenKind::Boolean => "BOOLEAN",
            TokenKind::Null => "NULL",
            TokenKind::Date => "DATE",
            TokenKind::Identifier => "IDENTIFIER",
            TokenKind::Macro => "MACRO",
            TokenKind::And => "AND",
            TokenKind::Or => "OR",
            TokenKind::Not => "NOT",
            TokenKind::In => "IN",
            TokenKind::Eq => "EQ",
            TokenKind::Neq => "NEQ",
            TokenKind::Lt => "LT",
            TokenKind::Lte => "LTE",
            TokenKind::Gt => "GT",
            TokenKind::Gte => "GTE",
            TokenKind::Tilde => "TILDE",
            TokenKind::NotTilde => "NOT_TILDE",
            TokenKind::Minus => "MINUS",
            TokenKind::LParen => "LPAREN",
            TokenKind::RParen => "RPAREN",
            TokenKind::LBracket => "LBRACKET",
            TokenKind::RBracket => "RBRACKET",
            TokenKind::Comma => "COMMA",
            TokenKind::Eof => "EOF",
        })
    }
}

/// A token: its kind, its span and, for literals and names, its text
/// (unescaped for strings; the digits for numbers; the segments joined by
/// `.` for identifiers; the name without `@` for macros).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Token {
    pub kind: TokenKind,
    pub span: Span,
    pub text: String,
}

/// Splits `chars` into tokens, ending with [`TokenKind::Eof`].
pub(crate) fn tokenize(chars: &[char]) -> Result<Vec<Token>, ParseError> {
    let mut lexer = Lexer {
        chars,
        pos: 0,
        tokens: Vec::new(),
    };
    lexer.run()?;
    Ok(lexer.tokens)
}

struct Lexer<'a> {
    chars: &'a [char],
    pos: usize,
    tokens: Vec<Token>,
}

fn is_name_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_'
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

impl Lexer<'_> {
    fn peek(&self, offset: usize) -> Option<char> {
        self.chars.get(self.pos + offset).copied()
    }

    fn push(&mut self, kind: TokenKind, start: usize, text: String) {
        self.tokens.push(Token {
            kind,
            span: Span::new(start, self.pos),
            text,
        });
    }

    fn run(&mut self) -> Result<(), ParseError> {
        while let Some(c) = self.peek(0) {
            let start = self.pos;
            if c.is_whitespace() {
                self.pos += 1;
                continue;
            }
            if c.is_ascii_digit() {
                self.number();
                continue;
            }
            if is_name_start(c) {
                if !self.js_date()? {
                    self.name()?;
                }
                continue;
            }
            if c == '\'' || c == '"' {
                self.string(c)?;
                continue;
            }
            let next = self.peek(1);
            let (kind, len) = match (c, next) {
                ('=', Some('=')) => (TokenKind::Eq, 2),
                ('=', _) => (TokenKind::Eq, 1),
                ('!', Some('=')) => (TokenKind::Neq, 2),
                ('!', Some('~')) => (TokenKind::NotTilde, 2),
                ('~', _) => (TokenKind::Tilde, 1),
                ('<', Some('>')) => {
                    return Err(ParseError::new(
                        start,
                        ParseErrorKind::UnknownOperator {
                            found: "<>".to_owned(),
                            suggestion: "!=",
                        },
                    ))
                }
                ('<', Some('=')) => (TokenKind::Lte, 2),
                ('>', Some('=')) => (TokenKind::Gte, 2),
                ('&', Some('&')) => (TokenKind::And, 2),
                ('|', Some('|')) => (TokenKind::Or, 2),
                ('<', _) => (TokenKind::Lt, 1),
                ('>', _) => (TokenKind::Gt, 1),
                ('!', _) => (TokenKind::Not, 1),
                ('-', _) => (TokenKind::Minus, 1),
                ('(', _) => (TokenKind::LParen, 1),
                (')', _) => (TokenKind::RParen, 1),
                ('[', _) => (TokenKind::LBracket, 1),
                (']', _) => (TokenKind::RBracket, 1),
                (',', _) => (TokenKind::Comma, 1),
                ('@', Some(n)) if is_name_start(n) => {
                    self.pos += 1;
                    let name = self.segment();
                    self.push(TokenKind::Macro, start, name);
                    continue;
                }
                ('&', _) => return Err(did_you_mean(start, '&', "&&")),
                ('|', _) => return Err(did_you_mean(start, '|', "||")),
                (c, _) => return Err(ParseError::new(start, ParseErrorKind::InvalidCharacter(c))),
            };
            self.pos += len;
            self.push(kind, start, String::new());
        }
        let end = self.chars.len();
        self.tokens.push(Token {
            kind: TokenKind::Eof,
            span: Span::new(end, end),
            text: String::new(),
        });
        Ok(())
    }

    fn number(&mut self) {
        let start = self.pos;
        let mut text = String::new();
        while let Some(d) = self.peek(0).filter(char::is_ascii_digit) {
            text.push(d);
            self.pos += 1;
        }
        let mut kind = TokenKind::Integer;
        if self.peek(0) == Some('.') {
            kind = TokenKind::Float;
            text.push('.');
            self.pos += 1;
            while let Some(d) = self.peek(0).filter(char::is_ascii_digit) {
                text.push(d);
                self.pos += 1;
            }
        }
        // An exponent, as JavaScript writes large and small numbers
        // (`1e+21`, `1.5e-7`); an `e` not followed by digits is not one.
        if let Some(e @ ('e' | 'E')) = self.peek(0) {
            let sign = self.peek(1).filter(|c| matches!(c, '+' | '-'));
            let first_digit = if sign.is_some() { 2 } else { 1 };
            if self.peek(first_digit).is_some_and(|c| c.is_ascii_digit()) {
                kind = TokenKind::Float;
                text.push(e);
                text.extend(sign);
                self.pos += first_digit;
                while let Some(d) = self.peek(0).filter(char::is_ascii_digit) {
                    text.push(d);
                    self.pos += 1;
                }
            }
        }
        self.push(kind, start, text);
    }

    /// A JavaScript date text, as `Date.prototype.toString` writes it:
    /// `Thu Jan 01 1970 00:00:00 GMT+0000`, optionally followed by a zone
    /// name in parentheses, which is ignored. Returns `false` (consuming
    /// nothing) unless the input starts with a weekday and a month name; an
    /// invalid date after them is an error.
    fn js_date(&mut self) -> Result<bool, ParseError> {
        let start = self.pos;
        // Most names are not weekdays: look no further than their end.
        if self.peek(3) != Some(' ') {
            return Ok(false);
        }
        let head: String = self.chars[start..].iter().take(JS_DATE_CHARS).collect();
        if !datetime::starts_like_js_date(&head) {
            return Ok(false);
        }
        let Some(canonical) = datetime::canonical_js_date(&head) else {
            return Err(ParseError::new(
                start,
                ParseErrorKind::InvalidDate(head.trim_end().to_owned()),
            ));
        };
        self.pos += JS_DATE_CHARS;
        // ` (Coordinated Universal Time)`: nothing else may follow an operand
        // with a parenthesis, so a closed one here is the zone name.
        let mut at = self.pos;
        while self.chars.get(at).is_some_and(|c| c.is_whitespace()) {
            at += 1;
        }
        if self.chars.get(at) == Some(&'(') {
            let name = self.chars[at + 1..]
                .iter()
                .position(|c| matches!(c, '(' | ')' | '\0'));
            if let Some(len) = name.filter(|len| self.chars[at + 1 + len] == ')') {
                self.pos = at + len + 2;
            }
        }
        self.push(TokenKind::Date, start, canonical);
        Ok(true)
    }

    fn segment(&mut self) -> String {
        let mut text = String::new();
        while let Some(c) = self.peek(0).filter(|c| is_name_char(*c)) {
            text.push(c);
            self.pos += 1;
        }
        text
    }

    fn name(&mut self) -> Result<(), ParseError> {
        let start = self.pos;
        let mut text = self.segment();
        let mut dotted = false;
        while self.peek(0) == Some('.') {
            match self.peek(1) {
                Some(c) if is_name_start(c) => {
                    self.pos += 1;
                    text.push('.');
                    text.push_str(&self.segment());
                    dotted = true;
                }
                _ => {
                    return Err(ParseError::new(
                        self.pos + 1,
                        ParseErrorKind::ExpectedNameAfterDot,
                    ))
                }
            }
        }
        let kind = match text.as_str() {
            _ if dotted => TokenKind::Identifier,
            "and" => TokenKind::And,
            "or" => TokenKind::Or,
            "not" => TokenKind::Not,
            "in" => TokenKind::In,
            "true" | "false" => TokenKind::Boolean,
            "null" => TokenKind::Null,
            _ => TokenKind::Identifier,
        };
        self.push(kind, start, text);
        Ok(())
    }

    fn string(&mut self, quote: char) -> Result<(), ParseError> {
        let start = self.pos;
        self.pos += 1;
        let mut text = String::new();
        loop {
            let Some(c) = self.peek(0) else {
                return Err(ParseError::new(
                    self.chars.len(),
                    ParseErrorKind::UnterminatedString,
                ));
            };
            match c {
                c if c == quote => {
                    self.pos += 1;
                    break;
                }
                '\\' => {
                    let escaped = match self.peek(1) {
                        Some('\\') => '\\',
                        Some('\'') => '\'',
                        Some('"') => '"',
                        Some('n') => '\n',
                        Some('t') => '\t',
                        // Any other backslash stands for itself, as in
                        // the SDK's strings (`'a\b'` is `a\b`).
                        Some(_) => {
                            text.push('\\');
                            self.pos += 1;
                            continue;
                        }
                        None => {
                            return Err(ParseError::new(
                                self.chars.len(),
                                ParseErrorKind::UnterminatedString,
                            ))
                        }
                    };
                    text.push(escaped);
                    self.pos += 2;
                }
                '\0' => {
                    return Err(ParseError::new(
                        self.pos,
                        ParseErrorKind::InvalidCharacter('\0'),
                    ))
                }
                c => {
                    text.push(c);
                    self.pos += 1;
                }
            }
        }
        self.push(TokenKind::String, start, text);
        Ok(())
    }
}

fn did_you_mean(position: usize, found: char, suggestion: &'static str) -> ParseError {
    ParseError::new(
        position,
        ParseErrorKind::UnexpectedCharacter { found, suggestion },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<TokenKind> {
        let chars: Vec<char> = src.chars().collect();
        tokenize(&chars)
            .expect("tokenizes")
            .into_iter()
            .map(|t| t.kind)
            .collect()
    }

    fn error(src: &str) -> String {
        let chars: Vec<char> = src.chars().collect();
        tokenize(&chars).expect_err("fails").to_string()
    }

    #[test]
    fn seed_token_streams() {
        use TokenKind::*;
        assert_eq!(
            kinds(r#"user.id == 123 and "admin" != null"#),
            [Identifier, Eq, Integer, And, String, Neq, Null, Eof]
        );
        assert_eq!(
            kinds("true false null and or not user.email"),
            [Boolean, Boolean, Null, And, Or, Not, Identifier, Eof]
        );
        assert_eq!(
            kinds("user.id in ['admin', 'user']"),
            [Identifier, In, LBracket, String, Comma, String, RBracket, Eof]
        );
        assert_eq!(kinds("[]"), [LBracket, RBracket, Eof]);
        assert_eq!(
            kinds("a && !b || -1.5 <= @m(x) >= 2. < >"),
            [
                Identifier, And, Not, Identifier, Or, Minus, Float, Lte, Macro, LParen, Identifier,
                RParen, Gte, Float, Lt, Gt, Eof
            ]
        );
        assert_eq!(
            kinds("user.and AND True"),
            [Identifier, Identifier, Identifier, Eof]
        );
    }

    #[test]
    fn token_text_and_spans() {
        let chars: Vec<char> = r#"'it\'s' "a\"b\\c\n\t" é.x"#.chars().collect();
        let err = tokenize(&chars).expect_err("é is not a name");
        assert_eq!(err.position, 22);
        let chars: Vec<char> = r#"'it\'s' "a\"b\\c\n\t""#.chars().collect();
        let tokens = tokenize(&chars).expect("tokenizes");
        assert_eq!(tokens[0].text, "it's");
        assert_eq!(tokens[0].span, Span::new(0, 7));
        assert_eq!(tokens[1].text, "a\"b\\c\n\t");
        assert_eq!(tokens[2].span, Span::new(21, 21));
    }

    #[test]
    fn sdk_tokens() {
        use TokenKind::*;
        assert_eq!(
            kinds("a = 1 && b ~ 'x' || c !~ \"y\" and d != e"),
            [
                Identifier, Eq, Integer, And, Identifier, Tilde, String, Or, Identifier, NotTilde,
                String, And, Identifier, Neq, Identifier, Eof
            ]
        );
        // Operator words are names to the lexer; the parser reads them.
        assert_eq!(
            kinds("t IN (1, null) NOT IS"),
            [
                Identifier, Identifier, LParen, Integer, Comma, Null, RParen, Identifier,
                Identifier, Eof
            ]
        );
        assert_eq!(
            kinds("a=b==c"),
            [Identifier, Eq, Identifier, Eq, Identifier, Eof]
        );
        assert_eq!(kinds("! ~"), [Not, Tilde, Eof]);
    }

    #[test]
    fn numbers_with_exponents() {
        let texts = |src: &str| -> Vec<(TokenKind, String)> {
            let chars: Vec<char> = src.chars().collect();
            tokenize(&chars)
                .expect("tokenizes")
                .into_iter()
                .map(|t| (t.kind, t.text))
                .collect()
        };
        use TokenKind::{Eof, Float, Identifier, Integer};
        assert_eq!(
            texts("1e+21 1.5e-7 2E5 1.e3"),
            [
                (Float, "1e+21".into()),
                (Float, "1.5e-7".into()),
                (Float, "2E5".into()),
                (Float, "1.e3".into()),
                (Eof, String::new())
            ]
        );
        // An `e` without digits is not an exponent.
        assert_eq!(
            texts("1e 2E"),
            [
                (Integer, "1".into()),
                (Identifier, "e".into()),
                (Integer, "2".into()),
                (Identifier, "E".into()),
                (Eof, String::new())
            ]
        );
        assert_eq!(error("2e+x"), "Invalid character '+' at position 2");
    }

    #[test]
    fn sdk_strings_and_dates() {
        let chars: Vec<char> = r"'it\'s' 'a\b' 'C:\Users\x' '\%_'".chars().collect();
        let tokens = tokenize(&chars).expect("tokenizes");
        let texts: Vec<&str> = tokens.iter().map(|t| t.text.as_str()).collect();
        assert_eq!(texts, ["it's", r"a\b", r"C:\Users\x", r"\%_", ""]);
        let src = "d > Thu Jan 01 1970 00:00:00 GMT+0000 (Coordinated Universal Time) && e";
        let chars: Vec<char> = src.chars().collect();
        let tokens = tokenize(&chars).expect("tokenizes");
        assert_eq!(tokens[2].kind, TokenKind::Date);
        assert_eq!(tokens[2].text, "1970-01-01T00:00:00.000000Z");
        assert_eq!(tokens[2].span, Span::new(4, 66));
        assert_eq!(tokens[3].kind, TokenKind::And);
        // Without a zone name, and with one that is not closed.
        let chars: Vec<char> = "Sat Jun 15 2024 14:30:00 GMT+0200, (x".chars().collect();
        let kinds: Vec<TokenKind> = tokenize(&chars)
            .expect("tokenizes")
            .into_iter()
            .map(|t| t.kind)
            .collect();
        use TokenKind::*;
        assert_eq!(kinds, [Date, Comma, LParen, Identifier, Eof]);
        assert_eq!(
            tokenize(&"Mon Jan".chars().collect::<Vec<_>>()).map(|t| t.len()),
            Ok(3)
        );
    }

    #[test]
    fn lexical_errors() {
        assert_eq!(
            error("a <> b"),
            "Unknown operator '<>'. Did you mean '!='? at position 2"
        );
        assert_eq!(
            error("a & b"),
            "Unexpected character '&'. Did you mean '&&'? at position 2"
        );
        assert_eq!(
            error("a | b"),
            "Unexpected character '|'. Did you mean '||'? at position 2"
        );
        assert_eq!(error("user.id # 1"), "Invalid character '#' at position 8");
        assert_eq!(error(".5"), "Invalid character '.' at position 0");
        assert_eq!(error("'abc"), "Unterminated string literal at position 4");
        assert_eq!(error("'abc\\"), "Unterminated string literal at position 5");
        assert_eq!(error("'a\\'"), "Unterminated string literal at position 4");
        assert_eq!(
            error("d = Thu Jan 01 1970 00:00 GMT+0000"),
            "Invalid date 'Thu Jan 01 1970 00:00 GMT+0000'; expected a JavaScript date such as Thu Jan 01 1970 00:00:00 GMT+0000 at position 4"
        );
        assert_eq!(
            error("Mon Feb 30 2024 00:00:00 GMT+0000 (UTC)"),
            "Invalid date 'Mon Feb 30 2024 00:00:00 GMT+0000'; expected a JavaScript date such as Thu Jan 01 1970 00:00:00 GMT+0000 at position 0"
        );
        assert_eq!(error("a..b"), "Expected a name after '.' at position 2");
        assert_eq!(error("record."), "Expected a name after '.' at position 7");
        assert_eq!(error("@ x"), "Invalid character '@' at position 0");
        assert_eq!(error("'a\0'"), "Invalid character '\\0' at position 2");
        assert_eq!(error("a + 1"), "Invalid character '+' at position 2");
    }
}
