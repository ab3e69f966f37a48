//! The lexer: source text to tokens with character spans.

use std::fmt;

use crate::ast::Span;
use crate::parser::{ParseError, ParseErrorKind};

/// The kinds of token, named as they appear in error messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenKind {
    /// A number without a decimal point.
    Integer,
    /// A number with a decimal point.
    Float,
    /// A quoted string.
    String,
    /// `true` or `false`.
    Boolean,
    /// `null`.
    Null,
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
    /// `==`.
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
                self.name()?;
                continue;
            }
            if c == '\'' || c == '"' {
                self.string(c)?;
                continue;
            }
            let next = self.peek(1);
            let (kind, len) = match (c, next) {
                ('=', Some('=')) => (TokenKind::Eq, 2),
                ('!', Some('=')) => (TokenKind::Neq, 2),
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
                ('=', _) => return Err(did_you_mean(start, '=', "==")),
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
        self.push(kind, start, text);
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
                        Some(other) => {
                            return Err(ParseError::new(
                                self.pos,
                                ParseErrorKind::InvalidEscape(other),
                            ))
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
    fn lexical_errors() {
        assert_eq!(
            error("user.id = 1"),
            "Unexpected character '='. Did you mean '=='? at position 8"
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
        assert_eq!(
            error("'a\\x'"),
            "Invalid escape sequence '\\x' at position 2"
        );
        assert_eq!(error("a..b"), "Expected a name after '.' at position 2");
        assert_eq!(error("record."), "Expected a name after '.' at position 7");
        assert_eq!(error("@ x"), "Invalid character '@' at position 0");
        assert_eq!(error("'a\0'"), "Invalid character '\\0' at position 2");
        assert_eq!(error("a + 1"), "Invalid character '+' at position 2");
    }
}
