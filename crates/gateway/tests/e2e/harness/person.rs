//! An MCP client with a person behind it: it declares form elicitation (and, when it can open
//! links, URL elicitation) and answers every question the server asks the same way, remembering
//! the questions.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use rmcp::model::{
    ClientCapabilities, ClientConfig, ElicitRequestParams, ElicitResult, ElicitationAction,
    Implementation, ProtocolVersion,
};
use rmcp::service::{ClientLifecycleMode, ClientServiceExt, RequestContext, RunningService};
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use rmcp::{ClientHandler, ErrorData, RoleClient, ServiceExt};
use serde_json::json;

/// How the person answers.
#[derive(Debug, Clone, Copy)]
pub enum Says {
    Yes,
    /// Submits the form without ticking it.
    Unticked,
    Decline,
    Cancel,
}

/// What the person does with a link the server sends them to (a browser signing in, say).
pub type Opener = Arc<dyn Fn(String) -> Pin<Box<dyn Future<Output = ()> + Send>> + Send + Sync>;

#[derive(Clone)]
pub struct Person {
    says: Says,
    pub asked: Arc<Mutex<Vec<String>>>,
    opener: Option<Opener>,
}

impl Person {
    pub fn saying(says: Says) -> Person {
        Person {
            says,
            asked: Arc::default(),
            opener: None,
        }
    }

    /// Declares URL elicitation too; a URL request is opened with `opener` before the answer.
    pub fn opening_links(mut self, opener: Opener) -> Person {
        self.opener = Some(opener);
        self
    }

    pub fn questions(&self) -> Vec<String> {
        self.asked.lock().unwrap().clone()
    }
}

impl ClientHandler for Person {
    async fn create_elicitation(
        &self,
        request: ElicitRequestParams,
        _context: RequestContext<RoleClient>,
    ) -> Result<ElicitResult, ErrorData> {
        match &request {
            ElicitRequestParams::FormElicitationParams { message, .. } => {
                self.asked.lock().unwrap().push(message.clone());
            }
            ElicitRequestParams::UrlElicitationParams { message, url, .. } => {
                self.asked.lock().unwrap().push(format!("{message} {url}"));
                let Some(open) = &self.opener else {
                    return Err(ErrorData::invalid_request(
                        "this person opens no links",
                        None,
                    ));
                };
                if matches!(self.says, Says::Yes) {
                    open(url.clone()).await;
                }
                return Ok(match self.says {
                    Says::Yes | Says::Unticked => ElicitResult::new(ElicitationAction::Accept),
                    Says::Decline => ElicitResult::new(ElicitationAction::Decline),
                    Says::Cancel => ElicitResult::new(ElicitationAction::Cancel),
                });
            }
            _ => {}
        }
        Ok(match self.says {
            Says::Yes => {
                ElicitResult::new(ElicitationAction::Accept).with_content(json!({"confirm": true}))
            }
            Says::Unticked => {
                ElicitResult::new(ElicitationAction::Accept).with_content(json!({"confirm": false}))
            }
            Says::Decline => ElicitResult::new(ElicitationAction::Decline),
            Says::Cancel => ElicitResult::new(ElicitationAction::Cancel),
        })
    }

    fn get_info(&self) -> ClientConfig {
        let elicitation = if self.opener.is_some() {
            json!({"form": {}, "url": {}})
        } else {
            json!({"form": {}})
        };
        let capabilities: ClientCapabilities =
            serde_json::from_value(json!({ "elicitation": elicitation })).unwrap();
        ClientConfig::new(capabilities, Implementation::new("test-person", "1.0"))
            .with_protocol_version(ProtocolVersion::V_2025_11_25)
    }
}

fn transport(base: &str, key: &str) -> StreamableHttpClientTransport<reqwest::Client> {
    let config =
        StreamableHttpClientTransportConfig::with_uri(format!("{base}/mcp")).auth_header(key);
    StreamableHttpClientTransport::with_client(reqwest::Client::new(), config)
}

/// `person`'s client on `{base}/mcp` in a 2025-11-25 session: the server asks while a call waits.
pub async fn in_session(
    base: &str,
    key: &str,
    person: Person,
) -> RunningService<RoleClient, Person> {
    person
        .serve(transport(base, key))
        .await
        .expect("MCP handshake")
}

/// `person`'s client on 2026-07-28 (`server/discover`, no session): the server answers
/// `input_required` and rmcp's client asks the person and repeats the call.
pub async fn on_2026_07_28(
    base: &str,
    key: &str,
    person: Person,
) -> RunningService<RoleClient, Person> {
    person
        .serve_with_lifecycle(
            transport(base, key),
            ClientLifecycleMode::Discover {
                preferred_versions: vec![ProtocolVersion::V_2026_07_28],
            },
        )
        .await
        .expect("MCP discovery")
}
