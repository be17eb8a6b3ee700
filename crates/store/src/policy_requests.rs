//! Tool calls that wait for a person: a policy rule asked for approvers' yes (`approve`), the
//! caller's own user's confirmation (`confirm`) or a fresh MFA login (`step_up`). Each becomes a
//! request bound to tenant, caller, tool and the hash of the canonical arguments; it expires, is
//! decided by people (N of M approvals; one deny ends it) and, once approved, is used by exactly
//! one call of exactly those arguments.
//!
//! Every change is one statement or one transaction that replicas sharing PostgreSQL cannot
//! interleave: creating takes turns per tenant (so the bounds hold), deciding locks the request's
//! row first, and using an approval is a single conditional `UPDATE`.

use rand::distr::{Alphanumeric, SampleString};
use sqlx::Row;

use super::{Store, StoreError, unix_now};

/// Most requests waiting for a person in one tenant.
pub const MAX_PENDING_PER_TENANT: i64 = 1000;
/// Most requests waiting for a person from one caller in one tenant: a runaway agent must not
/// flood the approvers' inbox.
pub const MAX_PENDING_PER_REQUESTER: i64 = 20;
/// Longest note an approver may leave with a decision, in characters.
pub const MAX_NOTE_CHARS: usize = 1000;
/// Longest a request may wait for its decision and its use.
pub const MAX_TTL_SECS: i64 = 7 * 86_400;
/// Most approvers (emails or `@domain`s) one request names, and most approvals it may require.
pub const MAX_APPROVERS: usize = 100;
/// Largest masked arguments shown to the people deciding, serialised.
pub const MAX_ARGUMENTS_SHOWN_BYTES: usize = 64 * 1024;
/// Longest approver email or `@domain` (an email address is at most 320 characters).
const MAX_APPROVER_LEN: usize = 320;
/// Most requests one listing returns.
const MAX_LISTED: u32 = 500;
/// How long a request that expired or was used is kept for the people who look back at it.
pub(super) const KEEP_FINISHED_SECS: i64 = 30 * 86_400;

/// What the rule asks of a person before the call runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestKind {
    /// The listed approvers say yes (N of M).
    Approve,
    /// The caller's own user confirms this exact call.
    Confirm,
    /// The caller's own user signs in again with MFA.
    StepUp,
}

/// Who made the call that waits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequesterKind {
    User,
    AgentKey,
    LocalOperator,
}

/// Where a request stands. `Expired` is never stored: a pending or approved request past its
/// expiry reads so, whether or not a sweep has run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestStatus {
    Pending,
    Approved,
    Denied,
    Used,
    Expired,
}

/// One person's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Approve,
    Deny,
}

macro_rules! text_forms {
    ($type:ident, $what:literal, { $($variant:ident => $text:literal),+ $(,)? }) => {
        impl $type {
            /// The text stored (and shown) for this value; it never changes.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($type::$variant => $text,)+
                }
            }

            fn from_stored(text: String) -> Result<$type, StoreError> {
                match text.as_str() {
                    $($text => Ok($type::$variant),)+
                    _ => Err(StoreError::UnknownValue { what: $what, value: text }),
                }
            }
        }
    };
}

text_forms!(RequestKind, "policy request kind", {
    Approve => "approve",
    Confirm => "confirm",
    StepUp => "step_up",
});
text_forms!(RequesterKind, "requester kind", {
    User => "user",
    AgentKey => "agent_key",
    LocalOperator => "local_operator",
});
text_forms!(RequestStatus, "policy request status", {
    Pending => "pending",
    Approved => "approved",
    Denied => "denied",
    Used => "used",
    Expired => "expired",
});
text_forms!(Decision, "decision", {
    Approve => "approve",
    Deny => "deny",
});

/// A call that must wait for a person, as the policy layer describes it.
#[derive(Debug, Clone)]
pub struct NewPolicyRequest {
    pub tenant: String,
    pub kind: RequestKind,
    /// The name of the rule that asked for it.
    pub rule: String,
    /// The caller as people read it (the audit log's principal).
    pub requester: String,
    pub requester_kind: RequesterKind,
    pub requester_user_id: Option<String>,
    /// The caller's user's email; an approval by this address is refused (see
    /// [`Decided::SelfApproval`]).
    pub requester_email: Option<String>,
    pub connection_id: Option<String>,
    pub oauth_client: Option<String>,
    pub client_name: Option<String>,
    pub tool: String,
    /// Hex SHA-256 of the canonical arguments: what binds an approval to exactly this call.
    pub arguments_hash: String,
    /// The arguments as the people deciding see them, secrets already masked.
    pub arguments_shown: serde_json::Value,
    /// Who may decide: emails or `@domain`s. The store keeps them; the caller judges by them.
    pub approvers: Vec<String>,
    /// Approvals needed (N of M).
    pub required: u32,
    pub ttl_secs: i64,
}

/// A stored request, with every decision made on it so far.
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyRequest {
    pub id: String,
    pub tenant: String,
    pub kind: RequestKind,
    pub rule: String,
    pub requester: String,
    pub requester_kind: RequesterKind,
    pub requester_user_id: Option<String>,
    pub requester_email: Option<String>,
    pub connection_id: Option<String>,
    pub oauth_client: Option<String>,
    pub client_name: Option<String>,
    pub tool: String,
    pub arguments_hash: String,
    pub arguments_shown: serde_json::Value,
    pub approvers: Vec<String>,
    pub required: u32,
    pub status: RequestStatus,
    pub created_at: i64,
    pub expires_at: i64,
    pub decided_at: Option<i64>,
    pub used_at: Option<i64>,
    /// Oldest first.
    pub decisions: Vec<RequestDecision>,
}

/// One approver's decision on a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestDecision {
    /// Lowercase email.
    pub approver: String,
    pub decision: Decision,
    pub note: Option<String>,
    pub decided_at: i64,
}

/// What asking for a request found.
#[derive(Debug, Clone, PartialEq)]
pub enum Created {
    /// A new request, pending.
    New(PolicyRequest),
    /// A request for exactly this call is already open (pending, approved or denied, not expired,
    /// not used): no second one is made, and a denied call stays denied until it expires.
    AlreadyOpen(PolicyRequest),
}

/// What a decision did.
#[derive(Debug, Clone, PartialEq)]
pub enum Decided {
    /// Recorded; the request as it stands after it (approved when this was the last approval
    /// needed, denied on a deny).
    Recorded(Box<PolicyRequest>),
    /// No request has this id.
    Unknown,
    /// The request expired before it was decided.
    Expired,
    /// The request was decided (or used) already.
    NotPending(RequestStatus),
    /// This approver has decided on this request already.
    AlreadyDecided,
    /// The approver is the caller whose call waits. The caller of the store checks who may
    /// approve; this is the store's own last line.
    SelfApproval,
}

/// Which requests a listing shows.
#[derive(Debug, Clone, Copy)]
pub struct RequestFilter<'a> {
    pub tenant: Option<&'a str>,
    /// Only those still waiting for a decision (pending and not expired).
    pub pending_only: bool,
    /// At most this many (and never more than 500), newest first.
    pub limit: u32,
}

fn new_request_id() -> String {
    format!("preq_{}", Alphanumeric.sample_string(&mut rand::rng(), 24))
}

fn invalid(reason: impl Into<String>) -> StoreError {
    StoreError::InvalidPolicyInput(reason.into())
}

/// Refuses what the store will not keep, before anything is written.
fn check(new: &NewPolicyRequest) -> Result<String, StoreError> {
    if new.required == 0 || new.required as usize > MAX_APPROVERS {
        return Err(invalid(format!(
            "a request requires between 1 and {MAX_APPROVERS} approvals"
        )));
    }
    if !(1..=MAX_TTL_SECS).contains(&new.ttl_secs) {
        return Err(invalid(format!(
            "a request lives between 1 and {MAX_TTL_SECS} seconds"
        )));
    }
    if new.approvers.len() > MAX_APPROVERS
        || new
            .approvers
            .iter()
            .any(|a| a.trim().is_empty() || a.len() > MAX_APPROVER_LEN)
    {
        return Err(invalid(format!(
            "a request names at most {MAX_APPROVERS} approvers, each a non-empty email or @domain of at most {MAX_APPROVER_LEN} characters"
        )));
    }
    let is_sha256_hex = new.arguments_hash.len() == 64
        && new
            .arguments_hash
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    if !is_sha256_hex {
        return Err(invalid(
            "the arguments hash is a lowercase hex SHA-256 (64 characters)",
        ));
    }
    let shown = new.arguments_shown.to_string();
    if shown.len() > MAX_ARGUMENTS_SHOWN_BYTES {
        return Err(invalid(format!(
            "the arguments shown take {} bytes; at most {MAX_ARGUMENTS_SHOWN_BYTES} are kept",
            shown.len()
        )));
    }
    Ok(shown)
}

/// Every request column, then the decisions as `d_…` columns (NULL when there is none), one row
/// per decision, newest request first. `requests` is a query of `policy_requests` rows.
fn with_decisions(requests: &str) -> String {
    format!(
        "SELECT r.*, d.approver AS d_approver, d.decision AS d_decision, d.note AS d_note, d.decided_at AS d_decided_at \
         FROM ({requests}) r LEFT JOIN policy_decisions d ON d.request_id = r.id \
         ORDER BY r.created_at DESC, r.id DESC, d.decided_at, d.approver"
    )
}

/// Requests from rows of [`with_decisions`], in their order.
fn requests_from(rows: &[sqlx::any::AnyRow], now: i64) -> Result<Vec<PolicyRequest>, StoreError> {
    let mut requests: Vec<PolicyRequest> = Vec::new();
    for row in rows {
        let id: String = row.get("id");
        if requests.last().is_none_or(|last| last.id != id) {
            requests.push(request_from(row, now)?);
        }
        if let Some(approver) = row.get::<Option<String>, _>("d_approver") {
            let decision = RequestDecision {
                approver,
                decision: Decision::from_stored(row.get("d_decision"))?,
                note: row.get("d_note"),
                decided_at: row.get("d_decided_at"),
            };
            requests
                .last_mut()
                .expect("a request was pushed for this row")
                .decisions
                .push(decision);
        }
    }
    Ok(requests)
}

fn request_from(row: &sqlx::any::AnyRow, now: i64) -> Result<PolicyRequest, StoreError> {
    let expires_at: i64 = row.get("expires_at");
    let status = match RequestStatus::from_stored(row.get("status"))? {
        RequestStatus::Pending | RequestStatus::Approved if expires_at <= now => {
            RequestStatus::Expired
        }
        stored => stored,
    };
    let unreadable = |what: &'static str| {
        move |_| StoreError::UnknownValue {
            what,
            value: "(not JSON)".to_owned(),
        }
    };
    Ok(PolicyRequest {
        id: row.get("id"),
        tenant: row.get("tenant"),
        kind: RequestKind::from_stored(row.get("kind"))?,
        rule: row.get("rule"),
        requester: row.get("requester"),
        requester_kind: RequesterKind::from_stored(row.get("requester_kind"))?,
        requester_user_id: row.get("requester_user_id"),
        requester_email: row.get("requester_email"),
        connection_id: row.get("connection_id"),
        oauth_client: row.get("oauth_client"),
        client_name: row.get("client_name"),
        tool: row.get("tool"),
        arguments_hash: row.get("arguments_hash"),
        arguments_shown: serde_json::from_str(&row.get::<String, _>("arguments_shown"))
            .map_err(unreadable("policy request's arguments"))?,
        approvers: serde_json::from_str(&row.get::<String, _>("approvers"))
            .map_err(unreadable("policy request's approvers"))?,
        required: u32::try_from(row.get::<i64, _>("required")).unwrap_or(u32::MAX),
        status,
        created_at: row.get("created_at"),
        expires_at,
        decided_at: row.get("decided_at"),
        used_at: row.get("used_at"),
        decisions: Vec::new(),
    })
}

/// One request, by id.
const BY_ID: &str = "SELECT * FROM policy_requests WHERE id = $1";
/// Open requests: waiting, or decided and not yet expired or used.
const OPEN: &str = "status IN ('pending', 'approved', 'denied') AND expires_at > $5";
/// Exactly one call: its tenant, caller, tool and arguments.
const THIS_CALL: &str = "tenant = $1 AND requester = $2 AND tool = $3 AND arguments_hash = $4";

impl Store {
    /// Stores a request for a call that waits for a person, or finds the one already open for
    /// exactly this call ([`Created::AlreadyOpen`]). Refused with [`StoreError::Full`] when the
    /// tenant has [`MAX_PENDING_PER_TENANT`] requests waiting, or the caller
    /// [`MAX_PENDING_PER_REQUESTER`].
    pub async fn create_policy_request(
        &self,
        new: &NewPolicyRequest,
    ) -> Result<Created, StoreError> {
        let shown = check(new)?;
        let approvers =
            serde_json::to_string(&new.approvers).expect("a list of strings serialises");
        let id = new_request_id();
        let now = unix_now();
        let mut tx = self.pool().begin().await?;
        // Creations in one tenant take turns across replicas, so no two see room for one more.
        // On SQLite the single statement below is atomic.
        self.take_turns(&mut tx, &format!("policy_requests:{}", new.tenant))
            .await?;
        let inserted = sqlx::query(&format!(
            "INSERT INTO policy_requests (tenant, requester, tool, arguments_hash, id, kind, rule, requester_kind, requester_user_id, requester_email, connection_id, oauth_client, client_name, arguments_shown, approvers, required, status, created_at, expires_at) \
             SELECT $1, $2, $3, $4, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, 'pending', $5, $18 \
             WHERE NOT EXISTS (SELECT 1 FROM policy_requests WHERE {THIS_CALL} AND {OPEN}) \
             AND (SELECT COUNT(*) FROM policy_requests WHERE tenant = $1 AND status = 'pending' AND expires_at > $5) < $19 \
             AND (SELECT COUNT(*) FROM policy_requests WHERE tenant = $1 AND requester = $2 AND status = 'pending' AND expires_at > $5) < $20"
        ))
        .bind(&new.tenant)
        .bind(&new.requester)
        .bind(&new.tool)
        .bind(&new.arguments_hash)
        .bind(now)
        .bind(&id)
        .bind(new.kind.as_str())
        .bind(&new.rule)
        .bind(new.requester_kind.as_str())
        .bind(&new.requester_user_id)
        .bind(&new.requester_email)
        .bind(&new.connection_id)
        .bind(&new.oauth_client)
        .bind(&new.client_name)
        .bind(&shown)
        .bind(&approvers)
        .bind(i64::from(new.required))
        .bind(now + new.ttl_secs)
        .bind(MAX_PENDING_PER_TENANT)
        .bind(MAX_PENDING_PER_REQUESTER)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if inserted == 1 {
            tx.commit().await?;
            return self
                .policy_request(&id)
                .await?
                .map(Created::New)
                .ok_or(StoreError::Query(sqlx::Error::RowNotFound));
        }
        let open = open_request(
            &mut *tx,
            [&new.tenant, &new.requester, &new.tool, &new.arguments_hash],
            now,
        )
        .await?;
        if let Some(open) = open {
            tx.rollback().await?;
            return Ok(Created::AlreadyOpen(open));
        }
        let from_requester: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM policy_requests WHERE tenant = $1 AND requester = $2 AND status = 'pending' AND expires_at > $3",
        )
        .bind(&new.tenant)
        .bind(&new.requester)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        tx.rollback().await?;
        Err(StoreError::Full(
            if from_requester >= MAX_PENDING_PER_REQUESTER {
                "requests from this caller waiting for a person"
            } else {
                "requests in this tenant waiting for a person"
            },
        ))
    }

    /// A request by id, in any state.
    pub async fn policy_request(&self, id: &str) -> Result<Option<PolicyRequest>, StoreError> {
        let rows = sqlx::query(&with_decisions(BY_ID))
            .bind(id)
            .fetch_all(self.pool())
            .await?;
        Ok(requests_from(&rows, unix_now())?.pop())
    }

    /// The open request (pending, approved or denied; not expired, not used) for exactly this
    /// call, if any.
    pub async fn open_policy_request(
        &self,
        tenant: &str,
        requester: &str,
        tool: &str,
        arguments_hash: &str,
    ) -> Result<Option<PolicyRequest>, StoreError> {
        open_request(
            self.pool(),
            [tenant, requester, tool, arguments_hash],
            unix_now(),
        )
        .await
    }

    /// Requests, newest first (the CLI, the portal's inbox).
    pub async fn policy_requests(
        &self,
        filter: RequestFilter<'_>,
    ) -> Result<Vec<PolicyRequest>, StoreError> {
        let now = unix_now();
        let sql = with_decisions(
            "SELECT * FROM policy_requests \
             WHERE (CAST($1 AS TEXT) IS NULL OR tenant = $2) \
             AND ($3 = 0 OR (status = 'pending' AND expires_at > $4)) \
             ORDER BY created_at DESC, id DESC LIMIT $5",
        );
        let rows = sqlx::query(&sql)
            .bind(filter.tenant)
            .bind(filter.tenant)
            .bind(i64::from(filter.pending_only))
            .bind(now)
            .bind(i64::from(filter.limit.min(MAX_LISTED)))
            .fetch_all(self.pool())
            .await?;
        requests_from(&rows, now)
    }

    /// Records one approver's decision, in one transaction that holds the request's row: a deny
    /// denies at once; an approval approves when the approvals reach the number required.
    /// Refusals ([`Decided`] other than `Recorded`) change nothing; so does a note longer than
    /// [`MAX_NOTE_CHARS`] ([`StoreError::NoteTooLong`]).
    pub async fn decide_policy_request(
        &self,
        id: &str,
        approver_email: &str,
        decision: Decision,
        note: Option<&str>,
    ) -> Result<Decided, StoreError> {
        if let Some(chars) = note.map(|n| n.chars().count())
            && chars > MAX_NOTE_CHARS
        {
            return Err(StoreError::NoteTooLong {
                chars,
                max: MAX_NOTE_CHARS,
            });
        }
        let approver = approver_email.trim().to_lowercase();
        if approver.is_empty() || approver.len() > MAX_APPROVER_LEN {
            return Err(invalid(format!(
                "an approver is a non-empty email of at most {MAX_APPROVER_LEN} characters"
            )));
        }
        let now = unix_now();
        let mut tx = self.pool().begin().await?;
        let decided = self
            .decide_in(&mut tx, id, &approver, decision, note, now)
            .await?;
        if matches!(decided, Decided::Recorded(_)) {
            tx.commit().await?;
        } else {
            tx.rollback().await?;
        }
        Ok(decided)
    }

    async fn decide_in(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        id: &str,
        approver: &str,
        decision: Decision,
        note: Option<&str>,
        now: i64,
    ) -> Result<Decided, StoreError> {
        // A write that changes nothing, first: on PostgreSQL it locks the row (as `SELECT … FOR
        // UPDATE`, which SQLite lacks), so decisions on one request take turns across replicas
        // and each counts the approvals before it; on SQLite it takes the write lock now, which
        // a transaction that read first could not get once another had written.
        let locked = sqlx::query("UPDATE policy_requests SET status = status WHERE id = $1")
            .bind(id)
            .execute(&mut **tx)
            .await?
            .rows_affected();
        if locked == 0 {
            return Ok(Decided::Unknown);
        }
        let request = self.load_in(tx, id, now).await?;
        match request.status {
            RequestStatus::Pending => {}
            RequestStatus::Expired => return Ok(Decided::Expired),
            other => return Ok(Decided::NotPending(other)),
        }
        let own_call = request
            .requester_email
            .as_deref()
            .is_some_and(|email| email.trim().to_lowercase() == approver);
        if request.kind == RequestKind::Approve && own_call {
            return Ok(Decided::SelfApproval);
        }
        let inserted = sqlx::query(
            "INSERT INTO policy_decisions (request_id, approver, decision, note, decided_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (request_id, approver) DO NOTHING",
        )
        .bind(id)
        .bind(approver)
        .bind(decision.as_str())
        .bind(note)
        .bind(now)
        .execute(&mut **tx)
        .await?
        .rows_affected();
        if inserted == 0 {
            return Ok(Decided::AlreadyDecided);
        }
        let settle = match decision {
            Decision::Deny => {
                "UPDATE policy_requests SET status = 'denied', decided_at = $2 WHERE id = $1"
            }
            Decision::Approve => {
                "UPDATE policy_requests SET status = 'approved', decided_at = $2 WHERE id = $1 \
                 AND (SELECT COUNT(*) FROM policy_decisions WHERE request_id = $1 AND decision = 'approve') >= required"
            }
        };
        sqlx::query(settle)
            .bind(id)
            .bind(now)
            .execute(&mut **tx)
            .await?;
        Ok(Decided::Recorded(Box::new(
            self.load_in(tx, id, now).await?,
        )))
    }

    /// Uses the approval of exactly this call: marks one approved, unexpired request for it
    /// used and returns it. One statement, conditional on the request still being approved, so
    /// of any number of concurrent callers (on any replicas) one gets it.
    pub async fn consume_approved(
        &self,
        tenant: &str,
        requester: &str,
        tool: &str,
        arguments_hash: &str,
    ) -> Result<Option<PolicyRequest>, StoreError> {
        let now = unix_now();
        let used: Option<String> = sqlx::query_scalar(&format!(
            "UPDATE policy_requests SET status = 'used', used_at = $5 \
             WHERE id = (SELECT id FROM policy_requests WHERE {THIS_CALL} AND status = 'approved' AND expires_at > $5 ORDER BY created_at DESC, id DESC LIMIT 1) \
             AND status = 'approved' RETURNING id"
        ))
        .bind(tenant)
        .bind(requester)
        .bind(tool)
        .bind(arguments_hash)
        .bind(now)
        .fetch_optional(self.pool())
        .await?;
        match used {
            Some(id) => self.policy_request(&id).await,
            None => Ok(None),
        }
    }

    async fn load_in(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        id: &str,
        now: i64,
    ) -> Result<PolicyRequest, StoreError> {
        let rows = sqlx::query(&with_decisions(BY_ID))
            .bind(id)
            .fetch_all(&mut **tx)
            .await?;
        requests_from(&rows, now)?
            .pop()
            .ok_or(StoreError::Query(sqlx::Error::RowNotFound))
    }
}

/// The newest open request for exactly one call (`[tenant, requester, tool, arguments_hash]`).
async fn open_request<'c>(
    executor: impl sqlx::Executor<'c, Database = sqlx::Any>,
    call: [&str; 4],
    now: i64,
) -> Result<Option<PolicyRequest>, StoreError> {
    let sql = with_decisions(&format!(
        "SELECT * FROM policy_requests WHERE {THIS_CALL} AND {OPEN} ORDER BY created_at DESC, id DESC LIMIT 1"
    ));
    let [tenant, requester, tool, arguments_hash] = call;
    let rows = sqlx::query(&sql)
        .bind(tenant)
        .bind(requester)
        .bind(tool)
        .bind(arguments_hash)
        .bind(now)
        .fetch_all(executor)
        .await?;
    Ok(requests_from(&rows, now)?.pop())
}
