//! Tenant pricing scripts through the API: versions, tests, activation only
//! when every case passes, rollback, scripted prices in quotes and orders,
//! and a script that fails at sale time stops the sale.

use serde_json::{json, Value};
use taquilla_tests::*;

use crate::ticketing::show;

const GROUP: &str = r#"
// 20% off for 3 or more tickets of a type.
fn price(ctx) {
    if ctx.quantity >= 3 {
        #{ unit_price: ctx.ticket_type.base_price * 80 / 100, label: "Group" }
    } else {
        ctx.ticket_type.base_price
    }
}
"#;

fn cases(group_expected: i64) -> Value {
    json!([
        {"name": "group", "context": {"ticket_type": {"base_price": 1000}, "quantity": 3},
         "expected": {"unit_price": group_expected, "label": "Group"}},
        {"name": "single", "context": {"ticket_type": {"base_price": 1000}, "quantity": 1}, "expected": 1000}
    ])
}

fn sid(v: &Value) -> String {
    v["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn pricing_scripts_are_tested_activated_rolled_back_and_price_orders() {
    let t = spawn_app().await;
    let s = show(&t, "acme", 100).await;
    let other = t.tenant("other").await;
    let tt = sid(&s.section(&t, "VIP", 5_000, 50, json!({})).await);
    let admin = Some(s.t.admin_token.as_str());
    let (_, buyer) = t.user(&s.t, "attendee", "bea").await;
    let cart = |q: u32| json!({"session_id": s.session_id, "items": [{"ticket_type_id": tt, "quantity": q}]});

    let script = t
        .post(
            &s.t,
            admin,
            "/api/v1/scripts",
            json!({"name": "Group discount", "kind": "pricing",
            "event_id": s.event_id, "source": GROUP, "test_cases": cases(800)}),
        )
        .await
        .ok(201);
    let id = sid(&script);
    assert_eq!((script["latest_version"].as_i64(), script["active_version"].as_i64()), (Some(1), None));
    let report = t
        .post(
            &s.t,
            admin,
            &format!("/api/v1/scripts/{id}/test"),
            json!({"context": {"ticket_type": {"base_price": 50}, "quantity": 5}}),
        )
        .await
        .ok(200);
    assert_eq!(report["passed"], true, "{report}");
    let adhoc = report["results"].as_array().unwrap().iter().find(|r| r["name"] == "adhoc").unwrap();
    assert_eq!(adhoc["actual"]["unit_price"], 40, "{adhoc}");

    // Not active yet: base prices.
    assert_eq!(t.post(&s.t, Some(&buyer), "/api/v1/quotes", cart(3)).await.ok(200)["total_minor"], 15_000);
    t.post(&s.t, admin, &format!("/api/v1/scripts/{id}/activate"), json!({})).await.ok(200);
    let q = t.post(&s.t, Some(&buyer), "/api/v1/quotes", cart(3)).await.ok(200);
    assert_eq!(
        (q["lines"][0]["unit_price_minor"].as_i64(), q["lines"][0]["label"].as_str()),
        (Some(4_000), Some("Group"))
    );
    assert_eq!(q["total_minor"], 12_000);
    let order = t.post(&s.t, Some(&buyer), "/api/v1/orders", cart(3)).await.ok(201);
    assert_eq!(order["total_minor"], 12_000);
    assert_eq!(order["items"][0]["base_price_minor"], 5_000);
    let stored = t.get(&s.t, Some(&buyer), &format!("/api/v1/orders/{}", sid(&order))).await.ok(200);
    assert_eq!(stored["items"][0]["unit_price_minor"], 4_000);

    // A version whose test fails does not go live; the active one stays.
    let v2 = t
        .post(
            &s.t,
            admin,
            &format!("/api/v1/scripts/{id}/versions"),
            json!({"source": GROUP, "test_cases": cases(700)}),
        )
        .await
        .ok(201);
    assert_eq!(v2["latest_version"], 2);
    let p = t
        .post(&s.t, admin, &format!("/api/v1/scripts/{id}/activate"), json!({}))
        .await
        .problem(422, "script_tests_failed");
    assert_eq!(p["report"]["results"][0]["passed"], false, "{p}");
    // A syntax error is reported with its line.
    t.post(
        &s.t,
        admin,
        &format!("/api/v1/scripts/{id}/versions"),
        json!({"source": "fn price(ctx) {\n  let x = ;\n}"}),
    )
    .await
    .ok(201);
    let r = t.post(&s.t, admin, &format!("/api/v1/scripts/{id}/test"), json!({})).await.ok(200);
    assert_eq!(
        (r["passed"].as_bool(), r["compile_error"]["code"].as_str()),
        (Some(false), Some("compile_error")),
        "{r}"
    );
    assert_eq!(r["compile_error"]["line"], 2);
    assert_eq!(t.get(&s.t, admin, &format!("/api/v1/scripts/{id}")).await.ok(200)["active_version"], 1);

    // A script that never ends (no test cases to stop it) is cut off at
    // sale time: the sale fails with script_error, nothing is sold, the
    // server stays healthy.
    t.post(&s.t, admin, &format!("/api/v1/scripts/{id}/versions"), json!({"source": "fn price(ctx) { loop { } }"}))
        .await
        .ok(201);
    t.post(&s.t, admin, &format!("/api/v1/scripts/{id}/activate"), json!({})).await.ok(200);
    let sold = t.count(&s.t, "tickets").await;
    let p = t.post(&s.t, Some(&buyer), "/api/v1/orders", cart(1)).await.problem(422, "script_error");
    assert_eq!(p["version"], 4, "{p}");
    assert_eq!(t.count(&s.t, "tickets").await, sold);
    t.get(&s.t, None, "/api/v1/events").await.ok(200);
    // Rollback: version 1 again.
    let back = t.post(&s.t, admin, &format!("/api/v1/scripts/{id}/activate"), json!({"version": 1})).await.ok(200);
    assert_eq!(back["active_version"], 1);
    assert_eq!(t.post(&s.t, Some(&buyer), "/api/v1/quotes", cart(3)).await.ok(200)["total_minor"], 12_000);

    // One active pricing script per event.
    let second = t
        .post(
            &s.t,
            admin,
            "/api/v1/scripts",
            json!({"name": "Other", "kind": "pricing", "event_id": s.event_id,
            "source": "fn price(ctx) { ctx.ticket_type.base_price }"}),
        )
        .await
        .ok(201);
    t.post(&s.t, admin, &format!("/api/v1/scripts/{}/activate", sid(&second)), json!({}))
        .await
        .problem(409, "pricing_script_active");

    // Tenant admins only; other tenants see nothing.
    for tok in [buyer.as_str(), s.organizer.as_str()] {
        t.get(&s.t, Some(tok), "/api/v1/scripts").await.problem(403, "forbidden");
    }
    t.get(&other, Some(&other.admin_token), &format!("/api/v1/scripts/{id}")).await.problem(404, "not_found");
    t.post(&other, Some(&other.admin_token), &format!("/api/v1/scripts/{id}/activate"), json!({}))
        .await
        .problem(404, "not_found");
    for (body, field) in [
        (json!({"name": "x", "kind": "magic", "source": "fn price(ctx) { 1 }"}), "kind"),
        (json!({"name": "", "kind": "pricing", "source": "fn price(ctx) { 1 }"}), "name"),
        (json!({"name": "x", "kind": "pricing", "source": " "}), "source"),
    ] {
        let p = t.post(&s.t, admin, "/api/v1/scripts", body).await.problem(422, "validation_failed");
        assert_eq!(p["field"], field);
    }
}
