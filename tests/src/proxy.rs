//! A TCP proxy a test can break on purpose: put it between the server and a
//! real service (Redis), then stop it (connections cut, new ones refused
//! at once) or make it hang (connections accepted, nothing forwarded).

use std::net::SocketAddr;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Forward,
    /// Accepts and holds connections, forwards nothing: a hung server.
    Hang,
    /// Cuts every connection and closes new ones at once: a dead server.
    Down,
}

pub struct TcpProxy {
    pub addr: SocketAddr,
    mode: watch::Sender<Mode>,
    accept: tokio::task::JoinHandle<()>,
}

impl TcpProxy {
    /// Starts forwarding 127.0.0.1:<random port> to `upstream` (`host:port`).
    pub async fn start(upstream: &str) -> TcpProxy {
        let upstream: SocketAddr = tokio::net::lookup_host(upstream).await.unwrap().next().unwrap();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (mode, rx) = watch::channel(Mode::Forward);
        let accept = tokio::spawn(async move {
            while let Ok((sock, _)) = listener.accept().await {
                if *rx.borrow() == Mode::Down {
                    drop(sock);
                    continue;
                }
                tokio::spawn(pipe(sock, upstream, rx.clone()));
            }
        });
        TcpProxy { addr, mode, accept }
    }

    pub fn set(&self, mode: Mode) {
        self.mode.send_replace(mode);
    }

    /// `redis://` URL of the proxy, for a Redis upstream.
    pub fn redis_url(&self) -> String {
        format!("redis://{}", self.addr)
    }
}

impl Drop for TcpProxy {
    fn drop(&mut self) {
        self.set(Mode::Down);
        self.accept.abort();
    }
}

async fn pipe(mut client: TcpStream, upstream: SocketAddr, mut mode: watch::Receiver<Mode>) {
    let Ok(mut server) = TcpStream::connect(upstream).await else { return };
    let (mut cr, mut cw) = client.split();
    let (mut sr, mut sw) = server.split();
    let (mut up, mut down) = (vec![0u8; 16 * 1024], vec![0u8; 16 * 1024]);
    loop {
        let current = *mode.borrow_and_update();
        match current {
            Mode::Down => return,
            Mode::Hang => {
                if mode.changed().await.is_err() {
                    return;
                }
                continue;
            }
            Mode::Forward => {}
        }
        tokio::select! {
            r = mode.changed() => if r.is_err() { return },
            n = cr.read(&mut up) => match n {
                Ok(0) | Err(_) => return,
                Ok(n) => if sw.write_all(&up[..n]).await.is_err() { return },
            },
            n = sr.read(&mut down) => match n {
                Ok(0) | Err(_) => return,
                Ok(n) => if cw.write_all(&down[..n]).await.is_err() { return },
            },
        }
    }
}
