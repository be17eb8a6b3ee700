//! A legacy HTTP+SSE (2024-11-05) client: `GET /sse`, the endpoint event, POSTs to it, answers as
//! `message` events.

use std::time::Duration;

use serde_json::{Value, json};

/// Reads server-sent events from a streaming response.
pub struct Events {
    pub response: reqwest::Response,
    pub buffer: String,
}

impl Events {
    /// The next event as (event name, data).
    pub async fn next(&mut self) -> (String, String) {
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let mut name = "message".to_owned();
                let mut data = String::new();
                for line in block.lines() {
                    if let Some(v) = line.strip_prefix("event:") {
                        name = v.trim().to_owned();
                    } else if let Some(v) = line.strip_prefix("data:") {
                        data.push_str(v.trim_start());
                    }
                }
                if !data.is_empty() {
                    return (name, data);
                }
                continue;
            }
            let chunk = tokio::time::timeout(Duration::from_secs(10), self.response.chunk())
                .await
                .expect("an event within 10 s")
                .unwrap()
                .expect("the stream stays open");
            self.buffer.push_str(&String::from_utf8_lossy(&chunk));
        }
    }

    pub async fn next_message(&mut self) -> Value {
        let (name, data) = self.next().await;
        assert_eq!(name, "message");
        serde_json::from_str(&data).unwrap()
    }

    /// Waits (at most 10 s) for the server to end the stream; panics if it does not.
    pub async fn ended(&mut self) {
        tokio::time::timeout(Duration::from_secs(10), async {
            while let Ok(Some(_)) = self.response.chunk().await {}
        })
        .await
        .expect("the server ended the stream within 10 s");
    }
}

/// One open `/sse` stream and the URL its messages go to.
pub struct SseClient {
    pub events: Events,
    pub post_url: String,
    http: reqwest::Client,
}

impl SseClient {
    /// Opens `/sse` with `key`; the stream must open.
    pub async fn open(base: &str, key: &str) -> SseClient {
        let http = reqwest::Client::new();
        let response = http
            .get(format!("{base}/sse"))
            .bearer_auth(key)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let mut events = Events {
            response,
            buffer: String::new(),
        };
        let (name, endpoint) = events.next().await;
        assert_eq!(name, "endpoint");
        SseClient {
            events,
            post_url: format!("{base}{endpoint}"),
            http,
        }
    }

    /// POSTs `message` with `key`; the status.
    pub async fn post(&self, key: &str, message: &Value) -> u16 {
        self.http
            .post(&self.post_url)
            .bearer_auth(key)
            .json(message)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    }

    /// Sends a request and returns its answer from the stream.
    pub async fn request(&mut self, key: &str, message: Value) -> Value {
        assert_eq!(self.post(key, &message).await, 202);
        self.events.next_message().await
    }

    /// `initialize` and `notifications/initialized`.
    pub async fn initialize(&mut self, key: &str) {
        let answer = self
            .request(
                key,
                json!({"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2024-11-05","capabilities":{},"clientInfo":{"name":"old","version":"0"}}}),
            )
            .await;
        assert_eq!(answer["result"]["protocolVersion"], "2024-11-05");
        self.post(
            key,
            &json!({"jsonrpc":"2.0","method":"notifications/initialized"}),
        )
        .await;
    }

    /// The names `tools/list` offers now.
    pub async fn tool_names(&mut self, key: &str) -> Vec<String> {
        let answer = self
            .request(
                key,
                json!({"jsonrpc":"2.0","id":"list","method":"tools/list"}),
            )
            .await;
        answer["result"]["tools"]
            .as_array()
            .unwrap_or_else(|| panic!("{answer}"))
            .iter()
            .map(|t| t["name"].as_str().unwrap().to_owned())
            .collect()
    }
}
