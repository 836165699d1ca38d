//! Body types and the bounded read used when a rule needs the request body.

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;

use super::pool::Lease;

/// Error type of bodies the proxy sends.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A request or response body as the proxy sends it: streamed from a peer,
/// streamed from the upstream on a pooled connection, or made here.
pub enum ProxyBody {
    /// Streamed from the client, untouched.
    Streamed(Incoming),
    /// An upstream response streamed back; its connection returns to the
    /// pool once the body has been read to the end.
    Upstream(UpstreamBody),
    /// Made or re-encoded by the proxy.
    Full(Full<Bytes>),
}

/// A body made by the proxy.
pub fn full(bytes: impl Into<Bytes>) -> ProxyBody {
    ProxyBody::Full(Full::new(bytes.into()))
}

/// A streamed body.
pub fn streamed(body: Incoming) -> ProxyBody {
    ProxyBody::Streamed(body)
}

impl Body for ProxyBody {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        // Every variant is Unpin, so no pin projection is needed.
        match self.get_mut() {
            ProxyBody::Streamed(b) => Pin::new(b).poll_frame(cx).map_err(Into::into),
            ProxyBody::Upstream(b) => Pin::new(b).poll_frame(cx),
            ProxyBody::Full(b) => Pin::new(b).poll_frame(cx).map_err(|never| match never {}),
        }
    }

    fn is_end_stream(&self) -> bool {
        match self {
            ProxyBody::Streamed(b) => b.is_end_stream(),
            ProxyBody::Upstream(b) => b.is_end_stream(),
            ProxyBody::Full(b) => b.is_end_stream(),
        }
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            ProxyBody::Streamed(b) => b.size_hint(),
            ProxyBody::Upstream(b) => b.size_hint(),
            ProxyBody::Full(b) => b.size_hint(),
        }
    }
}

/// An upstream response body and the lease on its connection. The lease is
/// given back when the body ends; a body dropped half-read takes the
/// connection down with it (HTTP/1.1 cannot skip the rest of a response).
pub struct UpstreamBody {
    body: Incoming,
    lease: Option<Lease>,
}

impl UpstreamBody {
    pub fn new(body: Incoming, lease: Lease) -> Self {
        let mut b = UpstreamBody {
            body,
            lease: Some(lease),
        };
        b.release_if_done();
        b
    }

    fn release_if_done(&mut self) {
        if self.body.is_end_stream()
            && let Some(lease) = self.lease.take()
        {
            lease.release();
        }
    }
}

impl Body for UpstreamBody {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.body).poll_frame(cx);
        match &polled {
            Poll::Ready(None) => {
                if let Some(lease) = this.lease.take() {
                    lease.release();
                }
            }
            Poll::Ready(Some(Err(_))) => this.lease = None,
            Poll::Ready(Some(Ok(_))) => this.release_if_done(),
            Poll::Pending => {}
        }
        polled.map_err(Into::into)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
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
pub async fn read_bounded<B>(body: B, limit: usize, timeout: Duration) -> Result<Bytes, ReadError>
where
    B: Body<Data = Bytes>,
    B::Error: Into<BoxError>,
{
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
