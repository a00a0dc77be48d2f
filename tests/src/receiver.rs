//! A real webhook receiver: an HTTP server on a random port that records
//! every request and answers as a test scripts it (status, delay, body).

use std::collections::{HashMap, VecDeque};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};

/// One scripted answer.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub delay: Duration,
    pub body: String,
    pub location: Option<String>,
}

impl Reply {
    pub fn status(status: u16) -> Self {
        Self { status, delay: Duration::ZERO, body: String::new(), location: None }
    }
    pub fn delayed(mut self, d: Duration) -> Self {
        self.delay = d;
        self
    }
    pub fn body(mut self, b: impl Into<String>) -> Self {
        self.body = b.into();
        self
    }
    pub fn redirect(to: &str) -> Self {
        Self { status: 302, delay: Duration::ZERO, body: String::new(), location: Some(to.to_owned()) }
    }
}

/// A request as it arrived (header names lower-case).
#[derive(Debug, Clone)]
pub struct Received {
    pub path: String,
    pub headers: HashMap<String, String>,
    pub body: Vec<u8>,
}

impl Received {
    pub fn header(&self, name: &str) -> &str {
        self.headers.get(name).map(String::as_str).unwrap_or("")
    }
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or(serde_json::Value::Null)
    }
    pub fn header_map(&self) -> http::HeaderMap {
        let mut h = http::HeaderMap::new();
        for (k, v) in &self.headers {
            if let (Ok(k), Ok(v)) = (http::HeaderName::from_bytes(k.as_bytes()), http::HeaderValue::from_str(v)) {
                h.insert(k, v);
            }
        }
        h
    }
}

#[derive(Default)]
struct State {
    script: VecDeque<Reply>,
    default: Option<Reply>,
    got: Vec<Received>,
}

#[derive(Clone)]
pub struct Receiver {
    pub base: String,
    state: Arc<Mutex<State>>,
    handle: actix_web::dev::ServerHandle,
}

impl Receiver {
    /// Answers 200 unless told otherwise.
    pub async fn start() -> Self {
        let state = Arc::new(Mutex::new(State::default()));
        let s = state.clone();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = HttpServer::new(move || {
            let s = s.clone();
            App::new().default_service(web::to(move |req: HttpRequest, body: web::Bytes| {
                let s = s.clone();
                async move {
                    let reply = {
                        let mut st = s.lock().unwrap();
                        st.got.push(Received {
                            path: req.path().to_owned(),
                            headers: req
                                .headers()
                                .iter()
                                .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or("").to_owned()))
                                .collect(),
                            body: body.to_vec(),
                        });
                        st.script.pop_front().or_else(|| st.default.clone()).unwrap_or(Reply::status(200))
                    };
                    if !reply.delay.is_zero() {
                        tokio::time::sleep(reply.delay).await;
                    }
                    let mut r = HttpResponse::build(actix_web::http::StatusCode::from_u16(reply.status).unwrap());
                    if let Some(l) = &reply.location {
                        r.insert_header(("location", l.as_str()));
                    }
                    r.body(reply.body)
                }
            }))
        })
        .workers(1)
        .disable_signals()
        .shutdown_timeout(0)
        .listen(listener)
        .unwrap()
        .run();
        let handle = server.handle();
        tokio::spawn(server);
        Receiver { base: format!("http://127.0.0.1:{port}"), state, handle }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// The next answers, in order; then the default.
    pub fn script(&self, replies: impl IntoIterator<Item = Reply>) {
        self.state.lock().unwrap().script.extend(replies);
    }

    pub fn set_default(&self, r: Reply) {
        self.state.lock().unwrap().default = Some(r);
    }

    pub fn received(&self) -> Vec<Received> {
        self.state.lock().unwrap().got.clone()
    }

    /// Waits (up to 30 s) until `pred` holds for what arrived.
    pub async fn wait_until(&self, what: &str, pred: impl Fn(&[Received]) -> bool) -> Vec<Received> {
        for _ in 0..600 {
            let got = self.received();
            if pred(&got) {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!(
            "receiver: timed out waiting for {what}; got {:?}",
            self.received().iter().map(|r| r.json()).collect::<Vec<_>>()
        );
    }

    pub async fn stop(&self) {
        self.handle.stop(false).await;
    }
}
