//! Keep-alive HTTP/1.1 connections to the upstream, reused last-in first-out.
//!
//! scimshim talks to exactly one upstream, so the pool is a plain stack of
//! idle connections: no per-request pool key, hashing or URI rewriting, and a
//! connection goes back on the stack the moment its response body has been
//! streamed to the end (see [`super::body::UpstreamBody`]). Each connection is
//! driven by its own task, as hyper's connection API wants.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use http::{Request, Response, Uri};
use hyper::body::Incoming;
use hyper::client::conn::http1::{self, SendRequest};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::connect::HttpConnector;
use tower::ServiceExt;

use super::body::{BoxError, ProxyBody, UpstreamBody};

type Sender = SendRequest<ProxyBody>;

/// Reused connections that turn out closed before a request goes out are
/// skipped; after this many, a fresh connection is opened.
const MAX_STALE_RETRIES: usize = 4;

pub struct Pool {
    inner: Arc<Shared>,
    connector: HttpsConnector<HttpConnector>,
    /// `scheme://authority/` of the upstream: where to connect.
    target: Uri,
}

struct Shared {
    idle: Mutex<Vec<Idle>>,
    max_idle: usize,
    idle_timeout: Duration,
}

struct Idle {
    sender: Sender,
    since: Instant,
}

/// A connection in use. Dropping it closes the connection once the request in
/// flight, if any, is over; [`Lease::release`] puts it back for reuse.
pub struct Lease {
    sender: Sender,
    pool: Arc<Shared>,
}

impl Lease {
    pub fn release(self) {
        self.pool.put(self.sender);
    }
}

impl Shared {
    fn put(&self, sender: Sender) {
        if sender.is_closed() {
            return;
        }
        let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        if idle.len() < self.max_idle {
            idle.push(Idle {
                sender,
                since: Instant::now(),
            });
        }
    }

    /// The most recently used idle connection that is still open and fresh.
    fn take(&self) -> Option<Sender> {
        let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        // The oldest sit at the bottom: drop those past the idle timeout.
        let now = Instant::now();
        let expired = idle
            .iter()
            .take_while(|c| now.duration_since(c.since) > self.idle_timeout)
            .count();
        if expired > 0 {
            idle.drain(..expired);
        }
        while let Some(c) = idle.pop() {
            if !c.sender.is_closed() {
                return Some(c.sender);
            }
        }
        None
    }
}

impl Pool {
    pub fn new(
        connector: HttpsConnector<HttpConnector>,
        target: Uri,
        max_idle: usize,
        idle_timeout: Duration,
    ) -> Pool {
        Pool {
            inner: Arc::new(Shared {
                idle: Mutex::new(Vec::new()),
                max_idle,
                idle_timeout,
            }),
            connector,
            target,
        }
    }

    /// Sends `req` (origin-form URI, `Host` set) and returns the response with
    /// its body tied to the connection's lease.
    pub async fn send(&self, mut req: Request<ProxyBody>) -> Result<Response<ProxyBody>, BoxError> {
        // A kept-alive connection can be closed by the upstream at any moment.
        // If that happens before the request is written, hyper hands the
        // request back and it is safe to send it on another connection.
        for _ in 0..MAX_STALE_RETRIES {
            let Some(mut sender) = self.inner.take() else {
                break;
            };
            if sender.ready().await.is_err() {
                continue;
            }
            match sender.try_send_request(req).await {
                Ok(resp) => return Ok(self.wrap(resp, sender)),
                Err(mut e) => match e.take_message() {
                    Some(back) => req = back,
                    None => return Err(e.into_error().into()),
                },
            }
        }
        let mut sender = self.connect().await?;
        let resp = sender.send_request(req).await?;
        Ok(self.wrap(resp, sender))
    }

    fn wrap(&self, resp: Response<Incoming>, sender: Sender) -> Response<ProxyBody> {
        let lease = Lease {
            sender,
            pool: self.inner.clone(),
        };
        resp.map(|body| ProxyBody::Upstream(UpstreamBody::new(body, lease)))
    }

    async fn connect(&self) -> Result<Sender, BoxError> {
        let io = self.connector.clone().oneshot(self.target.clone()).await?;
        let (sender, conn) = http1::Builder::new().handshake(io).await?;
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                tracing::debug!(error = %e, "upstream connection closed with an error");
            }
        });
        Ok(sender)
    }
}
