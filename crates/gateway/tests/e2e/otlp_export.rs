//! With `[telemetry] otlp_endpoint` set, `serve` exports its spans over OTLP/HTTP: a tool call
//! arrives at the collector as one trace (HTTP request → `tool.call` → the machine-token fetch and
//! the Auth0 request) under the configured service name, carrying no secret; spans still queued at
//! SIGTERM are sent before exit.

use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue, any_value};
use opentelemetry_proto::tonic::trace::v1::Span;
use prost::Message;
use rmcp::model::CallToolRequestParams;

use crate::harness::{CLIENT_SECRET, world};

/// What the collector received: every exported span, with its resource's `service.name`.
#[derive(Default, Clone)]
struct Collector {
    spans: Arc<Mutex<Vec<(String, Span)>>>,
    bodies: Arc<Mutex<Vec<Vec<u8>>>>,
}

async fn start_collector() -> (Collector, String) {
    let collector = Collector::default();
    let received = collector.clone();
    let app = axum::Router::new().route(
        "/v1/traces",
        axum::routing::post(move |body: Bytes| async move {
            let request = ExportTraceServiceRequest::decode(body.as_ref()).expect("OTLP protobuf");
            received.bodies.lock().unwrap().push(body.to_vec());
            for resource in request.resource_spans {
                let service = resource
                    .resource
                    .as_ref()
                    .and_then(|r| text(&r.attributes, "service.name"))
                    .unwrap_or_default();
                for scope in resource.scope_spans {
                    for span in scope.spans {
                        received.spans.lock().unwrap().push((service.clone(), span));
                    }
                }
            }
            // An empty ExportTraceServiceResponse.
            (
                [("content-type", "application/x-protobuf")],
                Vec::<u8>::new(),
            )
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (collector, url)
}

fn text(attributes: &[KeyValue], key: &str) -> Option<String> {
    attributes.iter().find(|kv| kv.key == key).and_then(|kv| {
        match kv.value.as_ref()?.value.as_ref()? {
            any_value::Value::StringValue(s) => Some(s.clone()),
            any_value::Value::IntValue(i) => Some(i.to_string()),
            other => Some(format!(
                "{:?}",
                AnyValue {
                    value: Some(other.clone())
                }
            )),
        }
    })
}

#[tokio::test]
async fn a_stateless_tool_call_is_exported_as_one_trace() {
    tool_call_is_exported_as_one_trace(true).await;
}

#[tokio::test]
async fn a_session_tool_call_is_exported_as_one_trace() {
    tool_call_is_exported_as_one_trace(false).await;
}

async fn tool_call_is_exported_as_one_trace(stateless: bool) {
    let (collector, collector_url) = start_collector().await;
    // Spans below `RUST_LOG` are not exported: the binary's own default.
    let mut builder = world().rust_log("info,rmcp=warn").toml(&format!(
        r#"[telemetry]
otlp_endpoint = "{collector_url}"
service_name = "gateway-under-test""#
    ));
    if stateless {
        builder = builder.stateless();
    }
    let world = builder.build().await;
    let key = world.create_key().await;
    // The SDK batches spans for 5 s: they arrive through the flush at exit.
    let gateway = world.serve().await;

    let client = crate::harness::mcp::client(&gateway.base, &key).await;
    let result = client
        .call_tool(
            CallToolRequestParams::new("auth0_list_users").with_arguments(
                serde_json::json!({"per_page": 5})
                    .as_object()
                    .unwrap()
                    .clone(),
            ),
        )
        .await
        .unwrap();
    assert_ne!(result.is_error, Some(true), "{result:?}");
    client.cancel().await.unwrap();

    let status = gateway.stop().await;
    assert!(status.success(), "{status}");

    let spans = collector.spans.lock().unwrap().clone();
    let tool_call = spans
        .iter()
        .find(|(_, span)| span.name == "tool.call")
        .unwrap_or_else(|| panic!("no tool.call span among {:?}", names(&spans)));
    assert_eq!(tool_call.0, "gateway-under-test");
    let attributes = &tool_call.1.attributes;
    assert_eq!(
        text(attributes, "tool").as_deref(),
        Some("auth0_list_users")
    );
    assert_eq!(text(attributes, "tenant").as_deref(), Some("acme"));
    assert_eq!(text(attributes, "outcome").as_deref(), Some("ok"));
    let http_request = spans
        .iter()
        .find(|(_, span)| span.span_id == tool_call.1.parent_span_id)
        .expect("the tool call sits under its HTTP request's span");
    assert_eq!(http_request.1.name, "request");
    assert_eq!(
        text(&http_request.1.attributes, "path").as_deref(),
        Some("/mcp")
    );
    assert!(
        spans
            .iter()
            .any(|(_, span)| span.name == "auth0.machine_token"
                && span.parent_span_id == tool_call.1.span_id),
        "the machine token fetch is traced under the first call: {:?}",
        names(&spans)
    );

    let upstream = spans
        .iter()
        .find(|(_, span)| {
            span.name == "auth0.request" && span.parent_span_id == tool_call.1.span_id
        })
        .unwrap_or_else(|| {
            panic!(
                "no auth0.request under the tool call among {:?}",
                names(&spans)
            )
        });
    assert_eq!(upstream.1.trace_id, tool_call.1.trace_id);
    assert_eq!(
        text(&upstream.1.attributes, "path").as_deref(),
        Some("/api/v2/users")
    );
    assert_eq!(
        text(&upstream.1.attributes, "status").as_deref(),
        Some("200")
    );

    let exported = collector.bodies.lock().unwrap().concat();
    for secret in [key.as_str(), CLIENT_SECRET] {
        assert!(
            !contains(&exported, secret.as_bytes()),
            "an exported span carries a secret"
        );
    }
    assert!(
        !contains(&exported, b"eyJ"),
        "an exported span carries a JWT"
    );
}

fn names(spans: &[(String, Span)]) -> Vec<&str> {
    spans.iter().map(|(_, s)| s.name.as_str()).collect()
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}
