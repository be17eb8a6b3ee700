//! Rules as operators write them, in `gateway.toml` (`[[tenants.policies]]`) or in the portal.
//! Nothing here is checked; [`crate::compile`] turns a spec into a [`crate::Rule`] or names
//! every key that is wrong. Required values are `Option` so that a missing one is reported with
//! the others rather than stopping the parse.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One rule. The first rule of a tenant's list that matches a call decides it.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    /// A short name, unique in the tenant's list; shown to the model, to approvers and in the audit log.
    pub name: Option<String>,
    /// Tool names or globs (`auth0_delete_*`). With `effects` too, a tool must match both.
    pub tools: Option<Vec<String>>,
    /// `read`, `write` or `destructive`: what the tool does to the tenant.
    pub effects: Option<Vec<String>>,
    /// Connected users by verified email (`alice@example.com`) or domain (`@example.com`).
    /// With `agent_keys` too, the caller must be one of either.
    pub users: Option<Vec<String>>,
    /// Agent keys by name.
    pub agent_keys: Option<Vec<String>>,
    /// MCP clients registered with the gateway's authorization server, by client id (`mcpc_…`).
    pub oauth_clients: Option<Vec<String>>,
    /// The MCP client's own name (`clientInfo.name` at initialize), e.g. `claude-code`. Globs allowed.
    pub client_names: Option<Vec<String>>,
    /// Conditions on the call's arguments; all must hold.
    pub arguments: Option<Vec<ArgumentSpec>>,
    /// Source addresses (CIDR, e.g. `10.0.0.0/8`, or one address) the request must come from.
    pub sources: Option<Vec<String>>,
    /// A weekly time window the call must fall in.
    pub hours: Option<HoursSpec>,
    /// `allow`, `deny`, `confirm`, `approve` or `step_up`.
    pub action: Option<String>,
    /// `deny` only: what the model is told.
    pub reason: Option<String>,
    /// `approve` only: who may approve, by verified email or `@domain`.
    pub approvers: Option<Vec<String>>,
    /// `approve` only: how many different approvers must say yes (default 1).
    pub approvals_required: Option<u32>,
    /// `approve` and `confirm`: minutes a request may wait for its decision, and an approved
    /// call for its repeat (default 60 for `approve`, 10 for `confirm`).
    pub expires_minutes: Option<u32>,
    /// `step_up` only: what an agent key (no person behind it to re-authenticate) gets:
    /// `deny` (default) or `allow`.
    pub agent_keys_step_up: Option<String>,
}

/// One condition on an argument: a JSON pointer into the call's arguments and exactly one test.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ArgumentSpec {
    /// RFC 6901 pointer, e.g. `/connection` or `/roles`.
    pub pointer: Option<String>,
    /// The value is exactly this.
    pub equals: Option<Value>,
    /// The value is one of these.
    #[serde(rename = "in")]
    pub one_of: Option<Vec<Value>>,
    /// The value is a string matching this regular expression (anchor it with `^…$` for a whole match).
    pub matches: Option<String>,
    /// The value is a string starting with this.
    pub starts_with: Option<String>,
    /// The value is a list containing this.
    pub contains: Option<Value>,
    /// The value is a number at least this.
    pub min: Option<f64>,
    /// The value is a number at most this.
    pub max: Option<f64>,
}

/// A weekly window, in a time zone.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HoursSpec {
    /// Days, `mon` … `sun` (default every day).
    pub days: Option<Vec<String>>,
    /// Start, `HH:MM` local time (inclusive).
    pub from: Option<String>,
    /// End, `HH:MM` local time (exclusive). Before `from`, the window runs over midnight.
    pub to: Option<String>,
    /// IANA time zone, e.g. `Europe/Berlin` (default `UTC`).
    pub time_zone: Option<String>,
}
