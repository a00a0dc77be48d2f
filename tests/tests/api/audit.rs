use serde_json::json;
use taquilla_tests::*;

#[tokio::test]
async fn mutations_are_audited_including_failures_and_the_chain_detects_tampering() {
    let t = spawn_app().await;
    let a = t.tenant("acme").await;
    let (organizer_id, organizer) = t.user(&a, "organizer", "olga").await;
    let (_, attendee) = t.user(&a, "attendee", "ana").await;
    t.event(&a, &organizer, "Audited").await; // success
    t.post(&a, Some(&attendee), "/api/v1/events", event_body("Forbidden")).await.problem(403, "forbidden");
    t.post(&a, Some(&organizer), "/api/v1/events", json!({"title": ""})).await.problem(422, "validation_failed");
    // Reads are not audited.
    t.get(&a, Some(&organizer), "/api/v1/events").await.ok(200);

    let log = t.get(&a, Some(&a.admin_token), "/api/v1/audit?per_page=100").await.ok(200);
    let rows = log["items"].as_array().unwrap();
    let creates: Vec<_> = rows.iter().filter(|r| r["action"] == "POST /api/v1/events").collect();
    let statuses: Vec<_> = creates.iter().map(|r| r["status"].as_i64().unwrap()).collect();
    assert_eq!(statuses, [422, 403, 201], "newest first: {creates:?}");
    let ok = creates[2];
    assert_eq!(ok["actor_id"], organizer_id.to_string());
    assert_eq!(ok["actor_role"], "organizer");
    assert_eq!(ok["tenant_id"], a.id.to_string());
    assert_eq!(ok["ip"], "127.0.0.1");
    assert!(!ok["request_id"].as_str().unwrap().is_empty());
    assert!(rows.iter().all(
        |r| r["action"].as_str().unwrap().starts_with("POST") || r["action"].as_str().unwrap().starts_with("PATCH")
    ));

    t.get(&a, Some(&organizer), "/api/v1/audit").await.problem(403, "forbidden");
    let v = t.get(&a, Some(&a.admin_token), "/api/v1/audit/verify").await.ok(200);
    assert_eq!(v["ok"], true, "{v}");

    // Edit a row in place: the chain breaks exactly there.
    let schema = taquilla_store::schema_name(a.id);
    let seq = ok["chain_seq"].as_i64().unwrap();
    assert!(ok["hash"].as_str().is_some_and(|h| h.len() == 64), "listed rows are sealed: {ok}");
    t.sql(&format!("UPDATE {schema}.audit_log SET status = 200 WHERE chain_seq = {seq}")).await;
    let v = t.app.verify_audit(Some(a.id)).await.unwrap();
    assert_eq!((v.ok, v.broken_at_seq), (false, Some(seq)));
    t.sql(&format!("UPDATE {schema}.audit_log SET status = 201 WHERE chain_seq = {seq}")).await;
    assert!(t.app.verify_audit(Some(a.id)).await.unwrap().ok);

    // Remove a row: the next one's link breaks.
    t.sql(&format!("DELETE FROM {schema}.audit_log WHERE chain_seq = {}", seq - 1)).await;
    let v = t.app.verify_audit(Some(a.id)).await.unwrap();
    assert_eq!((v.ok, v.broken_at_seq), (false, Some(seq)));
}

#[tokio::test]
async fn platform_actions_go_to_the_platform_chain() {
    let t = spawn_app().await;
    t.tenant("acme").await;
    t.call(
        reqwest::Method::POST,
        None,
        None,
        "/api/v1/admin/auth/login",
        Some(json!({"email": PLATFORM_EMAIL, "password": "bad password"})),
    )
    .await
    .problem(401, "invalid_credentials");
    let v = t.app.verify_audit(None).await.unwrap();
    assert!(v.ok, "{v:?}");
    // login + tenant create + failed login (the tenant admin's login is in the tenant chain).
    assert_eq!(v.rows, 3);
}

#[tokio::test]
async fn concurrent_mutations_keep_one_chain() {
    let t = spawn_app().await;
    let a = t.tenant("acme").await;
    let calls = (0..20).map(|i| t.post(&a, Some(&a.admin_token), "/api/v1/events", event_body(&format!("E{i}"))));
    let results = futures_util::future::join_all(calls).await;
    assert!(results.iter().all(|r| r.status == 201));
    let v = t.app.verify_audit(Some(a.id)).await.unwrap();
    assert!(v.ok, "{v:?}");
    assert_eq!(v.rows, 21); // 20 creates + the admin's login
}
