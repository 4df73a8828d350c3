//! Objects out, as a YAML stream `kubectl apply -f` accepts.
//!
//! Export writes the objects as the file wrote them ([`crate::Loaded::manifests`]),
//! not as svcsim defaulted and allocated them: `kubectl apply` does its own
//! defaulting and allocation, and a manifest that pins svcsim's ClusterIPs
//! would only collide with a real cluster's. Status is dropped (the API
//! server ignores it on create). The Scenario document is not written: it
//! is svcsim's, and kubectl would refuse the unknown kind.
//!
//! The YAML emitter is our own and small: objects become JSON values (keys
//! sorted, as `kubectl get -o yaml` sorts them) and are printed in block
//! style. A string is quoted whenever a YAML 1.2 reader would take it for
//! something else (a number, a boolean, null) or it contains characters
//! with meaning in YAML; quoting uses JSON's escapes, which are valid in a
//! YAML double-quoted scalar.

use serde_json::Value;
use svcsim_core::model::Object;

/// The objects as a multi-document YAML stream, `---` between documents.
pub fn to_yaml(objects: &[Object]) -> String {
    let mut out = String::new();
    for (i, o) in objects.iter().enumerate() {
        if i > 0 {
            out += "---\n";
        }
        let v = match serde_json::to_value(strip_status(o)) {
            Ok(mut v) => {
                drop_empty_names(&mut v);
                // A Node's empty status still serializes as `{}`.
                if let Value::Object(m) = &mut v {
                    m.remove("status");
                }
                v
            }
            // Serializing these plain structs cannot fail (string keys, no
            // custom serializers); if it ever did, say so in the output
            // rather than panic.
            Err(e) => {
                out += &format!(
                    "# svcsim: could not export {} {:?}: {e}\n",
                    o.kind(),
                    o.meta().name
                );
                continue;
            }
        };
        emit_object(&v, &mut out);
    }
    out
}

/// `name: ""` in a pod template's metadata is the model's default, not
/// something the user wrote; leave it out.
fn drop_empty_names(v: &mut Value) {
    match v {
        Value::Object(map) => {
            if let Some(Value::Object(meta)) = map.get_mut("metadata") {
                if meta.get("name").and_then(Value::as_str) == Some("") {
                    meta.remove("name");
                }
            }
            for (_, child) in map.iter_mut() {
                drop_empty_names(child);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(drop_empty_names),
        _ => {}
    }
}

/// The object without its status.
pub fn strip_status(o: &Object) -> Object {
    let mut o = o.clone();
    match &mut o {
        Object::Pod(p) => p.status = Default::default(),
        Object::Service(s) => s.status = Default::default(),
        Object::Node(n) => n.status = Default::default(),
        _ => {}
    }
    o
}

/// Top level: `apiVersion` and `kind` first, as manifests are written.
fn emit_object(v: &Value, out: &mut String) {
    let Value::Object(map) = v else {
        emit(v, 0, out);
        return;
    };
    for key in ["apiVersion", "kind"] {
        if let Some(val) = map.get(key) {
            out.push_str(key);
            out.push_str(": ");
            out.push_str(&scalar(val));
            out.push('\n');
        }
    }
    for (k, val) in map {
        if k == "apiVersion" || k == "kind" {
            continue;
        }
        entry(k, val, 0, out);
    }
}

fn indent(n: usize, out: &mut String) {
    for _ in 0..n {
        out.push(' ');
    }
}

fn is_collection(v: &Value) -> bool {
    matches!(v, Value::Object(m) if !m.is_empty()) || matches!(v, Value::Array(a) if !a.is_empty())
}

/// `key: value` at `depth`.
fn entry(k: &str, v: &Value, depth: usize, out: &mut String) {
    indent(depth, out);
    out.push_str(&string(k));
    if is_collection(v) {
        out.push_str(":\n");
        match v {
            Value::Object(_) => emit(v, depth + 2, out),
            // kubectl style: sequence items at the key's own indentation.
            _ => emit(v, depth, out),
        }
    } else {
        out.push_str(": ");
        out.push_str(&scalar(v));
        out.push('\n');
    }
}

/// A non-empty collection, its lines starting at `depth`.
fn emit(v: &Value, depth: usize, out: &mut String) {
    match v {
        Value::Object(map) => {
            for (k, val) in map {
                entry(k, val, depth, out);
            }
        }
        Value::Array(items) => {
            for item in items {
                indent(depth, out);
                out.push_str("- ");
                match item {
                    Value::Object(m) if !m.is_empty() => {
                        // The first key shares the dash's line.
                        let mut first = true;
                        for (k, val) in m {
                            if first {
                                let mut line = String::new();
                                entry(k, val, depth + 2, &mut line);
                                out.push_str(line.trim_start_matches(' '));
                                first = false;
                            } else {
                                entry(k, val, depth + 2, out);
                            }
                        }
                    }
                    Value::Array(a) if !a.is_empty() => {
                        out.push('\n');
                        emit(item, depth + 2, out);
                    }
                    _ => {
                        out.push_str(&scalar(item));
                        out.push('\n');
                    }
                }
            }
        }
        _ => {
            indent(depth, out);
            out.push_str(&scalar(v));
            out.push('\n');
        }
    }
}

fn scalar(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => string(s),
        Value::Array(_) => "[]".into(),
        Value::Object(_) => "{}".into(),
    }
}

/// A string, plain when that reads back as the same string, else quoted.
fn string(s: &str) -> String {
    if plain_ok(s) {
        s.to_string()
    } else {
        // JSON string syntax is a subset of YAML double-quoted scalars.
        serde_json::to_string(s).unwrap_or_else(|_| format!("{s:?}"))
    }
}

fn plain_ok(s: &str) -> bool {
    let Some(first) = s.chars().next() else {
        return false;
    };
    if !(first.is_ascii_alphanumeric() || matches!(first, '_' | '/' | '.')) {
        return false;
    }
    if s.ends_with(':') || s.ends_with('.') && s.len() == 1 {
        return false;
    }
    if !s.chars().all(|c| {
        c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '/' | ':' | '@' | '+' | '=')
    }) {
        return false;
    }
    // Anything the core schema would read as null, a boolean or a number
    // must be quoted ("3000" for a label value, "true", "1e3", "0x1F").
    !resolves_to_non_string(s)
}

fn resolves_to_non_string(s: &str) -> bool {
    if crate::tree::is_null_str(s) {
        return true;
    }
    if matches!(s, "true" | "True" | "TRUE" | "false" | "False" | "FALSE") {
        return true;
    }
    let body = s.strip_prefix(['-', '+']).unwrap_or(s);
    if body.starts_with("0x") || body.starts_with("0o") {
        return true;
    }
    if !body.is_empty() && body.bytes().all(|b| b.is_ascii_digit()) {
        return true;
    }
    if svcsim_core::decimal::parse(s).is_some() {
        return true;
    }
    matches!(
        s.to_ascii_lowercase().as_str(),
        ".inf" | "+.inf" | "-.inf" | ".nan"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting() {
        assert_eq!(string("ms-one"), "ms-one");
        assert_eq!(string("3000"), "\"3000\"");
        assert_eq!(string("true"), "\"true\"");
        assert_eq!(string(""), "\"\"");
        assert_eq!(string("my-repo/ms-one:1.2"), "my-repo/ms-one:1.2");
        assert_eq!(string("a b"), "\"a b\"");
        assert_eq!(string("25%"), "\"25%\"");
        assert_eq!(string("1e3"), "\"1e3\"");
    }
}
