//! Debouncing: an editor's save (truncate, write, rename a swap file) or a
//! ConfigMap update is several file-system steps. A change is acted on only
//! once the same inputs were seen at two polls in a row, so a half-written
//! file is not loaded (and not reported as broken).

use crate::digest::Digest;

/// What one poll decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Poll {
    /// The inputs are those last loaded (or last tried).
    Unchanged,
    /// They changed since the previous poll; wait one more.
    Settling,
    /// They changed and held still for one more poll: reload now.
    Reload,
}

/// The debounce state between polls.
#[derive(Debug, Clone)]
pub struct Debounce {
    /// The inputs of the last reload attempt (successful or not).
    current: Digest,
    /// A change seen at the previous poll, waiting to hold still.
    pending: Option<Digest>,
}

impl Debounce {
    /// Starts from the inputs loaded at start-up.
    pub fn new(current: Digest) -> Debounce {
        Debounce {
            current,
            pending: None,
        }
    }

    /// One poll saw `seen`.
    pub fn observe(&mut self, seen: Digest) -> Poll {
        if seen == self.current {
            // An edit that was undone before it settled needs nothing.
            self.pending = None;
            return Poll::Unchanged;
        }
        if self.pending == Some(seen) {
            return Poll::Reload;
        }
        self.pending = Some(seen);
        Poll::Settling
    }

    /// A reload was attempted with the inputs `loaded`: a failed one is not
    /// retried until they change again.
    pub fn loaded(&mut self, loaded: Digest) {
        self.current = loaded;
        self.pending = None;
    }

    /// The inputs last loaded or tried.
    pub fn current(&self) -> Digest {
        self.current
    }
}
