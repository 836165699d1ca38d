//! The cost floor of a hyper-based pass-through proxy, for `bench/run.sh`.
//!
//! A bare HTTP/1.1 reverse proxy with nothing of scimshim's: no rules, no
//! header hygiene, no timeout, no logging, no HTTP/2 detection, a single
//! current-thread runtime. It answers "how fast can anything built on hyper
//! 1.x and tokio go here?", so scimshim's figures can be read against both
//! nginx and this floor. Not part of the product.
//!
//! `cargo run --release --example hyper_floor -- 127.0.0.1:LISTEN 127.0.0.1:UPSTREAM`

use std::convert::Infallible;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http_body_util::{Either, Empty};
use hyper::body::Incoming;
use hyper::client::conn::http1::SendRequest;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpStream};

type Idle = Arc<Mutex<Vec<SendRequest<Incoming>>>>;
type Body = Either<Incoming, Empty<Bytes>>;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(listen), Some(upstream)) = (args.next(), args.next()) else {
        return Err("usage: hyper_floor LISTEN_ADDR UPSTREAM_ADDR".into());
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let listener = TcpListener::bind(&listen).await?;
        let idle: Idle = Arc::default();
        let upstream: Arc<str> = upstream.into();
        loop {
            let (stream, _) = listener.accept().await?;
            let _ = stream.set_nodelay(true);
            let (idle, upstream) = (idle.clone(), upstream.clone());
            tokio::spawn(async move {
                let svc = service_fn(move |req| forward(req, idle.clone(), upstream.clone()));
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), svc)
                    .await;
            });
        }
    })
}

async fn forward(
    req: Request<Incoming>,
    idle: Idle,
    upstream: Arc<str>,
) -> Result<Response<Body>, Infallible> {
    let popped = idle.lock().ok().and_then(|mut v| v.pop());
    let mut sender = match popped {
        Some(s) => s,
        None => match connect(&upstream).await {
            Some(s) => s,
            None => return Ok(bad_gateway()),
        },
    };
    if sender.ready().await.is_err() {
        match connect(&upstream).await {
            Some(s) => sender = s,
            None => return Ok(bad_gateway()),
        }
    }
    let resp = sender.send_request(req).await;
    // Back on the stack at once: the next checkout waits for it to be ready.
    if let Ok(mut v) = idle.lock() {
        v.push(sender);
    }
    Ok(resp.map_or_else(|_| bad_gateway(), |r| r.map(Either::Left)))
}

async fn connect(upstream: &str) -> Option<SendRequest<Incoming>> {
    let stream = TcpStream::connect(upstream).await.ok()?;
    let _ = stream.set_nodelay(true);
    let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .ok()?;
    tokio::spawn(conn);
    Some(sender)
}

fn bad_gateway() -> Response<Body> {
    let mut r = Response::new(Either::Right(Empty::new()));
    *r.status_mut() = hyper::StatusCode::BAD_GATEWAY;
    r
}
