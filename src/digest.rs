//! SHA-256 (ring's, the implementation rustls already links): reload's
//! change detection, the hashes `/rules` shows, and inbound token hashes.

use std::fmt;
use std::path::Path;

/// A SHA-256 digest.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Digest(pub [u8; 32]);

impl Digest {
    /// Lower-case hex, 64 characters.
    pub fn hex(&self) -> String {
        self.to_string()
    }
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for b in self.0 {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Digest({self})")
    }
}

/// The SHA-256 of `data`.
pub fn sha256(data: &[u8]) -> Digest {
    let mut h = Sha256::new();
    h.update(data);
    h.finish()
}

/// An incremental SHA-256.
pub struct Sha256(ring::digest::Context);

impl Sha256 {
    pub fn new() -> Sha256 {
        Sha256(ring::digest::Context::new(&ring::digest::SHA256))
    }

    pub fn update(&mut self, data: &[u8]) {
        self.0.update(data);
    }

    /// Adds one framed item: a tag byte, the length, then the bytes, so that
    /// no two different sequences of items hash alike.
    pub fn item(&mut self, tag: u8, data: &[u8]) {
        self.update(&[tag]);
        self.update(&(data.len() as u64).to_le_bytes());
        self.update(data);
    }

    /// Adds a path as one framed item.
    pub fn path(&mut self, tag: u8, path: &Path) {
        self.item(tag, path.as_os_str().as_encoded_bytes());
    }

    pub fn finish(self) -> Digest {
        let out = self.0.finish();
        let mut d = [0u8; 32];
        for (slot, b) in d.iter_mut().zip(out.as_ref()) {
            *slot = *b;
        }
        Digest(d)
    }
}

impl Default for Sha256 {
    fn default() -> Self {
        Sha256::new()
    }
}
