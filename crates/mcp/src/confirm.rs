//! `confirm`: the person at the client says yes to this exact call, through MCP elicitation.
//! In a session (protocol up to 2025-11-25) the gateway asks while the call waits; on 2026-07-28
//! it answers `input_required` with a sealed `requestState`, and the repeated call carries the
//! answer. Either way the answer is bound to this caller, tool and canonical arguments.

use std::time::Duration;

use rmcp::model::{
    CallToolRequestParams, ClientResult, ElicitRequest, ElicitRequestParams, ElicitResult,
    ElicitationAction, ElicitationSchema, InputRequest, InputRequiredResult, ProtocolVersion,
    ServerRequest,
};
use rmcp::service::{PeerRequestOptions, RequestContext};
use rmcp::{Peer, RoleServer};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio_util::sync::CancellationToken;

use crate::error::ToolError;

/// The key under which the form travels in `inputRequests` / `inputResponses`.
pub(crate) const INPUT_KEY: &str = "confirm";
/// The longest a call waits for its person in a session.
const SESSION_WAIT: Duration = Duration::from_secs(300);

/// How this request's client can ask its person.
pub(crate) enum Channel {
    /// A session on 2025-11-25 or earlier whose client declared form elicitation: ask now.
    InSession(Peer<RoleServer>, CancellationToken),
    /// 2026-07-28 with form elicitation declared: the answer (if any) this repeat carries.
    RoundTrip {
        answer: Option<Value>,
        state: Option<String>,
    },
    /// The client cannot ask; why, for the model.
    Unavailable(&'static str),
}

impl Channel {
    pub(crate) fn of(
        context: &RequestContext<RoleServer>,
        request: &CallToolRequestParams,
        sessions: bool,
    ) -> Channel {
        let form = match context.client_capabilities().and_then(|c| c.elicitation) {
            None => false,
            // `"elicitation": {}` means form only.
            Some(modes) => modes.form.is_some() || modes.url.is_none(),
        };
        if !form {
            return Channel::Unavailable(
                "this client did not declare MCP form elicitation, so the gateway cannot ask its user",
            );
        }
        if context
            .protocol_version()
            .is_some_and(|v| v >= ProtocolVersion::V_2026_07_28)
        {
            return Channel::RoundTrip {
                answer: request
                    .input_responses
                    .as_ref()
                    .and_then(|answers| answers.get(INPUT_KEY))
                    .cloned(),
                state: request.request_state.clone(),
            };
        }
        if sessions {
            Channel::InSession(context.peer.clone(), context.ct.clone())
        } else {
            Channel::Unavailable(
                "the gateway serves this endpoint without sessions, and before protocol 2026-07-28 a question to the user needs one",
            )
        }
    }
}

/// What the person said.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Answer {
    Yes,
    No,
    Cancelled,
}

/// The question, naming the call exactly.
pub(crate) fn form(tool: &str, rule: &str, shown: &Value) -> ElicitRequestParams {
    let schema = ElicitationSchema::builder()
        .required_bool(INPUT_KEY)
        .description("Tick to run the call exactly as shown.")
        .build_unchecked();
    ElicitRequestParams::FormElicitationParams {
        meta: None,
        message: format!(
            "Run {tool} with {shown}? The tenant's policy (rule `{rule}`) asks you to confirm this call."
        ),
        requested_schema: schema,
    }
}

fn answer_of(result: &ElicitResult) -> Answer {
    match result.action {
        ElicitationAction::Accept
            if result
                .content
                .as_ref()
                .and_then(|c| c.get(INPUT_KEY))
                .and_then(Value::as_bool)
                == Some(true) =>
        {
            Answer::Yes
        }
        ElicitationAction::Accept | ElicitationAction::Decline => Answer::No,
        _ => Answer::Cancelled,
    }
}

/// Reads an `inputResponses` entry; `None` when it is not an elicitation result.
pub(crate) fn answer_in(value: &Value) -> Option<Answer> {
    serde_json::from_value::<ElicitResult>(value.clone())
        .ok()
        .map(|r| answer_of(&r))
}

/// Asks in the session and waits (bounded) for the answer; a client that goes away or never
/// answers counts as a cancel.
pub(crate) async fn ask_in_session(
    peer: &Peer<RoleServer>,
    cancelled: &CancellationToken,
    params: ElicitRequestParams,
) -> Result<Answer, ToolError> {
    let options = PeerRequestOptions::with_timeout(SESSION_WAIT);
    let asked = async {
        peer.send_request_with_option(
            ServerRequest::ElicitRequest(ElicitRequest::new(params)),
            options,
        )
        .await?
        .await_response()
        .await
    };
    let answered = tokio::select! {
        answered = asked => answered,
        () = cancelled.cancelled() => return Ok(Answer::Cancelled),
    };
    match answered {
        Ok(ClientResult::ElicitResult(result)) => Ok(answer_of(&result)),
        Ok(_) => Err(ToolError::Rejected(
            "The client answered the confirmation with something other than an elicitation result. Nothing was changed.".to_owned(),
        )),
        Err(rmcp::ServiceError::Timeout { .. }) => Ok(Answer::Cancelled),
        Err(error) => {
            tracing::info!(%error, "a confirmation was not answered");
            Ok(Answer::Cancelled)
        }
    }
}

/// The input-required answer asking for the confirmation, with its sealed state.
pub(crate) fn input_required(params: ElicitRequestParams, state: String) -> InputRequiredResult {
    let mut requests = rmcp::model::InputRequests::new();
    requests.insert(
        INPUT_KEY.to_owned(),
        InputRequest::Elicitation(ElicitRequest::new(params)),
    );
    InputRequiredResult::new(Some(requests), Some(state))
}

/// Seals `state` for the client to carry back with its repeat.
pub(crate) fn seal_state(
    requests: &dyn crate::policy_gate::PolicyRequests,
    tool: &str,
    state: &State,
) -> Result<String, ToolError> {
    let payload = serde_json::to_vec(state).expect("plain data serialises");
    requests.seal(&payload).ok_or_else(|| {
        ToolError::Internal(format!(
            "{tool} needs its person, and this gateway has no key to seal the request state with ([store] encryption_key_env); nothing was changed"
        ))
    })
}

/// What a sealed `requestState` binds: the stored request and the exact call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct State {
    pub request: String,
    pub tenant: String,
    pub requester: String,
    pub tool: String,
    pub call_hash: String,
    /// Unix seconds.
    pub expires_at: i64,
}

impl State {
    /// The state of stored request `request`, bound to exactly the call `key` names.
    pub(crate) fn bound(
        request: String,
        key: &crate::policy_gate::CallKey<'_>,
        expires_at: i64,
    ) -> State {
        State {
            request,
            tenant: key.tenant.to_owned(),
            requester: key.requester.to_owned(),
            tool: key.tool.to_owned(),
            call_hash: key.call_hash.to_owned(),
            expires_at,
        }
    }
}
