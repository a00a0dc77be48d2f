//! `POST /api/v1/bulk/events`: batches of events with sessions and ticket
//! types, atomic or partial, JSON or NDJSON, idempotent, limited, checked by
//! the single-item rules, tenant-isolated.

use std::time::{Duration, Instant};

use serde_json::{json, Value};
use taquilla_tests::*;

const PATH: &str = "/api/v1/bulk/events";

struct Sent {
    resp: Resp,
    replayed: bool,
}

async fn send(
    t: &TestApp,
    a: &TenantFx,
    token: Option<&str>,
    query: &str,
    content_type: &str,
    body: Vec<u8>,
    key: Option<&str>,
) -> Sent {
    let mut req = t
        .http
        .post(format!("{}{PATH}{query}", t.base))
        .header("X-Tenant", &a.slug)
        .header("Content-Type", content_type)
        .body(body);
    if let Some(tok) = token {
        req = req.bearer_auth(tok);
    }
    if let Some(k) = key {
        req = req.header("Idempotency-Key", k);
    }
    let res = req.send().await.unwrap();
    let replayed = res.headers().get("Idempotent-Replayed").is_some_and(|v| v == "true");
    Sent { resp: Resp::read(res).await, replayed }
}

async fn send_json(t: &TestApp, a: &TenantFx, token: &str, query: &str, items: &Value, key: Option<&str>) -> Sent {
    send(t, a, Some(token), query, "application/json", serde_json::to_vec(items).unwrap(), key).await
}

/// An event with `sessions` sessions of two ticket types each.
fn item(title: &str, sessions: usize) -> Value {
    let mut e = event_body(title);
    let list: Vec<Value> = (0..sessions)
        .map(|i| {
            let mut s = session_body(&format!("Set {i}"), 2 * i as i64, 1);
            s["ticket_types"] = json!([
                {"name": "GA", "price_minor": 2500, "currency": "EUR", "capacity": 60},
                {"name": "VIP", "price_minor": 9000, "currency": "EUR", "capacity": 40, "max_per_order": 4}
            ]);
            s
        })
        .collect();
    e["sessions"] = json!(list);
    e
}

async fn counts(t: &TestApp, a: &TenantFx) -> [i64; 4] {
    [
        t.count(a, "events").await,
        t.count(a, "sessions").await,
        t.count(a, "ticket_types").await,
        t.count(a, "bulk_imports").await,
    ]
}

fn field_codes(body: &Value) -> Vec<(String, String)> {
    body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["field"].as_str().unwrap().to_owned(), e["code"].as_str().unwrap().to_owned()))
        .collect()
}

/// A batch with one valid item and invalid ones, each breaking a different
/// single-item rule.
fn mixed_batch() -> Value {
    let mut backwards = item("Backwards", 1);
    backwards["sessions"][0]["ends_at"] = json!("2030-06-01T09:00:00Z");
    let mut untitled = item("x", 0);
    untitled.as_object_mut().unwrap().remove("title");
    let mut overlapping = item("Overlap", 2);
    overlapping["sessions"][1]["starts_at"] = overlapping["sessions"][0]["starts_at"].clone();
    let mut crowded = item("Crowded", 1);
    crowded["sessions"][0]["ticket_types"][1]["capacity"] = json!(41);
    crowded["sessions"][0]["ticket_types"][0]["colour"] = json!("red");
    let mut on_sale = item("On sale", 1);
    on_sale["sessions"][0]["status"] = json!("on_sale");
    json!([item("Valid", 2), backwards, untitled, overlapping, crowded, on_sale])
}

#[tokio::test]
async fn an_atomic_batch_imports_every_item_with_its_sessions_and_ticket_types() {
    let t = spawn_app().await;
    let a = t.tenant("acme").await;
    let (olga_id, olga) = t.user(&a, "organizer", "olga").await;
    let mut draft = item("Draft night", 0);
    draft["status"] = json!("draft");
    let batch = json!([item("Rock night", 2), item("Jazz night", 1), draft]);
    let r = send_json(&t, &a, &olga, "", &batch, None).await.resp.ok(201);
    assert_eq!(
        (r["mode"].as_str(), &r["total"], &r["created"], &r["invalid"]),
        (Some("atomic"), &json!(3), &json!(3), &json!(0))
    );
    assert!(r["import_id"].is_string());
    let items = r["items"].as_array().unwrap();
    assert!(items.iter().enumerate().all(|(i, it)| it["index"] == i && it["status"] == "created"));

    // What the single-item reads show is what was sent, defaults included.
    let rock = items[0]["id"].as_str().unwrap();
    let ev = t.get(&a, Some(&olga), &format!("/api/v1/events/{rock}")).await.ok(200);
    assert_eq!((ev["title"].as_str(), ev["status"].as_str()), (Some("Rock night"), Some("published")));
    assert_eq!(ev["owner_id"], olga_id.to_string());
    let sessions = t.get(&a, None, &format!("/api/v1/events/{rock}/sessions")).await.ok(200);
    let sessions = sessions.as_array().unwrap();
    assert_eq!(sessions.len(), 2);
    assert!(sessions.iter().all(|s| s["status"] == "draft" && s["capacity"] == 100));
    let sid = items[0]["sessions"][0]["id"].as_str().unwrap();
    assert_eq!(sessions[0]["id"], sid);
    let tts = t.get(&a, None, &format!("/api/v1/sessions/{sid}/ticket-types")).await.ok(200);
    let tts = tts.as_array().unwrap();
    assert_eq!(tts.len(), 2);
    assert_eq!(
        (tts[0]["name"].as_str(), &tts[0]["min_per_order"], &tts[0]["max_per_order"], &tts[0]["available"]),
        (Some("GA"), &json!(1), &json!(10), &json!(60))
    );
    assert_eq!(tts[1]["max_per_order"], 4);
    assert_eq!(
        json!(tts.iter().map(|t| t["id"].clone()).collect::<Vec<_>>()),
        items[0]["sessions"][0]["ticket_type_ids"]
    );
    // The draft is hidden from the public like any draft.
    let public = t.get(&a, None, "/api/v1/events?q=night").await.ok(200);
    assert_eq!(public["total"], 2);
    assert_eq!(counts(&t, &a).await, [3, 3, 6, 1]);
    // Sessions are real sessions: their rules hold for later writes too.
    let path = format!("/api/v1/events/{rock}/sessions");
    let mut clash = session_body("Clash", 0, 1);
    clash["venue"] = json!("Stage A");
    t.post(&a, Some(&olga), &path, clash).await.problem(409, "session_overlap");
}

#[tokio::test]
async fn one_invalid_item_in_an_atomic_batch_writes_nothing_and_names_every_fault() {
    let t = spawn_app().await;
    let a = t.tenant("acme").await;
    let r = send_json(&t, &a, &a.admin_token, "", &mixed_batch(), None).await.resp.problem(422, "validation_failed");
    let faults = field_codes(&r);
    for (field, code) in [
        ("items[1].sessions[0].ends_at", "before_start"),
        ("items[2].title", "required"),
        ("items[3].sessions[1].starts_at", "session_overlap"),
        ("items[4].sessions[0].ticket_types[0].colour", "unknown_field"),
        ("items[5].sessions[0].status", "invalid_initial_status"),
    ] {
        assert!(faults.contains(&(field.to_owned(), code.to_owned())), "{field} {code} missing from {faults:?}");
    }
    // The capacity rule runs on items that parse.
    let crowded = json!([{
        "title": "Crowded", "category": "music", "starts_at": "2030-06-01T10:00:00Z", "ends_at": "2030-06-02T10:00:00Z",
        "timezone": "Europe/Madrid",
        "sessions": [{"title": "S", "starts_at": "2030-06-01T10:00:00Z", "ends_at": "2030-06-01T12:00:00Z", "capacity": 10,
            "ticket_types": [{"name": "A", "price_minor": 0, "currency": "EUR", "capacity": 6},
                             {"name": "B", "price_minor": 0, "currency": "EUR", "capacity": 5}]}]
    }]);
    let c = send_json(&t, &a, &a.admin_token, "", &crowded, None).await.resp.problem(422, "validation_failed");
    assert_eq!(
        field_codes(&c),
        vec![("items[0].sessions[0].ticket_types[1].capacity".to_owned(), "capacity_exceeded".to_owned())]
    );
    assert_eq!(r["field"], faults[0].0);
    assert_eq!((&r["total"], &r["created"], &r["invalid"]), (&json!(6), &json!(0), &json!(5)));
    let statuses: Vec<&str> = r["items"].as_array().unwrap().iter().map(|i| i["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["not_imported", "invalid", "invalid", "invalid", "invalid", "invalid"]);
    assert!(r["items"][0].get("id").is_none());
    assert_eq!(counts(&t, &a).await, [0, 0, 0, 0]);
}

#[tokio::test]
async fn a_partial_batch_imports_the_valid_items_and_reports_the_others() {
    let t = spawn_app().await;
    let a = t.tenant("acme").await;
    let s = send_json(&t, &a, &a.admin_token, "?mode=partial", &mixed_batch(), None).await;
    let r = s.resp.ok(200);
    assert_eq!((r["mode"].as_str(), &r["created"], &r["invalid"]), (Some("partial"), &json!(1), &json!(5)));
    let valid = &r["items"][0];
    assert_eq!(valid["status"], "created");
    let ev = t.get(&a, None, &format!("/api/v1/events/{}", valid["id"].as_str().unwrap())).await.ok(200);
    assert_eq!(ev["title"], "Valid");
    assert_eq!(r["items"][2]["errors"][0]["field"], "items[2].title");
    assert_eq!(counts(&t, &a).await, [1, 2, 4, 1]);
    // An unknown mode is refused by name.
    let m = send_json(&t, &a, &a.admin_token, "?mode=some", &json!([item("X", 0)]), None).await.resp;
    assert_eq!(m.problem(422, "validation_failed")["field"], "mode");
}

#[tokio::test]
async fn ndjson_batches_one_event_per_line() {
    let t = spawn_app().await;
    let a = t.tenant("acme").await;
    let lines = |items: &[Value]| {
        items.iter().map(|v| serde_json::to_string(v).unwrap()).collect::<Vec<_>>().join("\n").into_bytes()
    };
    let body = lines(&[item("One", 1), item("Two", 0), item("Three", 2)]);
    let r = send(&t, &a, Some(&a.admin_token), "", "application/x-ndjson", body, None).await.resp.ok(201);
    assert_eq!(r["created"], 3);
    assert_eq!(counts(&t, &a).await, [3, 3, 6, 1]);

    // A line that is not JSON spoils only its own item (partial), and blank
    // lines and CRLF are fine.
    let mut body = serde_json::to_vec(&item("Four", 0)).unwrap();
    body.extend_from_slice(b"\r\n\n{\"title\": \r\n");
    body.extend_from_slice(&serde_json::to_vec(&item("Five", 0)).unwrap());
    let r = send(&t, &a, Some(&a.admin_token), "?mode=partial", "application/x-ndjson", body.clone(), None)
        .await
        .resp
        .ok(200);
    assert_eq!((&r["total"], &r["created"]), (&json!(3), &json!(2)));
    assert_eq!(
        (r["items"][1]["errors"][0]["field"].as_str(), r["items"][1]["errors"][0]["code"].as_str()),
        (Some("items[1]"), Some("malformed_json"))
    );
    // Atomic: nothing.
    let r = send(&t, &a, Some(&a.admin_token), "", "application/x-ndjson", body, None).await.resp;
    r.problem(422, "validation_failed");
    assert_eq!(counts(&t, &a).await, [5, 3, 6, 2]);

    // Anything else is refused.
    send(&t, &a, Some(&a.admin_token), "", "text/csv", b"title\nx".to_vec(), None)
        .await
        .resp
        .problem(415, "unsupported_media_type");
    send(&t, &a, Some(&a.admin_token), "", "application/json", b"[{".to_vec(), None)
        .await
        .resp
        .problem(400, "malformed_json");
    let r = send_json(&t, &a, &a.admin_token, "", &json!({"items": []}), None).await.resp;
    assert_eq!(r.problem(422, "validation_failed")["field"], "items");
    let r = send_json(&t, &a, &a.admin_token, "", &json!([]), None).await.resp;
    assert_eq!(r.problem(422, "validation_failed")["errors"][0]["code"], "empty");
}

#[tokio::test]
async fn a_repeated_batch_with_its_idempotency_key_is_imported_once() {
    let t = spawn_app().await;
    let a = t.tenant("acme").await;
    let (_, olga) = t.user(&a, "organizer", "olga").await;
    let batch = json!([item("Rock", 1), item("Jazz", 1)]);
    let first = send_json(&t, &a, &olga, "", &batch, Some("batch-1")).await;
    assert!(!first.replayed);
    let first = first.resp.ok(201);
    let again = send_json(&t, &a, &olga, "", &batch, Some("batch-1")).await;
    assert!(again.replayed);
    assert_eq!(again.resp.ok(200), first);
    assert_eq!(counts(&t, &a).await, [2, 2, 4, 1]);
    // The same items as NDJSON are the same batch.
    let nd = batch.as_array().unwrap().iter().map(|v| v.to_string()).collect::<Vec<_>>().join("\n");
    let s = send(&t, &a, Some(&olga), "", "application/x-ndjson", nd.into_bytes(), Some("batch-1")).await;
    assert!(s.replayed);
    assert_eq!(s.resp.ok(200), first);

    // The key with another batch (or another mode) is refused.
    let other = json!([item("Rock", 1)]);
    let r = send_json(&t, &a, &olga, "", &other, Some("batch-1")).await.resp;
    assert_eq!(r.problem(422, "idempotency_key_reused")["field"], "Idempotency-Key");
    send_json(&t, &a, &olga, "?mode=partial", &batch, Some("batch-1"))
        .await
        .resp
        .problem(422, "idempotency_key_reused");
    // Keys are per user: the admin's "batch-1" is another import.
    send_json(&t, &a, &a.admin_token, "", &batch, Some("batch-1")).await.resp.ok(201);
    assert_eq!(counts(&t, &a).await, [4, 4, 8, 2]);
    send_json(&t, &a, &olga, "", &batch, Some("")).await.resp.problem(422, "validation_failed");

    // Racing repeats: one import, every request answers with it.
    let batch = json!([item("Race", 2)]);
    let racers = (0..4).map(|_| send_json(&t, &a, &olga, "", &batch, Some("race")));
    let results = futures_util::future::join_all(racers).await;
    let bodies: Vec<Value> = results.into_iter().map(|s| s.resp.body).collect();
    assert!(bodies.iter().all(|b| b["items"][0]["id"] == bodies[0]["items"][0]["id"]), "{bodies:?}");
    assert_eq!(counts(&t, &a).await, [5, 6, 12, 3]);
}

#[tokio::test]
async fn oversized_batches_are_refused_whole() {
    let mut config = test_config();
    config.bulk_max_body_bytes = 200_000;
    let t = spawn_app_with(config).await;
    let a = t.tenant("acme").await;
    let small = json!({"title": "E", "category": "music", "starts_at": "2030-06-01T10:00:00Z",
                       "ends_at": "2030-06-01T12:00:00Z", "timezone": "UTC"});
    let batch = Value::Array(vec![small.clone(); 1001]);
    let r = send_json(&t, &a, &a.admin_token, "", &batch, None).await.resp.problem(413, "too_many_items");
    assert_eq!((&r["max_items"], &r["items"], r["field"].as_str()), (&json!(1000), &json!(1001), Some("items")));
    let nd = vec![small.to_string(); 1001].join("\n");
    send(&t, &a, Some(&a.admin_token), "", "application/x-ndjson", nd.into_bytes(), None)
        .await
        .resp
        .problem(413, "too_many_items");
    let mut big = small.clone();
    big["description"] = json!("x".repeat(1000));
    let batch = Value::Array(vec![big; 230]);
    send_json(&t, &a, &a.admin_token, "", &batch, None).await.resp.problem(413, "payload_too_large");
    assert_eq!(counts(&t, &a).await, [0, 0, 0, 0]);
    // 1,000 is fine.
    let batch = Value::Array(vec![small; 1000]);
    assert_eq!(send_json(&t, &a, &a.admin_token, "", &batch, None).await.resp.ok(201)["created"], 1000);
}

#[tokio::test]
async fn only_those_who_create_events_import_them_and_tenants_stay_apart() {
    let t = spawn_app().await;
    let a = t.tenant("acme").await;
    let b = t.tenant("globex").await;
    let (_, attendee) = t.user(&a, "attendee", "ana").await;
    let (_, staff) = t.user(&a, "staff", "sam").await;
    let batch = json!([item("Rock", 1)]);
    send_json(&t, &a, &attendee, "", &batch, None).await.resp.problem(403, "forbidden");
    send_json(&t, &a, &staff, "", &batch, None).await.resp.problem(403, "forbidden");
    let body = serde_json::to_vec(&batch).unwrap();
    send(&t, &a, None, "", "application/json", body, None).await.resp.problem(401, "unauthenticated");
    // Another tenant's token is refused; the batch lands nowhere.
    send_json(&t, &a, &b.admin_token, "", &batch, None).await.resp.problem(401, "wrong_tenant");
    assert_eq!(counts(&t, &a).await, [0, 0, 0, 0]);
    assert_eq!(counts(&t, &b).await, [0, 0, 0, 0]);

    // Each tenant's import is its own: the same key in both, events apart.
    let ra = send_json(&t, &a, &a.admin_token, "", &batch, Some("k")).await.resp.ok(201);
    let rb = send_json(&t, &b, &b.admin_token, "", &json!([item("Globex only", 0)]), Some("k")).await.resp.ok(201);
    assert_eq!(t.get(&a, None, "/api/v1/events").await.ok(200)["items"][0]["title"], "Rock");
    assert_eq!(t.get(&b, None, "/api/v1/events").await.ok(200)["items"][0]["title"], "Globex only");
    let b_event = rb["items"][0]["id"].as_str().unwrap();
    t.get(&a, None, &format!("/api/v1/events/{b_event}")).await.problem(404, "not_found");
    let a_session = ra["items"][0]["sessions"][0]["id"].as_str().unwrap();
    t.get(&b, None, &format!("/api/v1/sessions/{a_session}/ticket-types")).await.problem(404, "not_found");
    assert_eq!(counts(&t, &a).await, [1, 1, 2, 1]);
    assert_eq!(counts(&t, &b).await, [1, 0, 0, 1]);
    // The audit log has the import.
    let audit = t.get(&a, Some(&a.admin_token), "/api/v1/audit").await.ok(200);
    assert!(audit["items"].as_array().unwrap().iter().any(|r| r["action"] == "POST /api/v1/bulk/events"), "{audit}");
}

#[tokio::test]
async fn a_thousand_events_import_in_one_transaction_and_bump_the_listing_cache_once() {
    let t = crate::search_cache::cached_app(redis_url()).await;
    let a = t.tenant("acme").await;
    let cache = t.app.search_cache.clone().unwrap();
    let (before, _) = crate::search_cache::counted(&t, &a, None, "/api/v1/events?q=bulk").await;
    assert_eq!(before["total"], 0);
    let batch = Value::Array((0..1000).map(|i| item(&format!("Bulk show {i}"), 2)).collect());
    let (stats, bumps) = (t.app.store.stats(), cache.stats().bumps);
    let started = Instant::now();
    let r = send_json(&t, &a, &a.admin_token, "", &batch, Some("big")).await.resp.ok(201);
    let took = started.elapsed();
    let cost = t.app.store.stats() - stats;
    eprintln!("1,000 events, 2,000 sessions, 4,000 ticket types imported in {took:?}: {cost:?}");
    assert_eq!(r["created"], 1000);
    // A handful of statements (not one per row) in three transactions: the
    // key's replay check, the import, the audit row. One bump.
    assert_eq!(cost.tenant_txs, 3, "{cost:?}");
    assert!(cost.statements <= 12, "{cost:?}");
    assert_eq!(cache.stats().bumps, bumps + 1);
    assert!(took < Duration::from_secs(10), "took {took:?}");
    assert_eq!(counts(&t, &a).await, [1000, 2000, 4000, 1]);
    // The next listing sees them.
    let (after, cost) = crate::search_cache::counted(&t, &a, None, "/api/v1/events?q=bulk").await;
    assert_eq!((&after["total"], cost), (&json!(1000), 1));
}
