use serde_json::json;
use taquilla_tests::*;

async fn setup(t: &TestApp) -> (TenantFx, String) {
    let a = t.tenant("acme").await;
    let ev = t.event(&a, &a.admin_token, "Festival").await;
    let base = format!("/api/v1/events/{}/sessions", ev["id"].as_str().unwrap());
    (a, base)
}

#[tokio::test]
async fn sessions_fall_inside_the_event_and_do_not_overlap_per_venue() {
    let t = spawn_app().await;
    let (a, base) = setup(&t).await;
    let tok = Some(a.admin_token.as_str());
    let s1 = t.post(&a, tok, &base, session_body("Opening", 1, 2)).await.ok(201);
    assert_eq!(s1["status"], "draft");

    let p = t.post(&a, tok, &base, session_body("Clash", 2, 2)).await.problem(409, "session_overlap");
    assert_eq!(p["conflicting_session_id"], s1["id"]);
    // Touching is not overlapping; another venue may overlap.
    t.post(&a, tok, &base, session_body("Next", 3, 1)).await.ok(201);
    let mut other = session_body("Parallel", 1, 2);
    other["venue"] = json!("Stage B");
    t.post(&a, tok, &base, other).await.ok(201);

    let before = session_body("Too early", -2, 1);
    assert_eq!(t.post(&a, tok, &base, before).await.problem(422, "validation_failed")["field"], "starts_at");
    let after = session_body("Too late", 71, 2);
    assert_eq!(t.post(&a, tok, &base, after).await.problem(422, "validation_failed")["field"], "ends_at");
    let mut backwards = session_body("Backwards", 10, 1);
    backwards["ends_at"] = backwards["starts_at"].clone();
    assert_eq!(t.post(&a, tok, &base, backwards).await.problem(422, "validation_failed")["field"], "ends_at");
    assert_eq!(t.count(&a, "sessions").await, 3);

    // Moving a session onto another is a conflict too; the event cannot shrink past its sessions.
    let sid = s1["id"].as_str().unwrap();
    t.patch(
        &a,
        tok,
        &format!("{base}/{sid}"),
        json!({"starts_at": session_body("", 3, 1)["starts_at"], "ends_at": session_body("", 3, 1)["ends_at"]}),
    )
    .await
    .problem(409, "session_overlap");
    let event_path = base.trim_end_matches("/sessions");
    t.patch(&a, tok, event_path, json!({"ends_at": session_body("", 2, 0)["starts_at"]}))
        .await
        .problem(409, "sessions_outside_event");

    // A deleted session frees its slot.
    assert_eq!(t.delete(&a, tok, &format!("{base}/{sid}")).await.status, 204);
    t.post(&a, tok, &base, session_body("Clash again", 2, 1)).await.ok(201);
    t.get(&a, tok, &format!("{base}/{sid}")).await.problem(404, "not_found");
}

#[tokio::test]
async fn status_follows_the_state_machine() {
    let t = spawn_app().await;
    let (a, base) = setup(&t).await;
    let tok = Some(a.admin_token.as_str());
    let s = t.post(&a, tok, &base, session_body("Show", 1, 2)).await.ok(201);
    let path = format!("{base}/{}", s["id"].as_str().unwrap());

    let p = t.patch(&a, tok, &path, json!({"status": "on_sale"})).await.problem(409, "illegal_transition");
    assert_eq!((p["from"].as_str(), p["to"].as_str()), (Some("draft"), Some("on_sale")));
    assert!(p["detail"].as_str().unwrap().contains("draft") && p["detail"].as_str().unwrap().contains("on_sale"));
    for st in ["teaser", "presale", "on_sale"] {
        assert_eq!(t.patch(&a, tok, &path, json!({"status": st})).await.ok(200)["status"], st);
    }
    t.patch(&a, tok, &path, json!({"status": "suspended"})).await.ok(200);
    t.patch(&a, tok, &path, json!({"status": "on_sale"})).await.ok(200);
    t.patch(&a, tok, &path, json!({"status": "in_progress"})).await.ok(200);
    t.patch(&a, tok, &path, json!({"status": "finished"})).await.ok(200);
    t.patch(&a, tok, &path, json!({"status": "cancelled"})).await.problem(409, "illegal_transition");
    t.patch(&a, tok, &path, json!({"status": "draft"})).await.problem(409, "illegal_transition");
    t.patch(&a, tok, &path, json!({"status": "sold_out"})).await.problem(422, "validation_failed");
    // PUT with a status obeys the same machine.
    let mut put = session_body("Show", 1, 2);
    put["status"] = json!("teaser");
    t.put(&a, tok, &path, put).await.problem(409, "illegal_transition");
    let got = t.get(&a, tok, &path).await.ok(200);
    assert_eq!(got["status"], "finished");
}

#[tokio::test]
async fn concurrent_overlapping_sessions_one_wins() {
    let t = spawn_app().await;
    let (a, base) = setup(&t).await;
    let calls = (0..10).map(|i| t.post(&a, Some(&a.admin_token), &base, session_body(&format!("Racer {i}"), 5, 2)));
    let results = futures_util::future::join_all(calls).await;
    let created = results.iter().filter(|r| r.status == 201).count();
    let conflicts = results.iter().filter(|r| r.status == 409 && r.body["code"] == "session_overlap").count();
    assert_eq!(
        (created, conflicts),
        (1, 9),
        "{:?}",
        results.iter().map(|r| (r.status, r.body["code"].clone())).collect::<Vec<_>>()
    );
    assert_eq!(t.count(&a, "sessions").await, 1);
}
