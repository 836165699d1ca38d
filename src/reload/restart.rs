//! Which configuration changes a reload cannot apply. Everything but the
//! connections' `rules` lists is fixed at start (the listener, the
//! connections and how requests are attributed to them, their upstreams,
//! proxy-wide settings): a change there needs a restart, and a reload that
//! sees one is refused as a whole, so the proxy never runs half of one
//! configuration and half of another.

use serde_json::Value;

/// The fields that differ between two configuration trees (with the rule
/// lists already left out), as field paths such as `listen` or
/// `connections[1].upstream`, in the order of the files.
pub fn changed_fields(old: &Value, new: &Value) -> Vec<String> {
    let mut out = Vec::new();
    diff("", old, new, &mut out);
    out
}

fn diff(at: &str, old: &Value, new: &Value, out: &mut Vec<String>) {
    if old == new {
        return;
    }
    match (old, new) {
        (Value::Object(a), Value::Object(b)) => {
            let keys = a.keys().chain(b.keys().filter(|k| !a.contains_key(*k)));
            for k in keys {
                let path = if at.is_empty() {
                    k.clone()
                } else {
                    format!("{at}.{k}")
                };
                diff(
                    &path,
                    a.get(k).unwrap_or(&Value::Null),
                    b.get(k).unwrap_or(&Value::Null),
                    out,
                );
            }
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => {
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                diff(&format!("{at}[{i}]"), x, y, out);
            }
        }
        _ if at.is_empty() => out.push("the whole file".into()),
        _ => out.push(at.to_string()),
    }
}
