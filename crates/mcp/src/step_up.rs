//! `step_up`: the caller's user signs in again at the tenant's Auth0, with MFA, before the call
//! runs. The gateway hands out a link (the request's page, where the sign-in happens and is
//! checked; see `url_elicitation.rs` for how it reaches the person) and, when the call is
//! repeated, looks in the store for a step-up that still counts.

use rmcp::model::{ElicitResult, ElicitationAction};
use serde_json::Value;

use crate::catalog::ToolDef;
use crate::confirm;
use crate::error::ToolError;
use crate::policy_gate::{self, Asks, NewRequest, PersonLink, PolicyNote, RequestKind};
use crate::server::Caller;
use crate::url_elicitation::{self, Links};

/// The key under which the URL request travels in `inputRequests` / `inputResponses`.
const INPUT_KEY: &str = "step_up";
/// How long a step-up link stays good: a sign-in with MFA takes minutes, not hours.
const LINK_SECS: i64 = 15 * 60;

impl Caller {
    /// Runs the call only when its user has a step-up that still counts; else sends them to
    /// sign in again, through whatever their client can do.
    pub(crate) async fn stepped_up(
        &self,
        tool: &'static ToolDef,
        arguments: &Value,
        rule: &gw_policy::Rule,
        links: Links,
        note: &mut PolicyNote,
    ) -> Result<(), ToolError> {
        let requests = self.requests_for(tool.name)?;
        let Some(user_id) = self.principal.user_id.as_deref() else {
            return Err(ToolError::PolicyDenied {
                tool: tool.name.to_owned(),
                rule: rule.name.clone(),
                reason: "its user must sign in again with MFA first, and this caller has no Auth0 user to sign in as".to_owned(),
            });
        };
        let fail = |error| policy_gate::store_failed(tool.name, error);
        let hash = gw_policy::call_hash(tool.name, arguments);
        let key = self.call_key(tool.name, &hash);
        // The request of a step-up finished for this very call is retired here, so once the
        // step-up lapses the next call gets a fresh link rather than a finished page.
        let finished = requests.consume_approved(&key).await.map_err(fail)?;
        if requests
            .step_up_valid(key.tenant, user_id)
            .await
            .map_err(fail)?
        {
            note.request_id = finished.map(|request| request.id);
            note.approvers = vec![
                self.principal
                    .email
                    .clone()
                    .unwrap_or_else(|| user_id.to_owned()),
            ];
            return Ok(());
        }
        if let (
            Some(answer),
            Links::RoundTrip {
                state: Some(state), ..
            },
        ) = (links.answer(INPUT_KEY), &links)
        {
            let state = self.open_state(requests, state, &key)?;
            note.request_id = Some(state.request);
            let action = serde_json::from_value::<ElicitResult>(answer.clone())
                .map_err(|_| {
                    ToolError::InvalidArguments(format!(
                        "`inputResponses.{INPUT_KEY}` is not an elicitation result"
                    ))
                })?
                .action;
            if action != ElicitationAction::Accept {
                return Err(ToolError::Declined {
                    tool: tool.name.to_owned(),
                    rule: rule.name.clone(),
                    cancelled: action == ElicitationAction::Cancel,
                });
            }
            // Accepted, but the sign-in has not (yet) counted: ask again, below.
        }
        let request = requests
            .create(NewRequest {
                kind: RequestKind::StepUp,
                key,
                rule: &rule.name,
                principal: &self.principal,
                client_name: self.origin.client_name.as_deref(),
                arguments_shown: self.shown_arguments(arguments),
                approvers: Vec::new(),
                required: 1,
                ttl_secs: LINK_SECS,
            })
            .await
            .map_err(fail)?;
        note.request_id = Some(request.id.clone());
        let Some(url) = request.url else {
            return Err(ToolError::Internal(format!(
                "{} needs its user to sign in again, and this gateway has no public URL to send them to; nothing was changed",
                tool.name
            )));
        };
        let link = PersonLink {
            tool: tool.name.to_owned(),
            rule: rule.name.clone(),
            request_id: request.id.clone(),
            url,
            expires_at: request.expires_at,
            asks: Asks::StepUp {
                lasts_minutes: requests.step_up_lasts().as_secs() / 60,
            },
        };
        match links {
            Links::RoundTrip { .. } => {
                let state = confirm::State::bound(request.id, &key, request.expires_at);
                let sealed = confirm::seal_state(requests, tool.name, &state)?;
                Err(ToolError::InputRequired {
                    tool: tool.name.to_owned(),
                    result: Box::new(url_elicitation::input_required(
                        INPUT_KEY,
                        &link.ask(),
                        Some(sealed),
                    )),
                    waits: crate::audit::Outcome::AwaitingStepUp,
                })
            }
            Links::UrlError => Err(ToolError::UrlElicitationRequired {
                ask: Box::new(link.ask()),
                waits: crate::audit::Outcome::AwaitingStepUp,
            }),
            Links::InResult => Err(ToolError::OpenLink(Box::new(link))),
        }
    }
}
