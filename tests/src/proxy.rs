//! A TCP proxy in front of a real service, so a test can take the service
//! "down" mid-run (stop: open connections drop, new ones are refused) and
//! bring it back on the same address.

use std::net::SocketAddr;
use std::sync::Mutex;

use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;

pub struct TcpProxy {
    pub addr: SocketAddr,
    upstream: String,
    tasks: Mutex<Option<JoinSet<()>>>,
}

impl TcpProxy {
    /// Listens on a random local port and forwards to `upstream` (`host:port`).
    pub async fn start(upstream: &str) -> TcpProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let p =
            TcpProxy { addr: listener.local_addr().unwrap(), upstream: upstream.to_owned(), tasks: Mutex::new(None) };
        p.serve(listener);
        p
    }

    fn serve(&self, listener: TcpListener) {
        let upstream = self.upstream.clone();
        let mut set = JoinSet::new();
        set.spawn(async move {
            let mut conns = JoinSet::new();
            while let Ok((mut down, _)) = listener.accept().await {
                let upstream = upstream.clone();
                conns.spawn(async move {
                    if let Ok(mut up) = TcpStream::connect(&upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut down, &mut up).await;
                    }
                });
            }
            // Dropping `conns` aborts every open connection with the listener.
        });
        *self.tasks.lock().unwrap() = Some(set);
    }

    /// The service goes away: the port closes and open connections drop.
    pub fn stop(&self) {
        // Dropping the JoinSet aborts the accept loop, which owns the connections.
        drop(self.tasks.lock().unwrap().take());
    }

    /// The service comes back on the same address.
    pub async fn restart(&self) {
        // The aborted listener closes asynchronously; wait for the port.
        for _ in 0..100 {
            if let Ok(listener) = TcpListener::bind(self.addr).await {
                self.serve(listener);
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        panic!("could not rebind {}", self.addr);
    }
}
