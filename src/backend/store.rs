//! The in-memory store: one collection per resource type, kept in creation
//! order, one server-wide version counter for `meta.version` / `ETag`
//! (RFC 7644 §3.14), and fresh 32-hex-digit resource ids.

use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasher, Hasher};

use serde_json::Value;

use super::Kind;

/// Everything the backend stores.
#[derive(Debug)]
pub(super) struct State {
    users: Collection,
    groups: Collection,
    /// The last version handed out; versions are `W/"1"`, `W/"2"`, … across
    /// all resources, so an ETag never repeats.
    version: u64,
    /// Counter mixed into new ids.
    ids: u64,
    /// Per-backend random key, so ids differ between runs.
    id_key: std::collections::hash_map::RandomState,
}

impl State {
    pub(super) fn new() -> State {
        State {
            users: Collection::default(),
            groups: Collection::default(),
            version: 0,
            ids: 0,
            id_key: std::collections::hash_map::RandomState::new(),
        }
    }

    pub(super) fn collection(&self, kind: Kind) -> &Collection {
        match kind {
            Kind::User => &self.users,
            Kind::Group => &self.groups,
        }
    }

    pub(super) fn collection_mut(&mut self, kind: Kind) -> &mut Collection {
        match kind {
            Kind::User => &mut self.users,
            Kind::Group => &mut self.groups,
        }
    }

    /// The next version tag, `W/"n"`.
    pub(super) fn next_version(&mut self) -> String {
        self.version = self.version.saturating_add(1);
        format!("W/\"{}\"", self.version)
    }

    /// A fresh id (32 lower-case hex digits) used by no stored resource.
    pub(super) fn fresh_id(&mut self) -> String {
        loop {
            self.ids = self.ids.wrapping_add(1);
            let half = |salt: u8| {
                let mut h = self.id_key.build_hasher();
                h.write_u64(self.ids);
                h.write_u8(salt);
                h.finish()
            };
            let id = format!("{:016x}{:016x}", half(1), half(2));
            if self.users.get(&id).is_none() && self.groups.get(&id).is_none() {
                return id;
            }
        }
    }
}

/// The resources of one type, keyed by id, iterated in creation order.
#[derive(Debug, Default)]
pub(super) struct Collection {
    by_seq: BTreeMap<u64, Value>,
    seq_of: HashMap<String, u64>,
    next_seq: u64,
}

impl Collection {
    pub(super) fn get(&self, id: &str) -> Option<&Value> {
        self.seq_of.get(id).and_then(|seq| self.by_seq.get(seq))
    }

    /// Inserts a new resource or replaces an existing one in place (keeping
    /// its position in the creation order).
    pub(super) fn put(&mut self, id: &str, resource: Value) {
        if let Some(seq) = self.seq_of.get(id) {
            self.by_seq.insert(*seq, resource);
            return;
        }
        let seq = self.next_seq;
        self.next_seq = self.next_seq.saturating_add(1);
        self.seq_of.insert(id.to_string(), seq);
        self.by_seq.insert(seq, resource);
    }

    pub(super) fn remove(&mut self, id: &str) -> Option<Value> {
        let seq = self.seq_of.remove(id)?;
        self.by_seq.remove(&seq)
    }

    /// Resources in creation order.
    pub(super) fn iter(&self) -> impl Iterator<Item = &Value> {
        self.by_seq.values()
    }

    /// `(id, resource)` pairs in creation order.
    pub(super) fn entries(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.by_seq
            .values()
            .map(|v| (v.get("id").and_then(Value::as_str).unwrap_or(""), v))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn keeps_creation_order_across_replace_and_remove() {
        let mut c = Collection::default();
        c.put("b", json!({"id": "b", "n": 1}));
        c.put("a", json!({"id": "a"}));
        c.put("c", json!({"id": "c"}));
        c.put("b", json!({"id": "b", "n": 2}));
        assert_eq!(c.remove("a"), Some(json!({"id": "a"})));
        assert_eq!(c.remove("a"), None);
        let ids: Vec<&str> = c.entries().map(|(id, _)| id).collect();
        assert_eq!(ids, ["b", "c"]);
        assert_eq!(c.get("b"), Some(&json!({"id": "b", "n": 2})));
    }

    #[test]
    fn ids_are_fresh_hex_and_versions_count_up() {
        let mut s = State::new();
        let a = s.fresh_id();
        let b = s.fresh_id();
        assert_eq!(a.len(), 32);
        assert!(
            a.bytes()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        );
        assert_ne!(a, b);
        assert_eq!(s.next_version(), "W/\"1\"");
        assert_eq!(s.next_version(), "W/\"2\"");
    }
}
