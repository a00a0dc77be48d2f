use reqwest::Method;
use serde_json::json;
use taquilla_tests::*;
use uuid::Uuid;

#[tokio::test]
async fn register_login_and_me() {
    let t = spawn_app().await;
    let a = t.tenant("acme").await;
    let r = t
        .post(
            &a,
            None,
            "/api/v1/auth/register",
            json!({"email": "Ana@Example.com", "password": PASSWORD, "display_name": "Ana"}),
        )
        .await
        .ok(201);
    assert_eq!(r["user"]["role"], "attendee");
    assert_eq!(r["user"]["email"], "ana@example.com");
    assert!(r["refresh_token"].as_str().unwrap().starts_with("rt_"));
    // The stored hash is argon2id, never the password.
    let row = t.app.store.db();
    let hash: String = sea_orm::ConnectionTrait::query_one_raw(
        row,
        sea_orm::Statement::from_string(
            sea_orm::DbBackend::Postgres,
            format!(
                "SELECT password_hash FROM {}.users WHERE email = 'ana@example.com'",
                taquilla_store::schema_name(a.id)
            ),
        ),
    )
    .await
    .unwrap()
    .unwrap()
    .try_get("", "password_hash")
    .unwrap();
    assert!(hash.starts_with("$argon2id$"), "{hash}");

    t.post(
        &a,
        None,
        "/api/v1/auth/register",
        json!({"email": "ana@example.com", "password": PASSWORD, "display_name": "Ana"}),
    )
    .await
    .problem(409, "email_taken");
    let tok = t.login(&a, "ANA@example.com").await;
    let me = t.get(&a, Some(&tok), "/api/v1/users/me").await.ok(200);
    assert_eq!(me["display_name"], "Ana");
    assert!(me["last_login_at"].is_string());
    assert!(me.get("password_hash").is_none());

    t.post(&a, None, "/api/v1/auth/login", json!({"email": "ana@example.com", "password": "wrong password!"}))
        .await
        .problem(401, "invalid_credentials");
    t.post(&a, None, "/api/v1/auth/login", json!({"email": "nobody@example.com", "password": PASSWORD}))
        .await
        .problem(401, "invalid_credentials");
    t.post(&a, None, "/api/v1/auth/login", json!({"email": "ana@example.com\u{0}", "password": PASSWORD}))
        .await
        .problem(401, "invalid_credentials");
    t.call(
        Method::POST,
        None,
        None,
        "/api/v1/admin/auth/login",
        Some(json!({"email": "x\u{0}@y.z", "password": PASSWORD})),
    )
    .await
    .problem(401, "invalid_credentials");
    t.get(&a, None, "/api/v1/users/me").await.problem(401, "unauthenticated");
    t.get(&a, Some("not.a.jwt"), "/api/v1/users/me").await.problem(401, "invalid_token");
}

#[tokio::test]
async fn refresh_rotates_and_reuse_revokes_the_family() {
    let t = spawn_app().await;
    let a = t.tenant("acme").await;
    let r =
        t.post(&a, None, "/api/v1/auth/login", json!({"email": "admin@acme.test", "password": PASSWORD})).await.ok(200);
    let rt1 = r["refresh_token"].as_str().unwrap().to_owned();
    let r2 = t.post(&a, None, "/api/v1/auth/refresh", json!({"refresh_token": rt1})).await.ok(200);
    let rt2 = r2["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(rt1, rt2);
    t.get(&a, r2["access_token"].as_str(), "/api/v1/users/me").await.ok(200);

    // Replaying the rotated token: rejected, and the live one dies with it.
    t.post(&a, None, "/api/v1/auth/refresh", json!({"refresh_token": rt1})).await.problem(401, "refresh_token_reused");
    t.post(&a, None, "/api/v1/auth/refresh", json!({"refresh_token": rt2})).await.problem(401, "invalid_refresh_token");

    // Logout revokes; a second logout is harmless.
    let r =
        t.post(&a, None, "/api/v1/auth/login", json!({"email": "admin@acme.test", "password": PASSWORD})).await.ok(200);
    let rt3 = r["refresh_token"].as_str().unwrap().to_owned();
    assert_eq!(t.post(&a, None, "/api/v1/auth/logout", json!({"refresh_token": rt3})).await.status, 204);
    assert_eq!(t.post(&a, None, "/api/v1/auth/logout", json!({"refresh_token": rt3})).await.status, 204);
    t.post(&a, None, "/api/v1/auth/refresh", json!({"refresh_token": rt3})).await.problem(401, "invalid_refresh_token");
    t.post(&a, None, "/api/v1/auth/refresh", json!({"refresh_token": "rt_forged"}))
        .await
        .problem(401, "invalid_refresh_token");

    // A refresh token is bound to its tenant too.
    let b = t.tenant("bolt").await;
    let r =
        t.post(&a, None, "/api/v1/auth/login", json!({"email": "admin@acme.test", "password": PASSWORD})).await.ok(200);
    t.post(&b, None, "/api/v1/auth/refresh", json!({"refresh_token": r["refresh_token"]}))
        .await
        .problem(401, "invalid_refresh_token");
}

#[tokio::test]
async fn concurrent_refreshes_with_one_token_yield_one_winner() {
    let t = spawn_app().await;
    let a = t.tenant("acme").await;
    let r =
        t.post(&a, None, "/api/v1/auth/login", json!({"email": "admin@acme.test", "password": PASSWORD})).await.ok(200);
    let rt = r["refresh_token"].as_str().unwrap().to_owned();
    let calls = (0..8).map(|_| t.post(&a, None, "/api/v1/auth/refresh", json!({"refresh_token": rt})));
    let results = futures_util::future::join_all(calls).await;
    let ok = results.iter().filter(|r| r.status == 200).count();
    assert_eq!(ok, 1, "{:?}", results.iter().map(|r| r.status).collect::<Vec<_>>());
}

#[tokio::test]
async fn expired_access_tokens_are_rejected() {
    let mut config = test_config();
    config.access_token_ttl = std::time::Duration::from_secs(0);
    let t = spawn_app_with(config).await;
    let a = t.tenant("acme").await;
    // Leeway is 5 s; wait it out.
    tokio::time::sleep(std::time::Duration::from_secs(7)).await;
    t.get(&a, Some(&a.admin_token), "/api/v1/users/me").await.problem(401, "token_expired");
}

#[tokio::test]
async fn disabled_users_cannot_log_in_or_refresh() {
    let t = spawn_app().await;
    let a = t.tenant("acme").await;
    let (uid, _) = t.user(&a, "organizer", "olga").await;
    let r =
        t.post(&a, None, "/api/v1/auth/login", json!({"email": "olga@acme.test", "password": PASSWORD})).await.ok(200);
    t.patch(&a, Some(&a.admin_token), &format!("/api/v1/users/{uid}"), json!({"active": false})).await.ok(200);
    t.post(&a, None, "/api/v1/auth/login", json!({"email": "olga@acme.test", "password": PASSWORD}))
        .await
        .problem(403, "account_disabled");
    t.post(&a, None, "/api/v1/auth/refresh", json!({"refresh_token": r["refresh_token"]}))
        .await
        .problem(401, "invalid_refresh_token");
}

#[tokio::test]
async fn the_public_tenant_face_needs_no_login_and_shows_only_name_and_colours() {
    let t = spawn_app().await;
    let a = t.tenant("acme").await;
    let mut settings = t.get(&a, Some(&a.admin_token), "/api/v1/settings").await.ok(200);
    settings["brand_color"] = json!("#112233");
    t.put(&a, Some(&a.admin_token), "/api/v1/settings", settings).await.ok(200);
    let face = t.get(&a, None, "/api/v1/tenant").await.ok(200);
    assert_eq!(
        face,
        json!({"slug": "acme", "name": "Tenant acme", "brand_color": "#112233", "accent_color": null}),
        "nothing beyond the storefront's face (no plan, settings, ids)"
    );
    let ghost =
        TenantFx { id: Uuid::new_v4(), slug: "ghost".into(), admin_id: Uuid::new_v4(), admin_token: String::new() };
    t.get(&ghost, None, "/api/v1/tenant").await.problem(404, "unknown_tenant");
    t.admin(Method::PATCH, &format!("/api/v1/admin/tenants/{}", a.id), Some(json!({"status": "suspended"})))
        .await
        .ok(200);
    t.get(&a, None, "/api/v1/tenant").await.problem(403, "tenant_suspended");
}

#[tokio::test]
async fn suspended_tenant_credentials_stop_at_once() {
    let t = spawn_app().await;
    let a = t.tenant("acme").await;
    t.get(&a, Some(&a.admin_token), "/api/v1/users/me").await.ok(200);
    t.admin(Method::PATCH, &format!("/api/v1/admin/tenants/{}", a.id), Some(json!({"status": "suspended"})))
        .await
        .ok(200);
    t.get(&a, Some(&a.admin_token), "/api/v1/users/me").await.problem(403, "tenant_suspended");
    t.post(&a, None, "/api/v1/auth/login", json!({"email": "admin@acme.test", "password": PASSWORD}))
        .await
        .problem(403, "tenant_suspended");
    t.get(&a, None, "/api/v1/events").await.problem(403, "tenant_suspended");
    t.admin(Method::PATCH, &format!("/api/v1/admin/tenants/{}", a.id), Some(json!({"status": "active"}))).await.ok(200);
    t.get(&a, Some(&a.admin_token), "/api/v1/users/me").await.ok(200);
}

#[tokio::test]
async fn password_change_needs_the_current_one_and_ends_other_logins() {
    let t = spawn_app().await;
    let a = t.tenant("acme").await;
    let r =
        t.post(&a, None, "/api/v1/auth/login", json!({"email": "admin@acme.test", "password": PASSWORD})).await.ok(200);
    t.patch(
        &a,
        Some(&a.admin_token),
        "/api/v1/users/me",
        json!({"password": "a brand new secret", "current_password": "nope"}),
    )
    .await
    .problem(422, "validation_failed");
    t.patch(
        &a,
        Some(&a.admin_token),
        "/api/v1/users/me",
        json!({"password": "a brand new secret", "current_password": PASSWORD}),
    )
    .await
    .ok(200);
    t.post(&a, None, "/api/v1/auth/refresh", json!({"refresh_token": r["refresh_token"]}))
        .await
        .problem(401, "invalid_refresh_token");
    t.post(&a, None, "/api/v1/auth/login", json!({"email": "admin@acme.test", "password": "a brand new secret"}))
        .await
        .ok(200);
}

#[tokio::test]
async fn platform_admin_logins_rotate_refresh_tokens_apart_from_tenants() {
    let t = spawn_app().await;
    let a = t.tenant("acme").await;
    let admin = |path: &'static str, body| t.call(Method::POST, None, None, path, Some(body));
    let login = admin("/api/v1/admin/auth/login", json!({"email": PLATFORM_EMAIL, "password": PASSWORD})).await.ok(200);
    let rt1 = login["refresh_token"].as_str().unwrap().to_owned();
    let r2 = admin("/api/v1/admin/auth/refresh", json!({"refresh_token": rt1})).await.ok(200);
    let rt2 = r2["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(rt1, rt2);
    t.call(Method::GET, None, r2["access_token"].as_str(), "/api/v1/admin/tenants", None).await.ok(200);

    // A platform token is no tenant's, and a tenant's is not the platform's.
    t.post(&a, None, "/api/v1/auth/refresh", json!({"refresh_token": rt2})).await.problem(401, "invalid_refresh_token");
    let tenant_login =
        t.post(&a, None, "/api/v1/auth/login", json!({"email": "admin@acme.test", "password": PASSWORD})).await.ok(200);
    admin("/api/v1/admin/auth/refresh", json!({"refresh_token": tenant_login["refresh_token"]}))
        .await
        .problem(401, "invalid_refresh_token");
    t.post(&a, None, "/api/v1/auth/refresh", json!({"refresh_token": tenant_login["refresh_token"]})).await.ok(200);

    // Replaying a rotated token ends the login; logout does too.
    admin("/api/v1/admin/auth/refresh", json!({"refresh_token": rt1})).await.problem(401, "refresh_token_reused");
    admin("/api/v1/admin/auth/refresh", json!({"refresh_token": rt2})).await.problem(401, "invalid_refresh_token");
    let again = admin("/api/v1/admin/auth/login", json!({"email": PLATFORM_EMAIL, "password": PASSWORD})).await.ok(200);
    assert_eq!(admin("/api/v1/admin/auth/logout", json!({"refresh_token": again["refresh_token"]})).await.status, 204);
    admin("/api/v1/admin/auth/refresh", json!({"refresh_token": again["refresh_token"]}))
        .await
        .problem(401, "invalid_refresh_token");
    admin("/api/v1/admin/auth/refresh", json!({"refresh_token": ""})).await.problem(401, "invalid_refresh_token");
}

#[tokio::test]
async fn platform_admin_login_and_bootstrap() {
    let t = spawn_app().await;
    t.call(
        Method::POST,
        None,
        None,
        "/api/v1/admin/auth/login",
        Some(json!({"email": PLATFORM_EMAIL, "password": "wrong one!!"})),
    )
    .await
    .problem(401, "invalid_credentials");
    let created = t
        .app
        .bootstrap_platform_admin(
            taquilla_core::text::EmailAddress::parse("other@p.test").unwrap(),
            taquilla_core::text::Password::parse(PASSWORD).unwrap(),
        )
        .await
        .unwrap();
    assert!(!created, "bootstrap must not add an admin when one exists");
    t.call(
        Method::POST,
        None,
        None,
        "/api/v1/admin/auth/login",
        Some(json!({"email": "other@p.test", "password": PASSWORD})),
    )
    .await
    .problem(401, "invalid_credentials");
    t.call(Method::GET, None, None, "/api/v1/admin/tenants", None).await.problem(401, "unauthenticated");
}

#[tokio::test]
async fn suspension_made_elsewhere_applies_within_the_tenant_cache_ttl() {
    let t = spawn_app().await;
    let a = t.tenant("acme").await;
    t.get(&a, Some(&a.admin_token), "/api/v1/users/me").await.ok(200);
    // Another server instance (here: straight SQL) suspends the tenant.
    t.sql(&format!("UPDATE public.tenants SET status = 'suspended' WHERE id = '{}'", a.id)).await;
    tokio::time::sleep(t.app.config.tenant_cache_ttl + std::time::Duration::from_millis(200)).await;
    t.get(&a, Some(&a.admin_token), "/api/v1/users/me").await.problem(403, "tenant_suspended");
}
