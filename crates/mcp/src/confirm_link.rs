//! `confirm` for a client that cannot ask its person (no form elicitation, or no session to ask
//! in): the call becomes a request whose page the user opens, signs in at the tenant's Auth0 as
//! themselves and confirms; then the model repeats the call, which runs once. The page and its
//! checks are the gateway's; here the call finds or makes the request and spends it.

use serde_json::Value;

use crate::catalog::ToolDef;
use crate::error::ToolError;
use crate::policy_gate::{
    self, Asks, NewRequest, PersonLink, PolicyNote, RequestKind, RequestStatus,
};
use crate::server::Caller;

impl Caller {
    /// Runs the call when its user confirmed exactly this call at its link (once); else says
    /// where to confirm, making the request on the first call.
    pub(crate) async fn confirmed_at_link(
        &self,
        tool: &'static ToolDef,
        arguments: &Value,
        rule: &gw_policy::Rule,
        expires_minutes: u32,
        note: &mut PolicyNote,
    ) -> Result<(), ToolError> {
        let requests = self.requests_for(tool.name)?;
        let fail = |error| policy_gate::store_failed(tool.name, error);
        let hash = gw_policy::call_hash(tool.name, arguments);
        let key = self.call_key(tool.name, &hash);
        if let Some(confirmed) = requests.consume_approved(&key).await.map_err(fail)? {
            note.request_id = Some(confirmed.id);
            note.approvers = confirmed.approved_by;
            return Ok(());
        }
        let request = requests
            .create(NewRequest {
                kind: RequestKind::Confirm,
                key,
                rule: &rule.name,
                principal: &self.principal,
                client_name: self.origin.client_name.as_deref(),
                arguments_shown: self.shown_arguments(arguments),
                approvers: Vec::new(),
                required: 1,
                ttl_secs: i64::from(expires_minutes) * 60,
            })
            .await
            .map_err(fail)?;
        note.request_id = Some(request.id.clone());
        match request.status {
            RequestStatus::Pending => {}
            RequestStatus::Denied { .. } => {
                return Err(ToolError::Declined {
                    tool: tool.name.to_owned(),
                    rule: rule.name.clone(),
                    cancelled: false,
                });
            }
            // Confirmed, and spent by an identical call between our two looks; or expired.
            _ => {
                return Err(ToolError::Request(Box::new(policy_gate::RequestState {
                    tool: tool.name.to_owned(),
                    request,
                    created: false,
                })));
            }
        }
        let Some(url) = request.url else {
            return Err(ToolError::Internal(format!(
                "{} needs its user's confirmation, and this gateway has no public URL to send them to; nothing was changed",
                tool.name
            )));
        };
        Err(ToolError::OpenLink(Box::new(PersonLink {
            tool: tool.name.to_owned(),
            rule: rule.name.clone(),
            request_id: request.id,
            url,
            expires_at: request.expires_at,
            asks: Asks::Confirm,
        })))
    }
}
