//! Problems found in rule files, with everything an operator needs to fix them:
//! file, rule id, field path, line and column, the problem, and a hint.

use std::fmt;
use std::path::PathBuf;

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Warning,
    Error,
}

/// One problem in one place.
#[derive(Debug, Clone, Serialize)]
pub struct Diagnostic {
    pub severity: Severity,
    pub file: PathBuf,
    /// The rule's id, when the problem is inside a rule that has one.
    pub rule: Option<String>,
    /// Field path such as `rules[3].actions[0].coerce.select`.
    pub field: String,
    /// 1-based; 0 when unknown.
    pub line: u32,
    pub column: u32,
    pub message: String,
    pub hint: Option<String>,
}

impl Diagnostic {
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// A problem found while compiling one rule, before it is placed in its file.
#[derive(Debug, Clone)]
pub struct Problem {
    pub severity: Severity,
    /// Path relative to the rule, e.g. `actions[0].coerce.select`.
    pub field: super::yaml::FieldPath,
    pub message: String,
    pub hint: Option<String>,
    /// Point at this key inside the field's map rather than at the field itself.
    pub key: Option<String>,
}

impl Problem {
    pub fn error(field: super::yaml::FieldPath, message: impl Into<String>) -> Self {
        Problem {
            severity: Severity::Error,
            field,
            message: message.into(),
            hint: None,
            key: None,
        }
    }
    pub fn warning(field: super::yaml::FieldPath, message: impl Into<String>) -> Self {
        Problem {
            severity: Severity::Warning,
            ..Problem::error(field, message)
        }
    }
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

impl fmt::Display for Diagnostic {
    /// Renders like a compiler message:
    ///
    /// ```text
    /// error: unknown field `selct`, expected `select` or `to`
    ///   --> rules/common/entra.yaml:12:11
    ///    = rule: entra.string-booleans, field: rules[0].actions[1].coerce
    ///    = hint: …
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let level = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        writeln!(f, "{level}: {}", self.message)?;
        write!(f, "  --> {}", self.file.display())?;
        if self.line > 0 {
            write!(f, ":{}:{}", self.line, self.column)?;
        }
        writeln!(f)?;
        let mut context = Vec::new();
        if let Some(rule) = &self.rule {
            context.push(format!("rule: {rule}"));
        }
        if !self.field.is_empty() {
            context.push(format!("field: {}", self.field));
        }
        if !context.is_empty() {
            writeln!(f, "   = {}", context.join(", "))?;
        }
        if let Some(hint) = &self.hint {
            writeln!(f, "   = hint: {hint}")?;
        }
        Ok(())
    }
}
