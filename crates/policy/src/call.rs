//! What a rule is matched against: the tool, the caller, the arguments, where and when.

use std::net::IpAddr;

use serde_json::Value;

/// What a tool does to the tenant (the catalog's effect, without its idempotence).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    Read,
    Write,
    Destructive,
}

impl Effect {
    pub fn parse(text: &str) -> Option<Effect> {
        match text {
            "read" => Some(Effect::Read),
            "write" => Some(Effect::Write),
            "destructive" => Some(Effect::Destructive),
            _ => None,
        }
    }
}

/// The kind of principal; rules about users never match an agent key and the other way round.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallerKind {
    /// A user connected through the tenant's Auth0.
    User,
    /// An agent holding an access key: no person behind it.
    AgentKey,
    /// The operator running the gateway over stdio.
    LocalOperator,
}

/// Who is calling. Known before the call's arguments, so `tools/list` can be judged with it.
#[derive(Debug, Clone, Copy)]
pub struct Caller<'a> {
    pub kind: CallerKind,
    /// A user's verified email.
    pub email: Option<&'a str>,
    /// An agent key's name.
    pub key_name: Option<&'a str>,
    /// The MCP client registered with the gateway's authorization server (`mcpc_…`).
    pub oauth_client: Option<&'a str>,
    /// The MCP client's `clientInfo.name`, when the transport knows it.
    pub client_name: Option<&'a str>,
}

/// One tool call, as the policy sees it.
#[derive(Debug, Clone, Copy)]
pub struct Call<'a> {
    pub tool: &'a str,
    pub caller: Caller<'a>,
    /// The arguments after validation against the tool's schema.
    pub arguments: &'a Value,
    /// The request's source address (`None` over stdio).
    pub source: Option<IpAddr>,
    pub now: jiff::Timestamp,
}
