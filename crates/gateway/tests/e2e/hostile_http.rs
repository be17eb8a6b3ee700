//! Hostile HTTP input gets a 4xx or a closed connection, never takes the process down, and leaves
//! the gateway serving: headers sent a byte at a time (slowloris: closed), a connection that sends
//! nothing, part of a request line or part of an HTTP/2 preface (closed), HTTP/2 with prior
//! knowledge (not spoken: closed), an idle keep-alive connection (closed), more idle sockets than
//! the connection cap (all closed in turn, /healthz still answers), a body that stalls (408), a
//! flood of header fields (431), an oversized body (413), deeply nested JSON and bytes that are
//! not UTF-8 (a parse error).

use std::time::Duration;

use mcp_gateway::http::listener::Limits;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::harness::world;

const SHORT: Limits = Limits {
    header_read: Duration::from_millis(500),
    body_read: Duration::from_millis(500),
    max_connections: 512,
};

/// Everything the server sends until it closes the connection (at most `within`).
async fn read_until_closed(stream: &mut TcpStream, within: Duration) -> Vec<u8> {
    let mut received = Vec::new();
    let mut buffer = [0u8; 4096];
    tokio::time::timeout(within, async {
        loop {
            match stream.read(&mut buffer).await {
                Ok(0) | Err(_) => break,
                Ok(n) => received.extend_from_slice(&buffer[..n]),
            }
        }
    })
    .await
    .expect("the server closed the connection in time");
    received
}

fn authority(base: &str) -> &str {
    base.trim_start_matches("http://")
}

/// A raw POST /mcp with `body`, as bytes on the wire.
fn post(base: &str, key: &str, body: &[u8]) -> Vec<u8> {
    let mut request = format!(
        "POST /mcp HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {key}\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        authority(base),
        body.len()
    )
    .into_bytes();
    request.extend_from_slice(body);
    request
}

async fn send(base: &str, bytes: &[u8]) -> String {
    let mut stream = TcpStream::connect(authority(base)).await.unwrap();
    stream.write_all(bytes).await.unwrap();
    String::from_utf8_lossy(&read_until_closed(&mut stream, Duration::from_secs(10)).await)
        .into_owned()
}

fn status(response: &str) -> u16 {
    response
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP answer: {response:?}"))
}

async fn still_serving(base: &str) {
    let health = reqwest::get(format!("{base}/healthz")).await.unwrap();
    assert_eq!(health.status(), 200, "the gateway stopped serving");
}

#[tokio::test]
async fn headers_sent_too_slowly_get_the_connection_closed() {
    let (_world, gateway) = world().limits(SHORT).in_process().await;
    let mut stream = TcpStream::connect(authority(&gateway.base)).await.unwrap();
    stream
        .write_all(b"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        .await
        .unwrap();
    let mut sent_for = Duration::ZERO;
    // One byte every 100 ms, never finishing the headers.
    let closed = loop {
        tokio::time::sleep(Duration::from_millis(100)).await;
        sent_for += Duration::from_millis(100);
        if stream.write_all(b"a").await.is_err() || sent_for > Duration::from_secs(5) {
            break read_until_closed(&mut stream, Duration::from_secs(5)).await;
        }
        let mut probe = [0u8; 1024];
        if let Ok(Ok(n)) =
            tokio::time::timeout(Duration::from_millis(1), stream.read(&mut probe)).await
        {
            break probe[..n].to_vec();
        }
    };
    assert!(
        sent_for < Duration::from_secs(3),
        "the connection stayed open for {sent_for:?} of trickled headers"
    );
    let answer = String::from_utf8_lossy(&closed);
    assert!(
        answer.is_empty() || status(&answer) == 408,
        "closed with {answer:?}"
    );
    still_serving(&gateway.base).await;
    gateway.stop().await;
}

/// Opens a connection, sends `bytes` (maybe none) and nothing more; returns what the server sent
/// before closing it. Panics if it is still open after 5 s (the header deadline is 0.5 s).
async fn sent_then_silent(base: &str, bytes: &[u8]) -> String {
    let mut stream = TcpStream::connect(authority(base)).await.unwrap();
    stream.write_all(bytes).await.unwrap();
    String::from_utf8_lossy(&read_until_closed(&mut stream, Duration::from_secs(5)).await)
        .into_owned()
}

/// Closed with nothing, or with an HTTP/1 error answer (never an HTTP/2 frame).
fn closed_without_serving(answer: &str) {
    assert!(
        answer.is_empty() || answer.starts_with("HTTP/1.1 4") || answer.starts_with("HTTP/1.1 5"),
        "closed with {answer:?}"
    );
}

#[tokio::test]
async fn idle_connections_are_closed_a_socket_that_sends_nothing() {
    let (_world, gateway) = world().limits(SHORT).in_process().await;
    closed_without_serving(&sent_then_silent(&gateway.base, b"").await);
    still_serving(&gateway.base).await;
    gateway.stop().await;
}

#[tokio::test]
async fn idle_connections_are_closed_a_partial_http2_preface() {
    let (_world, gateway) = world().limits(SHORT).in_process().await;
    closed_without_serving(&sent_then_silent(&gateway.base, b"PRI * HTTP/2.0\r\n").await);
    still_serving(&gateway.base).await;
    gateway.stop().await;
}

#[tokio::test]
async fn idle_connections_are_closed_http2_prior_knowledge_is_not_spoken() {
    let (_world, gateway) = world().limits(SHORT).in_process().await;
    // The whole preface and an empty SETTINGS frame: an h2c server would answer with its own
    // SETTINGS and keep the connection open for as long as the client likes.
    let mut hello = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".to_vec();
    hello.extend_from_slice(&[0, 0, 0, 4, 0, 0, 0, 0, 0]);
    closed_without_serving(&sent_then_silent(&gateway.base, &hello).await);
    still_serving(&gateway.base).await;
    gateway.stop().await;
}

#[tokio::test]
async fn idle_connections_are_closed_a_partial_request_line() {
    let (_world, gateway) = world().limits(SHORT).in_process().await;
    closed_without_serving(&sent_then_silent(&gateway.base, b"GET /hea").await);
    still_serving(&gateway.base).await;
    gateway.stop().await;
}

#[tokio::test]
async fn idle_connections_are_closed_between_keep_alive_requests() {
    let (_world, gateway) = world().limits(SHORT).in_process().await;
    let request = format!(
        "GET /healthz HTTP/1.1\r\nHost: {}\r\n\r\n",
        authority(&gateway.base)
    );
    // One answered request, then silence on the kept-alive connection until the server closes it.
    let answer = sent_then_silent(&gateway.base, request.as_bytes()).await;
    assert_eq!(status(&answer), 200, "{answer}");
    assert!(answer.ends_with("ok"), "{answer}");
    gateway.stop().await;
}

#[tokio::test]
async fn idle_connections_are_closed_beyond_the_cap_and_healthz_still_answers() {
    let limits = Limits {
        max_connections: 4,
        ..SHORT
    };
    let (_world, gateway) = world().limits(limits).in_process().await;
    // Five times the cap of sockets that send nothing: the first four are served (and closed at
    // their header deadline), the rest wait in the accept queue and are served in turn.
    let mut idle = Vec::new();
    for _ in 0..20 {
        idle.push(TcpStream::connect(authority(&gateway.base)).await.unwrap());
    }
    let health = reqwest::Client::new()
        .get(format!("{}/healthz", gateway.base))
        .timeout(Duration::from_secs(30))
        .send()
        .await
        .expect("/healthz answers behind the idle sockets");
    assert_eq!(health.status(), 200);
    for mut socket in idle {
        let left = read_until_closed(&mut socket, Duration::from_secs(30)).await;
        assert!(left.is_empty() || status(&String::from_utf8_lossy(&left)) == 408);
    }
    gateway.stop().await;
}

#[tokio::test]
async fn a_body_that_stalls_fails_the_request() {
    let (_world, gateway) = world().limits(SHORT).in_process().await;
    let key = gateway.key("openid,read:users").await;
    let body = br#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"raw","version":"0"}}}"#;
    let request = post(&gateway.base, key.expose_secret(), body);
    // The headers and the body's first 10 bytes; the rest never comes.
    let head = &request[..request.len() - body.len() + 10];
    let mut stream = TcpStream::connect(authority(&gateway.base)).await.unwrap();
    stream.write_all(head).await.unwrap();
    let answer = read_until_closed(&mut stream, Duration::from_secs(5)).await;
    let answer = String::from_utf8_lossy(&answer);
    assert_eq!(status(&answer), 408, "a stalled body got {answer:?}");
    still_serving(&gateway.base).await;
    gateway.stop().await;
}

#[tokio::test]
async fn a_flood_of_header_fields_is_refused_with_431() {
    let (_world, gateway) = world().in_process().await;
    let mut request = format!(
        "GET /healthz HTTP/1.1\r\nHost: {}\r\n",
        authority(&gateway.base)
    );
    for i in 0..500 {
        request.push_str(&format!("X-Flood-{i}: {i}\r\n"));
    }
    request.push_str("Connection: close\r\n\r\n");
    let answer = send(&gateway.base, request.as_bytes()).await;
    assert_eq!(status(&answer), 431, "{answer}");
    still_serving(&gateway.base).await;
    gateway.stop().await;
}

#[tokio::test]
async fn an_oversized_body_is_refused_with_413_and_not_read() {
    let (_world, gateway) = world().in_process().await;
    let key = gateway.key("openid,read:users").await;
    let mut body = br#"{"jsonrpc":"2.0","id":1,"method":"ping","params":{"pad":""#.to_vec();
    body.extend(std::iter::repeat_n(b'x', 3 * 1024 * 1024));
    body.extend_from_slice(br#""}}"#);
    let answer = send(
        &gateway.base,
        &post(&gateway.base, key.expose_secret(), &body),
    )
    .await;
    assert_eq!(status(&answer), 413, "{}", &answer[..answer.len().min(300)]);
    still_serving(&gateway.base).await;
    gateway.stop().await;
}

#[tokio::test]
async fn deeply_nested_json_and_invalid_utf8_get_a_client_error() {
    let (_world, gateway) = world().stateless().in_process().await;
    let key = gateway.key("openid,read:users").await;

    // 100,000 levels: serde_json stops at 128, so this is a parse error, not a stack overflow.
    let depth = 100_000;
    let mut nested = br#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"auth0_get_user","arguments":{"user_id":"#.to_vec();
    nested.extend(std::iter::repeat_n(b'[', depth));
    nested.extend(std::iter::repeat_n(b']', depth));
    nested.extend_from_slice(b"}}}");
    let answer = send(
        &gateway.base,
        &post(&gateway.base, key.expose_secret(), &nested),
    )
    .await;
    assert_client_error_or_jsonrpc_error(&answer);

    let mut not_utf8 = br#"{"jsonrpc":"2.0","id":1,"method":"ping","params":{"x":""#.to_vec();
    not_utf8.extend_from_slice(&[0xff, 0xfe, 0xc3, 0x28]);
    not_utf8.extend_from_slice(br#""}}"#);
    let answer = send(
        &gateway.base,
        &post(&gateway.base, key.expose_secret(), &not_utf8),
    )
    .await;
    assert_client_error_or_jsonrpc_error(&answer);

    still_serving(&gateway.base).await;
    gateway.stop().await;
}

/// A 4xx, or a 200 carrying a JSON-RPC error (parse error) and no result.
fn assert_client_error_or_jsonrpc_error(answer: &str) {
    let code = status(answer);
    if (400..500).contains(&code) {
        return;
    }
    assert_eq!(code, 200, "{}", &answer[..answer.len().min(300)]);
    let body = answer.split("\r\n\r\n").nth(1).unwrap_or_default();
    assert!(
        body.contains("\"error\"") && !body.contains("\"result\""),
        "accepted: {}",
        &body[..body.len().min(300)]
    );
}
