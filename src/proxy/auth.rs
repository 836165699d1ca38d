//! Inbound authentication and the backend's own credential, per connection.
//!
//! A connection with [`InboundAuth`] accepts a request only if its
//! `Authorization: Bearer <token>` (RFC 6750 §2.1) hashes (SHA-256) to one of
//! the configured hashes; anything else gets a SCIM 401 (RFC 7644 §3.12) with
//! `WWW-Authenticate` (RFC 6750 §3) and is never forwarded. The check runs
//! right after attribution, so rules never see an unauthenticated request.
//! Only hashes are kept: the token itself exists in the IdP alone.
//!
//! A connection with an [`UpstreamCredential`] then sends the backend its own
//! credential instead of whatever the IdP sent, so the backend's secret never
//! has to be pasted into the IdP.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use http::header::{AUTHORIZATION, WWW_AUTHENTICATE};
use http::{HeaderMap, HeaderName, HeaderValue, Response, StatusCode};

use super::body::ProxyBody;
use super::error::{X_SCIMSHIM_ERROR, scim_response};
use crate::rules::secret::Secret;
use crate::scim::ScimError;

/// The length of a SHA-256 digest in bytes.
pub const HASH_LEN: usize = 32;

/// The SHA-256 digest of a token.
pub type TokenHash = [u8; HASH_LEN];

/// Why authentication could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("the system random number generator failed")]
    Random,
}

/// The hash of a token as hash files hold it: SHA-256 (FIPS 180-4).
pub fn token_hash(token: &[u8]) -> TokenHash {
    crate::digest::sha256(token).0
}

/// A hash as the hash file writes it: 64 lower-case hex digits.
pub fn to_hex(hash: &TokenHash) -> String {
    let mut s = String::with_capacity(HASH_LEN * 2);
    for b in hash {
        s.push(char::from(HEX[usize::from(b >> 4)]));
        s.push(char::from(HEX[usize::from(b & 0x0f)]));
    }
    s
}

const HEX: [u8; 16] = *b"0123456789abcdef";

/// 64 hex digits (either case) → the hash; anything else → `None`.
pub fn parse_hex(s: &str) -> Option<TokenHash> {
    let bytes = s.as_bytes();
    if bytes.len() != HASH_LEN * 2 {
        return None;
    }
    let mut hash = [0u8; HASH_LEN];
    for (out, pair) in hash.iter_mut().zip(bytes.chunks_exact(2)) {
        let (hi, lo) = (hex_digit(*pair.first()?)?, hex_digit(*pair.get(1)?)?);
        *out = (hi << 4) | lo;
    }
    Some(hash)
}

fn hex_digit(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// A line of a hash file that is not a hash (the line is never quoted: it
/// may be a token pasted by mistake).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadLine {
    /// 1-based.
    pub line: u32,
}

/// Reads a hash file: one hex SHA-256 per line; blank lines and everything
/// after a `#` are ignored. Returns the hashes in file order and the lines
/// that are not hashes.
pub fn parse_hash_file(text: &str) -> (Vec<TokenHash>, Vec<BadLine>) {
    let mut hashes = Vec::new();
    let mut bad = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let content = raw.split('#').next().unwrap_or("").trim();
        if content.is_empty() {
            continue;
        }
        match parse_hex(content) {
            Some(h) => hashes.push(h),
            None => bad.push(BadLine {
                line: u32::try_from(i + 1).unwrap_or(u32::MAX),
            }),
        }
    }
    (hashes, bad)
}

/// A fresh token for an IdP: 32 random bytes, base64url without padding
/// (43 characters, valid as an RFC 6750 `b64token`).
pub fn generate_token() -> Result<Secret, AuthError> {
    let mut bytes = [0u8; 32];
    ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut bytes)
        .map_err(|_| AuthError::Random)?;
    Ok(Secret::new(URL_SAFE_NO_PAD.encode(bytes)))
}

/// The bearer tokens a connection accepts, as SHA-256 hashes.
#[derive(Debug)]
pub struct InboundAuth {
    hashes: Vec<TokenHash>,
}

impl InboundAuth {
    /// Accepts the tokens with these hashes (none: every request is refused).
    pub fn new(hashes: Vec<TokenHash>) -> InboundAuth {
        InboundAuth { hashes }
    }

    /// How many hashes are accepted.
    pub fn len(&self) -> usize {
        self.hashes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.hashes.is_empty()
    }

    /// Whether the request's one `Authorization` header carries a bearer
    /// token whose hash is accepted. The token's hash is compared with every
    /// accepted hash, each in constant time, so the time taken reveals
    /// neither which hash matched nor how much of one did.
    pub fn check(&self, headers: &HeaderMap) -> Result<(), Denied> {
        let mut values = headers.get_all(AUTHORIZATION).iter();
        let Some(value) = values.next() else {
            return Err(Denied::Missing);
        };
        if values.next().is_some() {
            return Err(Denied::Ambiguous);
        }
        let Some(mut token) = bearer_token(value.as_bytes()) else {
            return Err(Denied::NotBearer);
        };
        // ENTRA-16: an admin who pastes `Bearer x` makes Entra send
        // `Bearer Bearer x`. A token never contains a space, so unwrapping
        // cannot turn one token into another.
        while let Some(inner) = bearer_token(token) {
            token = inner;
        }
        let given = token_hash(token);
        let mut accepted = false;
        for h in &self.hashes {
            accepted |= constant_time_eq(&given, h);
        }
        if std::hint::black_box(accepted) {
            Ok(())
        } else {
            Err(Denied::UnknownToken)
        }
    }
}

/// Why a request was refused (a SCIM 401).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Denied {
    /// No `Authorization` header.
    Missing,
    /// More than one `Authorization` header.
    Ambiguous,
    /// An `Authorization` header with another scheme than `Bearer`.
    NotBearer,
    /// A bearer token whose hash is not accepted.
    UnknownToken,
}

impl Denied {
    /// The `x-scimshim-error` value and the log's `error.kind`.
    pub const KIND: &'static str = "unauthenticated";

    /// For the log (never the token).
    pub fn reason(self) -> &'static str {
        match self {
            Denied::Missing => "no Authorization header",
            Denied::Ambiguous => "more than one Authorization header",
            Denied::NotBearer => "the Authorization header is not a bearer token",
            Denied::UnknownToken => "the bearer token is not one of the accepted tokens",
        }
    }

    /// The SCIM 401 (RFC 7644 §3.12) with a `WWW-Authenticate` challenge
    /// (RFC 6750 §3): `error="invalid_token"` only when a bearer token was
    /// sent (§3.1: a request without credentials gets no error code).
    pub fn into_response(self) -> Response<ProxyBody> {
        let (detail, challenge) = match self {
            Denied::UnknownToken => (
                "authentication failed: the bearer token is not accepted",
                r#"Bearer realm="scimshim", error="invalid_token""#,
            ),
            Denied::Missing | Denied::Ambiguous | Denied::NotBearer => (
                "authentication required: send one `Authorization: Bearer <token>` header",
                r#"Bearer realm="scimshim""#,
            ),
        };
        let mut resp = scim_response(
            StatusCode::UNAUTHORIZED,
            ScimError::new(401, None, detail).to_bytes(),
        );
        let headers = resp.headers_mut();
        headers.insert(WWW_AUTHENTICATE, HeaderValue::from_static(challenge));
        headers.insert(
            X_SCIMSHIM_ERROR.clone(),
            HeaderValue::from_static(Self::KIND),
        );
        resp
    }
}

/// How a credential's secret becomes a header value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    /// `Basic base64(secret)` (RFC 7617); the secret is `user:password`.
    Basic,
    /// `Bearer secret` (RFC 6750 §2.1).
    Bearer,
    /// The secret is the whole header value.
    None,
}

/// A credential that cannot become a header value. Never holds the secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CredentialError {
    #[error("a basic credential must have the form user:password")]
    NotAPair,
    #[error("the secret is not a valid header value")]
    NotAHeaderValue,
}

/// The backend's own credential: replaces the client's `Authorization`.
#[derive(Debug)]
pub struct UpstreamCredential {
    header: HeaderName,
    value: HeaderValue,
}

impl UpstreamCredential {
    /// The header `header` with `secret` written in `scheme`; the value is
    /// marked sensitive (HTTP/2 never indexes it).
    pub fn new(
        header: HeaderName,
        scheme: Scheme,
        secret: &Secret,
    ) -> Result<UpstreamCredential, CredentialError> {
        let raw = secret.expose();
        let text = match scheme {
            Scheme::Basic if !raw.contains(':') => return Err(CredentialError::NotAPair),
            Scheme::Basic => format!("Basic {}", STANDARD.encode(raw.as_bytes())),
            Scheme::Bearer => format!("Bearer {raw}"),
            Scheme::None => raw.to_string(),
        };
        let mut value =
            HeaderValue::from_str(&text).map_err(|_| CredentialError::NotAHeaderValue)?;
        value.set_sensitive(true);
        Ok(UpstreamCredential { header, value })
    }

    /// The header it sets.
    pub fn header(&self) -> &HeaderName {
        &self.header
    }

    /// Removes the client's `Authorization` (its credential is for scimshim
    /// or the IdP, not the backend) and sets the backend's.
    pub fn apply(&self, headers: &mut HeaderMap) {
        headers.remove(AUTHORIZATION);
        headers.insert(self.header.clone(), self.value.clone());
    }
}

#[cfg(test)]
mod tests;

/// The token of an `Authorization: Bearer <token>` value. The scheme is
/// case-insensitive (RFC 7235 §2.1); one or more spaces follow it.
pub(crate) fn bearer_token(value: &[u8]) -> Option<&[u8]> {
    let scheme = value.get(..6)?;
    if !scheme.eq_ignore_ascii_case(b"bearer") || value.get(6) != Some(&b' ') {
        return None;
    }
    let rest = value.get(7..)?;
    let start = rest.iter().position(|b| *b != b' ')?;
    let token = rest.get(start..)?;
    let end = token.iter().rposition(|b| *b != b' ').map_or(0, |i| i + 1);
    token.get(..end)
}

/// Compares `given` with `secret` in time that depends only on the secret's
/// length, so that response times do not reveal how much of a guess was right.
pub(crate) fn constant_time_eq(given: &[u8], secret: &[u8]) -> bool {
    let mut diff = u8::from(given.len() != secret.len());
    for (i, s) in secret.iter().enumerate() {
        diff |= given.get(i).copied().unwrap_or(0) ^ s;
    }
    std::hint::black_box(diff) == 0
}
