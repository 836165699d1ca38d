//! The one evaluation loop. [`evaluate`] pauses when it needs the body or the
//! addressed resource; [`drive`] serves those pauses through an [`Io`] and
//! resumes until there is an [`Outcome`]. The proxy's `Io` reads sockets and
//! GETs from the upstream; `test` and `explain` serve fixtures or the embedded
//! backend. Evaluation itself stays pure: every command runs this same loop.

use std::future::Future;

use super::eval::{Context, Outcome, Resume, Step, evaluate, evaluate_response};
use super::request::{Body, Fetched, Request};
use super::rule::{Phase, RuleSet};
use super::trace::Trace;

/// What evaluation needs from outside, served by the caller.
pub trait Io {
    type Error;
    /// The message's body, read and parsed. Asked for at most once per
    /// message; answering [`Body::Unread`] counts as [`Body::Empty`].
    fn body(&mut self) -> impl Future<Output = Result<Body, Self::Error>> + Send;
    /// The resource `request` addresses, as the upstream has it now.
    /// Answering [`Fetched::NotFetched`] counts as a failed fetch.
    fn fetch(
        &mut self,
        request: &Request,
    ) -> impl Future<Output = Result<Fetched, Self::Error>> + Send;
}

/// The end of one evaluation.
#[derive(Debug)]
pub struct Driven {
    pub outcome: Outcome,
    /// The request as it was when a rule first asked for the resource, and
    /// where evaluation resumed. Starting again from there after a changed
    /// resource (a `412`) replays the fetch and every rule after it.
    pub before_fetch: Option<(Request, Resume)>,
}

/// Runs the `phase` rules of `rules` over `message` from `from`, serving
/// pauses through `io`, until there is an outcome.
pub async fn drive<I: Io>(
    rules: &RuleSet,
    phase: Phase,
    cx: &Context<'_>,
    message: &mut Request,
    from: Resume,
    trace: &mut Trace,
    io: &mut I,
) -> Result<Driven, I::Error> {
    let mut resume = from;
    let mut before_fetch = None;
    loop {
        let step = match phase {
            Phase::Request => evaluate(rules, cx, message, resume, trace),
            Phase::Response => evaluate_response(rules, cx, message, resume, trace),
        };
        match step {
            Step::Done(outcome) => {
                return Ok(Driven {
                    outcome,
                    before_fetch,
                });
            }
            Step::NeedBody(at) => {
                message.body = match io.body().await? {
                    Body::Unread => Body::Empty,
                    body => body,
                };
                resume = at;
            }
            Step::NeedResource(at) => {
                if before_fetch.is_none() {
                    before_fetch = Some((message.clone(), at));
                }
                message.resource = match io.fetch(message).await? {
                    Fetched::NotFetched => Fetched::Failed {
                        status: 502,
                        body: None,
                    },
                    fetched => fetched,
                };
                resume = at;
            }
        }
    }
}

/// An [`Io`] for messages that are already whole: the body is what it is,
/// and there is nothing to fetch from. Response rules never fetch.
pub struct NoIo;

impl Io for NoIo {
    type Error = std::convert::Infallible;
    async fn body(&mut self) -> Result<Body, Self::Error> {
        Ok(Body::Empty)
    }
    async fn fetch(&mut self, _: &Request) -> Result<Fetched, Self::Error> {
        Ok(Fetched::Failed {
            status: 502,
            body: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::secret::MapEnv;
    use crate::rules::{LoadOptions, SecretMode, load_strs};

    fn rules(yaml: &str) -> RuleSet {
        let env = MapEnv::default();
        let options = LoadOptions {
            env: &env,
            secrets: SecretMode::Require,
        };
        let loaded = load_strs(&[("t.yaml", yaml)], &options);
        assert!(!loaded.has_errors(), "{:?}", loaded.diagnostics);
        loaded.set
    }

    struct Counting {
        bodies: u32,
        fetches: u32,
    }

    impl Io for Counting {
        type Error = ();
        async fn body(&mut self) -> Result<Body, ()> {
            self.bodies += 1;
            Body::parse(br#"{"active":"True"}"#).map_err(|_| ())
        }
        async fn fetch(&mut self, _: &Request) -> Result<Fetched, ()> {
            self.fetches += 1;
            Ok(Fetched::NotFetched)
        }
    }

    fn block<F: Future>(f: F) -> F::Output {
        match tokio::runtime::Builder::new_current_thread().build() {
            Ok(rt) => rt.block_on(f),
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn reads_the_body_once_and_resumes_at_the_rule_that_asked() {
        let set = rules(
            "rules:\n  - id: t.bool\n    description: d\n    when: { method: [POST] }\n    actions:\n      - coerce: { select: \"$.active\", to: boolean }\n",
        );
        let mut io = Counting {
            bodies: 0,
            fetches: 0,
        };
        let mut req = Request::new(http::Method::POST, "/scim/v2/Users");
        req.body = Body::Unread;
        let mut trace = Trace::default();
        let cx = Context {
            base_path: "/scim/v2",
        };
        let done = block(drive(
            &set,
            Phase::Request,
            &cx,
            &mut req,
            Resume::START,
            &mut trace,
            &mut io,
        ));
        assert!(matches!(
            done,
            Ok(Driven {
                outcome: Outcome::Forward,
                before_fetch: None
            })
        ));
        assert_eq!(io.bodies, 1);
        assert_eq!(trace.applied.len(), 1);
        let Body::Json(v) = &req.body else {
            panic!("{:?}", req.body)
        };
        assert_eq!(v["active"], true);
    }

    #[test]
    fn a_fetch_answered_with_nothing_does_not_loop() {
        let set = rules(
            "rules:\n  - id: t.put\n    description: d\n    when: { method: [PATCH] }\n    actions:\n      - patch_via_put: { retries: 1 }\n",
        );
        let mut io = Counting {
            bodies: 0,
            fetches: 0,
        };
        let mut req = Request::new(http::Method::PATCH, "/scim/v2/Users/1");
        req.body = Body::parse(br#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","path":"title","value":"x"}]}"#)
            .unwrap_or(Body::Empty);
        let mut trace = Trace::default();
        let cx = Context {
            base_path: "/scim/v2",
        };
        let done = block(drive(
            &set,
            Phase::Request,
            &cx,
            &mut req,
            Resume::START,
            &mut trace,
            &mut io,
        ));
        assert_eq!(io.fetches, 1);
        let Ok(Driven {
            outcome: Outcome::Respond(local),
            before_fetch: Some((snapshot, _)),
        }) = done
        else {
            panic!("{done:?}")
        };
        assert_eq!(local.status, 502);
        assert!(matches!(snapshot.resource, Fetched::NotFetched));
    }
}
