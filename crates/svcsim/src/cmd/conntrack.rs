//! `svcsim conntrack`: a node's connection-tracking table at a simulated
//! moment, as `conntrack -L` prints it (or only its size, as `conntrack
//! -C`). The table and its text are the core's (`Sim::conntrack_text`);
//! this verb runs the scenario to `--at` and prints.

use crate::CliError;

#[derive(clap::Args)]
pub struct Args {
    /// A scenario file or `builtin:NAME`.
    scenario: String,
    /// The node whose table to print.
    #[arg(long, value_name = "NAME")]
    node: String,
    /// Simulated time, e.g. `30s` (default 0).
    #[arg(long, value_name = "TIME")]
    at: Option<String>,
    /// Print only how many entries there are (`conntrack -C`).
    #[arg(long, short = 'C')]
    count: bool,
}

pub fn run(args: Args) -> Result<(), CliError> {
    // Any file is run as a scenario: give `simulated` a time.
    let at = args.at.as_deref().unwrap_or("0s");
    let sim = super::simulated(&args.scenario, Some(at))?
        .ok_or_else(|| CliError::usage(format!("{}: not a scenario", args.scenario)))?;
    super::sim_node(&sim, &args.node)?;
    let text = sim.conntrack_text(&args.node).unwrap_or_default();
    let entries = text.lines().count();
    if args.count {
        return super::emit(&format!("{entries}\n"));
    }
    super::emit(&text)?;
    // conntrack-tools ends a listing with this line, on stderr.
    eprintln!("conntrack v1.4.6 (conntrack-tools): {entries} flow entries have been shown.");
    Ok(())
}
