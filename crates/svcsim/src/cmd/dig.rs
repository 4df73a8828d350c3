//! `svcsim dig`: ask the simulated cluster DNS a question, as dig would.
//!
//! Reads a file of plain Kubernetes objects (Services, EndpointSlices, Pods),
//! builds a `svcsim_core::dns::Zone` and prints the answer in dig's format.
//! Without `--from`, NAME is asked as given, like `dig` itself (no search
//! list). With `--from NS/POD`, NAME goes through that pod's ClusterFirst
//! resolv.conf (search list, `ndots:5`) and every query the pod's resolver
//! would send is listed before the final answer. All DNS logic lives in the
//! core; this verb only loads, parses flags and prints.

use crate::CliError;
use std::net::IpAddr;
use svcsim_core::dns::{
    dig_text, resolve, reverse_name, PodRecords, QType, QueryStep, ResolvConf, Zone, ZoneOptions,
};
use svcsim_core::model::{Object, Pod};
use svcsim_manifests::lenient::{parse_objects, Loaded};

/// kubeadm's default cluster DNS address: the 10th address of 10.96.0.0/12.
/// Used when the file has no `kube-system/kube-dns` Service.
const DEFAULT_NAMESERVER: &str = "10.96.0.10";

#[derive(clap::Args)]
pub struct Args {
    /// A scenario file, or a file of plain Kubernetes objects (YAML or
    /// JSON, `-` for stdin), or `builtin:NAME`.
    file: String,
    /// The name to resolve. With --type PTR an IP address is turned into its
    /// in-addr.arpa / ip6.arpa name.
    name: String,
    /// Query type.
    #[arg(long = "type", short = 't', default_value = "A", value_parser = parse_qtype,
          value_name = "A|AAAA|SRV|PTR|CNAME|TXT|SOA")]
    qtype: QType,
    /// Resolve from this pod (NS/NAME): apply its resolv.conf search list and
    /// ndots, and print every query tried.
    #[arg(long, value_name = "NS/POD")]
    from: Option<String>,
    /// The cluster domain.
    #[arg(long, default_value = "cluster.local")]
    cluster_domain: String,
    /// Record TTL in seconds (CoreDNS's default is 5; kubeadm's Corefile uses 30).
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(0..=3600))]
    ttl: u32,
    /// Answer `a-b-c-d.NS.pod.ZONE` names (CoreDNS `pods insecure`, as kubeadm configures).
    #[arg(long)]
    pods_insecure: bool,
    /// Print the queries and answers as JSON instead.
    #[arg(long)]
    json: bool,
    /// Ask the simulated cluster at this simulated time (e.g. `30s`). The
    /// file is then run as a scenario; without it, a file with a Scenario
    /// document (or `builtin:NAME`) is answered at time 0 and a plain
    /// object file is taken as given.
    #[arg(long, value_name = "TIME")]
    at: Option<String>,
}

fn parse_qtype(s: &str) -> Result<QType, String> {
    QType::parse(s).ok_or_else(|| {
        format!("unknown query type {s:?}: expected A, AAAA, SRV, PTR, CNAME, TXT or SOA")
    })
}

/// The cluster DNS Service's address, as kubelet's `--cluster-dns` would be.
fn nameserver(objects: &[Object]) -> String {
    objects
        .iter()
        .find_map(|o| match o {
            Object::Service(s)
                if s.metadata.ns() == "kube-system" && s.metadata.name == "kube-dns" =>
            {
                s.cluster_ip().map(str::to_string)
            }
            _ => None,
        })
        .unwrap_or_else(|| DEFAULT_NAMESERVER.to_string())
}

fn find_pod<'a>(objects: &'a [Object], key: &str) -> Result<&'a Pod, CliError> {
    let (ns, name) = key
        .split_once('/')
        .filter(|(ns, name)| !ns.is_empty() && !name.is_empty() && !name.contains('/'))
        .ok_or_else(|| CliError::usage(format!("--from {key:?}: expected NS/POD")))?;
    objects
        .iter()
        .find_map(|o| match o {
            Object::Pod(p) if p.metadata.ns() == ns && p.metadata.name == name => Some(p),
            _ => None,
        })
        .ok_or_else(|| CliError::usage(format!("--from {key}: no pod {ns}/{name} in the file")))
}

pub fn run(args: Args) -> Result<(), CliError> {
    let loaded = match super::simulated_objects(&args.file, args.at.as_deref())? {
        Some(objects) => Loaded {
            objects,
            ..Default::default()
        },
        None => {
            let text = super::read_input(&args.file)?;
            parse_objects(&text).map_err(|e| CliError::usage(format!("{}: {e}", args.file)))?
        }
    };
    let opts = ZoneOptions {
        cluster_domain: args.cluster_domain.clone(),
        ttl: args.ttl,
        pods: if args.pods_insecure {
            PodRecords::Insecure
        } else {
            PodRecords::Disabled
        },
        ..ZoneOptions::default()
    };
    let zone = Zone::from_objects(&loaded.objects, &opts);
    let server = nameserver(&loaded.objects);

    let name = match (args.qtype, args.name.parse::<IpAddr>()) {
        (QType::Ptr, Ok(ip)) => format!("{}.", reverse_name(ip)),
        _ => args.name.clone(),
    };
    if name.is_empty() {
        return Err(CliError::usage("NAME is empty"));
    }

    match &args.from {
        None => {
            let step = QueryStep {
                qname: format!("{}.", name.trim_end_matches('.')),
                qtype: args.qtype,
                answer: zone.query(&name, args.qtype),
            };
            if args.json {
                super::emit(&to_json(&step)?)?;
            } else {
                super::emit(&dig_text(&step, &server))?;
            }
        }
        Some(key) => {
            let pod = find_pod(&loaded.objects, key)?;
            match pod.spec.dns_policy.as_deref() {
                None | Some("ClusterFirst") | Some("ClusterFirstWithHostNet") => {}
                Some(other) => eprintln!(
                    "svcsim: warning: {key} has dnsPolicy {other}, which svcsim does not model; \
                     using ClusterFirst"
                ),
            }
            let conf = ResolvConf::cluster_first(pod.metadata.ns(), &args.cluster_domain, &server);
            let resolution = resolve(&zone, &name, args.qtype, &conf);
            if args.json {
                return super::emit(&to_json(&resolution)?);
            }
            let mut out = format!(
                ";; resolv.conf of {key}: nameserver {}; search {}; options ndots:{}\n",
                conf.nameservers.join(" "),
                conf.search.join(" "),
                conf.ndots
            );
            for (i, q) in resolution.queries.iter().enumerate() {
                let n = q.answer.answer.len();
                let outcome = if q.answer.is_nodata() {
                    "NOERROR (no data)".to_string()
                } else {
                    format!(
                        "{} ({n} answer{})",
                        q.answer.rcode,
                        if n == 1 { "" } else { "s" }
                    )
                };
                let last = if i == resolution.final_index {
                    "  <- final"
                } else {
                    ""
                };
                out.push_str(&format!(
                    ";; try {}: {} {} -> {outcome}{last}\n",
                    i + 1,
                    q.qname,
                    q.qtype
                ));
            }
            out.push('\n');
            out.push_str(&dig_text(resolution.final_step(), &server));
            super::emit(&out)?;
        }
    }
    Ok(())
}

fn to_json<T: serde::Serialize>(v: &T) -> Result<String, CliError> {
    serde_json::to_string_pretty(v)
        .map(|t| t + "\n")
        .map_err(|e| CliError::failed(format!("encoding JSON: {e}")))
}
