//! `mcp-gateway approvals list|approve|deny`: the operator's view of calls waiting on a
//! person's decision, and their word on them.

use std::path::Path;
use std::process::ExitCode;

use gw_store::{Decision, PolicyRequest, RequestFilter};
use serde_json::json;

use crate::approval_webhook::{ApprovalEvent, ApprovalWebhook, DeliveryOutcome};
use crate::approvals::{Approvals, Approver, DecideError, approval_url, notice};
use crate::cli::ApprovalsCommand;
use crate::config::Config;

pub(super) async fn execute(config: &Path, command: ApprovalsCommand) -> anyhow::Result<ExitCode> {
    let config = Config::load(config)?;
    let store = config.store.open().await?;
    let public_url = config.server.public_url.clone();
    let webhook = config.approvals.webhook.clone().map(ApprovalWebhook::new);
    match command {
        ApprovalsCommand::List { json, all, tenant } => {
            let requests = store
                .policy_requests(RequestFilter {
                    tenant: tenant.as_deref(),
                    pending_only: !all,
                    limit: 500,
                })
                .await?;
            if json {
                let list: Vec<_> = requests.iter().map(|r| as_json(r, &public_url)).collect();
                println!("{}", serde_json::to_string_pretty(&list)?);
            } else if requests.is_empty() {
                println!(
                    "{}",
                    if all {
                        "No approval requests."
                    } else {
                        "No approval requests are waiting."
                    }
                );
            } else {
                for request in &requests {
                    println!("{}", line(request));
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        ApprovalsCommand::Approve { id, note } | ApprovalsCommand::Deny { id, note }
            if note.as_ref().is_some_and(|n| n.trim().is_empty()) =>
        {
            eprintln!("The note for {id} is empty: leave --note out instead.");
            Ok(ExitCode::from(2))
        }
        ApprovalsCommand::Approve { id, note } => {
            decide(store, public_url, webhook, &id, Decision::Approve, note).await
        }
        ApprovalsCommand::Deny { id, note } => {
            decide(store, public_url, webhook, &id, Decision::Deny, note).await
        }
    }
}

async fn decide(
    store: gw_store::Store,
    public_url: url::Url,
    webhook: Option<ApprovalWebhook>,
    id: &str,
    decision: Decision,
    note: Option<String>,
) -> anyhow::Result<ExitCode> {
    let approvals = Approvals {
        store,
        public_url: public_url.clone(),
        // The process ends right after: the notice is delivered below, awaited.
        webhook: None,
    };
    match approvals
        .decide(id, Approver::Operator, decision, note.as_deref())
        .await
    {
        Ok(request) => {
            println!("{}", line(&request));
            match request.status {
                gw_store::RequestStatus::Approved => println!(
                    "Approved: the same call by the same caller now runs once, until {}.",
                    date(request.expires_at)
                ),
                gw_store::RequestStatus::Denied => println!("Denied: the caller is told so."),
                _ => println!(
                    "Your approval is recorded; {} more approval(s) are needed.",
                    request.required as usize - approvals_given(&request)
                ),
            }
            if let Some(webhook) = webhook
                && request.status != gw_store::RequestStatus::Pending
            {
                let notice = notice(&request, &public_url, ApprovalEvent::Decided);
                match webhook.deliver(notice).await {
                    DeliveryOutcome::Delivered { .. } => println!("The approval webhook was told."),
                    other => eprintln!("The approval webhook could not be told: {other:?}."),
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(DecideError::Store(error)) => Err(error.into()),
        Err(refused) => {
            eprintln!("{refused}");
            Ok(ExitCode::from(2))
        }
    }
}

fn approvals_given(request: &PolicyRequest) -> usize {
    request
        .decisions
        .iter()
        .filter(|d| d.decision == Decision::Approve)
        .count()
}

/// One request per line; a confirmation or a step-up (the caller's own user's to give, not the
/// operator's) says which it is.
fn line(request: &PolicyRequest) -> String {
    let kind = match request.kind {
        gw_store::RequestKind::Approve => String::new(),
        other => format!(" ({}: the caller's own user answers it)", other.as_str()),
    };
    format!(
        "{}  {}{kind}  tenant {}  {}  by {}  rule `{}`  approvals {}/{}  expires {}",
        request.id,
        request.status.as_str(),
        request.tenant,
        request.tool,
        request.requester,
        request.rule,
        approvals_given(request),
        request.required,
        date(request.expires_at),
    )
}

fn as_json(request: &PolicyRequest, public_url: &url::Url) -> serde_json::Value {
    json!({
        "id": request.id,
        "status": request.status.as_str(),
        "kind": request.kind.as_str(),
        "tenant": request.tenant,
        "tool": request.tool,
        "arguments": request.arguments_shown,
        "requester": request.requester,
        "client": request.client_name,
        "rule": request.rule,
        "approvers": request.approvers,
        "required": request.required,
        "decisions": request.decisions.iter().map(|d| json!({
            "approver": d.approver,
            "decision": d.decision.as_str(),
            "note": d.note,
            "at": date(d.decided_at),
        })).collect::<Vec<_>>(),
        "created_at": date(request.created_at),
        "expires_at": date(request.expires_at),
        "url": approval_url(public_url, &request.id).to_string(),
    })
}

fn date(unix: i64) -> String {
    jiff::Timestamp::from_second(unix).map_or_else(|_| unix.to_string(), |t| t.to_string())
}
