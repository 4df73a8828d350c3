//! One module per verb.

pub mod dig;
pub mod export;
pub mod reach;
pub mod route;
pub mod rules;
pub mod run;
pub mod validate;

/// Read a file argument, or stdin for `-`.
pub fn read_input(path: &str) -> Result<String, crate::CliError> {
    if path == "-" {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut s)
            .map_err(|e| crate::CliError::usage(format!("reading stdin: {e}")))?;
        Ok(s)
    } else {
        std::fs::read_to_string(path)
            .map_err(|e| crate::CliError::usage(format!("{path}: {e}")))
    }
}
