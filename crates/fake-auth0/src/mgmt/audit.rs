//! `sapi` log events: Auth0 logs every successful Management API write.

use serde_json::json;

use super::caller::Caller;
use crate::tenant::{NewLog, Tenant};

pub(crate) fn audit(
    tenant: &mut Tenant,
    caller: &Caller,
    description: &str,
    method: &str,
    path: &str,
    status: u16,
) {
    tenant.log(NewLog {
        kind: "sapi",
        description,
        client_id: caller.client_id.as_deref(),
        user_id: None,
        details: json!({
            "request": {"method": method, "path": path, "channel": "api", "auth": {"strategy": "jwt", "subject": caller.sub}},
            "response": {"statusCode": status},
        }),
    });
}
