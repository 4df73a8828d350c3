//! Diagnostics: errors and warnings about an input file, each with a
//! 1-based line and column, the field path of the object (as the API server
//! prints it, `spec.ports[0].nodePort`) and a message.
//!
//! They render as `file:line:col: path: message`, the shape compilers use,
//! so editors and terminals turn them into links.

use serde::Serialize;
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub severity: Severity,
    /// The file name given to [`crate::load`].
    pub file: String,
    /// 1-based; 0 when the problem is not tied to a place (e.g. a count limit).
    pub line: usize,
    /// 1-based.
    pub col: usize,
    /// Field path inside the object, empty for whole-document problems.
    pub path: String,
    pub message: String,
}

impl Diagnostic {
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}: ", self.file, self.line, self.col)?;
        if self.severity == Severity::Warning {
            f.write_str("warning: ")?;
        }
        if !self.path.is_empty() {
            write!(f, "{}: ", self.path)?;
        }
        f.write_str(&self.message)
    }
}

/// Render a list of diagnostics, one per line.
pub fn render(diags: &[Diagnostic]) -> String {
    let mut out = String::new();
    for d in diags {
        out += &d.to_string();
        out.push('\n');
    }
    out
}
