//! A small HTTP client for tests (HTTP/1.1, or HTTP/2 with prior knowledge).

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde_json::Value;

/// A response, fully read.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: http::HeaderMap,
    pub body: Bytes,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "body is not JSON ({e}): {}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }
    /// Asserts the status; on failure the message shows the body.
    #[track_caller]
    pub fn assert_status(&self, status: u16) {
        assert_eq!(
            self.status,
            status,
            "body: {}",
            String::from_utf8_lossy(&self.body)
        );
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// Sends one request over HTTP/1.1.
pub async fn send(method: &str, url: &str, headers: &[(&str, &str)], body: Option<&str>) -> Reply {
    send_with(
        false,
        method,
        url,
        headers,
        body.map(|b| b.as_bytes().to_vec()),
    )
    .await
}

/// Sends one request over HTTP/2 with prior knowledge (h2c).
pub async fn send_h2(
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
) -> Reply {
    send_with(
        true,
        method,
        url,
        headers,
        body.map(|b| b.as_bytes().to_vec()),
    )
    .await
}

pub async fn send_with(
    h2: bool,
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: Option<Vec<u8>>,
) -> Reply {
    let mut builder = Client::builder(TokioExecutor::new());
    builder.http2_only(h2);
    let client: Client<_, Full<Bytes>> = builder.build_http();
    send_on_with(&client, method, url, headers, body).await
}

/// A client that keeps its connections to the proxy alive between requests.
pub type KeepAlive = Client<hyper_util::client::legacy::connect::HttpConnector, Full<Bytes>>;

pub fn keep_alive() -> KeepAlive {
    Client::builder(TokioExecutor::new()).build_http()
}

/// Sends one request on `client`, reusing its connections.
pub async fn send_on(client: &KeepAlive, method: &str, url: &str, body: Option<&str>) -> Reply {
    send_on_with(
        client,
        method,
        url,
        &[],
        body.map(|b| b.as_bytes().to_vec()),
    )
    .await
}

async fn send_on_with(
    client: &KeepAlive,
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: Option<Vec<u8>>,
) -> Reply {
    let mut req = http::Request::builder().method(method).uri(url);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let req = req
        .body(Full::new(Bytes::from(body.unwrap_or_default())))
        .expect("request");
    let resp = tokio::time::timeout(std::time::Duration::from_secs(30), client.request(req))
        .await
        .expect("response within 30 s")
        .expect("request sent");
    let (parts, body) = resp.into_parts();
    let body = body.collect().await.expect("body").to_bytes();
    Reply {
        status: parts.status.as_u16(),
        headers: parts.headers,
        body,
    }
}

/// Writes raw bytes on a fresh connection and returns everything read until the
/// peer closes (send `Connection: close`).
pub async fn raw(addr: std::net::SocketAddr, request: &[u8]) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    stream.write_all(request).await.expect("write");
    let mut out = Vec::new();
    let _ = tokio::time::timeout(
        std::time::Duration::from_secs(30),
        stream.read_to_end(&mut out),
    )
    .await;
    String::from_utf8_lossy(&out).into_owned()
}

/// Writes raw bytes on a fresh connection, reads until at least `n` bytes have
/// arrived (or the peer closes), then drops the connection.
pub async fn raw_prefix(addr: std::net::SocketAddr, request: &[u8], n: usize) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    stream.write_all(request).await.expect("write");
    let mut out = Vec::new();
    let mut chunk = vec![0u8; 16 * 1024];
    let _ = tokio::time::timeout(std::time::Duration::from_secs(30), async {
        while out.len() < n {
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => break,
                Ok(k) => out.extend_from_slice(&chunk[..k]),
            }
        }
    })
    .await;
    String::from_utf8_lossy(&out).into_owned()
}
