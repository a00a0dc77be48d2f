//! Subscription fan-out benchmark (`bench/fanout.sh` runs it against a
//! release server): N GraphQL subscribers (graphql-transport-ws) on one
//! session's `seatChanged`, then ROUNDS seat changes (a hold, then its
//! release) made through REST. For each change it measures, per subscriber,
//! the time from just before the REST request is sent until that subscriber
//! has the event, and prints one line of `key=value` results:
//! `subscribers changes p50_ms p99_ms max_ms last_p50_ms last_p99_ms lost`
//! (`last_*`: the time until the LAST subscriber of a change had it, over the
//! changes).
//!
//! Usage: fanout BASE_URL TENANT ADMIN_EMAIL ADMIN_PASSWORD [SUBSCRIBERS] [ROUNDS]

use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

type Res<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

struct Api {
    http: reqwest::Client,
    base: String,
    tenant: String,
}

impl Api {
    async fn call(&self, method: reqwest::Method, token: &str, path: &str, body: Option<Value>) -> Res<Value> {
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.base))
            .header("X-Tenant", &self.tenant)
            .bearer_auth(token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await?;
        let status = resp.status();
        let text = resp.text().await?;
        if !status.is_success() {
            return Err(format!("{path}: {status} {text}").into());
        }
        Ok(if text.is_empty() { Value::Null } else { serde_json::from_str(&text)? })
    }

    async fn login(&self, email: &str, password: &str) -> Res<String> {
        let r = self
            .call(reqwest::Method::POST, "", "/api/v1/auth/login", Some(json!({"email": email, "password": password})))
            .await?;
        Ok(r["access_token"].as_str().ok_or("no access_token")?.to_owned())
    }
}

fn id(v: &Value) -> Res<String> {
    Ok(v["id"].as_str().ok_or("no id")?.to_owned())
}

/// An event with a session on sale and one seated section of one seat.
async fn seed(api: &Api, admin: &str) -> Res<(String, String, String)> {
    use reqwest::Method;
    let ev = api
        .call(
            Method::POST,
            admin,
            "/api/v1/events",
            Some(json!({"title": "Fan-out", "description": "Subscribers", "category": "music", "venue": "Arena",
                "status": "published", "starts_at": "2030-06-01T18:00:00Z", "ends_at": "2030-06-01T23:00:00Z",
                "timezone": "Europe/Madrid"})),
        )
        .await?;
    let event_id = id(&ev)?;
    let sess = api
        .call(
            Method::POST,
            admin,
            &format!("/api/v1/events/{event_id}/sessions"),
            Some(json!({"title": "Night", "venue": "Arena", "starts_at": "2030-06-01T19:00:00Z",
                "ends_at": "2030-06-01T22:00:00Z", "capacity": 10})),
        )
        .await?;
    let session_id = id(&sess)?;
    for st in ["teaser", "presale", "on_sale"] {
        api.call(
            Method::PATCH,
            admin,
            &format!("/api/v1/events/{event_id}/sessions/{session_id}"),
            Some(json!({"status": st})),
        )
        .await?;
    }
    let tt = api
        .call(
            Method::POST,
            admin,
            &format!("/api/v1/sessions/{session_id}/ticket-types"),
            Some(json!({"name": "Boxes", "price_minor": 0, "currency": "EUR", "capacity": 0, "seated": true})),
        )
        .await?;
    let seats = api
        .call(
            Method::PUT,
            admin,
            &format!("/api/v1/ticket-types/{}/seats", id(&tt)?),
            Some(json!({"seats": [{"row": "A", "number": 1}]})),
        )
        .await?;
    Ok((session_id, id(&tt)?, id(&seats[0])?))
}

/// One subscriber: connects, authenticates, subscribes, then reports the
/// instant each `next` arrives.
async fn subscriber(
    ws_url: String,
    init: Value,
    subscribe: Value,
    ready: mpsc::Sender<()>,
    got: mpsc::UnboundedSender<Instant>,
) -> Res<()> {
    let mut request = ws_url.into_client_request()?;
    request.headers_mut().insert("Sec-WebSocket-Protocol", "graphql-transport-ws".parse()?);
    let (mut ws, _) = tokio_tungstenite::connect_async(request).await?;
    ws.send(Message::Text(init.to_string().into())).await?;
    loop {
        match ws.next().await {
            Some(Ok(Message::Text(t))) if t.contains("connection_ack") => break,
            Some(Ok(Message::Text(t))) => return Err(format!("before the ack: {t}").into()),
            Some(Ok(_)) => continue,
            other => return Err(format!("closed before the ack: {other:?}").into()),
        }
    }
    ws.send(Message::Text(subscribe.to_string().into())).await?;
    ready.send(()).await?;
    while let Some(msg) = ws.next().await {
        match msg? {
            Message::Text(t) if t.contains("\"next\"") => {
                got.send(Instant::now())?;
            }
            Message::Text(t) => return Err(format!("unexpected: {t}").into()),
            Message::Close(c) => return Err(format!("closed: {c:?}").into()),
            _ => {}
        }
    }
    Ok(())
}

fn pct(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((p / 100.0) * (sorted.len() as f64 - 1.0)).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

#[tokio::main]
async fn main() -> Res<()> {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 5 {
        return Err("usage: fanout BASE_URL TENANT ADMIN_EMAIL ADMIN_PASSWORD [SUBSCRIBERS] [ROUNDS]".into());
    }
    let n: usize = args.get(5).map(|s| s.parse()).transpose()?.unwrap_or(1000);
    let rounds: usize = args.get(6).map(|s| s.parse()).transpose()?.unwrap_or(10);
    let api = Api { http: reqwest::Client::new(), base: args[1].clone(), tenant: args[2].clone() };
    let admin = api.login(&args[3], &args[4]).await?;
    let (session_id, tt_id, seat_id) = seed(&api, &admin).await?;

    let ws_url = format!("{}/graphql/ws", api.base.replacen("http", "ws", 1));
    let init = json!({"type": "connection_init", "payload": {"tenant": api.tenant, "authorization": format!("Bearer {admin}")}});
    let subscribe = json!({"id": "s", "type": "subscribe",
        "payload": {"query": format!("subscription {{ seatChanged(sessionId: \"{session_id}\") {{ seatId state }} }}")}});
    let (ready_tx, mut ready_rx) = mpsc::channel(n);
    let (got_tx, mut got_rx) = mpsc::unbounded_channel();
    let mut tasks = Vec::with_capacity(n);
    for i in 0..n {
        let (u, a, b, r, g) = (ws_url.clone(), init.clone(), subscribe.clone(), ready_tx.clone(), got_tx.clone());
        tasks.push(tokio::spawn(async move {
            if let Err(e) = subscriber(u, a, b, r, g).await {
                eprintln!("subscriber {i}: {e}");
            }
        }));
        if i % 100 == 99 {
            // Connect in waves, as clients of a real page load would.
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    drop((ready_tx, got_tx));
    for _ in 0..n {
        tokio::time::timeout(Duration::from_secs(60), ready_rx.recv()).await?.ok_or("a subscriber failed to start")?;
    }
    // Subscribed is sent; give the server a moment to register the last ones.
    tokio::time::sleep(Duration::from_secs(1)).await;

    let mut all = Vec::with_capacity(n * rounds * 2);
    let mut last = Vec::with_capacity(rounds * 2);
    let mut lost = 0usize;
    let hold_body = json!({"session_id": session_id, "items": [{"ticket_type_id": tt_id, "seat_ids": [seat_id]}]});
    for _ in 0..rounds {
        let mut hold_id = String::new();
        for change in ["hold", "release"] {
            let t0 = Instant::now();
            if change == "hold" {
                hold_id =
                    id(&api.call(reqwest::Method::POST, &admin, "/api/v1/holds", Some(hold_body.clone())).await?)?;
            } else {
                api.call(reqwest::Method::DELETE, &admin, &format!("/api/v1/holds/{hold_id}"), None).await?;
            }
            let mut times = Vec::with_capacity(n);
            while times.len() < n {
                match tokio::time::timeout(Duration::from_secs(5), got_rx.recv()).await {
                    Ok(Some(t)) => times.push(t.duration_since(t0).as_secs_f64() * 1000.0),
                    _ => break,
                }
            }
            lost += n - times.len();
            if let Some(m) = times.iter().cloned().reduce(f64::max) {
                last.push(m);
            }
            all.extend(times);
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
    all.sort_by(f64::total_cmp);
    last.sort_by(f64::total_cmp);
    println!(
        "subscribers={n} changes={} p50_ms={:.1} p99_ms={:.1} max_ms={:.1} last_p50_ms={:.1} last_p99_ms={:.1} lost={lost}",
        rounds * 2,
        pct(&all, 50.0),
        pct(&all, 99.0),
        all.last().copied().unwrap_or(f64::NAN),
        pct(&last, 50.0),
        pct(&last, 99.0),
    );
    for t in tasks {
        t.abort();
    }
    Ok(())
}
