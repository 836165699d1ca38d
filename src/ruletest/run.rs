//! Runs cases through [`crate::rules::drive`], the loop `serve` runs: request
//! rules with fetches answered from the case's `resource`, then (with an
//! `upstream`) the reply plan and the response rules, as
//! `proxy::handler` does. Rule sets load once per list of paths.

use std::collections::HashMap;
use std::path::PathBuf;
use std::rc::Rc;
use std::time::{Duration, Instant};

use http::StatusCode;
use http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use serde_json::Value;

pub use super::actual::{Actual, Answer, AnswerBody};
use super::compare::{self, Mismatch};
use super::coverage::{Coverage, Tracker};
use super::parse::{Case, ParsedFile};
use super::spec::TestCase;
use crate::rules::eval::Context;
use crate::rules::fixture::{FixtureError, FixtureIo};
use crate::rules::request::is_json_content_type;
use crate::rules::secret::ProcessEnv;
use crate::rules::{
    Body, Diagnostic, LoadOptions, NoIo, Outcome, Phase, Request, Resume, RuleSet, SecretMode,
    Trace, drive,
};

/// What to run.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Run only the cases whose name contains this text.
    pub filter: Option<String>,
    /// Rule files found under the directories searched, so that coverage
    /// can name the ones no test file loads.
    pub rule_files: Vec<PathBuf>,
}

/// Every file's results, and what they covered.
#[derive(Debug)]
pub struct Suite {
    pub files: Vec<FileRun>,
    pub coverage: Coverage,
    pub elapsed: Duration,
}

impl Suite {
    pub fn passed(&self) -> usize {
        self.files.iter().map(FileRun::passed).sum()
    }
    pub fn failed(&self) -> usize {
        self.files.iter().map(|f| f.cases.len() - f.passed()).sum()
    }
    pub fn filtered_out(&self) -> usize {
        self.files.iter().map(|f| f.filtered_out).sum()
    }
}

/// One test file's results.
#[derive(Debug)]
pub struct FileRun {
    pub path: PathBuf,
    /// Errors in the rule files it loads; its cases then all fail.
    pub rule_errors: Vec<Diagnostic>,
    /// The cases that ran, in file order.
    pub cases: Vec<CaseRun>,
    /// Cases left out by the filter.
    pub filtered_out: usize,
    pub elapsed: Duration,
}

impl FileRun {
    pub fn passed(&self) -> usize {
        self.cases.iter().filter(|c| c.passed()).count()
    }
}

/// One case's result.
#[derive(Debug)]
pub struct CaseRun {
    pub name: String,
    pub line: u32,
    /// Empty when the case passed.
    pub failures: Vec<Mismatch>,
    pub elapsed: Duration,
}

impl CaseRun {
    pub fn passed(&self) -> bool {
        self.failures.is_empty()
    }
}

/// Why nothing could run.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("cannot start the test runtime: {0}")]
    Runtime(std::io::Error),
}

/// Runs every case of every file (those the filter selects).
pub fn run(files: &[ParsedFile], options: &Options) -> Result<Suite, RunError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .map_err(RunError::Runtime)?;
    let started = Instant::now();
    let mut sets: HashMap<Vec<PathBuf>, Rc<LoadedSet>> = HashMap::new();
    let mut tracker = Tracker::default();
    let mut runs = Vec::with_capacity(files.len());
    for file in files {
        let file_started = Instant::now();
        let selected: Vec<&Case> = file
            .cases
            .iter()
            .filter(|c| {
                options
                    .filter
                    .as_deref()
                    .is_none_or(|f| c.spec.name.contains(f))
            })
            .collect();
        let filtered_out = file.cases.len() - selected.len();
        if selected.is_empty() && options.filter.is_some() {
            // Nothing to run here: do not load (or report) its rules.
            runs.push(FileRun {
                path: file.path.clone(),
                rule_errors: Vec::new(),
                cases: Vec::new(),
                filtered_out,
                elapsed: file_started.elapsed(),
            });
            continue;
        }
        let set = sets
            .entry(file.rules.clone())
            .or_insert_with(|| {
                let loaded = load_set(&file.rules);
                if let Some(set) = &loaded.set {
                    tracker.add_set(set);
                }
                Rc::new(loaded)
            })
            .clone();
        let mut cases = Vec::with_capacity(selected.len());
        for case in selected {
            let case_started = Instant::now();
            let failures = match &set.set {
                Some(rules) => {
                    let cx = Context {
                        base_path: &file.base_path,
                    };
                    match runtime.block_on(execute(rules, &cx, &case.spec)) {
                        Ok(actual) => {
                            tracker.record(rules, &actual);
                            compare::compare(&case.spec.expect, &actual)
                        }
                        Err(e) => vec![Mismatch::note("request", e.to_string())],
                    }
                }
                None => vec![Mismatch::note(
                    "rules",
                    format!(
                        "not run: the rules did not load ({} error(s), shown under {})",
                        set.errors.len(),
                        file.path.display()
                    ),
                )],
            };
            cases.push(CaseRun {
                name: case.spec.name.clone(),
                line: case.line,
                failures,
                elapsed: case_started.elapsed(),
            });
        }
        runs.push(FileRun {
            path: file.path.clone(),
            rule_errors: set.errors.clone(),
            cases,
            filtered_out,
            elapsed: file_started.elapsed(),
        });
    }
    Ok(Suite {
        files: runs,
        // With a filter, files whose cases were all left out load nothing:
        // they would show as untested.
        coverage: match options.filter {
            None => tracker.finish_with(&options.rule_files),
            Some(_) => tracker.finish(),
        },
        elapsed: started.elapsed(),
    })
}

/// A rule set as loaded for tests: the set, or the errors that stopped it.
#[derive(Debug)]
struct LoadedSet {
    set: Option<RuleSet>,
    errors: Vec<Diagnostic>,
}

fn load_set(paths: &[PathBuf]) -> LoadedSet {
    let options = LoadOptions {
        env: &ProcessEnv,
        secrets: SecretMode::Lenient,
    };
    match crate::rules::load(paths, &options) {
        Ok(loaded) => {
            let errors: Vec<Diagnostic> = loaded
                .diagnostics
                .into_iter()
                .filter(Diagnostic::is_error)
                .collect();
            LoadedSet {
                set: errors.is_empty().then_some(loaded.set),
                errors,
            }
        }
        Err(e) => LoadedSet {
            set: None,
            errors: vec![Diagnostic {
                severity: crate::rules::Severity::Error,
                file: paths.first().cloned().unwrap_or_default(),
                rule: None,
                field: String::new(),
                line: 0,
                column: 0,
                message: e.to_string(),
                hint: None,
            }],
        },
    }
}

/// Evaluates one case as the proxy would serve it.
pub async fn execute(
    rules: &RuleSet,
    cx: &Context<'_>,
    case: &TestCase,
) -> Result<Actual, FixtureError> {
    let original = case.request.to_request()?;
    let mut request = original.clone();
    let mut trace = Trace::default();
    let mut io = FixtureIo::new(case.resource.clone());
    let Ok(driven) = drive(
        rules,
        Phase::Request,
        cx,
        &mut request,
        Resume::START,
        &mut trace,
        &mut io,
    )
    .await;
    let before_fetch = driven.before_fetch;
    let mut outcome = driven.outcome;
    let mut retries = 0u8;
    loop {
        if let Outcome::Respond(local) = outcome {
            let answer = Answer::local(&local);
            return Ok(Actual {
                forwarded: None,
                returned: case.upstream.as_ref().map(|_| answer.clone()),
                local: Some(answer),
                applied: trace.applied,
                changes: trace.changes,
                fetches: io.fetches,
            });
        }
        let Some(upstream) = &case.upstream else {
            return Ok(Actual {
                forwarded: Some(request),
                local: None,
                returned: None,
                applied: trace.applied,
                changes: trace.changes,
                fetches: io.fetches,
            });
        };
        let reply = std::mem::take(&mut request.reply);
        let status = upstream.status.unwrap_or(200);
        // A PUT made from a PATCH met a changed resource: the proxy re-runs
        // the rules from the fetch, a bounded number of times. The fixture
        // answers the same way every time, as a backend that keeps refusing.
        if status == StatusCode::PRECONDITION_FAILED.as_u16()
            && let Some((_, max)) = &reply.retry_on_precondition
            && retries < *max
            && let Some((snapshot, at)) = &before_fetch
        {
            retries += 1;
            request = snapshot.clone();
            let Ok(again) = drive(
                rules,
                Phase::Request,
                cx,
                &mut request,
                *at,
                &mut trace,
                &mut io,
            )
            .await;
            outcome = again.outcome;
            continue;
        }
        let returned = respond_phase(rules, cx, &original, upstream, &reply, &mut trace).await?;
        return Ok(Actual {
            forwarded: Some(request),
            local: None,
            returned: Some(returned),
            applied: trace.applied,
            changes: trace.changes,
            fetches: io.fetches,
        });
    }
}

/// The backend's answer on its way back: the reply plan, then response
/// rules, which see the client's method and path (as in the proxy).
async fn respond_phase(
    rules: &RuleSet,
    cx: &Context<'_>,
    original: &Request,
    upstream: &crate::rules::fixture::MessageSpec,
    reply: &crate::rules::ReplyPlan,
    trace: &mut Trace,
) -> Result<Answer, FixtureError> {
    let headers = upstream.header_map()?;
    let content_type = headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok());
    let opaque = content_type.is_some() && !is_json_content_type(content_type);
    let (body, text) = match (&upstream.body_text, opaque) {
        (Some(text), true) => (Body::Opaque, Some(text.clone())),
        (_, true) if upstream.body.is_some() => {
            (Body::Opaque, upstream.body.as_ref().map(Value::to_string))
        }
        _ => (upstream.body()?, None),
    };
    let mut message = Request::with_parts(
        original.method.clone(),
        original.path.clone(),
        original.query.clone(),
        headers,
        body,
    );
    let status = upstream.status.unwrap_or(200);
    message.status = Some(status);
    if let Some(rule) = &reply.no_content_on_success
        && (200..300).contains(&status)
        && status != 204
    {
        // The client sent a DELETE; it gets what a DELETE gets.
        trace.change(
            rule,
            "delete_as_deactivate",
            "status".into(),
            Value::from(status),
            Value::from(204),
        );
        let mut headers = message.headers;
        headers.remove(CONTENT_TYPE);
        headers.remove(CONTENT_LENGTH);
        return Ok(Answer {
            status: 204,
            headers,
            body: AnswerBody::None,
            rule: None,
        });
    }
    let mut response_trace = Trace::default();
    let Ok(driven) = drive(
        rules,
        Phase::Response,
        cx,
        &mut message,
        Resume::START,
        &mut response_trace,
        &mut NoIo,
    )
    .await;
    trace.applied.append(&mut response_trace.applied);
    trace.changes.append(&mut response_trace.changes);
    if let Outcome::Respond(local) = driven.outcome {
        return Ok(Answer::local(&local));
    }
    let body = match (&message.body, text) {
        (Body::Opaque, Some(text)) => AnswerBody::Text(text),
        (body, _) => AnswerBody::of(body),
    };
    Ok(Answer {
        status,
        headers: message.headers,
        body,
        rule: None,
    })
}
