//! The HTTP shell around [`Backend`]: accepts connections (HTTP/1.1 and
//! HTTP/2 prior knowledge), reads each body with a 1 MiB cap, calls
//! [`Backend::handle`], and writes the answer as `application/scim+json`.

use std::convert::Infallible;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Duration;

use ::http::header::{CONTENT_LENGTH, HOST};
use ::http::{HeaderValue, Request, Response};
use bytes::Bytes;
use http_body_util::{BodyExt, Full, LengthLimitError, Limited};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;

use super::reply::{self, err};
use super::{Backend, BackendRequest, BackendResponse};
use crate::scim::error::ScimType;

/// The largest request body accepted; larger ones get 413.
pub const MAX_BODY: usize = 1024 * 1024;

/// How long in-flight requests may take to finish after `shutdown` resolves.
const GRACE: Duration = Duration::from_secs(10);

/// Serves `backend` on `listener` until `shutdown` resolves, then stops
/// accepting and lets in-flight requests finish (for up to 10 s).
pub async fn serve(
    listener: TcpListener,
    backend: Arc<Backend>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let builder = auto::Builder::new(TokioExecutor::new());
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(_) => {
                    // Out of file descriptors and the like: back off, keep serving.
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let backend = backend.clone();
        let service = service_fn(move |req: Request<Incoming>| {
            let backend = backend.clone();
            async move { Ok::<_, Infallible>(answer(&backend, req).await) }
        });
        let conn = builder
            .serve_connection(TokioIo::new(stream), service)
            .into_owned();
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            // A client that hangs up mid-request is not the server's problem.
            let _ = conn.await;
        });
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(GRACE) => {}
    }
    Ok(())
}

/// Reads one request, hands it to the backend, and encodes the answer.
async fn answer(backend: &Backend, req: Request<Incoming>) -> Response<Full<Bytes>> {
    let (parts, body) = req.into_parts();
    let declared = parts
        .headers
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_BODY as u64) {
        return encode(too_large());
    }
    let body = match Limited::new(body, MAX_BODY).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(e) if e.downcast_ref::<LengthLimitError>().is_some() => return encode(too_large()),
        Err(_) => {
            return encode(reply::error(&err(
                400,
                Some(ScimType::InvalidSyntax),
                "The request body could not be read",
            )));
        }
    };
    let mut headers = parts.headers;
    // HTTP/2 carries the host in `:authority`, not in a `Host` header.
    if !headers.contains_key(HOST)
        && let Some(authority) = parts.uri.authority()
        && let Ok(value) = HeaderValue::from_str(authority.as_str())
    {
        headers.insert(HOST, value);
    }
    let request = BackendRequest {
        method: parts.method,
        path: parts.uri.path().to_string(),
        query: parts.uri.query().map(str::to_string),
        headers,
        body,
    };
    // `handle` does not panic by design; should a bug make it, answer 500
    // instead of dropping the connection (the store recovers its lock).
    let response = std::panic::catch_unwind(AssertUnwindSafe(|| backend.handle(&request)))
        .unwrap_or_else(|_| reply::error(&err(500, None, "Internal server error")));
    encode(response)
}

fn too_large() -> BackendResponse {
    reply::error(&err(
        413,
        None,
        format!("The request body exceeds {MAX_BODY} bytes"),
    ))
}

fn encode(response: BackendResponse) -> Response<Full<Bytes>> {
    let body = response.body_bytes();
    let mut out = Response::new(Full::new(body));
    *out.status_mut() = response.status;
    *out.headers_mut() = response.headers;
    out
}
