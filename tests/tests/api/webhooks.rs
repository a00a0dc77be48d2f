//! Outgoing webhooks against a real receiver: signatures checked with the
//! Standard Webhooks reference verifier and by hand, retries after 500s,
//! timeouts and redirects, secret rotation, SSRF refusals, an endpoint that
//! keeps failing, several workers, and a server killed mid-delivery.

use std::time::Duration;

use base64::Engine;
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;
use taquilla_tests::receiver::{Received, Receiver, Reply};
use taquilla_tests::*;

use crate::ticketing::{show, Show};

/// A server whose webhooks may go to the local receiver, with a quick
/// retry schedule and a 1 s attempt timeout.
async fn app_for_webhooks(schedule_ms: &str) -> TestApp {
    let mut c = test_config();
    c.webhooks.sender.policy.allow_private = true;
    c.webhooks.sender.timeout = Duration::from_secs(1);
    c.webhooks.schedule = taquilla_webhooks::RetrySchedule::parse_ms(schedule_ms).unwrap();
    c.webhooks.poll = Duration::from_millis(50);
    spawn_app_with(c).await
}

fn start_worker(t: &TestApp) -> tokio::task::JoinHandle<()> {
    tokio::spawn(t.app.clone().run_webhook_worker())
}

async fn endpoint(t: &TestApp, s: &Show, url: &str, types: Value) -> (String, String) {
    let e = t
        .post(&s.t, Some(&s.t.admin_token), "/api/v1/webhooks/endpoints", json!({"url": url, "event_types": types}))
        .await
        .ok(201);
    (e["id"].as_str().unwrap().to_owned(), e["secret"].as_str().unwrap().to_owned())
}

/// A free order of `n` general-admission tickets: order.created, order.paid
/// and ticket.issued events.
async fn free_order(t: &TestApp, s: &Show, section: &Value, n: u32) -> Value {
    let (_, buyer) = t.user(&s.t, "attendee", &format!("buyer{}", uuid::Uuid::new_v4().simple())).await;
    t.post(
        &s.t,
        Some(&buyer),
        "/api/v1/orders",
        json!({"session_id": s.session_id, "items": [{"ticket_type_id": section["id"], "quantity": n}]}),
    )
    .await
    .ok(201)
}

/// Checks the signature twice: with the spec's reference verifier and by
/// recomputing HMAC-SHA256 of `{id}.{timestamp}.{body}` here.
fn verify(r: &Received, secret: &str) {
    standardwebhooks::Webhook::new(secret).unwrap().verify(&r.body, &r.header_map()).expect("reference verifier");
    let key = base64::engine::general_purpose::STANDARD.decode(secret.strip_prefix("whsec_").unwrap()).unwrap();
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
    mac.update(format!("{}.{}.", r.header("webhook-id"), r.header("webhook-timestamp")).as_bytes());
    mac.update(&r.body);
    let expected = format!("v1,{}", base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes()));
    assert!(r.header("webhook-signature").split(' ').any(|s| s == expected), "no matching v1 signature");
}

async fn messages(t: &TestApp, s: &Show, query: &str) -> Vec<Value> {
    t.get(&s.t, Some(&s.t.admin_token), &format!("/api/v1/webhooks/messages?per_page=100{query}")).await.ok(200)
        ["items"]
        .as_array()
        .unwrap()
        .clone()
}

async fn wait_for_message(t: &TestApp, s: &Show, what: &str, pred: impl Fn(&[Value]) -> bool) -> Vec<Value> {
    for _ in 0..600 {
        let m = messages(t, s, "").await;
        if pred(&m) {
            return m;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("timed out waiting for {what}: {:?}", messages(t, s, "").await);
}

#[tokio::test]
async fn endpoints_are_managed_by_tenant_admins_and_secrets_shown_once() {
    let t = app_for_webhooks("0").await;
    let s = show(&t, "acme", 10).await;
    let rx = Receiver::start().await;
    let created = t
        .post(
            &s.t,
            Some(&s.t.admin_token),
            "/api/v1/webhooks/endpoints",
            json!({"url": rx.url("/hooks"), "description": "CRM", "event_types": ["order.paid", "order.paid"]}),
        )
        .await
        .ok(201);
    let id = created["id"].as_str().unwrap().to_owned();
    assert!(created["secret"].as_str().unwrap().starts_with("whsec_"));
    assert_eq!(created["event_types"], json!(["order.paid"]), "duplicates folded");
    let path = format!("/api/v1/webhooks/endpoints/{id}");
    let got = t.get(&s.t, Some(&s.t.admin_token), &path).await.ok(200);
    assert!(got.get("secret").is_none(), "the secret is shown only at creation");
    assert_eq!(got["description"], "CRM");
    let list = t.get(&s.t, Some(&s.t.admin_token), "/api/v1/webhooks/endpoints").await.ok(200);
    assert_eq!(list["total"], 1);
    assert!(list["items"][0].get("secret").is_none());

    // Patch: every type (null), then disable.
    let p = t.patch(&s.t, Some(&s.t.admin_token), &path, json!({"event_types": null, "enabled": false})).await.ok(200);
    assert_eq!((p["event_types"].clone(), p["enabled"].clone()), (Value::Null, json!(false)));
    assert_eq!(
        t.patch(&s.t, Some(&s.t.admin_token), &path, json!({"description": "x"})).await.ok(200)["event_types"],
        Value::Null
    );

    // Bad input names the field and changes nothing.
    for (body, field, code) in [
        (json!({"url": rx.url("/h"), "event_types": ["order.paid", "nope"]}), "event_types[1]", "unknown_event_type"),
        (json!({"url": rx.url("/h"), "event_types": []}), "event_types", "empty"),
        (json!({"url": "ftp://example.com/x"}), "url", "invalid_url"),
        (json!({"url": "https://user:pw@example.com/x"}), "url", "credentials_in_url"),
    ] {
        let p = t
            .post(&s.t, Some(&s.t.admin_token), "/api/v1/webhooks/endpoints", body)
            .await
            .problem(422, "validation_failed");
        assert_eq!((p["field"].as_str(), p["errors"][0]["code"].as_str()), (Some(field), Some(code)), "{p}");
    }
    t.post(&s.t, Some(&s.t.admin_token), "/api/v1/webhooks/endpoints", json!({"url": rx.url("/h"), "secret": "x"}))
        .await
        .problem(422, "validation_failed");
    assert_eq!(t.count(&s.t, "webhook_endpoints").await, 1);

    // Organizers, staff and attendees may not; another tenant sees nothing.
    for role in ["organizer", "staff", "attendee"] {
        let (_, tok) = t.user(&s.t, role, &format!("u-{role}")).await;
        t.get(&s.t, Some(&tok), "/api/v1/webhooks/endpoints").await.problem(403, "forbidden");
        t.post(&s.t, Some(&tok), "/api/v1/webhooks/endpoints", json!({"url": rx.url("/h")}))
            .await
            .problem(403, "forbidden");
        t.get(&s.t, Some(&tok), "/api/v1/webhooks/messages").await.problem(403, "forbidden");
    }
    let other = t.tenant("other").await;
    t.get(&other, Some(&other.admin_token), &path).await.problem(404, "not_found");
    t.patch(&other, Some(&other.admin_token), &path, json!({"enabled": true})).await.problem(404, "not_found");
    t.delete(&other, Some(&other.admin_token), &path).await.problem(404, "not_found");
    t.post(&other, Some(&other.admin_token), &format!("{path}/test"), json!({})).await.problem(404, "not_found");
    t.get(&s.t, Some(&other.admin_token), &path).await.problem(401, "wrong_tenant");

    t.delete(&s.t, Some(&s.t.admin_token), &path).await.ok(204);
    t.get(&s.t, Some(&s.t.admin_token), &path).await.problem(404, "not_found");
}

#[tokio::test]
async fn events_arrive_signed_as_standard_webhooks_once_per_subscribed_endpoint() {
    let t = app_for_webhooks("0").await;
    let s = show(&t, "acme", 10).await;
    let ga = s.section(&t, "General", 0, 10, json!({})).await;
    let (paid_rx, all_rx) = (Receiver::start().await, Receiver::start().await);
    let (_, paid_secret) = endpoint(&t, &s, &paid_rx.url("/paid"), json!(["order.paid"])).await;
    let (all_id, all_secret) = endpoint(&t, &s, &all_rx.url("/all"), Value::Null).await;
    let worker = start_worker(&t);
    let order = free_order(&t, &s, &ga, 2).await;

    let got = paid_rx.wait_until("order.paid", |g| !g.is_empty()).await;
    let r = &got[0];
    verify(r, &paid_secret);
    assert_eq!(r.header("content-type"), "application/json");
    assert!(r.header("webhook-id").starts_with("msg_"));
    let ts: i64 = r.header("webhook-timestamp").parse().unwrap();
    assert!((chrono::Utc::now().timestamp() - ts).abs() < 300);
    let body = r.json();
    let raw = String::from_utf8(r.body.clone()).unwrap();
    assert!(raw.starts_with(r#"{"type":"order.paid","timestamp":""#), "the spec's order: {raw}");
    assert_eq!(body.as_object().unwrap().len(), 3, "type, timestamp, data");
    assert_eq!(body["type"], "order.paid");
    assert_eq!(body["data"]["order_id"], order["id"]);
    chrono::DateTime::parse_from_rfc3339(body["timestamp"].as_str().unwrap()).unwrap();
    // Wrong secret: the reference verifier refuses.
    assert!(standardwebhooks::Webhook::new(&all_secret).unwrap().verify(&r.body, &r.header_map()).is_err());

    // The catch-all endpoint gets every event in outbox order, each once.
    let all = all_rx
        .wait_until("order.created, order.paid and two ticket.issued", |g| {
            g.iter().filter(|r| r.json()["type"] == "ticket.issued").count() == 2
                && g.iter().any(|r| r.json()["type"] == "order.created")
                && g.iter().any(|r| r.json()["type"] == "order.paid")
        })
        .await;
    for r in &all {
        verify(r, &all_secret);
    }
    let mut seqs: Vec<i64> = all.iter().map(|r| r.header("webhook-sequence").parse().unwrap()).collect();
    let n = seqs.len();
    seqs.sort();
    seqs.dedup();
    assert_eq!(seqs.len(), n, "each event once");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(paid_rx.received().len(), 1, "order.paid only, once");

    // The messages and attempts say the same.
    let m = messages(&t, &s, &format!("&endpoint_id={all_id}&status=succeeded")).await;
    assert_eq!(m.len(), all_rx.received().len());
    assert!(m.iter().all(|m| m["attempts"] == 1 && m["last_status_code"] == 200 && m["next_attempt_at"].is_null()));
    let a = t.get(&s.t, Some(&s.t.admin_token), &format!("/api/v1/webhooks/endpoints/{all_id}/attempts")).await.ok(200);
    assert_eq!(a["total"].as_u64().unwrap() as usize, m.len());
    assert_eq!((a["items"][0]["status_code"].as_i64(), a["items"][0]["succeeded"].as_bool()), (Some(200), Some(true)));

    // A test ping goes out whatever the endpoint subscribes to.
    let ping = t
        .post(&s.t, Some(&s.t.admin_token), &format!("/api/v1/webhooks/endpoints/{all_id}/test"), json!({}))
        .await
        .ok(202);
    let got = all_rx.wait_until("webhook.test", |g| g.iter().any(|r| r.json()["type"] == "webhook.test")).await;
    let r = got.iter().find(|r| r.json()["type"] == "webhook.test").unwrap();
    assert_eq!(r.header("webhook-id"), ping["webhook_id"].as_str().unwrap());
    verify(r, &all_secret);
    worker.abort();
}

#[tokio::test]
async fn failures_are_retried_on_schedule_then_failed_and_can_be_retried_and_replayed() {
    // Four attempts: at once, then after 100 ms, 100 ms and 100 ms.
    let t = app_for_webhooks("0,100,100,100").await;
    let s = show(&t, "acme", 10).await;
    let ga = s.section(&t, "General", 0, 10, json!({})).await;
    let rx = Receiver::start().await;
    let (ep, secret) = endpoint(&t, &s, &rx.url("/flaky"), json!(["order.paid"])).await;
    let long_body = "x".repeat(5000);
    rx.script([
        Reply::status(500).body(long_body),
        Reply::status(200).delayed(Duration::from_secs(3)), // longer than the 1 s timeout
        Reply::redirect("http://127.0.0.1:9/elsewhere"),
        Reply::status(204),
    ]);
    let worker = start_worker(&t);
    free_order(&t, &s, &ga, 1).await;
    let got = rx.wait_until("four attempts", |g| g.len() == 4).await;
    let ids: Vec<&str> = got.iter().map(|r| r.header("webhook-id")).collect();
    assert!(ids.iter().all(|i| *i == ids[0]), "webhook-id is stable across retries: {ids:?}");
    for r in &got {
        verify(r, &secret);
    }
    assert!(got.iter().all(|r| r.path == "/flaky"), "the redirect was not followed");
    let m = wait_for_message(&t, &s, "delivery", |m| m.iter().any(|m| m["status"] == "succeeded")).await;
    assert_eq!((m[0]["attempts"].as_i64(), m[0]["last_status_code"].as_i64()), (Some(4), Some(204)));
    let a = t.get(&s.t, Some(&s.t.admin_token), &format!("/api/v1/webhooks/endpoints/{ep}/attempts")).await.ok(200);
    let items = a["items"].as_array().unwrap();
    let by_attempt = |n: i64| items.iter().find(|i| i["attempt"] == n).unwrap();
    assert_eq!(by_attempt(1)["status_code"], 500);
    assert_eq!(by_attempt(1)["response_body"].as_str().unwrap().len(), 1024, "first KiB kept");
    assert!(by_attempt(2)["status_code"].is_null());
    assert!(by_attempt(2)["error"].as_str().unwrap().contains("timed out"), "{}", by_attempt(2));
    assert_eq!(by_attempt(3)["status_code"], 302);
    assert!(by_attempt(3)["error"].as_str().unwrap().contains("redirect"));
    assert_eq!(by_attempt(4)["succeeded"], true);
    let e = t.get(&s.t, Some(&s.t.admin_token), &format!("/api/v1/webhooks/endpoints/{ep}")).await.ok(200);
    assert!(e["failing_since"].is_null(), "a success ends the failure streak");

    // Nothing but 503s: the schedule runs out and the message fails.
    rx.set_default(Reply::status(503));
    free_order(&t, &s, &ga, 1).await;
    let m = wait_for_message(&t, &s, "a failed message", |m| m.iter().any(|m| m["status"] == "failed")).await;
    let failed = m.iter().find(|m| m["status"] == "failed").unwrap().clone();
    assert_eq!(failed["attempts"], 4);
    let e = t.get(&s.t, Some(&s.t.admin_token), &format!("/api/v1/webhooks/endpoints/{ep}")).await.ok(200);
    assert!(e["failing_since"].is_string() && e["enabled"] == true);
    let before = rx.received().len();
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(rx.received().len(), before, "a failed message is not tried again by itself");

    // Manual retry: one more attempt, now delivered.
    rx.set_default(Reply::status(200));
    let mid = failed["id"].as_str().unwrap();
    let r = t
        .post(&s.t, Some(&s.t.admin_token), &format!("/api/v1/webhooks/messages/{mid}/retry"), json!({}))
        .await
        .ok(202);
    assert_eq!(r["status"], "pending");
    wait_for_message(&t, &s, "the retried message", |m| m.iter().all(|m| m["status"] == "succeeded")).await;
    let last = rx.received().pop().unwrap();
    assert_eq!(last.header("webhook-id"), failed["webhook_id"].as_str().unwrap());

    // Replay: fail one more, then replay since the start: only that one is
    // sent again (delivered ones are not repeated).
    rx.set_default(Reply::status(500));
    free_order(&t, &s, &ga, 1).await;
    wait_for_message(&t, &s, "another failure", |m| m.iter().any(|m| m["status"] == "failed")).await;
    rx.set_default(Reply::status(200));
    let since = (chrono::Utc::now() - chrono::Duration::hours(1)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let rp = t
        .post(&s.t, Some(&s.t.admin_token), &format!("/api/v1/webhooks/endpoints/{ep}/replay?since={since}"), json!({}))
        .await
        .ok(202);
    assert_eq!(rp["queued"], 1);
    wait_for_message(&t, &s, "the replayed message", |m| m.len() == 3 && m.iter().all(|m| m["status"] == "succeeded"))
        .await;
    let future = (chrono::Utc::now() + chrono::Duration::hours(1)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    t.post(&s.t, Some(&s.t.admin_token), &format!("/api/v1/webhooks/endpoints/{ep}/replay?since={future}"), json!({}))
        .await
        .problem(422, "validation_failed");
    let p = t
        .post(
            &s.t,
            Some(&s.t.admin_token),
            &format!("/api/v1/webhooks/endpoints/{ep}/replay?since=yesterday"),
            json!({}),
        )
        .await
        .problem(422, "validation_failed");
    assert_eq!(p["field"], "since");
    worker.abort();
}

#[tokio::test]
async fn a_rotated_secret_keeps_signing_beside_the_new_one_for_a_day() {
    let t = app_for_webhooks("0").await;
    let s = show(&t, "acme", 10).await;
    let rx = Receiver::start().await;
    let (ep, old) = endpoint(&t, &s, &rx.url("/r"), Value::Null).await;
    let rot = t
        .post(&s.t, Some(&s.t.admin_token), &format!("/api/v1/webhooks/endpoints/{ep}/rotate-secret"), json!({}))
        .await
        .ok(200);
    let new = rot["secret"].as_str().unwrap().to_owned();
    assert_ne!(new, old);
    let until = chrono::DateTime::parse_from_rfc3339(rot["previous_secret_expires_at"].as_str().unwrap()).unwrap();
    let minutes = (until.with_timezone(&chrono::Utc) - chrono::Utc::now()).num_minutes();
    assert!((23 * 60..=24 * 60).contains(&minutes), "{minutes} min");
    let worker = start_worker(&t);
    t.post(&s.t, Some(&s.t.admin_token), &format!("/api/v1/webhooks/endpoints/{ep}/test"), json!({})).await.ok(202);
    let got = rx.wait_until("a ping", |g| !g.is_empty()).await;
    assert_eq!(got[0].header("webhook-signature").split(' ').count(), 2);
    verify(&got[0], &old);
    verify(&got[0], &new);

    // Once the overlap is over, only the new secret signs.
    t.sql(&format!(
        "UPDATE {}.webhook_endpoints SET previous_secret_expires_at = now() - interval '1 second'",
        taquilla_store::schema_name(s.t.id)
    ))
    .await;
    t.post(&s.t, Some(&s.t.admin_token), &format!("/api/v1/webhooks/endpoints/{ep}/test"), json!({})).await.ok(202);
    let got = rx.wait_until("a second ping", |g| g.len() == 2).await;
    assert_eq!(got[1].header("webhook-signature").split(' ').count(), 1);
    verify(&got[1], &new);
    assert!(standardwebhooks::Webhook::new(&old).unwrap().verify(&got[1].body, &got[1].header_map()).is_err());
    worker.abort();
}

#[tokio::test]
async fn internal_addresses_are_refused_at_registration_and_at_delivery() {
    // The production policy: https only, no internal addresses.
    let mut c = test_config();
    c.webhooks.sender.timeout = Duration::from_secs(1);
    c.webhooks.schedule = taquilla_webhooks::RetrySchedule::parse_ms("0").unwrap();
    c.webhooks.poll = Duration::from_millis(50);
    let t = spawn_app_with(c).await;
    let s = show(&t, "acme", 10).await;
    let rx = Receiver::start().await;
    for (url, code) in [
        (rx.url("/h"), "https_required"),
        ("https://127.0.0.1/h".to_owned(), "forbidden_address"),
        ("https://localhost:8443/h".to_owned(), "forbidden_address"),
        ("https://[::1]/h".to_owned(), "forbidden_address"),
        ("https://169.254.169.254/latest/meta-data/".to_owned(), "forbidden_address"),
        ("https://10.0.0.7/h".to_owned(), "forbidden_address"),
        ("https://[::ffff:192.168.0.1]/h".to_owned(), "forbidden_address"),
        ("https://0x7f.1/h".to_owned(), "forbidden_address"),
    ] {
        let p = t
            .post(&s.t, Some(&s.t.admin_token), "/api/v1/webhooks/endpoints", json!({"url": url}))
            .await
            .problem(422, "validation_failed");
        assert_eq!((p["field"].as_str(), p["errors"][0]["code"].as_str()), (Some("url"), Some(code)), "{url}: {p}");
    }
    assert_eq!(t.count(&s.t, "webhook_endpoints").await, 0);

    // An endpoint whose name later points inside (here: written straight to
    // the table) is refused again at delivery, after resolution.
    let https_local = rx.url("/h").replace("http://127.0.0.1", "https://localhost");
    t.sql(&format!(
        "INSERT INTO {}.webhook_endpoints (id, url, secret, created_by, created_at) VALUES (gen_random_uuid(), '{https_local}', '{}', '{}', now() - interval '1 minute')",
        taquilla_store::schema_name(s.t.id),
        taquilla_webhooks::Secret::generate().expose(),
        s.t.admin_id
    ))
    .await;
    let worker = start_worker(&t);
    let ga = s.section(&t, "General", 0, 10, json!({})).await;
    free_order(&t, &s, &ga, 1).await;
    let m =
        wait_for_message(&t, &s, "refused deliveries", |m| m.len() >= 3 && m.iter().all(|m| m["status"] == "failed"))
            .await;
    assert!(m.iter().all(|m| m["last_status_code"].is_null()));
    assert!(m[0]["last_error"].as_str().unwrap().contains("internal address"), "{}", m[0]);
    assert!(rx.received().is_empty(), "nothing reached the internal address");
    worker.abort();
}

#[tokio::test]
async fn an_endpoint_failing_for_five_days_is_disabled_and_the_tenant_told() {
    let t = app_for_webhooks("0,100,100").await;
    let s = show(&t, "acme", 10).await;
    let rx = Receiver::start().await;
    rx.set_default(Reply::status(500));
    let (ep, _) = endpoint(&t, &s, &rx.url("/down"), Value::Null).await;
    t.sql(&format!(
        "UPDATE {}.webhook_endpoints SET failing_since = now() - interval '5 days 1 minute'",
        taquilla_store::schema_name(s.t.id)
    ))
    .await;
    let worker = start_worker(&t);
    t.post(&s.t, Some(&s.t.admin_token), &format!("/api/v1/webhooks/endpoints/{ep}/test"), json!({})).await.ok(202);
    let path = format!("/api/v1/webhooks/endpoints/{ep}");
    let mut e = Value::Null;
    for _ in 0..200 {
        e = t.get(&s.t, Some(&s.t.admin_token), &path).await.ok(200);
        if e["enabled"] == false {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(e["enabled"], false, "{e}");
    assert!(e["disabled_reason"].as_str().unwrap().starts_with("failing since"));
    assert!(t.outbox(&s.t).await.contains(&"webhook.endpoint_disabled".to_owned()));
    // Its admins hear of it by e-mail. (A pass skips an outbox row the
    // webhook fan-out holds at that moment; the next one takes it.)
    let mut told = vec![];
    for _ in 0..100 {
        t.app.notification_pass().await.unwrap();
        let all = t.get(&s.t, Some(&s.t.admin_token), "/api/v1/notifications?per_page=100").await.ok(200);
        told = all["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|n| n["template"] == "webhook_endpoint_disabled")
            .cloned()
            .collect();
        if !told.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(told.len(), 1, "{told:?}");
    assert_eq!(
        (told[0]["channel"].as_str(), told[0]["recipient"].as_str()),
        (Some("email"), Some(format!("admin@{}.test", s.t.slug).as_str()))
    );
    assert!(told[0]["subject"].as_str().unwrap().contains(&rx.url("/down")), "{}", told[0]);
    // Disabled: no more attempts, and no new messages for it.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let n = rx.received().len();
    assert_eq!(n, 1);
    t.post(&s.t, Some(&s.t.admin_token), &format!("{path}/test"), json!({})).await.problem(409, "endpoint_disabled");
    // Turning it back on clears the reason and the streak.
    let e = t.patch(&s.t, Some(&s.t.admin_token), &path, json!({"enabled": true})).await.ok(200);
    assert!(e["disabled_reason"].is_null() && e["failing_since"].is_null());
    worker.abort();
}

/// The workers read the outbox from a position. An event whose transaction
/// took its `seq` before others and committed after them must not be left
/// behind that position: it goes out once it commits, and the later events
/// wait for it rather than pass it.
#[tokio::test]
async fn an_event_committed_after_later_ones_is_delivered_too() {
    let t = app_for_webhooks("0").await;
    let s = show(&t, "acme", 10).await;
    let ga = s.section(&t, "General", 0, 10, json!({})).await;
    let rx = Receiver::start().await;
    endpoint(&t, &s, &rx.url("/late"), json!(["order.paid"])).await;
    let worker = start_worker(&t);

    let late = t.app.store.tenant_tx(s.t.id).await.unwrap();
    let late_id = uuid::Uuid::new_v4();
    taquilla_store::outbox::emit(&late, "order.paid", late_id, json!({"order_id": late_id})).await.unwrap();
    let early = free_order(&t, &s, &ga, 1).await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert!(rx.received().is_empty(), "nothing passes an event that may still commit");

    late.commit().await.unwrap();
    let schema = taquilla_store::schema_name(s.t.id);
    let by_seq = t
        .json(&format!(
            "SELECT json_agg(payload->>'order_id' ORDER BY seq)::text AS j FROM {schema}.outbox \
             WHERE event_type = 'order.paid'"
        ))
        .await;
    assert_eq!(by_seq, json!([late_id, early["id"]]), "the late event took the lower seq");
    let got = rx.wait_until("both order.paid events", |g| g.len() >= 2).await;
    let mut ids: Vec<String> = got.iter().map(|r| r.json()["data"]["order_id"].as_str().unwrap().to_owned()).collect();
    ids.sort();
    let mut want = vec![late_id.to_string(), early["id"].as_str().unwrap().to_owned()];
    want.sort();
    assert_eq!(ids, want);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(rx.received().len(), 2, "each once");
    worker.abort();
}

#[tokio::test]
async fn several_workers_share_the_messages_and_send_each_once() {
    let t = app_for_webhooks("0").await;
    let s = show(&t, "acme", 200).await;
    let ga = s.section(&t, "General", 0, 200, json!({"max_per_order": 10})).await;
    let rx = Receiver::start().await;
    endpoint(&t, &s, &rx.url("/many"), json!(["ticket.issued"])).await;
    let workers: Vec<_> = (0..3).map(|_| start_worker(&t)).collect();
    for _ in 0..6 {
        free_order(&t, &s, &ga, 5).await;
    }
    let got = rx.wait_until("30 tickets", |g| g.len() >= 30).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut ids: Vec<String> = rx.received().iter().map(|r| r.header("webhook-id").to_owned()).collect();
    assert_eq!(ids.len(), 30, "{} arrived", got.len());
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 30, "no message twice");
    for w in workers {
        w.abort();
    }
}

#[tokio::test]
async fn a_server_killed_mid_delivery_sends_the_message_after_restart() {
    let t = app_for_webhooks("0").await;
    let s = show(&t, "acme", 10).await;
    let rx = Receiver::start().await;
    // The first attempt hangs past the kill.
    rx.script([Reply::status(200).delayed(Duration::from_secs(30))]);
    let (_, secret) = endpoint(&t, &s, &rx.url("/slow"), json!(["order.paid"])).await;
    let env = [
        ("TAQUILLA_WEBHOOKS_ALLOW_PRIVATE", "1"),
        ("TAQUILLA_WEBHOOK_TIMEOUT_MS", "2000"),
        ("TAQUILLA_WEBHOOK_POLL_MS", "50"),
    ];
    let secret_jwt = "kill-test-secret-0123456789abcdef0123456789";
    let server = crate::subscriptions::serve_with(&t.db.url, secret_jwt, None, &env).await;
    let ep = t.get(&s.t, Some(&s.t.admin_token), "/api/v1/webhooks/endpoints").await.ok(200)["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    t.post(&s.t, Some(&s.t.admin_token), &format!("/api/v1/webhooks/endpoints/{ep}/test"), json!({})).await.ok(202);
    rx.wait_until("the first attempt", |g| g.len() == 1).await;
    drop(server); // SIGKILL while the attempt is in flight
    let m = messages(&t, &s, "").await;
    assert_eq!((m[0]["status"].as_str(), m[0]["attempts"].as_i64()), (Some("pending"), Some(0)), "{}", m[0]);

    let _server = crate::subscriptions::serve_with(&t.db.url, secret_jwt, None, &env).await;
    let got = rx.wait_until("the attempt after restart", |g| g.len() == 2).await;
    assert_eq!(got[0].header("webhook-id"), got[1].header("webhook-id"), "the same message, deduplicable");
    verify(&got[1], &secret);
    wait_for_message(&t, &s, "delivery", |m| m[0]["status"] == "succeeded").await;
}
