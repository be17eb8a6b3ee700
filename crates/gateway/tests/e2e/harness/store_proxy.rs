//! A loopback TCP proxy between the gateway and its PostgreSQL server that a test can cut and
//! restore, to play a store outage without stopping the server other tests share. Open, it
//! relays bytes both ways. Cut, it plays one of two outages ([`Cut`]); restored, it relays new
//! connections again (connections a cut left hanging are closed then, as a recovered network
//! would end them).

use std::net::SocketAddr;

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// How the store is out of reach while the proxy is cut.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cut {
    /// The server went away: open connections are closed, new ones are closed at once.
    Refused,
    /// The network swallows everything: open connections stop carrying bytes and new ones are
    /// accepted but never answered, so only the gateway's own deadlines end its waits.
    Blackholed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Open,
    Cut(Cut),
}

/// The proxy, relaying while it lives.
pub struct StoreProxy {
    /// Where the gateway connects instead of the server.
    pub address: SocketAddr,
    mode: watch::Sender<Mode>,
    accepting: tokio::task::JoinHandle<()>,
}

impl StoreProxy {
    /// Listens on 127.0.0.1 and relays to `upstream`.
    pub async fn start(upstream: SocketAddr) -> StoreProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let (mode, _) = watch::channel(Mode::Open);
        let modes = mode.clone();
        let accepting = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                tokio::spawn(relay(client, upstream, modes.subscribe()));
            }
        });
        StoreProxy {
            address,
            mode,
            accepting,
        }
    }

    /// `url` (a PostgreSQL URL) made to connect through this proxy.
    pub fn route(&self, url: &str) -> String {
        let mut url = url::Url::parse(url).unwrap();
        url.set_host(Some(&self.address.ip().to_string())).unwrap();
        url.set_port(Some(self.address.port())).unwrap();
        url.to_string()
    }

    /// Starts an outage.
    pub fn cut(&self, how: Cut) {
        self.mode.send_replace(Mode::Cut(how));
    }

    /// Ends the outage.
    pub fn restore(&self) {
        self.mode.send_replace(Mode::Open);
    }
}

impl Drop for StoreProxy {
    fn drop(&mut self) {
        self.accepting.abort();
    }
}

/// Carries one connection while the proxy is open, and plays the outage when it is cut.
async fn relay(mut client: TcpStream, upstream: SocketAddr, mut mode: watch::Receiver<Mode>) {
    let current = *mode.borrow_and_update();
    let mut server = match current {
        Mode::Open => match TcpStream::connect(upstream).await {
            Ok(server) => Some(server),
            Err(_) => return,
        },
        Mode::Cut(_) => None,
    };
    if let Some(server) = server.as_mut() {
        tokio::select! {
            _ = tokio::io::copy_bidirectional(&mut client, server) => return,
            _ = mode.wait_for(|m| *m != Mode::Open) => {}
        }
    }
    let how = *mode.borrow();
    if how == Mode::Cut(Cut::Blackholed) {
        // Hold both ends open, carrying nothing, until the network comes back (or the proxy goes
        // away).
        let _ = mode.wait_for(|m| *m == Mode::Open).await;
    }
    // Otherwise both ends close here.
}
