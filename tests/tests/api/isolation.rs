//! Every tenant endpoint with the other tenant's token (401) and ids (404).

use reqwest::Method;
use serde_json::json;
use taquilla_tests::*;

#[tokio::test]
async fn other_tenants_token_is_401_everywhere() {
    let t = spawn_app().await;
    let a = t.tenant("acme").await;
    let b = t.tenant("bolt").await;
    let ev = t.event(&b, &b.admin_token, "B's event").await;
    let eid = ev["id"].as_str().unwrap();
    let s = t
        .post(&b, Some(&b.admin_token), &format!("/api/v1/events/{eid}/sessions"), session_body("S", 1, 2))
        .await
        .ok(201);
    let sid = s["id"].as_str().unwrap();
    let uid = b.admin_id;

    let endpoints: Vec<(Method, String, Option<serde_json::Value>)> = vec![
        (Method::GET, "/api/v1/users/me".into(), None),
        (Method::PATCH, "/api/v1/users/me".into(), Some(json!({"display_name": "x"}))),
        (Method::GET, "/api/v1/users".into(), None),
        (
            Method::POST,
            "/api/v1/users".into(),
            Some(json!({"email": "z@z.test", "password": PASSWORD, "role": "staff", "display_name": "z"})),
        ),
        (Method::GET, format!("/api/v1/users/{uid}"), None),
        (Method::PATCH, format!("/api/v1/users/{uid}"), Some(json!({"display_name": "x"}))),
        (Method::GET, "/api/v1/events".into(), None),
        (Method::GET, "/api/v1/events/search?q=b".into(), None),
        (Method::POST, "/api/v1/events".into(), Some(event_body("x"))),
        (Method::GET, format!("/api/v1/events/{eid}"), None),
        (Method::PUT, format!("/api/v1/events/{eid}"), Some(event_body("x"))),
        (Method::PATCH, format!("/api/v1/events/{eid}"), Some(json!({"title": "x"}))),
        (Method::DELETE, format!("/api/v1/events/{eid}"), None),
        (Method::GET, format!("/api/v1/events/{eid}/sessions"), None),
        (Method::POST, format!("/api/v1/events/{eid}/sessions"), Some(session_body("x", 5, 1))),
        (Method::GET, format!("/api/v1/events/{eid}/sessions/{sid}"), None),
        (Method::PUT, format!("/api/v1/events/{eid}/sessions/{sid}"), Some(session_body("x", 1, 2))),
        (Method::PATCH, format!("/api/v1/events/{eid}/sessions/{sid}"), Some(json!({"title": "x"}))),
        (Method::DELETE, format!("/api/v1/events/{eid}/sessions/{sid}"), None),
        (Method::GET, "/api/v1/audit".into(), None),
        (Method::GET, "/api/v1/audit/verify".into(), None),
        (Method::GET, format!("/api/v1/sessions/{sid}/ticket-types"), None),
        (
            Method::POST,
            format!("/api/v1/sessions/{sid}/ticket-types"),
            Some(json!({"name": "X", "price_minor": 0, "currency": "EUR", "capacity": 1})),
        ),
        (Method::GET, format!("/api/v1/sessions/{sid}/seats"), None),
        (Method::GET, format!("/api/v1/sessions/{sid}/checkin-stats"), None),
        (Method::GET, format!("/api/v1/sessions/{sid}/attendees"), None),
        (Method::POST, format!("/api/v1/events/{eid}/sessions/{sid}/register"), Some(json!({}))),
        (Method::DELETE, format!("/api/v1/events/{eid}/sessions/{sid}/register"), None),
        (Method::POST, "/api/v1/holds".into(), Some(json!({"session_id": sid, "items": []}))),
        (Method::POST, "/api/v1/orders".into(), Some(json!({"session_id": sid, "items": []}))),
        (
            Method::POST,
            format!("/api/v1/events/{eid}/tickets"),
            Some(json!({"session_id": sid, "ticket_type_id": sid, "quantity": 1})),
        ),
        (Method::GET, "/api/v1/users/me/tickets".into(), None),
        (Method::GET, "/api/v1/users/me/events".into(), None),
        (Method::POST, "/api/v1/checkin".into(), Some(json!({"token": "x", "gate": "A"}))),
        (Method::GET, "/api/v1/resale".into(), None),
        (Method::GET, "/api/v1/settings".into(), None),
        (Method::PUT, "/api/v1/settings".into(), Some(json!({"hold_minutes": 5}))),
    ];
    for (m, path, body) in &endpoints {
        // A's admin token presented to tenant B.
        let r = t.call(m.clone(), Some(&b.slug), Some(&a.admin_token), path, body.clone()).await;
        r.problem(401, "wrong_tenant");
    }
    // Nothing changed in B.
    let ev_now = t.get(&b, Some(&b.admin_token), &format!("/api/v1/events/{eid}")).await.ok(200);
    assert_eq!(ev_now["title"], "B's event");
    assert_eq!(t.count(&b, "users").await, 1);
    // Platform tokens are not tenant tokens either, and tenant tokens are not platform tokens.
    t.call(Method::GET, Some(&b.slug), Some(&t.platform_token), "/api/v1/users/me", None)
        .await
        .problem(401, "wrong_tenant");
    t.call(Method::GET, None, Some(&a.admin_token), "/api/v1/admin/tenants", None).await.problem(401, "wrong_tenant");
}

#[tokio::test]
async fn other_tenants_ids_are_404() {
    let t = spawn_app().await;
    let a = t.tenant("acme").await;
    let b = t.tenant("bolt").await;
    let ev = t.event(&b, &b.admin_token, "B's event").await;
    let eid = ev["id"].as_str().unwrap();
    let s = t
        .post(&b, Some(&b.admin_token), &format!("/api/v1/events/{eid}/sessions"), session_body("S", 1, 2))
        .await
        .ok(201);
    let sid = s["id"].as_str().unwrap();
    let tok = Some(a.admin_token.as_str());

    t.get(&a, tok, &format!("/api/v1/events/{eid}")).await.problem(404, "not_found");
    t.put(&a, tok, &format!("/api/v1/events/{eid}"), event_body("hijack")).await.problem(404, "not_found");
    t.patch(&a, tok, &format!("/api/v1/events/{eid}"), json!({"title": "hijack"})).await.problem(404, "not_found");
    t.delete(&a, tok, &format!("/api/v1/events/{eid}")).await.problem(404, "not_found");
    t.get(&a, tok, &format!("/api/v1/events/{eid}/sessions")).await.problem(404, "not_found");
    t.post(&a, tok, &format!("/api/v1/events/{eid}/sessions"), session_body("x", 5, 1)).await.problem(404, "not_found");
    t.get(&a, tok, &format!("/api/v1/events/{eid}/sessions/{sid}")).await.problem(404, "not_found");
    t.patch(&a, tok, &format!("/api/v1/events/{eid}/sessions/{sid}"), json!({"title": "x"}))
        .await
        .problem(404, "not_found");
    t.delete(&a, tok, &format!("/api/v1/events/{eid}/sessions/{sid}")).await.problem(404, "not_found");
    t.get(&a, tok, &format!("/api/v1/users/{}", b.admin_id)).await.problem(404, "not_found");
    t.patch(&a, tok, &format!("/api/v1/users/{}", b.admin_id), json!({"active": false}))
        .await
        .problem(404, "not_found");
    let list = t.get(&a, tok, "/api/v1/events").await.ok(200);
    assert_eq!(list["total"], 0);
    let found = t.get(&a, tok, "/api/v1/events/search?q=event").await.ok(200);
    assert_eq!(found["total"], 0);
    // B's data is intact.
    let still = t.get(&b, Some(&b.admin_token), &format!("/api/v1/events/{eid}/sessions/{sid}")).await.ok(200);
    assert_eq!(still["title"], "S");
}

#[tokio::test]
async fn tenant_comes_from_subdomain_too() {
    let t = spawn_app().await;
    let a = t.tenant("acme").await;
    t.event(&a, &a.admin_token, "Subdomain show").await;
    let res = t
        .http
        .get(format!("{}/api/v1/events", t.base))
        .header("Host", format!("acme.localhost:{}", t.port))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["items"][0]["title"], "Subdomain show");
    // No tenant at all, and an unknown one.
    t.call(Method::GET, None, None, "/api/v1/events", None).await.problem(400, "tenant_required");
    t.call(Method::GET, Some("nobody-here"), None, "/api/v1/events", None).await.problem(404, "unknown_tenant");
    t.call(Method::GET, Some("../etc"), None, "/api/v1/events", None).await.problem(404, "unknown_tenant");
}
