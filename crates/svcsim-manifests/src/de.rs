//! Strict decoding of the positioned YAML tree into the model types.
//!
//! Each decoded struct is described by a [`Shape`]: the field names it
//! knows, in declaration order. That is all strict decoding needs: a key
//! outside the list is an unknown field, reported with its path, its line
//! and column and the closest known name ("did you mean"), the way
//! `kubectl apply` with server-side field validation
//! (`fieldValidation=Strict`) refuses it, but with a position. Unknown
//! fields do not stop decoding (they are collected and the key is skipped)
//! so one run reports all of them; a wrong type does stop the document,
//! since there is no value to continue with.
//!
//! Fields that `kubectl get -o yaml` prints but svcsim does not model (uid,
//! resourceVersion, managedFields, status.conditions, resources, …) are
//! accepted and dropped: each shape lists its own (`Shape::ignored`).
//!
//! Scalars follow the YAML 1.2 core schema, which is what Kubernetes'
//! YAML-to-JSON step (sigs.k8s.io/yaml) applies in practice: plain `80` is a
//! number, `"80"` is a string, `true` a boolean, `~`/empty a null. A null
//! decodes as the zero value, as Go's encoding/json leaves a field.
//!
//! Why by hand rather than through serde's derive: the derived visitors
//! (a field enum, option slots and generic map access per struct) were a
//! sixth of the web app's wasm. Here one non-generic loop walks every
//! mapping and each struct adds only its field table and a `match`. The
//! messages serde used to produce for out-of-range integers and for
//! `IntOrString` are kept word for word, since users and tests know them.

use crate::tree::{is_null_str, Node, NodeKind, Pos};
use serde::de::Unexpected;
use std::cell::RefCell;
use std::fmt;
use svcsim_core::model::IntOrString;
use svcsim_core::scenario::parse_duration;
use svcsim_core::vecmap::VecMap;
use svcsim_core::SimDuration;

/// A fatal decoding error, with the place it happened.
#[derive(Clone, Debug, PartialEq)]
pub struct DeError {
    pub pos: Pos,
    pub path: String,
    pub message: String,
}

impl fmt::Display for DeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}
impl std::error::Error for DeError {}

/// A non-fatal finding (unknown field, duplicate key) made while decoding.
#[derive(Clone, Debug, PartialEq)]
pub struct Finding {
    pub pos: Pos,
    pub path: String,
    pub message: String,
}

const MAX_FINDINGS: usize = 500;

/// Shared state of one decode.
#[derive(Default)]
pub struct Ctx {
    pub findings: RefCell<Vec<Finding>>,
}

impl Ctx {
    fn report(&self, pos: Pos, path: String, message: String) {
        let mut f = self.findings.borrow_mut();
        // One document can hold a hundred thousand unknown keys; the loader
        // shows a few hundred diagnostics at most.
        if f.len() < MAX_FINDINGS {
            f.push(Finding { pos, path, message });
        }
    }

    fn saturated(&self) -> bool {
        self.findings.borrow().len() >= MAX_FINDINGS
    }
}

/// A type the loader decodes strictly from a tree node.
pub trait Decode: Sized {
    fn decode(de: &De) -> Result<Self, DeError>;
}

/// Decode `node` strictly as `T`. `path` is the path of `node` (empty for a
/// document root).
pub fn decode<T: Decode>(node: &Node, path: &str, ctx: &Ctx) -> Result<T, DeError> {
    T::decode(&De {
        node,
        path: path.to_string(),
        ctx,
    })
}

/// A node being decoded, with its path and the decode's shared state.
pub struct De<'a> {
    node: &'a Node,
    path: String,
    ctx: &'a Ctx,
}

/// What strict decoding knows of a struct.
pub struct Shape {
    /// The field names as written in YAML, in declaration order: the order
    /// "known fields are" lists them in, and "did you mean" breaks ties by.
    pub fields: &'static [&'static str],
    /// Fields without a default: decoding fails when one is absent.
    pub required: &'static [&'static str],
    /// Fields `kubectl get -o yaml` prints that svcsim does not model. They
    /// are accepted so that a dump of a real cluster loads, and dropped:
    /// svcsim neither needs them nor writes them back (`kubectl apply`
    /// would not want uid or resourceVersion anyway).
    pub ignored: &'static [&'static str],
}

fn child_path(base: &str, key: &str) -> String {
    if base.is_empty() {
        key.to_string()
    } else {
        format!("{base}.{key}")
    }
}

/// How a plain scalar resolves under the YAML 1.2 core schema.
enum Resolved<'a> {
    Null,
    Bool(bool),
    Int(i64),
    UInt(u64),
    Float(f64),
    Str(&'a str),
}

fn resolve(value: &str, plain: bool) -> Resolved<'_> {
    if !plain {
        return Resolved::Str(value);
    }
    if is_null_str(value) {
        return Resolved::Null;
    }
    match value {
        "true" | "True" | "TRUE" => return Resolved::Bool(true),
        "false" | "False" | "FALSE" => return Resolved::Bool(false),
        _ => {}
    }
    if let Some(i) = parse_int(value) {
        return i;
    }
    let looks_float = value
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-'))
        && value.bytes().any(|b| b.is_ascii_digit());
    if looks_float {
        if let Some(f) = svcsim_core::decimal::parse(value) {
            return Resolved::Float(f);
        }
    }
    match value {
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => Resolved::Float(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => Resolved::Float(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => Resolved::Float(f64::NAN),
        _ => Resolved::Str(value),
    }
}

fn parse_int(value: &str) -> Option<Resolved<'static>> {
    let (neg, digits) = match value.as_bytes().first()? {
        b'-' => (true, &value[1..]),
        b'+' => (false, &value[1..]),
        _ => (false, value),
    };
    let (radix, digits) = if let Some(h) = digits.strip_prefix("0x") {
        (16, h)
    } else if let Some(o) = digits.strip_prefix("0o") {
        (8, o)
    } else {
        (10, digits)
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let magnitude = u64::from_str_radix(digits, radix).ok()?;
    if neg {
        if magnitude <= i64::MAX as u64 + 1 {
            Some(Resolved::Int((magnitude as i128).wrapping_neg() as i64))
        } else {
            None
        }
    } else if magnitude <= i64::MAX as u64 {
        Some(Resolved::Int(magnitude as i64))
    } else {
        Some(Resolved::UInt(magnitude))
    }
}

impl<'a> De<'a> {
    fn err(&self, message: String) -> DeError {
        DeError {
            pos: self.node.pos,
            path: self.path.clone(),
            message,
        }
    }

    /// What the node is, in words, for type errors.
    fn describe(&self) -> String {
        match &self.node.kind {
            NodeKind::Seq(_) => "a list".into(),
            NodeKind::Map(_) => "a mapping".into(),
            NodeKind::Scalar { value, plain } => match resolve(value, *plain) {
                Resolved::Null => "null".into(),
                Resolved::Bool(b) => format!("boolean {b}"),
                Resolved::Int(_) | Resolved::UInt(_) => format!("integer {value}"),
                Resolved::Float(_) => format!("number {value}"),
                Resolved::Str(s) => format!("string {s:?}"),
            },
        }
    }

    fn type_error(&self, expected: &str) -> DeError {
        let found = self.describe();
        let mut msg = format!("expected {expected}, found {found}");
        // The most common YAML slip: an unquoted number or boolean where
        // Kubernetes wants a string (label values, annotations).
        if expected == "a string" && !found.starts_with('a') && found != "null" {
            if let NodeKind::Scalar { value, .. } = &self.node.kind {
                msg += &format!("; quote it: \"{value}\"");
            }
        }
        self.err(msg)
    }

    /// The scalar's value under the core schema; `None` for a collection.
    fn scalar(&self) -> Option<Resolved<'a>> {
        match &self.node.kind {
            NodeKind::Scalar { value, plain } => Some(resolve(value, *plain)),
            _ => None,
        }
    }

    /// An integer of type `T`. Out of `T`'s range, the message names the
    /// type (`name`) in the words serde's decoders used.
    fn integer<T: TryFrom<i64> + TryFrom<u64>>(
        &self,
        expected: &str,
        name: &str,
    ) -> Result<T, DeError> {
        let out_of_range = |v: Unexpected| self.err(format!("invalid value: {v}, expected {name}"));
        match self.scalar() {
            Some(Resolved::Int(i)) => {
                T::try_from(i).map_err(|_| out_of_range(Unexpected::Signed(i)))
            }
            Some(Resolved::UInt(u)) => {
                T::try_from(u).map_err(|_| out_of_range(Unexpected::Unsigned(u)))
            }
            _ => Err(self.type_error(expected)),
        }
    }

    /// One of a fixed set of strings, as the API server checks an enum
    /// field.
    pub(crate) fn one_of<T: Copy>(&self, choices: &[(&str, T)]) -> Result<T, DeError> {
        let NodeKind::Scalar { value, .. } = &self.node.kind else {
            return Err(self.type_error("a string"));
        };
        if let Some((_, v)) = choices.iter().find(|(name, _)| name == value) {
            return Ok(*v);
        }
        let names: Vec<&str> = choices.iter().map(|(name, _)| *name).collect();
        let mut msg = format!(
            "unsupported value {value:?}: supported values: {}",
            quoted_list(&names)
        );
        if let Some(s) = closest(value, &names) {
            msg += &format!("; did you mean {s:?}?");
        }
        Err(self.err(msg))
    }

    /// Keys that repeat an earlier key of the mapping. JSON and YAML
    /// parsers differ on which one wins, so Kubernetes' strict decoding
    /// refuses them (`duplicate field`), and so do we, pointing at the
    /// second one. The first is decoded.
    fn duplicates(&self, entries: &[(Node, Node)], strict: bool) -> Vec<bool> {
        let mut first_line: VecMap<&str, usize> = VecMap::new();
        let mut dup = vec![false; entries.len()];
        for (i, (k, _)) in entries.iter().enumerate() {
            if let Some(key) = k.as_str() {
                if let Some(line) = first_line.get(key) {
                    dup[i] = true;
                    let path = if strict {
                        child_path(&self.path, key)
                    } else {
                        format!("{}[{key}]", self.path)
                    };
                    self.ctx.report(
                        k.pos,
                        path,
                        format!("duplicate field {key:?} (first given on line {line})"),
                    );
                } else {
                    first_line.insert(key, k.pos.line);
                }
            }
        }
        dup
    }

    /// Walk a mapping (a null stands for an empty one), handing each value
    /// to `set` with its key. With a shape the keys are a struct's field
    /// names, checked strictly; without, they are the free-form keys of a
    /// map (labels), which are strings in Kubernetes even when they look
    /// like numbers.
    pub(crate) fn entries(
        &self,
        shape: Option<&Shape>,
        set: &mut dyn FnMut(&str, &De) -> Result<(), DeError>,
    ) -> Result<(), DeError> {
        let entries: &[(Node, Node)] = match &self.node.kind {
            NodeKind::Map(entries) => entries,
            _ if self.node.is_null() => &[],
            _ => return Err(self.type_error("a mapping")),
        };
        let dup = self.duplicates(entries, shape.is_some());
        let mut seen: Vec<&str> = Vec::new();
        for (i, (k, v)) in entries.iter().enumerate() {
            if dup[i] {
                continue;
            }
            let (key, path) = match shape {
                Some(shape) => {
                    let Some(key) = self.field_name(shape, entries, i) else {
                        continue;
                    };
                    seen.push(key);
                    (key, child_path(&self.path, key))
                }
                None => match &k.kind {
                    NodeKind::Scalar { value, .. } => {
                        (value.as_str(), format!("{}[{value}]", self.path))
                    }
                    _ => {
                        return Err(DeError {
                            pos: k.pos,
                            path: self.path.clone(),
                            message: "a mapping key must be a string".into(),
                        })
                    }
                },
            };
            set(
                key,
                &De {
                    node: v,
                    path,
                    ctx: self.ctx,
                },
            )?;
        }
        let required = shape.map_or(&[][..], |s| s.required);
        match required.iter().find(|r| !seen.contains(r)) {
            Some(missing) => Err(self.err(format!("missing field `{missing}`"))),
            None => Ok(()),
        }
    }

    /// The key of entry `i` when the struct takes it. Unknown keys are
    /// reported here, once, and skipped.
    fn field_name(
        &self,
        shape: &Shape,
        entries: &[(Node, Node)],
        i: usize,
    ) -> Option<&'static str> {
        let fields = shape.fields;
        let k = &entries[i].0;
        let Some(key) = k.as_str() else {
            self.ctx.report(
                k.pos,
                self.path.clone(),
                "a field name must be a string".into(),
            );
            return None;
        };
        if let Some(f) = fields.iter().find(|f| **f == key) {
            return Some(f);
        }
        if shape.ignored.contains(&key) || self.ctx.saturated() {
            return None;
        }
        let mut msg = "unknown field".to_string();
        if let Some(s) = closest(key, fields) {
            msg += &format!("; did you mean {s:?}?");
        } else if let Some(prev) = i.checked_sub(1).map(|p| &entries[p]) {
            // The seed article's manifests lost their indentation: a key
            // that belongs under the mapping above lands beside it, and the
            // key above is left with no value.
            if prev.1.is_null() && prev.0.pos.col == k.pos.col {
                if let Some(p) = prev.0.as_str() {
                    msg += &format!(
                        "; check the indentation: {p:?} on line {} has no value, so this may belong under it",
                        prev.0.pos.line
                    );
                }
            }
        }
        if !msg.contains(';') {
            msg += &format!("; known fields are {}", quoted_list(fields));
        }
        self.ctx.report(k.pos, child_path(&self.path, key), msg);
        None
    }
}

impl Decode for String {
    fn decode(de: &De) -> Result<String, DeError> {
        match de.scalar() {
            // Go leaves a string field empty for a JSON null.
            Some(Resolved::Null) => Ok(String::new()),
            Some(Resolved::Str(s)) => Ok(s.to_string()),
            _ => Err(de.type_error("a string")),
        }
    }
}

impl Decode for bool {
    fn decode(de: &De) -> Result<bool, DeError> {
        match de.scalar() {
            Some(Resolved::Bool(b)) => Ok(b),
            _ => Err(de.type_error("true or false")),
        }
    }
}

impl Decode for f64 {
    fn decode(de: &De) -> Result<f64, DeError> {
        match de.scalar() {
            Some(Resolved::Int(i)) => Ok(i as f64),
            Some(Resolved::UInt(u)) => Ok(u as f64),
            Some(Resolved::Float(f)) => Ok(f),
            _ => Err(de.type_error("a number")),
        }
    }
}

/// The integer types, each with the words its type error uses.
macro_rules! decode_integers {
    ($($t:ty => $expected:literal),* $(,)?) => {$(
        impl Decode for $t {
            fn decode(de: &De) -> Result<$t, DeError> {
                de.integer($expected, stringify!($t))
            }
        }
    )*};
}

decode_integers! {
    i32 => "an integer",
    i64 => "an integer",
    u32 => "a non-negative integer",
    u64 => "a non-negative integer",
}

impl<T: Decode> Decode for Option<T> {
    fn decode(de: &De) -> Result<Option<T>, DeError> {
        if de.node.is_null() {
            Ok(None)
        } else {
            T::decode(de).map(Some)
        }
    }
}

impl<T: Decode> Decode for Vec<T> {
    fn decode(de: &De) -> Result<Vec<T>, DeError> {
        let items: &[Node] = match &de.node.kind {
            NodeKind::Seq(items) => items,
            _ if de.node.is_null() => &[],
            _ => return Err(de.type_error("a list")),
        };
        let mut out = Vec::with_capacity(items.len());
        for (i, node) in items.iter().enumerate() {
            out.push(T::decode(&De {
                node,
                path: format!("{}[{i}]", de.path),
                ctx: de.ctx,
            })?);
        }
        Ok(out)
    }
}

impl<V: Decode> Decode for VecMap<String, V> {
    fn decode(de: &De) -> Result<VecMap<String, V>, DeError> {
        let mut out = VecMap::new();
        de.entries(None, &mut |key, v| {
            out.insert(key.to_string(), V::decode(v)?);
            Ok(())
        })?;
        Ok(out)
    }
}

/// Probe handlers (`httpGet`, `tcpSocket`, `exec`) are kept as given.
impl Decode for serde_json::Value {
    fn decode(de: &De) -> Result<serde_json::Value, DeError> {
        use serde_json::Value;
        Ok(match de.scalar() {
            Some(Resolved::Null) => Value::Null,
            Some(Resolved::Bool(b)) => Value::Bool(b),
            Some(Resolved::Int(i)) => Value::from(i),
            Some(Resolved::UInt(u)) => Value::from(u),
            // JSON has no infinities or NaN.
            Some(Resolved::Float(f)) => {
                serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)
            }
            Some(Resolved::Str(s)) => Value::String(s.to_string()),
            None if matches!(de.node.kind, NodeKind::Seq(_)) => Value::Array(Vec::decode(de)?),
            None => {
                let mut map = serde_json::Map::new();
                de.entries(None, &mut |key, v| {
                    map.insert(key.to_string(), Value::decode(v)?);
                    Ok(())
                })?;
                Value::Object(map)
            }
        })
    }
}

/// `intstr.IntOrString`: whatever the scalar resolves to, an integer or a
/// string.
impl Decode for IntOrString {
    fn decode(de: &De) -> Result<IntOrString, DeError> {
        let int = |v: Result<i32, _>, shown: &dyn fmt::Display| {
            v.map(IntOrString::Int)
                .map_err(|_| de.err(format!("{shown} is out of range for a 32-bit integer")))
        };
        let found = match de.scalar() {
            Some(Resolved::Int(i)) => return int(i32::try_from(i), &i),
            Some(Resolved::UInt(u)) => return int(i32::try_from(u), &u),
            Some(Resolved::Str(s)) => return Ok(IntOrString::Str(s.to_string())),
            Some(Resolved::Null) => Unexpected::Unit,
            Some(Resolved::Bool(b)) => Unexpected::Bool(b),
            Some(Resolved::Float(f)) => Unexpected::Float(f),
            None => match &de.node.kind {
                NodeKind::Map(entries) => {
                    // Its duplicate keys are reported before it is
                    // refused, as for any mapping, so the findings do not
                    // depend on the type the field wanted.
                    de.duplicates(entries, false);
                    Unexpected::Map
                }
                _ => Unexpected::Seq,
            },
        };
        Err(de.err(format!(
            "invalid type: {found}, expected an integer or a string"
        )))
    }
}

/// Durations in scenario files are strings such as `90s`, `250ms`, `1m30s`.
impl Decode for SimDuration {
    fn decode(de: &De) -> Result<SimDuration, DeError> {
        parse_duration(&String::decode(de)?).map_err(|m| de.err(m))
    }
}

/// `"a", "b", "c"`.
pub fn quoted_list(items: &[&str]) -> String {
    items
        .iter()
        .map(|s| format!("{s:?}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Edit distance (Levenshtein), on chars, ASCII case folded: a wrong case is
/// a cheap mistake and should rank first.
fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().map(|c| c.to_ascii_lowercase()).collect();
    let b: Vec<char> = b.chars().map(|c| c.to_ascii_lowercase()).collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// The known name closest to `key`, if it is close enough to be a typo:
/// at most a third of the longer name's length in edits (at least one).
pub fn closest<'k>(key: &str, known: &[&'k str]) -> Option<&'k str> {
    // Bound the work on hostile input: field names are short.
    if key.len() > 64 {
        return None;
    }
    let mut best: Option<(usize, &'k str)> = None;
    for k in known {
        let d = distance(key, k);
        let limit = (key.len().max(k.len()) / 3).max(1);
        if d <= limit && best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, k));
        }
    }
    best.map(|(_, k)| k)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closest_finds_plural_typo() {
        assert_eq!(
            closest("protocols", &["name", "protocol", "port"]),
            Some("protocol")
        );
        assert_eq!(
            closest("targetport", &["targetPort", "port"]),
            Some("targetPort")
        );
        assert_eq!(closest("zzzzzz", &["name", "port"]), None);
    }

    #[test]
    fn resolves_core_schema() {
        assert!(matches!(resolve("80", true), Resolved::Int(80)));
        assert!(matches!(resolve("80", false), Resolved::Str("80")));
        assert!(matches!(resolve("-0x10", true), Resolved::Int(-16)));
        assert!(matches!(resolve("1.5", true), Resolved::Float(_)));
        assert!(matches!(resolve("yes", true), Resolved::Str("yes")));
        assert!(matches!(resolve("~", true), Resolved::Null));
        assert!(matches!(resolve("-", true), Resolved::Str("-")));
    }
}
