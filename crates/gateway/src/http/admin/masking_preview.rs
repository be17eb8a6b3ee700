//! A tenant's data-protection preview: the operator picks one of the tenant's tools and a result
//! of it (a sample to start from, or one pasted), and sees that result as each caller the
//! tenant's masking rules name would get it, and as any other caller. Each is masked by the
//! masker the call path itself builds for that caller (`gw_policy::Masking::masker`), with the
//! tenant's own pseudonym key, so the pseudonyms shown are the ones the model would see.
//! Read-only for every tenant, wherever its rules are written: nothing is called, saved or
//! logged, and the form is posted with the session's token like every portal form.

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use gw_masking::Mode;
use gw_mcp::TenantRuntime;
use gw_policy::{Masking, NamedCaller};
use serde::Deserialize;
use serde_json::Value;

use super::error::AdminError;
use super::layout;
use super::masking_samples::sample_for;
use super::session::Operator;
use super::views::{AppliedRule, CallerView, MaskingPreviewPage, Outcome};
use crate::http::AppState;

/// The largest sample previewed: a page of users is ~27 KB.
pub(super) const MAX_SAMPLE_BYTES: usize = 64 * 1024;
/// The most callers shown; rules naming more (every combination of long lists) are cut here.
const MAX_CALLERS: usize = 32;

#[derive(Deserialize, Default)]
pub(super) struct Chosen {
    tool: Option<String>,
}

/// What the form holds.
struct Form {
    tool: Option<String>,
    /// `None`: the chosen tool's sample.
    sample: Option<String>,
}

/// Why a sample was not previewed.
enum Refusal {
    TooLarge(usize),
    NotJson(serde_json::Error),
    UnknownTool(String),
}

pub(super) async fn show(
    State(state): State<AppState>,
    operator: Operator,
    Path(name): Path<String>,
    Query(chosen): Query<Chosen>,
) -> Response {
    let form = Form {
        tool: chosen.tool,
        sample: None,
    };
    render(&state, &operator, &name, form, None).unwrap_or_else(|error| error.page(&operator))
}

pub(super) async fn preview(
    State(state): State<AppState>,
    operator: Operator,
    Path(name): Path<String>,
    body: Bytes,
) -> Response {
    preview_sample(&state, &operator, &name, &body).unwrap_or_else(|error| error.page(&operator))
}

fn preview_sample(
    state: &AppState,
    operator: &Operator,
    name: &str,
    body: &[u8],
) -> Result<Response, AdminError> {
    let mut csrf = None;
    let mut form = Form {
        tool: None,
        sample: None,
    };
    let mut take_sample = false;
    for (key, value) in url::form_urlencoded::parse(body) {
        match key.as_ref() {
            "csrf" => csrf = Some(value.into_owned()),
            "tool" => form.tool = Some(value.into_owned()),
            "sample" => form.sample = Some(value.replace("\r\n", "\n")),
            "action" => take_sample = value == "sample",
            _ => {}
        }
    }
    operator.check_form(state, csrf.as_deref())?;
    if take_sample {
        form.sample = None;
        return render(state, operator, name, form, None);
    }
    let sample = form.sample.clone().unwrap_or_default();
    render(state, operator, name, form, Some(sample))
}

/// The page for `form`; with `previewed`, the sample as each caller gets it (or why not).
fn render(
    state: &AppState,
    operator: &Operator,
    name: &str,
    form: Form,
    previewed: Option<String>,
) -> Result<Response, AdminError> {
    let Some(runtime) = state.tenants.get(name) else {
        return Err(AdminError::NotFound(name.to_owned()));
    };
    let tools = super::tenant_page::offered_tools(&runtime.settings);
    let tool = match form.tool {
        Some(tool) => tool,
        None if tools.contains(&"auth0_list_users") => "auth0_list_users".to_owned(),
        None => tools.first().copied().unwrap_or_default().to_owned(),
    };
    let sample = form
        .sample
        .or_else(|| sample_for(&tool))
        .unwrap_or_default();
    let masking = runtime.policies.masking();
    let outcome = previewed.map(|sample| {
        if !tools.contains(&tool.as_str()) {
            return Err(Refusal::UnknownTool(tool.clone()));
        }
        if sample.len() > MAX_SAMPLE_BYTES {
            return Err(Refusal::TooLarge(sample.len()));
        }
        let value: Value = serde_json::from_str(&sample).map_err(Refusal::NotJson)?;
        Ok(callers(masking, &runtime, &tool, &value))
    });
    let (status, problem, callers) = match outcome {
        None => (StatusCode::OK, None, None),
        Some(Ok(callers)) => (StatusCode::OK, None, Some(callers)),
        Some(Err(refusal)) => {
            let (status, why) = match refusal {
                Refusal::TooLarge(len) => (
                    StatusCode::PAYLOAD_TOO_LARGE,
                    format!(
                        "The sample is {len} bytes; the preview takes at most {MAX_SAMPLE_BYTES}."
                    ),
                ),
                Refusal::NotJson(error) => (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    format!("The sample is not JSON ({error}): paste a tool result as JSON."),
                ),
                Refusal::UnknownTool(tool) => (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    format!("`{tool}` is not one of this tenant's tools."),
                ),
            };
            (status, Some(why), None)
        }
    };
    let (callers, more_callers) = match callers {
        Some((callers, more)) => (Some(callers), more),
        None => (None, false),
    };
    let page = MaskingPreviewPage {
        frame: operator.frame(),
        csrf: &operator.csrf,
        name,
        tools,
        has_sample: sample_for(&tool).is_some(),
        tool: &tool,
        sample: &sample,
        problem,
        rules: masking.rules().len(),
        no_key: masking.uses_pseudonyms() && runtime.pseudonyms.is_none(),
        callers,
        more_callers,
        max_sample_bytes: MAX_SAMPLE_BYTES,
    };
    Ok(layout::page(status, &page))
}

/// `sample` as each named caller, then any other caller, would get it from `tool`; and whether
/// callers were left out.
fn callers(
    masking: &Masking,
    runtime: &TenantRuntime,
    tool: &str,
    sample: &Value,
) -> (Vec<CallerView>, bool) {
    let mut named: Vec<NamedCaller> = masking.named_callers().take(MAX_CALLERS + 1).collect();
    let more = named.len() > MAX_CALLERS;
    named.truncate(MAX_CALLERS);
    let everyone = named.is_empty();
    named.push(NamedCaller::anyone_else());
    let views = named
        .iter()
        .map(|named| {
            let caller = named.caller();
            let rules: Vec<AppliedRule> = masking
                .rules_applying(tool, &caller)
                .map(|rule| AppliedRule {
                    name: rule.name.clone(),
                    mode: rule.mode.as_str(),
                    masks: rule.masks().collect::<Vec<_>>().join(", "),
                })
                .collect();
            let pseudonyms = masking
                .rules_applying(tool, &caller)
                .any(|rule| rule.mode == Mode::Pseudonym);
            let outcome = match masking.masker(tool, &caller, runtime.pseudonyms.as_ref()) {
                Ok(None) => Outcome::Unmasked,
                Ok(Some(masker)) => {
                    let mut masked = sample.clone();
                    let counts = masker.mask_json(&mut masked);
                    Outcome::Masked {
                        json: serde_json::to_string_pretty(&masked).unwrap_or_default(),
                        replaced: counts.replaced,
                    }
                }
                Err(why) => Outcome::Refused(why),
            };
            CallerView {
                label: if everyone {
                    "every caller".to_owned()
                } else {
                    named.to_string()
                },
                rules,
                round_trip: pseudonyms.then(|| masking.may_round_trip(&caller)),
                outcome,
            }
        })
        .collect();
    (views, more)
}
