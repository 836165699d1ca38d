//! Redaction of values before they reach a log line. SCIM bodies and filters are
//! personal data, and requests carry credentials.
//!
//! - Secrets (credential headers, and any JSON member whose key names a password,
//!   token, secret or key) are always replaced by `"[redacted]"`.
//! - In the default mode ([`ValueLogging::Redacted`]) strings are shown only when
//!   they are structural: PATCH `op` names, schema URNs, boolean literals and
//!   PATCH paths (whose filter literals are masked). Any other string becomes
//!   `"[string: N chars]"`. Numbers, booleans and null are shown.
//! - [`ValueLogging::Full`] shows everything except secrets: for debugging only.

use serde_json::Value;

/// How much of a value may be logged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ValueLogging {
    /// Structural values only (the default).
    #[default]
    Redacted,
    /// Everything except secrets.
    Full,
}

const SECRET: &str = "[redacted]";

/// Whether a JSON member key names a secret.
pub fn is_secret_key(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    [
        "password",
        "secret",
        "token",
        "apikey",
        "api_key",
        "credential",
        "authorization",
    ]
    .iter()
    .any(|s| k.contains(s))
}

/// Redacts `value`, found at `target` (a JSON pointer, `path` or `header:NAME`).
pub fn value(target: &str, value: &Value, mode: ValueLogging) -> Value {
    let key = target.rsplit('/').next().unwrap_or(target);
    if target_is_secret(target) {
        return Value::String(SECRET.into());
    }
    redact(key, value, mode)
}

fn target_is_secret(target: &str) -> bool {
    if let Some(h) = target.strip_prefix("header:") {
        return http::HeaderName::from_bytes(h.as_bytes())
            .map(|n| crate::rules::secret::is_secret_header(&n))
            .unwrap_or(true);
    }
    target.split('/').any(is_secret_key)
}

fn redact(key: &str, v: &Value, mode: ValueLogging) -> Value {
    if is_secret_key(key) {
        return Value::String(SECRET.into());
    }
    match v {
        Value::String(s) => match mode {
            ValueLogging::Full => v.clone(),
            ValueLogging::Redacted => Value::String(redact_string(key, s)),
        },
        Value::Array(items) => Value::Array(items.iter().map(|i| redact(key, i, mode)).collect()),
        Value::Object(map) => {
            // A PATCH operation whose path names a secret carries it in `value`.
            let secret_op = map
                .get("path")
                .and_then(Value::as_str)
                .is_some_and(is_secret_key);
            Value::Object(
                map.iter()
                    .map(|(k, v)| {
                        let r = if secret_op && k == "value" {
                            Value::String(SECRET.into())
                        } else {
                            redact(k, v, mode)
                        };
                        (k.clone(), r)
                    })
                    .collect(),
            )
        }
        _ => v.clone(),
    }
}

fn redact_string(key: &str, s: &str) -> String {
    let lower = s.trim().to_ascii_lowercase();
    let structural = matches!(key, "op" | "schemas" | "resourceType" | "method")
        || key == "path" && s.starts_with('/')
        || lower == "true"
        || lower == "false"
        || lower.starts_with("urn:");
    if structural {
        return s.to_string();
    }
    if key == "path" {
        return mask_filter_literals(s);
    }
    if key == crate::rules::trace::QUERY_FILTER && crate::scim::filter::parse(s).is_ok() {
        // Every value in a valid filter is quoted, so masking hides them all;
        // a filter that does not parse may hold bare values and is not shown.
        return mask_filter_literals(s);
    }
    format!("[string: {} chars]", s.chars().count())
}

/// `members[value eq "abc"]` → `members[value eq "…"]`: keeps the shape of a
/// PATCH path, hides the values compared in its filter.
pub fn mask_filter_literals(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut in_quote = false;
    let mut escaped = false;
    for c in path.chars() {
        if in_quote {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_quote = false;
                out.push('"');
            }
            continue;
        }
        out.push(c);
        if c == '"' {
            in_quote = true;
            out.push('…');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn secrets_never_show() {
        let m = ValueLogging::Full;
        assert_eq!(
            value("header:authorization", &json!("Basic x"), m),
            json!(SECRET)
        );
        assert_eq!(value("/password", &json!("hunter2"), m), json!(SECRET));
        assert_eq!(
            value(
                "/Operations/0",
                &json!({"op":"replace","path":"password","value":"p"}),
                m
            )["value"],
            json!(SECRET)
        );
        assert_eq!(
            value("", &json!({"userName":"a","password":"p"}), m)["password"],
            json!(SECRET)
        );
    }

    #[test]
    fn pii_is_hidden_by_default() {
        let m = ValueLogging::Redacted;
        assert_eq!(
            value("/userName", &json!("alice@example.com"), m),
            json!("[string: 17 chars]")
        );
        assert_eq!(
            value("/Operations/0/value", &json!("False"), m),
            json!("False")
        );
        assert_eq!(value("/Operations/0/value", &json!(false), m), json!(false));
        assert_eq!(
            value("/Operations/0/op", &json!("Replace"), m),
            json!("Replace")
        );
        assert_eq!(
            value("path", &json!("/scim/v2/Users/1"), m),
            json!("/scim/v2/Users/1")
        );
        assert_eq!(value("method", &json!("PATCH"), m), json!("PATCH"));
        assert_eq!(
            value(
                "/Operations/1",
                &json!({"op":"remove","path":"members[value eq \"x1\"]"}),
                m
            )["path"],
            json!("members[value eq \"…\"]")
        );
    }
}
