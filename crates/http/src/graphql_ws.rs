//! GraphQL subscriptions over WebSocket at `/graphql/ws`.
//!
//! async-graphql runs the protocol (`async_graphql::http::WebSocket`); this
//! module owns the socket so the close codes are the ones
//! graphql-transport-ws specifies, which async-graphql's own actix actor does
//! not send: a rejected `connection_init` closes with 4403 Forbidden (not
//! 1002), `subscribe` before the ack with 4401 Unauthorized, a message that
//! is not valid protocol JSON with 4400, no `connection_init` within the
//! init timeout with 4408, and a second `subscribe` reusing a live id with
//! 4409. The older `graphql-ws` (subscriptions-transport-ws) protocol is
//! accepted too, with its own in-band `connection_error`.
//!
//! Browsers cannot set headers on a WebSocket, so the tenant and the token
//! may come in `connection_init`'s payload (`{"tenant": "<slug>",
//! "authorization": "Bearer <jwt>"}`); otherwise the upgrade request's
//! `X-Tenant`/subdomain and `Authorization` count.

use std::collections::HashSet;
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use actix_ws::{CloseCode, CloseReason, Message, MessageStream, Session};
use async_graphql::http::{WebSocket, WebSocketProtocols, WsMessage};
use futures_util::StreamExt;
use serde::Deserialize;
use taquilla_graphql::{Caller, TaquillaSchema};
use taquilla_services::App;
use tokio::sync::mpsc;
use tokio::time::{interval, sleep, Instant};

use crate::extract::{bearer_token, named_tenant};

/// How long a client may take to send `connection_init`.
const INIT_TIMEOUT: Duration = Duration::from_secs(10);
/// A WebSocket ping this often; a peer silent for `IDLE_LIMIT` is gone.
const HEARTBEAT: Duration = Duration::from_secs(15);
const IDLE_LIMIT: Duration = Duration::from_secs(45);
/// Largest client message (a subscription document with variables).
const MAX_FRAME: usize = 64 * 1024;

pub async fn subscriptions(
    req: HttpRequest,
    payload: web::Payload,
    app: web::Data<App>,
    schema: web::Data<TaquillaSchema>,
) -> actix_web::Result<HttpResponse> {
    let protocol = req
        .headers()
        .get_all(header::SEC_WEBSOCKET_PROTOCOL)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .find_map(|p| WebSocketProtocols::from_str(p.trim()).ok())
        .ok_or_else(|| {
            actix_web::error::ErrorBadRequest("Sec-WebSocket-Protocol must offer graphql-transport-ws or graphql-ws")
        })?;
    let (response, session, stream) =
        actix_ws::handle_with_protocols(&req, payload, &["graphql-transport-ws", "graphql-ws"])?;
    let header_token = bearer_token(&req).ok().flatten();
    let header_slug = named_tenant(&req, &app.config.base_domain).ok().flatten();
    let connection = Connection {
        app: app.into_inner(),
        schema: TaquillaSchema::clone(&schema),
        protocol,
        header_token,
        header_slug,
    };
    actix_web::rt::spawn(connection.run(session, stream.max_frame_size(MAX_FRAME)));
    Ok(response)
}

struct Connection {
    app: Arc<App>,
    schema: TaquillaSchema,
    protocol: WebSocketProtocols,
    header_token: Option<String>,
    header_slug: Option<String>,
}

/// The fields of a protocol message this module looks at.
#[derive(Deserialize)]
struct Envelope<'a> {
    #[serde(rename = "type", borrow)]
    kind: &'a str,
    #[serde(borrow, default)]
    id: Option<&'a str>,
}

impl Connection {
    async fn run(self, mut session: Session, mut incoming: MessageStream) {
        let transport_ws = self.protocol == WebSocketProtocols::GraphQLWS;
        let rejected = Arc::new(AtomicBool::new(false));
        let (to_graphql, from_client) = mpsc::channel::<String>(16);
        let Connection { app, schema, protocol, header_token, header_slug } = self;
        let init_rejected = rejected.clone();
        let mut graphql = WebSocket::new(schema, stream_of(from_client), protocol)
            .on_connection_init(move |init: serde_json::Value| {
                authenticate(app, init, header_token, header_slug, init_rejected)
            })
            .boxed();
        let mut live: HashSet<String> = HashSet::new();
        let mut acked = false;
        let init_deadline = sleep(INIT_TIMEOUT);
        tokio::pin!(init_deadline);
        let mut heartbeat = interval(HEARTBEAT);
        let mut last_heard = Instant::now();

        let close = loop {
            tokio::select! {
                msg = incoming.recv() => {
                    let text = match msg {
                        Some(Ok(Message::Text(t))) => t.to_string(),
                        Some(Ok(Message::Binary(b))) => match String::from_utf8(b.to_vec()) {
                            Ok(t) => t,
                            Err(_) => break close(4400, "messages must be UTF-8 JSON"),
                        },
                        Some(Ok(Message::Ping(p))) => {
                            last_heard = Instant::now();
                            if session.pong(&p).await.is_err() { return; }
                            continue;
                        }
                        Some(Ok(Message::Pong(_))) => { last_heard = Instant::now(); continue; }
                        Some(Ok(Message::Continuation(_))) => break close(4400, "fragmented messages are not supported"),
                        Some(Ok(Message::Nop)) => continue,
                        Some(Ok(Message::Close(_))) | None => break None,
                        Some(Err(e)) => break close(1002, &e.to_string()),
                    };
                    last_heard = Instant::now();
                    if transport_ws {
                        match serde_json::from_str::<Envelope>(&text) {
                            Ok(Envelope { kind: "subscribe", id: Some(id) }) => {
                                if !live.insert(id.to_owned()) {
                                    break close(4409, &format!("Subscriber for {id} already exists"));
                                }
                            }
                            Ok(Envelope { kind: "complete", id: Some(id) }) => { live.remove(id); }
                            Ok(_) => {}
                            Err(e) => break close(4400, &format!("invalid message: {e}")),
                        }
                    }
                    if to_graphql.send(text).await.is_err() { break None; }
                }
                out = graphql.next() => match out {
                    Some(WsMessage::Text(text)) => {
                        if transport_ws {
                            if let Ok(env) = serde_json::from_str::<Envelope>(&text) {
                                match (env.kind, env.id) {
                                    ("connection_ack", _) => acked = true,
                                    ("complete" | "error", Some(id)) => { live.remove(id); }
                                    _ => {}
                                }
                            }
                        } else if text.contains("connection_ack") {
                            acked = true;
                        }
                        if session.text(text).await.is_err() { return; }
                    }
                    Some(WsMessage::Close(code, reason)) => {
                        break Some(match code {
                            1002 if rejected.load(Ordering::Relaxed) => reason_of(4403, &format!("Forbidden: {reason}")),
                            1002 => reason_of(4400, &reason),
                            1011 => reason_of(4401, "Unauthorized"),
                            _ => reason_of(code, &reason),
                        });
                    }
                    None => break Some(CloseReason::from(CloseCode::Normal)),
                },
                _ = &mut init_deadline, if !acked && !rejected.load(Ordering::Relaxed) => {
                    break close(4408, "Connection initialisation timeout");
                }
                _ = heartbeat.tick() => {
                    if last_heard.elapsed() > IDLE_LIMIT { break None; }
                    if session.ping(b"").await.is_err() { return; }
                }
            }
        };
        let _ = session.close(close).await;
    }
}

fn reason_of(code: u16, description: &str) -> CloseReason {
    // A close frame's reason is at most 123 bytes.
    let mut d = description.to_owned();
    while d.len() > 123 {
        d.pop();
    }
    CloseReason { code: CloseCode::from(code), description: Some(d) }
}

fn close(code: u16, description: &str) -> Option<CloseReason> {
    Some(reason_of(code, description))
}

/// The client's messages as the stream async-graphql reads.
fn stream_of(rx: mpsc::Receiver<String>) -> impl futures_util::Stream<Item = String> + Send {
    futures_util::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|v| (v, rx)) })
}

/// `connection_init`: the tenant and the token from its payload, else from
/// the upgrade request; a refusal marks the connection for 4403.
async fn authenticate(
    app: Arc<App>,
    init: serde_json::Value,
    header_token: Option<String>,
    header_slug: Option<String>,
    rejected: Arc<AtomicBool>,
) -> async_graphql::Result<async_graphql::Data> {
    let field = |names: &[&str]| names.iter().find_map(|n| init.get(*n).and_then(|v| v.as_str()).map(str::to_owned));
    let slug = field(&["tenant", "X-Tenant", "x-tenant"]).or(header_slug);
    let token = field(&["authorization", "Authorization", "token"])
        .map(|t| t.strip_prefix("Bearer ").map(str::to_owned).unwrap_or(t))
        .or(header_token);
    let caller = Caller::resolve(&app, slug.as_deref(), token.as_deref()).await.map_err(|e| {
        rejected.store(true, Ordering::Relaxed);
        async_graphql::Error::new(format!("{}: {}", e.code, e.message))
    })?;
    let mut data = async_graphql::Data::default();
    data.insert(app);
    data.insert(caller);
    Ok(data)
}
