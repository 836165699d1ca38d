//! Lexer and recursive-descent parser for filters (RFC 7644 §3.4.2.2, Figure 1)
//! and attribute / PATCH paths (RFC 7644 §3.10, §3.5.2).
//!
//! The lexer splits the text into punctuation (`(`, `)`, `[`, `]`), JSON
//! strings and *words* (maximal runs of anything else that is not whitespace).
//! Two words or strings in a row must be separated by whitespace: the ABNF
//! asks for `SP` there, so `userName eq"x"` is rejected. Any run of spaces,
//! tabs, CR or LF counts as that `SP`, and whitespace around punctuation and
//! around the whole text is ignored.
//!
//! Keywords (`and`, `or`, `not`, `pr`), operators and the literals `true`,
//! `false`, `null` are case-insensitive (ABNF literals are, RFC 5234 §2.3).
//! Precedence is `not` > `and` > `or`; `and` and `or` associate to the left.

use std::fmt::{self, Write as _};

use serde_json::Number;

use super::ast::{AttrPath, CompValue, CompareOp, Filter, PatchPath};

/// How many parentheses, `not (…)` and value filters `[…]` may nest inside
/// each other. Deeper input is rejected with an error, so adversarial text
/// cannot exhaust the stack.
pub const MAX_NESTING: usize = 64;

/// The greatest height of a parsed [`Filter`] tree: each `and`, `or`, `not`
/// and value path adds a level (a chain `a and b and c` is two levels). It
/// bounds the recursion of everything that walks the tree (printing,
/// evaluation, drop).
pub const MAX_DEPTH: usize = 256;

/// A parse error with the 1-based character column where it was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterError {
    /// Where the problem is: 1-based, counted in characters of the input.
    pub column: usize,
    /// What is wrong, in a sentence fragment fit for an `invalidFilter` /
    /// `invalidPath` error detail (RFC 7644 §3.12).
    pub message: String,
}

impl fmt::Display for FilterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "column {}: {}", self.column, self.message)
    }
}

impl std::error::Error for FilterError {}

/// Parses a filter (`userName eq "bjensen" and emails[type eq "work"]`),
/// RFC 7644 §3.4.2.2.
///
/// Attribute names are kept as written. Grouping parentheses are not kept in
/// the AST. Empty input is an error.
pub fn parse(text: &str) -> Result<Filter, FilterError> {
    parse_with(Parser::new(text))
}

/// Like [`parse`], but a comparison value that is not quoted and is not
/// `true`, `false`, `null` or a number is read as a string, as some clients
/// write them (`displayName Eq PRIMARY/system`). Printing the result gives
/// the RFC 7644 §3.4.2.2 spelling.
pub fn parse_lenient(text: &str) -> Result<Filter, FilterError> {
    let mut parser = Parser::new(text);
    parser.lenient = true;
    parse_with(parser)
}

fn parse_with(mut parser: Parser<'_>) -> Result<Filter, FilterError> {
    if parser.peek()?.is_none() {
        return Err(parser.error_at(0, "empty filter"));
    }
    let (filter, _) = parser.parse_or(false)?;
    match parser.next()? {
        None => Ok(filter),
        Some(token) => Err(parser.trailing(token)),
    }
}

/// Parses a bare attribute path (`name.givenName`, `urn:…:User:manager`),
/// RFC 7644 §3.10: `[URN ":"] ATTRNAME ["." subAttr]`.
///
/// The URN is everything before the last `:`, so a bare schema URN such as
/// `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User` parses as
/// urn `urn:…:enterprise:2.0` and name `User`; telling that apart from an
/// attribute is the schema module's job.
pub fn parse_attr_path(text: &str) -> Result<AttrPath, FilterError> {
    let mut parser = Parser::new(text);
    let path = match parser.next()? {
        None => return Err(parser.error_at(0, "empty attribute path")),
        Some(token) => parser.path_at(token)?,
    };
    match parser.next()? {
        None => Ok(path),
        Some(token) => Err(parser.error_at(
            token.start,
            format!(
                "unexpected `{}` after the attribute path `{path}`",
                parser.snippet(token)
            ),
        )),
    }
}

/// Parses a PATCH path (RFC 7644 §3.5.2): `attrPath` or
/// `attrPath "[" valFilter "]" ["." subAttr]`, e.g. `members[value eq
/// "2819c223"]` or `emails[type eq "work"].value`.
///
/// In the plain form the sub-attribute stays in [`PatchPath::attr`]
/// (`name.familyName`); after a value filter it goes to [`PatchPath::sub`].
/// URNs are split as in [`parse_attr_path`].
pub fn parse_patch_path(text: &str) -> Result<PatchPath, FilterError> {
    let mut parser = Parser::new(text);
    let Some(path_token) = parser.next()? else {
        return Err(parser.error_at(0, "empty path"));
    };
    let attr = parser.path_at(path_token)?;
    let open = match parser.next()? {
        None => {
            return Ok(PatchPath {
                attr,
                filter: None,
                sub: None,
            });
        }
        Some(token) if token.kind == Kind::LBracket => token,
        Some(token) => {
            return Err(parser.error_at(
                token.start,
                format!(
                    "unexpected `{}` after the attribute path `{attr}`: expected `[` or the end of the path",
                    parser.snippet(token)
                ),
            ));
        }
    };
    let (filter, _) = parser.value_filter(&attr, open, path_token.start)?;
    let sub = match parser.next()? {
        None => None,
        Some(token) => Some(parser.sub_after_filter(token)?),
    };
    match parser.next()? {
        None => Ok(PatchPath {
            attr,
            filter: Some(filter),
            sub,
        }),
        Some(token) => Err(parser.error_at(
            token.start,
            format!("trailing input `{}` after the path", parser.snippet(token)),
        )),
    }
}

/// What a token is; strings and words are decoded when they are used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    LParen,
    RParen,
    LBracket,
    RBracket,
    /// A double-quoted JSON string, quotes included in the span.
    Str,
    /// Anything else up to whitespace, punctuation or a quote.
    Word,
}

/// A token: its kind and byte span in the input.
#[derive(Debug, Clone, Copy)]
struct Token {
    kind: Kind,
    start: usize,
    end: usize,
}

impl Token {
    fn is_atom(self) -> bool {
        matches!(self.kind, Kind::Str | Kind::Word)
    }
}

/// The parser, with a lexer that produces one token of look-ahead.
struct Parser<'a> {
    text: &'a str,
    /// Byte offset of the next unlexed character.
    pos: usize,
    /// The span of the last lexed token if it was a word or a string.
    prev_atom: Option<Token>,
    /// A token lexed by `peek` and not yet consumed.
    peeked: Option<Option<Token>>,
    /// Current nesting of parentheses, `not` and value filters.
    nesting: usize,
    /// Read unquoted values as strings (see [`parse_lenient`]).
    lenient: bool,
}

fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

fn is_word_char(c: char) -> bool {
    !is_space(c) && !matches!(c, '(' | ')' | '[' | ']' | '"')
}

impl<'a> Parser<'a> {
    fn new(text: &'a str) -> Self {
        Self {
            text,
            pos: 0,
            prev_atom: None,
            peeked: None,
            nesting: 0,
            lenient: false,
        }
    }

    // ---- errors -------------------------------------------------------

    /// The 1-based character column of a byte offset.
    fn column(&self, byte: usize) -> usize {
        self.text.get(..byte).map_or(0, |s| s.chars().count()) + 1
    }

    fn error_at(&self, byte: usize, message: impl Into<String>) -> FilterError {
        FilterError {
            column: self.column(byte),
            message: message.into(),
        }
    }

    /// The text of a span, shortened for messages.
    fn quoted_span(&self, start: usize, end: usize) -> String {
        let raw = self.text.get(start..end).unwrap_or("");
        let mut out: String = raw.chars().take(32).collect();
        if raw.chars().nth(32).is_some() {
            out.push('…');
        }
        out
    }

    fn snippet(&self, token: Token) -> String {
        self.quoted_span(token.start, token.end)
    }

    fn slice(&self, token: Token) -> &'a str {
        self.text.get(token.start..token.end).unwrap_or("")
    }

    // ---- lexer --------------------------------------------------------

    fn lex(&mut self) -> Result<Option<Token>, FilterError> {
        let rest = self.text.get(self.pos..).unwrap_or("");
        let trimmed = rest.trim_start_matches(is_space);
        let had_space = trimmed.len() < rest.len();
        self.pos += rest.len() - trimmed.len();
        let start = self.pos;
        let mut chars = trimmed.char_indices();
        let Some((_, first)) = chars.next() else {
            return Ok(None);
        };
        let (kind, len) = match first {
            '(' => (Kind::LParen, 1),
            ')' => (Kind::RParen, 1),
            '[' => (Kind::LBracket, 1),
            ']' => (Kind::RBracket, 1),
            '"' => {
                let mut escaped = false;
                let mut end = None;
                for (i, c) in chars {
                    if escaped {
                        escaped = false;
                    } else if c == '\\' {
                        escaped = true;
                    } else if c == '"' {
                        end = Some(i + 1);
                        break;
                    }
                }
                match end {
                    Some(len) => (Kind::Str, len),
                    None => return Err(self.error_at(start, "unterminated string")),
                }
            }
            _ => {
                let len = trimmed
                    .char_indices()
                    .find(|&(_, c)| !is_word_char(c))
                    .map_or(trimmed.len(), |(i, _)| i);
                (Kind::Word, len)
            }
        };
        let token = Token {
            kind,
            start,
            end: start + len,
        };
        if token.is_atom()
            && !had_space
            && let Some(prev) = self.prev_atom
        {
            return Err(self.error_at(
                start,
                format!(
                    "missing space between `{}` and `{}`",
                    self.snippet(prev),
                    self.snippet(token)
                ),
            ));
        }
        self.prev_atom = token.is_atom().then_some(token);
        self.pos = token.end;
        Ok(Some(token))
    }

    fn peek(&mut self) -> Result<Option<Token>, FilterError> {
        if let Some(token) = self.peeked {
            return Ok(token);
        }
        let token = self.lex()?;
        self.peeked = Some(token);
        Ok(token)
    }

    fn next(&mut self) -> Result<Option<Token>, FilterError> {
        match self.peeked.take() {
            Some(token) => Ok(token),
            None => self.lex(),
        }
    }

    /// Whether the next token is the keyword `word` (case-insensitive).
    fn peek_keyword(&mut self, word: &str) -> Result<bool, FilterError> {
        Ok(self
            .peek()?
            .is_some_and(|t| t.kind == Kind::Word && self.slice(t).eq_ignore_ascii_case(word)))
    }

    /// Whether the first non-space character at or after `byte` is `(`.
    fn lparen_follows(&self, byte: usize) -> bool {
        self.text
            .get(byte..)
            .unwrap_or("")
            .trim_start_matches(is_space)
            .starts_with('(')
    }

    /// The byte offset just past the end of the input (for "end" errors).
    fn end(&self) -> usize {
        self.text.trim_end_matches(is_space).len()
    }

    // ---- grammar ------------------------------------------------------

    /// `or`-level: `and_expr *(SP "or" SP and_expr)`, left-associative.
    fn parse_or(&mut self, in_value_filter: bool) -> Result<(Filter, usize), FilterError> {
        let (mut left, mut height) = self.parse_and(in_value_filter)?;
        while self.peek_keyword("or")? {
            let op = self.next()?;
            let (right, right_height) = self.parse_and(in_value_filter)?;
            height = self.combine(height, right_height, op)?;
            left = Filter::Or(Box::new(left), Box::new(right));
        }
        Ok((left, height))
    }

    /// `and`-level: `unary *(SP "and" SP unary)`, left-associative.
    fn parse_and(&mut self, in_value_filter: bool) -> Result<(Filter, usize), FilterError> {
        let (mut left, mut height) = self.parse_unary(in_value_filter)?;
        while self.peek_keyword("and")? {
            let op = self.next()?;
            let (right, right_height) = self.parse_unary(in_value_filter)?;
            height = self.combine(height, right_height, op)?;
            left = Filter::And(Box::new(left), Box::new(right));
        }
        Ok((left, height))
    }

    /// The height of a node over two subtrees, checked against [`MAX_DEPTH`].
    fn combine(&self, a: usize, b: usize, op: Option<Token>) -> Result<usize, FilterError> {
        let height = a.max(b) + 1;
        if height > MAX_DEPTH {
            let at = op.map_or(self.end(), |t| t.start);
            return Err(self.error_at(
                at,
                format!("filter too complex: more than {MAX_DEPTH} nested or chained `and`/`or`/`not` expressions"),
            ));
        }
        Ok(height)
    }

    /// Enters one level of parentheses / `not` / value filter.
    fn enter(&mut self, at: usize) -> Result<(), FilterError> {
        self.nesting += 1;
        if self.nesting > MAX_NESTING {
            return Err(self.error_at(
                at,
                format!("filter nested too deeply: more than {MAX_NESTING} levels of parentheses, `not` and `[…]`"),
            ));
        }
        Ok(())
    }

    /// A `not (…)`, a parenthesised group, an attribute expression or a
    /// value path.
    fn parse_unary(&mut self, in_value_filter: bool) -> Result<(Filter, usize), FilterError> {
        let Some(token) = self.next()? else {
            return Err(self.error_at(
                self.end(),
                "unexpected end of filter: expected an attribute path, `(` or `not`",
            ));
        };
        match token.kind {
            Kind::LParen => {
                self.enter(token.start)?;
                let inner = self.parse_or(in_value_filter)?;
                self.close_paren(token)?;
                self.nesting -= 1;
                Ok(inner)
            }
            Kind::Word
                if self.slice(token).eq_ignore_ascii_case("not")
                    && self.lparen_follows(token.end) =>
            {
                let open = self.next()?;
                self.enter(token.start)?;
                let (inner, height) = self.parse_or(in_value_filter)?;
                if let Some(open) = open {
                    self.close_paren(open)?;
                }
                self.nesting -= 1;
                let height = self.combine(height, 0, Some(token))?;
                Ok((Filter::Not(Box::new(inner)), height))
            }
            Kind::Word => {
                let path = self.path_at(token)?;
                self.attr_expression(path, token, in_value_filter)
            }
            Kind::Str => Err(self.error_at(
                token.start,
                "expected an attribute path, found a string (attribute names are not quoted)",
            )),
            Kind::RParen | Kind::RBracket | Kind::LBracket => Err(self.error_at(
                token.start,
                format!(
                    "expected an attribute path, `(` or `not`, found `{}`",
                    self.snippet(token)
                ),
            )),
        }
    }

    /// Consumes the `)` closing `open`.
    fn close_paren(&mut self, open: Token) -> Result<(), FilterError> {
        match self.next()? {
            Some(t) if t.kind == Kind::RParen => Ok(()),
            None => Err(self.error_at(open.start, "unbalanced `(`: no matching `)`")),
            Some(t) => Err(self.error_at(
                t.start,
                format!("expected `and`, `or` or `)`, found `{}`", self.snippet(t)),
            )),
        }
    }

    /// What follows an attribute path in a filter: `pr`, `op value`, or a
    /// value filter `[…]`.
    fn attr_expression(
        &mut self,
        path: AttrPath,
        path_token: Token,
        in_value_filter: bool,
    ) -> Result<(Filter, usize), FilterError> {
        let next = self.peek()?;
        if let Some(open) = next.filter(|t| t.kind == Kind::LBracket) {
            if in_value_filter {
                return Err(self.error_at(
                    open.start,
                    "value filters cannot be nested: `[` inside `[…]`",
                ));
            }
            self.next()?;
            let (inner, height) = self.value_filter(&path, open, path_token.start)?;
            let height = self.combine(height, 0, Some(open))?;
            return Ok((Filter::ValuePath(path, Box::new(inner)), height));
        }
        let Some(op_token) = next.filter(|t| t.kind == Kind::Word) else {
            return Err(self.operator_error(path_token, next));
        };
        let word = self.slice(op_token);
        if word.eq_ignore_ascii_case("pr") {
            self.next()?;
            return Ok((Filter::Present(path), 0));
        }
        let Some(op) = compare_op(word) else {
            return Err(self.operator_error(path_token, Some(op_token)));
        };
        self.next()?;
        let value = self.comp_value(op_token)?;
        Ok((Filter::Compare(path, op, value), 0))
    }

    /// The error for a missing or unknown operator after `path_token`.
    fn operator_error(&self, path_token: Token, found: Option<Token>) -> FilterError {
        let at = found.map_or(self.end(), |t| t.start);
        let written = self.snippet(path_token);
        let mut message = format!(
            "expected a comparison operator (eq, ne, co, sw, ew, gt, ge, lt, le) or `pr` after `{written}`"
        );
        if let Some(t) = found {
            let _ = write!(message, ", found `{}`", self.snippet(t));
        }
        if written.eq_ignore_ascii_case("not") {
            message.push_str(" (a negation is written `not (filter)`)");
        }
        self.error_at(at, message)
    }

    /// The `[valFilter]` of a value path; the `[` is already consumed.
    fn value_filter(
        &mut self,
        path: &AttrPath,
        open: Token,
        path_start: usize,
    ) -> Result<(Filter, usize), FilterError> {
        if path.sub.is_some() {
            return Err(self.error_at(
                path_start,
                format!("`{path}` names a sub-attribute: a value filter `[…]` applies to a multi-valued attribute"),
            ));
        }
        self.enter(open.start)?;
        if self.peek()?.is_some_and(|t| t.kind == Kind::RBracket) {
            return Err(self.error_at(open.start, "empty value filter `[]`"));
        }
        let inner = self.parse_or(true)?;
        match self.next()? {
            Some(t) if t.kind == Kind::RBracket => {}
            None => return Err(self.error_at(open.start, "unbalanced `[`: no matching `]`")),
            Some(t) => {
                return Err(self.error_at(
                    t.start,
                    format!("expected `and`, `or` or `]`, found `{}`", self.snippet(t)),
                ));
            }
        }
        self.nesting -= 1;
        Ok(inner)
    }

    /// The `.subAttr` after a PATCH path's value filter.
    fn sub_after_filter(&self, token: Token) -> Result<String, FilterError> {
        let word = self.slice(token);
        let adjacent = self
            .text
            .get(..token.start)
            .is_some_and(|s| s.ends_with(']'));
        match word.strip_prefix('.') {
            Some(sub) if token.kind == Kind::Word && adjacent => {
                check_name(sub, token.start + 1).map_err(|(at, m)| self.error_at(at, m))?;
                Ok(sub.to_owned())
            }
            _ => Err(self.error_at(
                token.start,
                format!(
                    "unexpected `{}` after `]`: expected `.` and a sub-attribute name, or the end of the path",
                    self.snippet(token)
                ),
            )),
        }
    }

    /// The compare value after the operator token `op`.
    fn comp_value(&mut self, op: Token) -> Result<CompValue, FilterError> {
        let token = self.next()?;
        match token {
            Some(t) if t.kind == Kind::Str => self.decode_string(t).map(CompValue::String),
            Some(t) if t.kind == Kind::Word => self.literal(t),
            Some(t) => Err(self.error_at(
                t.start,
                format!(
                    "expected a value after `{}`, found `{}`",
                    self.snippet(op),
                    self.snippet(t)
                ),
            )),
            None => Err(self.error_at(
                self.end(),
                format!("expected a value after `{}`", self.snippet(op)),
            )),
        }
    }

    /// `true`, `false`, `null` or a JSON number.
    fn literal(&self, token: Token) -> Result<CompValue, FilterError> {
        let word = self.slice(token);
        if word.eq_ignore_ascii_case("true") {
            Ok(CompValue::Bool(true))
        } else if word.eq_ignore_ascii_case("false") {
            Ok(CompValue::Bool(false))
        } else if word.eq_ignore_ascii_case("null") {
            Ok(CompValue::Null)
        } else if word.starts_with(|c: char| c.is_ascii_digit() || matches!(c, '-' | '+' | '.')) {
            match parse_number(word) {
                Ok(n) => Ok(CompValue::Number(n)),
                Err(_) if self.lenient => Ok(CompValue::String(word.to_string())),
                Err(m) => Err(self.error_at(token.start, m)),
            }
        } else if self.lenient {
            Ok(CompValue::String(word.to_string()))
        } else {
            Err(self.error_at(
                token.start,
                format!(
                    "unquoted value `{}`: string values must be in double quotes",
                    self.snippet(token)
                ),
            ))
        }
    }

    /// Decodes a JSON string token (RFC 8259 §7).
    fn decode_string(&self, token: Token) -> Result<String, FilterError> {
        let body_start = token.start + 1;
        let body = self
            .text
            .get(body_start..token.end.saturating_sub(1))
            .unwrap_or("");
        let mut out = String::with_capacity(body.len());
        let mut chars = body.char_indices();
        while let Some((i, c)) = chars.next() {
            if c != '\\' {
                out.push(c);
                continue;
            }
            let at = body_start + i;
            let decoded = match chars.next().map(|(_, e)| e) {
                Some('"') => '"',
                Some('\\') => '\\',
                Some('/') => '/',
                Some('b') => '\u{8}',
                Some('f') => '\u{c}',
                Some('n') => '\n',
                Some('r') => '\r',
                Some('t') => '\t',
                Some('u') => {
                    let high = hex4(&mut chars).ok_or_else(|| {
                        self.error_at(at, "invalid `\\u` escape: expected four hex digits")
                    })?;
                    let code = if (0xD800..0xDC00).contains(&high) {
                        let low = match (chars.next(), chars.next()) {
                            (Some((_, '\\')), Some((_, 'u'))) => hex4(&mut chars),
                            _ => None,
                        }
                        .filter(|low| (0xDC00..0xE000).contains(low))
                        .ok_or_else(|| {
                            self.error_at(at, "invalid `\\u` escape: unpaired surrogate")
                        })?;
                        0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
                    } else {
                        high
                    };
                    char::from_u32(code).ok_or_else(|| {
                        self.error_at(at, "invalid `\\u` escape: unpaired surrogate")
                    })?
                }
                other => {
                    let shown = other.map_or(String::new(), String::from);
                    return Err(self.error_at(at, format!("invalid escape `\\{shown}` in string")));
                }
            };
            out.push(decoded);
        }
        Ok(out)
    }

    /// An attribute path from a word token (RFC 7644 §3.10).
    fn path_at(&self, token: Token) -> Result<AttrPath, FilterError> {
        match token.kind {
            Kind::Word => parse_path_word(self.slice(token), token.start)
                .map_err(|(at, message)| self.error_at(at, message)),
            Kind::Str => Err(self.error_at(
                token.start,
                "expected an attribute path, found a string (attribute names are not quoted)",
            )),
            _ => Err(self.error_at(
                token.start,
                format!(
                    "expected an attribute path, found `{}`",
                    self.snippet(token)
                ),
            )),
        }
    }

    /// The error for input left after a complete top-level filter.
    fn trailing(&self, token: Token) -> FilterError {
        let message = match token.kind {
            Kind::RParen => "unbalanced `)`: no matching `(`".to_owned(),
            Kind::RBracket => "unbalanced `]`: no matching `[`".to_owned(),
            Kind::Word if self.slice(token).starts_with('.') => format!(
                "trailing input `{}`: a sub-attribute after `[…]` is allowed in PATCH paths, not in filters",
                self.snippet(token)
            ),
            _ => format!(
                "trailing input: expected `and` or `or`, found `{}`",
                self.snippet(token)
            ),
        };
        self.error_at(token.start, message)
    }
}

/// Reads four hex digits of a `\u` escape.
fn hex4(chars: &mut std::str::CharIndices<'_>) -> Option<u32> {
    let mut code = 0;
    for _ in 0..4 {
        let (_, c) = chars.next()?;
        code = code * 16 + c.to_digit(16)?;
    }
    Some(code)
}

/// The operator named by `word`, ignoring ASCII case (RFC 7644 §3.4.2.2,
/// Table 3).
fn compare_op(word: &str) -> Option<CompareOp> {
    const OPS: [CompareOp; 9] = [
        CompareOp::Eq,
        CompareOp::Ne,
        CompareOp::Co,
        CompareOp::Sw,
        CompareOp::Ew,
        CompareOp::Gt,
        CompareOp::Ge,
        CompareOp::Lt,
        CompareOp::Le,
    ];
    OPS.into_iter()
        .find(|op| op.as_str().eq_ignore_ascii_case(word))
}

/// Parses a JSON number (RFC 8259 §6). Integers that fit stay integers;
/// anything with a fraction or exponent, or too large for 64 bits, becomes a
/// float, as `serde_json` does. Floats are parsed by the standard library,
/// which rounds correctly, so printed floats read back exactly.
fn parse_number(word: &str) -> Result<Number, String> {
    let invalid = || format!("invalid number `{word}`");
    let bytes = word.as_bytes();
    let mut i = usize::from(bytes.first() == Some(&b'-'));
    let digits = |from: usize| {
        bytes
            .get(from..)
            .unwrap_or(&[])
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count()
    };
    let int_len = digits(i);
    if int_len == 0 || (int_len > 1 && bytes.get(i) == Some(&b'0')) {
        return Err(invalid());
    }
    i += int_len;
    let mut integer = true;
    if bytes.get(i) == Some(&b'.') {
        let frac = digits(i + 1);
        if frac == 0 {
            return Err(invalid());
        }
        i += 1 + frac;
        integer = false;
    }
    if matches!(bytes.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(bytes.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let exp = digits(i);
        if exp == 0 {
            return Err(invalid());
        }
        i += exp;
        integer = false;
    }
    if i != bytes.len() {
        return Err(invalid());
    }
    if integer {
        if let Ok(n) = word.parse::<u64>() {
            return Ok(Number::from(n));
        }
        if let Ok(n) = word.parse::<i64>() {
            return Ok(Number::from(n));
        }
    }
    word.parse::<f64>()
        .ok()
        .and_then(Number::from_f64)
        .ok_or_else(|| format!("number out of range `{word}`"))
}

/// Splits and checks an attribute path word. Errors carry a byte offset.
fn parse_path_word(word: &str, start: usize) -> Result<AttrPath, (usize, String)> {
    let (urn, rest, rest_start) = match word.rfind(':') {
        Some(colon) => {
            let urn = word.get(..colon).unwrap_or("");
            check_urn(urn, start)?;
            let rest = word.get(colon + 1..).unwrap_or("");
            if rest.is_empty() {
                return Err((
                    start + colon + 1,
                    format!("expected an attribute name after the schema URN `{urn}:`"),
                ));
            }
            (Some(urn.to_owned()), rest, start + colon + 1)
        }
        None => (None, word, start),
    };
    let (name, sub) = match rest.split_once('.') {
        Some((name, sub)) => (name, Some(sub)),
        None => (rest, None),
    };
    check_name(name, rest_start)?;
    if let Some(sub) = sub {
        let sub_start = rest_start + name.len() + 1;
        if let Some(dot) = sub.find('.') {
            return Err((
                sub_start + dot,
                format!(
                    "too many `.` in `{rest}`: an attribute path has at most one sub-attribute"
                ),
            ));
        }
        check_name(sub, sub_start)?;
    }
    Ok(AttrPath {
        urn,
        name: name.to_owned(),
        sub: sub.map(str::to_owned),
    })
}

/// `ATTRNAME = ALPHA *(ALPHA / DIGIT / "-" / "_")` (RFC 7644 §3.10), or `$ref`
/// (RFC 7643 §2.3.7).
fn check_name(name: &str, start: usize) -> Result<(), (usize, String)> {
    if name.eq_ignore_ascii_case("$ref") {
        return Ok(());
    }
    let mut chars = name.char_indices();
    match chars.next() {
        None => return Err((start, "expected an attribute name".to_owned())),
        Some((_, c)) if c.is_ascii_alphabetic() => {}
        Some((_, c)) => {
            return Err((
                start,
                format!("invalid attribute name `{name}`: names start with a letter, not `{c}`"),
            ));
        }
    }
    match chars.find(|&(_, c)| !(c.is_ascii_alphanumeric() || c == '-' || c == '_')) {
        Some((i, c)) => Err((
            start + i,
            format!("invalid character `{c}` in attribute name `{name}`"),
        )),
        None => Ok(()),
    }
}

/// A schema URI before the attribute name: `scheme ":" rest` with URI
/// characters (RFC 3986 §3.1, §2).
fn check_urn(urn: &str, start: usize) -> Result<(), (usize, String)> {
    let not_urn = || {
        (
            start,
            format!(
                "`{urn}` is not a schema URN (expected e.g. `urn:ietf:params:scim:schemas:core:2.0:User:userName`)"
            ),
        )
    };
    let (scheme, rest) = urn.split_once(':').ok_or_else(not_urn)?;
    let scheme_ok = scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    if !scheme_ok || rest.is_empty() {
        return Err(not_urn());
    }
    match urn
        .char_indices()
        .find(|&(_, c)| !(c.is_ascii_alphanumeric() || "-._~:/%@!$&'*+,;=".contains(c)))
    {
        Some((i, c)) => Err((
            start + i,
            format!("invalid character `{c}` in schema URN `{urn}`"),
        )),
        None => Ok(()),
    }
}
