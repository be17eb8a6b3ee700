//! The tenant's data-protection rules on the call path: pseudonyms in a call's arguments are
//! resolved (for callers allowed the round trip) before anything else sees them, and everything
//! the call sends back — the result, an error, a request for the person — is masked for the
//! caller before it leaves the gateway. A tenant without rules costs one emptiness check.

use std::sync::Arc;

use gw_masking::Masker;
use rmcp::model::{CallToolResult, ContentBlock};
use serde_json::Value;

use crate::error::ToolError;
use crate::policy_gate::policy_caller;
use crate::render::Rendered;
use crate::server::Caller;

impl Caller {
    /// What masks this caller's results of `tool`; `None` when no rule applies. A rule that
    /// cannot be applied (pseudonyms without the store's key) refuses the call: its data would
    /// otherwise leave unmasked.
    pub(crate) fn masker(&self, tool: &str) -> Result<Option<Arc<Masker>>, ToolError> {
        let masking = self.tenant.policies.masking();
        if masking.is_empty() {
            return Ok(None);
        }
        masking
            .masker(
                tool,
                &policy_caller(&self.principal, &self.origin),
                self.tenant.pseudonyms.as_ref(),
            )
            .map_err(|why| {
                ToolError::Internal(format!(
                    "the tenant's data-protection rules cannot be applied ({why}); nothing was called"
                ))
            })
    }

    /// The arguments as a person deciding on the call (approver, confirmation) sees them:
    /// secrets masked, and masked for this caller as its results are — they leave the gateway.
    pub(crate) fn shown_arguments(&self, arguments: &Value) -> Value {
        let mut shown = crate::policy_gate::shown_arguments(arguments);
        if let Some(masker) = &self.masker {
            masker.mask_json(&mut shown);
        }
        shown
    }

    /// Replaces the pseudonyms in `arguments` by their values, when this caller may hand them
    /// back; refuses the call when it may not, or when one is not this tenant's.
    pub(crate) fn resolve_pseudonyms(&self, arguments: &mut Value) -> Result<(), ToolError> {
        let masking = self.tenant.policies.masking();
        if masking.is_empty() || !gw_masking::contains_pseudonym(arguments) {
            return Ok(());
        }
        if !masking.may_round_trip(&policy_caller(&self.principal, &self.origin)) {
            return Err(ToolError::Pseudonym(
                "this caller may not pass pseudonyms (`pii:…`) back: the tenant's data-protection rules do not give it the round trip".to_owned(),
            ));
        }
        let Some(key) = self.tenant.pseudonyms.as_deref() else {
            return Err(ToolError::Pseudonym(
                "this gateway cannot open pseudonyms (it has no store key)".to_owned(),
            ));
        };
        gw_masking::resolve_pseudonyms(arguments, key)
            .map(|_| ())
            .map_err(|error| ToolError::Pseudonym(error.to_string()))
    }
}

/// Masks a successful result: its structured content and its summary line.
pub(crate) fn mask_rendered(masker: &Masker, rendered: &mut Rendered) {
    masker.mask_json(&mut rendered.structured);
    if let (std::borrow::Cow::Owned(masked), _) = masker.mask_text(&rendered.summary) {
        rendered.summary = masked;
    }
}

/// Masks whatever text and structured content an error result carries (an upstream error or a
/// refusal may quote a value).
pub(crate) fn mask_result(masker: &Masker, result: &mut CallToolResult) {
    for block in &mut result.content {
        if let ContentBlock::Text(text) = block
            && let (std::borrow::Cow::Owned(masked), _) = masker.mask_text(&text.text)
        {
            text.text = masked;
        }
    }
    if let Some(structured) = &mut result.structured_content {
        masker.mask_json(structured);
    }
}
