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

/// Rows written at once share transactions (group commit), per chain: a
/// chain that cannot be written fails its own requests only, and every
/// other row is in its chain, in order, and verifies.
#[tokio::test]
async fn audit_rows_written_at_once_land_in_their_own_chains_and_a_broken_chain_fails_alone() {
    use taquilla_store::audit::NewAuditRow;
    let t = spawn_app().await;
    let a = t.tenant("acme").await;
    let b = t.tenant("bravo").await;
    let before_a = t.app.verify_audit(Some(a.id)).await.unwrap().rows;
    let before_b = t.app.verify_audit(Some(b.id)).await.unwrap().rows;
    let no_schema = uuid::Uuid::now_v7(); // a tenant id with no schema behind it
    let row = |tenant_id: Option<uuid::Uuid>, i: usize| NewAuditRow {
        tenant_id,
        actor_id: None,
        actor_role: i.is_multiple_of(2).then(|| "staff".to_owned()),
        action: format!("TEST {i}"),
        resource: "/test".into(),
        request_id: format!("req-{i}"),
        ip: None,
        status: 200,
        created_at: taquilla_services::now(),
    };
    let chains = [Some(a.id), Some(b.id), None, Some(no_schema)];
    let writes = (0..60).map(|i| {
        let app = t.app.clone();
        let r = row(chains[i % 4], i);
        async move { app.record_audit(r).await }
    });
    let results = futures_util::future::join_all(writes).await;
    for (i, r) in results.iter().enumerate() {
        assert_eq!(r.is_err(), chains[i % 4] == Some(no_schema), "row {i}: {r:?}");
    }
    for (tenant, before) in [(&a, before_a), (&b, before_b)] {
        let v = t.app.verify_audit(Some(tenant.id)).await.unwrap();
        assert!(v.ok, "{v:?}");
        assert_eq!(v.rows, before + 15);
        let log = t.get(tenant, Some(&tenant.admin_token), "/api/v1/audit?per_page=100").await.ok(200);
        let mut ours: Vec<i64> = log["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|r| r["action"].as_str()?.strip_prefix("TEST ")?.parse().ok())
            .collect();
        ours.reverse(); // newest first → written order
        assert_eq!(ours.len(), 15);
        assert!(ours.windows(2).all(|w| w[0] < w[1]), "rows of one chain keep their order: {ours:?}");
        assert!(ours.iter().all(|i| chains[*i as usize % 4] == Some(tenant.id)));
    }
    assert!(t.app.verify_audit(None).await.unwrap().ok);
    // The writer recovered: a later row is written.
    t.app.record_audit(row(Some(a.id), 99)).await.unwrap();
}

/// One value of a query, as JSON.
async fn scalar(t: &TestApp, sql: &str) -> serde_json::Value {
    t.json(&format!("SELECT to_jsonb(x.v)::text AS j FROM ({sql}) AS x(v)")).await
}

/// A purchase and a scan write their audit rows in their own transactions:
/// one transaction per request, the row shares the change's transaction id,
/// and a row that cannot be written takes its change down with it. Requests
/// that change nothing (a replay, a refused scan) still get their row, with
/// the status they were answered.
#[tokio::test]
async fn a_buy_and_a_scan_commit_their_audit_rows_with_their_change() {
    let t = spawn_app().await;
    let s = crate::ticketing::show(&t, "acme", 100).await;
    let ga = s.section(&t, "General", 0, 50, json!({})).await;
    let (_, ana) = t.user(&s.t, "attendee", "ana").await;
    let (_, door) = t.user(&s.t, "staff", "door").await;
    let schema = taquilla_store::schema_name(s.t.id);
    let buy_path = format!("/api/v1/events/{}/tickets", s.event_id);
    let buy = |key: &'static str| {
        let body = json!({"session_id": s.session_id, "ticket_type_id": ga["id"], "quantity": 1});
        let (t, s, ana, path) = (&t, &s, &ana, &buy_path);
        async move {
            let key = [("Idempotency-Key", key)];
            t.call_with_headers(reqwest::Method::POST, Some(&s.t), Some(ana), path, Some(body), &key).await
        }
    };
    let scan = |token: String| t.post(&s.t, Some(&door), "/api/v1/checkin", json!({"token": token, "gate": "North"}));
    let token_of = |order: serde_json::Value| {
        let ticket = order["ticket_ids"][0].as_str().unwrap().to_owned();
        let (t, s, ana) = (&t, &s, &ana);
        async move { t.get(&s.t, Some(ana), &format!("/api/v1/tickets/{ticket}")).await.ok(200)["token"].clone() }
    };
    let xmin_matches = |table: &str, id: &str, action: &str, status: u16| {
        format!(
            "SELECT (SELECT xmin::text FROM {schema}.{table} WHERE id = '{id}') = \
             (SELECT xmin::text FROM {schema}.audit_log WHERE action = '{action}' AND status = {status})"
        )
    };

    // Warm the caches a first request fills (signing key, scripts).
    let first = buy("warm").await.ok(201);
    scan(token_of(first).await.as_str().unwrap().to_owned()).await.ok(200);
    t.sql(&format!("DELETE FROM {schema}.audit_log")).await;

    let before = t.app.store.stats();
    let order = buy("k-1").await.ok(201);
    let bought = t.app.store.stats() - before;
    assert_eq!(bought.tenant_txs, 1, "the order and its audit row in one transaction: {bought:?}");
    let oid = order["id"].as_str().unwrap().to_owned();
    let pattern = "POST /api/v1/events/{id}/tickets";
    assert_eq!(scalar(&t, &xmin_matches("orders", &oid, pattern, 201)).await, true);
    assert_eq!(buy("k-1").await.ok(200)["id"], order["id"], "a replay");

    let token = token_of(order).await.as_str().unwrap().to_owned();
    let before = t.app.store.stats();
    scan(token.clone()).await.ok(200);
    let admitted = t.app.store.stats() - before;
    let before = t.app.store.stats();
    scan(token.clone()).await.problem(409, "already_used");
    let refused = t.app.store.stats() - before;
    assert_eq!((admitted.tenant_txs, refused.tenant_txs), (1, 2), "a refusal's row needs a transaction of its own");
    let ticket = scalar(&t, &format!("SELECT id FROM {schema}.tickets WHERE order_id = '{oid}'")).await;
    let ticket = ticket.as_str().unwrap();
    assert_eq!(scalar(&t, &xmin_matches("tickets", ticket, "POST /api/v1/checkin", 200)).await, true);

    // Every request has exactly one row, with what it was answered.
    let rows = scalar(
        &t,
        &format!("SELECT jsonb_agg(jsonb_build_array(action, status) ORDER BY seq) FROM {schema}.audit_log"),
    )
    .await;
    assert_eq!(
        rows,
        json!([[pattern, 201], [pattern, 200], ["POST /api/v1/checkin", 200], ["POST /api/v1/checkin", 409]])
    );

    // The log refuses rows: the change is refused with them.
    let spare = token_of(buy("k-2").await.ok(201)).await.as_str().unwrap().to_owned();
    t.sql(&format!(
        "CREATE FUNCTION {schema}.refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'no'; END $$; \
         CREATE TRIGGER refuse BEFORE INSERT ON {schema}.audit_log FOR EACH ROW EXECUTE FUNCTION {schema}.refuse()"
    ))
    .await;
    let tickets = t.count(&s.t, "tickets").await;
    buy("k-3").await.problem(500, "internal");
    assert_eq!(t.count(&s.t, "tickets").await, tickets, "no order without its audit row");
    scan(spare.clone()).await.problem(500, "internal");
    let active = format!("SELECT count(*) FROM {schema}.tickets WHERE status = 'active'");
    assert_eq!(scalar(&t, &active).await, 1, "no admission without its audit row");

    t.sql(&format!("DROP TRIGGER refuse ON {schema}.audit_log")).await;
    scan(spare).await.ok(200);
    buy("k-3").await.ok(201);
    assert!(t.app.verify_audit(Some(s.t.id)).await.unwrap().ok);
}
