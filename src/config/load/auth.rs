//! A connection's `inbound_auth` and `upstream_credential`, from the file or,
//! for the single connection of the flags, from `--inbound-token-sha256-file`
//! and `--upstream-credential-*`. Hash files and secrets are read once, here;
//! no diagnostic ever quotes a line of a hash file or a secret.

use std::path::{Path, PathBuf};

use http::header::AUTHORIZATION;

use super::Loader;
use crate::config::ServeArgs;
use crate::config::file::{InboundAuthSpec, UpstreamCredentialSpec};
use crate::proxy::Matcher;
use crate::proxy::auth::{
    CredentialError, InboundAuth, TokenHash, UpstreamCredential, parse_hash_file, parse_hex,
};
use crate::rules::actions::CompileCx;
use crate::rules::secret::{self, Env};
use crate::rules::yaml::{FieldPath, Node};
use crate::rules::{Diagnostic, SecretMode, Severity};

const HASH_HINT: &str = "one hex SHA-256 per line, as `scimshim hash-token` prints it; \
                         the token itself never belongs in the configuration";

impl Loader<'_> {
    /// The connection's inbound auth and upstream credential (`None` when
    /// left out or wrong; the problems are reported).
    pub(super) fn auth(
        &mut self,
        item: &Node,
        at: &FieldPath,
        name: Option<&str>,
        matcher: Option<&Matcher>,
    ) -> (Option<InboundAuth>, Option<UpstreamCredential>) {
        let inbound = self
            .optional::<InboundAuthSpec>(item, at, "inbound_auth")
            .and_then(|(spec, node)| {
                self.inbound_auth(&spec, node, &at.key("inbound_auth"), matcher)
            });
        let credential_spec =
            self.optional::<UpstreamCredentialSpec>(item, at, "upstream_credential");
        let has_credential = credential_spec.is_some();
        let credential = credential_spec
            .and_then(|(spec, node)| self.credential(&spec, node, &at.key("upstream_credential")));
        let authenticated =
            item.get("inbound_auth").is_some() || matches!(matcher, Some(Matcher::BearerToken(_)));
        if has_credential && !authenticated {
            let field = FieldPath::root().key("upstream_credential");
            self.push(
                Severity::Warning,
                item.pos_of(&field),
                &at.join(&field),
                format!(
                    "{} gives any client the backend's credential",
                    super::label(name)
                ),
                Some(
                    "add `inbound_auth` (or a `bearer_token` match) so that only your IdP can act with it",
                ),
            );
        }
        (inbound, credential)
    }

    fn inbound_auth(
        &mut self,
        spec: &InboundAuthSpec,
        node: &Node,
        at: &FieldPath,
        matcher: Option<&Matcher>,
    ) -> Option<InboundAuth> {
        if let Some(Matcher::BearerToken(_)) = matcher {
            self.error(
                node.pos,
                at,
                "`inbound_auth` on a connection with a `bearer_token` match".into(),
                Some(
                    "the `bearer_token` match already admits only clients that hold its token; keep one of the two",
                ),
            );
            return None;
        }
        if spec.token_sha256_file.is_none() && spec.token_sha256.is_empty() {
            self.error(
                node.pos,
                at,
                "`inbound_auth` names no token hashes".into(),
                Some("give `token_sha256_file`, `token_sha256`, or both"),
            );
            return None;
        }
        let errors_before = self.error_count();
        let mut hashes: Vec<TokenHash> = Vec::new();
        for (i, raw) in spec.token_sha256.iter().enumerate() {
            let field = FieldPath::root().key("token_sha256").index(i);
            match parse_hex(raw.trim()) {
                Some(h) => hashes.push(h),
                None => self.error(
                    node.pos_of(&field),
                    &at.join(&field),
                    "not a hex SHA-256 hash (64 hex digits)".into(),
                    Some(HASH_HINT),
                ),
            }
        }
        let mut file_missing = false;
        if let Some(path) = &spec.token_sha256_file {
            let field = FieldPath::root().key("token_sha256_file");
            let full = self.dir.join(path);
            match read_hashes(&full) {
                Ok(found) => hashes.extend(found),
                Err(HashFileError::Lines(lines)) => {
                    for line in lines {
                        self.rule_diagnostics.push(Diagnostic {
                            severity: Severity::Error,
                            file: full.clone(),
                            rule: None,
                            field: at.join(&field).to_string(),
                            line,
                            column: 1,
                            message: format!(
                                "line {line} is not a hex SHA-256 hash (64 hex digits)"
                            ),
                            hint: Some(HASH_HINT.into()),
                        });
                    }
                }
                Err(HashFileError::Read(e)) => {
                    file_missing = true;
                    self.by_mode(
                        node.pos_of(&field),
                        &at.join(&field),
                        format!("cannot read the token hash file `{}`: {e}", full.display()),
                        "serve reads the hash file at start-up and refuses to start without it",
                    );
                }
            }
        }
        if self.error_count() != errors_before {
            return None;
        }
        if hashes.is_empty() && !file_missing {
            self.by_mode(
                node.pos,
                at,
                "`inbound_auth` accepts no token: every request would get 401".into(),
                "add the hash of the IdP's token, made with `scimshim hash-token`",
            );
        }
        Some(InboundAuth::new(hashes))
    }

    /// An error when `serve` loads, a warning when `check` does (a Secret
    /// mounted only in the cluster is not there in CI).
    fn by_mode(
        &mut self,
        pos: crate::rules::yaml::Pos,
        at: &FieldPath,
        message: String,
        hint: &str,
    ) {
        let severity = match self.secrets {
            SecretMode::Require => Severity::Error,
            SecretMode::Lenient => Severity::Warning,
        };
        self.push(severity, pos, at, message, Some(hint));
    }

    fn credential(
        &mut self,
        spec: &UpstreamCredentialSpec,
        node: &Node,
        at: &FieldPath,
    ) -> Option<UpstreamCredential> {
        let mut cx = CompileCx::new(self.env, self.dir, self.secrets);
        let header = match &spec.header {
            Some(h) => cx.header_name(FieldPath::root().key("header"), h),
            None => Some(AUTHORIZATION),
        };
        let value_field = FieldPath::root().key("value_from");
        let secret = cx.secret(value_field.clone(), &spec.value_from);
        let read_cleanly = cx.problems.is_empty();
        for p in &cx.problems {
            self.problem(node, at, p);
        }
        let (header, secret) = (header?, secret?);
        if !read_cleanly {
            // `check` without the secret: nothing more to check.
            return None;
        }
        match UpstreamCredential::new(header, spec.scheme.into(), &secret) {
            Ok(c) => Some(c),
            Err(e) => {
                self.error(
                    node.pos_of(&value_field),
                    &at.join(&value_field),
                    e.to_string(),
                    Some(credential_hint(e)),
                );
                None
            }
        }
    }
}

fn credential_hint(e: CredentialError) -> &'static str {
    match e {
        CredentialError::NotAPair => {
            "with `scheme: basic` the secret is `user:password`; scimshim base64-encodes it"
        }
        CredentialError::NotAHeaderValue => "check for newlines or non-ASCII characters in it",
    }
}

/// Why a hash file gives no hashes.
enum HashFileError {
    Read(std::io::Error),
    /// The numbers of the lines that are not hashes.
    Lines(Vec<u32>),
}

fn read_hashes(path: &Path) -> Result<Vec<TokenHash>, HashFileError> {
    let bytes = std::fs::read(path).map_err(HashFileError::Read)?;
    let (hashes, bad) = parse_hash_file(&String::from_utf8_lossy(&bytes));
    if bad.is_empty() {
        Ok(hashes)
    } else {
        Err(HashFileError::Lines(
            bad.into_iter().map(|b| b.line).collect(),
        ))
    }
}

/// What the flags say about the single connection's authentication.
pub(in crate::config) struct FlagAuth {
    pub inbound_auth: Option<InboundAuth>,
    pub credential: Option<UpstreamCredential>,
    /// A warning if the backend's credential goes to unauthenticated clients.
    pub warnings: Vec<Diagnostic>,
}

/// The single connection's authentication from the flags, and a warning if
/// it sends the backend's credential without authenticating clients.
pub(in crate::config) fn from_flags(args: &ServeArgs, env: &dyn Env) -> Result<FlagAuth, String> {
    let inbound = match &args.inbound_token_sha256_file {
        None => None,
        Some(path) => {
            let hashes = read_hashes(path).map_err(|e| match e {
                HashFileError::Read(e) => {
                    format!("cannot read the token hash file `{}`: {e}", path.display())
                }
                HashFileError::Lines(lines) => format!(
                    "the token hash file `{}` has lines that are not hex SHA-256 hashes: {} ({HASH_HINT})",
                    path.display(),
                    lines
                        .iter()
                        .map(|l| format!("line {l}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            })?;
            if hashes.is_empty() {
                return Err(format!(
                    "the token hash file `{}` holds no hash: every request would get 401",
                    path.display()
                ));
            }
            Some(InboundAuth::new(hashes))
        }
    };
    let secret = match (&args.upstream_credential_env, &args.upstream_credential_file) {
        (Some(name), None) => Some(
            env.var(name)
                .filter(|v| !v.is_empty())
                .map(secret::Secret::new)
                .ok_or_else(|| {
                    format!(
                        "`--upstream-credential-env`: environment variable `{name}` is not set or empty"
                    )
                })?,
        ),
        (None, Some(path)) => {
            let s = secret::read_file(path).map_err(|e| {
                format!("cannot read the upstream credential file `{}`: {e}", path.display())
            })?;
            if s.expose().is_empty() {
                return Err(format!(
                    "the upstream credential file `{}` is empty",
                    path.display()
                ));
            }
            Some(s)
        }
        (None, None) => None,
        (Some(_), Some(_)) => {
            return Err(
                "give `--upstream-credential-env` or `--upstream-credential-file`, not both".into(),
            );
        }
    };
    let credential = match (secret, args.upstream_credential_scheme) {
        (None, None) => None,
        (None, Some(_)) => {
            return Err("`--upstream-credential-scheme` needs `--upstream-credential-env` or `--upstream-credential-file`".into());
        }
        (Some(_), None) => {
            return Err(
                "the upstream credential needs `--upstream-credential-scheme` (basic, bearer or none)"
                    .into(),
            );
        }
        (Some(secret), Some(scheme)) => Some(
            UpstreamCredential::new(AUTHORIZATION, scheme.into(), &secret)
                .map_err(|e| format!("the upstream credential: {e} ({})", credential_hint(e)))?,
        ),
    };
    let mut warnings = Vec::new();
    if credential.is_some() && inbound.is_none() {
        warnings.push(Diagnostic {
            severity: Severity::Warning,
            file: PathBuf::from("(command line)"),
            rule: None,
            field: "upstream_credential".into(),
            line: 0,
            column: 0,
            message: "any client gets the backend's credential".into(),
            hint: Some(
                "add `--inbound-token-sha256-file` so that only your IdP can act with it".into(),
            ),
        });
    }
    Ok(FlagAuth {
        inbound_auth: inbound,
        credential,
        warnings,
    })
}

#[cfg(test)]
mod tests;
