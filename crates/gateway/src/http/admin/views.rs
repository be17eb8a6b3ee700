//! What each portal page shows, one struct per template under `templates/admin/`. The handlers
//! fill them; the templates escape every value.

use askama::Template;
use gw_mcp::audit::AuditRecord;
use gw_oauth::{GrantMode, Scope, TenantSettings};
use gw_store::{ConnectionRecord, ConnectionStatus, KeyRecord};

use super::layout::Frame;
use super::layout::ago;
use super::tenant_form::{Fields, Problems};

/// Where a tenant's settings come from.
#[derive(Clone, Copy)]
pub(super) enum Source {
    /// The demo's fake tenant, configured by the demo itself.
    Demo,
    GatewayToml,
    /// Added in the portal: the only kind the portal may edit.
    Portal,
}

/// A scope's checkbox id: `prefix` and the scope with `:` and `_` as `-`.
fn element_id(prefix: &str, scope: &Scope) -> String {
    format!("{prefix}-{}", scope.as_str().replace([':', '_'], "-"))
}

#[derive(Template)]
#[template(path = "admin/sign_in.html")]
pub(super) struct SignInPage<'a> {
    pub(super) frame: Frame<'a>,
    /// The sign-in form's token.
    pub(super) csrf: &'a str,
    pub(super) problem: Option<SignInProblem>,
    /// The demo prints an admin key when it starts.
    pub(super) demo: bool,
}

pub(super) enum SignInProblem {
    UnknownKey,
    StoreDown,
}

#[derive(Template)]
#[template(path = "admin/tenants.html")]
pub(super) struct TenantsPage<'a> {
    pub(super) frame: Frame<'a>,
    /// A tenant just removed.
    pub(super) removed: Option<&'a str>,
    /// How many of its users' grants Auth0 could not be asked to revoke.
    pub(super) not_revoked: usize,
    pub(super) can_hold_tokens: bool,
    pub(super) rows: Vec<TenantRow<'a>>,
}

pub(super) struct TenantRow<'a> {
    pub(super) name: &'a str,
    pub(super) domain: &'a str,
    pub(super) connections: usize,
    pub(super) source: Source,
}

#[derive(Template)]
#[template(path = "admin/tenant.html")]
pub(super) struct TenantPage<'a> {
    pub(super) frame: Frame<'a>,
    /// The session's form token, for the page's forms.
    pub(super) csrf: &'a str,
    pub(super) name: &'a str,
    pub(super) settings: &'a TenantSettings,
    pub(super) source: Source,
    // What the last action did (from the redirect's query).
    pub(super) saved: bool,
    /// Scopes the machine token was not granted, for people: "a, b".
    pub(super) missing: Option<String>,
    pub(super) revoked_key: Option<&'a str>,
    pub(super) revoked_connection: Option<&'a str>,
    pub(super) auth0_revocation: Option<Auth0Revocation>,
    pub(super) connect_link: String,
    pub(super) machine_token_error: Option<String>,
    /// With the machine token: a column for what Auth0 granted it.
    pub(super) machine_column: bool,
    pub(super) scope_rows: Vec<ScopeRow>,
    /// Tools the scopes unlock, less those the policies deny to everyone (`denied_by_policy`).
    pub(super) offered: usize,
    pub(super) denied_by_policy: usize,
    pub(super) catalog: usize,
    /// How many of the offered tools work with what Auth0 granted the machine token (and the
    /// policies do not deny to everyone).
    pub(super) working_with_machine_token: Option<usize>,
    pub(super) connections: Vec<ConnectionRow<'a>>,
    pub(super) keys: Vec<KeyRow<'a>>,
    /// `None`: no key can be made yet (keys must act as a connected user, and nobody is).
    pub(super) key_form: Option<KeyForm<'a>>,
    pub(super) recent: &'a [AuditRecord],
    /// The tenant's tool policies as the gateway enforces them, in order.
    pub(super) policies: Vec<gw_policy::RuleSummary>,
    /// Calls held for approval, newest first.
    pub(super) waiting: Vec<WaitingRow>,
}

/// A tenant's Policies page: the rules enforced now and, for a portal tenant, the editor.
#[derive(Template)]
#[template(path = "admin/policies.html")]
pub(super) struct PoliciesPage<'a> {
    pub(super) frame: Frame<'a>,
    pub(super) csrf: &'a str,
    pub(super) name: &'a str,
    pub(super) source: Source,
    /// The rules this replica enforces on the tenant, in order; `None` when it does not serve it.
    pub(super) enforced: Option<Vec<gw_policy::RuleSummary>>,
    /// What the editor holds: as saved, or as just typed when it was refused.
    pub(super) text: &'a str,
    /// Why the text was not saved (or, for a tenant not served, why its saved rules fail).
    pub(super) problems: &'a [gw_policy::Problem],
    pub(super) last_saved: Option<LastSaved>,
    /// The last save worked.
    pub(super) saved: bool,
    /// A save was posted for a tenant the portal may not change.
    pub(super) refused: bool,
    pub(super) example: &'static str,
}

/// A tenant's data-protection preview: the form, and the sample as each caller gets it.
#[derive(Template)]
#[template(path = "admin/masking_preview.html")]
pub(super) struct MaskingPreviewPage<'a> {
    pub(super) frame: Frame<'a>,
    pub(super) csrf: &'a str,
    pub(super) name: &'a str,
    /// The tenant's tools, for the select.
    pub(super) tools: Vec<&'static str>,
    pub(super) tool: &'a str,
    /// Whether the portal has a sample for `tool`.
    pub(super) has_sample: bool,
    pub(super) sample: &'a str,
    /// Why the sample was not previewed.
    pub(super) problem: Option<String>,
    /// How many data-protection rules the tenant has.
    pub(super) rules: usize,
    /// Some rule gives pseudonyms and the gateway has no store key to seal them with.
    pub(super) no_key: bool,
    /// `None` until a sample is previewed.
    pub(super) callers: Option<Vec<CallerView>>,
    /// The rules name more callers than are shown.
    pub(super) more_callers: bool,
    pub(super) max_sample_bytes: usize,
}

/// What one caller gets.
pub(super) struct CallerView {
    pub(super) label: String,
    pub(super) rules: Vec<AppliedRule>,
    /// With pseudonyms: whether this caller may hand them back in arguments.
    pub(super) round_trip: Option<bool>,
    pub(super) outcome: Outcome,
}

/// A data-protection rule applied to a caller's result.
pub(super) struct AppliedRule {
    pub(super) name: String,
    pub(super) mode: &'static str,
    /// Its detectors and field paths: "email, phone, last_ip".
    pub(super) masks: String,
}

pub(super) enum Outcome {
    /// No rule applies: the result as Auth0 gave it.
    Unmasked,
    Masked {
        json: String,
        replaced: usize,
    },
    /// The rules cannot be applied (pseudonyms without a store key): such calls are refused.
    Refused(String),
}

/// Who saved a portal tenant's rules last, and when ("3 min ago").
pub(super) struct LastSaved {
    pub(super) by: String,
    pub(super) ago: String,
}

/// A call held for approval, with the page its approvers decide on.
pub(super) struct WaitingRow {
    pub(super) id: String,
    pub(super) tool: String,
    pub(super) requester: String,
    pub(super) rule: String,
    pub(super) approvals: usize,
    pub(super) required: u32,
    pub(super) expires: String,
    pub(super) link: String,
}

/// What became of a revoked connection's refresh token at Auth0.
pub(super) enum Auth0Revocation {
    Revoked,
    Failed,
}

pub(super) struct ScopeRow {
    pub(super) scope: Scope,
    pub(super) tools: Vec<&'static str>,
    pub(super) machine_token: Option<MachineToken>,
}

/// Whether Auth0 granted a scope to the tenant's machine token.
pub(super) enum MachineToken {
    /// An identity scope (openid, profile, email): not asked of the Management API.
    NotAnApiPermission,
    Granted,
    NotGranted,
}

pub(super) struct ConnectionRow<'a> {
    pub(super) connection: &'a ConnectionRecord,
    pub(super) scopes: String,
    pub(super) tools: usize,
    pub(super) last_used: String,
    pub(super) connected: String,
}

pub(super) struct KeyRow<'a> {
    pub(super) key: &'a KeyRecord,
    pub(super) acts_as: String,
    pub(super) active: bool,
}

/// The "create a key" form.
pub(super) struct KeyForm<'a> {
    /// Active connections a key may act as.
    pub(super) users: Vec<&'a ConnectionRecord>,
    /// With the machine token a key may instead be an agent's, holding these scopes of its own.
    pub(super) agent_scopes: Option<Vec<AgentScope>>,
}

pub(super) struct AgentScope {
    pub(super) scope: Scope,
    pub(super) ticked: bool,
}

#[derive(Template)]
#[template(path = "admin/tenant_form.html")]
pub(super) struct TenantFormPage<'a> {
    pub(super) frame: Frame<'a>,
    pub(super) csrf: &'a str,
    pub(super) title: String,
    pub(super) fields: &'a Fields,
    pub(super) problems: &'a Problems,
    pub(super) callback: String,
    pub(super) can_store: bool,
    pub(super) secret_hint: &'static str,
    pub(super) grant: GrantMode,
    pub(super) scopes: Vec<ScopeChoice>,
}

pub(super) struct ScopeChoice {
    pub(super) scope: Scope,
    pub(super) ticked: bool,
    /// `openid`: always asked for.
    pub(super) required: bool,
    /// Why the scope deserves a second thought, if it does.
    pub(super) warning: Option<&'static str>,
}

impl TenantFormPage<'_> {
    /// The ids of a field's error (when it has one) and hint.
    fn described_by(&self, id: &str) -> String {
        if self.is_invalid(id) {
            format!("{id}-error {id}-hint")
        } else {
            format!("{id}-hint")
        }
    }

    fn is_invalid(&self, id: &str) -> bool {
        self.problems.of(id).is_some()
    }
}

#[derive(Template)]
#[template(path = "admin/key_created.html")]
pub(super) struct KeyCreatedPage<'a> {
    pub(super) frame: Frame<'a>,
    pub(super) tenant: &'a str,
    pub(super) key_name: &'a str,
    pub(super) key: &'a str,
    pub(super) endpoint: String,
    pub(super) scopes: String,
}

#[derive(Template)]
#[template(path = "admin/key_not_created.html")]
pub(super) struct KeyNotCreatedPage<'a> {
    pub(super) frame: Frame<'a>,
    pub(super) tenant: &'a str,
    pub(super) message: &'a str,
}

#[derive(Template)]
#[template(path = "admin/not_removed.html")]
pub(super) struct NotRemovedPage<'a> {
    pub(super) frame: Frame<'a>,
    pub(super) tenant: &'a str,
}

#[derive(Template)]
#[template(path = "admin/not_found.html")]
pub(super) struct NotFoundPage<'a> {
    pub(super) frame: Frame<'a>,
    pub(super) what: &'a str,
}

#[derive(Template)]
#[template(path = "admin/unavailable.html")]
pub(super) struct UnavailablePage<'a> {
    pub(super) frame: Frame<'a>,
    pub(super) message: &'static str,
}

#[derive(Template)]
#[template(path = "admin/form_refused.html")]
pub(super) struct FormRefusedPage<'a> {
    pub(super) frame: Frame<'a>,
}
