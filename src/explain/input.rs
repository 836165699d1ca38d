//! The request `explain` is given: a [`MessageSpec`] written as JSON or YAML,
//! or a raw HTTP/1.x request (request line, header lines, blank line, body;
//! RFC 9112 §2–§6) as copied from a capture or `curl -v`; and the upstream's
//! answer (`--response`), a [`MessageSpec`] with a status.

use std::collections::BTreeMap;
use std::fmt;

use crate::rules::fixture::MessageSpec;

/// Why the input could not be read as a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    /// The 1-based line the problem is on, when there is one.
    pub line: Option<usize>,
    pub message: String,
}

impl InputError {
    fn at(line: usize, message: impl Into<String>) -> Self {
        InputError {
            line: Some(line),
            message: message.into(),
        }
    }

    fn general(message: impl Into<String>) -> Self {
        InputError {
            line: None,
            message: message.into(),
        }
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "line {line}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for InputError {}

/// Reads a request from text: raw HTTP when the first line looks like a
/// request line (`PATCH /scim/v2/Users/1 HTTP/1.1`), otherwise a
/// [`MessageSpec`] in JSON (when it starts with `{`) or YAML.
pub fn parse(bytes: &[u8]) -> Result<MessageSpec, InputError> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        InputError::general(format!(
            "the request is not UTF-8 text (invalid byte at offset {})",
            e.valid_up_to()
        ))
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim().is_empty() {
        return Err(InputError::general(
            "the request is empty: give a JSON or YAML request (method, path, headers, body) or raw HTTP",
        ));
    }
    if looks_like_http(text) {
        return parse_http(text);
    }
    parse_spec(text)
}

/// Whether the first non-blank line starts like an HTTP request line: an
/// upper-case method token, a space, then a path or an absolute URL.
pub fn looks_like_http(text: &str) -> bool {
    let first = text
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or_default();
    let mut words = first.split(' ');
    let method = words.next().unwrap_or_default();
    let target = words.next().unwrap_or_default();
    !method.is_empty()
        && method.bytes().all(|b| b.is_ascii_uppercase())
        && (target.starts_with('/')
            || target.starts_with("http://")
            || target.starts_with("https://"))
}

/// Reads a [`MessageSpec`] written as JSON or YAML.
pub fn parse_spec(text: &str) -> Result<MessageSpec, InputError> {
    spec_of(text, "request")
}

/// Reads an upstream's answer: a [`MessageSpec`] in JSON or YAML with a
/// `status` (200 when absent; RFC 9110 §15 allows 100–599), `headers` and a
/// `body` or `body_text`, and no `method` or `path`.
pub fn parse_response(bytes: &[u8]) -> Result<MessageSpec, InputError> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        InputError::general(format!(
            "the response is not UTF-8 text (invalid byte at offset {})",
            e.valid_up_to()
        ))
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim().is_empty() {
        return Err(InputError::general(
            "the response is empty: give it in JSON or YAML (status, headers, body)",
        ));
    }
    let spec = spec_of(text, "response")?;
    if spec.method.is_some() || spec.path.is_some() {
        return Err(InputError::general(
            "`method` and `path` belong to the request; a response has `status`, `headers` and `body`",
        ));
    }
    match spec.status {
        Some(status) if !(100..=599).contains(&status) => Err(InputError::general(format!(
            "`status` must be between 100 and 599, found {status}"
        ))),
        _ => Ok(spec),
    }
}

/// A [`MessageSpec`] in JSON (when `text` starts with `{`) or YAML; `what`
/// names it in errors.
fn spec_of(text: &str, what: &str) -> Result<MessageSpec, InputError> {
    if text.trim_start().starts_with('{') {
        serde_json::from_str(text)
            .map_err(|e| InputError::general(format!("not a {what} in JSON: {e}")))
    } else {
        serde_saphyr::from_str(text)
            .map_err(|e| InputError::general(format!("not a {what} in YAML: {e}")))
    }
}

/// Parses a raw HTTP/1.x request. Lines may end in CRLF or LF. Header lines
/// run to the first empty line (or the end); the rest is the body, cut to
/// `Content-Length` when the request gives one. Without `Content-Length`,
/// line breaks at the very end are dropped (they come from the terminal or
/// the file, not from the client).
pub fn parse_http(text: &str) -> Result<MessageSpec, InputError> {
    let mut lines = Lines::new(text);
    // RFC 9112 §2.2: empty lines before the request line are ignored.
    let (number, request_line) = loop {
        match lines.next() {
            Some((_, "")) => continue,
            Some(found) => break found,
            None => return Err(InputError::general("no request line")),
        }
    };
    let (method, path) = request_line_parts(number, request_line)?;
    let mut headers: BTreeMap<String, String> = BTreeMap::new();
    let mut content_length: Option<(usize, usize)> = None;
    while let Some((number, line)) = lines.next() {
        if line.is_empty() {
            break;
        }
        let (name, value) = header_parts(number, line)?;
        if name.eq_ignore_ascii_case("content-length") {
            let n = value.parse::<usize>().map_err(|_| {
                InputError::at(
                    number,
                    format!("expected a number of bytes in `Content-Length`, found `{value}`"),
                )
            })?;
            content_length = Some((number, n));
        }
        if name.eq_ignore_ascii_case("transfer-encoding") {
            return Err(InputError::at(
                number,
                "`Transfer-Encoding` is not supported here: give the body as it is, with `Content-Length` or none",
            ));
        }
        headers
            .entry(name.to_string())
            .and_modify(|v| {
                v.push_str(", ");
                v.push_str(value);
            })
            .or_insert_with(|| value.to_string());
    }
    let rest = lines.rest();
    let body = match content_length {
        Some((number, n)) => match rest.get(..n) {
            Some(body) => body,
            None if rest.len() < n => {
                return Err(InputError::at(
                    number,
                    format!(
                        "`Content-Length` is {n}, but only {} byte(s) follow the headers",
                        rest.len()
                    ),
                ));
            }
            None => {
                return Err(InputError::at(
                    number,
                    format!("`Content-Length` {n} ends inside a character"),
                ));
            }
        },
        None => rest.trim_end_matches(['\r', '\n']),
    };
    Ok(MessageSpec {
        method: Some(method.to_string()),
        path: Some(path),
        headers,
        body_text: Some(body.to_string()).filter(|b| !b.is_empty()),
        ..MessageSpec::default()
    })
}

/// `METHOD SP request-target SP HTTP-version` (RFC 9112 §3). An absolute
/// target (`http://host/path`) keeps only its path and query.
fn request_line_parts(number: usize, line: &str) -> Result<(&str, String), InputError> {
    let mut words = line.split(' ');
    let method = words.next().unwrap_or_default();
    if method.is_empty() || !method.bytes().all(is_token_byte) {
        return Err(InputError::at(
            number,
            format!(
                "expected a request line such as `PATCH /scim/v2/Users/1 HTTP/1.1`, found `{line}`"
            ),
        ));
    }
    let Some(target) = words.next().filter(|t| !t.is_empty()) else {
        return Err(InputError::at(
            number,
            format!("expected a path after the method `{method}`"),
        ));
    };
    let path = origin_form(target).ok_or_else(|| {
        InputError::at(
            number,
            format!("expected a path starting with `/` (or an http:// URL), found `{target}`"),
        )
    })?;
    match words.next() {
        Some(version) if version.starts_with("HTTP/") => {}
        Some(other) => {
            return Err(InputError::at(
                number,
                format!(
                    "expected the HTTP version (such as `HTTP/1.1`) after the path, found `{other}`"
                ),
            ));
        }
        None => {
            return Err(InputError::at(
                number,
                "expected the HTTP version (such as `HTTP/1.1`) after the path",
            ));
        }
    }
    if let Some(extra) = words.next() {
        return Err(InputError::at(
            number,
            format!(
                "expected the line to end after the HTTP version, found `{extra}` (spaces in the path must be written %20)"
            ),
        ));
    }
    Ok((method, path))
}

/// The path and query of a request target: as given when it starts with
/// `/`, else the part of an absolute `http(s)://` URL after its authority.
fn origin_form(target: &str) -> Option<String> {
    if target.starts_with('/') {
        return Some(target.to_string());
    }
    let rest = target
        .strip_prefix("http://")
        .or_else(|| target.strip_prefix("https://"))?;
    match rest.find(['/', '?']) {
        Some(i) => {
            let tail = rest.get(i..)?;
            Some(if tail.starts_with('?') {
                format!("/{tail}")
            } else {
                tail.to_string()
            })
        }
        None => Some("/".to_string()),
    }
}

/// `name ":" OWS value OWS` (RFC 9112 §5).
fn header_parts(number: usize, line: &str) -> Result<(&str, &str), InputError> {
    if line.starts_with([' ', '\t']) {
        return Err(InputError::at(
            number,
            "a header line starts with white space (folded header lines are not supported; join it to the line above)",
        ));
    }
    let Some((name, value)) = line.split_once(':') else {
        return Err(InputError::at(
            number,
            format!(
                "expected a header `Name: value` or an empty line before the body, found `{line}`"
            ),
        ));
    };
    if name.is_empty() || !name.bytes().all(is_token_byte) {
        return Err(InputError::at(
            number,
            format!("`{name}` is not a valid header name"),
        ));
    }
    Ok((name, value.trim_matches([' ', '\t'])))
}

/// `tchar` of RFC 9110 §5.6.2.
fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// Lines of the head, numbered from 1, without their CRLF or LF; keeps
/// track of where the body starts.
struct Lines<'a> {
    text: &'a str,
    at: usize,
    number: usize,
}

impl<'a> Lines<'a> {
    fn new(text: &'a str) -> Self {
        Lines {
            text,
            at: 0,
            number: 0,
        }
    }

    fn next(&mut self) -> Option<(usize, &'a str)> {
        let rest = self.text.get(self.at..)?;
        if rest.is_empty() {
            return None;
        }
        self.number += 1;
        let (line, used) = match rest.find('\n') {
            Some(i) => (rest.get(..i).unwrap_or_default(), i + 1),
            None => (rest, rest.len()),
        };
        self.at += used;
        Some((self.number, line.strip_suffix('\r').unwrap_or(line)))
    }

    /// Everything after the last line returned.
    fn rest(&self) -> &'a str {
        self.text.get(self.at..).unwrap_or_default()
    }
}
