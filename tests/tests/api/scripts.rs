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
    // Every version stays, newest first, the live one marked: what a rollback picks from.
    let versions = t.get(&s.t, admin, &format!("/api/v1/scripts/{id}/versions")).await.ok(200);
    let listed: Vec<(i64, bool)> = versions["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| (v["version"].as_i64().unwrap(), v["active"].as_bool().unwrap()))
        .collect();
    assert_eq!(listed, [(4, false), (3, false), (2, false), (1, true)]);
    assert_eq!(versions["total"], 4);
    assert_eq!(versions["items"][3]["source"], GROUP);
    let v2 = t.get(&s.t, admin, &format!("/api/v1/scripts/{id}/versions/2")).await.ok(200);
    assert_eq!(
        (v2["version"].as_i64(), v2["test_cases"].clone(), v2["active"].as_bool()),
        (Some(2), cases(700), Some(false))
    );
    t.get(&s.t, admin, &format!("/api/v1/scripts/{id}/versions/9")).await.problem(404, "not_found");
    t.get(&s.t, admin, &format!("/api/v1/scripts/{}/versions", uuid::Uuid::new_v4())).await.problem(404, "not_found");
    t.get(&s.t, admin, &format!("/api/v1/scripts/{id}/versions/two")).await.problem(404, "not_found");

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
    t.get(&other, Some(&other.admin_token), &format!("/api/v1/scripts/{id}/versions")).await.problem(404, "not_found");
    t.get(&other, Some(&other.admin_token), &format!("/api/v1/scripts/{id}/versions/1"))
        .await
        .problem(404, "not_found");
    t.get(&s.t, Some(&s.organizer), &format!("/api/v1/scripts/{id}/versions")).await.problem(403, "forbidden");
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

/// 20 % (the coupon's value) off VIP lines of 2 or more tickets; members
/// get it on any line.
const VIP_PAIR: &str = r#"
fn apply(ctx) {
    let vip = ctx.ticket_type.name.to_lower().contains("vip");
    if !ctx.buyer.is_member && !vip {
        return #{ eligible: false, discount: 0, reason: "Only for VIP tickets" };
    }
    if !ctx.buyer.is_member && ctx.quantity < 2 {
        return #{ eligible: false, discount: 0, reason: "Buy at least 2 VIP tickets" };
    }
    #{ eligible: true, discount: ctx.line.total * ctx.coupon.value / 100, reason: "VIP pair" }
}
"#;

const MEMBERS: &str = r#"
fn price(ctx) {
    if ctx.buyer.is_member { #{ unit_price: ctx.ticket_type.base_price / 2, label: "Member price" } }
    else { ctx.ticket_type.base_price }
}
"#;

#[tokio::test]
async fn coupon_rule_scripts_decide_per_line_and_members_get_member_prices() {
    let t = spawn_app().await;
    let s = show(&t, "acme", 100).await;
    let other = t.tenant("other").await;
    let vip = sid(&s.section(&t, "VIP", 5_000, 20, json!({})).await);
    let general = sid(&s.section(&t, "General", 2_000, 50, json!({})).await);
    let admin = Some(s.t.admin_token.as_str());
    let (buyer_id, buyer) = t.user(&s.t, "attendee", "bea").await;
    let cart = |items: Value, coupon: &str| json!({"session_id": s.session_id, "items": items, "coupon_code": coupon});

    let rule = sid(&t
        .post(
            &s.t,
            admin,
            "/api/v1/scripts",
            json!({"name": "VIP pair", "kind": "coupon", "source": VIP_PAIR, "test_cases": [
                {"name": "pair", "context": {"ticket_type": {"name": "VIP", "base_price": 1000}, "quantity": 2,
                 "coupon": {"value": 20}}, "expected": {"eligible": true, "discount": 400, "reason": "VIP pair"}}
            ]}),
        )
        .await
        .ok(201));
    let pricing = sid(&t
        .post(&s.t, admin, "/api/v1/scripts", json!({"name": "Members", "kind": "pricing", "source": MEMBERS}))
        .await
        .ok(201));
    // The rule must be one of this tenant's coupon scripts.
    let p = t
        .post(
            &s.t,
            admin,
            "/api/v1/coupons",
            json!({"code": "PAIR20", "kind": "percent", "value": 20, "script_id": pricing}),
        )
        .await
        .problem(422, "validation_failed");
    assert_eq!((p["field"].as_str(), p["errors"][0]["code"].as_str()), (Some("script_id"), Some("wrong_script_kind")));
    let foreign = sid(&t
        .post(
            &other,
            Some(&other.admin_token),
            "/api/v1/scripts",
            json!({"name": "x", "kind": "coupon", "source": VIP_PAIR}),
        )
        .await
        .ok(201));
    t.post(
        &s.t,
        admin,
        "/api/v1/coupons",
        json!({"code": "PAIR20", "kind": "percent", "value": 20, "script_id": foreign}),
    )
    .await
    .problem(422, "validation_failed");
    let coupon = t
        .post(
            &s.t,
            admin,
            "/api/v1/coupons",
            json!({"code": "PAIR20", "kind": "percent", "value": 20, "script_id": rule}),
        )
        .await
        .ok(201);
    assert_eq!(coupon["script_id"].as_str(), Some(rule.as_str()));

    let two_vip = json!([{"ticket_type_id": vip, "quantity": 2}]);
    // A rule that is not live yet: the coupon does not apply.
    t.post(&s.t, Some(&buyer), "/api/v1/quotes", cart(two_vip.clone(), "pair20")).await.problem(422, "coupon_inactive");
    t.post(&s.t, admin, &format!("/api/v1/scripts/{rule}/activate"), json!({})).await.ok(200);

    // One VIP ticket: the rule declines with its own reason, in a quote
    // and in a preview.
    let one_vip = json!([{"ticket_type_id": vip, "quantity": 1}]);
    let p = t
        .post(&s.t, Some(&buyer), "/api/v1/quotes", cart(one_vip.clone(), "PAIR20"))
        .await
        .problem(422, "coupon_rule_declined");
    assert_eq!(
        (p["field"].as_str(), p["detail"].as_str()),
        (Some("coupon_code"), Some("Buy at least 2 VIP tickets")),
        "{p}"
    );
    let check = t
        .post(&s.t, Some(&buyer), "/api/v1/coupons/PAIR20/check", json!({"session_id": s.session_id, "items": one_vip}))
        .await
        .ok(200);
    assert_eq!((check["eligible"].as_bool(), check["code"].as_str()), (Some(false), Some("coupon_rule_declined")));

    // Two VIP and two General: only the VIP line is discounted.
    let mixed = json!([{"ticket_type_id": vip, "quantity": 2}, {"ticket_type_id": general, "quantity": 2}]);
    let q = t.post(&s.t, Some(&buyer), "/api/v1/quotes", cart(mixed.clone(), "PAIR20")).await.ok(200);
    assert_eq!(
        (q["subtotal_minor"].as_i64(), q["discount_minor"].as_i64(), q["total_minor"].as_i64()),
        (Some(14_000), Some(2_000), Some(12_000)),
        "{q}"
    );
    let order = t.post(&s.t, Some(&buyer), "/api/v1/orders", cart(mixed.clone(), "PAIR20")).await.ok(201);
    assert_eq!((order["total_minor"].as_i64(), order["discount_minor"].as_i64()), (Some(12_000), Some(2_000)));
    assert_eq!(
        order["pricing_scripts"],
        json!([{"script_id": rule, "version": 1, "kind": "coupon", "fell_back": false}])
    );
    let c = t.get(&s.t, admin, &format!("/api/v1/coupons/{}", sid(&coupon))).await.ok(200);
    assert_eq!((c["uses"].as_i64(), c["discount_given_minor"].as_i64()), (Some(1), Some(2_000)));

    // Members: the pricing script halves every price, and the rule now
    // applies to every line. Only a tenant admin makes someone a member.
    t.post(&s.t, admin, &format!("/api/v1/scripts/{pricing}/activate"), json!({})).await.ok(200);
    let plain = json!({"session_id": s.session_id, "items": [{"ticket_type_id": general, "quantity": 1}]});
    assert_eq!(t.post(&s.t, Some(&buyer), "/api/v1/quotes", plain.clone()).await.ok(200)["total_minor"], 2_000);
    t.patch(&s.t, Some(&s.organizer), &format!("/api/v1/users/{buyer_id}"), json!({"is_member": true}))
        .await
        .problem(403, "forbidden");
    let u = t.patch(&s.t, admin, &format!("/api/v1/users/{buyer_id}"), json!({"is_member": true})).await.ok(200);
    assert_eq!(u["is_member"], true);
    let q = t.post(&s.t, Some(&buyer), "/api/v1/quotes", plain).await.ok(200);
    assert_eq!(
        (q["lines"][0]["unit_price_minor"].as_i64(), q["lines"][0]["label"].as_str()),
        (Some(1_000), Some("Member price"))
    );
    let q = t
        .post(&s.t, Some(&buyer), "/api/v1/quotes", cart(json!([{"ticket_type_id": general, "quantity": 1}]), "PAIR20"))
        .await
        .ok(200);
    assert_eq!((q["subtotal_minor"].as_i64(), q["discount_minor"].as_i64()), (Some(1_000), Some(200)), "{q}");
    let order = t
        .post(&s.t, Some(&buyer), "/api/v1/orders", cart(json!([{"ticket_type_id": general, "quantity": 1}]), "PAIR20"))
        .await
        .ok(201);
    let used: Vec<&str> =
        order["pricing_scripts"].as_array().unwrap().iter().map(|u| u["kind"].as_str().unwrap()).collect();
    assert_eq!(used, ["pricing", "coupon"]);

    // A rule that breaks at sale time refuses the sale: no order, no use.
    t.post(
        &s.t,
        admin,
        &format!("/api/v1/scripts/{rule}/versions"),
        json!({"source": "fn apply(ctx) { #{ eligible: true, discount: -5, reason: \"\" } }"}),
    )
    .await
    .ok(201);
    t.post(&s.t, admin, &format!("/api/v1/scripts/{rule}/activate"), json!({})).await.ok(200);
    let orders = t.count(&s.t, "orders").await;
    let p = t.post(&s.t, Some(&buyer), "/api/v1/orders", cart(two_vip, "PAIR20")).await.problem(422, "script_error");
    assert_eq!(
        (p["field"].as_str(), p["error"]["code"].as_str()),
        (Some("coupon_code"), Some("invalid_result")),
        "{p}"
    );
    assert_eq!(t.count(&s.t, "orders").await, orders);
    assert_eq!(t.get(&s.t, admin, &format!("/api/v1/coupons/{}", sid(&coupon))).await.ok(200)["uses"], 2);
}

#[tokio::test]
async fn the_fallback_setting_sells_at_base_price_when_the_pricing_script_fails() {
    let t = spawn_app().await;
    let s = show(&t, "acme", 100).await;
    let tt = sid(&s.section(&t, "General", 3_000, 50, json!({})).await);
    let admin = Some(s.t.admin_token.as_str());
    let (_, buyer) = t.user(&s.t, "attendee", "bea").await;
    let cart = json!({"session_id": s.session_id, "items": [{"ticket_type_id": tt, "quantity": 2}]});
    // Runs past the cap of 10 × base price in production, not in its (empty) tests.
    let id = sid(&t
        .post(
            &s.t,
            admin,
            "/api/v1/scripts",
            json!({"name": "Greedy", "kind": "pricing", "event_id": s.event_id,
            "source": "fn price(ctx) { ctx.ticket_type.base_price * 11 }"}),
        )
        .await
        .ok(201));
    t.post(&s.t, admin, &format!("/api/v1/scripts/{id}/activate"), json!({})).await.ok(200);
    let p = t.post(&s.t, Some(&buyer), "/api/v1/orders", cart.clone()).await.problem(422, "script_error");
    assert_eq!(p["error"]["code"], "invalid_result", "{p}");

    // The cap is the tenant's: at 20 × the script's price stands.
    let mut settings = t.get(&s.t, admin, "/api/v1/settings").await.ok(200);
    settings["script_price_cap"] = json!(20);
    t.put(&s.t, admin, "/api/v1/settings", settings.clone()).await.ok(200);
    assert_eq!(t.post(&s.t, Some(&buyer), "/api/v1/quotes", cart.clone()).await.ok(200)["total_minor"], 66_000);
    settings["script_price_cap"] = json!(0);
    let p = t.put(&s.t, admin, "/api/v1/settings", settings.clone()).await.problem(422, "validation_failed");
    assert_eq!(p["field"], "script_price_cap");

    // With the fallback on, a failing script sells at base price, and the
    // order records that it fell back.
    t.post(
        &s.t,
        admin,
        &format!("/api/v1/scripts/{id}/versions"),
        json!({"source": "fn price(ctx) { throw \"no price today\" }"}),
    )
    .await
    .ok(201);
    t.post(&s.t, admin, &format!("/api/v1/scripts/{id}/activate"), json!({})).await.ok(200);
    t.post(&s.t, Some(&buyer), "/api/v1/quotes", cart.clone()).await.problem(422, "script_error");
    settings["script_price_cap"] = json!(10);
    settings["pricing_script_fallback"] = json!(true);
    t.put(&s.t, admin, "/api/v1/settings", settings).await.ok(200);
    let order = t.post(&s.t, Some(&buyer), "/api/v1/orders", cart).await.ok(201);
    assert_eq!(order["total_minor"], 6_000);
    assert_eq!(
        order["pricing_scripts"],
        json!([{"script_id": id, "version": 2, "kind": "pricing", "fell_back": true}])
    );
}

/// Hostile scripts, through the API: each is stopped by a limit in its
/// test run, and, made live without test cases, fails the sale with
/// `script_error` while the server keeps answering.
#[tokio::test]
async fn hostile_scripts_are_stopped_by_limits_through_the_api() {
    let t = spawn_app().await;
    let s = show(&t, "acme", 100).await;
    let tt = sid(&s.section(&t, "General", 1_000, 50, json!({})).await);
    let admin = Some(s.t.admin_token.as_str());
    let (_, buyer) = t.user(&s.t, "attendee", "bea").await;
    let cart = json!({"session_id": s.session_id, "items": [{"ticket_type_id": tt, "quantity": 1}]});
    let hostile = [
        ("infinite loop", "fn price(ctx) { let n = 0; loop { n += 1; } }", &["limit_exceeded", "timeout"][..]),
        ("deep recursion", "fn f(n) { f(n + 1) } fn price(ctx) { f(0) }", &["limit_exceeded"][..]),
        ("100 MB string", "fn price(ctx) { let s = \"x\"; while true { s += s; } 1 }", &["limit_exceeded"][..]),
        ("huge array", "fn price(ctx) { let a = []; a.pad(100000000, 0); a.len() }", &["limit_exceeded"][..]),
        ("filesystem", "fn price(ctx) { open_file(\"/etc/passwd\") }", &["runtime_error"][..]),
        ("environment", "fn price(ctx) { env(\"DATABASE_URL\") }", &["runtime_error"][..]),
    ];
    let id = sid(&t
        .post(
            &s.t,
            admin,
            "/api/v1/scripts",
            json!({"name": "Hostile", "kind": "pricing", "event_id": s.event_id,
            "source": "fn price(ctx) { 1 }"}),
        )
        .await
        .ok(201));
    for (name, source, codes) in hostile {
        let v = t.post(&s.t, admin, &format!("/api/v1/scripts/{id}/versions"), json!({"source": source})).await.ok(201)
            ["latest_version"]
            .as_i64()
            .unwrap();
        let r = t
            .post(
                &s.t,
                admin,
                &format!("/api/v1/scripts/{id}/test"),
                json!({"context": {"ticket_type": {"base_price": 1000}}}),
            )
            .await
            .ok(200);
        let code = r["results"][0]["error"]["code"].as_str().unwrap_or_default().to_owned();
        assert!(codes.contains(&code.as_str()), "{name}: {r}");
        t.post(&s.t, admin, &format!("/api/v1/scripts/{id}/activate"), json!({"version": v})).await.ok(200);
        let p = t.post(&s.t, Some(&buyer), "/api/v1/orders", cart.clone()).await.problem(422, "script_error");
        assert_eq!(p["version"], v, "{name}: {p}");
        assert!(codes.contains(&p["error"]["code"].as_str().unwrap_or_default()), "{name}: {p}");
        t.get(&s.t, None, "/api/v1/events").await.ok(200);
    }
    // An import is not even a script.
    t.post(
        &s.t,
        admin,
        &format!("/api/v1/scripts/{id}/versions"),
        json!({"source": "import \"fs\" as fs; fn price(ctx) { 1 }"}),
    )
    .await
    .ok(201);
    let r = t.post(&s.t, admin, &format!("/api/v1/scripts/{id}/test"), json!({})).await.ok(200);
    assert_eq!(r["compile_error"]["code"], "compile_error", "{r}");
    assert_eq!(t.count(&s.t, "tickets").await, 0);
}
