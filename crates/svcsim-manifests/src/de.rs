//! A strict serde `Deserializer` over the positioned YAML tree.
//!
//! serde's derive hands `deserialize_struct` the list of field names a struct
//! knows. That is all strict decoding needs: a key outside the list is an
//! unknown field, reported with its path, its line and column and the
//! closest known name ("did you mean"), the way `kubectl apply` with
//! server-side field validation (`fieldValidation=Strict`) refuses it, but
//! with a position. Unknown fields do not stop decoding (they are collected
//! and the key is skipped) so one run reports all of them; a wrong type does
//! stop the document, since there is no value to continue with.
//!
//! Fields that `kubectl get -o yaml` prints but svcsim does not model (uid,
//! resourceVersion, managedFields, status.conditions, resources, …) are
//! accepted and dropped: see [`ignored_field`].
//!
//! Scalars follow the YAML 1.2 core schema, which is what Kubernetes'
//! YAML-to-JSON step (sigs.k8s.io/yaml) applies in practice: plain `80` is a
//! number, `"80"` is a string, `true` a boolean, `~`/empty a null. A null
//! decodes as the zero value, as Go's encoding/json leaves a field.

use crate::tree::{is_null_str, Node, NodeKind, Pos};
use serde::de::{self, DeserializeSeed, IntoDeserializer, Visitor};
use std::cell::RefCell;
use std::fmt;

/// A fatal decoding error, with the place it happened.
#[derive(Clone, Debug, PartialEq)]
pub struct DeError {
    pub pos: Option<Pos>,
    pub path: Option<String>,
    pub message: String,
}

impl fmt::Display for DeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}
impl std::error::Error for DeError {}

impl de::Error for DeError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        DeError {
            pos: None,
            path: None,
            message: msg.to_string(),
        }
    }
}

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

/// Decode `node` strictly as `T`. `path` is the path of `node` (empty for a
/// document root).
pub fn decode<'de, T: serde::Deserialize<'de>>(
    node: &'de Node,
    path: &str,
    ctx: &'de Ctx,
) -> Result<T, DeError> {
    T::deserialize(De {
        node,
        path: path.to_string(),
        ctx,
    })
}

pub struct De<'a> {
    pub node: &'a Node,
    pub path: String,
    pub ctx: &'a Ctx,
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
        if let Ok(f) = value.parse::<f64>() {
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
    fn at(&self, mut e: DeError) -> DeError {
        if e.pos.is_none() {
            e.pos = Some(self.node.pos);
        }
        if e.path.is_none() {
            e.path = Some(self.path.clone());
        }
        e
    }

    fn err(&self, message: String) -> DeError {
        DeError {
            pos: Some(self.node.pos),
            path: Some(self.path.clone()),
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

    fn scalar(&self) -> Option<(&'a str, bool)> {
        match &self.node.kind {
            NodeKind::Scalar { value, plain } => Some((value.as_str(), *plain)),
            _ => None,
        }
    }

    fn integer<V: Visitor<'a>>(self, visitor: V, what: &str) -> Result<V::Value, DeError> {
        let r = match self.scalar() {
            Some((v, plain)) => match resolve(v, plain) {
                Resolved::Int(i) => visitor.visit_i64(i),
                Resolved::UInt(u) => visitor.visit_u64(u),
                _ => return Err(self.type_error(what)),
            },
            None => return Err(self.type_error(what)),
        };
        r.map_err(|e| self.at(e))
    }
}

const EMPTY: &[(Node, Node)] = &[];

impl<'a> de::Deserializer<'a> for De<'a> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, DeError> {
        let r = match &self.node.kind {
            NodeKind::Scalar { value, plain } => match resolve(value, *plain) {
                Resolved::Null => visitor.visit_unit(),
                Resolved::Bool(b) => visitor.visit_bool(b),
                Resolved::Int(i) => visitor.visit_i64(i),
                Resolved::UInt(u) => visitor.visit_u64(u),
                Resolved::Float(f) => visitor.visit_f64(f),
                Resolved::Str(s) => visitor.visit_str(s),
            },
            NodeKind::Seq(items) => visitor.visit_seq(SeqAccess {
                items: items.iter(),
                index: 0,
                path: &self.path,
                ctx: self.ctx,
            }),
            NodeKind::Map(entries) => visitor.visit_map(MapAccess::new(&self, entries, None)),
        };
        r.map_err(|e| self.at(e))
    }

    fn deserialize_bool<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.scalar().map(|(v, p)| resolve(v, p)) {
            Some(Resolved::Bool(b)) => visitor.visit_bool(b).map_err(|e| self.at(e)),
            _ => Err(self.type_error("true or false")),
        }
    }

    fn deserialize_i8<V: Visitor<'a>>(self, v: V) -> Result<V::Value, DeError> {
        self.integer(v, "an integer")
    }
    fn deserialize_i16<V: Visitor<'a>>(self, v: V) -> Result<V::Value, DeError> {
        self.integer(v, "an integer")
    }
    fn deserialize_i32<V: Visitor<'a>>(self, v: V) -> Result<V::Value, DeError> {
        self.integer(v, "an integer")
    }
    fn deserialize_i64<V: Visitor<'a>>(self, v: V) -> Result<V::Value, DeError> {
        self.integer(v, "an integer")
    }
    fn deserialize_u8<V: Visitor<'a>>(self, v: V) -> Result<V::Value, DeError> {
        self.integer(v, "a non-negative integer")
    }
    fn deserialize_u16<V: Visitor<'a>>(self, v: V) -> Result<V::Value, DeError> {
        self.integer(v, "a non-negative integer")
    }
    fn deserialize_u32<V: Visitor<'a>>(self, v: V) -> Result<V::Value, DeError> {
        self.integer(v, "a non-negative integer")
    }
    fn deserialize_u64<V: Visitor<'a>>(self, v: V) -> Result<V::Value, DeError> {
        self.integer(v, "a non-negative integer")
    }

    fn deserialize_f32<V: Visitor<'a>>(self, v: V) -> Result<V::Value, DeError> {
        self.deserialize_f64(v)
    }
    fn deserialize_f64<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, DeError> {
        let r = match self.scalar().map(|(v, p)| resolve(v, p)) {
            Some(Resolved::Int(i)) => visitor.visit_f64(i as f64),
            Some(Resolved::UInt(u)) => visitor.visit_f64(u as f64),
            Some(Resolved::Float(f)) => visitor.visit_f64(f),
            _ => return Err(self.type_error("a number")),
        };
        r.map_err(|e| self.at(e))
    }

    fn deserialize_char<V: Visitor<'a>>(self, v: V) -> Result<V::Value, DeError> {
        self.deserialize_str(v)
    }

    fn deserialize_str<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.scalar() {
            Some((v, plain)) => match resolve(v, plain) {
                // Go leaves a string field empty for a JSON null.
                Resolved::Null => visitor.visit_str(""),
                Resolved::Str(s) => visitor.visit_str(s),
                _ => return Err(self.type_error("a string")),
            },
            None => return Err(self.type_error("a string")),
        }
        .map_err(|e| self.at(e))
    }
    fn deserialize_string<V: Visitor<'a>>(self, v: V) -> Result<V::Value, DeError> {
        self.deserialize_str(v)
    }
    fn deserialize_bytes<V: Visitor<'a>>(self, v: V) -> Result<V::Value, DeError> {
        self.deserialize_str(v)
    }
    fn deserialize_byte_buf<V: Visitor<'a>>(self, v: V) -> Result<V::Value, DeError> {
        self.deserialize_str(v)
    }

    fn deserialize_option<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, DeError> {
        if self.node.is_null() {
            visitor.visit_none().map_err(|e| self.at(e))
        } else {
            let at = (self.node.pos, self.path.clone());
            visitor.visit_some(self).map_err(|mut e| {
                if e.pos.is_none() {
                    e.pos = Some(at.0);
                    e.path = Some(at.1);
                }
                e
            })
        }
    }

    fn deserialize_unit<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, DeError> {
        if self.node.is_null() {
            visitor.visit_unit().map_err(|e| self.at(e))
        } else {
            Err(self.type_error("null"))
        }
    }
    fn deserialize_unit_struct<V: Visitor<'a>>(
        self,
        _name: &'static str,
        v: V,
    ) -> Result<V::Value, DeError> {
        self.deserialize_unit(v)
    }
    fn deserialize_newtype_struct<V: Visitor<'a>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, DeError> {
        let r = match &self.node.kind {
            NodeKind::Seq(items) => visitor.visit_seq(SeqAccess {
                items: items.iter(),
                index: 0,
                path: &self.path,
                ctx: self.ctx,
            }),
            _ if self.node.is_null() => visitor.visit_seq(SeqAccess {
                items: [].iter(),
                index: 0,
                path: &self.path,
                ctx: self.ctx,
            }),
            _ => return Err(self.type_error("a list")),
        };
        r.map_err(|e| self.at(e))
    }
    fn deserialize_tuple<V: Visitor<'a>>(self, _len: usize, v: V) -> Result<V::Value, DeError> {
        self.deserialize_seq(v)
    }
    fn deserialize_tuple_struct<V: Visitor<'a>>(
        self,
        _name: &'static str,
        _len: usize,
        v: V,
    ) -> Result<V::Value, DeError> {
        self.deserialize_seq(v)
    }

    fn deserialize_map<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, DeError> {
        let r = match &self.node.kind {
            NodeKind::Map(entries) => visitor.visit_map(MapAccess::new(&self, entries, None)),
            _ if self.node.is_null() => visitor.visit_map(MapAccess::new(&self, EMPTY, None)),
            _ => return Err(self.type_error("a mapping")),
        };
        r.map_err(|e| self.at(e))
    }

    fn deserialize_struct<V: Visitor<'a>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        let r = match &self.node.kind {
            NodeKind::Map(entries) => {
                visitor.visit_map(MapAccess::new(&self, entries, Some((name, fields))))
            }
            _ if self.node.is_null() => {
                visitor.visit_map(MapAccess::new(&self, EMPTY, Some((name, fields))))
            }
            _ => return Err(self.type_error("a mapping")),
        };
        r.map_err(|e| self.at(e))
    }

    fn deserialize_enum<V: Visitor<'a>>(
        self,
        _name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        match &self.node.kind {
            NodeKind::Scalar { value, .. } => {
                if !variants.contains(&value.as_str()) {
                    let mut msg = format!(
                        "unsupported value {value:?}: supported values: {}",
                        quoted_list(variants)
                    );
                    if let Some(s) = closest(value, variants) {
                        msg += &format!("; did you mean {s:?}?");
                    }
                    return Err(self.err(msg));
                }
                visitor
                    .visit_enum(value.as_str().into_deserializer())
                    .map_err(|e: DeError| self.at(e))
            }
            _ => Err(self.type_error("a string")),
        }
    }

    fn deserialize_identifier<V: Visitor<'a>>(self, v: V) -> Result<V::Value, DeError> {
        self.deserialize_str(v)
    }

    fn deserialize_ignored_any<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_unit()
    }
}

struct SeqAccess<'a, 'p> {
    items: std::slice::Iter<'a, Node>,
    index: usize,
    path: &'p str,
    ctx: &'a Ctx,
}

impl<'a> de::SeqAccess<'a> for SeqAccess<'a, '_> {
    type Error = DeError;
    fn next_element_seed<T: DeserializeSeed<'a>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, DeError> {
        let Some(node) = self.items.next() else {
            return Ok(None);
        };
        let path = format!("{}[{}]", self.path, self.index);
        self.index += 1;
        seed.deserialize(De {
            node,
            path,
            ctx: self.ctx,
        })
        .map(Some)
    }
    fn size_hint(&self) -> Option<usize> {
        Some(self.items.len())
    }
}

struct MapAccess<'a> {
    entries: &'a [(Node, Node)],
    /// Entries whose key repeats an earlier one (already reported).
    dup: Vec<bool>,
    next: usize,
    /// The value of the key last returned.
    value: Option<(&'a Node, String)>,
    path: String,
    ctx: &'a Ctx,
    /// For structs: the struct's name and known fields.
    strict: Option<(&'static str, &'static [&'static str])>,
}

impl<'a> MapAccess<'a> {
    fn new(
        de: &De<'a>,
        entries: &'a [(Node, Node)],
        strict: Option<(&'static str, &'static [&'static str])>,
    ) -> MapAccess<'a> {
        // Duplicate keys: JSON and YAML parsers differ on which one wins, so
        // Kubernetes' strict decoding refuses them (`duplicate field`), and
        // so do we, pointing at the second one. The first is decoded.
        let mut first_line: std::collections::BTreeMap<&str, usize> =
            std::collections::BTreeMap::new();
        let mut dup = vec![false; entries.len()];
        for (i, (k, _)) in entries.iter().enumerate() {
            if let Some(key) = k.as_str() {
                if let Some(line) = first_line.get(key) {
                    dup[i] = true;
                    let path = match strict {
                        Some(_) => child_path(&de.path, key),
                        None => format!("{}[{key}]", de.path),
                    };
                    de.ctx.report(
                        k.pos,
                        path,
                        format!("duplicate field {key:?} (first given on line {line})"),
                    );
                } else {
                    first_line.insert(key, k.pos.line);
                }
            }
        }
        MapAccess {
            entries,
            dup,
            next: 0,
            value: None,
            path: de.path.clone(),
            ctx: de.ctx,
            strict,
        }
    }

    /// Whether entry `i` is one the struct can take. Unknown keys are
    /// reported here, once, and skipped.
    fn accept(&self, i: usize) -> bool {
        let (k, _) = &self.entries[i];
        if self.dup.get(i).copied().unwrap_or(false) {
            return false;
        }
        let Some((name, fields)) = self.strict else {
            return true;
        };
        let Some(key) = k.as_str() else {
            self.ctx.report(
                k.pos,
                self.path.clone(),
                "a field name must be a string".into(),
            );
            return false;
        };
        if fields.contains(&key) {
            return true;
        }
        if ignored_field(name, fields, key) {
            return false;
        }
        if self.ctx.saturated() {
            return false;
        }
        let mut msg = "unknown field".to_string();
        if let Some(s) = closest(key, fields) {
            msg += &format!("; did you mean {s:?}?");
        } else if let Some(prev) = i.checked_sub(1).map(|p| &self.entries[p]) {
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
        false
    }
}

impl<'a> de::MapAccess<'a> for MapAccess<'a> {
    type Error = DeError;

    fn next_key_seed<K: DeserializeSeed<'a>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, DeError> {
        while self.next < self.entries.len() {
            let i = self.next;
            self.next += 1;
            if !self.accept(i) {
                continue;
            }
            let (k, v) = &self.entries[i];
            let key_str = k.as_str().unwrap_or_default();
            let vpath = if self.strict.is_some() {
                child_path(&self.path, key_str)
            } else {
                format!("{}[{key_str}]", self.path)
            };
            self.value = Some((v, vpath));
            // Keys of free-form maps (labels) are strings in Kubernetes even
            // when they look like numbers.
            if matches!(k.kind, NodeKind::Scalar { .. }) {
                return seed
                    .deserialize(de::value::BorrowedStrDeserializer::<DeError>::new(key_str))
                    .map(Some);
            }
            return Err(DeError {
                pos: Some(k.pos),
                path: Some(self.path.clone()),
                message: "a mapping key must be a string".into(),
            });
        }
        Ok(None)
    }

    fn next_value_seed<V: DeserializeSeed<'a>>(&mut self, seed: V) -> Result<V::Value, DeError> {
        match self.value.take() {
            // Errors raised after the value was read (a `with` function
            // refusing a duration string) have no position yet: they belong
            // to this value.
            Some((node, path)) => seed
                .deserialize(De {
                    node,
                    path: path.clone(),
                    ctx: self.ctx,
                })
                .map_err(|mut e| {
                    if e.pos.is_none() {
                        e.pos = Some(node.pos);
                        e.path = Some(path);
                    }
                    e
                }),
            None => Err(DeError {
                pos: None,
                path: None,
                message: "internal: value requested before key".into(),
            }),
        }
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

/// Fields `kubectl get -o yaml` prints that svcsim does not model. They are
/// accepted so that a dump of a real cluster loads, and dropped: svcsim
/// neither needs them nor writes them back (`kubectl apply` would not want
/// uid or resourceVersion anyway). Keyed by the serde struct name plus one
/// field the struct has, because two structs share the name `NodeSpec` (the
/// Kubernetes Node's and the Scenario's).
pub fn ignored_field(name: &str, fields: &[&str], key: &str) -> bool {
    const TABLE: &[(&str, &str, &[&str])] = &[
        (
            "ObjectMeta",
            "generateName",
            &[
                "uid",
                "resourceVersion",
                "generation",
                "creationTimestamp",
                "deletionTimestamp",
                "deletionGracePeriodSeconds",
                "managedFields",
                "ownerReferences",
                "finalizers",
                "selfLink",
                "clusterName",
            ],
        ),
        ("Service", "spec", &[]),
        ("ServiceSpec", "clusterIP", &["trafficDistribution"]),
        ("ServiceStatus", "loadBalancer", &["conditions"]),
        ("LoadBalancerIngress", "ip", &["ipMode", "ports"]),
        ("Deployment", "spec", &["status"]),
        (
            "DeploymentSpec",
            "strategy",
            &["progressDeadlineSeconds", "revisionHistoryLimit", "paused"],
        ),
        ("ReplicaSet", "spec", &["status"]),
        ("ReplicaSetSpec", "template", &["minReadySeconds"]),
        ("Namespace", "metadata", &["spec", "status"]),
        ("NetworkPolicy", "spec", &["status"]),
        (
            "PodSpec",
            "containers",
            &[
                "schedulerName",
                "securityContext",
                "serviceAccount",
                "serviceAccountName",
                "automountServiceAccountToken",
                "enableServiceLinks",
                "preemptionPolicy",
                "priority",
                "priorityClassName",
                "tolerations",
                "volumes",
                "affinity",
                "imagePullSecrets",
                "hostAliases",
                "initContainers",
                "topologySpreadConstraints",
                "shareProcessNamespace",
                "readinessGates",
                "runtimeClassName",
                "overhead",
                "activeDeadlineSeconds",
                "ephemeralContainers",
                "hostPID",
                "hostIPC",
                "setHostnameAsFQDN",
                "os",
                "schedulingGates",
                "resourceClaims",
                "dnsConfig",
                "hostNetwork",
            ],
        ),
        (
            "Container",
            "image",
            &[
                "imagePullPolicy",
                "resources",
                "terminationMessagePath",
                "terminationMessagePolicy",
                "env",
                "envFrom",
                "command",
                "args",
                "workingDir",
                "volumeMounts",
                "volumeDevices",
                "livenessProbe",
                "startupProbe",
                "lifecycle",
                "securityContext",
                "stdin",
                "stdinOnce",
                "tty",
                "resizePolicy",
                "restartPolicy",
            ],
        ),
        ("ContainerPort", "containerPort", &["hostIP"]),
        (
            "Probe",
            "httpGet",
            &["timeoutSeconds", "terminationGracePeriodSeconds", "grpc"],
        ),
        (
            "PodStatus",
            "phase",
            &[
                "conditions",
                "containerStatuses",
                "initContainerStatuses",
                "ephemeralContainerStatuses",
                "hostIPs",
                "podIPs",
                "qosClass",
                "startTime",
                "message",
                "reason",
                "nominatedNodeName",
                "resize",
                "resourceClaimStatuses",
                "observedGeneration",
            ],
        ),
        (
            "NodeSpec",
            "unschedulable",
            &[
                "podCIDRs",
                "providerID",
                "taints",
                "externalID",
                "configSource",
            ],
        ),
        (
            "NodeStatus",
            "addresses",
            &[
                "allocatable",
                "capacity",
                "conditions",
                "daemonEndpoints",
                "images",
                "nodeInfo",
                "volumesInUse",
                "volumesAttached",
                "phase",
                "config",
                "runtimeHandlers",
                "features",
            ],
        ),
        ("Endpoint", "addresses", &["hints", "deprecatedTopology"]),
        (
            "ObjectReference",
            "kind",
            &["uid", "apiVersion", "resourceVersion", "fieldPath"],
        ),
    ];
    TABLE
        .iter()
        .any(|(n, marker, keys)| *n == name && fields.contains(marker) && keys.contains(&key))
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
