//! One module per verb.

pub mod conntrack;
pub mod dig;
pub mod export;
pub mod lint;
pub mod reach;
pub mod route;
pub mod rules;
pub mod run;
pub mod validate;

/// Write a verb's output in one go. A closed pipe (`svcsim ... | head`) is
/// not an error worth a panic or a message: the reader has what it wanted.
pub fn emit(text: &str) -> Result<(), crate::CliError> {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(crate::CliError::failed(format!("writing output: {e}"))),
    }
}

/// Read a file argument, or stdin for `-`.
pub fn read_input(path: &str) -> Result<String, crate::CliError> {
    if path == "-" {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut s)
            .map_err(|e| crate::CliError::usage(format!("reading stdin: {e}")))?;
        Ok(s)
    } else {
        std::fs::read_to_string(path).map_err(|e| crate::CliError::usage(format!("{path}: {e}")))
    }
}

/// The simulation at time `at`, when `file` is a scenario: `builtin:NAME`,
/// a file with a `kind: Scenario` document, or any file when `at` is given.
/// `Ok(None)` means "a plain object file: take it as given" (replay mode,
/// objects as kube-proxy receives them, no defaulting or validation).
pub fn simulated(
    file: &str,
    at: Option<&str>,
) -> Result<Option<svcsim_core::Sim>, crate::CliError> {
    let builtin = file.strip_prefix("builtin:");
    let text = match builtin {
        Some(_) => None,
        None => Some(read_input(file)?),
    };
    let is_scenario = builtin.is_some()
        || at.is_some()
        || text.as_deref().is_some_and(|t| {
            t.lines()
                .any(|l| l.trim() == "kind: Scenario" || l.trim() == "kind: \"Scenario\"")
        });
    if !is_scenario {
        return Ok(None);
    }
    let source = run::Source {
        scenario: text.as_ref().map(|_| file.to_string()),
        builtin: builtin.map(str::to_string),
        seed: None,
        for_: None,
    };
    let (mut sim, _) = run::build_from(&source, text)?;
    let t = match at {
        Some(a) => svcsim_core::SimDuration::parse(a).ok_or_else(|| {
            crate::CliError::usage(format!(
                "--at {a:?}: expected a time such as 30s, 2m, 1500ms"
            ))
        })?,
        None => svcsim_core::SimDuration::ZERO,
    };
    sim.set_tracing(false);
    sim.run_until(svcsim_core::SimTime(t.as_nanos()));
    Ok(Some(sim))
}

/// The cluster's API objects at simulated time `at`, when `file` is a
/// scenario (see [`simulated`]).
pub fn simulated_objects(
    file: &str,
    at: Option<&str>,
) -> Result<Option<Vec<svcsim_core::model::Object>>, crate::CliError> {
    Ok(simulated(file, at)?.map(|sim| sim.objects()))
}

/// A node of a simulated scenario, or a usage error naming the nodes.
pub fn sim_node(sim: &svcsim_core::Sim, node: &str) -> Result<(), crate::CliError> {
    let names = sim.node_names();
    if names.iter().any(|n| n == node) {
        Ok(())
    } else {
        Err(crate::CliError::usage(format!(
            "--node {node:?}: the scenario's nodes are {}",
            names.join(", ")
        )))
    }
}
