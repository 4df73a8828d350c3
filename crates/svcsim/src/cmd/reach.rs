//! `svcsim reach`: would NetworkPolicy let this connection through?
//!
//! Reads a file of plain Kubernetes objects (Namespaces, Nodes, Pods,
//! Services, NetworkPolicies), builds a [`PolicyIndex`] and judges one new
//! connection from `--from` to `--to` on `--port`. The judgement itself lives
//! in `svcsim_core::netpol`; this verb only finds the peers and prints the
//! verdict, as JSON or as an explanation.
//!
//! As on the real data path, policy sees the connection after kube-proxy's
//! DNAT. `--to` is therefore the backend pod; with `--service NS/NAME`,
//! `--port` is the Service port and is translated to the Service's
//! targetPort on that pod before judging.

use crate::CliError;
use svcsim_core::model::{Object, Service};
use svcsim_core::net::{Ipv4Addr, Protocol};
use svcsim_core::netpol::{
    service_target_port, DirectionVerdict, Peer, PolicyIndex, Reach, Reason,
};
use svcsim_manifests::lenient::parse_objects;

#[derive(clap::Args)]
pub struct Args {
    /// File of Kubernetes objects (YAML or JSON, `-` for stdin).
    file: String,
    /// Source: a pod as NS/NAME, or an IPv4 address (a node or an external client).
    #[arg(long, value_name = "NS/POD|IP")]
    from: String,
    /// Destination: a pod as NS/NAME (the backend, after DNAT), or an IPv4 address.
    #[arg(long, value_name = "NS/POD|IP")]
    to: String,
    /// Destination port: the container (target) port, or the Service port with --service.
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..))]
    port: u16,
    /// Transport protocol.
    #[arg(long, default_value = "TCP", value_parser = parse_proto, value_name = "TCP|UDP|SCTP")]
    proto: Protocol,
    /// The connection was made to this Service (NS/NAME); --port is its port,
    /// and policy is judged on its targetPort on the --to pod.
    #[arg(long, value_name = "NS/NAME")]
    service: Option<String>,
    /// Print the verdict as JSON: {"allowed": …, "egress": {…}, "ingress": {…}}.
    #[arg(long)]
    json: bool,
}

fn parse_proto(s: &str) -> Result<Protocol, String> {
    Protocol::parse(s).ok_or_else(|| format!("unknown protocol {s:?}: expected TCP, UDP or SCTP"))
}

fn split_key<'a>(flag: &str, key: &'a str) -> Result<(&'a str, &'a str), CliError> {
    match key.split_once('/') {
        Some((ns, name)) if !ns.is_empty() && !name.is_empty() && !name.contains('/') => {
            Ok((ns, name))
        }
        _ => Err(CliError::usage(format!(
            "{flag} {key:?}: expected NS/NAME or an IPv4 address"
        ))),
    }
}

fn find_peer<'a>(index: &'a PolicyIndex, flag: &str, arg: &str) -> Result<Peer<'a>, CliError> {
    if let Ok(ip) = arg.parse::<Ipv4Addr>() {
        return Ok(index.peer_for_ip(ip));
    }
    let (ns, name) = split_key(flag, arg)?;
    index
        .pod(ns, name)
        .map(Peer::Pod)
        .ok_or_else(|| CliError::usage(format!("{flag} {arg}: no pod {ns}/{name} in the file")))
}

pub fn run(args: Args) -> Result<(), CliError> {
    let text = super::read_input(&args.file)?;
    let loaded =
        parse_objects(&text).map_err(|e| CliError::usage(format!("{}: {e}", args.file)))?;
    let index = PolicyIndex::from_objects(&loaded.objects);
    for w in index.warnings() {
        eprintln!("svcsim: warning: {w}");
    }
    let src = find_peer(&index, "--from", &args.from)?;
    let dst = find_peer(&index, "--to", &args.to)?;

    let port = match &args.service {
        None => args.port,
        Some(key) => {
            let (ns, name) = split_key("--service", key)?;
            let svc = find_service(&loaded.objects, ns, name).ok_or_else(|| {
                CliError::usage(format!("--service {key}: no such Service in the file"))
            })?;
            let Peer::Pod(backend) = dst else {
                return Err(CliError::usage(
                    "--service needs --to to name the backend pod (NS/POD)",
                ));
            };
            service_target_port(svc, args.port, args.proto, backend).ok_or_else(|| {
                CliError::usage(format!(
                    "--service {key}: no {}/{} port, or its targetPort does not resolve on {}",
                    args.proto,
                    args.port,
                    dst.describe()
                ))
            })?
        }
    };

    let reach = index.evaluate(src, dst, port, args.proto);
    let text = if args.json {
        serde_json::to_string_pretty(&reach)
            .map(|t| t + "\n")
            .map_err(|e| CliError::failed(format!("encoding JSON: {e}")))?
    } else {
        explain(&reach, &src, &dst, port, args.proto, &args)
    };
    super::emit(&text)
}

fn find_service<'a>(objects: &'a [Object], ns: &str, name: &str) -> Option<&'a Service> {
    objects.iter().find_map(|o| match o {
        Object::Service(s) if s.metadata.ns() == ns && s.metadata.name == name => Some(s),
        _ => None,
    })
}

/// The readable form: one headline, then one paragraph per direction.
fn explain(
    reach: &Reach,
    src: &Peer<'_>,
    dst: &Peer<'_>,
    port: u16,
    proto: Protocol,
    args: &Args,
) -> String {
    let mut out = format!(
        "{} -> {} {proto}/{port}: {}\n",
        src.describe(),
        dst.describe(),
        if reach.allowed { "ALLOWED" } else { "DENIED" }
    );
    if let Some(svc) = &args.service {
        out.push_str(&format!(
            "  via Service {svc} port {}/{}; NetworkPolicy sees the connection after DNAT, on targetPort {port}\n",
            args.proto, args.port
        ));
    }
    out.push_str(&direction("egress", &reach.egress));
    out.push_str(&direction("ingress", &reach.ingress));
    out
}

fn direction(dir: &str, v: &DirectionVerdict) -> String {
    let verdict = if v.allowed { "allows" } else { "denies" };
    let Some(subject) = &v.subject else {
        return format!("  {dir}: not a pod, so no NetworkPolicy applies on this side\n");
    };
    let mut out = format!("  {dir} of {subject} {verdict}: ");
    match &v.reason {
        Reason::NotAPod => out.push_str("not a pod\n"),
        Reason::Loopback => out.push_str("a pod can always reach itself\n"),
        Reason::NotIsolated => out.push_str(&format!(
            "no NetworkPolicy selects {subject} for {dir}, so it is not isolated\n"
        )),
        Reason::LocalNode => out.push_str(&format!(
            "traffic from the pod's own node is always allowed in (selected by {})\n",
            v.policies.join(", ")
        )),
        Reason::AllowedByRule { policy, rule } => out.push_str(&format!(
            "isolated by {}; allowed by {policy} {dir}[{rule}]\n",
            v.policies.join(", ")
        )),
        Reason::NoRuleMatched { misses } => {
            out.push_str(&format!(
                "isolated by {}; no rule allows this connection\n",
                v.policies.join(", ")
            ));
            for p in &v.policies {
                if !misses.iter().any(|m| &m.policy == p) {
                    out.push_str(&format!("    {p}: has no {dir} rules\n"));
                }
            }
            for m in misses {
                out.push_str(&format!(
                    "    {} {dir}[{}]: {}\n",
                    m.policy,
                    m.rule,
                    m.what()
                ));
            }
        }
    }
    out
}
