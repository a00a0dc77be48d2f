use reqwest::Method;
use serde_json::json;
use taquilla_tests::*;

#[tokio::test]
async fn platform_admin_manages_tenants_and_their_users() {
    let t = spawn_app().await;
    let a = t.tenant("acme").await;
    t.tenant("bolt").await;
    let list = t.admin(Method::GET, "/api/v1/admin/tenants", None).await.ok(200);
    assert_eq!(list["total"], 2);
    let one = t.admin(Method::GET, &format!("/api/v1/admin/tenants/{}", a.id), None).await.ok(200);
    assert_eq!((one["slug"].as_str(), one["status"].as_str()), (Some("acme"), Some("active")));
    t.admin(Method::GET, &format!("/api/v1/admin/tenants/{}", uuid::Uuid::now_v7()), None)
        .await
        .problem(404, "not_found");
    let renamed = t
        .admin(Method::PATCH, &format!("/api/v1/admin/tenants/{}", a.id), Some(json!({"name": "Acme Events"})))
        .await
        .ok(200);
    assert_eq!(renamed["name"], "Acme Events");

    let (uid, _) = t.user(&a, "attendee", "ana").await;
    let users = t.admin(Method::GET, &format!("/api/v1/admin/tenants/{}/users", a.id), None).await.ok(200);
    assert_eq!(users["total"], 2);
    let u = t
        .admin(
            Method::PATCH,
            &format!("/api/v1/admin/tenants/{}/users/{uid}", a.id),
            Some(json!({"role": "organizer", "active": false, "display_name": "Ana O."})),
        )
        .await
        .ok(200);
    assert_eq!((u["role"].as_str(), u["active"].as_bool()), (Some("organizer"), Some(false)));
    let got = t.admin(Method::GET, &format!("/api/v1/admin/tenants/{}/users/{uid}", a.id), None).await.ok(200);
    assert_eq!(got["display_name"], "Ana O.");
    t.admin(Method::GET, &format!("/api/v1/admin/tenants/{}/users/{}", uuid::Uuid::now_v7(), uid), None)
        .await
        .problem(404, "not_found");
    t.admin(
        Method::PATCH,
        &format!("/api/v1/admin/tenants/{}/users/{uid}", a.id),
        Some(json!({"role": "platform_admin"})),
    )
    .await
    .problem(422, "validation_failed");

    // Tenant users cannot use the admin API.
    t.call(Method::GET, None, Some(&a.admin_token), "/api/v1/admin/tenants", None).await.problem(401, "wrong_tenant");
}

#[tokio::test]
async fn platform_admin_finds_users_across_tenants() {
    let t = spawn_app().await;
    let a = t.tenant("acme").await;
    let b = t.tenant("bolt").await;
    t.user(&a, "attendee", "ana").await;
    t.user(&b, "organizer", "anabel").await;
    t.user(&b, "attendee", "bob").await;
    let t = &t;
    let hits = |q: &str| {
        let path = format!("/api/v1/admin/users?{q}");
        async move { t.admin(Method::GET, &path, None).await.ok(200) }
    };
    let found = hits("q=ANA").await;
    let who: Vec<(String, String)> = found["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| (h["tenant"]["slug"].as_str().unwrap().to_owned(), h["user"]["email"].as_str().unwrap().to_owned()))
        .collect();
    assert_eq!(who, [("acme".into(), "ana@acme.test".into()), ("bolt".into(), "anabel@bolt.test".into())]);
    assert_eq!(found["total"], 2);
    assert_eq!(hits("q=ana&role=organizer").await["items"][0]["user"]["email"], "anabel@bolt.test");
    // Everyone: 2 admins + 3 users, paged.
    let all = hits("per_page=2&page=3").await;
    assert_eq!((all["total"].as_u64(), all["items"].as_array().unwrap().len()), (Some(5), 1));
    let past = hits("per_page=2&page=9").await;
    assert_eq!((past["total"].as_u64(), past["items"].as_array().unwrap().len()), (Some(5), 0));
    // LIKE wildcards are text, not patterns.
    assert_eq!(hits("q=%25").await["total"], 0);
    assert_eq!(hits("q=_").await["total"], 0);
    t.admin(Method::GET, &format!("/api/v1/admin/users?q={}", "x".repeat(101)), None)
        .await
        .problem(422, "validation_failed");
    let p = t.admin(Method::GET, "/api/v1/admin/users?role=emperor", None).await.problem(422, "validation_failed");
    assert_eq!(p["field"], "role", "{p}");
    // Tenant admins cannot search across tenants.
    t.call(Method::GET, None, Some(&a.admin_token), "/api/v1/admin/users", None).await.problem(401, "wrong_tenant");
}

#[tokio::test]
async fn onboarding_validates_its_input() {
    let t = spawn_app().await;
    for (body, field) in [
        (json!({"slug": "Bad Slug", "name": "x", "admin": {"email": "a@b.test", "password": PASSWORD}}), "slug"),
        (json!({"slug": "admin", "name": "x", "admin": {"email": "a@b.test", "password": PASSWORD}}), "slug"),
        (json!({"slug": "fine", "name": "", "admin": {"email": "a@b.test", "password": PASSWORD}}), "name"),
        (json!({"slug": "fine", "name": "x", "admin": {"email": "nope", "password": PASSWORD}}), "admin.email"),
        (json!({"slug": "fine", "name": "x", "admin": {"email": "a@b.test", "password": "short"}}), "admin.password"),
        (json!({"slug": "fine", "name": "x"}), "admin"),
    ] {
        let p = t.admin(Method::POST, "/api/v1/admin/tenants", Some(body)).await.problem(422, "validation_failed");
        assert_eq!(p["field"], field, "{p}");
    }
    assert_eq!(t.admin(Method::GET, "/api/v1/admin/tenants", None).await.ok(200)["total"], 0);
}
