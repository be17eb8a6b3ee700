//! Tenant log events: search by offset, or read forward from a checkpoint.

use reqwest::Method;
use schemars::JsonSchema;
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::Auth0Client;
use crate::error::Auth0Error;
use crate::http::Call;
use crate::paging::{self, ListSpec, Page, PageRequest};

/// One tenant log event.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct LogEvent {
    /// The log event's id; also the checkpoint to read on from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_id: Option<String>,
    /// When the event happened (ISO 8601).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    /// The event type code, such as `s` (successful login), `f` (failed login), `sapi`
    /// (successful Management API operation).
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub event_type: Option<String>,
    /// A human-readable description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The connection involved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection: Option<String>,
    /// The id of the connection involved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection_id: Option<String>,
    /// The application (client) id involved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// The application's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_name: Option<String>,
    /// The IP address the event came from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip: Option<String>,
    /// The host name of the tenant the event was recorded on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hostname: Option<String>,
    /// The id of the user involved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// The name of the user involved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_name: Option<String>,
    /// The API audience involved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audience: Option<String>,
    /// The scopes involved (a string or a list, depending on the event).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<Value>,
    /// The identity-provider strategy involved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strategy: Option<String>,
    /// The kind of strategy (`database`, `social`, `enterprise`…).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strategy_type: Option<String>,
    /// Whether the event came from a mobile device.
    #[serde(rename = "isMobile", default, skip_serializing_if = "Option::is_none")]
    pub is_mobile: Option<bool>,
    /// The user agent of the caller.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_agent: Option<String>,
    /// The organization involved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization_id: Option<String>,
    /// The name of the organization involved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization_name: Option<String>,
    /// Event-specific details.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<Value>,
    /// Where the IP address is located.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location_info: Option<Value>,
    /// Fields Auth0 returned that this type does not name; kept so nothing is lost.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A log search or checkpoint read (`GET /api/v2/logs`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListLogs {
    /// A query in Auth0's log search syntax, such as `type:"f"` (offset paging only).
    pub q: Option<String>,
    /// Sort order, such as `date:-1` (offset paging only).
    pub sort: Option<String>,
    /// Comma-separated fields to include (or exclude, see `include_fields`; offset only).
    pub fields: Option<String>,
    /// Whether `fields` lists fields to include (`true`) or exclude (offset only).
    pub include_fields: Option<bool>,
    /// Offset (`page`/`per_page`, with `q`) or checkpoint (`from` = a log id, `take`).
    pub paging: PageRequest,
}

impl Default for ListLogs {
    fn default() -> Self {
        Self {
            q: None,
            sort: None,
            fields: None,
            include_fields: None,
            paging: PageRequest::Offset(Default::default()),
        }
    }
}

/// Log lists (`/logs`, `/users/{id}/logs`): no record cap, and `total` cannot end the paging.
pub(crate) const LIST: ListSpec = ListSpec {
    key: "logs",
    cap: None,
    totals_reliable: false,
};

impl Auth0Client {
    /// Lists log events.
    ///
    /// By offset, `q`, `sort` and `fields` apply; Auth0's `total` is only the page size under
    /// search v3, so a full page means there may be more. By checkpoint, Auth0 ignores every
    /// parameter but `from` and `take`, so only those are sent; the answer is ordered by
    /// log id, and the next checkpoint is the last log id of a full page (or the `from` of
    /// the `Link: rel=next` header). A short page ends the list: Auth0 keeps offering a next
    /// link even when there are no newer events.
    pub async fn list_logs(
        &self,
        token: &SecretString,
        request: &ListLogs,
    ) -> Result<Page<LogEvent>, Auth0Error> {
        match &request.paging {
            PageRequest::Offset(_) => {
                let call = Call::api(Method::GET, &["logs"])
                    .query_opt("q", request.q.as_deref())
                    .query_opt("sort", request.sort.as_deref())
                    .query_opt("fields", request.fields.as_deref())
                    .query_opt("include_fields", request.include_fields);
                self.list(token, call, &request.paging, LIST).await
            }
            PageRequest::Checkpoint { take, .. } => {
                let call = Call::api(Method::GET, &["logs"])
                    .queries(paging::paging_query(&request.paging));
                let reply = self.send(token, call).await?;
                let raw = paging::parse_raw(reply.status, &reply.body, LIST.key)?;
                let full = *take > 0 && raw.items.len() as u64 >= u64::from(*take);
                let next_from = full
                    .then(|| {
                        raw.items
                            .last()
                            .and_then(|v| v.get("log_id"))
                            .and_then(Value::as_str)
                            .map(str::to_owned)
                            .or_else(|| paging::link_next_from(&reply.headers))
                    })
                    .flatten();
                let items = paging::typed_items(reply.status, raw.items)?;
                Ok(Page {
                    items,
                    total: None,
                    next: next_from.map(|from| PageRequest::Checkpoint {
                        from: Some(from),
                        take: *take,
                    }),
                })
            }
        }
    }

    /// Reads one log event (`GET /api/v2/logs/{id}`; 404 "Log not found.").
    pub async fn get_log(
        &self,
        token: &SecretString,
        log_id: &str,
    ) -> Result<LogEvent, Auth0Error> {
        self.json(token, Call::api(Method::GET, &["logs", log_id]))
            .await
    }
}
