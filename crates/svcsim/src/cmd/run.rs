//! `svcsim run`, `svcsim trace` and `svcsim scenarios` (being built).

use crate::CliError;

#[derive(clap::Args)]
pub struct Args {
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    rest: Vec<String>,
}

#[derive(clap::Args)]
pub struct TraceArgs {
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    rest: Vec<String>,
}

pub fn run(_args: Args) -> Result<(), CliError> {
    Err(CliError::usage("svcsim run is not available in this build yet"))
}

pub fn trace(_args: TraceArgs) -> Result<(), CliError> {
    Err(CliError::usage("svcsim trace is not available in this build yet"))
}

pub fn scenarios() -> Result<(), CliError> {
    Err(CliError::usage("svcsim scenarios is not available in this build yet"))
}
