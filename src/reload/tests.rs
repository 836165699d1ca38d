use std::path::{Path, PathBuf};

use serde_json::json;

use super::debounce::{Debounce, Poll};
use super::restart::changed_fields;
use super::watch::{Sources, rule_paths};
use crate::digest::{Digest, Sha256, sha256};

/// A fresh directory under the system temp dir, removed on drop.
struct Dir(PathBuf);

impl Dir {
    fn new(tag: &str) -> Dir {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static N: AtomicUsize = AtomicUsize::new(0);
        let p = std::env::temp_dir().join(format!(
            "scimshim-reload-{tag}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&p).unwrap();
        Dir(p)
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let p = self.0.join(name);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(&p, text).unwrap();
        p
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn digest_of(sources: &Sources) -> Digest {
    sources.snapshot().digest
}

// --- digest ---

#[test]
fn sha256_matches_the_fips_180_2_examples() {
    assert_eq!(
        sha256(b"abc").hex(),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
    assert_eq!(
        sha256(b"").hex(),
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );
    let mut h = Sha256::new();
    h.update(b"a");
    h.update(b"bc");
    assert_eq!(h.finish(), sha256(b"abc"));
}

#[test]
fn framed_items_do_not_run_into_each_other() {
    let mut one = Sha256::new();
    one.item(b'F', b"ab");
    one.item(b'F', b"c");
    let mut two = Sha256::new();
    two.item(b'F', b"a");
    two.item(b'F', b"bc");
    assert_ne!(one.finish(), two.finish());
}

// --- debounce ---

fn d(n: u8) -> Digest {
    Digest([n; 32])
}

#[test]
fn a_change_reloads_once_it_held_still_for_one_more_poll() {
    let mut b = Debounce::new(d(1));
    assert_eq!(b.observe(d(1)), Poll::Unchanged);
    assert_eq!(b.observe(d(2)), Poll::Settling);
    assert_eq!(b.observe(d(2)), Poll::Reload);
    b.loaded(d(2));
    assert_eq!(b.current(), d(2));
    assert_eq!(b.observe(d(2)), Poll::Unchanged);
}

#[test]
fn a_file_still_being_written_is_not_loaded() {
    let mut b = Debounce::new(d(1));
    // Truncated, half written, complete: each poll sees something new.
    assert_eq!(b.observe(d(2)), Poll::Settling);
    assert_eq!(b.observe(d(3)), Poll::Settling);
    assert_eq!(b.observe(d(4)), Poll::Settling);
    assert_eq!(b.observe(d(4)), Poll::Reload);
}

#[test]
fn an_edit_undone_before_it_settled_does_nothing() {
    let mut b = Debounce::new(d(1));
    assert_eq!(b.observe(d(2)), Poll::Settling);
    assert_eq!(b.observe(d(1)), Poll::Unchanged);
    // The pending change was forgotten: seeing it again starts over.
    assert_eq!(b.observe(d(2)), Poll::Settling);
    assert_eq!(b.observe(d(2)), Poll::Reload);
}

#[test]
fn a_failed_reload_is_not_retried_until_the_files_change_again() {
    let mut b = Debounce::new(d(1));
    b.observe(d(2));
    assert_eq!(b.observe(d(2)), Poll::Reload);
    b.loaded(d(2)); // it failed; the inputs were still tried
    assert_eq!(b.observe(d(2)), Poll::Unchanged);
    assert_eq!(b.observe(d(3)), Poll::Settling);
    assert_eq!(b.observe(d(3)), Poll::Reload);
}

// --- change detection ---

const RULE: &str = "rules: []\n";

#[test]
fn an_edit_in_place_changes_the_fingerprint_and_a_rewrite_of_the_same_bytes_does_not() {
    let dir = Dir::new("edit");
    let file = dir.write("a.yaml", RULE);
    let sources = Sources::Rules(vec![file.clone()]);
    let before = digest_of(&sources);
    assert_eq!(digest_of(&sources), before);
    std::fs::write(&file, RULE).unwrap();
    assert_eq!(digest_of(&sources), before, "same bytes, same fingerprint");
    std::fs::write(&file, "rules: [ ]\n").unwrap();
    assert_ne!(digest_of(&sources), before);
}

#[test]
fn a_directory_is_watched_as_the_loader_reads_it() {
    let dir = Dir::new("dir");
    dir.write("rules/a.yaml", RULE);
    let sources = Sources::Rules(vec![dir.0.join("rules")]);
    let before = digest_of(&sources);
    // What the loader skips changes nothing.
    dir.write("rules/a.test.yaml", "tests: []\n");
    dir.write("rules/notes.txt", "x");
    dir.write("rules/.hidden.yaml", RULE);
    dir.write("rules/..2026_01/b.yaml", RULE);
    assert_eq!(digest_of(&sources), before);
    // A new rule file, also in a subdirectory, does.
    dir.write("rules/sub/b.yml", RULE);
    let with_b = digest_of(&sources);
    assert_ne!(with_b, before);
    std::fs::remove_file(dir.0.join("rules/sub/b.yml")).unwrap();
    assert_eq!(digest_of(&sources), before);
    // A renamed file is a change even with the same contents.
    std::fs::rename(dir.0.join("rules/a.yaml"), dir.0.join("rules/c.yaml")).unwrap();
    assert_ne!(digest_of(&sources), before);
}

#[test]
fn a_missing_path_has_a_fingerprint_of_its_own() {
    let dir = Dir::new("missing");
    let sources = Sources::Rules(vec![dir.0.join("later.yaml")]);
    let missing = digest_of(&sources);
    assert_eq!(digest_of(&sources), missing);
    dir.write("later.yaml", RULE);
    assert_ne!(digest_of(&sources), missing);
}

#[cfg(unix)]
fn symlink(target: impl AsRef<Path>, link: impl AsRef<Path>) {
    std::os::unix::fs::symlink(target, link).unwrap();
}

/// A ConfigMap volume: `..2026_a/a.yaml`, `..data -> ..2026_a`,
/// `a.yaml -> ..data/a.yaml`. An update writes `..2026_b`, points a new
/// symlink at it and renames it over `..data`; `a.yaml` is never written.
#[cfg(unix)]
#[test]
fn a_configmap_symlink_swap_is_a_change() {
    let dir = Dir::new("configmap");
    let vol = dir.0.join("vol");
    dir.write("vol/..2026_a/a.yaml", RULE);
    symlink("..2026_a", vol.join("..data"));
    symlink("..data/a.yaml", vol.join("a.yaml"));
    let sources = Sources::Rules(vec![vol.clone()]);
    let before = digest_of(&sources);
    assert_eq!(digest_of(&sources), before);

    dir.write("vol/..2026_b/a.yaml", "rules: [ ]\n");
    symlink("..2026_b", vol.join("..data_tmp"));
    std::fs::rename(vol.join("..data_tmp"), vol.join("..data")).unwrap();
    let after = digest_of(&sources);
    assert_ne!(after, before);
    // The old directory going away afterwards changes nothing more.
    std::fs::remove_dir_all(vol.join("..2026_a")).unwrap();
    assert_eq!(digest_of(&sources), after);
}

const CONFIG: &str = "\
listen: 127.0.0.1:8080
upstream: http://backend:8000/scim/v2
connections:
  - name: entra
    match: {path_prefix: /scim/v2/entra}
    rules: [entra.yaml, shared]
  - name: other
    rules: [shared, other.yaml]
";

#[test]
fn a_configuration_names_its_rule_paths_relative_to_itself() {
    let tree = crate::rules::yaml::parse(CONFIG).unwrap().to_json();
    assert_eq!(
        rule_paths(Path::new("/etc/scimshim/scimshim.yaml"), &tree),
        vec![
            PathBuf::from("/etc/scimshim/entra.yaml"),
            PathBuf::from("/etc/scimshim/shared"),
            PathBuf::from("/etc/scimshim/other.yaml"),
        ]
    );
    assert_eq!(
        rule_paths(Path::new("scimshim.yaml"), &tree)[0],
        PathBuf::from("./entra.yaml")
    );
}

#[test]
fn with_a_configuration_its_rule_files_and_the_file_itself_are_watched() {
    let dir = Dir::new("config");
    let config = dir.write("scimshim.yaml", CONFIG);
    dir.write("entra.yaml", RULE);
    dir.write("shared/s.yaml", RULE);
    let sources = Sources::Config(config.clone());
    let before = sources.snapshot();
    dir.write("shared/s.yaml", "rules: [ ]\n");
    let edited = sources.snapshot();
    assert_ne!(edited.digest, before.digest);
    // `other.yaml` does not exist yet; creating it is a change.
    dir.write("other.yaml", RULE);
    let created = sources.snapshot();
    assert_ne!(created.digest, edited.digest);
    // The part a reload cannot change stays the same through rule edits
    // and through edits of the `rules` lists.
    std::fs::write(
        &config,
        CONFIG.replace("[shared, other.yaml]", "[other.yaml]"),
    )
    .unwrap();
    let relisted = sources.snapshot();
    assert_ne!(relisted.digest, created.digest);
    assert_eq!(relisted.fixed, before.fixed);
    assert!(before.fixed.is_some());
    // An upstream is fixed.
    std::fs::write(&config, CONFIG.replace("backend:8000", "backend:9000")).unwrap();
    let moved = sources.snapshot();
    assert_ne!(moved.fixed, before.fixed);
    // Text that is not YAML still has a fingerprint, and nothing fixed.
    std::fs::write(&config, "connections: [").unwrap();
    let broken = sources.snapshot();
    assert_eq!(broken.fixed, None);
    assert_ne!(broken.digest, moved.digest);
}

// --- what needs a restart ---

#[test]
fn changed_fields_names_each_difference_in_file_order() {
    let old = json!({
        "listen": "127.0.0.1:8080",
        "connections": [
            {"name": "entra", "match": {"path_prefix": "/a"}},
            {"name": "okta", "upstream": "http://b"}
        ]
    });
    assert_eq!(changed_fields(&old, &old), Vec::<String>::new());
    let new = json!({
        "listen": "0.0.0.0:8080",
        "connections": [
            {"name": "entra", "match": {"path_prefix": "/b"}},
            {"name": "okta", "upstream": "http://c"}
        ],
        "max_body_bytes": "2MiB"
    });
    assert_eq!(
        changed_fields(&old, &new),
        vec![
            "listen",
            "connections[0].match.path_prefix",
            "connections[1].upstream",
            "max_body_bytes"
        ]
    );
    // A connection added: the list as a whole.
    let added = json!({
        "listen": "127.0.0.1:8080",
        "connections": [
            {"name": "entra", "match": {"path_prefix": "/a"}},
            {"name": "okta", "upstream": "http://b"},
            {"name": "third"}
        ]
    });
    assert_eq!(changed_fields(&old, &added), vec!["connections"]);
    // A field written out as null is the same as one left out.
    let null = json!({
        "listen": "127.0.0.1:8080",
        "upstream": null,
        "connections": [
            {"name": "entra", "match": {"path_prefix": "/a"}},
            {"name": "okta", "upstream": "http://b"}
        ]
    });
    assert_eq!(changed_fields(&old, &null), Vec::<String>::new());
    assert_eq!(changed_fields(&old, &json!(null)), vec!["the whole file"]);
}
