//! API keys: shown once, stored hashed, scoped on REST and GraphQL alike,
//! bound to their tenant, dead when expired or revoked.

use reqwest::Method;
use serde_json::{json, Value};
use taquilla_tests::*;

use crate::ticketing::show;

async fn key(t: &TestApp, fx: &TenantFx, scopes: Value) -> (String, String) {
    let k = t
        .post(fx, Some(&fx.admin_token), "/api/v1/api-keys", json!({"name": "CRM sync", "scopes": scopes}))
        .await
        .ok(201);
    (k["id"].as_str().unwrap().to_owned(), k["key"].as_str().unwrap().to_owned())
}

async fn gql(t: &TestApp, fx: &TenantFx, token: &str, query: &str) -> Value {
    t.call(Method::POST, Some(&fx.slug), Some(token), "/graphql", Some(json!({"query": query}))).await.ok(200)
}

#[tokio::test]
async fn keys_are_shown_once_listed_by_prefix_and_managed_by_tenant_admins_only() {
    let t = spawn_app().await;
    let s = show(&t, "acme", 10).await;
    let created = t
        .post(
            &s.t,
            Some(&s.t.admin_token),
            "/api/v1/api-keys",
            json!({"name": "Gate sync", "scopes": ["checkin", "events:read", "checkin"]}),
        )
        .await
        .ok(201);
    let k = created["key"].as_str().unwrap();
    assert!(k.starts_with("tk_live_") && k.len() > 40, "{k}");
    assert!(k.starts_with(created["prefix"].as_str().unwrap()));
    assert_eq!(created["scopes"], json!(["checkin", "events:read"]));
    let list = t.get(&s.t, Some(&s.t.admin_token), "/api/v1/api-keys").await.ok(200);
    assert_eq!(list["total"], 1);
    assert!(list["items"][0].get("key").is_none(), "the key itself is never listed");
    assert!(list["items"][0]["last_used_at"].is_null());
    // Only its hash is stored.
    let stored: i64 = {
        use sea_orm::{ConnectionTrait, Statement};
        let row = t
            .app
            .store
            .db()
            .query_one_raw(Statement::from_string(
                sea_orm::DbBackend::Postgres,
                format!(
                    "SELECT count(*) AS n FROM {}.api_keys WHERE position(convert_to('{k}', 'UTF8') IN key_hash) > 0 OR prefix = '{k}'",
                    taquilla_store::schema_name(s.t.id)
                ),
            ))
            .await
            .unwrap()
            .unwrap();
        row.try_get("", "n").unwrap()
    };
    assert_eq!(stored, 0);

    for (body, field) in [
        (json!({"name": "x", "scopes": []}), "scopes"),
        (json!({"name": "x", "scopes": ["events:delete"]}), "scopes[0]"),
        (json!({"name": "", "scopes": ["checkin"]}), "name"),
        (json!({"name": "x", "scopes": ["checkin"], "expires_at": "2001-01-01T00:00:00Z"}), "expires_at"),
    ] {
        let p = t.post(&s.t, Some(&s.t.admin_token), "/api/v1/api-keys", body).await.problem(422, "validation_failed");
        assert_eq!(p["field"], field, "{p}");
    }
    for role in ["organizer", "staff", "attendee"] {
        let (_, tok) = t.user(&s.t, role, &format!("k-{role}")).await;
        t.get(&s.t, Some(&tok), "/api/v1/api-keys").await.problem(403, "forbidden");
        t.post(&s.t, Some(&tok), "/api/v1/api-keys", json!({"name": "x", "scopes": ["checkin"]}))
            .await
            .problem(403, "forbidden");
    }
    // A key cannot mint or list keys, whatever its scopes.
    let (_, all) = key(&t, &s.t, json!(["events:write", "orders:write", "checkin", "webhooks:manage"])).await;
    t.get(&s.t, Some(&all), "/api/v1/api-keys").await.problem(403, "api_key_not_allowed");
    t.post(&s.t, Some(&all), "/api/v1/api-keys", json!({"name": "x", "scopes": ["checkin"]}))
        .await
        .problem(403, "api_key_not_allowed");
    assert_eq!(t.count(&s.t, "api_keys").await, 2);
}

#[tokio::test]
async fn scopes_decide_what_a_key_may_do_on_rest_and_graphql() {
    let t = spawn_app().await;
    let s = show(&t, "acme", 10).await;
    let (_, reader) = key(&t, &s.t, json!(["events:read"])).await;
    let (_, writer) = key(&t, &s.t, json!(["events:write"])).await;

    // events:read: listing yes (drafts too, as its admin would), writing no.
    let (_, org) = t.user(&s.t, "organizer", "drafty").await;
    let mut body = event_body("Draft show");
    body["status"] = json!("draft");
    let draft = t.post(&s.t, Some(&org), "/api/v1/events", body).await.ok(201);
    assert_eq!(draft["status"], "draft");
    let listed = t.get(&s.t, Some(&reader), "/api/v1/events?per_page=100").await.ok(200);
    assert!(listed["items"].as_array().unwrap().iter().any(|e| e["id"] == draft["id"]), "{listed}");
    let p = t.post(&s.t, Some(&reader), "/api/v1/events", event_body("Nope")).await.problem(403, "insufficient_scope");
    assert_eq!(p["required_scope"], "events:write");
    t.post(&s.t, Some(&reader), "/api/v1/orders", json!({})).await.problem(403, "insufficient_scope");
    t.get(&s.t, Some(&reader), &format!("/api/v1/sessions/{}/checkin-stats", s.session_id))
        .await
        .problem(403, "insufficient_scope");
    // People, settings, the audit log: never through a key.
    for path in ["/api/v1/users", "/api/v1/users/me", "/api/v1/settings", "/api/v1/audit"] {
        t.get(&s.t, Some(&writer), path).await.problem(403, "api_key_not_allowed");
    }
    // events:write creates (and so reads).
    let ev = t.post(&s.t, Some(&writer), "/api/v1/events", event_body("Partner gig")).await.ok(201);
    t.get(&s.t, Some(&writer), &format!("/api/v1/events/{}", ev["id"].as_str().unwrap())).await.ok(200);
    t.get(&s.t, Some(&writer), "/api/v1/webhooks/endpoints").await.problem(403, "insufficient_scope");
    let listed = t.get(&s.t, Some(&s.t.admin_token), "/api/v1/api-keys").await.ok(200);
    assert!(listed["items"].as_array().unwrap().iter().all(|k| k["last_used_at"].is_string()), "{listed}");

    // GraphQL: the same scopes, per root field.
    let r = gql(&t, &s.t, &reader, "{ events(first: 5) { totalCount } }").await;
    assert!(r.get("errors").is_none(), "{r}");
    assert!(r["data"]["events"]["totalCount"].as_i64().unwrap() >= 2);
    let create = format!(
        r#"mutation {{ createEvent(input: {{title: "Via GraphQL", category: "music", startsAt: "{}", endsAt: "{}", timezone: "Europe/Madrid"}}) {{ id }} }}"#,
        event_body("x")["starts_at"].as_str().unwrap(),
        event_body("x")["ends_at"].as_str().unwrap()
    );
    let r = gql(&t, &s.t, &reader, &create).await;
    assert_eq!(r["errors"][0]["extensions"]["code"], "insufficient_scope", "{r}");
    let r = gql(&t, &s.t, &writer, &create).await;
    assert!(r.get("errors").is_none(), "{r}");
    let r = gql(&t, &s.t, &writer, "{ me { id } }").await;
    assert_eq!(r["errors"][0]["extensions"]["code"], "api_key_not_allowed", "{r}");
    let r = gql(&t, &s.t, &writer, "{ events(first: 1) { totalCount } me { id } }").await;
    assert_eq!(r["errors"][0]["extensions"]["code"], "api_key_not_allowed", "one closed field refuses the request");
    assert!(r["data"].is_null());
}

#[tokio::test]
async fn keys_belong_to_their_tenant_and_die_when_revoked_or_expired() {
    let t = spawn_app().await;
    let s = show(&t, "acme", 10).await;
    let other = t.tenant("other").await;
    let (id, k) = key(&t, &s.t, json!(["events:read"])).await;
    t.get(&s.t, Some(&k), "/api/v1/events").await.ok(200);
    // Another tenant's name with this key: not a key there.
    t.get(&other, Some(&k), "/api/v1/events").await.problem(401, "invalid_api_key");
    let r = t
        .call(
            Method::POST,
            Some(&other.slug),
            Some(&k),
            "/graphql",
            Some(json!({"query": "{ events { totalCount } }"})),
        )
        .await
        .ok(401);
    assert_eq!(r["errors"][0]["extensions"]["code"], "invalid_api_key", "{r}");
    // Tampered and made-up keys.
    let mut tampered = k.clone();
    tampered.pop();
    tampered.push(if k.ends_with('A') { 'B' } else { 'A' });
    for bad in [tampered.as_str(), "tk_live_", "tk_live_short", "tk_live_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"] {
        t.get(&s.t, Some(bad), "/api/v1/events").await.problem(401, "invalid_api_key");
    }
    // Other tenants cannot revoke it; its tenant can, with immediate effect.
    t.delete(&other, Some(&other.admin_token), &format!("/api/v1/api-keys/{id}")).await.problem(404, "not_found");
    t.get(&s.t, Some(&k), "/api/v1/events").await.ok(200);
    t.delete(&s.t, Some(&s.t.admin_token), &format!("/api/v1/api-keys/{id}")).await.ok(204);
    t.get(&s.t, Some(&k), "/api/v1/events").await.problem(401, "invalid_api_key");
    t.delete(&s.t, Some(&s.t.admin_token), &format!("/api/v1/api-keys/{id}")).await.problem(404, "not_found");
    assert_eq!(t.get(&s.t, Some(&s.t.admin_token), "/api/v1/api-keys").await.ok(200)["total"], 0);

    // An expired key (never used, so nothing is cached) is refused.
    let (_, old) = key(&t, &s.t, json!(["events:read"])).await;
    t.sql(&format!(
        "UPDATE {}.api_keys SET expires_at = now() - interval '1 second' WHERE revoked_at IS NULL",
        taquilla_store::schema_name(s.t.id)
    ))
    .await;
    t.get(&s.t, Some(&old), "/api/v1/events").await.problem(401, "invalid_api_key");
}
