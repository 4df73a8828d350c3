//! Guided lessons, as data, and the checks that tell whether the learner
//! did each step; plus the "Which Service type should I use?" helper.
//!
//! The text is ours, following the seed article's points (a Service gives
//! pods a stable address; one lesson per Service type; ClusterIP for
//! inside, LoadBalancer for production traffic from outside, NodePort for
//! development). A step's check reads only what the UI already has: the
//! scenario's name, the recorded commands, the metrics and the displayed
//! time ([`Facts`]). Each step is judged from the moment the previous one
//! was done ([`Progress`]), so "kill a pod, then watch 30 requests succeed"
//! means 30 successes *after* the kill.

use svcsim_core::sim::{Command, Metrics};
use svcsim_core::time::{SimDuration, SimTime};

/// What a step asks for.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Check {
    /// This built-in scenario is open.
    Scenario(&'static str),
    /// A command of this kind was applied since the step began.
    Did(Want),
    /// This many more requests succeeded since the step began.
    OkSince(u64),
    /// This many more requests failed since the step began.
    FailedSince(u64),
    /// This much simulated time passed since the step began.
    Waited(SimDuration),
}

/// The command kinds lessons ask for.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Want {
    KillPod,
    DrainNode,
    ScaleUp,
    EtpLocal,
    EtpCluster,
    NoCloudLb,
    Apply,
}

impl Want {
    fn matches(self, c: &Command) -> bool {
        match (self, c) {
            (Want::KillPod, Command::KillPod { .. }) => true,
            (Want::DrainNode, Command::DrainNode { .. }) => true,
            (Want::ScaleUp, Command::Scale { replicas, .. }) => *replicas > 3,
            (Want::EtpLocal, Command::SetExternalTrafficPolicy { policy, .. }) => policy == "Local",
            (Want::EtpCluster, Command::SetExternalTrafficPolicy { policy, .. }) => {
                policy == "Cluster"
            }
            (Want::NoCloudLb, Command::SetCloudLoadBalancer { present }) => !present,
            (Want::Apply, Command::Apply { .. }) => true,
            _ => false,
        }
    }
}

pub struct Step {
    /// What to do, in one or two sentences.
    pub todo: &'static str,
    /// What it shows, once done.
    pub learned: &'static str,
    pub check: Check,
}

pub struct Lesson {
    pub id: &'static str,
    pub title: &'static str,
    /// The built-in scenario the lesson opens.
    pub scenario: &'static str,
    pub intro: &'static str,
    pub steps: &'static [Step],
}

const SECOND: SimDuration = SimDuration(1_000_000_000);

/// The lessons, in the order the panel lists them.
pub const LESSONS: &[Lesson] = &[
    Lesson {
        id: "why-services",
        title: "Why Services exist",
        scenario: "clusterip",
        intro: "Pods are cattle: when one dies, its ReplicaSet starts a new one with a new IP \
                address. A client that remembered the old IP would now call nothing. A Service \
                is the fixed point: one name and one virtual IP that always lead to whichever \
                pods are alive.",
        steps: &[
            Step {
                todo: "Open the clusterip scenario (Start does it for you).",
                learned: "Two client pods call ms-service:3200 by name.",
                check: Check::Scenario("clusterip"),
            },
            Step {
                todo: "Click an ms-one pod, note its IP in the inspector, then delete it \
                       (Kill pod).",
                learned: "The pod is terminating; its endpoint leaves the EndpointSlice and \
                          kube-proxy stops sending it new connections.",
                check: Check::Did(Want::KillPod),
            },
            Step {
                todo: "Watch the Service keep answering: wait for 30 more successful requests.",
                learned: "The replacement pod has a different IP, yet the clients never \
                          noticed: they call the Service, whose ClusterIP did not change.",
                check: Check::OkSince(30),
            },
        ],
    },
    Lesson {
        id: "clusterip",
        title: "ClusterIP: one address inside the cluster",
        scenario: "clusterip",
        intro: "ClusterIP is the default type. The Service gets a virtual IP that exists only \
                inside the cluster; kube-proxy on every node rewrites connections to it into \
                connections to one of the ready pods, picked at random.",
        steps: &[
            Step {
                todo: "Open the clusterip scenario.",
                learned: "Requests spread roughly evenly over the three ms-one pods.",
                check: Check::Scenario("clusterip"),
            },
            Step {
                todo: "Select the microservice-one Deployment and scale it above 3 replicas.",
                learned: "New pods become endpoints as soon as they are Ready.",
                check: Check::Did(Want::ScaleUp),
            },
            Step {
                todo: "Wait for 200 more successful requests and look at the per-pod counts.",
                learned: "A new pod gets no traffic until it is Ready, a few seconds after the \
                          scale; from then on it takes about 1/n of the requests. Its total \
                          trails the others only because it started later. Clients changed \
                          nothing.",
                check: Check::OkSince(200),
            },
        ],
    },
    Lesson {
        id: "nodeport",
        title: "NodePort: a port on every node",
        scenario: "nodeport",
        intro: "A NodePort Service opens the same port (30000–32767) on every node. Traffic \
                from outside arrives at any node's IP and kube-proxy forwards it, possibly to \
                a pod on another node. Handy for development; in production the article \
                recommends a LoadBalancer in front.",
        steps: &[
            Step {
                todo: "Open the nodeport scenario.",
                learned: "An external client calls node IPs on the nodePort, round-robin.",
                check: Check::Scenario("nodeport"),
            },
            Step {
                todo: "Select a node and drain it (Drain), so no ms-one pod runs there.",
                learned: "The pods are evicted and start on the other nodes; the drained node \
                          still forwards its nodePort to pods elsewhere.",
                check: Check::Did(Want::DrainNode),
            },
            Step {
                todo: "Select the Service and set externalTrafficPolicy to Local.",
                learned: "Now a node only forwards to pods on itself, and keeps the client's \
                          source IP.",
                check: Check::Did(Want::EtpLocal),
            },
            Step {
                todo: "Watch for failed requests: at least one.",
                learned: "Requests to the node with no local pod are dropped: Local trades \
                          reach for the client's source address.",
                check: Check::FailedSince(1),
            },
            Step {
                todo: "Set externalTrafficPolicy back to Cluster.",
                learned: "Every node forwards again, to any pod in the cluster.",
                check: Check::Did(Want::EtpCluster),
            },
        ],
    },
    Lesson {
        id: "loadbalancer",
        title: "LoadBalancer: one address from outside",
        scenario: "loadbalancer",
        intro: "A LoadBalancer Service is a NodePort Service with a cloud load balancer in \
                front. The cloud controller provisions it and writes its address into the \
                Service's status; clients outside use that one address.",
        steps: &[
            Step {
                todo: "Open the loadbalancer scenario.",
                learned: "External clients call the LB's IP; the LB spreads them over healthy \
                          nodes.",
                check: Check::Scenario("loadbalancer"),
            },
            Step {
                todo: "Delete a serving pod (Kill pod).",
                learned: "The LB address stays the same while pods come and go.",
                check: Check::Did(Want::KillPod),
            },
            Step {
                todo: "Wait for 20 more successful requests.",
                learned: "The Service kept answering through the same external address.",
                check: Check::OkSince(20),
            },
            Step {
                todo: "Now remove the cloud load-balancer controller (the laptop-cluster case) \
                       and watch for 5 seconds.",
                learned: "Without a controller, a new LoadBalancer Service's EXTERNAL-IP stays \
                          <pending> forever: kind and minikube have no cloud.",
                check: Check::Did(Want::NoCloudLb),
            },
        ],
    },
    Lesson {
        id: "externalname",
        title: "ExternalName: a DNS alias, no proxying",
        scenario: "externalname",
        intro: "An ExternalName Service has no ClusterIP and no endpoints. Cluster DNS answers \
                its name with a CNAME to the external name, so pods use a stable in-cluster \
                name while the real address can change.",
        steps: &[
            Step {
                todo: "Open the externalname scenario.",
                learned: "The lookup of my-external-service returns a CNAME; kube-proxy has no \
                          rules for it.",
                check: Check::Scenario("externalname"),
            },
            Step {
                todo: "Let it run 5 seconds.",
                learned: "Traffic goes straight to the external host; nothing in the cluster \
                          proxies it.",
                check: Check::Waited(SimDuration(5 * SECOND.0)),
            },
            Step {
                todo: "In the YAML editor, change spec.externalName to another host and Apply.",
                learned: "Only the DNS answer changed: the pods' configuration did not.",
                check: Check::Did(Want::Apply),
            },
        ],
    },
    Lesson {
        id: "headless",
        title: "Headless: the pods' own addresses",
        scenario: "headless",
        intro: "A headless Service (clusterIP: None) has no virtual IP. DNS answers with one A \
                record per ready pod, and each pod of a StatefulSet-style set gets its own \
                name. Clients choose, as database drivers like to.",
        steps: &[
            Step {
                todo: "Open the headless scenario.",
                learned: "The database name resolves to several pod IPs; db-0.database to one.",
                check: Check::Scenario("headless"),
            },
            Step {
                todo: "Delete one of the database pods.",
                learned: "Its A record disappears from the answer once it stops being ready.",
                check: Check::Did(Want::KillPod),
            },
            Step {
                todo: "Let it run 10 seconds.",
                learned: "Clients that resolved before the change keep the old address until \
                          the DNS TTL runs out: headless trades kube-proxy's instant update for \
                          control.",
                check: Check::Waited(SimDuration(10 * SECOND.0)),
            },
        ],
    },
];

/// A lesson by id.
#[cfg(test)]
fn lesson(id: &str) -> Option<&'static Lesson> {
    LESSONS.iter().find(|l| l.id == id)
}

/// What the checks read.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Facts {
    pub scenario: String,
    pub commands: Vec<(SimTime, Command)>,
    pub ok: u64,
    pub failed: u64,
    pub now: SimTime,
}

impl Facts {
    pub fn new(
        scenario: &str,
        commands: &[(SimTime, Command)],
        metrics: &Metrics,
        now: SimTime,
    ) -> Facts {
        let ok = metrics.outcomes.get("ok").copied().unwrap_or(0);
        Facts {
            scenario: scenario.to_string(),
            commands: commands.to_vec(),
            ok,
            failed: metrics.requests.saturating_sub(ok),
            now,
        }
    }
}

/// Where a step began: the facts at the moment the previous step was done.
#[derive(Clone, Debug, Default, PartialEq)]
struct Mark {
    commands: usize,
    ok: u64,
    failed: u64,
    now: SimTime,
}

impl Mark {
    fn of(f: &Facts) -> Mark {
        Mark {
            commands: f.commands.len(),
            ok: f.ok,
            failed: f.failed,
            now: f.now,
        }
    }
}

/// A learner's way through one lesson.
#[derive(Clone, Debug, PartialEq)]
pub struct Progress {
    pub lesson: &'static Lesson,
    /// Steps done so far.
    pub done: usize,
    mark: Mark,
}

impl PartialEq for Lesson {
    fn eq(&self, o: &Self) -> bool {
        self.id == o.id
    }
}

impl std::fmt::Debug for Lesson {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.id)
    }
}

fn passes(check: Check, mark: &Mark, f: &Facts) -> bool {
    match check {
        Check::Scenario(name) => f.scenario == name,
        Check::Did(want) => f
            .commands
            .get(mark.commands.min(f.commands.len())..)
            .unwrap_or_default()
            .iter()
            .any(|(_, c)| want.matches(c)),
        Check::OkSince(n) => f.ok >= mark.ok + n,
        Check::FailedSince(n) => f.failed >= mark.failed + n,
        Check::Waited(d) => f.now >= mark.now + d,
    }
}

impl Progress {
    /// Start `lesson` with the facts as they are now (commands already
    /// recorded do not count).
    pub fn start(lesson: &'static Lesson, f: &Facts) -> Progress {
        Progress {
            lesson,
            done: 0,
            mark: Mark::of(f),
        }
    }

    pub fn finished(&self) -> bool {
        self.done >= self.lesson.steps.len()
    }

    /// Judge the current step (and any that follow and already hold, such
    /// as "open the scenario" right after Start). `true` when something
    /// changed.
    pub fn update(&mut self, f: &Facts) -> bool {
        let before = self.done;
        // Scrubbing back can shorten the command record below the mark.
        // Scrubbing back (or a scenario started over) can also take the
        // counters and the clock below the mark: count from there.
        self.mark.commands = self.mark.commands.min(f.commands.len());
        self.mark.ok = self.mark.ok.min(f.ok);
        self.mark.failed = self.mark.failed.min(f.failed);
        self.mark.now = self.mark.now.min(f.now);
        while let Some(step) = self.lesson.steps.get(self.done) {
            if !passes(step.check, &self.mark, f) {
                break;
            }
            self.done += 1;
            self.mark = Mark::of(f);
        }
        self.done != before
    }
}

/// The "Which Service type should I use?" helper: a small decision tree
/// of the article's questions.
pub enum Choice {
    Ask {
        question: &'static str,
        hint: &'static str,
        yes: &'static Choice,
        no: &'static Choice,
    },
    Answer {
        service_type: &'static str,
        scenario: &'static str,
        why: &'static str,
    },
}

const LB: Choice = Choice::Answer {
    service_type: "LoadBalancer",
    scenario: "loadbalancer",
    why: "Outside traffic in production: one stable external address from the cloud's load \
          balancer, in front of the nodes.",
};
const NODEPORT: Choice = Choice::Answer {
    service_type: "NodePort",
    scenario: "nodeport",
    why: "Outside access without a load-balancer integration, for development or one-off use; \
          you accept a high port on every node's address.",
};
const EXTERNALNAME: Choice = Choice::Answer {
    service_type: "ExternalName",
    scenario: "externalname",
    why: "A stable in-cluster name for something that lives outside: DNS answers with a CNAME, \
          nothing is proxied.",
};
const HEADLESS: Choice = Choice::Answer {
    service_type: "Headless (clusterIP: None)",
    scenario: "headless",
    why: "Clients that must see every pod's own address (databases, client-side balancing) get \
          one DNS record per pod and no virtual IP.",
};
const CLUSTERIP: Choice = Choice::Answer {
    service_type: "ClusterIP",
    scenario: "clusterip",
    why: "Internal traffic between workloads (databases, caches, internal APIs): reachable only \
          inside the cluster, so nothing is exposed by accident. Use kubectl port-forward to \
          reach it from your workstation.",
};
const Q_LB: Choice = Choice::Ask {
    question: "Is this production traffic, with a load-balancer integration available (a cloud, or MetalLB)?",
    hint: "The article prefers LoadBalancer for anything outside the cluster calls; NodePort if \
           you accept its trade-offs or have no integration.",
    yes: &LB,
    no: &NODEPORT,
};
const Q_PODS: Choice = Choice::Ask {
    question: "Do clients need to reach each pod by its own address?",
    hint: "Stateful sets such as databases, or drivers that balance across members themselves.",
    yes: &HEADLESS,
    no: &CLUSTERIP,
};
const Q_EXTERNAL: Choice = Choice::Ask {
    question: "Is the thing your pods call outside the cluster (an external database or API with a DNS name)?",
    hint: "Then you want a name for it, not a proxy.",
    yes: &EXTERNALNAME,
    no: &Q_PODS,
};
/// The first question.
pub const CHOOSER: Choice = Choice::Ask {
    question: "Will clients outside the cluster call this Service?",
    hint: "Browsers, mobile apps, other data centres: anything not running as a pod here.",
    yes: &Q_LB,
    no: &Q_EXTERNAL,
};

/// Follow `answers` (true = yes) from the first question.
pub fn choose(answers: &[bool]) -> &'static Choice {
    let mut at: &'static Choice = &CHOOSER;
    for &a in answers {
        match at {
            Choice::Ask { yes, no, .. } => at = if a { yes } else { no },
            Choice::Answer { .. } => break,
        }
    }
    at
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::engine::Engine;

    fn facts(e: &Engine) -> Facts {
        Facts::new(&e.scenario, e.recorded_commands(), e.metrics(), e.now())
    }

    fn play(e: &mut Engine, ms: u64) {
        let to = e.now() + SimDuration::from_millis(ms);
        e.seek(to);
    }

    #[test]
    fn every_lesson_opens_a_builtin_and_starts_there() {
        for l in LESSONS {
            assert!(
                svcsim_manifests::builtin::get(l.scenario).is_some(),
                "{}",
                l.id
            );
            assert!(!l.steps.is_empty());
            assert_eq!(l.steps[0].check, Check::Scenario(l.scenario), "{}", l.id);
        }
        // One per Service type, and the why.
        for id in [
            "why-services",
            "clusterip",
            "nodeport",
            "loadbalancer",
            "externalname",
            "headless",
        ] {
            assert!(lesson(id).is_some(), "{id}");
        }
    }

    #[test]
    fn kill_a_pod_and_the_service_keeps_answering() {
        let l = lesson("why-services").unwrap();
        let mut e = Engine::builtin("clusterip", None).unwrap();
        let mut p = Progress::start(l, &facts(&e));
        assert!(p.update(&facts(&e)));
        assert_eq!(p.done, 1, "the scenario is open");
        // Successes alone do not complete the kill step.
        play(&mut e, 3_000);
        p.update(&facts(&e));
        assert_eq!(p.done, 1);
        let pod = crate::model::engine::tests::first_server_pod(&e);
        e.apply(Command::KillPod { pod });
        p.update(&facts(&e));
        assert_eq!(p.done, 2);
        // Successes counted from the kill on.
        let ok_at_kill = facts(&e).ok;
        play(&mut e, 200);
        p.update(&facts(&e));
        if facts(&e).ok < ok_at_kill + 30 {
            assert_eq!(p.done, 2);
        }
        play(&mut e, 5_000);
        p.update(&facts(&e));
        assert!(p.finished(), "{:?}", facts(&e).ok - ok_at_kill);
    }

    #[test]
    fn nodeport_local_drops_then_cluster() {
        let l = lesson("nodeport").unwrap();
        let mut e = Engine::builtin("nodeport", None).unwrap();
        let mut p = Progress::start(l, &facts(&e));
        p.update(&facts(&e));
        play(&mut e, 2_000);
        let node = e.view().nodes[0].name.clone();
        e.apply(Command::DrainNode { node, force: false });
        p.update(&facts(&e));
        assert_eq!(p.done, 2);
        play(&mut e, 5_000);
        let svc = e
            .view()
            .services
            .iter()
            .find(|s| s.namespace == "default" && s.name != "kubernetes")
            .map(|s| format!("{}/{}", s.namespace, s.name))
            .unwrap();
        e.apply(Command::SetExternalTrafficPolicy {
            service: svc.clone(),
            policy: "Local".into(),
        });
        p.update(&facts(&e));
        assert_eq!(p.done, 3);
        play(&mut e, 10_000);
        p.update(&facts(&e));
        assert_eq!(p.done, 4, "Local drops some requests");
        e.apply(Command::SetExternalTrafficPolicy {
            service: svc,
            policy: "Cluster".into(),
        });
        p.update(&facts(&e));
        assert!(p.finished());
    }

    /// A scripted learner: does what each step asks, the way the panel's
    /// buttons would, and plays on until the step's check holds. Every
    /// lesson must be completable in its scenario within a minute of
    /// simulated time per step.
    fn complete(l: &'static Lesson) -> Engine {
        let mut e = Engine::builtin(l.scenario, None).unwrap();
        let mut p = Progress::start(l, &facts(&e));
        p.update(&facts(&e));
        while let Some(step) = l.steps.get(p.done) {
            if let Check::Did(want) = step.check {
                let cmd = act(&e, want);
                e.apply(cmd);
            }
            let mut waited = 0;
            while !p.update(&facts(&e)) {
                assert!(
                    waited < 60_000,
                    "{}: step {} never holds: {}",
                    l.id,
                    p.done,
                    step.todo
                );
                play(&mut e, 250);
                waited += 250;
            }
        }
        e
    }

    /// The command a learner's click sends for `want` here.
    fn act(e: &Engine, want: Want) -> Command {
        let v = e.view();
        let service = || {
            v.services
                .iter()
                .find(|s| s.namespace == "default" && s.name != "kubernetes")
                .map(|s| format!("{}/{}", s.namespace, s.name))
                .expect("a Service")
        };
        match want {
            // A serving pod of the lesson's workload (headless: db-0,
            // which no Deployment owns).
            Want::KillPod => Command::KillPod {
                pod: v
                    .pods
                    .iter()
                    .find(|p| !p.is_client && p.namespace != "kube-system")
                    .map(|p| format!("{}/{}", p.namespace, p.name))
                    .expect("a serving pod"),
            },
            Want::DrainNode => Command::DrainNode {
                node: v.nodes[0].name.clone(),
                force: false,
            },
            Want::ScaleUp => Command::Scale {
                deployment: "default/microservice-one".into(),
                replicas: 4,
            },
            Want::EtpLocal | Want::EtpCluster => Command::SetExternalTrafficPolicy {
                service: service(),
                policy: if want == Want::EtpLocal {
                    "Local"
                } else {
                    "Cluster"
                }
                .into(),
            },
            Want::NoCloudLb => Command::SetCloudLoadBalancer { present: false },
            // The editor's Apply: here, the ExternalName moved elsewhere.
            Want::Apply => {
                let mut objects = e.objects();
                for o in &mut objects {
                    if let svcsim_core::model::Object::Service(s) = o {
                        if s.spec.external_name.is_some() {
                            s.spec.external_name = Some("example.org".into());
                        }
                    }
                }
                Command::Apply { objects }
            }
        }
    }

    #[test]
    fn every_lesson_can_be_completed_and_shows_what_it_says() {
        for l in LESSONS {
            let mut e = complete(l);
            // What the last steps say they showed.
            match l.id {
                "clusterip" => {
                    // "It takes about 1/n": the fourth pod, Ready a few
                    // seconds after the scale, served a fair part of the
                    // requests since the scale (a quarter of those after
                    // it was Ready).
                    let (scaled_at, _) = e.recorded_commands()[0].clone();
                    assert_eq!(scaled_at, SimTime::ZERO);
                    let m = &e.metrics().per_pod;
                    let oks: Vec<u64> = m
                        .iter()
                        .filter(|(k, _)| k.starts_with("default/microservice-one"))
                        .map(|(_, c)| c.ok)
                        .collect();
                    let (newest, total) = (*oks.iter().min().unwrap(), oks.iter().sum::<u64>());
                    assert_eq!(oks.len(), 4, "{m:?}");
                    assert!(newest * 10 >= total, "{m:?}");
                }
                "externalname" => {
                    // "Only the DNS answer changed": the CNAME is the new host.
                    let (res, _) = e.sim_for_queries().dns_lookup(
                        "app-namespace",
                        "my-external-service",
                        svcsim_core::dns::QType::A,
                    );
                    let text = format!("{:?}", res.final_step().answer.answer);
                    assert!(text.contains("example.org"), "{text}");
                }
                "headless" => {
                    // "Its A record disappears": the killed pod's IP is not
                    // in the answer any more.
                    let (res, _) = e.sim_for_queries().dns_lookup(
                        "default",
                        "database",
                        svcsim_core::dns::QType::A,
                    );
                    let mut answered: Vec<String> = res
                        .final_step()
                        .answer
                        .answer
                        .iter()
                        .filter_map(|r| match &r.data {
                            svcsim_core::dns::RData::A { address } => Some(address.to_string()),
                            _ => None,
                        })
                        .collect();
                    let mut ready: Vec<String> = e
                        .view()
                        .pods
                        .iter()
                        .filter(|p| p.name.starts_with("db-") && p.status == "Ready")
                        .filter_map(|p| p.ip.clone())
                        .collect();
                    answered.sort();
                    ready.sort();
                    assert_eq!(answered, ready);
                    assert_eq!(ready.len(), 2, "one of three db pods was killed");
                }
                _ => {}
            }
        }
    }

    #[test]
    fn the_wrong_scenario_does_not_count() {
        let l = lesson("headless").unwrap();
        let e = Engine::builtin("clusterip", None).unwrap();
        let mut p = Progress::start(l, &facts(&e));
        assert!(!p.update(&facts(&e)));
        assert_eq!(p.done, 0);
    }

    #[test]
    fn the_chooser_follows_the_article() {
        let ty = |a: &[bool]| match choose(a) {
            Choice::Answer {
                service_type,
                scenario,
                ..
            } => (*service_type, *scenario),
            Choice::Ask { question, .. } => panic!("still asking {question}"),
        };
        assert_eq!(ty(&[true, true]).1, "loadbalancer");
        assert_eq!(ty(&[true, false]).1, "nodeport");
        assert_eq!(ty(&[false, true]).1, "externalname");
        assert_eq!(ty(&[false, false, true]).1, "headless");
        assert_eq!(ty(&[false, false, false]), ("ClusterIP", "clusterip"));
        assert!(matches!(choose(&[]), Choice::Ask { .. }));
    }
}
