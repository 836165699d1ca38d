//! The admin listener (`--admin-listen`): `/healthz`, `/readyz`, `/metrics`
//! and `/rules`, over plain HTTP/1.1 on its own port and its own task, so
//! that probes and scrapes never queue behind proxied requests.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::header::{ALLOW, CACHE_CONTROL, CONTENT_TYPE};
use http::{HeaderValue, Method, Request, Response, StatusCode};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

use super::{OpsState, Readiness};
use crate::telemetry::metrics;

const TEXT: &str = "text/plain; charset=utf-8";
const JSON: &str = "application/json";

/// The endpoints, as the admin listener serves them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Endpoint {
    Healthz,
    Readyz,
    Metrics,
    Rules,
}

impl Endpoint {
    fn parse(path: &str) -> Option<Endpoint> {
        Some(match path {
            "/healthz" => Endpoint::Healthz,
            "/readyz" => Endpoint::Readyz,
            "/metrics" => Endpoint::Metrics,
            "/rules" => Endpoint::Rules,
            _ => return None,
        })
    }
}

/// Serves `listener` until `shutdown` completes. Connections still open then
/// end with the runtime; a probe or a scrape holds nothing worth draining.
pub async fn serve(listener: TcpListener, ops: Arc<OpsState>, shutdown: impl Future<Output = ()>) {
    let mut http = hyper::server::conn::http1::Builder::new();
    // A slow or idle client cannot hold a connection open for ever.
    http.timer(hyper_util::rt::TokioTimer::new())
        .header_read_timeout(Duration::from_secs(10));
    tokio::pin!(shutdown);
    loop {
        let (stream, remote) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(conn) => conn,
                Err(e) => {
                    tracing::warn!(error = %e, "admin accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => return,
        };
        let ops = ops.clone();
        let conn = http.serve_connection(
            TokioIo::new(stream),
            service_fn(move |req: Request<Incoming>| {
                let response = respond(&ops, req.method(), req.uri().path());
                async move { Ok::<_, Infallible>(response) }
            }),
        );
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                tracing::debug!(remote = %remote, error = %e, "admin connection error");
            }
        });
    }
}

/// Logs where the admin listener is (port 0 picks a free port), before the
/// proxy's own `scimshim listening` line.
pub fn listening(addr: SocketAddr) {
    tracing::info!(admin.listen = %addr, "admin listening");
}

/// The admin listener serving on its own task.
pub struct Running {
    stop: oneshot::Sender<()>,
    task: tokio::task::JoinHandle<()>,
}

/// Logs the bound address and serves `listener` on a task of its own until
/// [`Running::stop`].
pub fn start(listener: TcpListener, ops: Arc<OpsState>) -> Running {
    if let Ok(addr) = listener.local_addr() {
        listening(addr);
    }
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(serve(listener, ops, async move {
        let _ = stopped.await;
    }));
    Running { stop, task }
}

impl Running {
    /// Stops accepting and waits for the accept loop to end.
    pub async fn stop(self) {
        let _ = self.stop.send(());
        let _ = self.task.await;
    }
}

/// The answer to `method path`. HEAD gets GET's head; hyper leaves out the
/// body.
pub fn respond(ops: &OpsState, method: &Method, path: &str) -> Response<Full<Bytes>> {
    let Some(endpoint) = Endpoint::parse(path) else {
        return text(
            StatusCode::NOT_FOUND,
            "not found: the admin listener serves /healthz, /readyz, /metrics and /rules\n",
        );
    };
    if method != Method::GET && method != Method::HEAD {
        let mut r = text(
            StatusCode::METHOD_NOT_ALLOWED,
            "method not allowed: use GET or HEAD\n",
        );
        r.headers_mut()
            .insert(ALLOW, HeaderValue::from_static("GET, HEAD"));
        return r;
    }
    match endpoint {
        Endpoint::Healthz => text(StatusCode::OK, "ok\n"),
        Endpoint::Readyz => {
            let readiness = ops.readiness();
            let status = if readiness == Readiness::Ready {
                StatusCode::OK
            } else {
                StatusCode::SERVICE_UNAVAILABLE
            };
            text(status, &format!("{}\n", readiness.reason()))
        }
        Endpoint::Metrics => with_type(
            StatusCode::OK,
            metrics::CONTENT_TYPE,
            ops.render_metrics().into(),
        ),
        Endpoint::Rules => match serde_json::to_vec_pretty(&*ops.rules()) {
            Ok(mut body) => {
                body.push(b'\n');
                with_type(StatusCode::OK, JSON, body.into())
            }
            Err(e) => text(
                StatusCode::INTERNAL_SERVER_ERROR,
                &format!("cannot encode the rules report: {e}\n"),
            ),
        },
    }
}

fn text(status: StatusCode, body: &str) -> Response<Full<Bytes>> {
    with_type(status, TEXT, Bytes::copy_from_slice(body.as_bytes()))
}

fn with_type(status: StatusCode, content_type: &'static str, body: Bytes) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(body));
    *r.status_mut() = status;
    let h = r.headers_mut();
    h.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    // Probes and scrapes want the state now, never a cached copy.
    h.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

#[cfg(test)]
mod tests;
