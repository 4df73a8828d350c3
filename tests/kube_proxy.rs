//! kube-proxy goldens: svcsim's iptables generator and packet tracer against
//! cases taken from kube-proxy's own unit tests (see
//! `data/kube-proxy/README.md` for where each case came from).
//!
//! Every case folder is run: `expected.iptables` must match byte for byte,
//! and every flow must give the tracer's exact output and masquerade flag.
//! The kernel-style interpreter is also held to the goldens: over many seeded
//! draws, the DNAT destinations it picks must be exactly the tracer's set,
//! and its verdict and masquerade must agree.

use serde_json::Value;
use std::collections::BTreeSet;
use svcsim_core::model::Object;
use svcsim_core::net::{Cidr, Ipv4Addr, Protocol};
use svcsim_core::proxy::netfilter::{self, EvalCtx, Hook, Packet, RecentTable, Verdict};
use svcsim_core::proxy::rules::Ruleset;
use svcsim_core::proxy::{iptables, NodeFacts};
use svcsim_core::rng::Stream;
use svcsim_core::SimTime;
use svcsim_tests::data_path;

struct Case {
    name: String,
    facts: NodeFacts,
    rules: Ruleset,
    json: Value,
}

/// Node facts from a case's `args` (the `svcsim rules` flags).
fn facts_from_args(args: &[String]) -> NodeFacts {
    let mut facts = NodeFacts::new("", vec![]);
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--node" => facts.node_name = it.next().expect("--node value").clone(),
            "--node-ip" => {
                facts.node_ips = it
                    .next()
                    .expect("--node-ip value")
                    .split(',')
                    .map(|s| s.parse().expect("node ip"))
                    .collect()
            }
            "--cluster-cidr" => {
                facts.cluster_cidr = Some(Cidr::parse(it.next().expect("cidr")).expect("cidr"))
            }
            "--masquerade-all" => facts.masquerade_all = true,
            other => panic!("unknown case arg {other}"),
        }
    }
    facts
}

fn load_cases() -> Vec<Case> {
    let dir = data_path("kube-proxy");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("tests/data/kube-proxy exists")
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert!(
        names.len() >= 11,
        "expected the 11 golden cases, found {names:?}"
    );
    names
        .into_iter()
        .map(|name| {
            let json: Value = serde_json::from_str(
                &std::fs::read_to_string(dir.join(&name).join("case.json")).unwrap(),
            )
            .unwrap();
            let args: Vec<String> = json["args"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap().to_string())
                .collect();
            let facts = facts_from_args(&args);
            let yaml = std::fs::read_to_string(dir.join(&name).join("objects.yaml")).unwrap();
            let loaded = svcsim_manifests::lenient::parse_objects(&yaml).unwrap();
            let mut services = Vec::new();
            let mut slices = Vec::new();
            for o in loaded.objects {
                match o {
                    Object::Service(s) => services.push(s),
                    Object::EndpointSlice(s) => slices.push(s),
                    _ => {}
                }
            }
            let rules = iptables::generate(&services, &slices, &facts);
            Case {
                name,
                facts,
                rules,
                json,
            }
        })
        .collect()
}

#[test]
fn rules_match_expected_iptables_byte_for_byte() {
    let mut checked = 0;
    for case in load_cases() {
        let path = data_path("kube-proxy")
            .join(&case.name)
            .join("expected.iptables");
        let Ok(expected) = std::fs::read_to_string(&path) else {
            continue;
        };
        let actual = case.rules.render_save();
        if actual != expected {
            let diff: Vec<String> = expected
                .lines()
                .zip(actual.lines())
                .enumerate()
                .filter(|(_, (e, a))| e != a)
                .take(5)
                .map(|(i, (e, a))| format!("line {}:\n  expected: {e}\n  actual:   {a}", i + 1))
                .collect();
            panic!(
                "{}: rules differ ({} vs {} lines)\n{}\n--- actual\n{actual}",
                case.name,
                expected.lines().count(),
                actual.lines().count(),
                diff.join("\n")
            );
        }
        checked += 1;
    }
    assert!(checked >= 1, "no expected.iptables found");
}

struct Flow {
    name: String,
    src: Ipv4Addr,
    proto: Protocol,
    dst: Ipv4Addr,
    dport: u16,
    output: String,
    masq: bool,
}

fn flows(case: &Case) -> Vec<Flow> {
    case.json["flows"]
        .as_array()
        .map(|a| a.as_slice())
        .unwrap_or(&[])
        .iter()
        .map(|f| Flow {
            name: f["name"].as_str().unwrap().to_string(),
            src: f["sourceIP"].as_str().unwrap().parse().unwrap(),
            proto: Protocol::parse(f["protocol"].as_str().unwrap()).unwrap(),
            dst: f["destIP"].as_str().unwrap().parse().unwrap(),
            dport: u16::try_from(f["destPort"].as_u64().unwrap()).unwrap(),
            output: f["output"].as_str().unwrap().to_string(),
            masq: f["masq"].as_bool().unwrap(),
        })
        .collect()
}

#[test]
fn every_flow_traces_like_kube_proxys_tracer() {
    let mut failures = Vec::new();
    let mut total = 0;
    for case in load_cases() {
        for f in flows(&case) {
            total += 1;
            let t = netfilter::trace_route(&case.rules, f.src, f.proto, f.dst, f.dport);
            if t.output != f.output || t.masq != f.masq {
                failures.push(format!(
                    "{} / {}: expected {:?} masq={} got {:?} masq={}",
                    case.name, f.name, f.output, f.masq, t.output, t.masq
                ));
            }
        }
    }
    assert!(total >= 60, "only {total} flows found");
    assert!(
        failures.is_empty(),
        "{} of {total} flows failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The kernel-style interpreter agrees with the tracer: the DNAT targets it
/// draws over many seeds are exactly the tracer's list; REJECT/DROP/"" map
/// to the same verdicts; masquerade agrees whenever a DNAT happened.
#[test]
fn interpreter_reaches_exactly_the_traced_destinations() {
    let mut failures = Vec::new();
    for case in load_cases() {
        for (fi, f) in flows(&case).into_iter().enumerate() {
            let hook = if case.facts.is_local(f.src) {
                Hook::Output
            } else {
                Hook::Prerouting
            };
            let pkt = Packet {
                src: f.src,
                sport: 40000,
                dst: f.dst,
                dport: f.dport,
                proto: f.proto,
            };
            let mut seen = BTreeSet::new();
            let mut verdicts = BTreeSet::new();
            let mut masq = BTreeSet::new();
            for seed in 0..64u64 {
                let mut rng = Stream::derive(seed, &format!("{}/{fi}", case.name));
                let mut recent = RecentTable::new();
                let mut ctx = EvalCtx {
                    rng: &mut rng,
                    recent: &mut recent,
                    now: SimTime::ZERO,
                };
                let e = netfilter::evaluate(&case.rules, &pkt, hook, &mut ctx);
                match e.verdict {
                    Verdict::Accept { dnat: Some(ep) } => {
                        seen.insert(ep.to_string());
                        verdicts.insert("DNAT".to_string());
                    }
                    v => {
                        verdicts.insert(format!("{v:?}"));
                    }
                }
                masq.insert(e.masquerade);
            }
            let expected: BTreeSet<String> = match f.output.as_str() {
                "REJECT" | "DROP" | "" | "ACCEPT" => BTreeSet::new(),
                o => o.split(", ").map(str::to_string).collect(),
            };
            let expected_verdict = match f.output.as_str() {
                "REJECT" => "Reject".to_string(),
                "DROP" => "Drop".to_string(),
                "" => "NotHandled".to_string(),
                "ACCEPT" => "Accept { dnat: None }".to_string(),
                _ => "DNAT".to_string(),
            };
            let ok_dests = seen == expected;
            let ok_verdict = verdicts.len() == 1 && verdicts.contains(&expected_verdict);
            let ok_masq = masq.len() == 1 && (expected.is_empty() || masq.contains(&f.masq));
            if !(ok_dests && ok_verdict && ok_masq) {
                failures.push(format!(
                    "{} / {}: expected {:?} masq={} got dests={seen:?} verdicts={verdicts:?} masq={masq:?}",
                    case.name, f.name, f.output, f.masq
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The printed rule a hit names is the rule the interpreter walked: hits are
/// indexes into the same structure the renderer prints.
#[test]
fn hits_name_rendered_rules() {
    let cases = load_cases();
    let case = cases.iter().find(|c| c.name == "rules-overall").unwrap();
    let t = netfilter::trace_route(
        &case.rules,
        "10.0.0.2".parse().unwrap(),
        Protocol::Tcp,
        "172.30.0.41".parse().unwrap(),
        80,
    );
    let text = case.rules.render_save();
    let rendered: Vec<String> = t
        .hits
        .iter()
        .map(|h| case.rules.rule_text(h.table, &h.chain, h.index).unwrap())
        .collect();
    assert_eq!(
        rendered,
        vec![
            "-A KUBE-SERVICES -m comment --comment \"ns1/svc1:p80 cluster IP\" -m tcp -p tcp -d 172.30.0.41 --dport 80 -j KUBE-SVC-XPGD46QRK7WJZT7O",
            "-A KUBE-SVC-XPGD46QRK7WJZT7O -m comment --comment \"ns1/svc1:p80 -> 10.180.0.1:80\" -j KUBE-SEP-SXIVWICOYRO3J4NJ",
            "-A KUBE-SEP-SXIVWICOYRO3J4NJ -m comment --comment ns1/svc1:p80 -m tcp -p tcp -j DNAT --to-destination 10.180.0.1:80",
        ]
    );
    for r in &rendered {
        assert!(text.contains(r.as_str()), "{r} not in the rendered text");
    }
}

/// kube-proxy's output does not depend on the order objects arrive in (it
/// walks a Go map and the tests sort); svcsim's must not either.
#[test]
fn rules_do_not_depend_on_object_order() {
    for case in load_cases() {
        let dir = data_path("kube-proxy").join(&case.name);
        let yaml = std::fs::read_to_string(dir.join("objects.yaml")).unwrap();
        let mut objects = svcsim_manifests::lenient::parse_objects(&yaml)
            .unwrap()
            .objects;
        objects.reverse();
        let mut services = Vec::new();
        let mut slices = Vec::new();
        for o in objects {
            match o {
                Object::Service(s) => services.push(s),
                Object::EndpointSlice(s) => slices.push(s),
                _ => {}
            }
        }
        let reversed = iptables::generate(&services, &slices, &case.facts);
        assert_eq!(
            reversed.render_save(),
            case.rules.render_save(),
            "{}",
            case.name
        );
    }
}
