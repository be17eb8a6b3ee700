//! Log events: search, sort, page, checkpoint with a Link header, get by id.

mod common;

use common::start;
use serde_json::{Value, json};

#[tokio::test]
async fn logs_list_newest_first_and_filter_by_type() {
    let t = start().await;
    let token = t.token(&["read:logs"]);
    let r = t.get("/api/v2/logs?per_page=100", &token).await;
    assert_eq!(r.status, 200);
    let logs = r.json.as_array().unwrap();
    assert_eq!(logs.len(), 60);
    let dates: Vec<&str> = logs.iter().map(|l| l["date"].as_str().unwrap()).collect();
    let mut sorted = dates.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(dates, sorted, "default sort is date:-1");
    for field in [
        "log_id",
        "date",
        "type",
        "description",
        "client_id",
        "client_name",
        "ip",
        "user_agent",
    ] {
        assert!(
            logs[0].get(field).is_some(),
            "{field} missing from {}",
            logs[0]
        );
    }

    let mut u = url::Url::parse("http://x/api/v2/logs?per_page=100").unwrap();
    u.query_pairs_mut().append_pair("q", "type:\"s\"");
    let logins = t
        .get(&format!("/api/v2/logs?{}", u.query().unwrap()), &token)
        .await;
    let logins = logins.json.as_array().unwrap();
    assert!(!logins.is_empty());
    assert!(logins.iter().all(|l| l["type"] == "s"));

    let totals = t
        .get(
            "/api/v2/logs?per_page=5&page=1&include_totals=true&sort=date:1&fields=log_id,type",
            &token,
        )
        .await;
    assert_eq!(totals.json["start"], 5);
    assert_eq!(totals.json["length"], 5);
    assert_eq!(totals.json["logs"][0].as_object().unwrap().len(), 2);
    let too_many = t.get("/api/v2/logs?per_page=101", &token).await;
    assert_eq!(too_many.status, 400);
}

#[tokio::test]
async fn checkpoint_reads_forward_in_log_id_order_with_a_link_header() {
    let t = start().await;
    let token = t.token(&["read:logs"]);
    let first = t.get("/api/v2/logs?per_page=1&sort=date:1", &token).await;
    let oldest = first.json[0]["log_id"].as_str().unwrap().to_owned();
    let mut from = oldest.clone();
    let mut seen = vec![oldest];
    loop {
        let r = t
            .get(&format!("/api/v2/logs?from={from}&take=25"), &token)
            .await;
        assert_eq!(r.status, 200);
        let link = r.header("link").expect("a Link header").to_owned();
        assert!(link.ends_with("rel=\"next\""), "{link}");
        let batch: Vec<String> = r
            .json
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["log_id"].as_str().unwrap().to_owned())
            .collect();
        if batch.is_empty() {
            assert!(
                link.contains(&format!("from={from}")),
                "no new logs: the link stays put"
            );
            break;
        }
        let mut sorted = batch.clone();
        sorted.sort();
        assert_eq!(batch, sorted, "ascending log_id order");
        assert!(batch[0] > from);
        from = batch.last().unwrap().clone();
        assert!(link.contains(&format!("from={from}")));
        seen.extend(batch);
    }
    assert_eq!(seen.len(), 60);
}

#[tokio::test]
async fn get_one_log() {
    let t = start().await;
    let token = t.token(&["read:logs"]);
    let list = t.get("/api/v2/logs?per_page=1", &token).await;
    let id = list.json[0]["log_id"].as_str().unwrap();
    let one = t.get(&format!("/api/v2/logs/{id}"), &token).await;
    assert_eq!(one.json["log_id"], Value::from(id));
    let missing = t
        .get(
            "/api/v2/logs/90020000101000000000000000000000000000000000000000000001",
            &token,
        )
        .await;
    assert_eq!(missing.status, 404);
    assert_eq!(
        missing.json,
        json!({"statusCode": 404, "error": "Not Found", "message": "Log not found."})
    );
    let no_scope = t.get("/api/v2/logs", &t.token(&["read:users"])).await;
    assert_eq!(
        no_scope.json["message"],
        "Insufficient scope, expected any of: read:logs, read:logs_users"
    );
}
