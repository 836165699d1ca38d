//! Per-request cost of the rule engine, for instruction counting under callgrind.
//!
//! Loads `rules/common` the way `serve` does and runs, N times, what the proxy
//! handler does per request: build the engine's request, evaluate (reading and
//! parsing the body when a rule asks for it), and re-encode the body when a rule
//! changed it. Nothing is printed inside the loop.
//!
//! ```sh
//! cargo build --release --example engine_bench
//! out=$(mktemp)
//! valgrind --tool=callgrind --callgrind-out-file="$out" \
//!     target/release/examples/engine_bench 2000 patch
//! callgrind_annotate "$out" | head -60
//! ```
//!
//! Arguments: `[N] [patch|get] [quiet]` (defaults: 10000, patch).
//! Subtract a run with a small N from a run with a large N and divide by the
//! difference to get the instructions per request without the cost of loading
//! the rules.
//!
//! The loop parses and re-encodes with the handler's own `Body::parse` and
//! `Body::encode`. `quiet` runs it as the handler does when `rule applied`
//! events are off (`Trace::without_changes()`); without it, change records are
//! built as with info logging on.

use std::hint::black_box;
use std::path::PathBuf;
use std::process::ExitCode;

use http::header::{ACCEPT, AUTHORIZATION, CONTENT_LENGTH, CONTENT_TYPE, HOST, USER_AGENT};
use http::{HeaderMap, HeaderValue, Method};
use scimshim::rules::eval::Context;
use scimshim::rules::request::is_json_content_type;
use scimshim::rules::secret::ProcessEnv;
use scimshim::rules::{self, Body, LoadOptions, Outcome, Resume, RuleSet, SecretMode, Step, Trace};

const PATCH_BODY: &[u8] = br#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"active","value":"False"},{"op":"Replace","path":"urn:ietf:params:scim:schemas:core:2.0:User:displayName","value":"Babs"}]}"#;

const EXPECTED: &str = r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"active","value":false},{"op":"replace","path":"displayName","value":"Babs"}]}"#;

const PATH: &str = "/scim/v2/Users/abc";

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Patch,
    Get,
}

/// How to run the loop (see the module docs).
#[derive(Clone, Copy, Default)]
struct Options {
    quiet: bool,
}

fn headers(mode: Mode) -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert(HOST, HeaderValue::from_static("127.0.0.1:8080"));
    h.insert(USER_AGENT, HeaderValue::from_static("Microsoft.AAD/1.0"));
    h.insert(
        AUTHORIZATION,
        HeaderValue::from_static("Bearer abc.def.ghi"),
    );
    h.insert(ACCEPT, HeaderValue::from_static("application/scim+json"));
    if mode == Mode::Patch {
        h.insert(
            CONTENT_TYPE,
            HeaderValue::from_static("application/scim+json"),
        );
        h.insert(CONTENT_LENGTH, HeaderValue::from(PATCH_BODY.len()));
    }
    h
}

/// One request as the handler runs it. The header map is moved in and handed
/// back, as hyper's parsed map is moved into the engine's request.
fn one(
    set: &RuleSet,
    cx: &Context,
    mode: Mode,
    opts: Options,
    headers: HeaderMap,
    raw: &[u8],
) -> (HeaderMap, Option<Vec<u8>>, usize) {
    let content_type = headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok());
    let (method, body) = match mode {
        Mode::Patch if is_json_content_type(content_type) => (Method::PATCH, Body::Unread),
        Mode::Patch => (Method::PATCH, Body::Opaque),
        Mode::Get => (Method::GET, Body::Empty),
    };
    let mut request = rules::Request::with_parts(method, PATH.to_string(), None, headers, body);
    let mut trace = if opts.quiet {
        Trace::without_changes()
    } else {
        Trace::default()
    };
    let mut resume = Resume::START;
    let outcome = loop {
        match rules::evaluate(set, cx, &mut request, resume, &mut trace) {
            Step::Done(outcome) => break outcome,
            Step::NeedBody(at) => {
                request.body = Body::parse(raw).unwrap_or(Body::Empty);
                resume = at;
            }
            Step::NeedResource(at) => {
                request.resource = rules::Fetched::Failed {
                    status: 404,
                    body: None,
                };
                resume = at;
            }
        }
    };
    let forwarded = match outcome {
        Outcome::Forward if trace.body_changed => {
            Some(request.body.encode(raw.len()).unwrap_or_default())
        }
        _ => None,
    };
    let changes = trace.changes.len() + trace.applied.len();
    (request.headers, forwarded, changes)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let n: usize = args.first().and_then(|a| a.parse().ok()).unwrap_or(10_000);
    let mode = match args.get(1).map(String::as_str) {
        None | Some("patch") => Mode::Patch,
        Some("get") => Mode::Get,
        Some(other) => {
            eprintln!("unknown mode `{other}`: use patch or get");
            return ExitCode::from(2);
        }
    };
    let mut opts = Options::default();
    for arg in args.iter().skip(2) {
        match arg.as_str() {
            "quiet" => opts.quiet = true,
            other => {
                eprintln!("unknown option `{other}`: use quiet");
                return ExitCode::from(2);
            }
        }
    }
    let loaded = match rules::load(
        &[PathBuf::from("rules/common")],
        &LoadOptions {
            env: &ProcessEnv,
            secrets: SecretMode::Lenient,
        },
    ) {
        Ok(l) if !l.has_errors() => l,
        Ok(l) => {
            eprintln!("rule errors: {:#?}", l.diagnostics);
            return ExitCode::FAILURE;
        }
        Err(e) => {
            eprintln!("cannot load rules/common (run from the crate root): {e}");
            return ExitCode::FAILURE;
        }
    };
    let set = loaded.set;
    let cx = Context {
        base_path: "/scim/v2",
    };

    // Check once, outside the loop, that the rules really fire.
    let (mut headers, out, _) = one(&set, &cx, mode, opts, headers(mode), PATCH_BODY);
    match (mode, out.as_deref()) {
        (Mode::Patch, Some(body)) if body == EXPECTED.as_bytes() => {}
        (Mode::Get, None) => {}
        (_, got) => {
            eprintln!("unexpected result: {:?}", got.map(String::from_utf8_lossy));
            return ExitCode::FAILURE;
        }
    }

    let mut total = 0usize;
    for _ in 0..n {
        let (h, out, changes) = one(&set, &cx, mode, opts, headers, black_box(PATCH_BODY));
        headers = h;
        total += black_box(out).map_or(0, |b| b.len()) + changes;
    }
    black_box(total);
    ExitCode::SUCCESS
}
