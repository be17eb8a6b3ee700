//! Paging: the two ways Auth0 pages lists, the next-page computation, and the one opaque
//! cursor that hides both from the MCP layer.
//!
//! Auth0 pages by *offset* (`page` + `per_page`, with `include_totals=true` giving
//! `{start, limit, length?, total, <items>}`) or by *checkpoint* (`from` + `take`, giving
//! `{<items>, next}`). Offset lists always ask for totals, so the next page can be computed from
//! `start + length` against `total` instead of guessing; where totals cannot be trusted (logs)
//! or are missing (a bare array), a full page means "maybe more". Users and organizations
//! cannot be paged past the first 1000 records, so no cursor is ever issued past that cap.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use reqwest::header::HeaderMap;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::Auth0Error;

/// The most records user search and organization (member) listing can page through.
pub(crate) const RECORD_CAP: u64 = 1000;

/// A cursor longer than this was not issued by us (Auth0's checkpoint tokens are short).
const MAX_CURSOR_LEN: usize = 2048;

/// The version tag inside every cursor, so a future format can reject (or migrate) old ones.
const CURSOR_VERSION: u8 = 1;

/// Offset paging: page `page` (from 0) of `per_page` records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Offset {
    /// The page index, starting at 0.
    pub page: u32,
    /// Records per page (Auth0 accepts up to 100).
    pub per_page: u32,
}

impl Default for Offset {
    /// The first page of 50, Auth0's documented public-cloud default.
    fn default() -> Self {
        Self {
            page: 0,
            per_page: 50,
        }
    }
}

/// Which page to fetch, in either of Auth0's paging modes.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PageRequest {
    /// Offset paging (`page`, `per_page`).
    Offset(Offset),
    /// Checkpoint paging: `from` is the `next` token of the previous page (or, for logs, a log
    /// id); `None` starts at the beginning. `take` is the page size (Auth0 accepts up to 100).
    Checkpoint {
        /// Where to continue from; `None` for the first page.
        from: Option<String>,
        /// How many records to return.
        take: u32,
    },
}

impl From<Offset> for PageRequest {
    fn from(o: Offset) -> Self {
        PageRequest::Offset(o)
    }
}

/// One page of a list.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    /// The records on this page.
    pub items: Vec<T>,
    /// The total Auth0 reported, when it reported one (never for checkpoint paging; for logs
    /// Auth0's figure is only the page size).
    pub total: Option<u64>,
    /// The request for the next page, or `None` when there is no next page.
    pub next: Option<PageRequest>,
}

impl<T> Page<T> {
    /// The next page as an opaque cursor, or `None` when this was the last page.
    pub fn next_cursor(&self) -> Option<String> {
        self.next.as_ref().map(Cursor::encode)
    }

    /// Converts the records, keeping the paging information.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            total: self.total,
            next: self.next,
        }
    }
}

/// The opaque cursor handed to MCP clients: base64url (no padding) of a small versioned JSON
/// document. It is opaque so that models pass it back rather than edit it, and so that offset
/// and checkpoint paging look the same from outside.
#[derive(Debug, Clone, Copy)]
pub struct Cursor;

/// The JSON inside a cursor. Field names are short to keep cursors short.
#[derive(Serialize, Deserialize)]
#[serde(tag = "k", deny_unknown_fields)]
enum Wire {
    #[serde(rename = "o")]
    Offset { v: u8, p: u32, n: u32 },
    #[serde(rename = "c")]
    Checkpoint {
        v: u8,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        f: Option<String>,
        t: u32,
    },
}

impl Cursor {
    /// Encodes a page request as an opaque cursor string.
    pub fn encode(request: &PageRequest) -> String {
        let wire = match request {
            PageRequest::Offset(o) => Wire::Offset {
                v: CURSOR_VERSION,
                p: o.page,
                n: o.per_page,
            },
            PageRequest::Checkpoint { from, take } => Wire::Checkpoint {
                v: CURSOR_VERSION,
                f: from.clone(),
                t: *take,
            },
        };
        // Serialising this enum of integers and strings cannot fail.
        let json = serde_json::to_vec(&wire).unwrap_or_default();
        URL_SAFE_NO_PAD.encode(json)
    }

    /// Decodes a cursor made by [`Cursor::encode`]; anything else is
    /// [`Auth0Error::InvalidCursor`]. The error text never echoes the cursor back.
    pub fn decode(cursor: &str) -> Result<PageRequest, Auth0Error> {
        let cursor = cursor.trim();
        if cursor.is_empty() {
            return Err(Auth0Error::InvalidCursor("the cursor is empty".into()));
        }
        if cursor.len() > MAX_CURSOR_LEN {
            return Err(Auth0Error::InvalidCursor("the cursor is too long".into()));
        }
        let bytes = URL_SAFE_NO_PAD
            .decode(cursor.trim_end_matches('='))
            .map_err(|_| {
                Auth0Error::InvalidCursor("not a cursor returned by a list call".into())
            })?;
        let wire: Wire = serde_json::from_slice(&bytes).map_err(|_| {
            Auth0Error::InvalidCursor("not a cursor returned by a list call".into())
        })?;
        let (version, request) = match wire {
            Wire::Offset { v, p, n } => (
                v,
                PageRequest::Offset(Offset {
                    page: p,
                    per_page: n,
                }),
            ),
            Wire::Checkpoint { v, f, t } => (v, PageRequest::Checkpoint { from: f, take: t }),
        };
        if version != CURSOR_VERSION {
            return Err(Auth0Error::InvalidCursor(format!(
                "cursor version {version} is not supported; start the list again without a cursor"
            )));
        }
        Ok(request)
    }
}

/// How one list endpoint behaves.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ListSpec {
    /// The key holding the records in an enveloped answer (`users`, `roles`, …).
    pub(crate) key: &'static str,
    /// The record cap for offset paging, if the endpoint has one.
    pub(crate) cap: Option<u64>,
    /// Whether `total` can be trusted to end the paging (false for logs).
    pub(crate) totals_reliable: bool,
}

impl ListSpec {
    /// An endpoint with no record cap whose `total` can be trusted.
    pub(crate) const fn uncapped(key: &'static str) -> Self {
        Self {
            key,
            cap: None,
            totals_reliable: true,
        }
    }

    /// An endpoint whose offset paging stops at the first 1000 records.
    pub(crate) const fn capped(key: &'static str) -> Self {
        Self {
            key,
            cap: Some(RECORD_CAP),
            totals_reliable: true,
        }
    }
}

/// A list answer before its records are typed.
#[derive(Debug, Default)]
pub(crate) struct RawPage {
    pub(crate) items: Vec<Value>,
    pub(crate) start: Option<u64>,
    pub(crate) limit: Option<u64>,
    pub(crate) total: Option<u64>,
    pub(crate) next: Option<String>,
}

/// Splits a list answer, whether a bare array or an envelope, into records and paging fields.
pub(crate) fn parse_raw(status: u16, body: &[u8], key: &str) -> Result<RawPage, Auth0Error> {
    let decode = |detail: String| Auth0Error::Decode { status, detail };
    let value: Value = serde_json::from_slice(body).map_err(|e| decode(e.to_string()))?;
    match value {
        Value::Array(items) => Ok(RawPage {
            items,
            ..Default::default()
        }),
        Value::Object(mut map) => {
            let items = match map.remove(key) {
                Some(Value::Array(items)) => items,
                Some(_) => return Err(decode(format!("`{key}` is not an array"))),
                None => return Err(decode(format!("the answer has no `{key}` list"))),
            };
            let num = |name: &str| map.get(name).and_then(Value::as_u64);
            Ok(RawPage {
                items,
                start: num("start"),
                limit: num("limit"),
                total: num("total"),
                next: map
                    .get("next")
                    .and_then(Value::as_str)
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned),
            })
        }
        _ => Err(decode(format!("expected a list or an object with `{key}`"))),
    }
}

/// Types the records of a raw page.
pub(crate) fn typed_items<T: DeserializeOwned>(
    status: u16,
    items: Vec<Value>,
) -> Result<Vec<T>, Auth0Error> {
    serde_json::from_value(Value::Array(items)).map_err(|e| Auth0Error::Decode {
        status,
        detail: e.to_string(),
    })
}

/// Turns a raw answer into a typed page with its `next` request.
pub(crate) fn into_page<T: DeserializeOwned>(
    status: u16,
    raw: RawPage,
    request: &PageRequest,
    spec: ListSpec,
) -> Result<Page<T>, Auth0Error> {
    let returned = raw.items.len() as u64;
    let next = match request {
        PageRequest::Offset(o) => offset_next(*o, returned, &raw, spec),
        PageRequest::Checkpoint { take, .. } => checkpoint_next(returned, raw.next.clone(), *take),
    };
    let total = match request {
        PageRequest::Offset(_) => raw.total,
        PageRequest::Checkpoint { .. } => None,
    };
    Ok(Page {
        items: typed_items(status, raw.items)?,
        total,
        next,
    })
}

/// The next offset page, if there is one.
fn offset_next(req: Offset, returned: u64, raw: &RawPage, spec: ListSpec) -> Option<PageRequest> {
    if returned == 0 {
        return None;
    }
    let per_page = u64::from(req.per_page);
    let start = raw.start.unwrap_or(u64::from(req.page) * per_page);
    let end = start + returned;
    match raw.total.filter(|_| spec.totals_reliable) {
        Some(total) => {
            if end >= total {
                return None;
            }
        }
        None => {
            // No trustworthy total: a short page is the last one. Auth0 may clamp per_page
            // (its `limit`), so compare with what it actually used.
            let page_size = raw
                .limit
                .filter(|l| *l > 0)
                .map_or(per_page, |l| l.min(per_page));
            if returned < page_size {
                return None;
            }
        }
    }
    let next_page = req.page.checked_add(1)?;
    if let Some(cap) = spec.cap {
        // Auth0 rejects a page that reaches past the cap (400), so no cursor for one.
        if (u64::from(next_page) + 1) * per_page > cap {
            return None;
        }
    }
    Some(PageRequest::Offset(Offset {
        page: next_page,
        per_page: req.per_page,
    }))
}

/// The next checkpoint page: Auth0's `next` token, unless the page was empty.
fn checkpoint_next(returned: u64, next: Option<String>, take: u32) -> Option<PageRequest> {
    if returned == 0 {
        return None;
    }
    next.map(|from| PageRequest::Checkpoint {
        from: Some(from),
        take,
    })
}

/// The `from` value of a `Link: <…?from=…&take=…>; rel="next"` header (log checkpoints).
pub(crate) fn link_next_from(headers: &HeaderMap) -> Option<String> {
    for value in headers.get_all(reqwest::header::LINK) {
        let Ok(value) = value.to_str() else { continue };
        for link in value.split(',') {
            let mut parts = link.split(';');
            let target = parts.next().unwrap_or_default().trim();
            let is_next = parts.any(|p| {
                let p = p.trim().to_ascii_lowercase();
                p == "rel=next" || p == "rel=\"next\""
            });
            let Some(target) = target.strip_prefix('<').and_then(|t| t.strip_suffix('>')) else {
                continue;
            };
            if !is_next {
                continue;
            }
            // The target may be relative; any base will do, only its query matters.
            let Ok(url) = url::Url::parse(target)
                .or_else(|_| url::Url::parse("http://relative.invalid/")?.join(target))
            else {
                continue;
            };
            if let Some((_, from)) = url.query_pairs().find(|(k, _)| k == "from")
                && !from.is_empty()
            {
                return Some(from.into_owned());
            }
        }
    }
    None
}

/// The query parameters that select a page.
pub(crate) fn paging_query(request: &PageRequest) -> Vec<(&'static str, String)> {
    match request {
        PageRequest::Offset(o) => vec![
            ("page", o.page.to_string()),
            ("per_page", o.per_page.to_string()),
            ("include_totals", "true".to_owned()),
        ],
        PageRequest::Checkpoint { from, take } => {
            let mut q = Vec::with_capacity(2);
            if let Some(from) = from {
                q.push(("from", from.clone()));
            }
            q.push(("take", take.to_string()));
            q
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn cursor_round_trip() {
        let cases = [
            PageRequest::Offset(Offset {
                page: 0,
                per_page: 50,
            }),
            PageRequest::Offset(Offset {
                page: u32::MAX,
                per_page: 100,
            }),
            PageRequest::Checkpoint {
                from: None,
                take: 10,
            },
            PageRequest::Checkpoint {
                from: Some("MjAyNC0wMS0wMQ==/ä+&=?".into()),
                take: 100,
            },
        ];
        for request in cases {
            let cursor = Cursor::encode(&request);
            assert!(
                cursor
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'),
                "{cursor} is not url-safe"
            );
            assert_eq!(Cursor::decode(&cursor).unwrap(), request);
        }
    }

    #[test]
    fn cursor_rejects_garbage() {
        let b64 = |s: &str| URL_SAFE_NO_PAD.encode(s);
        let cases: Vec<(&str, String)> = vec![
            ("empty", String::new()),
            ("not base64", "!!!not base64!!!".into()),
            ("not json", b64("hello")),
            ("unknown kind", b64(r#"{"k":"x","v":1}"#)),
            ("wrong version", b64(r#"{"k":"o","v":2,"p":1,"n":10}"#)),
            ("missing field", b64(r#"{"k":"o","v":1,"p":1}"#)),
            ("extra field", b64(r#"{"k":"o","v":1,"p":1,"n":2,"x":3}"#)),
            ("negative page", b64(r#"{"k":"o","v":1,"p":-1,"n":2}"#)),
            ("a json array", b64("[1,2]")),
            ("too long", "A".repeat(MAX_CURSOR_LEN + 1)),
        ];
        for (name, cursor) in cases {
            match Cursor::decode(&cursor) {
                Err(Auth0Error::InvalidCursor(msg)) => {
                    assert!(
                        !msg.contains(&cursor) || cursor.is_empty(),
                        "case {name} echoes"
                    )
                }
                other => panic!("case {name}: expected InvalidCursor, got {other:?}"),
            }
        }
    }

    const USERS: ListSpec = ListSpec::capped("users");
    const LOGS: ListSpec = crate::logs::LIST;
    const NO_TOTALS: ListSpec = ListSpec {
        key: "users",
        cap: None,
        totals_reliable: false,
    };

    fn next_of(body: &str, request: PageRequest, spec: ListSpec) -> Option<PageRequest> {
        let raw = parse_raw(200, body.as_bytes(), spec.key).unwrap();
        into_page::<Value>(200, raw, &request, spec).unwrap().next
    }

    fn offset(page: u32, per_page: u32) -> PageRequest {
        PageRequest::Offset(Offset { page, per_page })
    }

    fn items(n: usize) -> String {
        let v: Vec<Value> = (0..n)
            .map(|i| serde_json::json!({ "user_id": i }))
            .collect();
        serde_json::to_string(&v).unwrap()
    }

    #[test]
    fn offset_next_cases() {
        let env = |start: u64, limit: u64, n: usize, total: u64| {
            format!(
                r#"{{"start":{start},"limit":{limit},"length":{n},"total":{total},"users":{}}}"#,
                items(n)
            )
        };
        let cases: Vec<(&str, String, PageRequest, ListSpec, Option<PageRequest>)> = vec![
            (
                "more by total",
                env(0, 50, 50, 120),
                offset(0, 50),
                USERS,
                Some(offset(1, 50)),
            ),
            (
                "last by total",
                env(100, 50, 20, 120),
                offset(2, 50),
                USERS,
                None,
            ),
            (
                "exactly at total",
                env(50, 50, 50, 100),
                offset(1, 50),
                USERS,
                None,
            ),
            ("empty page", env(0, 50, 0, 0), offset(0, 50), USERS, None),
            (
                "cap reached",
                env(900, 100, 100, 5000),
                offset(9, 100),
                USERS,
                None,
            ),
            (
                "cap not reached",
                env(800, 100, 100, 5000),
                offset(8, 100),
                USERS,
                Some(offset(9, 100)),
            ),
            (
                "cap with odd size",
                env(960, 30, 30, 5000),
                offset(32, 30),
                USERS,
                None,
            ),
            (
                "bare array full",
                items(10),
                offset(3, 10),
                USERS,
                Some(offset(4, 10)),
            ),
            ("bare array short", items(9), offset(3, 10), USERS, None),
            (
                "clamped limit full",
                env(0, 50, 50, 0),
                offset(0, 100),
                NO_TOTALS,
                Some(offset(1, 100)),
            ),
            (
                "clamped limit short",
                env(0, 50, 49, 0),
                offset(0, 100),
                NO_TOTALS,
                None,
            ),
            (
                "logs total ignored",
                format!(
                    r#"{{"start":0,"limit":5,"length":5,"total":5,"logs":{}}}"#,
                    items(5)
                ),
                offset(0, 5),
                LOGS,
                Some(offset(1, 5)),
            ),
            (
                "logs short page",
                format!(
                    r#"{{"start":0,"limit":5,"length":4,"total":4,"logs":{}}}"#,
                    items(4)
                ),
                offset(0, 5),
                LOGS,
                None,
            ),
        ];
        for (name, body, request, spec, want) in cases {
            assert_eq!(next_of(&body, request, spec), want, "case {name}");
        }
    }

    #[test]
    fn checkpoint_next_cases() {
        let cp = |from: Option<&str>| PageRequest::Checkpoint {
            from: from.map(Into::into),
            take: 2,
        };
        let spec = ListSpec {
            key: "members",
            cap: None,
            totals_reliable: true,
        };
        let body = format!(r#"{{"members":{},"next":"tok2"}}"#, items(2));
        assert_eq!(next_of(&body, cp(None), spec), Some(cp(Some("tok2"))));
        let body = format!(r#"{{"members":{}}}"#, items(1));
        assert_eq!(next_of(&body, cp(Some("tok2")), spec), None, "next absent");
        assert_eq!(
            next_of(r#"{"members":[],"next":"tok3"}"#, cp(Some("x")), spec),
            None,
            "empty page"
        );
        assert_eq!(next_of(r#"{"members":[],"next":""}"#, cp(None), spec), None);
    }

    #[test]
    fn raw_rejects_wrong_shapes() {
        assert!(matches!(
            parse_raw(200, b"{}", "users"),
            Err(Auth0Error::Decode { .. })
        ));
        assert!(matches!(
            parse_raw(200, br#"{"users":3}"#, "users"),
            Err(Auth0Error::Decode { .. })
        ));
        assert!(matches!(
            parse_raw(200, b"42", "users"),
            Err(Auth0Error::Decode { .. })
        ));
        assert!(matches!(
            parse_raw(200, b"<html>", "users"),
            Err(Auth0Error::Decode { .. })
        ));
    }

    #[test]
    fn link_header_next() {
        let mut h = HeaderMap::new();
        assert_eq!(link_next_from(&h), None);
        h.insert(
            "link",
            HeaderValue::from_static(
                r#"<https://t.auth0.com/api/v2/logs?from=900&take=2>; rel="prev", <https://t.auth0.com/api/v2/logs?take=2&from=9001>; rel="next""#,
            ),
        );
        assert_eq!(link_next_from(&h).as_deref(), Some("9001"));
        h.insert(
            "link",
            HeaderValue::from_static("</api/v2/logs?from=77&take=5>; rel=next"),
        );
        assert_eq!(link_next_from(&h).as_deref(), Some("77"));
    }

    #[test]
    fn query_for_each_mode() {
        assert_eq!(
            paging_query(&offset(2, 25)),
            vec![
                ("page", "2".into()),
                ("per_page", "25".into()),
                ("include_totals", "true".into())
            ]
        );
        assert_eq!(
            paging_query(&PageRequest::Checkpoint {
                from: None,
                take: 5
            }),
            vec![("take", "5".into())]
        );
    }
}
