//! Sales reports and order listings: what the console's dashboard and box
//! office read. Organizers see their own events' sales; tenant admins all.

use serde_json::{json, Value};
use taquilla_tests::*;

use crate::ticketing::show;

fn sid(v: &Value) -> String {
    v["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn sales_reports_and_order_lists_follow_roles() {
    let t = spawn_app().await;
    let s = show(&t, "acme", 100).await;
    let other = show(&t, "other", 10).await;
    let tt = sid(&s.section(&t, "GA", 2_500, 50, json!({})).await);
    let admin = Some(s.t.admin_token.as_str());
    let (_, ana) = t.user(&s.t, "attendee", "ana").await;
    let (_, bea) = t.user(&s.t, "attendee", "bea").await;
    let (_, staff) = t.user(&s.t, "staff", "sam").await;
    // A second organizer's event with a sale of its own.
    let (_, otto) = t.user(&s.t, "organizer", "otto").await;
    let ev2 = sid(&t.event(&s.t, &otto, "Otto's night").await);
    let mut body = session_body("Late", 5, 2);
    body["capacity"] = json!(10);
    let ses2 = sid(&t.post(&s.t, Some(&otto), &format!("/api/v1/events/{ev2}/sessions"), body).await.ok(201));
    for st in ["teaser", "presale", "on_sale"] {
        t.patch(&s.t, Some(&otto), &format!("/api/v1/events/{ev2}/sessions/{ses2}"), json!({"status": st}))
            .await
            .ok(200);
    }
    let tt2 = sid(&t
        .post(
            &s.t,
            Some(&otto),
            &format!("/api/v1/sessions/{ses2}/ticket-types"),
            json!({"name": "GA", "price_minor": 1_000, "currency": "EUR", "capacity": 10}),
        )
        .await
        .ok(201));

    let buy = |tok: String, session: String, tt: String, q: u32| {
        let t = &t;
        let fx = &s.t;
        async move {
            let o = t
                .post(
                    fx,
                    Some(&tok),
                    "/api/v1/orders",
                    json!({"session_id": session, "items": [{"ticket_type_id": tt, "quantity": q}]}),
                )
                .await
                .ok(201);
            t.post(fx, Some(&fx.admin_token), &format!("/api/v1/orders/{}/pay", sid(&o)), json!({})).await.ok(200);
            sid(&o)
        }
    };
    buy(ana.clone(), s.session_id.clone(), tt.clone(), 2).await;
    buy(bea.clone(), s.session_id.clone(), tt.clone(), 1).await;
    buy(bea.clone(), ses2.clone(), tt2.clone(), 3).await;
    // A pending order is not a sale.
    t.post(
        &s.t,
        Some(&ana),
        "/api/v1/orders",
        json!({"session_id": s.session_id, "items": [{"ticket_type_id": tt, "quantity": 1}]}),
    )
    .await
    .ok(201);

    let all = t.get(&s.t, admin, "/api/v1/reports/sales").await.ok(200);
    assert_eq!(
        all["totals"],
        json!([{"currency": "EUR", "orders": 3, "tickets": 6, "revenue_minor": 10_500}]),
        "{all}"
    );
    assert_eq!(all["days"].as_array().unwrap().len(), 1);
    assert_eq!(all["top_events"][0]["title"], "Concert");
    assert_eq!(
        (all["top_events"][1]["title"].as_str(), all["top_events"][1]["tickets"].as_i64()),
        (Some("Otto's night"), Some(3))
    );
    // Otto sees his own event's sales only.
    let own = t.get(&s.t, Some(&otto), "/api/v1/reports/sales").await.ok(200);
    assert_eq!(own["totals"], json!([{"currency": "EUR", "orders": 1, "tickets": 3, "revenue_minor": 3_000}]));
    // A window without sales; bad windows; buyers may not look.
    let empty = t.get(&s.t, admin, "/api/v1/reports/sales?from=2020-01-01&to=2020-01-31").await.ok(200);
    assert_eq!((empty["days"].as_array().map(Vec::len), empty["totals"].as_array().map(Vec::len)), (Some(0), Some(0)));
    for q in ["from=2020-02-01&to=2020-01-01", "from=2020-01-01&to=2022-01-01"] {
        let p = t.get(&s.t, admin, &format!("/api/v1/reports/sales?{q}")).await.problem(422, "validation_failed");
        assert_eq!(p["field"], "from");
    }
    let p = t.get(&s.t, admin, "/api/v1/reports/sales?from=yesterday").await.problem(422, "validation_failed");
    assert_eq!(p["field"], "from");
    t.get(&s.t, Some(&ana), "/api/v1/reports/sales").await.problem(403, "forbidden");
    // Another tenant's report knows nothing of these sales.
    let theirs = t.get(&other.t, Some(&other.t.admin_token), "/api/v1/reports/sales").await.ok(200);
    assert_eq!(theirs["totals"], json!([]));

    // Orders: buyers (door staff too) see their own, organizers their
    // events', tenant admins the tenant's.
    let mine = t.get(&s.t, Some(&ana), "/api/v1/orders").await.ok(200);
    assert_eq!(mine["total"], 2);
    assert!(mine["items"].as_array().unwrap().iter().all(|o| o["buyer_email"] == "ana@acme.test"));
    assert_eq!(t.get(&s.t, Some(&staff), "/api/v1/orders").await.ok(200)["total"], 0);
    assert_eq!(t.get(&s.t, admin, "/api/v1/orders?status=paid").await.ok(200)["total"], 3);
    assert_eq!(t.get(&s.t, Some(&s.organizer), "/api/v1/orders?status=paid").await.ok(200)["total"], 2);
    let otto_orders = t.get(&s.t, Some(&otto), "/api/v1/orders").await.ok(200);
    assert_eq!(
        (otto_orders["total"].as_i64(), otto_orders["items"][0]["event_title"].as_str()),
        (Some(1), Some("Otto's night"))
    );
    assert_eq!(
        t.get(&s.t, admin, &format!("/api/v1/orders?session_id={ses2}")).await.ok(200)["items"][0]["tickets"],
        3
    );
    assert_eq!(t.get(&s.t, admin, "/api/v1/orders?mine=true").await.ok(200)["total"], 0);
    // Another organizer can neither see nor confirm an order of Olga's event.
    let pending = t.get(&s.t, Some(&ana), "/api/v1/orders?status=pending").await.ok(200)["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    t.get(&s.t, Some(&otto), &format!("/api/v1/orders/{pending}")).await.problem(404, "not_found");
    t.post(&s.t, Some(&otto), &format!("/api/v1/orders/{pending}/pay"), json!({})).await.problem(404, "not_found");
    t.post(&s.t, Some(&s.organizer), &format!("/api/v1/orders/{pending}/pay"), json!({})).await.ok(200);
    let p = t.get(&s.t, admin, "/api/v1/orders?status=lost").await.problem(422, "validation_failed");
    assert_eq!(p["field"], "status");
    assert_eq!(t.get(&other.t, Some(&other.t.admin_token), "/api/v1/orders").await.ok(200)["total"], 0);
}
