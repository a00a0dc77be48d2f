//! Coupons: managed by organizers, quoted exactly as orders charge them,
//! counted in the order's transaction (a limit of 10 holds under 100
//! concurrent orders), given back when an order does not go through.

use serde_json::{json, Value};
use taquilla_tests::*;

use crate::ticketing::show;

fn sid(v: &Value) -> String {
    v["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn coupons_are_validated_unique_per_tenant_whatever_the_case_and_managed_by_organizers() {
    let t = spawn_app().await;
    let s = show(&t, "acme", 100).await;
    let other = show(&t, "other", 10).await;
    let c = t
        .post(&s.t, Some(&s.organizer), "/api/v1/coupons", json!({"code": "Save20", "kind": "percent", "value": 20}))
        .await
        .ok(201);
    assert_eq!(
        (c["code"].as_str(), c["uses"].as_i64(), c["min_quantity"].as_i64()),
        (Some("Save20"), Some(0), Some(1))
    );
    let p = t
        .post(
            &s.t,
            Some(&s.t.admin_token),
            "/api/v1/coupons",
            json!({"code": "SAVE20", "kind": "fixed", "value": 500, "currency": "EUR"}),
        )
        .await
        .problem(409, "duplicate_code");
    assert_eq!(p["field"], "code");
    // The same code in another tenant is another coupon.
    t.post(
        &other.t,
        Some(&other.organizer),
        "/api/v1/coupons",
        json!({"code": "save20", "kind": "percent", "value": 5}),
    )
    .await
    .ok(201);

    for (body, field) in [
        (json!({"code": "X", "kind": "percent", "value": 10}), "code"),
        (json!({"code": "ok code!", "kind": "percent", "value": 10}), "code"),
        (json!({"code": "BIG", "kind": "percent", "value": 150}), "value"),
        (json!({"code": "NEG", "kind": "fixed", "value": -5, "currency": "EUR"}), "value"),
        (json!({"code": "NOCUR", "kind": "fixed", "value": 500}), "currency"),
        (json!({"code": "BADCUR", "kind": "fixed", "value": 500, "currency": "euro"}), "currency"),
        (
            json!({"code": "WINDOW", "kind": "percent", "value": 5, "valid_from": "2030-01-02T00:00:00Z", "valid_until": "2030-01-01T00:00:00Z"}),
            "valid_until",
        ),
        (json!({"code": "ZERO", "kind": "percent", "value": 5, "max_uses": 0}), "max_uses"),
        (json!({"kind": "percent", "value": 5}), "code"),
        (json!({"code": "KIND", "kind": "bogo", "value": 5}), "kind"),
    ] {
        let p =
            t.post(&s.t, Some(&s.organizer), "/api/v1/coupons", body.clone()).await.problem(422, "validation_failed");
        assert_eq!(p["field"], field, "{body} → {p}");
    }
    for role in ["staff", "attendee"] {
        let (_, tok) = t.user(&s.t, role, &format!("c-{role}")).await;
        t.get(&s.t, Some(&tok), "/api/v1/coupons").await.problem(403, "forbidden");
        t.post(&s.t, Some(&tok), "/api/v1/coupons", json!({"code": "MINE", "kind": "percent", "value": 90}))
            .await
            .problem(403, "forbidden");
    }
    let id = sid(&c);
    t.get(&other.t, Some(&other.t.admin_token), &format!("/api/v1/coupons/{id}")).await.problem(404, "not_found");
    t.patch(&other.t, Some(&other.t.admin_token), &format!("/api/v1/coupons/{id}"), json!({"value": 99}))
        .await
        .problem(404, "not_found");
    let changed =
        t.patch(&s.t, Some(&s.organizer), &format!("/api/v1/coupons/{id}"), json!({"value": 25})).await.ok(200);
    assert_eq!((changed["value"].as_i64(), changed["code"].as_str()), (Some(25), Some("Save20")));
    t.patch(&s.t, Some(&s.organizer), &format!("/api/v1/coupons/{id}"), json!({"value": 101}))
        .await
        .problem(422, "validation_failed");
    assert_eq!(t.get(&s.t, Some(&s.organizer), &format!("/api/v1/coupons/{id}")).await.ok(200)["value"], 25);
    t.delete(&s.t, Some(&s.organizer), &format!("/api/v1/coupons/{id}")).await.ok(204);
    t.get(&s.t, Some(&s.organizer), &format!("/api/v1/coupons/{id}")).await.problem(404, "not_found");
    // A deleted coupon's code is free again.
    t.post(&s.t, Some(&s.organizer), "/api/v1/coupons", json!({"code": "SAVE20", "kind": "percent", "value": 10}))
        .await
        .ok(201);
}

#[tokio::test]
async fn quotes_match_what_orders_charge_and_unusable_coupons_sell_nothing() {
    let t = spawn_app().await;
    let s = show(&t, "acme", 100).await;
    let vip = s.section(&t, "VIP", 5_000, 20, json!({})).await;
    let general = s.section(&t, "General", 1_999, 50, json!({})).await;
    let (vip_id, gen_id) = (sid(&vip), sid(&general));
    // 20% off VIP only, for 2+ VIP tickets.
    let c = t
        .post(
            &s.t,
            Some(&s.organizer),
            "/api/v1/coupons",
            json!({"code": "VIP20", "kind": "percent", "value": 20, "min_quantity": 2, "ticket_type_ids": [vip_id], "max_uses_per_user": 1}),
        )
        .await
        .ok(201);
    let (_, buyer) = t.user(&s.t, "attendee", "bo").await;
    let cart = |vip_q: u32, coupon: Option<&str>| {
        let mut b = json!({"session_id": s.session_id, "items": [
            {"ticket_type_id": vip_id, "quantity": vip_q}, {"ticket_type_id": gen_id, "quantity": 3}]});
        if let Some(c) = coupon {
            b["coupon_code"] = json!(c);
        }
        b
    };

    let plain = t.post(&s.t, Some(&buyer), "/api/v1/quotes", cart(2, None)).await.ok(200);
    assert_eq!((plain["subtotal_minor"].as_i64(), plain["discount_minor"].as_i64()), (Some(10_000 + 5_997), Some(0)));
    let q = t.post(&s.t, Some(&buyer), "/api/v1/quotes", cart(2, Some("vip20"))).await.ok(200);
    assert_eq!(q["discount_minor"], 2_000, "20% of the VIP lines only: {q}");
    assert_eq!(q["total_minor"], 15_997 - 2_000);
    assert_eq!(q["coupon_code"], "VIP20");
    assert_eq!(q["lines"][0]["base_price_minor"], 5_000);

    // Previews say why not, without an error.
    let chk = t
        .post(
            &s.t,
            Some(&buyer),
            "/api/v1/coupons/vip20/check",
            json!({"session_id": s.session_id, "items": [{"ticket_type_id": vip_id, "quantity": 1}]}),
        )
        .await
        .ok(200);
    assert_eq!((chk["eligible"].as_bool(), chk["code"].as_str()), (Some(false), Some("coupon_min_quantity")));
    assert_eq!(chk["quote"]["total_minor"], 5_000);
    // A quote or an order with a coupon that does not apply is refused and sells nothing.
    let p =
        t.post(&s.t, Some(&buyer), "/api/v1/quotes", cart(1, Some("VIP20"))).await.problem(422, "coupon_min_quantity");
    assert_eq!(p["field"], "coupon_code");
    t.post(&s.t, Some(&buyer), "/api/v1/orders", cart(1, Some("VIP20"))).await.problem(422, "coupon_min_quantity");
    t.post(&s.t, Some(&buyer), "/api/v1/orders", cart(2, Some("NOPE"))).await.problem(422, "unknown_coupon");
    assert_eq!(t.count(&s.t, "orders").await, 0);

    let order = t.post(&s.t, Some(&buyer), "/api/v1/orders", cart(2, Some("Vip20"))).await.ok(201);
    assert_eq!((order["total_minor"].as_i64(), order["discount_minor"].as_i64()), (Some(13_997), Some(2_000)));
    let again = t.get(&s.t, Some(&buyer), &format!("/api/v1/orders/{}", sid(&order))).await.ok(200);
    assert_eq!((again["total_minor"].clone(), again["discount_minor"].clone()), (json!(13_997), json!(2_000)));
    assert!(again["items"].as_array().unwrap().iter().all(|i| i["base_price_minor"] == i["unit_price_minor"]));
    let stats = t.get(&s.t, Some(&s.organizer), &format!("/api/v1/coupons/{}", sid(&c))).await.ok(200);
    assert_eq!((stats["uses"].as_i64(), stats["discount_given_minor"].as_i64()), (Some(1), Some(2_000)));
    // Once per buyer.
    t.post(&s.t, Some(&buyer), "/api/v1/orders", cart(2, Some("VIP20"))).await.problem(422, "coupon_used_by_user");

    // A cancelled order gives its use back.
    t.post(&s.t, Some(&buyer), &format!("/api/v1/orders/{}/cancel", sid(&order)), json!({})).await.ok(200);
    let stats = t.get(&s.t, Some(&s.organizer), &format!("/api/v1/coupons/{}", sid(&c))).await.ok(200);
    assert_eq!((stats["uses"].as_i64(), stats["discount_given_minor"].as_i64()), (Some(0), Some(0)));
    t.post(&s.t, Some(&buyer), "/api/v1/orders", cart(2, Some("VIP20"))).await.ok(201);

    // Windows and switches.
    t.patch(&s.t, Some(&s.organizer), &format!("/api/v1/coupons/{}", sid(&c)), json!({"active": false})).await.ok(200);
    let (_, other_buyer) = t.user(&s.t, "attendee", "cy").await;
    t.post(&s.t, Some(&other_buyer), "/api/v1/quotes", cart(2, Some("VIP20"))).await.problem(422, "coupon_inactive");
    t.patch(
        &s.t,
        Some(&s.organizer),
        &format!("/api/v1/coupons/{}", sid(&c)),
        json!({"active": true, "valid_until": "2001-01-01T00:00:00Z"}),
    )
    .await
    .ok(200);
    t.post(&s.t, Some(&other_buyer), "/api/v1/quotes", cart(2, Some("VIP20"))).await.problem(422, "coupon_expired");
}

#[tokio::test]
async fn a_coupon_limited_to_10_uses_is_redeemed_exactly_10_times_by_100_concurrent_orders() {
    let t = spawn_app().await;
    let s = show(&t, "acme", 500).await;
    let tt = sid(&s.section(&t, "General", 2_000, 500, json!({})).await);
    let c = t
        .post(
            &s.t,
            Some(&s.organizer),
            "/api/v1/coupons",
            json!({"code": "FIRST10", "kind": "fixed", "value": 500, "currency": "EUR", "max_uses": 10}),
        )
        .await
        .ok(201);
    let mut buyers = vec![];
    for i in 0..5 {
        buyers.push(t.user(&s.t, "attendee", &format!("rush{i}")).await.1);
    }
    let results = futures_util::future::join_all((0..100).map(|i| {
        let body = json!({"session_id": s.session_id, "items": [{"ticket_type_id": tt, "quantity": 1}], "coupon_code": "first10"});
        let (t, fx, tok) = (&t, &s.t, buyers[i % 5].clone());
        async move { t.post(fx, Some(&tok), "/api/v1/orders", body).await }
    }))
    .await;
    let mut ok = 0;
    for r in results {
        match r.status.as_u16() {
            201 => {
                ok += 1;
                assert_eq!(r.body["discount_minor"], 500);
            }
            _ => {
                r.problem(422, "coupon_used_up");
            }
        }
    }
    assert_eq!(ok, 10);
    let stats = t.get(&s.t, Some(&s.organizer), &format!("/api/v1/coupons/{}", sid(&c))).await.ok(200);
    assert_eq!((stats["uses"].as_i64(), stats["discount_given_minor"].as_i64()), (Some(10), Some(5_000)));
    assert_eq!(t.count(&s.t, "coupon_redemptions").await, 10);
    assert_eq!(t.count(&s.t, "orders").await, 10, "refused orders sold nothing");
}

/// An unlimited coupon is not counted under its row lock (no queue in a
/// flash sale); its uses are still all there, and a limit added later
/// counts the uses made before it.
#[tokio::test]
async fn unlimited_coupons_count_every_concurrent_use_and_a_limit_added_later_counts_them() {
    let t = spawn_app().await;
    let s = show(&t, "acme", 500).await;
    let tt = sid(&s.section(&t, "General", 2_000, 500, json!({})).await);
    let c = t
        .post(&s.t, Some(&s.organizer), "/api/v1/coupons", json!({"code": "OPEN", "kind": "percent", "value": 10}))
        .await
        .ok(201);
    let mut buyers = vec![];
    for i in 0..4 {
        buyers.push(t.user(&s.t, "attendee", &format!("rush{i}")).await);
    }
    let rush = |n: usize| {
        futures_util::future::join_all((0..n).map(|i| {
            let body = json!({"session_id": s.session_id, "items": [{"ticket_type_id": tt, "quantity": 1}], "coupon_code": "open"});
            let (t, fx, tok) = (&t, &s.t, buyers[i % 4].1.clone());
            async move { t.post(fx, Some(&tok), "/api/v1/orders", body).await }
        }))
    };
    for r in rush(30).await {
        assert_eq!(r.ok(201)["discount_minor"], 200);
    }
    let stats = t.get(&s.t, Some(&s.organizer), &format!("/api/v1/coupons/{}", sid(&c))).await.ok(200);
    assert_eq!((stats["uses"].as_i64(), stats["discount_given_minor"].as_i64()), (Some(30), Some(6_000)));

    // A limit of 33 now leaves exactly 3 uses for 20 racing orders.
    t.patch(&s.t, Some(&s.organizer), &format!("/api/v1/coupons/{}", sid(&c)), json!({"max_uses": 33})).await.ok(200);
    let mut placed = vec![];
    for r in rush(20).await {
        if r.status.as_u16() == 201 {
            placed.push(sid(&r.body));
        } else {
            r.problem(422, "coupon_used_up");
        }
    }
    assert_eq!(placed.len(), 3);
    assert_eq!(t.count(&s.t, "coupon_redemptions").await, 33);
    // A cancelled order gives its use back: one more order gets it, then none.
    let owner = t.get(&s.t, Some(&s.t.admin_token), &format!("/api/v1/orders/{}", placed[0])).await.ok(200)["user_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (_, tok) = buyers.iter().find(|(id, _)| id.to_string() == owner).unwrap();
    t.post(&s.t, Some(tok), &format!("/api/v1/orders/{}/cancel", placed[0]), json!({})).await.ok(200);
    let stats = t.get(&s.t, Some(&s.organizer), &format!("/api/v1/coupons/{}", sid(&c))).await.ok(200);
    assert_eq!(stats["uses"], 32);
    let ok = rush(5).await.into_iter().filter(|r| r.status.as_u16() == 201).count();
    assert_eq!(ok, 1);

    // A limit set WHILE orders race: the edit waits for the redemptions in
    // flight and counts them; after it, exactly the limit (or what had
    // already been redeemed, if more) is ever used.
    let mid = t
        .post(&s.t, Some(&s.organizer), "/api/v1/coupons", json!({"code": "MIDRUSH", "kind": "percent", "value": 10}))
        .await
        .ok(201);
    let orders = futures_util::future::join_all((0..40).map(|i| {
        let body = json!({"session_id": s.session_id, "items": [{"ticket_type_id": tt, "quantity": 1}], "coupon_code": "midrush"});
        let (t, fx, tok) = (&t, &s.t, buyers[i % 4].1.clone());
        async move { t.post(fx, Some(&tok), "/api/v1/orders", body).await }
    }));
    let edit = async {
        tokio::time::sleep(std::time::Duration::from_millis(30)).await;
        t.patch(&s.t, Some(&s.organizer), &format!("/api/v1/coupons/{}", sid(&mid)), json!({"max_uses": 12}))
            .await
            .ok(200)
    };
    let (results, edited) = tokio::join!(orders, edit);
    for r in &results {
        if r.status.as_u16() != 201 {
            assert_eq!(r.body["code"], "coupon_used_up", "{:?}", r.body);
        }
    }
    let placed = results.iter().filter(|r| r.status.as_u16() == 201).count() as i64;
    let at_edit = edited["uses"].as_i64().unwrap();
    assert_eq!(placed, at_edit.max(12), "uses at the edit: {at_edit}");
    let stats = t.get(&s.t, Some(&s.organizer), &format!("/api/v1/coupons/{}", sid(&mid))).await.ok(200);
    assert_eq!(stats["uses"].as_i64(), Some(placed), "the counter matches the redemptions");
}
