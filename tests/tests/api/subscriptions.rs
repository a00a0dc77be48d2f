//! Two `taquilla serve` processes on two ports against one database: a hold
//! made through one reaches a GraphQL subscriber of the other, over
//! graphql-transport-ws — through PostgreSQL LISTEN/NOTIFY, and through Redis.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use taquilla_tests::*;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

use crate::ticketing::show;

fn binary() -> PathBuf {
    if let Ok(p) = std::env::var("TAQUILLA_BIN") {
        return p.into();
    }
    let target = std::env::var("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target"));
    target.join("debug/taquilla")
}

pub(crate) struct Server {
    child: Child,
    base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn serve(database_url: &str, secret: &str, redis: Option<&str>) -> Server {
    serve_with(database_url, secret, redis, &[]).await
}

/// `taquilla serve` with extra environment.
pub(crate) async fn serve_with(database_url: &str, secret: &str, redis: Option<&str>, env: &[(&str, &str)]) -> Server {
    let bin = binary();
    assert!(bin.exists(), "{} is missing: `make test` builds it (cargo build -p taquilla)", bin.display());
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut cmd = Command::new(bin);
    cmd.arg("serve")
        .env("DATABASE_URL", database_url)
        .env("TAQUILLA_JWT_SECRET", secret)
        .env("TAQUILLA_BIND", format!("127.0.0.1:{port}"))
        .env("TAQUILLA_WORKERS", "1")
        // Its own limits are tested in-process (ratelimit.rs); here they would only add noise.
        .env("TAQUILLA_RATE_LIMIT", "off")
        .env("TAQUILLA_DB_MAX_CONNECTIONS", "5")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    cmd.envs(env.iter().copied());
    match redis {
        Some(url) => cmd.env("REDIS_URL", url),
        None => cmd.env_remove("REDIS_URL"),
    };
    let server = Server { child: cmd.spawn().unwrap(), base: format!("http://127.0.0.1:{port}") };
    let http = reqwest::Client::new();
    for _ in 0..200 {
        if http.get(format!("{}/healthz", server.base)).send().await.is_ok_and(|r| r.status() == 200) {
            return server;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("taquilla serve did not come up on {}", server.base);
}

async fn next_payload(
    ws: &mut (impl StreamExt<Item = Result<Message, tokio_tungstenite::tungstenite::Error>> + Unpin),
) -> Value {
    loop {
        let msg =
            tokio::time::timeout(Duration::from_secs(10), ws.next()).await.expect("nothing arrived").unwrap().unwrap();
        if let Message::Text(t) = msg {
            let v: Value = serde_json::from_str(&t).unwrap();
            if v["type"] != "ping" && v["type"] != "pong" && v["type"] != "ka" {
                return v;
            }
        }
    }
}

async fn holds_cross_processes(redis: Option<String>) {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let db = fresh_database().await;
    let secret = format!("two-process-secret-{}", uuid::Uuid::new_v4());
    let a = serve(&db.url, &secret, redis.as_deref()).await;
    let b = serve(&db.url, &secret, redis.as_deref()).await;

    // Drive instance A through the usual REST helpers.
    let store = taquilla_store::Store::connect(&db.url, 2).await.unwrap();
    let app = taquilla_services::App::new(store, taquilla_services::Config::for_tests(&secret));
    app.create_platform_admin(
        taquilla_core::text::EmailAddress::parse(PLATFORM_EMAIL).unwrap(),
        taquilla_core::text::Password::parse(PASSWORD).unwrap(),
        "Root",
    )
    .await
    .unwrap();
    let http = reqwest::Client::new();
    let login: Value = http
        .post(format!("{}/api/v1/admin/auth/login", a.base))
        .json(&json!({"email": PLATFORM_EMAIL, "password": PASSWORD}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let port = a.base.rsplit(':').next().unwrap().parse().unwrap();
    let t = TestApp {
        base: a.base.clone(),
        port,
        app,
        http,
        platform_token: login["access_token"].as_str().unwrap().to_owned(),
        db,
    };
    let s = show(&t, "live", 100).await;
    let ga = s.section(&t, "General", 0, 10, json!({})).await;
    let boxes = s.section(&t, "Boxes", 0, 0, json!({"seated": true})).await;
    let seats = t
        .put(
            &s.t,
            Some(&s.organizer),
            &format!("/api/v1/ticket-types/{}/seats", boxes["id"].as_str().unwrap()),
            json!({"seats": [{"row": "A", "number": 1}]}),
        )
        .await
        .ok(200);
    let (_, ana) = t.user(&s.t, "attendee", "ana").await;

    // Subscribe on instance B, authenticating in connection_init.
    let ws_url = format!("{}/graphql/ws", b.base.replace("http://", "ws://"));
    let mut request = ws_url.into_client_request().unwrap();
    request.headers_mut().insert("Sec-WebSocket-Protocol", "graphql-transport-ws".parse().unwrap());
    let (mut ws, response) = tokio_tungstenite::connect_async(request).await.unwrap();
    assert_eq!(response.headers()["sec-websocket-protocol"], "graphql-transport-ws");
    ws.send(Message::Text(
        json!({"type": "connection_init", "payload": {"tenant": "live", "authorization": format!("Bearer {ana}")}})
            .to_string()
            .into(),
    ))
    .await
    .unwrap();
    assert_eq!(next_payload(&mut ws).await["type"], "connection_ack");
    let seat_q = format!("subscription {{ seatChanged(sessionId: \"{}\") {{ seatId state }} }}", s.session_id);
    let avail_q = format!(
        "subscription {{ availabilityChanged(sessionId: \"{}\") {{ ticketTypeId held available }} }}",
        s.session_id
    );
    ws.send(Message::Text(
        json!({"id": "seats", "type": "subscribe", "payload": {"query": seat_q}}).to_string().into(),
    ))
    .await
    .unwrap();
    ws.send(Message::Text(
        json!({"id": "avail", "type": "subscribe", "payload": {"query": avail_q}}).to_string().into(),
    ))
    .await
    .unwrap();
    // Give the subscriptions a moment to be registered before the change.
    tokio::time::sleep(Duration::from_millis(300)).await;

    // Hold through instance A.
    let seat_id = seats[0]["id"].as_str().unwrap();
    t.post(
        &s.t,
        Some(&ana),
        "/api/v1/holds",
        json!({"session_id": s.session_id, "items": [{"ticket_type_id": ga["id"], "quantity": 2}, {"ticket_type_id": boxes["id"], "seat_ids": [seat_id]}]}),
    )
    .await
    .ok(201);
    let mut got_seat = false;
    let mut got_avail = false;
    while !(got_seat && got_avail) {
        let v = next_payload(&mut ws).await;
        assert_eq!(v["type"], "next", "{v}");
        match v["id"].as_str() {
            Some("seats") => {
                let c = &v["payload"]["data"]["seatChanged"];
                assert_eq!((c["seatId"].as_str(), c["state"].as_str()), (Some(seat_id), Some("held")));
                got_seat = true;
            }
            Some("avail") => {
                let c = &v["payload"]["data"]["availabilityChanged"];
                if c["ticketTypeId"] == ga["id"] {
                    assert_eq!((c["held"].as_i64(), c["available"].as_i64()), (Some(2), Some(8)));
                    got_avail = true;
                }
            }
            other => panic!("unexpected message for {other:?}: {v}"),
        }
    }
    // The hold runs out: a server's sweeper releases it, and the seat comes back.
    let schema = taquilla_store::schema_name(s.t.id);
    t.sql(&format!("UPDATE {schema}.holds SET expires_at = now() - interval '1 second'")).await;
    loop {
        let v = next_payload(&mut ws).await;
        if v["id"] == "seats" {
            assert_eq!(v["payload"]["data"]["seatChanged"]["state"], "available", "{v}");
            break;
        }
    }

    // A connection whose credentials do not hold is closed with 4403.
    let closed = closes_with(
        &b.base,
        &[json!({"type": "connection_init", "payload": {"tenant": "live", "authorization": "Bearer forged"}})],
    )
    .await;
    assert_eq!(u16::from(closed.code), 4403, "{closed:?}");
    assert!(closed.reason.contains("invalid_token"), "{}", closed.reason);
    drop(a);
    drop(b);
}

#[tokio::test]
async fn subscriptions_see_another_processes_holds_through_postgres() {
    holds_cross_processes(None).await;
}

#[tokio::test]
async fn subscriptions_see_another_processes_holds_through_redis() {
    holds_cross_processes(Some(std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into()))).await;
}

/// Opens a graphql-transport-ws connection, sends `messages` and returns the
/// close frame the server ends it with.
async fn closes_with(base: &str, messages: &[Value]) -> tokio_tungstenite::tungstenite::protocol::CloseFrame {
    let mut request = format!("{}/graphql/ws", base.replace("http://", "ws://")).into_client_request().unwrap();
    request.headers_mut().insert("Sec-WebSocket-Protocol", "graphql-transport-ws".parse().unwrap());
    let (mut ws, _) = tokio_tungstenite::connect_async(request).await.unwrap();
    for m in messages {
        ws.send(Message::Text(m.to_string().into())).await.unwrap();
    }
    loop {
        match tokio::time::timeout(Duration::from_secs(20), ws.next()).await.expect("the server never closed") {
            Some(Ok(Message::Close(frame))) => return frame.expect("a close frame with a code"),
            Some(Ok(_)) => continue,
            other => panic!("connection ended without a close frame: {other:?}"),
        }
    }
}

/// graphql-transport-ws names a close code for each way a client can break
/// the protocol; the server uses them.
#[tokio::test]
async fn protocol_violations_close_with_graphql_transport_ws_codes() {
    let t = spawn_app().await;
    let fx = t.tenant("proto").await;
    let (_, token) = t.user(&fx, "attendee", "pia").await;
    let init =
        json!({"type": "connection_init", "payload": {"tenant": "proto", "authorization": format!("Bearer {token}")}});
    let sub = |id: &str| json!({"id": id, "type": "subscribe", "payload": {"query": "subscription { seatChanged(sessionId: \"00000000-0000-0000-0000-000000000000\") { seatId } }"}});
    let cases: Vec<(&str, Vec<Value>, u16)> = vec![
        (
            "another tenant's token",
            vec![
                json!({"type": "connection_init", "payload": {"tenant": "nobody", "authorization": format!("Bearer {token}")}}),
            ],
            4403,
        ),
        ("subscribe before connection_init", vec![sub("early")], 4401),
        ("not protocol JSON", vec![json!({"hello": "world"})], 4400),
        ("two connection_init", vec![init.clone(), init.clone()], 4429),
        ("a live subscription id reused", vec![init.clone(), sub("dup"), sub("dup")], 4409),
    ];
    for (what, messages, code) in cases {
        let closed = closes_with(&t.base, &messages).await;
        assert_eq!(u16::from(closed.code), code, "{what}: {closed:?}");
    }

    // No protocol offered: no upgrade.
    let mut request = format!("{}/graphql/ws", t.base.replace("http://", "ws://")).into_client_request().unwrap();
    request.headers_mut().remove("Sec-WebSocket-Protocol");
    assert!(tokio_tungstenite::connect_async(request).await.is_err());
}
