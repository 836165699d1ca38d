//! Evaluation: the one function every command runs. Pure: no I/O, no clock, no
//! logging; what happened is written to the [`Trace`].
//!
//! Rules run in order, each against the request as earlier rules left it. When a
//! rule that needs the body comes up and the body has not been read, evaluation
//! pauses with [`Step::NeedBody`]; the caller reads the body and resumes at the
//! same rule. Requests that no body rule matches are never buffered.

use super::actions::{Flow, LocalResponse};
use super::matcher::{HeadMatch, Miss};
use super::request::{Body, Fetched, Request};
use super::rule::{Rule, RuleSet};
use super::trace::Trace;

/// Where to start (or resume) evaluation.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Resume(usize);

impl Resume {
    pub const START: Resume = Resume(0);
}

/// The final decision for a request.
#[derive(Debug)]
pub enum Outcome {
    /// Send the (possibly rewritten) request upstream.
    Forward,
    /// Answer locally; the response names its rule.
    Respond(LocalResponse),
}

/// The result of one call to [`evaluate`].
#[derive(Debug)]
pub enum Step {
    Done(Outcome),
    /// Read the body into [`Request::body`] and call again with this [`Resume`].
    NeedBody(Resume),
    /// Fetch the addressed resource from the upstream into
    /// [`Request::resource`] and call again with this [`Resume`].
    NeedResource(Resume),
}

/// Static facts about where the request arrived.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    /// The listener's SCIM base path, e.g. `/scim/v2`.
    pub base_path: &'a str,
}

/// Applies the request rules of `rules` to `req`, starting at `from`.
pub fn evaluate(
    rules: &RuleSet,
    cx: &Context,
    req: &mut Request,
    from: Resume,
    trace: &mut Trace,
) -> Step {
    run(&rules.rules, cx, req, from, trace)
}

/// Applies the response rules of `rules` to `resp`: the upstream's response,
/// carrying the request's method and path and the response's `status`,
/// headers and body. Only [`Step::NeedBody`] pauses it.
pub fn evaluate_response(
    rules: &RuleSet,
    cx: &Context,
    resp: &mut Request,
    from: Resume,
    trace: &mut Trace,
) -> Step {
    run(&rules.response, cx, resp, from, trace)
}

fn run(rules: &[Rule], cx: &Context, req: &mut Request, from: Resume, trace: &mut Trace) -> Step {
    for (index, rule) in rules.iter().enumerate().skip(from.0) {
        match test(rule, cx, req) {
            Test::No(why) => {
                trace.consider(&rule.id, false, || why.describe(rule, req));
                continue;
            }
            Test::NeedBody => return Step::NeedBody(Resume(index)),
            Test::Yes => {}
        }
        if matches!(req.resource, Fetched::NotFetched)
            && rule.actions.iter().any(|a| a.wants_resource(req))
        {
            return Step::NeedResource(Resume(index));
        }
        trace.consider(&rule.id, true, || "every condition holds".into());
        let edits = trace.edits;
        for action in &rule.actions {
            if let Flow::Respond(response) = action.apply(&rule.id, req, trace) {
                trace.applied.push(rule.id.clone());
                return Step::Done(Outcome::Respond(response));
            }
        }
        if trace.edits != edits {
            trace.applied.push(rule.id.clone());
        }
    }
    Step::Done(Outcome::Forward)
}

enum Test {
    Yes,
    No(Why),
    NeedBody,
}

/// Why a rule did not apply; put into words only for `explain`.
enum Why {
    When(Miss),
    Unless,
}

impl Why {
    fn describe(&self, rule: &Rule, req: &Request) -> String {
        match self {
            Why::When(miss) => format!("when: {}", rule.when.describe(*miss, req)),
            Why::Unless => "unless: every condition holds".into(),
        }
    }
}

fn test(rule: &Rule, cx: &Context, req: &Request) -> Test {
    let unread = matches!(req.body, Body::Unread);
    match rule.when.test_head(req, cx.base_path) {
        HeadMatch::No(miss) => return Test::No(Why::When(miss)),
        HeadMatch::NeedsBody | HeadMatch::Yes if unread && rule.needs_body => {
            return Test::NeedBody;
        }
        HeadMatch::NeedsBody => {
            if let Err(miss) = rule.when.test_body(req) {
                return Test::No(Why::When(miss));
            }
        }
        HeadMatch::Yes => {}
    }
    if let Some(unless) = &rule.unless {
        let holds = match unless.test_head(req, cx.base_path) {
            HeadMatch::No(_) => false,
            HeadMatch::Yes => true,
            HeadMatch::NeedsBody => unless.test_body(req).is_ok(),
        };
        if holds {
            return Test::No(Why::Unless);
        }
    }
    Test::Yes
}

#[cfg(test)]
mod tests;
