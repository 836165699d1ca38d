//! Canonical text of filters and paths (`Display`): lower-case operators,
//! single spaces, parentheses only where precedence needs them, JSON string
//! escapes. Parsing the printed text gives back an equal AST.
//!
//! Attribute names and URNs are printed as written. Numbers are printed as
//! `serde_json` prints them; strings are JSON string literals with the same
//! escapes `serde_json` uses (RFC 8259 §7).

use std::fmt::{self, Write};

use super::ast::{AttrPath, CompValue, CompareOp, Filter, PatchPath};

/// `s` as a JSON string literal, quotes included: `quote("a\"b")` is
/// `"a\"b"` with the inner quote escaped. Handy for building filters.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    // Writing to a `String` cannot fail.
    let _ = write_quoted(&mut out, s);
    out
}

/// Writes `s` as a JSON string literal: `"` and `\` escaped, control
/// characters as `\b \f \n \r \t` or `\u00XX`, everything else as is.
fn write_quoted(out: &mut impl Write, s: &str) -> fmt::Result {
    out.write_char('"')?;
    let mut plain_from = 0;
    for (i, c) in s.char_indices() {
        let escape = match c {
            '"' => "\\\"",
            '\\' => "\\\\",
            '\u{8}' => "\\b",
            '\u{c}' => "\\f",
            '\n' => "\\n",
            '\r' => "\\r",
            '\t' => "\\t",
            c if u32::from(c) < 0x20 => "",
            _ => continue,
        };
        out.write_str(s.get(plain_from..i).unwrap_or(""))?;
        if escape.is_empty() {
            write!(out, "\\u{:04x}", u32::from(c))?;
        } else {
            out.write_str(escape)?;
        }
        plain_from = i + c.len_utf8();
    }
    out.write_str(s.get(plain_from..).unwrap_or(""))?;
    out.write_char('"')
}

impl CompareOp {
    /// The operator as written in a filter, lower case (`"eq"`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Eq => "eq",
            Self::Ne => "ne",
            Self::Co => "co",
            Self::Sw => "sw",
            Self::Ew => "ew",
            Self::Gt => "gt",
            Self::Ge => "ge",
            Self::Lt => "lt",
            Self::Le => "le",
        }
    }
}

impl fmt::Display for CompareOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for CompValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Null => f.write_str("null"),
            Self::Bool(true) => f.write_str("true"),
            Self::Bool(false) => f.write_str("false"),
            Self::Number(n) => write!(f, "{n}"),
            Self::String(s) => write_quoted(f, s),
        }
    }
}

impl fmt::Display for AttrPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(urn) = &self.urn {
            write!(f, "{urn}:")?;
        }
        f.write_str(&self.name)?;
        if let Some(sub) = &self.sub {
            write!(f, ".{sub}")?;
        }
        Ok(())
    }
}

impl fmt::Display for PatchPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.attr)?;
        if let Some(filter) = &self.filter {
            f.write_char('[')?;
            write_filter(f, filter, Level::Or)?;
            f.write_char(']')?;
        }
        if let Some(sub) = &self.sub {
            write!(f, ".{sub}")?;
        }
        Ok(())
    }
}

impl fmt::Display for Filter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_filter(f, self, Level::Or)
    }
}

/// Binding strength, weakest first: a sub-filter whose level is below the
/// level its position needs gets parentheses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Level {
    Or,
    And,
    Atom,
}

fn level(filter: &Filter) -> Level {
    match filter {
        Filter::Or(..) => Level::Or,
        Filter::And(..) => Level::And,
        _ => Level::Atom,
    }
}

/// Writes `filter` in a position that binds at least as tightly as `needed`.
/// `and`/`or` are left-associative, so a right operand of the same operator
/// needs parentheses and a left one does not.
fn write_filter(f: &mut fmt::Formatter<'_>, filter: &Filter, needed: Level) -> fmt::Result {
    if level(filter) < needed {
        f.write_char('(')?;
        write_filter(f, filter, Level::Or)?;
        return f.write_char(')');
    }
    match filter {
        Filter::Present(path) => write!(f, "{path} pr"),
        Filter::Compare(path, op, value) => write!(f, "{path} {op} {value}"),
        Filter::Not(inner) => {
            f.write_str("not (")?;
            write_filter(f, inner, Level::Or)?;
            f.write_char(')')
        }
        Filter::And(left, right) => {
            write_filter(f, left, Level::And)?;
            f.write_str(" and ")?;
            write_filter(f, right, Level::Atom)
        }
        Filter::Or(left, right) => {
            write_filter(f, left, Level::Or)?;
            f.write_str(" or ")?;
            write_filter(f, right, Level::And)
        }
        Filter::ValuePath(path, inner) => {
            write!(f, "{path}[")?;
            write_filter(f, inner, Level::Or)?;
            f.write_char(']')
        }
    }
}
