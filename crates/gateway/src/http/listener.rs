//! Accepting connections. `axum::serve` has no deadline for reading a request's headers, so a
//! client that opens connections and sends its headers a byte at a time (slowloris), or nothing
//! at all, would hold them, and their memory, for as long as it likes. This is the same hyper
//! server with the limits a public endpoint needs:
//!
//! - **HTTP/1.1 only.** hyper-util's protocol sniffing (HTTP/1 or h2c) read the first bytes with
//!   no deadline at all, and h2c had no idle limit either, so a silent socket or a partial HTTP/2
//!   preface stayed open for good. No MCP client needs h2c on a plain port (TLS, where HTTP/2 is
//!   negotiated, ends in front of the gateway), so the gateway does not speak it: an HTTP/2
//!   preface is an HTTP/1 parse error and the connection is closed.
//! - **A header deadline from the first moment**: a connection must deliver a complete request
//!   head within [`Limits::header_read`] of being accepted, and again within it of the end of its
//!   previous answer (an idle keep-alive connection), or it is closed (hyper's
//!   `header_read_timeout`, which starts when the connection starts waiting for a head).
//! - **A body may not pause** longer than [`Limits::body_read`] between two pieces (the request
//!   fails with 408).
//! - **At most [`Limits::max_connections`] connections at once.** Past the cap the loop stops
//!   accepting until one closes: the rest wait in the kernel's accept queue, which its listen
//!   backlog bounds, and cost the process no file descriptor. With the header deadline, sockets
//!   that send nothing leave within `header_read`, so a health check queued behind them is
//!   answered.
//! - At most 100 header fields (hyper answers 431 beyond), `TCP_NODELAY` on every connection
//!   (without it the small SSE frames of session mode wait ~40 ms for the client's delayed ACK;
//!   measured by bench/), and a graceful stop that lets in-flight requests finish.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// How long a client may take to send a request's head, from the moment its connection is
    /// accepted (or the end of its previous answer).
    pub header_read: Duration,
    /// How long a request body may go without sending anything.
    pub body_read: Duration,
    /// How many connections are served at once; more wait to be accepted.
    pub max_connections: usize,
}

/// The default for `[server] max_connections`: well under the usual open-file limit of 1024,
/// which the store's pool and the connections to Auth0 share.
pub const DEFAULT_MAX_CONNECTIONS: usize = 512;

impl Default for Limits {
    fn default() -> Self {
        Limits {
            header_read: Duration::from_secs(10),
            body_read: Duration::from_secs(10),
            max_connections: DEFAULT_MAX_CONNECTIONS,
        }
    }
}

/// Serves `app` on `listener` until `stop` resolves, then stops accepting and waits for the open
/// connections' in-flight requests to finish (the caller ends long-lived streams).
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: Limits,
    stop: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let mut builder = auto::Builder::new(TokioExecutor::new()).http1_only();
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read)
        .max_headers(100);
    let app = tower_http::timeout::RequestBodyTimeout::new(app, limits.body_read);
    let graceful = GracefulShutdown::new();
    let slots = Arc::new(Semaphore::new(
        limits.max_connections.clamp(1, Semaphore::MAX_PERMITS),
    ));
    tokio::pin!(stop);
    loop {
        // A slot first, then a connection: over the cap, connections stay in the kernel's queue.
        let slot = tokio::select! {
            slot = slots.clone().acquire_owned() => slot.expect("the semaphore is never closed"),
            () = &mut stop => break,
        };
        let (tcp, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of file descriptors and the like: back off rather than spin.
                    tracing::warn!(%error, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut stop => break,
        };
        let _ = tcp.set_nodelay(true);
        // Handlers that limit per source (`/register`) read the peer as axum's `ConnectInfo`.
        let app = tower::Layer::layer(
            &axum::Extension(axum::extract::ConnectInfo(peer)),
            app.clone(),
        );
        let connection = builder
            .serve_connection(TokioIo::new(tcp), TowerToHyperService::new(app))
            .into_owned();
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            // Errors here are the client's (reset, timed out, malformed): nothing to report.
            let _ = connection.await;
            drop(slot);
        });
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}
