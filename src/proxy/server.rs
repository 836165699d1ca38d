//! The listener: accepts connections (plain, or TLS through [`super::tls`]),
//! serves HTTP/1.1 and HTTP/2 (prior knowledge, or ALPN `h2`) on each, and
//! drains in-flight requests on shutdown.

use std::convert::Infallible;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Duration;

use futures_util::FutureExt;
use http::{Request, Response};
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tower::ServiceBuilder;

use super::Proxy;
use super::body::ProxyBody;
use super::error::ProxyError;
use super::handler::{self, Peer};
use super::tls::{self, ListenerTls};
use crate::telemetry::events;

/// Serves `listener` until `shutdown` completes, then stops accepting and waits
/// up to `grace` for in-flight requests.
pub async fn serve(
    listener: TcpListener,
    proxy: Arc<Proxy>,
    shutdown: impl Future<Output = ()>,
    grace: Duration,
) -> std::io::Result<()> {
    accept_loop(listener, proxy, None, shutdown, grace).await
}

/// As [`serve`], terminating TLS on every connection first (ALPN `h2` and
/// `http/1.1`). A handshake that fails or outlasts the handshake timeout
/// closes that connection alone, with one log event.
pub async fn serve_tls(
    listener: TcpListener,
    proxy: Arc<Proxy>,
    tls: Arc<ListenerTls>,
    shutdown: impl Future<Output = ()>,
    grace: Duration,
) -> std::io::Result<()> {
    accept_loop(listener, proxy, Some(tls), shutdown, grace).await
}

async fn accept_loop(
    listener: TcpListener,
    proxy: Arc<Proxy>,
    tls: Option<Arc<ListenerTls>>,
    shutdown: impl Future<Output = ()>,
    grace: Duration,
) -> std::io::Result<()> {
    let builder = auto::Builder::new(TokioExecutor::new());
    let graceful = GracefulShutdown::new();
    let anchor = tokio::spawn(timer_anchor());
    tokio::pin!(shutdown);
    loop {
        let (stream, remote) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(conn) => conn,
                Err(e) => {
                    // Out of file descriptors and the like: back off, keep serving.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let service = TowerToHyperService::new(stack(proxy.clone(), Arc::new(Peer::new(remote))));
        if let Some(tls) = &tls {
            // The handshake runs in the connection's task, never in this loop.
            let (acceptor, limit) = (tls.acceptor(), tls.handshake_timeout);
            let (builder, watcher) = (builder.clone(), graceful.watcher());
            tokio::spawn(async move {
                let stream = match tokio::time::timeout(limit, acceptor.accept(stream)).await {
                    Ok(Ok(s)) => s,
                    Ok(Err(e)) => return tls::handshake_failed(remote, &e),
                    Err(_) => {
                        let why = format!("no handshake within {} ms", limit.as_millis());
                        return tls::handshake_failed(remote, &why);
                    }
                };
                let conn = builder
                    .serve_connection(TokioIo::new(stream), service)
                    .into_owned();
                if let Err(e) = watcher.watch(conn).await {
                    events::connection_error(remote, &*e);
                }
            });
            continue;
        }
        let conn = builder
            .serve_connection(TokioIo::new(stream), service)
            .into_owned();
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                events::connection_error(remote, &*e);
            }
        });
    }
    drop(listener);
    anchor.abort();
    events::shutting_down(grace);
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(grace) => {
            tracing::warn!("grace period over; closing remaining connections");
        }
    }
    Ok(())
}

/// Keeps one timer pending at all times, a second or less ahead.
///
/// Every forwarded request arms a timeout (`--upstream-timeout`). When tokio's
/// timer wheel is empty at the moment its driver goes to sleep, arming the next
/// timer has to wake the driver through its eventfd: one extra `write` and one
/// extra `epoll_wait` round per request, measured at about 0.8 per request at
/// saturation. With an earlier timer always pending, a request's 30 s timeout
/// never becomes the earliest one, and the driver is left alone. Costs one
/// wake-up a second.
async fn timer_anchor() {
    loop {
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

/// The per-connection service stack: the place where cross-cutting layers
/// (metrics, inbound auth) go. The handler turns every error into a response;
/// a panic (a bug) is caught here and answered with a SCIM 500 instead of a
/// dropped connection. (tower-http's CatchPanicLayer would box every response
/// body to do the same.)
fn stack(
    proxy: Arc<Proxy>,
    peer: Arc<Peer>,
) -> impl tower::Service<
    Request<Incoming>,
    Response = Response<ProxyBody>,
    Error = Infallible,
    Future: Send,
> + Clone {
    ServiceBuilder::new().service_fn(move |req: Request<Incoming>| {
        let proxy = proxy.clone();
        let peer = peer.clone();
        async move {
            let handled = AssertUnwindSafe(handler::handle(proxy, req, &peer))
                .catch_unwind()
                .await;
            Ok::<_, Infallible>(handled.unwrap_or_else(|_| {
                events::handler_panicked(peer.addr);
                ProxyError::Internal.into_response()
            }))
        }
    })
}
