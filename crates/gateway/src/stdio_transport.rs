//! Newline-delimited JSON-RPC over a byte stream (stdin/stdout), as an rmcp transport.
//!
//! rmcp's own stdio transport drops lines it cannot parse without a word and answers methods it
//! does not know before `initialize` with "missing _meta" (-32602). Clients deserve better: the
//! official Python client probes with a method the server may not know and waits 10 s unless it
//! gets -32601 at once. So this transport answers, by itself and immediately:
//! - a line that is not JSON: -32700 (parse error), id null;
//! - JSON that is not a JSON-RPC message we accept: -32600 (invalid request), with its id if any;
//! - a line longer than the limit: -32600, after discarding it without buffering it whole;
//! - before `initialize`, a request for a method this server does not implement: -32601.
//!
//! Everything else goes to rmcp unchanged.

use std::sync::Arc;

use rmcp::model::{ClientJsonRpcMessage, ClientRequest, ErrorCode, JsonRpcMessage};
use rmcp::service::{RoleServer, RxJsonRpcMessage, TxJsonRpcMessage};
use rmcp::transport::Transport;
use serde_json::Value;

use crate::jsonrpc::{error_response, parse_client_message};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::sync::Mutex;

/// The largest message accepted; anything longer is refused (tool arguments are small).
pub const MAX_MESSAGE_BYTES: usize = 4 * 1024 * 1024;

pub struct JsonLinesTransport<R, W> {
    reader: BufReader<R>,
    writer: Arc<Mutex<W>>,
    initialized: bool,
}

impl<R: AsyncRead + Unpin + Send, W: AsyncWrite + Unpin + Send + 'static> JsonLinesTransport<R, W> {
    pub fn new(reader: R, writer: W) -> Self {
        JsonLinesTransport {
            reader: BufReader::new(reader),
            writer: Arc::new(Mutex::new(writer)),
            initialized: false,
        }
    }

    /// The next line, or `None` at end of input. A line over the limit is consumed and reported as `TooLong`.
    async fn next_line(&mut self) -> std::io::Result<Option<Line>> {
        let mut line = Vec::new();
        let mut too_long = false;
        loop {
            let buffer = self.reader.fill_buf().await?;
            if buffer.is_empty() {
                return Ok(match (line.is_empty(), too_long) {
                    (true, false) => None,
                    (_, true) => Some(Line::TooLong),
                    (false, false) => Some(Line::Bytes(line)),
                });
            }
            let (chunk, consumed, done) = match buffer.iter().position(|&b| b == b'\n') {
                Some(end) => (&buffer[..end], end + 1, true),
                None => (buffer, buffer.len(), false),
            };
            if !too_long && line.len() + chunk.len() > MAX_MESSAGE_BYTES {
                too_long = true;
                line = Vec::new();
            }
            if !too_long {
                line.extend_from_slice(chunk);
            }
            self.reader.consume(consumed);
            if done {
                return Ok(Some(if too_long {
                    Line::TooLong
                } else {
                    Line::Bytes(line)
                }));
            }
        }
    }

    /// Decides what to do with one line: pass it on, or answer it here.
    fn triage(&mut self, line: &[u8]) -> Triage {
        let text = match std::str::from_utf8(line) {
            Ok(text) => text.trim(),
            Err(_) => {
                return Triage::Answer(error_response(
                    None,
                    ErrorCode::PARSE_ERROR,
                    "Parse error: the message is not valid UTF-8",
                ));
            }
        };
        if text.is_empty() {
            return Triage::Skip;
        }
        let message = match parse_client_message(text.as_bytes()) {
            Ok(message) => message,
            Err(response) => return Triage::Answer(response),
        };
        if let JsonRpcMessage::Request(request) = &message {
            match &request.request {
                ClientRequest::InitializeRequest(_) => self.initialized = true,
                ClientRequest::CustomRequest(custom) if !self.initialized => {
                    return Triage::Answer(error_response(
                        Some(request.id.clone()),
                        ErrorCode::METHOD_NOT_FOUND,
                        format!("Method not found: {}", custom.method),
                    ));
                }
                _ => {}
            }
        }
        Triage::Pass(Box::new(message))
    }
}

enum Line {
    Bytes(Vec<u8>),
    TooLong,
}

enum Triage {
    Pass(Box<ClientJsonRpcMessage>),
    Answer(Value),
    Skip,
}

async fn write_message<W: AsyncWrite + Unpin, M: serde::Serialize>(
    writer: &Mutex<W>,
    message: &M,
) -> std::io::Result<()> {
    let mut line = serde_json::to_vec(message).map_err(std::io::Error::other)?;
    line.push(b'\n');
    let mut writer = writer.lock().await;
    writer.write_all(&line).await?;
    writer.flush().await
}

impl<R, W> Transport<RoleServer> for JsonLinesTransport<R, W>
where
    R: AsyncRead + Unpin + Send + 'static,
    W: AsyncWrite + Unpin + Send + 'static,
{
    type Error = std::io::Error;

    fn send(
        &mut self,
        item: TxJsonRpcMessage<RoleServer>,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send + 'static {
        let writer = self.writer.clone();
        async move { write_message(&writer, &item).await }
    }

    async fn receive(&mut self) -> Option<RxJsonRpcMessage<RoleServer>> {
        loop {
            let line = match self.next_line().await {
                Ok(Some(line)) => line,
                Ok(None) => return None,
                Err(e) => {
                    tracing::warn!(error = %e, "reading stdin failed; closing the session");
                    return None;
                }
            };
            let triage = match line {
                Line::TooLong => Triage::Answer(error_response(
                    None,
                    ErrorCode::INVALID_REQUEST,
                    format!(
                        "Invalid request: the message is larger than {MAX_MESSAGE_BYTES} bytes"
                    ),
                )),
                Line::Bytes(bytes) => self.triage(&bytes),
            };
            match triage {
                Triage::Pass(message) => return Some(*message),
                Triage::Answer(reply) => {
                    tracing::debug!(
                        "answered a malformed or unknown message without passing it on"
                    );
                    let writer = self.writer.clone();
                    let _ = write_message(&writer, &reply).await;
                }
                Triage::Skip => {}
            }
        }
    }

    async fn close(&mut self) -> Result<(), Self::Error> {
        self.writer.lock().await.flush().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, duplex};

    async fn exchange(input: &str) -> (Vec<String>, Vec<Value>) {
        let (mut client_in, server_in) = duplex(1 << 16);
        let (server_out, mut client_out) = duplex(1 << 20);
        let input = input.to_owned();
        tokio::spawn(async move { client_in.write_all(input.as_bytes()).await.unwrap() });
        let mut transport = JsonLinesTransport::new(server_in, server_out);
        let mut passed = Vec::new();
        while let Some(message) = transport.receive().await {
            passed.push(
                serde_json::to_value(&message).unwrap()["method"]
                    .as_str()
                    .unwrap_or("")
                    .to_owned(),
            );
        }
        drop(transport);
        let mut out = String::new();
        client_out.read_to_string(&mut out).await.unwrap();
        (
            passed,
            out.lines()
                .map(|l| serde_json::from_str(l).unwrap())
                .collect(),
        )
    }

    #[tokio::test]
    async fn garbage_gets_a_parse_error_and_the_stream_goes_on() {
        let (passed, replies) =
            exchange("not json\n{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}\n").await;
        assert_eq!(passed, ["ping"]);
        assert_eq!(replies[0]["error"]["code"], -32700);
        assert_eq!(
            replies[0].get("id"),
            Some(&Value::Null),
            "JSON-RPC wants an explicit null id"
        );
    }

    #[tokio::test]
    async fn unknown_methods_before_initialize_get_method_not_found_at_once() {
        let (passed, replies) =
            exchange("{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"server/whatever\"}\n").await;
        assert!(passed.is_empty());
        assert_eq!(replies[0]["error"]["code"], -32601);
        assert_eq!(replies[0]["id"], 7);
    }

    #[tokio::test]
    async fn a_json_value_that_is_not_a_message_is_an_invalid_request_with_its_id() {
        let (_, replies) = exchange(
            "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":7}\n[1,2]\n",
        )
        .await;
        assert_eq!(replies[0]["error"]["code"], -32600);
        assert_eq!(replies[0]["id"], 3);
        assert_eq!(replies[1]["error"]["code"], -32600);
    }

    #[tokio::test]
    async fn an_oversized_line_is_refused_without_killing_the_session() {
        let big = format!("{{\"pad\":\"{}\"}}\n", "x".repeat(MAX_MESSAGE_BYTES + 10));
        let (passed, replies) = exchange(&format!(
            "{big}{{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"ping\"}}\n"
        ))
        .await;
        assert_eq!(passed, ["ping"]);
        assert_eq!(replies[0]["error"]["code"], -32600);
    }

    #[tokio::test]
    async fn invalid_utf8_is_a_parse_error() {
        let (mut client_in, server_in) = duplex(1024);
        let (server_out, mut client_out) = duplex(1024);
        client_in.write_all(b"\xff\xfe\n").await.unwrap();
        drop(client_in);
        let mut transport = JsonLinesTransport::new(server_in, server_out);
        assert!(transport.receive().await.is_none());
        drop(transport);
        let mut out = String::new();
        client_out.read_to_string(&mut out).await.unwrap();
        assert!(out.contains("-32700"));
    }
}
