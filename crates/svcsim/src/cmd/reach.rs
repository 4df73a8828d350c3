//! `svcsim reach` (being built; see the issue tracker).

use crate::CliError;

#[derive(clap::Args)]
pub struct Args {
    /// Arguments, to be defined.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    rest: Vec<String>,
}

pub fn run(_args: Args) -> Result<(), CliError> {
    Err(CliError::usage("svcsim reach is not available in this build yet"))
}
