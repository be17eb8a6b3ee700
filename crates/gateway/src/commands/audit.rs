//! `mcp-gateway audit`: the tool calls recorded in the store.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, bail};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::cli::AuditCommand;
use crate::config::Config;

pub(super) async fn execute(config: &Path, command: AuditCommand) -> anyhow::Result<ExitCode> {
    let config = Config::load(config)?;
    let store = super::open_store(&config.store).await?;
    let now_ms = OffsetDateTime::now_utc().unix_timestamp() * 1000;
    let since_ms = since(&command.since, now_ms).with_context(|| {
        format!(
            "--since `{}`: give a duration back from now (90s, 15m, 2h, 7d) or an RFC 3339 time (2026-11-27T08:00:00Z)",
            command.since
        )
    })?;
    let records = store
        .audit_since(since_ms, command.tenant.as_deref(), command.limit)
        .await?;
    for r in &records {
        if command.json {
            println!(
                "{}",
                serde_json::json!({
                    "at": rfc3339(r.at_ms),
                    "tenant": r.tenant,
                    "principal": r.principal,
                    "connection_id": r.connection_id,
                    "oauth_client": r.oauth_client,
                    "tool": r.tool,
                    "outcome": r.outcome.as_str(),
                    "upstream_status": r.upstream_status,
                    "upstream_request_id": r.upstream_request_id,
                    "latency_ms": r.latency_ms,
                    "policy_rule": r.policy.rule,
                    "policy_action": r.policy.action,
                    "policy_request": r.policy.request_id,
                    "approved_by": r.policy.approvers,
                })
            );
        } else {
            println!(
                "{}  {}  {}  {}{}  {} ms  {}{}",
                rfc3339(r.at_ms),
                r.tenant,
                r.tool,
                r.outcome,
                match (&r.upstream_status, &r.upstream_request_id) {
                    (Some(status), Some(id)) => format!(" ({status}, Auth0 request {id})"),
                    (Some(status), None) => format!(" ({status})"),
                    _ => String::new(),
                },
                r.latency_ms,
                r.principal,
                r.policy
                    .describe()
                    .map(|text| format!("  [{text}]"))
                    .unwrap_or_default(),
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Unix milliseconds for a duration back from `now_ms` or an RFC 3339 time.
fn since(text: &str, now_ms: i64) -> anyhow::Result<i64> {
    if let Ok(at) = OffsetDateTime::parse(text, &Rfc3339) {
        return Ok(at.unix_timestamp() * 1000 + i64::from(at.millisecond()));
    }
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: i64 = number.parse().context("no number")?;
    let seconds = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => bail!("unknown unit `{unit}`"),
    };
    Ok(now_ms - number * seconds * 1000)
}

fn rfc3339(at_ms: i64) -> String {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(at_ms) * 1_000_000)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_else(|| at_ms.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn since_takes_durations_and_rfc3339_times() {
        assert_eq!(since("90s", 100_000).unwrap(), 10_000);
        assert_eq!(since("2h", 10_000_000).unwrap(), 10_000_000 - 7_200_000);
        assert_eq!(since("2026-11-27T08:00:00Z", 0).unwrap(), 1_795_766_400_000);
        assert!(since("yesterday", 0).is_err());
        assert!(since("5w", 0).is_err());
    }
}
