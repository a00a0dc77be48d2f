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
