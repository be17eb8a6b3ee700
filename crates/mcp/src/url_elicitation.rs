//! Sending the person behind a client to one of the gateway's pages (to sign in again with MFA
//! for `step_up`, or to consent to more scopes): the gateway cannot watch what happens there from
//! the MCP session, so it hands out the link and looks again when the call is repeated. How the
//! link reaches the person depends on the client: URL-mode elicitation (the -32042 error up to
//! 2025-11-25, an `input_required` URL request on 2026-07-28), or else the tool result, for the
//! model to pass on.

use rmcp::model::{
    CallToolRequestParams, ElicitRequest, ElicitRequestParams, ErrorCode, InputRequest,
    InputRequiredResult, InputResponses, ProtocolVersion,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData, RoleServer};
use serde_json::{Value, json};

/// The JSON-RPC error a 2025-11-25 server answers when the user must first visit a URL.
const URL_ELICITATION_REQUIRED: ErrorCode = ErrorCode(-32042);

/// How this request's client can send its person to a link.
pub(crate) enum Links {
    /// 2026-07-28 with URL elicitation declared: an `input_required` URL request; a repeat
    /// carries the person's answers and the sealed state.
    RoundTrip {
        answers: Option<InputResponses>,
        state: Option<String>,
    },
    /// URL elicitation declared, before 2026-07-28: the -32042 error carrying the URL.
    UrlError,
    /// Neither: the link goes in the tool result.
    InResult,
}

impl Links {
    pub(crate) fn of(
        context: &RequestContext<RoleServer>,
        request: &CallToolRequestParams,
    ) -> Links {
        let urls = context
            .client_capabilities()
            .and_then(|c| c.elicitation)
            .is_some_and(|modes| modes.url.is_some());
        if !urls {
            return Links::InResult;
        }
        if context
            .protocol_version()
            .is_some_and(|v| v >= ProtocolVersion::V_2026_07_28)
        {
            Links::RoundTrip {
                answers: request.input_responses.clone(),
                state: request.request_state.clone(),
            }
        } else {
            Links::UrlError
        }
    }

    /// On a repeated 2026-07-28 call: the person's answer to the URL request under `key`.
    pub(crate) fn answer(&self, key: &str) -> Option<&Value> {
        match self {
            Links::RoundTrip {
                answers: Some(answers),
                ..
            } => answers.get(key),
            _ => None,
        }
    }
}

/// A page the person is asked to open: what they read, where, and the id their client tracks
/// the elicitation by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UrlAsk {
    pub message: String,
    pub url: String,
    pub elicitation_id: String,
}

impl std::fmt::Display for UrlAsk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} Open {}", self.message, self.url)
    }
}

fn url_request(ask: &UrlAsk) -> ElicitRequestParams {
    ElicitRequestParams::UrlElicitationParams {
        meta: None,
        message: ask.message.clone(),
        url: ask.url.clone(),
        elicitation_id: ask.elicitation_id.clone(),
    }
}

/// The -32042 error for `ask` (MCP 2025-11-25, "URL elicitation required").
pub(crate) fn url_required_error(ask: &UrlAsk) -> ErrorData {
    let request = serde_json::to_value(url_request(ask)).expect("plain data serialises");
    ErrorData::new(
        URL_ELICITATION_REQUIRED,
        ask.message.clone(),
        Some(json!({ "elicitations": [request] })),
    )
}

/// The 2026-07-28 answer asking the client to send its person to `ask` (answered under `key`)
/// and repeat the call, carrying `state` back when there is one.
pub(crate) fn input_required(
    key: &str,
    ask: &UrlAsk,
    state: Option<String>,
) -> InputRequiredResult {
    let mut requests = rmcp::model::InputRequests::new();
    requests.insert(
        key.to_owned(),
        InputRequest::Elicitation(ElicitRequest::new(url_request(ask))),
    );
    InputRequiredResult::new(Some(requests), state)
}
