//! A loopback receiver of the gateway's approval notices, checking each one's signature.

use std::sync::{Arc, Mutex};

use serde_json::Value;

use super::WEBHOOK_SECRET;

/// What a loopback receiver of approval notices heard: each notice's event, body, and whether
/// its signature checked out.
pub type Heard = Arc<Mutex<Vec<(String, Value, bool)>>>;

pub async fn webhook_receiver() -> (url::Url, Heard) {
    let heard = Heard::default();
    let record = heard.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(
            move |headers: axum::http::HeaderMap, body: axum::body::Bytes| async move {
                let header = |name: &str| headers[name].to_str().unwrap().to_owned();
                let signed = mcp_gateway::approval_webhook::verify_signature(
                    WEBHOOK_SECRET.as_bytes(),
                    &header("x-gateway-timestamp"),
                    &body,
                    &header("x-gateway-signature"),
                );
                record.lock().unwrap().push((
                    header("x-gateway-event"),
                    serde_json::from_slice(&body).unwrap(),
                    signed,
                ));
                axum::http::StatusCode::NO_CONTENT
            },
        ),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url.parse().unwrap(), heard)
}
