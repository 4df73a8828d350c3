//! `svcsim rules`: print the rules kube-proxy would program on one node for
//! a plain Kubernetes YAML stream (iptables-save text, or `ipvsadm -Ln`).
//!
//! The verb is a thin shell: loading is `svcsim_manifests::lenient`, the
//! rules come from `svcsim_core::proxy`. The node flags are shared with
//! `svcsim route` through [`NodeArgs`].

use crate::CliError;
use svcsim_core::model::{EndpointSlice, Object, Service};
use svcsim_core::net::{Cidr, Ipv4Addr};
use svcsim_core::proxy::{iptables, ipvs, NodeFacts};
use svcsim_core::SimTime;

/// The node kube-proxy runs on, as flags.
#[derive(clap::Args, Debug)]
pub struct NodeArgs {
    /// The node's name; endpoints with this `nodeName` are local.
    #[arg(long = "node", value_name = "NAME")]
    pub node: String,
    /// The node's own addresses, comma-separated; the first is the primary.
    /// (Required for plain object files; a scenario knows its nodes.)
    #[arg(long = "node-ip", value_name = "IP[,IP...]", value_delimiter = ',')]
    pub node_ip: Vec<String>,
    /// Pod CIDR of the local-traffic detector (none: no pod-CIDR rules).
    #[arg(long = "cluster-cidr", value_name = "CIDR")]
    pub cluster_cidr: Option<String>,
    /// kube-proxy's --masquerade-all.
    #[arg(long = "masquerade-all")]
    pub masquerade_all: bool,
}

impl NodeArgs {
    /// Validate the flags into node facts.
    pub fn facts(&self) -> Result<NodeFacts, CliError> {
        if self.node.is_empty() {
            return Err(CliError::usage("--node: empty node name"));
        }
        if self.node_ip.is_empty() {
            return Err(CliError::usage(
                "--node-ip is required for a file of plain objects (a scenario file or builtin:NAME knows its nodes)",
            ));
        }
        let mut ips = Vec::new();
        for s in &self.node_ip {
            let ip: Ipv4Addr = s
                .trim()
                .parse()
                .map_err(|_| CliError::usage(format!("--node-ip: {s:?} is not an IPv4 address")))?;
            ips.push(ip);
        }
        let mut facts = NodeFacts::new(self.node.clone(), ips);
        if let Some(c) = &self.cluster_cidr {
            let cidr = Cidr::parse(c).filter(|_| c.contains('/')).ok_or_else(|| {
                CliError::usage(format!(
                    "--cluster-cidr: {c:?} is not an IPv4 CIDR such as 10.0.0.0/8"
                ))
            })?;
            facts.cluster_cidr = Some(cidr);
        }
        facts.masquerade_all = self.masquerade_all;
        Ok(facts)
    }
}

/// Read a YAML/JSON stream and keep its Services and EndpointSlices.
pub fn load(path: &str) -> Result<(Vec<Service>, Vec<EndpointSlice>), CliError> {
    let text = super::read_input(path)?;
    let loaded = svcsim_manifests::lenient::parse_objects(&text)
        .map_err(|e| CliError::usage(format!("{path}: {e}")))?;
    let mut services = Vec::new();
    let mut slices = Vec::new();
    for o in loaded.objects {
        match o {
            Object::Service(s) => services.push(s),
            Object::EndpointSlice(s) => slices.push(s),
            _ => {}
        }
    }
    Ok((services, slices))
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Iptables,
    Ipvs,
}

#[derive(clap::Args, Debug)]
pub struct Args {
    /// A scenario file or `builtin:NAME` (rules as kube-proxy on that node
    /// has them at `--at`), or Services and EndpointSlices as kube-proxy
    /// receives them (YAML or JSON stream, `-` for stdin).
    #[arg(value_name = "SCENARIO|OBJECTS.yaml")]
    pub objects: String,
    #[command(flatten)]
    pub node: NodeArgs,
    /// Simulated time for a scenario, e.g. `30s` (default 0).
    #[arg(long, value_name = "TIME")]
    pub at: Option<String>,
    /// Proxy mode.
    #[arg(long, value_enum, default_value = "iptables")]
    pub mode: Mode,
    /// IPVS scheduler (ipvs mode only): rr, lc or sh.
    #[arg(long, default_value = "rr")]
    pub scheduler: String,
}

pub fn run(args: Args) -> Result<(), CliError> {
    if let Some(mut sim) = super::simulated(&args.objects, args.at.as_deref())? {
        super::sim_node(&sim, &args.node.node)?;
        let text = match args.mode {
            Mode::Iptables => sim.node_rules(&args.node.node).map(|r| r.render_save()),
            Mode::Ipvs => sim.ipvsadm_text(&args.node.node),
        };
        print!("{}", text.unwrap_or_default());
        return Ok(());
    }
    let facts = args.node.facts()?;
    let (services, slices) = load(&args.objects)?;
    let text = match args.mode {
        Mode::Iptables => iptables::generate(&services, &slices, &facts).render_save(),
        Mode::Ipvs => {
            let sched = ipvs::Scheduler::parse(&args.scheduler).ok_or_else(|| {
                CliError::usage(format!(
                    "--scheduler: {:?} is not one of rr, lc, sh",
                    args.scheduler
                ))
            })?;
            // No traffic has flowed: every counter is zero at any time.
            ipvs::generate(&services, &slices, &facts, sched).render_ipvsadm(SimTime::ZERO)
        }
    };
    print!("{text}");
    Ok(())
}
