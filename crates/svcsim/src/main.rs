//! `svcsim`, the native command-line tool.
//!
//! Each verb lives in its own module under `cmd/` with an `Args` struct and a
//! `run` function. Verbs print their result to stdout and return a
//! [`CliError`] for bad input; the exit code is 0 on success, 1 when the verb
//! found problems in the input (validation errors), and 2 for usage errors.

mod cmd;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "svcsim", version, about = "Kubernetes Service simulator")]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Run a scenario and print the metrics summary.
    Run(cmd::run::Args),
    /// Run a scenario and write its trace as JSON lines.
    Trace(cmd::run::TraceArgs),
    /// List the built-in scenarios.
    Scenarios,
    /// Print a node's kube-proxy rules (iptables-save or ipvsadm -Ln).
    Rules(cmd::rules::Args),
    /// Where can a packet go from this node? (kube-proxy's packet tracer)
    Route(cmd::route::Args),
    /// Print a node's conntrack table at a simulated time (conntrack -L).
    Conntrack(cmd::conntrack::Args),
    /// Resolve a name with the cluster DNS, as dig would.
    Dig(cmd::dig::Args),
    /// Validate manifests; prints file:line:col: path: message.
    Validate(cmd::validate::Args),
    /// Export a scenario's Kubernetes objects as YAML for kubectl apply.
    Export(cmd::export::Args),
    /// Is a connection between two pods allowed by NetworkPolicy?
    Reach(cmd::reach::Args),
    /// Best-practice advice on a scenario (selectors, Service types, labels, policies).
    Lint(cmd::lint::Args),
}

/// A failure the user can act on. `code` is the process exit code.
#[derive(Debug)]
pub struct CliError {
    pub code: i32,
    pub message: String,
}

impl CliError {
    pub fn usage(message: impl Into<String>) -> CliError {
        CliError {
            code: 2,
            message: message.into(),
        }
    }
    pub fn failed(message: impl Into<String>) -> CliError {
        CliError {
            code: 1,
            message: message.into(),
        }
    }
}

fn main() {
    let cli = Cli::parse();
    let result = match cli.cmd {
        Cmd::Run(a) => cmd::run::run(a),
        Cmd::Trace(a) => cmd::run::trace(a),
        Cmd::Scenarios => cmd::run::scenarios(),
        Cmd::Rules(a) => cmd::rules::run(a),
        Cmd::Route(a) => cmd::route::run(a),
        Cmd::Conntrack(a) => cmd::conntrack::run(a),
        Cmd::Dig(a) => cmd::dig::run(a),
        Cmd::Validate(a) => cmd::validate::run(a),
        Cmd::Export(a) => cmd::export::run(a),
        Cmd::Reach(a) => cmd::reach::run(a),
        Cmd::Lint(a) => cmd::lint::run(a),
    };
    if let Err(e) = result {
        if !e.message.is_empty() {
            eprintln!("svcsim: {}", e.message);
        }
        std::process::exit(e.code);
    }
}
