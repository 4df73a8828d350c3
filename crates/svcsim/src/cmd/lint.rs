//! `svcsim lint SCENARIO [--json]`: the best-practice linter
//! (`svcsim_manifests::lint`) on a scenario file or a built-in
//! (`builtin:NAME`). It prints `object: rule: message` per finding, or a
//! JSON array with `--json`. Exit status 0 whatever it finds (advice is
//! not an error); 1 when the file does not load.

use crate::CliError;

#[derive(clap::Args)]
pub struct Args {
    /// A scenario or manifest file, `-` for stdin, or `builtin:NAME`.
    scenario: String,
    /// Print the findings as a JSON array.
    #[arg(long)]
    json: bool,
}

pub fn run(args: Args) -> Result<(), CliError> {
    let (text, file) = match args.scenario.strip_prefix("builtin:") {
        Some(name) => (
            svcsim_manifests::builtin::get(name)
                .ok_or_else(|| CliError::usage(format!("no built-in scenario named {name:?}")))?
                .to_string(),
            args.scenario.clone(),
        ),
        None => (super::read_input(&args.scenario)?, args.scenario.clone()),
    };
    let loaded = svcsim_manifests::load(&text, &file)
        .map_err(|d| CliError::failed(svcsim_manifests::render(&d).trim_end().to_string()))?;
    let findings = svcsim_manifests::lint::lint(&loaded.objects, &loaded.scenario);
    let out = if args.json {
        serde_json::to_string_pretty(&findings)
            .map_err(|e| CliError::failed(format!("writing JSON: {e}")))?
            + "\n"
    } else if findings.is_empty() {
        format!("{file}: no findings\n")
    } else {
        findings
            .iter()
            .map(|f| format!("{}: {}: {}\n", f.object, f.rule, f.message))
            .collect()
    };
    super::emit(&out)
}
