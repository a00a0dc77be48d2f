//! Sections, seat maps, holds, orders: the selling path, and that it never oversells.

use std::collections::HashMap;

use serde_json::{json, Value};
use taquilla_tests::*;

pub struct Show {
    pub t: TenantFx,
    pub organizer: String,
    pub event_id: String,
    pub session_id: String,
}

/// A tenant with an organizer's published event and one session on sale.
pub async fn show(t: &TestApp, slug: &str, capacity: u32) -> Show {
    let fx = t.tenant(slug).await;
    let (_, organizer) = t.user(&fx, "organizer", "olga").await;
    let ev = t.event(&fx, &organizer, "Concert").await;
    let event_id = ev["id"].as_str().unwrap().to_owned();
    let mut s = session_body("Evening", 2, 3);
    s["capacity"] = json!(capacity);
    let sess = t.post(&fx, Some(&organizer), &format!("/api/v1/events/{event_id}/sessions"), s).await.ok(201);
    let session_id = sess["id"].as_str().unwrap().to_owned();
    for st in ["teaser", "presale", "on_sale"] {
        t.patch(
            &fx,
            Some(&organizer),
            &format!("/api/v1/events/{event_id}/sessions/{session_id}"),
            json!({"status": st}),
        )
        .await
        .ok(200);
    }
    Show { t: fx, organizer, event_id, session_id }
}

impl Show {
    pub async fn section(&self, t: &TestApp, name: &str, price: i64, capacity: u32, extra: Value) -> Value {
        let mut body = json!({"name": name, "price_minor": price, "currency": "EUR", "capacity": capacity});
        for (k, v) in extra.as_object().cloned().unwrap_or_default() {
            body[k] = v;
        }
        t.post(&self.t, Some(&self.organizer), &format!("/api/v1/sessions/{}/ticket-types", self.session_id), body)
            .await
            .ok(201)
    }
}

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn sections_respect_session_capacity_and_report_availability() {
    let t = spawn_app().await;
    let s = show(&t, "acme", 100).await;
    let ga = s.section(&t, "General", 2500, 80, json!({})).await;
    assert_eq!((ga["available"].as_i64(), ga["sold"].as_i64(), ga["held"].as_i64()), (Some(80), Some(0), Some(0)));
    let p = t
        .post(
            &s.t,
            Some(&s.organizer),
            &format!("/api/v1/sessions/{}/ticket-types", s.session_id),
            json!({"name": "VIP", "price_minor": 9000, "currency": "EUR", "capacity": 21}),
        )
        .await
        .problem(409, "capacity_exceeded");
    assert_eq!(p["field"], "capacity");
    s.section(&t, "VIP", 9000, 20, json!({"max_per_order": 4})).await;
    let list = t.get(&s.t, None, &format!("/api/v1/sessions/{}/ticket-types", s.session_id)).await.ok(200);
    assert_eq!(list.as_array().unwrap().len(), 2);

    // Bad input, wrong role, other tenant.
    for (k, v, field) in [
        ("price_minor", json!(-1), "price_minor"),
        ("currency", json!("euro"), "currency"),
        ("name", json!(""), "name"),
        ("max_per_order", json!(0), "max_per_order"),
    ] {
        let mut body = json!({"name": "X", "price_minor": 1, "currency": "EUR", "capacity": 0});
        body[k] = v;
        let p = t
            .post(&s.t, Some(&s.organizer), &format!("/api/v1/sessions/{}/ticket-types", s.session_id), body)
            .await
            .problem(422, "validation_failed");
        assert_eq!(p["field"], field);
    }
    let (_, attendee) = t.user(&s.t, "attendee", "ana").await;
    t.post(
        &s.t,
        Some(&attendee),
        &format!("/api/v1/sessions/{}/ticket-types", s.session_id),
        json!({"name": "Mine", "price_minor": 0, "currency": "EUR", "capacity": 0}),
    )
    .await
    .problem(403, "forbidden");
    let other = t.tenant("other").await;
    t.get(&other, Some(&other.admin_token), &format!("/api/v1/ticket-types/{}", id(&ga)))
        .await
        .problem(404, "not_found");
    t.patch(&other, Some(&other.admin_token), &format!("/api/v1/ticket-types/{}", id(&ga)), json!({"capacity": 1}))
        .await
        .problem(404, "not_found");

    // Capacity cannot drop below what is sold and held (a pending, unpaid order holds 3).
    t.post(
        &s.t,
        Some(&attendee),
        &format!("/api/v1/events/{}/tickets", s.event_id),
        json!({"session_id": s.session_id, "ticket_type_id": id(&ga), "quantity": 3}),
    )
    .await
    .ok(201);
    t.patch(&s.t, Some(&s.organizer), &format!("/api/v1/ticket-types/{}", id(&ga)), json!({"capacity": 2}))
        .await
        .problem(409, "capacity_below_sold");
    let after = t.get(&s.t, None, &format!("/api/v1/ticket-types/{}", id(&ga))).await.ok(200);
    assert_eq!(
        (after["sold"].as_i64(), after["held"].as_i64(), after["available"].as_i64()),
        (Some(0), Some(3), Some(77))
    );
    t.delete(&s.t, Some(&s.organizer), &format!("/api/v1/ticket-types/{}", id(&ga)))
        .await
        .problem(409, "ticket_type_in_use");
}

#[tokio::test]
async fn seat_maps_holds_and_seat_ownership() {
    let t = spawn_app().await;
    let s = show(&t, "acme", 100).await;
    let vip = s.section(&t, "Stalls", 5000, 0, json!({"seated": true, "max_per_order": 4})).await;
    let seats_path = format!("/api/v1/ticket-types/{}/seats", id(&vip));
    let dup = json!({"seats": [{"row": "A", "number": 1}, {"row": "A", "number": 1}]});
    assert_eq!(
        t.put(&s.t, Some(&s.organizer), &seats_path, dup).await.problem(422, "validation_failed")["field"],
        "seats[1]"
    );
    let map: Vec<Value> = ["A", "B", "C"]
        .iter()
        .enumerate()
        .flat_map(|(r, row)| {
            (1..=4).map(move |n| json!({"row": row, "number": n, "x": n as f64 * 10.0, "y": (r + 1) as f64 * 10.0}))
        })
        .collect();
    let seats = t.put(&s.t, Some(&s.organizer), &seats_path, json!({ "seats": map })).await.ok(200);
    assert_eq!(seats.as_array().unwrap().len(), 12);
    assert_eq!(seats[0]["label"], "A1");
    assert_eq!(t.get(&s.t, None, &format!("/api/v1/ticket-types/{}", id(&vip))).await.ok(200)["capacity"], 12);
    let a1 = id(&seats[0]);
    let a2 = id(&seats[1]);

    let (_, ana) = t.user(&s.t, "attendee", "ana").await;
    let (_, bob) = t.user(&s.t, "attendee", "bob").await;
    let hold = t
        .post(
            &s.t,
            Some(&ana),
            "/api/v1/holds",
            json!({"session_id": s.session_id, "items": [{"ticket_type_id": id(&vip), "seat_ids": [a1, a2]}]}),
        )
        .await
        .ok(201);
    let map_now = t.get(&s.t, None, &format!("/api/v1/sessions/{}/seats", s.session_id)).await.ok(200);
    let states: HashMap<String, String> =
        map_now.as_array().unwrap().iter().map(|s| (id(s), s["state"].as_str().unwrap().to_owned())).collect();
    assert_eq!((states[&a1].as_str(), states[&a2].as_str()), ("held", "held"));
    // Bob cannot take a held seat, and nothing of his attempt sticks.
    let p = t
        .post(&s.t, Some(&bob), "/api/v1/holds", json!({"session_id": s.session_id, "items": [{"ticket_type_id": id(&vip), "seat_ids": [id(&seats[2]), a2]}]}))
        .await
        .problem(409, "seat_unavailable");
    assert_eq!(p["field"], "items[0].seat_ids");
    let c = t.get(&s.t, None, &format!("/api/v1/sessions/{}/seats", s.session_id)).await.ok(200);
    assert_eq!(c[2]["state"], "available");
    // Bob cannot see or release Ana's hold.
    let hold_path = format!("/api/v1/holds/{}", id(&hold));
    t.delete(&s.t, Some(&bob), &hold_path).await.problem(404, "not_found");
    t.post(&s.t, Some(&bob), "/api/v1/orders", json!({"hold_id": id(&hold)})).await.problem(404, "not_found");
    // Ana buys her held seats (pending: the section costs money), then pays.
    let order = t.post(&s.t, Some(&ana), "/api/v1/orders", json!({"hold_id": id(&hold)})).await.ok(201);
    assert_eq!(
        (order["status"].as_str(), order["total_minor"].as_i64(), order["provider"].as_str()),
        (Some("pending"), Some(10_000), Some("manual"))
    );
    // The buyer cannot mark it paid: the box office (an organizer) does.
    t.post(&s.t, Some(&ana), &format!("/api/v1/orders/{}/pay", id(&order)), json!({})).await.problem(403, "forbidden");
    let paid = t.post(&s.t, Some(&s.organizer), &format!("/api/v1/orders/{}/pay", id(&order)), json!({})).await.ok(200);
    assert_eq!(paid["status"], "paid");
    assert_eq!(paid["ticket_ids"].as_array().unwrap().len(), 2);
    let c = t.get(&s.t, None, &format!("/api/v1/sessions/{}/seats", s.session_id)).await.ok(200);
    assert_eq!((c[0]["state"].as_str(), c[1]["state"].as_str()), (Some("sold"), Some("sold")));
    // A sold seat can be neither held nor bought again; the map cannot be replaced any more.
    t.post(
        &s.t,
        Some(&bob),
        "/api/v1/orders",
        json!({"session_id": s.session_id, "items": [{"ticket_type_id": id(&vip), "seat_ids": [a1]}]}),
    )
    .await
    .problem(409, "seat_unavailable");
    t.put(&s.t, Some(&s.organizer), &seats_path, json!({"seats": [{"row": "Z", "number": 1}]}))
        .await
        .problem(409, "seat_map_in_use");
    // Seated sections are bought by seat, GA by quantity.
    t.post(
        &s.t,
        Some(&bob),
        "/api/v1/holds",
        json!({"session_id": s.session_id, "items": [{"ticket_type_id": id(&vip), "quantity": 1}]}),
    )
    .await
    .problem(422, "validation_failed");
    let unknown = uuid::Uuid::now_v7();
    let p = t
        .post(
            &s.t,
            Some(&bob),
            "/api/v1/holds",
            json!({"session_id": s.session_id, "items": [{"ticket_type_id": id(&vip), "seat_ids": [unknown]}]}),
        )
        .await
        .problem(422, "validation_failed");
    assert_eq!(p["errors"][0]["code"], "unknown_seat");
}

#[tokio::test]
async fn holds_expire_and_release_their_stock_without_the_sweeper() {
    let t = spawn_app().await;
    let s = show(&t, "acme", 10).await;
    let ga = s.section(&t, "General", 0, 2, json!({})).await;
    let (_, ana) = t.user(&s.t, "attendee", "ana").await;
    let (_, bob) = t.user(&s.t, "attendee", "bob").await;
    let hold = t
        .post(
            &s.t,
            Some(&ana),
            "/api/v1/holds",
            json!({"session_id": s.session_id, "items": [{"ticket_type_id": id(&ga), "quantity": 2}]}),
        )
        .await
        .ok(201);
    let tt = t.get(&s.t, None, &format!("/api/v1/ticket-types/{}", id(&ga))).await.ok(200);
    assert_eq!((tt["held"].as_i64(), tt["available"].as_i64()), (Some(2), Some(0)));
    t.post(
        &s.t,
        Some(&bob),
        "/api/v1/holds",
        json!({"session_id": s.session_id, "items": [{"ticket_type_id": id(&ga), "quantity": 1}]}),
    )
    .await
    .problem(409, "sold_out");

    // Time passes (no sweeper runs in tests): the purchase path itself reclaims.
    let schema = taquilla_store::schema_name(s.t.id);
    t.sql(&format!("UPDATE {schema}.holds SET expires_at = now() - interval '1 second'")).await;
    let order = t
        .post(
            &s.t,
            Some(&bob),
            &format!("/api/v1/events/{}/tickets", s.event_id),
            json!({"session_id": s.session_id, "ticket_type_id": id(&ga), "quantity": 1}),
        )
        .await
        .ok(201);
    assert_eq!(order["status"], "paid");
    t.post(&s.t, Some(&ana), "/api/v1/orders", json!({"hold_id": id(&hold)})).await.problem(409, "hold_not_active");
    let tt = t.get(&s.t, None, &format!("/api/v1/ticket-types/{}", id(&ga))).await.ok(200);
    assert_eq!((tt["sold"].as_i64(), tt["held"].as_i64(), tt["available"].as_i64()), (Some(1), Some(0), Some(1)));

    // An expired hold presented for purchase is refused and released.
    let h2 = t
        .post(
            &s.t,
            Some(&ana),
            "/api/v1/holds",
            json!({"session_id": s.session_id, "items": [{"ticket_type_id": id(&ga), "quantity": 1}]}),
        )
        .await
        .ok(201);
    t.sql(&format!("UPDATE {schema}.holds SET expires_at = now() - interval '1 second' WHERE id = '{}'", id(&h2)))
        .await;
    t.post(&s.t, Some(&ana), "/api/v1/orders", json!({"hold_id": id(&h2)})).await.problem(409, "hold_expired");
    assert_eq!(t.get(&s.t, None, &format!("/api/v1/ticket-types/{}", id(&ga))).await.ok(200)["held"], 0);

    // Released holds give stock back at once; the sweeper pass reports what it freed.
    let h3 = t
        .post(
            &s.t,
            Some(&ana),
            "/api/v1/holds",
            json!({"session_id": s.session_id, "items": [{"ticket_type_id": id(&ga), "quantity": 1}]}),
        )
        .await
        .ok(201);
    assert_eq!(t.delete(&s.t, Some(&ana), &format!("/api/v1/holds/{}", id(&h3))).await.status, 204);
    let h4 = t
        .post(
            &s.t,
            Some(&ana),
            "/api/v1/holds",
            json!({"session_id": s.session_id, "items": [{"ticket_type_id": id(&ga), "quantity": 1}]}),
        )
        .await
        .ok(201);
    t.sql(&format!("UPDATE {schema}.holds SET expires_at = now() - interval '1 second' WHERE id = '{}'", id(&h4)))
        .await;
    assert_eq!(t.app.sweep_expired().await.unwrap(), 1);
    assert_eq!(t.get(&s.t, None, &format!("/api/v1/ticket-types/{}", id(&ga))).await.ok(200)["available"], 1);
}

#[tokio::test]
async fn sale_rules_reject_bad_carts_and_change_nothing() {
    let t = spawn_app().await;
    let s = show(&t, "acme", 100).await;
    let ga = s.section(&t, "General", 1000, 50, json!({"max_per_order": 4, "min_per_order": 2})).await;
    let closed = s.section(&t, "Early bird", 500, 10, json!({"sales_closes_at": "2020-01-01T00:00:00Z"})).await;
    let (_, ana) = t.user(&s.t, "attendee", "ana").await;
    let buy =
        |tt: &Value, q: i64| json!({"session_id": s.session_id, "items": [{"ticket_type_id": id(tt), "quantity": q}]});
    assert_eq!(
        t.post(&s.t, Some(&ana), "/api/v1/orders", buy(&ga, 5)).await.problem(422, "validation_failed")["field"],
        "items[0].quantity"
    );
    assert_eq!(
        t.post(&s.t, Some(&ana), "/api/v1/orders", buy(&ga, 1)).await.problem(422, "validation_failed")["errors"][0]
            ["code"],
        "quantity_out_of_range"
    );
    t.post(&s.t, Some(&ana), "/api/v1/orders", buy(&ga, 0)).await.problem(422, "validation_failed");
    t.post(&s.t, Some(&ana), "/api/v1/orders", buy(&closed, 1)).await.problem(409, "sales_closed");
    t.post(&s.t, Some(&ana), "/api/v1/orders", json!({"session_id": s.session_id, "items": []}))
        .await
        .problem(422, "validation_failed");
    t.post(
        &s.t,
        Some(&ana),
        "/api/v1/orders",
        json!({"session_id": s.session_id, "items": [{"ticket_type_id": uuid::Uuid::now_v7(), "quantity": 1}]}),
    )
    .await
    .problem(422, "validation_failed");
    t.post(&s.t, Some(&ana), "/api/v1/orders", json!({})).await.problem(422, "validation_failed");
    let bad_key = t
        .http
        .post(format!("{}/api/v1/orders", t.base))
        .header("X-Tenant", "acme")
        .header("Idempotency-Key", "")
        .bearer_auth(&ana)
        .json(&buy(&ga, 2))
        .send()
        .await
        .unwrap();
    assert_eq!(bad_key.status(), 422);
    // Session not on sale.
    t.patch(
        &s.t,
        Some(&s.organizer),
        &format!("/api/v1/events/{}/sessions/{}", s.event_id, s.session_id),
        json!({"status": "suspended"}),
    )
    .await
    .ok(200);
    t.post(&s.t, Some(&ana), "/api/v1/orders", buy(&ga, 2)).await.problem(409, "session_not_on_sale");
    t.post(
        &s.t,
        Some(&ana),
        "/api/v1/holds",
        json!({"session_id": s.session_id, "items": [{"ticket_type_id": id(&ga), "quantity": 2}]}),
    )
    .await
    .problem(409, "session_not_on_sale");
    assert_eq!(t.count(&s.t, "orders").await, 0);
    assert_eq!(t.count(&s.t, "holds").await, 0);
    let tt = t.get(&s.t, Some(&s.organizer), &format!("/api/v1/ticket-types/{}", id(&ga))).await.ok(200);
    assert_eq!((tt["sold"].as_i64(), tt["held"].as_i64()), (Some(0), Some(0)));
}

#[tokio::test]
async fn idempotency_keys_replay_and_refuse_other_bodies() {
    let t = spawn_app().await;
    let s = show(&t, "acme", 100).await;
    let ga = s.section(&t, "General", 1500, 50, json!({})).await;
    let (_, ana) = t.user(&s.t, "attendee", "ana").await;
    let (_, bob) = t.user(&s.t, "attendee", "bob").await;
    let send = |tok: &str, key: &str, q: i64| {
        t.http
            .post(format!("{}/api/v1/orders", t.base))
            .header("X-Tenant", "acme")
            .header("Idempotency-Key", key)
            .bearer_auth(tok)
            .json(&json!({"session_id": s.session_id, "items": [{"ticket_type_id": id(&ga), "quantity": q}]}))
            .send()
    };
    let first = send(&ana, "k-1", 2).await.unwrap();
    assert_eq!(first.status(), 201);
    let first: Value = first.json().await.unwrap();
    let again = send(&ana, "k-1", 2).await.unwrap();
    assert_eq!(again.status(), 200);
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    let again: Value = again.json().await.unwrap();
    assert_eq!(again, first, "the replay (read back) equals the first answer (built in memory)");
    let p: Value = send(&ana, "k-1", 3).await.unwrap().json().await.unwrap();
    assert_eq!(p["code"], "idempotency_key_reused");
    // Keys are per user: Bob's "k-1" is his own order.
    let bobs: Value = send(&bob, "k-1", 2).await.unwrap().json().await.unwrap();
    assert_ne!(bobs["id"], first["id"]);
    let tt = t.get(&s.t, None, &format!("/api/v1/ticket-types/{}", id(&ga))).await.ok(200);
    assert_eq!(tt["held"], 4, "two pending orders of 2, no double claim");
    // Pay, cancel and visibility of orders.
    let oid = first["id"].as_str().unwrap();
    t.get(&s.t, Some(&bob), &format!("/api/v1/orders/{oid}")).await.problem(404, "not_found");
    t.post(&s.t, Some(&bob), &format!("/api/v1/orders/{oid}/pay"), json!({})).await.problem(404, "not_found");
    let cancelled = t
        .post(&s.t, Some(&bob), &format!("/api/v1/orders/{}/cancel", bobs["id"].as_str().unwrap()), json!({}))
        .await
        .ok(200);
    assert_eq!(cancelled["status"], "cancelled");
    let paid = t.post(&s.t, Some(&s.organizer), &format!("/api/v1/orders/{oid}/pay"), json!({})).await.ok(200);
    assert_eq!(paid["status"], "paid");
    t.post(&s.t, Some(&ana), &format!("/api/v1/orders/{oid}/cancel"), json!({})).await.problem(409, "refund_required");
    let tt = t.get(&s.t, None, &format!("/api/v1/ticket-types/{}", id(&ga))).await.ok(200);
    assert_eq!((tt["sold"].as_i64(), tt["held"].as_i64()), (Some(2), Some(0)));
    // An unpaid order past its time is expired when someone tries to pay it.
    let late: Value = send(&bob, "k-2", 1).await.unwrap().json().await.unwrap();
    let schema = taquilla_store::schema_name(s.t.id);
    t.sql(&format!(
        "UPDATE {schema}.orders SET expires_at = now() - interval '1 second' WHERE id = '{}'",
        late["id"].as_str().unwrap()
    ))
    .await;
    t.post(&s.t, Some(&s.organizer), &format!("/api/v1/orders/{}/pay", late["id"].as_str().unwrap()), json!({}))
        .await
        .problem(409, "order_expired");
    assert_eq!(t.get(&s.t, None, &format!("/api/v1/ticket-types/{}", id(&ga))).await.ok(200)["held"], 0);
    // Events were recorded for the workers.
    let events = t.outbox(&s.t).await;
    for kind in ["order.created", "order.paid", "ticket.issued", "order.cancelled", "order.expired"] {
        assert!(events.iter().any(|e| e == kind), "{kind} missing from {events:?}");
    }
}

#[tokio::test]
async fn never_oversells_under_a_storm_of_buyers_holds_expiring_and_retries() {
    let t = spawn_app().await;
    let s = show(&t, "storm", 500).await;
    let ga = s.section(&t, "General", 0, 50, json!({"max_per_order": 2})).await;
    let tt_id = id(&ga);
    let users: Vec<String> = futures_util::future::join_all((0..30).map(|i| {
        let t = &t;
        let fx = &s.t;
        async move { t.user(fx, "attendee", &format!("buyer{i}")).await.1 }
    }))
    .await;
    // 20 holds of one ticket each, before the storm.
    let mut holds = Vec::new();
    for u in users.iter().take(20) {
        let h = t
            .post(
                &s.t,
                Some(u),
                "/api/v1/holds",
                json!({"session_id": s.session_id, "items": [{"ticket_type_id": tt_id, "quantity": 1}]}),
            )
            .await
            .ok(201);
        holds.push((u.clone(), id(&h)));
    }
    let schema = taquilla_store::schema_name(s.t.id);
    let expire_ids: Vec<String> = holds.iter().take(10).map(|(_, h)| format!("'{h}'")).collect();
    let expire_sql = format!(
        "UPDATE {schema}.holds SET expires_at = now() - interval '1 second' WHERE id IN ({})",
        expire_ids.join(",")
    );

    let url = format!("{}/api/v1/events/{}/tickets", t.base, s.event_id);
    let buy = |tok: String, key: String| {
        let req = t
            .http
            .post(&url)
            .header("X-Tenant", "storm")
            .header("Idempotency-Key", key.clone())
            .bearer_auth(tok)
            .json(&json!({"session_id": s.session_id, "ticket_type_id": tt_id, "quantity": 1}));
        async move {
            let r = req.send().await.unwrap();
            let status = r.status().as_u16();
            let body: Value = r.json().await.unwrap();
            (key, status, body)
        }
    };
    // Wave one: 100 buyers race the ten holders converting their holds.
    let wave1: Vec<_> = (0..100).map(|i| buy(users[i % users.len()].clone(), format!("buy-{i}"))).collect();
    let converts = holds.iter().skip(10).map(|(u, h)| {
        let req = t
            .http
            .post(format!("{}/api/v1/orders", t.base))
            .header("X-Tenant", "storm")
            .bearer_auth(u)
            .json(&json!({"hold_id": h}));
        async move {
            let r = req.send().await.unwrap();
            (r.status().as_u16(), r.json::<Value>().await.unwrap())
        }
    });
    let (mut results, converted) =
        tokio::join!(futures_util::future::join_all(wave1), futures_util::future::join_all(converts));
    // Wave two: the other ten holds run out mid-wave while 70 new buyers and
    // 40 retries of wave-one keys (same key, same body) pile in.
    let mut wave2: Vec<_> = (100..170).map(|i| buy(users[i % users.len()].clone(), format!("buy-{i}"))).collect();
    wave2.extend((0..40).map(|i| buy(users[i % users.len()].clone(), format!("buy-{i}"))));
    let expire = async {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        t.sql(&expire_sql).await;
    };
    let (more, ()) = tokio::join!(futures_util::future::join_all(wave2), expire);
    results.extend(more);
    assert!(results.len() + converted.len() >= 200);

    let mut by_key: HashMap<String, Vec<String>> = HashMap::new();
    for (key, status, body) in &results {
        match status {
            200 | 201 => by_key.entry(key.clone()).or_default().push(body["id"].as_str().unwrap().to_owned()),
            409 => assert_eq!(body["code"], "sold_out", "{body}"),
            other => panic!("unexpected {other}: {body}"),
        }
    }
    for (key, ids) in &by_key {
        assert!(ids.iter().all(|i| i == &ids[0]), "key {key} produced different orders: {ids:?}");
    }
    for (status, body) in &converted {
        assert_eq!(*status, 201, "converting a live hold must succeed: {body}");
    }
    // Nothing is left hanging: the ten expired holds were reclaimed by buyers.
    t.app.sweep_expired().await.unwrap();
    let tt = t.get(&s.t, None, &format!("/api/v1/ticket-types/{tt_id}")).await.ok(200);
    let tickets = t.count(&s.t, "tickets").await;
    assert_eq!(tickets, 50, "exactly the capacity was sold");
    assert_eq!(tt["sold"].as_i64(), Some(tickets), "the counter matches the ticket rows");
    assert_eq!((tt["held"].as_i64(), tt["available"].as_i64()), (Some(0), Some(0)));
    assert_eq!(by_key.len() + converted.len(), 50, "one order per successful key or hold");
}

#[tokio::test]
async fn cancelling_a_session_voids_its_tickets_and_orders() {
    let t = spawn_app().await;
    let s = show(&t, "acme", 100).await;
    let ga = s.section(&t, "General", 0, 50, json!({})).await;
    let paid_type = s.section(&t, "Paid", 1000, 10, json!({})).await;
    let (_, ana) = t.user(&s.t, "attendee", "ana").await;
    let free = t
        .post(
            &s.t,
            Some(&ana),
            &format!("/api/v1/events/{}/tickets", s.event_id),
            json!({"session_id": s.session_id, "ticket_type_id": id(&ga), "quantity": 2}),
        )
        .await
        .ok(201);
    let pending = t
        .post(
            &s.t,
            Some(&ana),
            &format!("/api/v1/events/{}/tickets", s.event_id),
            json!({"session_id": s.session_id, "ticket_type_id": id(&paid_type), "quantity": 1}),
        )
        .await
        .ok(201);
    t.patch(
        &s.t,
        Some(&s.organizer),
        &format!("/api/v1/events/{}/sessions/{}", s.event_id, s.session_id),
        json!({"status": "cancelled"}),
    )
    .await
    .ok(200);
    assert_eq!(t.get(&s.t, Some(&ana), &format!("/api/v1/orders/{}", id(&free))).await.ok(200)["status"], "cancelled");
    assert_eq!(
        t.get(&s.t, Some(&ana), &format!("/api/v1/orders/{}", id(&pending))).await.ok(200)["status"],
        "cancelled"
    );
    let schema = taquilla_store::schema_name(s.t.id);
    let live = t
        .app
        .store
        .db()
        .query_one_raw(sea_orm::Statement::from_string(
            sea_orm::DbBackend::Postgres,
            format!("SELECT count(*) AS n FROM {schema}.tickets WHERE status <> 'void'"),
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get::<i64>("", "n")
        .unwrap();
    assert_eq!(live, 0);
    let tts = t.get(&s.t, Some(&s.organizer), &format!("/api/v1/sessions/{}/ticket-types", s.session_id)).await.ok(200);
    assert!(tts.as_array().unwrap().iter().all(|tt| tt["sold"] == 0 && tt["held"] == 0), "{tts}");
    assert!(t.outbox(&s.t).await.iter().any(|e| e == "session.cancelled"));
}

use sea_orm::ConnectionTrait;
