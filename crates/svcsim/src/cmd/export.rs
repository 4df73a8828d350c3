//! `svcsim export SCENARIO` / `svcsim export --builtin NAME`: write a
//! scenario's Kubernetes objects as YAML that `kubectl apply -f` accepts.
//! The objects are written as the scenario declares them (no status, no
//! addresses svcsim allocated), and the `kind: Scenario` document is left
//! out, since it means nothing to a cluster.

use crate::CliError;

#[derive(clap::Args)]
pub struct Args {
    /// A scenario or manifest file; `-` reads stdin.
    #[arg(required_unless_present = "builtin", conflicts_with = "builtin")]
    scenario: Option<String>,
    /// Export a built-in scenario instead (see `svcsim scenarios`).
    #[arg(long, value_name = "NAME")]
    builtin: Option<String>,
    /// Write to this file instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    output: Option<String>,
}

pub fn run(args: Args) -> Result<(), CliError> {
    let (text, name) = match (&args.builtin, &args.scenario) {
        (Some(b), _) => match svcsim_manifests::builtin::get(b) {
            Some(t) => (t.to_string(), format!("builtin:{b}")),
            None => {
                return Err(CliError::usage(format!(
                    "no built-in scenario {b:?}; the built-ins are: {}",
                    svcsim_manifests::builtin::names().join(", ")
                )))
            }
        },
        (None, Some(f)) => (super::read_input(f)?, f.clone()),
        (None, None) => return Err(CliError::usage("give a scenario file or --builtin NAME")),
    };
    let loaded = match svcsim_manifests::load(&text, &name) {
        Ok(l) => l,
        Err(diags) => {
            return Err(CliError::failed(
                svcsim_manifests::render(&diags).trim_end().to_string(),
            ))
        }
    };
    for w in &loaded.warnings {
        eprintln!("{w}");
    }
    let yaml = svcsim_manifests::export::to_yaml(&loaded.manifests);
    match &args.output {
        Some(path) => {
            std::fs::write(path, yaml).map_err(|e| CliError::usage(format!("{path}: {e}")))?
        }
        None => print!("{yaml}"),
    }
    Ok(())
}
