//! `svcsim run`, `svcsim trace` and `svcsim scenarios`: simulate a scenario
//! and print its metrics, its trace, or the list of built-ins.

use crate::CliError;
use serde_json::json;
use std::io::Write;
use svcsim_core::sim::{TraceHasher, TraceKind};
use svcsim_core::{Sim, SimDuration, SimTime};

/// Which scenario to run and for how long.
#[derive(clap::Args)]
pub struct Source {
    /// A scenario file (YAML or JSON), or `-` for stdin.
    #[arg(required_unless_present = "builtin", conflicts_with = "builtin")]
    pub scenario: Option<String>,
    /// A built-in scenario by name (see `svcsim scenarios`).
    #[arg(long)]
    pub builtin: Option<String>,
    /// Override the scenario's seed.
    #[arg(long)]
    pub seed: Option<u64>,
    /// How long to simulate, e.g. `60s`, `2m`, `1500ms` (default: the
    /// scenario's duration).
    #[arg(long = "for", value_name = "DURATION")]
    pub for_: Option<String>,
}

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub source: Source,
    /// Print the summary as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(clap::Args)]
pub struct TraceArgs {
    #[command(flatten)]
    pub source: Source,
    /// Write to this file instead of stdout.
    #[arg(long, short)]
    pub output: Option<String>,
}

/// Load the scenario named by `src` and build its simulation; returns the
/// sim and how long to run it.
pub fn build(src: &Source) -> Result<(Sim, SimDuration), CliError> {
    build_from(src, None)
}

/// [`build`], with the scenario file's text already read (stdin can only be
/// read once).
pub fn build_from(src: &Source, text: Option<String>) -> Result<(Sim, SimDuration), CliError> {
    let (text, name) = match (&src.builtin, &src.scenario) {
        (Some(b), _) => {
            let text = svcsim_manifests::builtin::get(b).ok_or_else(|| {
                CliError::usage(format!(
                    "no built-in scenario {b:?}; try one of: {}",
                    svcsim_manifests::builtin::names().join(", ")
                ))
            })?;
            (text.to_string(), format!("builtin:{b}"))
        }
        (None, Some(path)) => match text {
            Some(t) => (t, path.clone()),
            None => (super::read_input(path)?, path.clone()),
        },
        (None, None) => return Err(CliError::usage("give a SCENARIO file or --builtin NAME")),
    };
    let loaded = svcsim_manifests::load(&text, &name).map_err(|diags| {
        CliError::failed(svcsim_manifests::render(&diags).trim_end().to_string())
    })?;
    for w in &loaded.warnings {
        eprintln!(
            "{}",
            svcsim_manifests::render(std::slice::from_ref(w)).trim_end()
        );
    }
    let mut spec = loaded.scenario;
    if let Some(seed) = src.seed {
        spec.seed = seed;
    }
    let duration = match &src.for_ {
        Some(d) => SimDuration::parse(d).ok_or_else(|| {
            CliError::usage(format!(
                "--for {d:?}: expected a duration such as 60s, 2m, 1500ms"
            ))
        })?,
        None => spec.duration,
    };
    let sim =
        Sim::new(loaded.objects, spec).map_err(|e| CliError::failed(format!("{name}: {e}")))?;
    Ok((sim, duration))
}

/// Run `sim` for `d`, handing each drained batch of trace events to `f`.
fn drive(sim: &mut Sim, d: SimDuration, mut f: impl FnMut(&svcsim_core::sim::TraceEvent)) {
    let end = SimTime(d.as_nanos());
    // Drain in slices of simulated time so memory stays bounded.
    let step = SimDuration::from_secs(1);
    let mut t = SimTime::ZERO;
    loop {
        t = (t + step).min(end);
        sim.run_until(t);
        for ev in sim.drain_trace() {
            f(&ev);
        }
        if t >= end {
            break;
        }
    }
}

pub fn run(args: Args) -> Result<(), CliError> {
    let (mut sim, d) = build(&args.source)?;
    let mut hasher = TraceHasher::new();
    let mut ends = 0u64;
    drive(&mut sim, d, |ev| {
        hasher.add(ev);
        if matches!(ev.kind, TraceKind::End(_)) {
            ends += 1;
        }
    });
    let m = sim.metrics();
    if args.json {
        let per_pod: serde_json::Map<String, serde_json::Value> = m
            .per_pod
            .iter()
            .map(|(k, c)| (k.clone(), json!({"requests": c.requests, "ok": c.ok})))
            .collect();
        let per_service: serde_json::Map<String, serde_json::Value> = m
            .per_service
            .iter()
            .map(|(k, c)| (k.clone(), json!({"requests": c.requests, "ok": c.ok})))
            .collect();
        let out = json!({
            "seed": sim.spec().seed,
            "simulatedSeconds": d.as_nanos() as f64 / 1e9,
            "requests": m.requests,
            "outcomes": m.outcomes,
            "reasons": m.reasons,
            "perService": per_service,
            "perPod": per_pod,
            "latencyUs": {
                "p50": m.latency_us.quantile_permille(500),
                "p90": m.latency_us.quantile_permille(900),
                "p99": m.latency_us.quantile_permille(990),
            },
            "okLatencyUs": {
                "p50": m.ok_latency_us.quantile_permille(500),
                "p90": m.ok_latency_us.quantile_permille(900),
                "p99": m.ok_latency_us.quantile_permille(990),
            },
            "traceEvents": hasher.count(),
            "traceRequestEnds": ends,
            "traceHash": hasher.hex(),
            "eventsProcessed": sim.events_processed(),
        });
        let text = serde_json::to_string_pretty(&out).unwrap_or_default() + "\n";
        return super::emit(&text);
    }
    use std::fmt::Write as _;
    let mut text = String::new();
    let _ = writeln!(
        text,
        "seed {}  simulated {}s  requests {}",
        sim.spec().seed,
        d.as_secs(),
        m.requests
    );
    let _ = writeln!(text);
    let _ = writeln!(text, "OUTCOME   COUNT   REASON");
    for (reason, n) in &m.reasons {
        let _ = writeln!(text, "{:<40} {n}", reason);
    }
    let _ = writeln!(text);
    let _ = writeln!(
        text,
        "POD                                      REQUESTS   OK"
    );
    for (pod, c) in &m.per_pod {
        let _ = writeln!(text, "{pod:<40} {:>8} {:>5}", c.requests, c.ok);
    }
    let _ = writeln!(text);
    let _ = writeln!(
        text,
        "latency p50 {}us  p90 {}us  p99 {}us",
        m.latency_us.quantile_permille(500),
        m.latency_us.quantile_permille(900),
        m.latency_us.quantile_permille(990)
    );
    let _ = writeln!(
        text,
        "trace: {} events, hash {}",
        hasher.count(),
        hasher.hex()
    );
    super::emit(&text)
}

pub fn trace(args: TraceArgs) -> Result<(), CliError> {
    let (mut sim, d) = build(&args.source)?;
    let out: Box<dyn Write> = match &args.output {
        Some(p) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(p).map_err(|e| CliError::usage(format!("{p}: {e}")))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    let mut out = out;
    let mut failed = None;
    drive(&mut sim, d, |ev| {
        if failed.is_none() {
            if let Err(e) = writeln!(out, "{}", ev.to_json_line()) {
                failed = Some(e);
            }
        }
    });
    if let Some(e) = failed {
        // A closed pipe (`| head`) is not an error worth shouting about.
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            return Err(CliError::failed(format!("writing trace: {e}")));
        }
    }
    let _ = out.flush();
    Ok(())
}

pub fn scenarios() -> Result<(), CliError> {
    let mut text = String::new();
    for name in svcsim_manifests::builtin::names() {
        let caption = svcsim_manifests::builtin::get(name)
            .and_then(|t| svcsim_manifests::load(t, name).ok())
            .map(|l| l.scenario.caption)
            .unwrap_or_default();
        let first = caption
            .split(". ")
            .next()
            .unwrap_or("")
            .trim()
            .trim_end_matches('.');
        text.push_str(&format!("{name:<14} {first}\n"));
    }
    super::emit(&text)
}
