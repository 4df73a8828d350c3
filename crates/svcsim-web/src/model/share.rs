//! Share links: the scenario, seed, interventions and the displayed time,
//! compressed into the URL fragment, so a teacher can hand a student
//! exactly the moment they mean.
//!
//! The fragment is `#share=` followed by URL-safe base64 of the
//! [`codec`](super::codec)-compressed JSON of a [`Share`]. JSON because
//! [`Command`] already has a serde form (`{"action": "killPod", …}`, the
//! same the JS API speaks), so a command is written the same way
//! everywhere. Commands carry their simulated time; the core is
//! deterministic, so the same scenario, seed and commands replayed to the
//! same time give the same trace and counters.
//!
//! Anything can arrive in a fragment. [`decode`] never panics; it answers
//! with a message a learner can read.

use super::codec;
use super::engine::Engine;
use serde::{Deserialize, Serialize};
use svcsim_core::sim::Command;
use svcsim_core::time::SimTime;

/// The fragment key share links use.
pub const PREFIX: &str = "share=";
/// The format version written into every link.
pub const VERSION: u32 = 1;

/// Where the scenario comes from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Source {
    /// A built-in scenario, by name (the link stays short).
    Builtin(String),
    /// A scenario file's text (the learner's own YAML).
    Yaml(String),
}

/// One recorded intervention.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Stamped {
    /// Simulated nanoseconds.
    pub t: u64,
    #[serde(flatten)]
    pub command: Command,
}

/// Everything a link reproduces.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Share {
    pub v: u32,
    pub source: Source,
    pub seed: u64,
    /// The displayed simulated time, nanoseconds.
    pub t: u64,
    pub commands: Vec<Stamped>,
}

impl Share {
    pub fn new(source: Source, seed: u64, now: SimTime, commands: &[(SimTime, Command)]) -> Share {
        Share {
            v: VERSION,
            source,
            seed,
            t: now.0,
            commands: commands
                .iter()
                .map(|(t, c)| Stamped {
                    t: t.0,
                    command: c.clone(),
                })
                .collect(),
        }
    }

    /// The commands as the engine records them.
    pub fn timed_commands(&self) -> Vec<(SimTime, Command)> {
        self.commands
            .iter()
            .map(|s| (SimTime(s.t), s.command.clone()))
            .collect()
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
    e.replay(share.timed_commands(), SimTime(share.t));
    e.clock.playing = false;
    Ok((e, text))
}

/// The fragment (without `#`) for `share`.
pub fn encode(share: &Share) -> String {
    // Serializing plain data with string keys cannot fail; should it ever,
    // an empty link is harmless (it opens the default scenario).
    let json = serde_json::to_vec(share).unwrap_or_default();
    format!(
        "{PREFIX}{}",
        codec::base64url_encode(&codec::compress(&json))
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
    let json = codec::decompress(&bytes).map_err(|e| format!("it does not unpack ({e})"))?;
    let share: Share = serde_json::from_slice(&json)
        .map_err(|e| format!("its contents are not a svcsim scenario ({e})"))?;
    if share.v != VERSION {
        return Err(format!(
            "it was made by another svcsim version (format {}, this page reads {VERSION})",
            share.v
        ));
    }
    Ok(Some(share))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::engine::Engine;
    use svcsim_core::time::SimDuration;

    fn play(e: &mut Engine, to_ms: u64) {
        while e.now() < SimTime::from_millis(to_ms) {
            let t = (e.now() + SimDuration::from_millis(250)).min(SimTime::from_millis(to_ms));
            e.seek(t);
        }
    }

    #[test]
    fn a_link_reproduces_the_moment() {
        let mut e = Engine::builtin("clusterip", Some(42)).expect("loads");
        play(&mut e, 3_000);
        let pod = e
            .view()
            .pods
            .iter()
            .find(|p| p.owner.is_some() && !p.is_client && p.namespace == "default")
            .map(|p| format!("{}/{}", p.namespace, p.name))
            .expect("a pod");
        e.apply(Command::KillPod { pod });
        // An apply of edited YAML too: objects travel as JSON.
        let text = svcsim_manifests::builtin::get("clusterip")
            .unwrap()
            .replace("replicas: 3", "replicas: 5");
        let loaded = svcsim_manifests::load(&text, "edit.yaml").expect("loads");
        play(&mut e, 5_000);
        e.apply(Command::Apply {
            objects: loaded.objects,
        });
        play(&mut e, 9_000);
        let share = Share::new(
            Source::Builtin("clusterip".into()),
            e.seed,
            e.now(),
            e.recorded_commands(),
        );
        let link = encode(&share);
        assert!(link.len() < 8_000, "{}", link.len());
        let back = decode(&format!("#{link}"))
            .expect("decodes")
            .expect("a share");
        assert_eq!(back, share);

        let (f, text) = open(&back).expect("opens");
        assert!(text.contains("kind: Scenario"));
        assert!(!f.clock.playing);
        assert_eq!(f.now(), e.now());
        assert_eq!(f.trace_count, e.trace_count);
        assert_eq!(f.metrics().requests, e.metrics().requests);
        assert_eq!(f.metrics().outcomes, e.metrics().outcomes);
    }

    #[test]
    fn a_yaml_link_runs_the_text() {
        let text = svcsim_manifests::builtin::get("nodeport")
            .unwrap()
            .replace("seed: 1", "seed: 5");
        let share = Share::new(
            Source::Yaml(text.clone()),
            9,
            SimTime::from_millis(2_000),
            &[],
        );
        let back = decode(&encode(&share)).unwrap().unwrap();
        let (e, t) = open(&back).expect("opens");
        assert_eq!(t, text);
        assert_eq!(e.seed, 9);
        assert_eq!(e.scenario, "custom");
        assert_eq!(e.now(), SimTime::from_millis(2_000));
        // A link naming a scenario that does not exist is an error.
        let bad = Share::new(Source::Builtin("nope".into()), 1, SimTime::ZERO, &[]);
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
        // Valid JSON, wrong version.
        let mut s = Share::new(Source::Builtin("x".into()), 1, SimTime::ZERO, &[]);
        s.v = 99;
        let json = serde_json::to_vec(&s).unwrap();
        let f = format!("share={}", codec::base64url_encode(&codec::compress(&json)));
        assert!(decode(&f).unwrap_err().contains("version"));
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
        }
    }
}
