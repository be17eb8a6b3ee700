//! Paging end to end: offset lists computed from totals, checkpoint lists followed until Auth0
//! stops giving `next`, and cursors that carry either.

mod common;

use common::{MockServer, Recorded, Reply, client, token};
use gw_auth0::{Cursor, ListLogs, ListUsers, Offset, PageRequest};
use serde_json::{Value, json};

fn param_u64(r: &Recorded, name: &str) -> Option<u64> {
    r.param(name).and_then(|v| v.parse().ok())
}

/// Serves `total` users with offset paging, as Auth0 does with include_totals=true.
fn users_server(total: u64) -> impl Fn(&Recorded, usize) -> Reply + Send + Sync + 'static {
    move |r, _| {
        let page = param_u64(r, "page").unwrap_or(0);
        let per_page = param_u64(r, "per_page").unwrap_or(50);
        let start = page * per_page;
        let end = (start + per_page).min(total).max(start.min(total));
        let users: Vec<Value> = (start.min(total)..end)
            .map(|i| json!({"user_id": format!("auth0|{i}")}))
            .collect();
        Reply::json(
            200,
            json!({"start": start, "limit": per_page, "length": users.len(), "total": total, "users": users}),
        )
    }
}

#[tokio::test]
async fn offset_paging_follows_totals_to_the_end() {
    let mock = MockServer::start(users_server(120)).await;
    let c = client(&mock.url);
    let mut request = ListUsers {
        per_page: 50,
        ..Default::default()
    };
    let mut seen = Vec::new();
    loop {
        let page = c.list_users(&token(), &request).await.unwrap();
        assert_eq!(page.total, Some(120));
        seen.extend(page.items.into_iter().filter_map(|u| u.user_id));
        match page.next {
            Some(PageRequest::Offset(o)) => request.page = Some(o.page),
            None => break,
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(seen.len(), 120);
    assert_eq!(
        mock.hits(),
        3,
        "pages of 50, 50 and 20; no empty fourth request"
    );
    let first = &mock.requests()[0];
    assert_eq!(first.param("include_totals"), Some("true"));
    assert_eq!(first.param("search_engine"), None, "no q, no search_engine");
}

#[tokio::test]
async fn search_sends_v3_and_stops_at_the_1000_record_cap() {
    let mock = MockServer::start(users_server(5000)).await;
    let c = client(&mock.url);
    let request = ListUsers {
        q: Some(r#"email:"*@example.com""#.into()),
        per_page: 100,
        page: Some(9),
        ..Default::default()
    };
    let page = c.list_users(&token(), &request).await.unwrap();
    assert_eq!(page.items.len(), 100);
    assert_eq!(
        page.next, None,
        "page 10 would pass Auth0's 1000-record limit"
    );
    let r = mock.last();
    assert_eq!(r.param("q"), Some(r#"email:"*@example.com""#));
    assert_eq!(r.param("search_engine"), Some("v3"));
    let page = c
        .list_users(
            &token(),
            &ListUsers {
                page: Some(8),
                ..request
            },
        )
        .await
        .unwrap();
    assert_eq!(
        page.next,
        Some(PageRequest::Offset(Offset {
            page: 9,
            per_page: 100
        }))
    );
}

#[tokio::test]
async fn a_bare_array_pages_by_fullness() {
    let mock = MockServer::start(|r, _| {
        let n = if r.param("page") == Some("0") { 2 } else { 1 };
        Reply::json(
            200,
            json!(
                (0..n)
                    .map(|i| json!({"id": format!("rol_{i}")}))
                    .collect::<Vec<_>>()
            ),
        )
    })
    .await;
    let c = client(&mock.url);
    let page = c
        .list_roles(
            &token(),
            Some("adm"),
            &Offset {
                page: 0,
                per_page: 2,
            },
        )
        .await
        .unwrap();
    assert_eq!(page.total, None);
    assert_eq!(
        page.next,
        Some(PageRequest::Offset(Offset {
            page: 1,
            per_page: 2
        }))
    );
    let page = c
        .list_roles(
            &token(),
            Some("adm"),
            &Offset {
                page: 1,
                per_page: 2,
            },
        )
        .await
        .unwrap();
    assert_eq!(page.next, None);
    assert_eq!(mock.last().param("name_filter"), Some("adm"));
}

/// Serves `total` organizations by checkpoint; tokens are "after:<index>".
fn orgs_checkpoint(
    total: usize,
    empty_last_page: bool,
) -> impl Fn(&Recorded, usize) -> Reply + Send + Sync + 'static {
    move |r, _| {
        assert!(
            r.param("page").is_none() && r.param("include_totals").is_none(),
            "checkpoint requests carry no offset params"
        );
        let take: usize = r.param("take").unwrap().parse().unwrap();
        let from: usize = r
            .param("from")
            .map_or(0, |f| f.strip_prefix("after:").unwrap().parse().unwrap());
        let end = (from + take).min(total);
        let items: Vec<Value> = (from..end)
            .map(|i| json!({"id": format!("org_{i}"), "name": format!("org-{i}")}))
            .collect();
        let mut body = json!({ "organizations": items, "members": items });
        let more = if empty_last_page {
            from < total
        } else {
            end < total
        };
        if more && !items.is_empty() {
            body["next"] = json!(format!("after:{end}"));
        }
        Reply::json(200, body)
    }
}

#[tokio::test]
async fn checkpoint_paging_until_next_is_absent() {
    let mock = MockServer::start(orgs_checkpoint(5, false)).await;
    let c = client(&mock.url);
    let mut request = PageRequest::Checkpoint {
        from: None,
        take: 2,
    };
    let mut names = Vec::new();
    loop {
        let page = c
            .list_organizations(&token(), &request, None)
            .await
            .unwrap();
        assert_eq!(page.total, None);
        let cursor = page.next_cursor();
        names.extend(page.items.into_iter().filter_map(|o| o.name));
        match cursor {
            // Round-trip through the opaque cursor, as the MCP layer will.
            Some(cursor) => request = Cursor::decode(&cursor).unwrap(),
            None => break,
        }
    }
    assert_eq!(names, ["org-0", "org-1", "org-2", "org-3", "org-4"]);
    assert_eq!(mock.hits(), 3);
    let requests = mock.requests();
    assert_eq!(requests[0].param("from"), None);
    assert_eq!(requests[1].param("from"), Some("after:2"));
    assert_eq!(requests[2].param("take"), Some("2"));
}

#[tokio::test]
async fn members_checkpoint_ends_on_an_empty_page() {
    let mock = MockServer::start(orgs_checkpoint(4, true)).await;
    let c = client(&mock.url);
    let mut request = PageRequest::Checkpoint {
        from: None,
        take: 2,
    };
    let mut count = 0;
    for _ in 0..10 {
        let page = c
            .list_organization_members(&token(), "org_1", &request)
            .await
            .unwrap();
        count += page.items.len();
        match page.next {
            Some(next) => request = next,
            None => break,
        }
    }
    assert_eq!(count, 4);
    assert_eq!(
        mock.hits(),
        3,
        "two full pages, then the empty one ends the list"
    );
    assert_eq!(mock.last().path, "/api/v2/organizations/org_1/members");
}

#[tokio::test]
async fn log_checkpoints_follow_log_ids_and_ignore_the_everlasting_link() {
    let total = 5usize;
    let mock = MockServer::start(move |r, _| {
        assert!(r.param("q").is_none(), "q is not sent with from/take");
        let take: usize = r.param("take").unwrap().parse().unwrap();
        let from: usize = r
            .param("from")
            .map_or(0, |f| f.parse::<usize>().unwrap() + 1);
        let end = (from + take).min(total);
        let logs: Vec<Value> = (from..end)
            .map(|i| json!({"log_id": i.to_string(), "type": "s"}))
            .collect();
        let last = end.saturating_sub(1);
        Reply::json(200, json!(logs)).header(
            "link",
            format!("<http://127.0.0.1/api/v2/logs?from={last}&take={take}>; rel=\"next\""),
        )
    })
    .await;
    let c = client(&mock.url);
    let mut request = ListLogs {
        q: Some("type:s".into()),
        paging: PageRequest::Checkpoint {
            from: None,
            take: 2,
        },
        ..Default::default()
    };
    let mut ids = Vec::new();
    for _ in 0..10 {
        let page = c.list_logs(&token(), &request).await.unwrap();
        ids.extend(page.items.into_iter().filter_map(|l| l.log_id));
        match page.next {
            Some(next) => request.paging = next,
            None => break,
        }
    }
    assert_eq!(ids, ["0", "1", "2", "3", "4"]);
    assert_eq!(mock.hits(), 3);
}

#[tokio::test]
async fn log_offset_search_treats_a_full_page_as_maybe_more() {
    let mock = MockServer::start(|r, _| {
        assert_eq!(r.param("q"), Some("type:f"));
        // Under search v3, total is just the page size.
        Reply::json(200, json!({"start": 0, "limit": 2, "length": 2, "total": 2, "logs": [{"log_id": "a"}, {"log_id": "b"}]}))
    })
    .await;
    let request = ListLogs {
        q: Some("type:f".into()),
        sort: Some("date:-1".into()),
        paging: PageRequest::Offset(Offset {
            page: 0,
            per_page: 2,
        }),
        ..Default::default()
    };
    let page = client(&mock.url)
        .list_logs(&token(), &request)
        .await
        .unwrap();
    assert_eq!(
        page.next,
        Some(PageRequest::Offset(Offset {
            page: 1,
            per_page: 2
        }))
    );
    assert_eq!(mock.last().param("sort"), Some("date:-1"));
}
