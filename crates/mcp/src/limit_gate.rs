//! The tenant's limits on the call path: after the scopes and the tenant's policy have let a
//! call through and before it reaches Auth0, every limit that covers it counts it, and the
//! first one reached refuses it with the seconds to wait. A tenant without limits costs one
//! emptiness check.
//!
//! Limits are taken one after the other (a round trip each with Redis): when a later one
//! refuses, the earlier ones have counted the call, which errs on the side of fewer calls.

use gw_policy::Per;

use crate::error::ToolError;
use crate::limit_counters::{LimitKey, Take};
use crate::server::Caller;

impl Caller {
    /// Counts this call of `tool` against the tenant's limits that cover it; refuses it at the
    /// first that is reached, or when the counters cannot be reached and must be.
    pub(crate) async fn take_limits(&self, tool: &str) -> Result<(), ToolError> {
        let limits = self.tenant.policies.limits();
        if limits.is_empty() {
            return Ok(());
        }
        let identity = self.principal.limit_identity();
        for limit in limits.applying(tool) {
            let key = LimitKey {
                tenant: &self.principal.tenant,
                limit: &limit.name,
                caller: (limit.per == Per::Caller).then_some(identity.as_str()),
            };
            match self.limits.take(&key, limit.max, limit.window).await {
                Ok(Take::Allowed) => {}
                Ok(Take::RetryIn(wait)) => {
                    metrics::counter!(
                        "mcp_limit_refusals_total",
                        "tenant" => self.principal.tenant.clone(),
                        "limit" => limit.name.clone()
                    )
                    .increment(1);
                    return Err(ToolError::RateLimited {
                        tool: tool.to_owned(),
                        limit: limit.name.clone(),
                        rule: limit.describe(),
                        retry_secs: wait.as_secs_f64().ceil().max(1.0) as u64,
                    });
                }
                Err(unavailable) => return Err(ToolError::LimitsUnavailable(unavailable.0)),
            }
        }
        Ok(())
    }
}
