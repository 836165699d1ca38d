//! Body types and the bounded read used when a rule needs the request body.

use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;

/// Error type of bodies the proxy sends.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A response or upstream-request body: streamed from a peer, or made here.
pub type ProxyBody = http_body_util::Either<Incoming, Full<Bytes>>;

/// A body made by the proxy.
pub fn full(bytes: impl Into<Bytes>) -> ProxyBody {
    http_body_util::Either::Right(Full::new(bytes.into()))
}

/// A streamed body.
pub fn streamed(body: Incoming) -> ProxyBody {
    http_body_util::Either::Left(body)
}

/// Why a body could not be read.
#[derive(Debug)]
pub enum ReadError {
    TooLarge,
    TimedOut,
    /// The client went away or broke the framing.
    Broken(String),
}

/// Reads the whole body, failing once it passes `limit` bytes or `timeout`.
pub async fn read_bounded(
    body: Incoming,
    limit: usize,
    timeout: Duration,
) -> Result<Bytes, ReadError> {
    let limited = Limited::new(body, limit);
    match tokio::time::timeout(timeout, limited.collect()).await {
        Err(_) => Err(ReadError::TimedOut),
        Ok(Ok(collected)) => Ok(collected.to_bytes()),
        Ok(Err(e)) => {
            if e.downcast_ref::<http_body_util::LengthLimitError>()
                .is_some()
            {
                Err(ReadError::TooLarge)
            } else {
                Err(ReadError::Broken(e.to_string()))
            }
        }
    }
}
