//! `svcsim route`: where can a packet arriving at a node go? The answer of
//! kube-proxy's own unit-test packet tracer, over the rules svcsim
//! generates: every reachable DNAT destination, or REJECT / DROP / ACCEPT,
//! or nothing, plus whether the packet is marked for masquerade.
//!
//! A thin shell over `svcsim_core::proxy::netfilter::trace_route`.

use super::rules::{load, NodeArgs};
use crate::CliError;
use svcsim_core::net::{Endpoint4, Ipv4Addr, Protocol};
use svcsim_core::proxy::{iptables, netfilter};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// A scenario file or `builtin:NAME` (the node's rules at `--at`), or
    /// Services and EndpointSlices as kube-proxy receives them (YAML or
    /// JSON stream, `-` for stdin).
    #[arg(value_name = "SCENARIO|OBJECTS.yaml")]
    pub objects: String,
    #[command(flatten)]
    pub node: NodeArgs,
    /// Simulated time for a scenario, e.g. `30s` (default 0).
    #[arg(long, value_name = "TIME")]
    pub at: Option<String>,
    /// The packet's source address.
    #[arg(long, value_name = "IP")]
    pub src: String,
    /// The packet's destination.
    #[arg(long, value_name = "IP:PORT")]
    pub dst: String,
    /// tcp, udp or sctp.
    #[arg(long, default_value = "tcp")]
    pub proto: String,
    /// Print `{"output": "...", "masq": true|false}`.
    #[arg(long)]
    pub json: bool,
    /// Also list every rule the packet matched.
    #[arg(long, short)]
    pub verbose: bool,
}

pub fn run(args: Args) -> Result<(), CliError> {
    let src: Ipv4Addr = args
        .src
        .parse()
        .map_err(|_| CliError::usage(format!("--src: {:?} is not an IPv4 address", args.src)))?;
    let dst = Endpoint4::parse(&args.dst)
        .ok_or_else(|| CliError::usage(format!("--dst: {:?} is not IP:PORT", args.dst)))?;
    let proto = Protocol::parse(&args.proto).ok_or_else(|| {
        CliError::usage(format!("--proto: {:?} is not tcp, udp or sctp", args.proto))
    })?;
    let rules = match super::simulated(&args.objects, args.at.as_deref())? {
        Some(mut sim) => {
            super::sim_node(&sim, &args.node.node)?;
            match sim.node_rules(&args.node.node) {
                Some(r) => (*r).clone(),
                None => {
                    return Err(CliError::usage(format!(
                        "--node {}: no rules",
                        args.node.node
                    )))
                }
            }
        }
        None => {
            let facts = args.node.facts()?;
            let (services, slices) = load(&args.objects)?;
            iptables::generate(&services, &slices, &facts)
        }
    };
    let t = netfilter::trace_route(&rules, src, proto, dst.ip, dst.port);
    if args.json {
        // A JSON string literal cannot fail to serialise.
        let output = serde_json::to_string(&t.output).unwrap_or_default();
        println!("{{\"output\": {output}, \"masq\": {}}}", t.masq);
    } else {
        if t.output.is_empty() {
            println!("(not handled by kube-proxy)");
        } else {
            println!("{}", t.output);
        }
        println!("masq: {}", t.masq);
    }
    if args.verbose {
        for h in &t.hits {
            if let Some(text) = rules.rule_text(h.table, &h.chain, h.index) {
                eprintln!("{:<6} {text}", h.table.as_str());
            }
        }
    }
    Ok(())
}
