use serde_json::json;
use taquilla_tests::*;

#[tokio::test]
async fn attendees_and_staff_cannot_create_events() {
    let t = spawn_app().await;
    let a = t.tenant("acme").await;
    let (_, attendee) = t.user(&a, "attendee", "ana").await;
    let (_, staff) = t.user(&a, "staff", "sam").await;
    t.post(&a, Some(&attendee), "/api/v1/events", event_body("Nope")).await.problem(403, "forbidden");
    t.post(&a, Some(&staff), "/api/v1/events", event_body("Nope")).await.problem(403, "forbidden");
    assert_eq!(t.count(&a, "events").await, 0);
}

#[tokio::test]
async fn organizers_edit_only_their_own_events() {
    let t = spawn_app().await;
    let a = t.tenant("acme").await;
    let (_, olga) = t.user(&a, "organizer", "olga").await;
    let (_, oscar) = t.user(&a, "organizer", "oscar").await;
    let ev = t.event(&a, &olga, "Olga's").await;
    let path = format!("/api/v1/events/{}", ev["id"].as_str().unwrap());
    t.patch(&a, Some(&oscar), &path, json!({"title": "Oscar's now"})).await.problem(403, "forbidden");
    t.put(&a, Some(&oscar), &path, event_body("Oscar's now")).await.problem(403, "forbidden");
    t.delete(&a, Some(&oscar), &path).await.problem(403, "forbidden");
    t.post(&a, Some(&oscar), &format!("{path}/sessions"), session_body("S", 1, 1)).await.problem(403, "forbidden");
    assert_eq!(t.get(&a, None, &path).await.ok(200)["title"], "Olga's");
    // The owner and the tenant admin can.
    t.patch(&a, Some(&olga), &path, json!({"title": "Olga's v2"})).await.ok(200);
    t.patch(&a, Some(&a.admin_token), &path, json!({"title": "Admin's edit"})).await.ok(200);
}

#[tokio::test]
async fn only_tenant_admins_manage_users_and_nobody_grants_platform_admin() {
    let t = spawn_app().await;
    let a = t.tenant("acme").await;
    let (uid, olga) = t.user(&a, "organizer", "olga").await;
    t.get(&a, Some(&olga), "/api/v1/users").await.problem(403, "forbidden");
    t.patch(&a, Some(&olga), &format!("/api/v1/users/{uid}"), json!({"role": "tenant_admin"}))
        .await
        .problem(403, "forbidden");
    t.patch(&a, Some(&a.admin_token), &format!("/api/v1/users/{uid}"), json!({"role": "platform_admin"}))
        .await
        .problem(422, "validation_failed");
    t.patch(&a, Some(&a.admin_token), &format!("/api/v1/users/{}", a.admin_id), json!({"active": false}))
        .await
        .problem(409, "cannot_modify_self");
    let u = t
        .patch(
            &a,
            Some(&a.admin_token),
            &format!("/api/v1/users/{uid}"),
            json!({"role": "staff", "display_name": "Olga S."}),
        )
        .await
        .ok(200);
    assert_eq!((u["role"].as_str(), u["display_name"].as_str()), (Some("staff"), Some("Olga S.")));
    let list = t.get(&a, Some(&a.admin_token), "/api/v1/users?role=staff").await.ok(200);
    assert_eq!(list["total"], 1);
    // The new role shows in the next token.
    let tok = t.login(&a, "olga@acme.test").await;
    t.post(&a, Some(&tok), "/api/v1/events", event_body("x")).await.problem(403, "forbidden");
}

#[tokio::test]
async fn drafts_are_invisible_to_the_public() {
    let t = spawn_app().await;
    let a = t.tenant("acme").await;
    let mut body = event_body("Secret draft");
    body["status"] = json!("draft");
    let ev = t.post(&a, Some(&a.admin_token), "/api/v1/events", body).await.ok(201);
    let path = format!("/api/v1/events/{}", ev["id"].as_str().unwrap());
    let (_, attendee) = t.user(&a, "attendee", "ana").await;
    t.get(&a, None, &path).await.problem(404, "not_found");
    t.get(&a, Some(&attendee), &path).await.problem(404, "not_found");
    assert_eq!(t.get(&a, None, "/api/v1/events").await.ok(200)["total"], 0);
    assert_eq!(t.get(&a, None, "/api/v1/events/search?q=secret").await.ok(200)["total"], 0);
    assert_eq!(t.get(&a, Some(&a.admin_token), "/api/v1/events?status=draft").await.ok(200)["total"], 1);
}
