//! A webhook receiver for `bench/webhooks.sh`: verifies every POST with the
//! Standard Webhooks reference verifier (when WEBHOOK_SECRET is set), answers
//! 204, and counts. `GET /count` prints `verified rejected duplicates`
//! for `/hook`; `/ceiling` does the same work and is counted apart (the
//! bench loads it with wrk to measure what this receiver can take).
//!
//! Usage: WEBHOOK_SECRET=whsec_… webhook_sink PORT

use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};

#[derive(Default)]
struct Counts {
    verified: AtomicU64,
    rejected: AtomicU64,
    duplicates: AtomicU64,
    seen: Mutex<HashSet<String>>,
}

struct Sink {
    verifier: Option<standardwebhooks::Webhook>,
    hook: Counts,
    ceiling: Counts,
}

fn headers(req: &HttpRequest) -> http::HeaderMap {
    let mut map = http::HeaderMap::new();
    for (k, v) in req.headers() {
        if let (Ok(k), Ok(v)) =
            (http::HeaderName::from_bytes(k.as_str().as_bytes()), http::HeaderValue::from_bytes(v.as_bytes()))
        {
            map.append(k, v);
        }
    }
    map
}

fn receive(sink: &Sink, counts: &Counts, req: &HttpRequest, body: &[u8]) -> HttpResponse {
    if let Some(v) = &sink.verifier {
        if v.verify(body, &headers(req)).is_err() {
            counts.rejected.fetch_add(1, Ordering::Relaxed);
            return HttpResponse::BadRequest().finish();
        }
    }
    let id = req.headers().get("webhook-id").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    let fresh = counts.seen.lock().map(|mut s| s.insert(id)).unwrap_or(true);
    if fresh {
        counts.verified.fetch_add(1, Ordering::Relaxed);
    } else {
        counts.duplicates.fetch_add(1, Ordering::Relaxed);
    }
    HttpResponse::NoContent().finish()
}

async fn hook(sink: web::Data<Sink>, req: HttpRequest, body: web::Bytes) -> HttpResponse {
    receive(&sink, &sink.hook, &req, &body)
}

async fn ceiling(sink: web::Data<Sink>, req: HttpRequest, body: web::Bytes) -> HttpResponse {
    // Every wrk request repeats one id: do the set work without growing it.
    let r = receive(&sink, &sink.ceiling, &req, &body);
    if let Ok(mut s) = sink.ceiling.seen.lock() {
        s.clear();
    }
    r
}

async fn count(sink: web::Data<Sink>) -> String {
    let c = &sink.hook;
    format!(
        "{} {} {}\n",
        c.verified.load(Ordering::Relaxed),
        c.rejected.load(Ordering::Relaxed),
        c.duplicates.load(Ordering::Relaxed)
    )
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let port: u16 = std::env::args().nth(1).and_then(|p| p.parse().ok()).unwrap_or(18_099);
    let verifier = std::env::var("WEBHOOK_SECRET")
        .ok()
        .map(|s| standardwebhooks::Webhook::new(&s).map_err(|e| std::io::Error::other(format!("{e:?}"))))
        .transpose()?;
    let sink = web::Data::new(Sink { verifier, hook: Counts::default(), ceiling: Counts::default() });
    HttpServer::new(move || {
        App::new()
            .app_data(sink.clone())
            .route("/hook", web::post().to(hook))
            .route("/ceiling", web::post().to(ceiling))
            .route("/count", web::get().to(count))
    })
    .workers(1)
    .bind(("127.0.0.1", port))?
    .run()
    .await
}
