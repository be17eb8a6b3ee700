//! A call the caller's scopes do not cover is refused, naming the missing scopes. For a
//! connected user whose connection lacks scopes the tenant allows (incremental consent), the
//! refusal sends them to consent to exactly those: by URL elicitation where their client
//! declared it (`url_elicitation.rs`), else with the link in the tool result. The link names the
//! caller's connection, and the page lets only that connection's user add the scopes; once they
//! have, the repeated call finds them on the connection and runs.

use gw_oauth::{GrantMode, ScopeSet};
use rmcp::model::{ElicitResult, ElicitationAction};

use crate::audit::Outcome;
use crate::catalog::ToolDef;
use crate::error::ToolError;
use crate::server::Caller;
use crate::url_elicitation::{self, Links, UrlAsk};

/// The key under which the URL request travels in `inputRequests` / `inputResponses`.
const INPUT_KEY: &str = "consent";

impl Caller {
    /// Refuses a tool `scopes` do not cover. `granted` is what the user's token holds: the link
    /// asks for it and the missing scopes together, so consenting takes nothing away.
    pub(crate) fn check_scopes(
        &self,
        tool: &ToolDef,
        scopes: ScopeSet,
        granted: ScopeSet,
        links: &Links,
    ) -> Result<(), ToolError> {
        let missing = tool.needs.difference(scopes);
        if missing.is_empty() {
            return Ok(());
        }
        let settings = &self.tenant.settings;
        let refused = |consent_url| ToolError::MissingScopes {
            tool: tool.name.to_owned(),
            missing,
            consent_url,
        };
        // What the connection lacks: an MCP client's grant may lack more, which a new grant
        // (not a consent) fixes (`scope_challenge.rs` in the gateway asks the client for it).
        let unconsented = match self.principal.grant {
            Some(grant) => missing.difference(grant.connection),
            None => missing,
        };
        let consent_url = match (&self.principal.connection, settings.grant) {
            (Some(connection), GrantMode::AuthorizationCode)
                if !unconsented.is_empty() && settings.scopes.covers(unconsented) =>
            {
                self.tenant.consent_url(
                    granted.intersection(settings.scopes),
                    unconsented,
                    connection,
                )
            }
            _ => None,
        };
        let Some(url) = consent_url else {
            return Err(refused(None));
        };
        let ask = UrlAsk {
            message: format!(
                "{} needs your consent to the scope(s) {} on tenant `{}`; sign in as yourself to grant them.",
                tool.name,
                unconsented.names().join(", "),
                settings.name
            ),
            url,
            elicitation_id: format!("consent_{}", crate::audit::new_id()),
        };
        match links {
            Links::InResult => Err(refused(Some(ask.url))),
            Links::UrlError => Err(ToolError::UrlElicitationRequired {
                ask: Box::new(ask),
                waits: Outcome::MissingScopes,
            }),
            Links::RoundTrip { .. } => {
                // A repeat whose person did not go to the page is told the link, once; one who
                // went and accepted but did not finish is asked again.
                let declined = links
                    .answer(INPUT_KEY)
                    .and_then(|answer| serde_json::from_value::<ElicitResult>(answer.clone()).ok())
                    .is_some_and(|answer| answer.action != ElicitationAction::Accept);
                if declined {
                    return Err(refused(Some(ask.url)));
                }
                Err(ToolError::InputRequired {
                    tool: tool.name.to_owned(),
                    result: Box::new(url_elicitation::input_required(INPUT_KEY, &ask, None)),
                    waits: Outcome::MissingScopes,
                })
            }
        }
    }
}
