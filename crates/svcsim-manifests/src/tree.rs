//! A YAML document tree with a source position on every node, built from
//! `saphyr-parser` events.
//!
//! Why our own tree: strict decoding must say *where* an unknown field or a
//! wrong type is (line and column), and a value type such as
//! `serde_json::Value` forgets positions. The tree is also where the input
//! budgets are enforced: nesting depth and the total number of nodes,
//! counting every node an alias copies, so an alias bomb ("billion laughs")
//! is refused instead of expanding into gigabytes.
//!
//! JSON is a subset of YAML's flow style, so the same parser reads JSON
//! manifests (`kubectl get -o json`).

use saphyr_parser::{Event, Parser, ScalarStyle, Span};
use svcsim_core::vecmap::VecMap;

/// A 1-based line and column.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Pos {
    pub line: usize,
    pub col: usize,
}

impl Pos {
    fn of(span: &Span) -> Pos {
        // saphyr's lines are 1-based, its columns 0-based; editors and
        // compilers print both 1-based.
        Pos {
            line: span.start.line(),
            col: span.start.col() + 1,
        }
    }
}

/// One node.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub pos: Pos,
    pub kind: NodeKind,
}

#[derive(Clone, Debug, PartialEq)]
pub enum NodeKind {
    /// A scalar. `plain` is false for quoted and block scalars and for
    /// scalars tagged `!!str`: those are always strings, never numbers,
    /// booleans or null (YAML 1.2 core schema).
    Scalar {
        value: String,
        plain: bool,
    },
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
}

impl Node {
    /// True for an empty value (`key:` with nothing after it), `~` and `null`.
    pub fn is_null(&self) -> bool {
        matches!(&self.kind, NodeKind::Scalar { value, plain: true } if is_null_str(value))
    }

    /// The string of a scalar, whatever its style.
    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            NodeKind::Scalar { value, .. } => Some(value),
            _ => None,
        }
    }

    /// The value of `key` in a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.kind {
            NodeKind::Map(entries) => entries
                .iter()
                .find(|(k, _)| k.as_str() == Some(key))
                .map(|(_, v)| v),
            _ => None,
        }
    }

    /// A copy of a mapping without the given keys (used to strip `kind`,
    /// which the object structs do not model, before strict decoding).
    pub fn without_keys(&self, keys: &[&str]) -> Node {
        match &self.kind {
            NodeKind::Map(entries) => Node {
                pos: self.pos,
                kind: NodeKind::Map(
                    entries
                        .iter()
                        .filter(|(k, _)| !k.as_str().is_some_and(|k| keys.contains(&k)))
                        .cloned()
                        .collect(),
                ),
            },
            _ => self.clone(),
        }
    }
}

pub fn is_null_str(s: &str) -> bool {
    matches!(s, "" | "~" | "null" | "Null" | "NULL")
}

/// One YAML document of a stream; `root` is `None` for an empty document.
#[derive(Clone, Debug)]
pub struct Doc {
    pub root: Option<Node>,
}

/// Budgets for one parse.
#[derive(Clone, Copy, Debug)]
pub struct Budget {
    /// Deepest nesting of sequences and mappings.
    pub max_depth: usize,
    /// Total nodes in the resulting trees, alias copies included.
    pub max_nodes: usize,
}

/// A syntax or budget error.
#[derive(Clone, Debug, PartialEq)]
pub struct TreeError {
    pub pos: Pos,
    pub message: String,
}

enum Frame {
    Seq {
        pos: Pos,
        anchor: usize,
        items: Vec<Node>,
    },
    Map {
        pos: Pos,
        anchor: usize,
        entries: Vec<(Node, Node)>,
        key: Option<Node>,
    },
}

/// Parse a whole stream into documents.
pub fn parse_stream(text: &str, budget: Budget) -> Result<Vec<Doc>, TreeError> {
    let mut parser = Parser::new_from_str(text);
    let mut docs = Vec::new();
    let mut stack: Vec<Frame> = Vec::new();
    // Anchored nodes with their size, for alias expansion.
    let mut anchors: VecMap<usize, (Node, usize)> = VecMap::new();
    // Sizes of the open collections, so an anchored collection knows its size
    // when it closes.
    let mut sizes: Vec<usize> = Vec::new();
    let mut nodes = 0usize;
    let mut root: Option<Node> = None;

    while let Some(item) = parser.next_event() {
        let (event, span) = item.map_err(|e| TreeError {
            pos: Pos {
                line: e.marker().line(),
                col: e.marker().col() + 1,
            },
            message: format!("YAML syntax error: {}", e.info()),
        })?;
        let pos = Pos::of(&span);
        // A finished node, with its size, to attach to the parent.
        let mut fresh = true;
        let done: Option<(Node, usize, usize)> = match event {
            Event::StreamStart | Event::Nothing => None,
            Event::StreamEnd => break,
            Event::DocumentStart(_) => {
                root = None;
                anchors.clear();
                None
            }
            Event::DocumentEnd => {
                docs.push(Doc { root: root.take() });
                None
            }
            Event::Alias(id) => {
                let Some((node, size)) = anchors.get(&id) else {
                    return Err(TreeError {
                        pos,
                        message: "YAML: alias to an unknown anchor".into(),
                    });
                };
                fresh = false;
                Some((node.clone(), *size, 0))
            }
            Event::Scalar(value, style, anchor, tag) => {
                let tagged_str = tag
                    .as_ref()
                    .is_some_and(|t| t.is_yaml_core_schema() && t.suffix == "str");
                let plain = style == ScalarStyle::Plain && !tagged_str;
                Some((
                    Node {
                        pos,
                        kind: NodeKind::Scalar {
                            value: value.into_owned(),
                            plain,
                        },
                    },
                    1,
                    anchor,
                ))
            }
            Event::SequenceStart(anchor, _) => {
                if stack.len() >= budget.max_depth {
                    return Err(depth_error(pos, budget));
                }
                stack.push(Frame::Seq {
                    pos,
                    anchor,
                    items: Vec::new(),
                });
                sizes.push(1);
                nodes = nodes.saturating_add(1);
                None
            }
            Event::MappingStart(anchor, _) => {
                if stack.len() >= budget.max_depth {
                    return Err(depth_error(pos, budget));
                }
                stack.push(Frame::Map {
                    pos,
                    anchor,
                    entries: Vec::new(),
                    key: None,
                });
                sizes.push(1);
                nodes = nodes.saturating_add(1);
                None
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let size = sizes.pop().unwrap_or(1);
                match stack.pop() {
                    Some(Frame::Seq { pos, anchor, items }) => Some((
                        Node {
                            pos,
                            kind: NodeKind::Seq(items),
                        },
                        size,
                        anchor,
                    )),
                    Some(Frame::Map {
                        pos,
                        anchor,
                        entries,
                        key,
                    }) => {
                        let mut entries = entries;
                        // A key without a value cannot come out of a
                        // well-formed event stream, but if it did, keep it
                        // with a null value rather than lose it.
                        if let Some(k) = key {
                            let p = k.pos;
                            entries.push((k, null_at(p)));
                        }
                        Some((
                            Node {
                                pos,
                                kind: NodeKind::Map(entries),
                            },
                            size,
                            anchor,
                        ))
                    }
                    None => None,
                }
            }
        };
        let Some((node, size, anchor)) = done else {
            continue;
        };
        // Scalars and collections were counted as their events arrived;
        // an alias copies a whole subtree, which counts in full.
        let added = match (&node.kind, fresh) {
            (NodeKind::Scalar { .. }, true) => 1,
            (_, true) => 0,
            (_, false) => size,
        };
        nodes = nodes.saturating_add(added);
        if nodes > budget.max_nodes {
            return Err(TreeError {
                pos,
                message: format!(
                    "input too large: more than {} YAML nodes (an alias counts as a copy of what it names)",
                    budget.max_nodes
                ),
            });
        }
        if anchor != 0 {
            anchors.insert(anchor, (node.clone(), size));
        }
        if let Some(parent) = sizes.last_mut() {
            *parent = parent.saturating_add(size);
        }
        match stack.last_mut() {
            None => root = Some(node),
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map { entries, key, .. }) => match key.take() {
                None => *key = Some(node),
                Some(k) => entries.push((k, node)),
            },
        }
    }
    // A stream that ends without DocumentEnd (only possible if the parser
    // stopped early) still yields what was read.
    if root.is_some() {
        docs.push(Doc { root: root.take() });
    }
    Ok(docs)
}

fn depth_error(pos: Pos, budget: Budget) -> TreeError {
    TreeError {
        pos,
        message: format!(
            "input too deeply nested: more than {} levels",
            budget.max_depth
        ),
    }
}

fn null_at(pos: Pos) -> Node {
    Node {
        pos,
        kind: NodeKind::Scalar {
            value: String::new(),
            plain: true,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const B: Budget = Budget {
        max_depth: 64,
        max_nodes: 10_000,
    };

    #[test]
    fn positions_are_one_based() {
        let docs = parse_stream("a:\n  b: 1\n", B).unwrap();
        let root = docs[0].root.as_ref().unwrap();
        let b = root.get("a").unwrap();
        let NodeKind::Map(e) = &b.kind else { panic!() };
        assert_eq!(e[0].0.pos, Pos { line: 2, col: 3 });
    }

    #[test]
    fn alias_bomb_is_refused() {
        let mut y = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        let mut prev = 'a';
        for c in 'b'..='k' {
            y += &format!("{c}: &{c} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n");
            prev = c;
        }
        let e = parse_stream(&y, B).unwrap_err();
        assert!(e.message.contains("more than 10000 YAML nodes"), "{e:?}");
    }

    #[test]
    fn depth_is_bounded() {
        let y = "[".repeat(1000);
        let e = parse_stream(&y, B).unwrap_err();
        assert!(
            e.message.contains("nested") || e.message.contains("syntax"),
            "{e:?}"
        );
    }

    #[test]
    fn quoted_scalars_are_not_plain() {
        let docs = parse_stream("a: '1'\nb: !!str 2\nc: 3\n", B).unwrap();
        let r = docs[0].root.as_ref().unwrap();
        assert!(matches!(
            r.get("a").unwrap().kind,
            NodeKind::Scalar { plain: false, .. }
        ));
        assert!(matches!(
            r.get("b").unwrap().kind,
            NodeKind::Scalar { plain: false, .. }
        ));
        assert!(matches!(
            r.get("c").unwrap().kind,
            NodeKind::Scalar { plain: true, .. }
        ));
    }
}
