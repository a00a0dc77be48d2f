//! Card payments through Stripe, against a local stand-in that speaks the
//! Stripe endpoints used (wiremock), with our real async-stripe client;
//! Stripe's events are built here, signed as Stripe signs them, and posted
//! to the real webhook endpoint — tampered, stale and repeated ones too.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;
use taquilla_tests::*;
use uuid::Uuid;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

use crate::ticketing::{show, Show};

const WHSEC: &str = "whsec_test_0123456789abcdef";

/// One request to the stand-in: endpoint, form fields, Idempotency-Key.
type Call = (String, HashMap<String, String>, Option<String>);

/// What the stand-in was asked, per endpoint.
#[derive(Clone, Default)]
pub(crate) struct Seen(Arc<Mutex<Vec<Call>>>);

impl Seen {
    fn calls(&self, endpoint: &str) -> Vec<(HashMap<String, String>, Option<String>)> {
        self.0.lock().unwrap().iter().filter(|c| c.0 == endpoint).map(|c| (c.1.clone(), c.2.clone())).collect()
    }
}

fn form(req: &Request) -> HashMap<String, String> {
    form_urlencoded::parse(&req.body).into_owned().collect()
}

/// A PaymentIntent as Stripe's API returns it (every field the client reads).
fn payment_intent(id: &str, amount: i64, currency: &str, metadata: Value, status: &str) -> Value {
    json!({
        "id": id, "object": "payment_intent", "amount": amount, "amount_capturable": 0,
        "amount_details": {"tip": {}}, "amount_received": if status == "succeeded" { amount } else { 0 },
        "application": null, "application_fee_amount": null,
        "automatic_payment_methods": {"allow_redirects": "always", "enabled": true},
        "canceled_at": null, "cancellation_reason": null, "capture_method": "automatic_async",
        "client_secret": format!("{id}_secret_abc"), "confirmation_method": "automatic", "created": 1_700_000_000,
        "currency": currency, "customer": null, "description": null, "excluded_payment_method_types": null,
        "last_payment_error": null, "latest_charge": null, "livemode": false, "metadata": metadata,
        "next_action": null, "on_behalf_of": null, "payment_method": null,
        "payment_method_configuration_details": null, "payment_method_options": {},
        "payment_method_types": ["card"], "processing": null, "receipt_email": null, "review": null,
        "setup_future_usage": null, "shipping": null, "source": null, "statement_descriptor": null,
        "statement_descriptor_suffix": null, "status": status, "transfer_data": null, "transfer_group": null
    })
}

/// A stand-in for api.stripe.com: PaymentIntents (one per Idempotency-Key,
/// as Stripe does) and Refunds.
pub(crate) async fn stripe_standin() -> (MockServer, Seen) {
    let server = MockServer::start().await;
    let seen = Seen::default();
    let by_key: Arc<Mutex<HashMap<String, Value>>> = Arc::default();
    let s = seen.clone();
    Mock::given(method("POST"))
        .and(path("/v1/payment_intents"))
        .respond_with(move |req: &Request| {
            let f = form(req);
            let key = req.headers.get("idempotency-key").and_then(|v| v.to_str().ok()).map(str::to_owned);
            s.0.lock().unwrap().push(("payment_intents".into(), f.clone(), key.clone()));
            let mut known = by_key.lock().unwrap();
            let body = known
                .entry(key.unwrap_or_default())
                .or_insert_with(|| {
                    let metadata: HashMap<String, String> = f
                        .iter()
                        .filter_map(|(k, v)| {
                            k.strip_prefix("metadata[")
                                .and_then(|k| k.strip_suffix(']'))
                                .map(|k| (k.to_owned(), v.clone()))
                        })
                        .collect();
                    payment_intent(
                        &format!("pi_{}", Uuid::new_v4().simple()),
                        f["amount"].parse().unwrap(),
                        &f["currency"],
                        json!(metadata),
                        "requires_payment_method",
                    )
                })
                .clone();
            ResponseTemplate::new(200).set_body_json(body)
        })
        .mount(&server)
        .await;
    let s = seen.clone();
    Mock::given(method("POST"))
        .and(path("/v1/refunds"))
        .respond_with(move |req: &Request| {
            let f = form(req);
            let key = req.headers.get("idempotency-key").and_then(|v| v.to_str().ok()).map(str::to_owned);
            s.0.lock().unwrap().push(("refunds".into(), f.clone(), key));
            ResponseTemplate::new(200).set_body_json(json!({
                "id": format!("re_{}", Uuid::new_v4().simple()), "object": "refund",
                "amount": f["amount"].parse::<i64>().unwrap(), "balance_transaction": null, "charge": null,
                "created": 1_700_000_100, "currency": "eur", "destination_details": null, "metadata": {},
                "payment_intent": f["payment_intent"], "reason": null, "receipt_number": null,
                "source_transfer_reversal": null, "status": "succeeded", "transfer_reversal": null
            }))
        })
        .mount(&server)
        .await;
    (server, seen)
}

async fn stripe_app(standin: &MockServer) -> TestApp {
    spawn_app_with(stripe_config(standin)).await
}

/// A test configuration whose Stripe is the stand-in.
pub(crate) fn stripe_config(standin: &MockServer) -> taquilla_services::Config {
    let mut config = test_config();
    config.stripe = Some(taquilla_payments::StripeConfig {
        secret_key: secrecy::SecretString::from("sk_test_standin".to_owned()),
        webhook_secrets: vec![secrecy::SecretString::from(WHSEC.to_owned())],
        api_base: Some(format!("{}/", standin.uri())),
        application_fee_bps: 250,
        publishable_key: Some("pk_test_standin".to_owned()),
    });
    config
}

/// `Stripe-Signature` for `body` at `t`, computed as Stripe documents it.
fn signature(body: &str, secret: &str, t: i64) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{t}.{body}").as_bytes());
    format!("t={t},v1={}", hex::encode(mac.finalize().into_bytes()))
}

fn event(kind: &str, object: Value) -> String {
    json!({
        "id": format!("evt_{}", Uuid::new_v4().simple()), "object": "event", "api_version": "2025-10-29.clover",
        "created": chrono::Utc::now().timestamp(), "livemode": false, "pending_webhooks": 1,
        "request": {"id": null, "idempotency_key": null}, "type": kind, "data": {"object": object}
    })
    .to_string()
}

async fn deliver(t: &TestApp, body: &str, sig: Option<String>) -> Resp {
    let mut req = t.http.post(format!("{}/webhooks/stripe", t.base)).header("content-type", "application/json");
    if let Some(s) = sig {
        req = req.header("Stripe-Signature", s);
    }
    Resp::read(req.body(body.to_owned()).send().await.unwrap()).await
}

pub(crate) async fn signed(t: &TestApp, body: &str) -> Resp {
    deliver(t, body, Some(signature(body, WHSEC, chrono::Utc::now().timestamp()))).await
}

/// The PaymentIntent succeeded event for an order as Stripe would send it.
pub(crate) fn succeeded(order: &Value) -> String {
    let mut pi = payment_intent(
        order["payment_ref"].as_str().unwrap(),
        order["total_minor"].as_i64().unwrap(),
        &order["currency"].as_str().unwrap().to_lowercase(),
        json!({"order_id": order["id"]}),
        "succeeded",
    );
    pi["latest_charge"] = json!("ch_1");
    event("payment_intent.succeeded", pi)
}

pub(crate) async fn priced_show(t: &TestApp, slug: &str, capacity: u32) -> (Show, Value, String) {
    let s = show(t, slug, 100).await;
    let tt = s.section(t, "General", 2500, capacity, json!({})).await;
    let (_, buyer) = t.user(&s.t, "attendee", "bea").await;
    (s, tt, buyer)
}

pub(crate) async fn order(t: &TestApp, s: &Show, tt: &Value, buyer: &str, quantity: u32, key: &str) -> Resp {
    t.call_with_headers(
        reqwest::Method::POST,
        Some(&s.t),
        Some(buyer),
        "/api/v1/orders",
        Some(json!({"session_id": s.session_id, "items": [{"ticket_type_id": tt["id"], "quantity": quantity}]})),
        &[("Idempotency-Key", key)],
    )
    .await
}

#[tokio::test]
async fn a_card_payment_flows_from_payment_intent_to_checked_in_ticket() {
    let (standin, seen) = stripe_standin().await;
    let t = stripe_app(&standin).await;
    let (s, tt, buyer) = priced_show(&t, "cards", 10).await;
    let providers = t.get(&s.t, Some(&buyer), "/api/v1/payments/providers").await.ok(200);
    assert_eq!(providers["stripe_configured"], true);
    assert_eq!(providers["tenant_default"], "stripe");
    assert_eq!(providers["stripe_publishable_key"], "pk_test_standin", "the browser's key for Stripe.js");

    let o = order(&t, &s, &tt, &buyer, 2, "k-1").await.ok(201);
    assert_eq!((o["status"].as_str(), o["provider"].as_str()), (Some("pending"), Some("stripe")));
    let pi = o["payment_ref"].as_str().unwrap().to_owned();
    assert!(pi.starts_with("pi_") && o["client_secret"].as_str().unwrap().starts_with(&pi), "{o}");
    let calls = seen.calls("payment_intents");
    assert_eq!(calls.len(), 1);
    let (f, key) = &calls[0];
    assert_eq!((f["amount"].as_str(), f["currency"].as_str()), ("5000", "eur"));
    assert_eq!(f["metadata[order_id]"], o["id"].as_str().unwrap());
    assert_eq!(f["metadata[tenant_id]"], s.t.id.to_string());
    assert_eq!(key.as_deref(), Some(format!("order-{}", o["id"].as_str().unwrap()).as_str()));
    assert!(!f.contains_key("transfer_data[destination]"), "no Connect account: a plain charge");
    // The retry with the same key is the same order and the same payment.
    let again = order(&t, &s, &tt, &buyer, 2, "k-1").await.ok(200);
    assert_eq!((again["id"].clone(), again["payment_ref"].clone()), (o["id"].clone(), o["payment_ref"].clone()));
    assert_eq!(seen.calls("payment_intents").len(), 1, "a replay opens nothing new");
    // Only Stripe confirms card payments.
    t.post(&s.t, Some(&s.t.admin_token), &format!("/api/v1/orders/{}/pay", o["id"].as_str().unwrap()), json!({}))
        .await
        .problem(409, "provider_confirms");

    // Bad deliveries are refused and change nothing.
    let body = succeeded(&o);
    let now = chrono::Utc::now().timestamp();
    let tampered = body.replace("\"amount\":5000", "\"amount\":1");
    for (what, b, sig, code) in [
        ("unsigned", body.clone(), None, "missing_signature"),
        ("other secret", body.clone(), Some(signature(&body, "whsec_other", now)), "invalid_signature"),
        ("tampered", tampered.clone(), Some(signature(&body, WHSEC, now)), "invalid_signature"),
        ("replayed after 10 min", body.clone(), Some(signature(&body, WHSEC, now - 600)), "signature_expired"),
        ("garbage header", body.clone(), Some("t=abc,v1=zz".into()), "invalid_signature"),
    ] {
        let r = deliver(&t, &b, sig).await;
        assert_eq!(r.status.as_u16(), 400, "{what}: {:?}", r.body);
        assert_eq!(r.body["code"], code, "{what}");
    }
    let id = o["id"].as_str().unwrap();
    assert_eq!(t.get(&s.t, Some(&buyer), &format!("/api/v1/orders/{id}")).await.ok(200)["status"], "pending");

    // The real event pays the order and issues its tickets, once.
    let ack = signed(&t, &body).await.ok(200);
    assert_eq!((ack["duplicate"].as_bool(), ack["outcome"].as_str()), (Some(false), Some("paid")));
    let ack = signed(&t, &body).await.ok(200);
    assert_eq!((ack["duplicate"].as_bool(), ack["outcome"].as_str()), (Some(true), Some("duplicate")));
    let paid = t.get(&s.t, Some(&buyer), &format!("/api/v1/orders/{id}")).await.ok(200);
    assert_eq!(paid["status"], "paid");
    assert_eq!(paid["ticket_ids"].as_array().unwrap().len(), 2);
    assert_eq!(t.count(&s.t, "tickets").await, 2);
    let types = t.get(&s.t, None, &format!("/api/v1/sessions/{}/ticket-types", s.session_id)).await.ok(200);
    assert_eq!((types[0]["sold"].as_i64(), types[0]["held"].as_i64()), (Some(2), Some(0)));

    // …and the ticket gets in, once.
    let (_, staff) = t.user(&s.t, "staff", "sam").await;
    let ticket = paid["ticket_ids"][0].as_str().unwrap();
    let tok = t.get(&s.t, Some(&buyer), &format!("/api/v1/tickets/{ticket}")).await.ok(200)["token"].clone();
    t.post(&s.t, Some(&staff), "/api/v1/checkin", json!({"token": tok, "gate": "A"})).await.ok(200);
    t.post(&s.t, Some(&staff), "/api/v1/checkin", json!({"token": tok, "gate": "A"}))
        .await
        .problem(409, "already_used");
    assert!(t.outbox(&s.t).await.contains(&"order.paid".to_owned()));
}

#[tokio::test]
async fn refunds_full_and_partial_go_through_stripe_and_void_tickets() {
    let (standin, seen) = stripe_standin().await;
    let t = stripe_app(&standin).await;
    let (s, tt, buyer) = priced_show(&t, "refunds", 10).await;
    let o = order(&t, &s, &tt, &buyer, 3, "r-1").await.ok(201);
    signed(&t, &succeeded(&o)).await.ok(200);
    let id = o["id"].as_str().unwrap();
    let tickets: Vec<String> = t.get(&s.t, Some(&buyer), &format!("/api/v1/orders/{id}")).await.ok(200)["ticket_ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect();
    let refund = format!("/api/v1/orders/{id}/refund");

    // Who may refund: not the buyer, not another tenant.
    t.post(&s.t, Some(&buyer), &refund, json!({})).await.problem(403, "forbidden");
    let other = t.tenant("other-refunds").await;
    t.post(&other, Some(&other.admin_token), &refund, json!({})).await.problem(404, "not_found");
    // Bad input changes nothing.
    let p = t
        .post(&s.t, Some(&s.organizer), &refund, json!({"amount_minor": 7501}))
        .await
        .problem(422, "validation_failed");
    assert_eq!((p["field"].as_str(), p["errors"][0]["code"].as_str()), (Some("amount_minor"), Some("out_of_range")));
    let p = t
        .post(&s.t, Some(&s.organizer), &refund, json!({"ticket_ids": [Uuid::new_v4()]}))
        .await
        .problem(422, "validation_failed");
    assert_eq!((p["field"].as_str(), p["errors"][0]["code"].as_str()), (Some("ticket_ids"), Some("unknown_ticket")));
    assert!(seen.calls("refunds").is_empty());

    // One ticket back: 25.00 through Stripe's Refund API, the ticket void, its stock free.
    let r = t.post(&s.t, Some(&s.organizer), &refund, json!({"ticket_ids": [tickets[0]]})).await.ok(201);
    assert_eq!((r["amount_minor"].as_i64(), r["status"].as_str()), (Some(2500), Some("succeeded")));
    let calls = seen.calls("refunds");
    assert_eq!(calls.len(), 1);
    assert_eq!(
        (calls[0].0["amount"].as_str(), calls[0].0["payment_intent"].as_str()),
        ("2500", o["payment_ref"].as_str().unwrap())
    );
    assert_eq!(calls[0].1.as_deref(), Some(format!("refund-{}", r["id"].as_str().unwrap()).as_str()));
    let t0 = t.get(&s.t, Some(&buyer), &format!("/api/v1/tickets/{}", tickets[0])).await.ok(200);
    assert_eq!(t0["status"], "void");
    let types = t.get(&s.t, None, &format!("/api/v1/sessions/{}/ticket-types", s.session_id)).await.ok(200);
    assert_eq!(types[0]["sold"], 2);
    t.post(&s.t, Some(&s.organizer), &refund, json!({"ticket_ids": [tickets[0]]})).await.problem(409, "ticket_void");

    // The rest: the order is refunded, every ticket void.
    let r = t.post(&s.t, Some(&s.organizer), &refund, json!({})).await.ok(201);
    assert_eq!(r["amount_minor"], 5000);
    let after = t.get(&s.t, Some(&buyer), &format!("/api/v1/orders/{id}")).await.ok(200);
    assert_eq!((after["status"].as_str(), after["refunded_minor"].as_i64()), (Some("refunded"), Some(7500)));
    t.post(&s.t, Some(&s.organizer), &refund, json!({})).await.problem(409, "order_not_paid");
    let list = t.get(&s.t, Some(&buyer), &format!("/api/v1/orders/{id}/refunds")).await.ok(200);
    assert_eq!(list.as_array().unwrap().len(), 2);
    // Stripe's own charge.refunded for what we refunded changes nothing more.
    let charge = json!({"id": "ch_1", "object": "charge", "payment_intent": o["payment_ref"], "amount": 7500,
        "amount_refunded": 7500, "currency": "eur", "refunded": true, "metadata": {}});
    let ack = signed(&t, &event("charge.refunded", charge)).await.ok(200);
    assert_eq!(ack["outcome"], "refund_known");
    assert_eq!(
        t.get(&s.t, Some(&buyer), &format!("/api/v1/orders/{id}/refunds")).await.ok(200).as_array().unwrap().len(),
        2
    );
}

#[tokio::test]
async fn a_payment_after_expiry_reseats_when_stock_remains_and_is_refunded_when_not() {
    let (standin, seen) = stripe_standin().await;
    let t = stripe_app(&standin).await;
    let (s, tt, buyer) = priced_show(&t, "late", 1).await;
    let schema = taquilla_store::schema_name(s.t.id);
    let late = order(&t, &s, &tt, &buyer, 1, "l-1").await.ok(201);
    t.sql(&format!("UPDATE {schema}.orders SET expires_at = now() - interval '1 minute'")).await;
    // Stock remains (nobody else bought): the late payment re-seats the order.
    let ack = signed(&t, &succeeded(&late)).await.ok(200);
    assert_eq!(ack["outcome"], "reseated");
    let v = t.get(&s.t, Some(&buyer), &format!("/api/v1/orders/{}", late["id"].as_str().unwrap())).await.ok(200);
    assert_eq!((v["status"].as_str(), v["ticket_ids"].as_array().unwrap().len()), (Some("paid"), 1));

    // Capacity 1, now sold: a second buyer's expired order can't be re-seated.
    let (s2, tt2, buyer2) = priced_show(&t, "late2", 1).await;
    let first = order(&t, &s2, &tt2, &buyer2, 1, "l-2").await.ok(201);
    let schema2 = taquilla_store::schema_name(s2.t.id);
    t.sql(&format!("UPDATE {schema2}.orders SET expires_at = now() - interval '1 minute'")).await;
    let (_, rival) = t.user(&s2.t, "attendee", "rita").await;
    let o2 = order(&t, &s2, &tt2, &rival, 1, "l-3").await.ok(201);
    signed(&t, &succeeded(&o2)).await.ok(200);
    let ack = signed(&t, &succeeded(&first)).await.ok(200);
    assert_eq!(ack["outcome"], "refunded_late");
    let v = t.get(&s2.t, Some(&buyer2), &format!("/api/v1/orders/{}", first["id"].as_str().unwrap())).await.ok(200);
    assert_eq!((v["status"].as_str(), v["refunded_minor"].as_i64()), (Some("expired"), Some(2500)));
    assert!(v["ticket_ids"].as_array().unwrap().is_empty());
    let refunds = seen.calls("refunds");
    assert_eq!(refunds.len(), 1);
    assert_eq!(refunds[0].0["payment_intent"], first["payment_ref"].as_str().unwrap());
    let types = t.get(&s2.t, None, &format!("/api/v1/sessions/{}/ticket-types", s2.session_id)).await.ok(200);
    assert_eq!((types[0]["sold"].as_i64(), types[0]["held"].as_i64()), (Some(1), Some(0)), "never oversold");
}

#[tokio::test]
async fn declines_disputes_connect_and_a_stripe_outage() {
    let (standin, seen) = stripe_standin().await;
    let t = stripe_app(&standin).await;
    let (s, tt, buyer) = priced_show(&t, "edge", 10).await;
    // Connect: the tenant's account gets the money less 2.5%.
    let mut settings = t.get(&s.t, Some(&s.t.admin_token), "/api/v1/settings").await.ok(200);
    settings["stripe_account_id"] = json!("acct_1Tenant");
    t.put(&s.t, Some(&s.t.admin_token), "/api/v1/settings", settings.clone()).await.ok(200);
    settings["stripe_account_id"] = json!("not-an-account");
    let p = t.put(&s.t, Some(&s.t.admin_token), "/api/v1/settings", settings).await.problem(422, "validation_failed");
    assert_eq!(
        (p["field"].as_str(), p["errors"][0]["code"].as_str()),
        (Some("stripe_account_id"), Some("invalid_account"))
    );
    let o = order(&t, &s, &tt, &buyer, 4, "e-1").await.ok(201);
    let (f, _) = seen.calls("payment_intents").pop().unwrap();
    assert_eq!(
        (f["transfer_data[destination]"].as_str(), f["application_fee_amount"].as_str()),
        ("acct_1Tenant", "250")
    );

    // A declined card: still pending, the reason kept.
    let mut pi = payment_intent(o["payment_ref"].as_str().unwrap(), 10000, "eur", json!({}), "requires_payment_method");
    pi["last_payment_error"] =
        json!({"type": "card_error", "code": "card_declined", "message": "Your card was declined."});
    assert_eq!(signed(&t, &event("payment_intent.payment_failed", pi)).await.ok(200)["outcome"], "payment_failed");
    let v = t.get(&s.t, Some(&buyer), &format!("/api/v1/orders/{}", o["id"].as_str().unwrap())).await.ok(200);
    assert_eq!((v["status"].as_str(), v["payment_error"].as_str()), (Some("pending"), Some("Your card was declined.")));
    // A payment of another amount never pays the order.
    let mut wrong: Value = serde_json::from_str(&succeeded(&o)).unwrap();
    wrong["data"]["object"]["amount_received"] = json!(1);
    wrong["data"]["object"]["amount"] = json!(1);
    assert_eq!(signed(&t, &wrong.to_string()).await.ok(200)["outcome"], "amount_mismatch");
    signed(&t, &succeeded(&o)).await.ok(200);
    // A dispute is recorded for the tenant to answer.
    let dispute = json!({"id": "dp_1", "object": "dispute", "amount": 10000, "charge": "ch_1",
        "payment_intent": o["payment_ref"], "reason": "fraudulent", "status": "needs_response", "currency": "eur"});
    assert_eq!(signed(&t, &event("charge.dispute.created", dispute)).await.ok(200)["outcome"], "dispute_recorded");
    assert!(t.outbox(&s.t).await.contains(&"order.disputed".to_owned()));
    // An event about someone else's payment is acknowledged and ignored.
    let stranger = payment_intent("pi_not_ours", 100, "eur", json!({}), "succeeded");
    assert_eq!(signed(&t, &event("payment_intent.succeeded", stranger)).await.ok(200)["outcome"], "ignored");

    // Stripe down: the order is kept, the request says so; the retry with
    // the same key opens the payment once Stripe is back.
    standin.reset().await;
    Mock::given(method("POST")).respond_with(ResponseTemplate::new(500)).mount(&standin).await;
    order(&t, &s, &tt, &buyer, 1, "e-2").await.problem(503, "payment_provider_unavailable");
    standin.reset().await;
    let (standin2, _) = (standin, ());
    Mock::given(method("POST"))
        .and(path("/v1/payment_intents"))
        .respond_with(ResponseTemplate::new(200).set_body_json(payment_intent(
            "pi_back",
            2500,
            "eur",
            json!({}),
            "requires_payment_method",
        )))
        .mount(&standin2)
        .await;
    let back = order(&t, &s, &tt, &buyer, 1, "e-2").await.ok(200);
    assert_eq!((back["payment_ref"].as_str(), back["status"].as_str()), (Some("pi_back"), Some("pending")));
    assert_eq!(t.count(&s.t, "orders").await, 2, "the outage created no extra order");
}

#[tokio::test]
async fn without_stripe_only_free_and_manual_are_offered() {
    let t = spawn_app().await;
    let (s, _tt, buyer) = priced_show(&t, "nostripe", 10).await;
    let p = t.get(&s.t, Some(&buyer), "/api/v1/payments/providers").await.ok(200);
    assert_eq!(
        p,
        json!({"offered": ["free", "manual"], "stripe_configured": false, "tenant_default": "manual", "stripe_publishable_key": null})
    );
    let mut settings = t.get(&s.t, Some(&s.t.admin_token), "/api/v1/settings").await.ok(200);
    settings["payment_provider"] = json!("stripe");
    let p = t.put(&s.t, Some(&s.t.admin_token), "/api/v1/settings", settings).await.problem(422, "validation_failed");
    assert_eq!(p["errors"][0]["code"], "provider_unavailable");
    let body = event("payment_intent.succeeded", json!({"id": "pi_1", "object": "payment_intent"}));
    let r = signed(&t, &body).await;
    assert_eq!((r.status.as_u16(), r.body["code"].as_str()), (404, Some("stripe_not_configured")));
}
