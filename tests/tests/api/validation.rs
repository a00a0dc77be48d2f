//! Bad input: a clear 4xx naming the field, and nothing written.

use serde_json::json;
use taquilla_tests::*;

#[tokio::test]
async fn every_event_rule_names_its_field_and_writes_nothing() {
    let t = spawn_app().await;
    let a = t.tenant("acme").await;
    let tok = Some(a.admin_token.as_str());
    let cases: Vec<(&str, serde_json::Value, &str)> = vec![
        ("title", json!(""), "title"),
        ("title", json!("   "), "title"),
        ("title", json!("x".repeat(201)), "title"),
        ("title", json!(42), "title"),
        ("description", json!("x".repeat(10_001)), "description"),
        ("category", json!("Rock & Roll"), "category"),
        ("venue", json!("v".repeat(201)), "venue"),
        ("image_url", json!("javascript:alert(1)"), "image_url"),
        ("status", json!("sold_out"), "status"),
        ("starts_at", json!("yesterday"), "starts_at"),
        ("ends_at", json!("2030-02-30T00:00:00Z"), "ends_at"),
        ("ends_at", json!("2030-05-01T00:00:00Z"), "ends_at"),
        ("ends_at", json!("2035-05-01T00:00:00Z"), "ends_at"),
        ("timezone", json!("Mars/Olympus"), "timezone"),
        ("unexpected", json!(true), "unexpected"),
    ];
    for (key, value, field) in cases {
        let mut body = event_body("Valid");
        body[key] = value.clone();
        let p = t.post(&a, tok, "/api/v1/events", body).await.problem(422, "validation_failed");
        assert_eq!(p["field"], field, "{key}={value}: {p}");
        assert_eq!(p["errors"][0]["field"], field);
    }
    for missing in ["title", "category", "starts_at", "ends_at", "timezone"] {
        let mut body = event_body("Valid");
        body.as_object_mut().unwrap().remove(missing);
        let p = t.post(&a, tok, "/api/v1/events", body).await.problem(422, "validation_failed");
        assert_eq!((p["field"].as_str(), p["errors"][0]["code"].as_str()), (Some(missing), Some("required")));
    }
    assert_eq!(t.count(&a, "events").await, 0);
}

#[tokio::test]
async fn malformed_bodies_oversize_and_wrong_media_type() {
    let t = spawn_app().await;
    let a = t.tenant("acme").await;
    let url = format!("{}/api/v1/events", t.base);
    let send = |body: Vec<u8>, ct: &'static str| {
        t.http
            .post(&url)
            .header("X-Tenant", "acme")
            .bearer_auth(&a.admin_token)
            .header("content-type", ct)
            .body(body)
            .send()
    };
    let r = send(b"{\"title\": \"x\",\n  ]".to_vec(), "application/json").await.unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    let p: serde_json::Value = r.json().await.unwrap();
    assert_eq!(
        (p["code"].as_str(), p["line"].as_u64(), p["column"].as_u64()),
        (Some("malformed_json"), Some(2), Some(3))
    );

    let mut trailing = serde_json::to_vec(&event_body("x")).unwrap();
    trailing.extend_from_slice(b" trailing");
    let r = send(trailing, "application/json").await.unwrap();
    assert_eq!(r.status(), 400);

    let mut big = event_body("Big");
    big["description"] = json!("x".repeat(70 * 1024));
    let r = send(serde_json::to_vec(&big).unwrap(), "application/json").await.unwrap();
    assert_eq!(r.status(), 413);
    let p: serde_json::Value = r.json().await.unwrap();
    assert_eq!(p["code"], "payload_too_large");

    let r = send(serde_json::to_vec(&event_body("x")).unwrap(), "text/plain").await.unwrap();
    assert_eq!(r.status(), 415);
    assert_eq!(t.count(&a, "events").await, 0);
}

#[tokio::test]
async fn query_and_path_parameters() {
    let t = spawn_app().await;
    let a = t.tenant("acme").await;
    for (q, field) in [
        ("per_page=0", "per_page"),
        ("per_page=101", "per_page"),
        ("page=0", "page"),
        ("page=abc", "page"),
        ("status=bogus", "status"),
        ("from=never", "from"),
    ] {
        let p = t.get(&a, None, &format!("/api/v1/events?{q}")).await.problem(422, "validation_failed");
        assert_eq!(p["field"], field, "{q}: {p}");
    }
    t.get(&a, None, "/api/v1/events/not-a-uuid").await.problem(404, "not_found");
    t.get(&a, None, "/api/v1/no/such/route").await.problem(404, "not_found");
}

#[tokio::test]
async fn session_and_user_inputs() {
    let t = spawn_app().await;
    let a = t.tenant("acme").await;
    let tok = Some(a.admin_token.as_str());
    let ev = t.event(&a, &a.admin_token, "Fest").await;
    let base = format!("/api/v1/events/{}/sessions", ev["id"].as_str().unwrap());
    for (key, value) in [
        ("capacity", json!(-1)),
        ("capacity", json!(1_000_001)),
        ("capacity", json!(1.5)),
        ("status", json!("on_sale")),
    ] {
        let mut b = session_body("S", 1, 1);
        b[key] = value;
        let p = t.post(&a, tok, &base, b).await.problem(422, "validation_failed");
        assert_eq!(p["field"], key);
    }
    let bad_users = [
        (json!({"email": "not-an-email", "password": PASSWORD, "display_name": "x"}), "email"),
        (json!({"email": "ok@x.test", "password": "short", "display_name": "x"}), "password"),
        (json!({"email": "ok@x.test", "password": PASSWORD, "display_name": ""}), "display_name"),
        (json!({"email": "ok@x.test", "password": PASSWORD, "display_name": "x", "role": "tenant_admin"}), "role"),
    ];
    for (body, field) in bad_users {
        let p = t.post(&a, None, "/api/v1/auth/register", body).await.problem(422, "validation_failed");
        assert_eq!(p["field"], field);
    }
    assert_eq!(t.count(&a, "sessions").await, 0);
    assert_eq!(t.count(&a, "users").await, 1);
}
