//! The YAML editor, share links, autosave and lessons (issue 7).
//!
//! Called from the tour in `tests/e2e.rs`; uses its helpers through `super`.

use super::webdriver::{Result, Session};
use std::path::Path;

/// No checks yet: the panels are being built (see the issue notes).
pub fn tour(_session: &Session, _out: &Path, _url: &str) -> Result<()> {
    Ok(())
}
