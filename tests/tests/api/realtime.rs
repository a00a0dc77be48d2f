//! Live stock changes reach subscribers on other instances, through
//! PostgreSQL LISTEN/NOTIFY and through Redis.

use std::time::Duration;

use futures_util::StreamExt;
use serde_json::json;
use taquilla_store::StockNote;
use taquilla_tests::*;

use crate::ticketing::show;

fn redis_url() -> String {
    std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

/// A hold made through the HTTP API of instance A is seen by a subscriber of
/// instance B (another `Realtime` on the same backend, as a second server has).
async fn holds_reach_another_instance(fanout: Fanout) {
    let t = spawn_app_full(test_config(), Some(fanout.clone())).await;
    let other_instance = fanout.connect(&t.db.url).await;
    let s = show(&t, "live", 100).await;
    let ga = s.section(&t, "General", 0, 10, json!({})).await;
    let vip = s.section(&t, "Boxes", 0, 0, json!({"seated": true})).await;
    let seats = t
        .put(
            &s.t,
            Some(&s.organizer),
            &format!("/api/v1/ticket-types/{}/seats", vip["id"].as_str().unwrap()),
            json!({"seats": [{"row": "A", "number": 1}, {"row": "A", "number": 2}]}),
        )
        .await
        .ok(200);
    let session_id: uuid::Uuid = s.session_id.parse().unwrap();
    let mut feed = Box::pin(other_instance.subscribe(s.t.id, session_id));
    let mut other_tenant_feed = Box::pin(other_instance.subscribe(uuid::Uuid::now_v7(), session_id));

    let (_, ana) = t.user(&s.t, "attendee", "ana").await;
    let seat = seats[0]["id"].as_str().unwrap();
    t.post(
        &s.t,
        Some(&ana),
        "/api/v1/holds",
        json!({"session_id": s.session_id, "items": [{"ticket_type_id": ga["id"], "quantity": 3}, {"ticket_type_id": vip["id"], "seat_ids": [seat]}]}),
    )
    .await
    .ok(201);
    let mut seen = Vec::new();
    while seen.len() < 3 {
        let msg = tokio::time::timeout(Duration::from_secs(10), feed.next())
            .await
            .expect("no realtime message")
            .expect("feed ended");
        seen.extend(msg.notes.clone());
    }
    assert!(
        seen.iter().any(
            |n| matches!(n, StockNote::Seat { seat_id, state, .. } if seat_id.to_string() == seat && state == "held")
        ),
        "{seen:?}"
    );
    assert!(
        seen.iter().any(|n| matches!(n, StockNote::Availability { ticket_type_id, held: 3, sold: 0, capacity: 10, .. } if Some(ticket_type_id.to_string().as_str()) == ga["id"].as_str())),
        "{seen:?}"
    );
    // Other tenants' subscribers hear nothing of it.
    assert!(tokio::time::timeout(Duration::from_millis(300), other_tenant_feed.next()).await.is_err());
}

#[tokio::test]
async fn realtime_crosses_instances_through_postgres() {
    holds_reach_another_instance(Fanout::Postgres).await;
}

#[tokio::test]
async fn realtime_crosses_instances_through_redis() {
    holds_reach_another_instance(Fanout::Redis(redis_url())).await;
}

#[tokio::test]
async fn a_rolled_back_sale_announces_nothing() {
    let t = spawn_app().await;
    let s = show(&t, "quiet", 100).await;
    let ga = s.section(&t, "General", 0, 1, json!({})).await;
    let session_id: uuid::Uuid = s.session_id.parse().unwrap();
    let mut feed = Box::pin(t.app.realtime.subscribe(s.t.id, session_id));
    let (_, ana) = t.user(&s.t, "attendee", "ana").await;
    t.post(
        &s.t,
        Some(&ana),
        "/api/v1/holds",
        json!({"session_id": s.session_id, "items": [{"ticket_type_id": ga["id"], "quantity": 2}]}),
    )
    .await
    .problem(409, "sold_out");
    assert!(
        tokio::time::timeout(Duration::from_millis(300), feed.next()).await.is_err(),
        "a failed claim must not be announced"
    );
}
