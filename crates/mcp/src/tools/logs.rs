//! Tenant log events.

use gw_auth0::{ListLogs, LogEvent, PageRequest};
use schemars::JsonSchema;
use serde::Deserialize;

use super::paging::{self, ListOutput};
use crate::call::CallContext;
use crate::catalog::{Effect, ToolDef};
use crate::error::ToolError;
use crate::render::Summary;

pub(super) fn tools() -> Vec<ToolDef> {
    vec![
        ToolDef::new(
            "auth0_list_logs",
            "List log events",
            "Search the tenant's log events (`q`, newest first by default), or read them in order from a log id with `from` (checkpoint mode, which ignores `q` and `sort`).",
            Effect::Read,
            list_logs,
        ),
        ToolDef::new(
            "auth0_get_log",
            "Get a log event",
            "Get one log event by id.",
            Effect::Read,
            get_log,
        ),
    ]
}

impl Summary for LogEvent {
    fn summary(&self) -> String {
        format!(
            "Log event {} of type {} at {}.",
            self.log_id.as_deref().unwrap_or("(no id)"),
            self.event_type.as_deref().unwrap_or("?"),
            self.date.as_deref().unwrap_or("?")
        )
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ListLogsArgs {
    /// Lucene query, e.g. `type:"f"` (failed logins), `user_id:"auth0|123"`, `date:[2026-01-01 TO *]`.
    #[schemars(length(min = 1, max = 2000))]
    q: Option<String>,
    /// Sort as `field:1` or `field:-1`, e.g. `date:-1` (the default).
    #[schemars(regex(pattern = r"^[A-Za-z0-9_.]+:-?1$"))]
    sort: Option<String>,
    /// Comma-separated fields to include (or exclude, with include_fields=false).
    #[schemars(regex(pattern = r"^[A-Za-z0-9_.]+(,[A-Za-z0-9_.]+)*$"))]
    fields: Option<String>,
    /// Whether `fields` lists fields to include (true, the default) or to exclude.
    include_fields: Option<bool>,
    /// Page to start at (0-based), for searches. Omit it when passing `cursor`.
    page: Option<u32>,
    /// Results per page, 1–100 (default 50).
    #[schemars(range(min = 1, max = 100))]
    per_page: Option<u32>,
    /// Checkpoint mode: return events after this log id, oldest first.
    #[schemars(length(min = 1, max = 100))]
    from: Option<String>,
    /// Checkpoint mode: how many events to return, 1–100 (default 50).
    #[schemars(range(min = 1, max = 100))]
    take: Option<u32>,
    /// `next_cursor` from the previous page.
    cursor: Option<String>,
}

async fn list_logs(
    ctx: CallContext,
    args: ListLogsArgs,
) -> Result<ListOutput<LogEvent>, ToolError> {
    let checkpoint = args.from.is_some() || args.take.is_some();
    if checkpoint && (args.page.is_some() || args.per_page.is_some() || args.cursor.is_some()) {
        return Err(ToolError::InvalidArguments("`from`/`take` (checkpoint mode) cannot be combined with `page`, `per_page` or `cursor`".into()));
    }
    let paging = if checkpoint {
        PageRequest::Checkpoint {
            from: args.from,
            take: args.take.unwrap_or(paging::DEFAULT_PER_PAGE),
        }
    } else {
        match args.cursor.as_deref() {
            Some(_) => paging::page_request(args.cursor.as_deref(), None, None)?,
            None => PageRequest::Offset(paging::offset(None, args.page, args.per_page)?),
        }
    };
    let query = ListLogs {
        q: args.q,
        sort: args.sort,
        fields: args.fields,
        include_fields: args.include_fields,
        paging,
    };
    let page = ctx.auth0.list_logs(ctx.token(), &query).await?;
    Ok(ListOutput::from_page(page, |event| event))
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct GetLogArgs {
    /// The log event's id (`log_id`).
    #[schemars(length(min = 1, max = 100))]
    log_id: String,
}

async fn get_log(ctx: CallContext, args: GetLogArgs) -> Result<LogEvent, ToolError> {
    Ok(ctx.auth0.get_log(ctx.token(), &args.log_id).await?)
}
