//! What the approval page shows: before sign-in only the request's id, tenant and state
//! ([`gate`]); to a signed-in approver the whole request, and the decision form when they may
//! still decide ([`request_page`]). The templates (`templates/pages/approval_*.html`) escape
//! every value: arguments, notes and client names come from callers and approvers.

use askama::Template;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use gw_policy::Person;
use gw_store::{ApprovalSignIn, Decision, PolicyRequest, RequestKind, RequestStatus};
use url::Url;

use super::html::render;
use super::pages::no_store;
use crate::approvals::approval_url;

/// A page with a form: as every page people see (not cached, no framing, only the gateway's
/// own files), but with the referrer kept within the gateway: under `no-referrer` browsers send
/// `Origin: null` with the page's own form posts, which the origin check must refuse.
fn form_page(page: &impl Template) -> Response {
    let mut response = no_store(render(StatusCode::OK, page));
    let headers = response.headers_mut();
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    response
}

/// The request's state in words, after "Request X on tenant T …"; `None` while it waits for
/// decisions.
fn closed(kind: RequestKind, status: RequestStatus) -> Option<&'static str> {
    match (kind, status) {
        (_, RequestStatus::Pending) => None,
        (RequestKind::Confirm, RequestStatus::Approved) => {
            Some("was confirmed; the client may now repeat the call, which runs once.")
        }
        (RequestKind::Confirm, RequestStatus::Used) => Some("was confirmed, and the call has run."),
        (RequestKind::Confirm, RequestStatus::Denied) => Some("was declined."),
        (RequestKind::StepUp, RequestStatus::Approved | RequestStatus::Used) => {
            Some("was completed: the user signed in again with MFA.")
        }
        (_, RequestStatus::Expired) => {
            Some("expired before it was decided; the caller must ask again.")
        }
        (_, status) => closed_approval(status),
    }
}

fn closed_approval(status: RequestStatus) -> Option<&'static str> {
    match status {
        RequestStatus::Pending => None,
        RequestStatus::Approved => {
            Some("was approved; the caller may now repeat the call, which runs once.")
        }
        RequestStatus::Used => Some("was approved, and the call has run."),
        RequestStatus::Denied => Some("was denied."),
        RequestStatus::Expired => Some("expired before it was decided; the caller must ask again."),
    }
}

fn status_text(kind: RequestKind, status: RequestStatus) -> &'static str {
    match (kind, status) {
        (RequestKind::Confirm, RequestStatus::Pending) => "waiting for your confirmation",
        (RequestKind::Confirm, RequestStatus::Approved) => "confirmed; the call may run once",
        (RequestKind::Confirm, RequestStatus::Used) => "confirmed; the call has run",
        (RequestKind::Confirm, RequestStatus::Denied) => "declined",
        (_, status) => approval_status_text(status),
    }
}

fn approval_status_text(status: RequestStatus) -> &'static str {
    match status {
        RequestStatus::Pending => "waiting for approvers",
        RequestStatus::Approved => "approved; the call may run once",
        RequestStatus::Used => "approved; the call has run",
        RequestStatus::Denied => "denied",
        RequestStatus::Expired => "expired",
    }
}

/// What a page calls a request, and asks of the person at it, by what the rule asked for.
struct Wording {
    title: &'static str,
    /// After "Request X on tenant T".
    waits: &'static str,
    /// What signing in is for.
    why_sign_in: &'static str,
    button: &'static str,
}

fn wording(kind: RequestKind) -> Wording {
    match kind {
        RequestKind::Approve => Wording {
            title: "Approval request",
            waits: "needs your decision.",
            why_sign_in: "to see it. Only its approvers may see what the call would do, and decide.",
            button: "Sign in with Auth0",
        },
        RequestKind::Confirm => Wording {
            title: "Confirm your call",
            waits: "waits for the user who made the call to confirm it.",
            why_sign_in: "as that user to see the call and confirm or decline it.",
            button: "Sign in with Auth0",
        },
        RequestKind::StepUp => Wording {
            title: "Sign in again",
            waits: "waits for the user who made the call to sign in again with multi-factor authentication.",
            why_sign_in: "again as that user, with MFA. Then go back to your client: the call runs when it is repeated.",
            button: "Sign in again with MFA",
        },
    }
}

#[derive(Template)]
#[template(path = "pages/approval_gate.html")]
struct Gate<'a> {
    id: &'a str,
    tenant: &'a str,
    wording: Wording,
    closed: Option<&'static str>,
    /// Where the sign-in button posts (a path, so it stays on the origin the page came from).
    action: String,
}

/// The page before sign-in: the request's id, tenant and state, and the sign-in button while it
/// waits for decisions. Nothing of what the call would do: its arguments may be personal data.
pub(super) fn gate(public_url: &Url, request: &PolicyRequest) -> Response {
    let page = Gate {
        id: &request.id,
        tenant: &request.tenant,
        wording: wording(request.kind),
        closed: closed(request.kind, request.status),
        action: format!("{}/sign-in", approval_url(public_url, &request.id).path()),
    };
    form_page(&page)
}

#[derive(Template)]
#[template(path = "pages/step_up_done.html")]
struct SteppedUp<'a> {
    tenant: &'a str,
    tool: &'a str,
    minutes: u64,
}

/// After a step-up that counts: what the user may do now, and for how long.
pub(super) fn stepped_up(request: &PolicyRequest, lasts: std::time::Duration) -> Response {
    form_page(&SteppedUp {
        tenant: &request.tenant,
        tool: &request.tool,
        minutes: lasts.as_secs() / 60,
    })
}

/// One decision, as shown.
struct Shown<'a> {
    approver: &'a str,
    decision: &'static str,
    note: Option<&'a str>,
}

/// What just happened, at the top of the page after a decision.
pub(super) struct Outcome {
    /// `ok` or `warn` (a notice's class).
    kind: &'static str,
    text: String,
}

impl Outcome {
    /// The words for `request` after `decision` was recorded on it.
    pub(super) fn after(decision: Decision, request: &PolicyRequest) -> Outcome {
        let approved = approvals_given(request);
        let text = match (decision, request.status) {
            (Decision::Deny, _) if request.kind == RequestKind::Confirm => {
                "Declined. The call will not run; your client is told so if it repeats it."
                    .to_owned()
            }
            (Decision::Approve, _) if request.kind == RequestKind::Confirm => {
                "Confirmed. Go back to your client and let it repeat the call: it runs once, with exactly these arguments.".to_owned()
            }
            (Decision::Deny, _) => {
                "Denied. The caller is told so (with your note) when it repeats the call."
                    .to_owned()
            }
            (Decision::Approve, RequestStatus::Approved) => format!(
                "Approved — {approved} of {}. The caller may now repeat the call; it runs once.",
                request.required
            ),
            (Decision::Approve, _) => format!(
                "Approved — {approved} of {}. {} more from other approvers before the call may run.",
                request.required,
                request.required.saturating_sub(approved)
            ),
        };
        Outcome {
            kind: if decision == Decision::Deny {
                "warn"
            } else {
                "ok"
            },
            text,
        }
    }
}

fn approvals_given(request: &PolicyRequest) -> u32 {
    request
        .decisions
        .iter()
        .filter(|d| d.decision == Decision::Approve)
        .count() as u32
}

#[derive(Template)]
#[template(path = "pages/approval_request.html")]
struct RequestPage<'a> {
    heading: &'static str,
    /// A confirmation of the signed-in user's own call, rather than an approval.
    own_call: bool,
    outcome: Option<Outcome>,
    approver: &'a str,
    id: &'a str,
    tenant: &'a str,
    tool: &'a str,
    requester: &'a str,
    client: Option<&'a str>,
    rule: &'a str,
    approvers: String,
    approved: u32,
    required: u32,
    expires: String,
    status: &'static str,
    arguments: String,
    decisions: Vec<Shown<'a>>,
    /// The decision form's token, when this approver may still decide.
    token: Option<&'a str>,
    /// Why there is no form, when there is none.
    no_form: Option<String>,
    action: String,
}

/// The whole request for a signed-in approver: with the decision form (carrying `token`) when
/// they may still decide, else why not; `outcome` says what their decision just did.
pub(super) fn request_page(
    public_url: &Url,
    request: &PolicyRequest,
    approver: &ApprovalSignIn,
    token: Option<&str>,
    outcome: Option<Outcome>,
) -> Response {
    let own = request
        .decisions
        .iter()
        .find(|d| d.approver.eq_ignore_ascii_case(&approver.email));
    let own_call = request.kind == RequestKind::Confirm;
    let no_form = match (own, closed(request.kind, request.status)) {
        _ if outcome.is_some() => None,
        (_, Some(closed)) => Some(format!("This request {closed} Nothing is left to decide.")),
        (Some(own), None) => Some(format!(
            "You have already decided on this request ({}). The others named above decide the rest.",
            own.decision.as_str()
        )),
        (None, None) => None,
    };
    let page = RequestPage {
        heading: match (&outcome, own_call) {
            (Some(_), true) if request.status == RequestStatus::Denied => "Declined",
            (Some(_), true) => "Confirmed",
            (None, true) => "Confirm your call",
            (Some(_), false) if request.status == RequestStatus::Denied => "Denied",
            (Some(_), false) => "Approved",
            (None, false) => "Approval request",
        },
        own_call,
        outcome,
        approver: &approver.email,
        id: &request.id,
        tenant: &request.tenant,
        tool: &request.tool,
        requester: &request.requester,
        client: request.client_name.as_deref(),
        rule: &request.rule,
        approvers: request
            .approvers
            .iter()
            .map(|text| Person::parse(text).map_or_else(|| text.clone(), |p| p.to_string()))
            .collect::<Vec<_>>()
            .join(", "),
        approved: approvals_given(request),
        required: request.required,
        expires: jiff::Timestamp::from_second(request.expires_at).map_or_else(
            |_| request.expires_at.to_string(),
            |at| at.strftime("%Y-%m-%d %H:%M UTC").to_string(),
        ),
        status: status_text(request.kind, request.status),
        arguments: serde_json::to_string_pretty(&request.arguments_shown).unwrap_or_default(),
        decisions: request
            .decisions
            .iter()
            .map(|d| Shown {
                approver: &d.approver,
                decision: match d.decision {
                    Decision::Approve => "approved",
                    Decision::Deny => "denied",
                },
                note: d.note.as_deref(),
            })
            .collect(),
        token: token.filter(|_| no_form.is_none()),
        no_form,
        action: approval_url(public_url, &request.id).path().to_owned(),
    };
    form_page(&page)
}
