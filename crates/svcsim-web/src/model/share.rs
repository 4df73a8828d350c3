//! Share links: the scenario, seed, interventions and the displayed time,
//! compressed into the URL fragment, so a teacher can hand a student
//! exactly the moment they mean.
//!
//! The fragment is `#share=` followed by URL-safe base64 of the
//! [`codec`](super::codec)-compressed text below. It is a small line format
//! rather than JSON because decoding JSON into the model would link a
//! second deserializer of every Kubernetes type into the wasm (measured:
//! +247 KB raw, +81 KB gzip); the strict YAML loader is there already.
//!
//! ```text
//! svcsim-share 1
//! seed 42
//! time 9000000000                     (simulated ns)
//! builtin clusterip                   or: yaml BYTES, newline, the file
//! cmd 3000000000 killPod default/web-1 (tokens %-escaped)
//! apply 5000000000 BYTES              newline, the applied YAML
//! ```
//!
//! An applied edit travels as the YAML the learner applied; opening the
//! link replays the run to that moment and applies it there against the
//! same cluster state ([`super::editor::objects_for_apply`]), so the
//! objects are the same and the core, being deterministic, reproduces the
//! same trace and counters.
//!
//! Anything can arrive in a fragment. [`decode`] never panics; it answers
//! with a message a learner can read.

use super::codec;
use super::engine::Engine;
use svcsim_core::scenario::ProxyMode;
use svcsim_core::sim::Command;
use svcsim_core::time::SimTime;

/// The fragment key share links use.
pub const PREFIX: &str = "share=";
/// The format version written into every link.
pub const VERSION: u32 = 1;
const MAGIC: &str = "svcsim-share";

/// Where the scenario comes from.
#[derive(Clone, Debug, PartialEq)]
pub enum Source {
    /// A built-in scenario, by name (the link stays short).
    Builtin(String),
    /// A scenario file's text (the learner's own YAML).
    Yaml(String),
}

/// One recorded intervention.
#[derive(Clone, Debug, PartialEq)]
pub enum Step {
    /// A command from the UI's buttons.
    Command(Command),
    /// The editor's text, applied like `kubectl apply`.
    Apply(String),
}

/// Everything a link reproduces.
#[derive(Clone, Debug, PartialEq)]
pub struct Share {
    pub source: Source,
    pub seed: u64,
    /// The displayed simulated time.
    pub t: SimTime,
    /// In time order.
    pub steps: Vec<(SimTime, Step)>,
}

fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '%' => o.push_str("%25"),
            ' ' => o.push_str("%20"),
            '\n' => o.push_str("%0A"),
            '\r' => o.push_str("%0D"),
            c => o.push(c),
        }
    }
    o
}

fn unesc(s: &str) -> Result<String, String> {
    let mut out = Vec::with_capacity(s.len());
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let h = s
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or("a bad %-escape")?;
            out.push(h);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| "text that is not UTF-8".to_string())
}

/// A command as `action arg…`; `None` for one links cannot carry (an
/// Apply of objects: the editor's Applies travel as their YAML).
pub fn command_words(c: &Command) -> Option<Vec<String>> {
    let w = |a: &str, args: &[&str]| {
        let mut v = vec![a.to_string()];
        v.extend(args.iter().map(|s| s.to_string()));
        Some(v)
    };
    match c {
        Command::KillPod { pod } => w("killPod", &[pod]),
        Command::CrashPod { pod } => w("crashPod", &[pod]),
        Command::SetPodReadiness { pod, ready } => w(
            "setPodReadiness",
            &[pod, if *ready { "true" } else { "false" }],
        ),
        Command::FailNode { node } => w("failNode", &[node]),
        Command::RecoverNode { node } => w("recoverNode", &[node]),
        Command::CordonNode { node } => w("cordonNode", &[node]),
        Command::UncordonNode { node } => w("uncordonNode", &[node]),
        // Links made before `--force` existed have no second word.
        Command::DrainNode { node, force } => {
            if *force {
                w("drainNode", &[node, "force"])
            } else {
                w("drainNode", &[node])
            }
        }
        Command::Scale {
            deployment,
            replicas,
        } => w("scale", &[deployment, &replicas.to_string()]),
        Command::Rollout { deployment, image } => w("rollout", &[deployment, image]),
        Command::SetExternalTrafficPolicy { service, policy } => {
            w("setExternalTrafficPolicy", &[service, policy])
        }
        Command::SetSessionAffinity { service, affinity } => {
            w("setSessionAffinity", &[service, affinity])
        }
        Command::SetProxyMode { mode } => w(
            "setProxyMode",
            &[match mode {
                ProxyMode::Iptables => "iptables",
                ProxyMode::Ipvs => "ipvs",
            }],
        ),
        Command::SetCloudLoadBalancer { present } => w(
            "setCloudLoadBalancer",
            &[if *present { "true" } else { "false" }],
        ),
        Command::Delete { kind, name } => w("delete", &[kind, name]),
        // Apply, and any command added later that links do not know yet.
        #[allow(unreachable_patterns)]
        _ => None,
    }
}

fn parse_command(words: &[String]) -> Result<Command, String> {
    let arg = |i: usize| -> Result<String, String> {
        words
            .get(i)
            .cloned()
            .ok_or_else(|| format!("{} is missing an argument", words[0]))
    };
    let flag = |i: usize| -> Result<bool, String> {
        match arg(i)?.as_str() {
            "true" => Ok(true),
            "false" => Ok(false),
            o => Err(format!("{o:?} is not true or false")),
        }
    };
    Ok(match words.first().map(String::as_str).unwrap_or("") {
        "killPod" => Command::KillPod { pod: arg(1)? },
        "crashPod" => Command::CrashPod { pod: arg(1)? },
        "setPodReadiness" => Command::SetPodReadiness {
            pod: arg(1)?,
            ready: flag(2)?,
        },
        "failNode" => Command::FailNode { node: arg(1)? },
        "recoverNode" => Command::RecoverNode { node: arg(1)? },
        "cordonNode" => Command::CordonNode { node: arg(1)? },
        "uncordonNode" => Command::UncordonNode { node: arg(1)? },
        "drainNode" => Command::DrainNode {
            node: arg(1)?,
            force: match words.get(2).map(String::as_str) {
                None => false,
                Some("force") => true,
                Some(o) => return Err(format!("drainNode takes \"force\" or nothing, not {o:?}")),
            },
        },
        "scale" => Command::Scale {
            deployment: arg(1)?,
            replicas: arg(2)?
                .parse()
                .map_err(|_| "a replica count that is not a number".to_string())?,
        },
        "rollout" => Command::Rollout {
            deployment: arg(1)?,
            image: arg(2)?,
        },
        "setExternalTrafficPolicy" => Command::SetExternalTrafficPolicy {
            service: arg(1)?,
            policy: arg(2)?,
        },
        "setSessionAffinity" => Command::SetSessionAffinity {
            service: arg(1)?,
            affinity: arg(2)?,
        },
        "setProxyMode" => Command::SetProxyMode {
            mode: match arg(1)?.as_str() {
                "iptables" => ProxyMode::Iptables,
                "ipvs" => ProxyMode::Ipvs,
                o => return Err(format!("an unknown proxy mode {o:?}")),
            },
        },
        "setCloudLoadBalancer" => Command::SetCloudLoadBalancer { present: flag(1)? },
        "delete" => Command::Delete {
            kind: arg(1)?,
            name: arg(2)?,
        },
        o => return Err(format!("an unknown command {o:?}")),
    })
}

/// An edit the learner applied: its text, when, and where its Apply stands
/// in the engine's command record (a branch after scrubbing back can
/// replace later commands, so the time alone could match a stale edit).
#[derive(Clone, Debug, PartialEq)]
pub struct Applied {
    pub t: SimTime,
    pub index: usize,
    pub text: String,
}

impl Share {
    /// The link for a run: its recorded commands, with each Apply matched
    /// to the edit that produced it (same place in the record, same time).
    pub fn from_record(
        source: Source,
        seed: u64,
        now: SimTime,
        commands: &[(SimTime, Command)],
        applied: &[Applied],
    ) -> Result<Share, String> {
        let mut steps = Vec::with_capacity(commands.len());
        for (i, (t, c)) in commands.iter().enumerate() {
            let step = match c {
                Command::Apply { .. } => applied
                    .iter()
                    .rev()
                    .find(|a| a.index == i && a.t == *t)
                    .map(|a| Step::Apply(a.text.clone()))
                    .ok_or("an applied change has no editor text to send")?,
                c if command_words(c).is_some() => Step::Command(c.clone()),
                // Not `{c:?}`: Debug of a command would link Debug of
                // every model type into the wasm.
                _ => return Err("links cannot carry one of the commands yet".into()),
            };
            steps.push((*t, step));
        }
        Ok(Share {
            source,
            seed,
            t: now,
            steps,
        })
    }

    /// The text a link carries (before compression).
    pub fn to_text(&self) -> String {
        let mut o = format!("{MAGIC} {VERSION}\nseed {}\ntime {}\n", self.seed, self.t.0);
        match &self.source {
            Source::Builtin(n) => o += &format!("builtin {}\n", esc(n)),
            Source::Yaml(y) => o += &format!("yaml {}\n{y}\n", y.len()),
        }
        for (t, s) in &self.steps {
            match s {
                Step::Command(c) => {
                    if let Some(words) = command_words(c) {
                        let words: Vec<String> = words.iter().map(|w| esc(w)).collect();
                        o += &format!("cmd {} {}\n", t.0, words.join(" "));
                    }
                }
                Step::Apply(y) => o += &format!("apply {} {}\n{y}\n", t.0, y.len()),
            }
        }
        o
    }

    /// Read [`Share::to_text`]'s output.
    pub fn from_text(text: &str) -> Result<Share, String> {
        // The header: three lines.
        let mut lines = text.splitn(4, '\n');
        let head = lines.next().unwrap_or_default();
        let version = head
            .strip_prefix(MAGIC)
            .map(str::trim)
            .ok_or("its contents are not a svcsim share")?;
        if version != VERSION.to_string() {
            return Err(format!(
                "it was made by another svcsim version (format {version}, this page reads {VERSION})"
            ));
        }
        let num = |l: Option<&str>, key: &str| -> Result<u64, String> {
            l.and_then(|l| l.strip_prefix(key))
                .and_then(|v| v.trim().parse().ok())
                .ok_or_else(|| format!("its {} is missing", key.trim()))
        };
        let seed = num(lines.next(), "seed ")?;
        let t = SimTime(num(lines.next(), "time ")?);
        let mut rest = lines.next().ok_or("it names no scenario")?;
        // The rest mixes lines and length-prefixed blocks.
        let mut source = None;
        let mut steps = Vec::new();
        while !rest.is_empty() {
            let (l, r) = rest.split_once('\n').ok_or("it ends mid-line")?;
            rest = r;
            let words: Vec<&str> = l.split(' ').collect();
            let block = |len: &str, rest: &mut &str| -> Result<String, String> {
                let n: usize = len.parse().map_err(|_| "a bad block length")?;
                let body = rest.get(..n).ok_or("a block runs past the end")?;
                let after = rest.get(n..).and_then(|a| a.strip_prefix('\n'));
                let after = after.ok_or("a block does not end where it says")?;
                let body = body.to_string();
                *rest = after;
                Ok(body)
            };
            match words.as_slice() {
                ["builtin", name] => source = Some(Source::Builtin(unesc(name)?)),
                ["yaml", len] => source = Some(Source::Yaml(block(len, &mut rest)?)),
                ["cmd", at, cmd @ ..] => {
                    let at = SimTime(at.parse().map_err(|_| "a bad command time")?);
                    let words = cmd
                        .iter()
                        .map(|w| unesc(w))
                        .collect::<Result<Vec<_>, _>>()?;
                    steps.push((at, Step::Command(parse_command(&words)?)));
                }
                ["apply", at, len] => {
                    let at = SimTime(at.parse().map_err(|_| "a bad apply time")?);
                    steps.push((at, Step::Apply(block(len, &mut rest)?)));
                }
                _ => return Err("it has a line this page does not understand".into()),
            }
        }
        svcsim_core::order::sort_by_key(&mut steps, |(t, _)| *t);
        Ok(Share {
            source: source.ok_or("it names no scenario")?,
            seed,
            t,
            steps,
        })
    }
}

/// A fresh engine at the moment `share` describes (paused there), and the
/// scenario's YAML text for the editor.
pub fn open(share: &Share) -> Result<(Engine, String), String> {
    let (mut e, text) = match &share.source {
        Source::Builtin(name) => {
            let text = svcsim_manifests::builtin::get(name)
                .ok_or_else(|| format!("it names a scenario this page does not have ({name:?})"))?;
            (Engine::builtin(name, Some(share.seed))?, text.to_string())
        }
        Source::Yaml(text) => (
            super::editor::engine_from_yaml(text, Some(share.seed))?,
            text.clone(),
        ),
    };
    for (t, step) in &share.steps {
        if *t > e.now() {
            e.seek(*t);
        }
        match step {
            Step::Command(c) => e.apply(c.clone()),
            Step::Apply(y) => {
                let loaded = super::editor::check(y)
                    .map_err(|_| "an edit it applies does not load any more".to_string())?;
                let objects = super::editor::objects_for_apply(&loaded, &e.view());
                e.apply(Command::Apply { objects });
            }
        }
    }
    if share.t > e.now() {
        e.seek(share.t);
    }
    e.clock.playing = false;
    Ok((e, text))
}

/// The fragment (without `#`) for `share`.
pub fn encode(share: &Share) -> String {
    let text = share.to_text();
    format!(
        "{PREFIX}{}",
        codec::base64url_encode(&codec::compress(text.as_bytes()))
    )
}

/// Read a fragment (with or without its leading `#`). `Ok(None)` when
/// there is none.
pub fn decode(fragment: &str) -> Result<Option<Share>, String> {
    let f = fragment.strip_prefix('#').unwrap_or(fragment);
    if f.is_empty() {
        return Ok(None);
    }
    // The page has no anchors of its own, so any other fragment is a link
    // that got mangled (or was never one).
    let Some(data) = f.strip_prefix(PREFIX) else {
        return Err("it is not a svcsim share link (it should start with #share=)".into());
    };
    let bytes = codec::base64url_decode(data).map_err(|e| format!("it is not base64 ({e})"))?;
    let raw = codec::decompress(&bytes).map_err(|e| format!("it does not unpack ({e})"))?;
    let text = String::from_utf8(raw).map_err(|_| "its contents are not text".to_string())?;
    Share::from_text(&text).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::editor;
    use svcsim_core::time::SimDuration;

    fn play(e: &mut Engine, to_ms: u64) {
        while e.now() < SimTime::from_millis(to_ms) {
            let t = (e.now() + SimDuration::from_millis(250)).min(SimTime::from_millis(to_ms));
            e.seek(t);
        }
    }

    fn apply_text(e: &mut Engine, text: &str, applied: &mut Vec<Applied>) {
        let loaded = editor::check(text).expect("loads");
        let objects = editor::objects_for_apply(&loaded, &e.view());
        e.apply(Command::Apply { objects });
        applied.push(Applied {
            t: e.now(),
            index: e.recorded_commands().len() - 1,
            text: text.to_string(),
        });
    }

    #[test]
    fn a_link_reproduces_the_moment() {
        let mut e = Engine::builtin("clusterip", Some(42)).expect("loads");
        let mut applied = Vec::new();
        play(&mut e, 3_000);
        let pod = crate::model::engine::tests::first_server_pod(&e);
        e.apply(Command::KillPod { pod });
        e.apply(Command::SetProxyMode {
            mode: ProxyMode::Ipvs,
        });
        // An applied edit travels as its YAML.
        let text = svcsim_manifests::builtin::get("clusterip")
            .unwrap()
            .replace("replicas: 3", "replicas: 5");
        play(&mut e, 5_000);
        apply_text(&mut e, &text, &mut applied);
        play(&mut e, 7_000);
        e.apply(Command::Rollout {
            deployment: "default/microservice-one".into(),
            image: "my-repo/ms one:v2 %".into(),
        });
        play(&mut e, 9_000);
        let share = Share::from_record(
            Source::Builtin("clusterip".into()),
            e.seed,
            e.now(),
            e.recorded_commands(),
            &applied,
        )
        .expect("shareable");
        let link = encode(&share);
        assert!(link.len() < 4_000, "{}", link.len());
        let back = decode(&format!("#{link}"))
            .expect("decodes")
            .expect("a share");
        assert_eq!(back, share);

        let (f, text) = open(&back).expect("opens");
        assert!(text.contains("kind: Scenario"));
        assert!(!f.clock.playing);
        assert_eq!(f.now(), e.now());
        assert_eq!(f.recorded_commands(), e.recorded_commands());
        assert_eq!(f.trace_count, e.trace_count);
        assert_eq!(f.metrics().requests, e.metrics().requests);
        assert_eq!(f.metrics().outcomes, e.metrics().outcomes);
    }

    #[test]
    fn every_ui_command_round_trips() {
        let cmds = [
            Command::KillPod { pod: "a/b".into() },
            Command::CrashPod { pod: "b".into() },
            Command::SetPodReadiness {
                pod: "c".into(),
                ready: false,
            },
            Command::FailNode { node: "n".into() },
            Command::RecoverNode { node: "n".into() },
            Command::CordonNode { node: "n".into() },
            Command::UncordonNode { node: "n".into() },
            Command::DrainNode {
                node: "n".into(),
                force: false,
            },
            Command::DrainNode {
                node: "n".into(),
                force: true,
            },
            Command::Scale {
                deployment: "d".into(),
                replicas: -1,
            },
            Command::Rollout {
                deployment: "d".into(),
                image: "x y%z\n".into(),
            },
            Command::SetExternalTrafficPolicy {
                service: "s".into(),
                policy: "Local".into(),
            },
            Command::SetSessionAffinity {
                service: "s".into(),
                affinity: "ClientIP".into(),
            },
            Command::SetProxyMode {
                mode: ProxyMode::Iptables,
            },
            Command::SetCloudLoadBalancer { present: true },
            Command::Delete {
                kind: "Service".into(),
                name: "default/x".into(),
            },
        ];
        for c in cmds {
            let words = command_words(&c).expect("sharable");
            assert_eq!(parse_command(&words).unwrap(), c);
        }
    }

    #[test]
    fn a_yaml_link_runs_the_text() {
        let text = svcsim_manifests::builtin::get("nodeport")
            .unwrap()
            .replace("seed: 1", "seed: 5");
        let share = Share::from_record(
            Source::Yaml(text.clone()),
            9,
            SimTime::from_millis(2_000),
            &[],
            &[],
        )
        .unwrap();
        let back = decode(&encode(&share)).unwrap().unwrap();
        let (e, t) = open(&back).expect("opens");
        assert_eq!(t, text);
        assert_eq!(e.seed, 9);
        assert_eq!(e.scenario, "custom");
        assert_eq!(e.now(), SimTime::from_millis(2_000));
        // A link naming a scenario that does not exist is an error.
        let mut bad = share.clone();
        bad.source = Source::Builtin("nope".into());
        assert!(open(&bad).is_err());
    }

    #[test]
    fn no_fragment_is_no_link() {
        assert_eq!(decode(""), Ok(None));
        assert_eq!(decode("#"), Ok(None));
        assert!(decode("#top")
            .unwrap_err()
            .contains("not a svcsim share link"));
    }

    fn pack(text: &str) -> String {
        format!(
            "share={}",
            codec::base64url_encode(&codec::compress(text.as_bytes()))
        )
    }

    #[test]
    fn garbage_gets_a_message() {
        for f in [
            "#share=",
            "#share=%%%",
            "#share=AAAA",
            "#share=____________",
            "#share=3q2-7w",
        ] {
            let e = decode(f).expect_err(f);
            assert!(!e.is_empty());
        }
        assert!(
            decode(&pack("svcsim-share 99\nseed 1\ntime 0\nbuiltin x\n"))
                .unwrap_err()
                .contains("version")
        );
        for bad in [
            "svcsim-share 1\nseed 1\ntime 0\n",
            "svcsim-share 1\nseed x\ntime 0\nbuiltin a\n",
            "svcsim-share 1\nseed 1\ntime 0\nyaml 999\nabc\n",
            "svcsim-share 1\nseed 1\ntime 0\nbuiltin a\ncmd 5 explode x\n",
            "svcsim-share 1\nseed 1\ntime 0\nbuiltin a\ncmd 5 scale d many\n",
            "svcsim-share 1\nseed 1\ntime 0\nbuiltin a%zz\n",
            "hello",
        ] {
            assert!(decode(&pack(bad)).is_err(), "{bad}");
        }
        // Random bytes, many times: never a panic.
        let mut x = 99u32;
        for n in 0..500 {
            let junk: Vec<u8> = (0..n % 200)
                .map(|_| {
                    x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
                    (x >> 16) as u8
                })
                .collect();
            let _ = decode(&format!("share={}", codec::base64url_encode(&junk)));
            let _ = decode(&format!(
                "share={}",
                codec::base64url_encode(&codec::compress(&junk))
            ));
        }
    }
}
