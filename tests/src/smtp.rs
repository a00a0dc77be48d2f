//! A real SMTP server for tests: a tokio TCP server speaking enough of RFC
//! 5321 (EHLO/HELO, MAIL, RCPT, DATA with dot-unstuffing, RSET, NOOP, QUIT)
//! to take mail from lettre, keeping each message as it arrived. It can be
//! stopped (connections refused) and started again on the same port, and
//! told to refuse some recipients for good (550).

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// One message as the server received it.
#[derive(Debug, Clone)]
pub struct Delivered {
    pub helo: String,
    pub mail_from: String,
    pub rcpt_to: Vec<String>,
    /// The message (headers and body) after dot-unstuffing.
    pub data: Vec<u8>,
}

impl Delivered {
    pub fn parsed(&self) -> mail_parser::Message<'_> {
        mail_parser::MessageParser::default().parse(&self.data).expect("a parsable message")
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.data).into_owned()
    }
}

#[derive(Default)]
struct State {
    got: Vec<Delivered>,
    refuse: HashSet<String>,
    /// Connections accepted, ever.
    connections: usize,
}

pub struct SmtpSink {
    pub port: u16,
    state: Arc<Mutex<State>>,
    tasks: Mutex<Vec<JoinHandle<()>>>,
}

impl SmtpSink {
    /// Listens on a free port on 127.0.0.1.
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let sink = SmtpSink { port, state: Arc::default(), tasks: Mutex::new(Vec::new()) };
        sink.serve(listener);
        sink
    }

    /// `smtp://127.0.0.1:<port>` (plain SMTP, no TLS, no auth).
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    fn serve(&self, listener: TcpListener) {
        let state = self.state.clone();
        let accept = tokio::spawn(async move {
            let mut conns = tokio::task::JoinSet::new();
            loop {
                let Ok((stream, _)) = listener.accept().await else { break };
                state.lock().unwrap().connections += 1;
                let s = state.clone();
                // Connections die with the accept task (JoinSet aborts on drop).
                conns.spawn(async move {
                    let _ = session(stream, s).await;
                });
            }
        });
        self.tasks.lock().unwrap().push(accept);
    }

    /// Closes the port and every open connection: clients get refused.
    pub async fn stop(&self) {
        let tasks: Vec<JoinHandle<()>> = std::mem::take(&mut *self.tasks.lock().unwrap());
        for t in tasks {
            t.abort();
            let _ = t.await;
        }
    }

    /// Listens again on the same port.
    pub async fn restart(&self) {
        let mut tries = 0;
        let listener = loop {
            match TcpListener::bind(("127.0.0.1", self.port)).await {
                Ok(l) => break l,
                Err(e) if tries < 50 => {
                    tries += 1;
                    let _ = e;
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(e) => panic!("rebinding SMTP port {}: {e}", self.port),
            }
        };
        self.serve(listener);
    }

    /// Answers `550` to `RCPT TO` for this address.
    pub fn refuse(&self, address: &str) {
        self.state.lock().unwrap().refuse.insert(address.to_lowercase());
    }

    pub fn messages(&self) -> Vec<Delivered> {
        self.state.lock().unwrap().got.clone()
    }

    pub fn connections(&self) -> usize {
        self.state.lock().unwrap().connections
    }

    /// Messages to `address`.
    pub fn to(&self, address: &str) -> Vec<Delivered> {
        self.messages().into_iter().filter(|m| m.rcpt_to.iter().any(|r| r.eq_ignore_ascii_case(address))).collect()
    }

    /// Waits (up to 30 s) until `pred` holds for what arrived.
    pub async fn wait_until(&self, what: &str, pred: impl Fn(&[Delivered]) -> bool) -> Vec<Delivered> {
        for _ in 0..600 {
            let got = self.messages();
            if pred(&got) {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let got = self.messages();
        panic!(
            "SMTP sink: timed out waiting for {what}; got {} message(s) to {:?}",
            got.len(),
            got.iter().map(|m| m.rcpt_to.join(",")).collect::<Vec<_>>()
        );
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        for t in self.tasks.lock().map(|mut t| std::mem::take(&mut *t)).unwrap_or_default() {
            t.abort();
        }
    }
}

fn address(arg: &str) -> String {
    let a = arg.trim();
    let a = a.split_once('<').map(|(_, r)| r).unwrap_or(a);
    let a = a.split_once('>').map(|(l, _)| l).unwrap_or(a);
    a.trim().to_lowercase()
}

async fn session(stream: TcpStream, state: Arc<Mutex<State>>) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read);
    write.write_all(b"220 sink.test ESMTP taquilla-tests\r\n").await?;
    let (mut helo, mut from, mut rcpt) = (String::new(), None::<String>, Vec::<String>::new());
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let cmd = line.trim_end_matches(['\r', '\n']);
        let upper = cmd.to_ascii_uppercase();
        let reply: &[u8] = if upper.starts_with("EHLO") {
            helo = cmd[4..].trim().to_owned();
            b"250-sink.test\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250 SIZE 35882577\r\n"
        } else if upper.starts_with("HELO") {
            helo = cmd[4..].trim().to_owned();
            b"250 sink.test\r\n"
        } else if upper.starts_with("MAIL FROM:") {
            from = Some(address(&cmd[10..]));
            rcpt.clear();
            b"250 2.1.0 OK\r\n"
        } else if upper.starts_with("RCPT TO:") {
            if from.is_none() {
                b"503 5.5.1 MAIL first\r\n"
            } else {
                let a = address(&cmd[8..]);
                if state.lock().unwrap().refuse.contains(&a) {
                    b"550 5.1.1 no such user here\r\n"
                } else {
                    rcpt.push(a);
                    b"250 2.1.5 OK\r\n"
                }
            }
        } else if upper == "DATA" {
            if rcpt.is_empty() {
                b"554 5.5.1 no valid recipients\r\n"
            } else {
                write.write_all(b"354 end data with <CR><LF>.<CR><LF>\r\n").await?;
                let mut data = Vec::new();
                let mut raw = Vec::new();
                loop {
                    raw.clear();
                    if lines.read_until(b'\n', &mut raw).await? == 0 {
                        return Ok(());
                    }
                    if raw == b".\r\n" || raw == b".\n" {
                        break;
                    }
                    let body = if raw.starts_with(b"..") { &raw[1..] } else { &raw[..] };
                    data.extend_from_slice(body);
                }
                state.lock().unwrap().got.push(Delivered {
                    helo: helo.clone(),
                    mail_from: from.take().unwrap_or_default(),
                    rcpt_to: std::mem::take(&mut rcpt),
                    data,
                });
                b"250 2.0.0 OK queued\r\n"
            }
        } else if upper == "RSET" {
            from = None;
            rcpt.clear();
            b"250 2.0.0 OK\r\n"
        } else if upper.starts_with("NOOP") {
            b"250 2.0.0 OK\r\n"
        } else if upper == "QUIT" {
            write.write_all(b"221 2.0.0 bye\r\n").await?;
            return Ok(());
        } else {
            b"502 5.5.2 command not implemented\r\n"
        };
        write.write_all(reply).await?;
    }
}
