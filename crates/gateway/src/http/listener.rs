//! Accepting connections. `axum::serve` has no deadline for reading a request's headers, so a
//! client that opens connections and sends its headers a byte at a time (slowloris) would hold
//! them, and their memory, for as long as it likes. This is the same hyper server with the limits
//! a public endpoint needs: headers must arrive within [`Limits::header_read`] (the connection is
//! closed otherwise), a body may not pause longer than [`Limits::body_read`] between two pieces
//! (the request fails), at most 100 header fields (hyper answers 431 beyond), `TCP_NODELAY` on every
//! connection (without it the small SSE frames of session mode wait ~40 ms for the client's
//! delayed ACK; measured by bench/), and a graceful stop that lets in-flight requests finish.

use std::future::Future;
use std::time::Duration;

use axum::Router;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;

#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// How long a client may take to send a request's headers, from the connection's first byte
    /// (or the end of its previous request).
    pub header_read: Duration,
    /// How long a request body may go without sending anything.
    pub body_read: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            header_read: Duration::from_secs(10),
            body_read: Duration::from_secs(10),
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
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read)
        .max_headers(100);
    builder.http2().timer(TokioTimer::new());
    let app = tower_http::timeout::RequestBodyTimeout::new(app, limits.body_read);
    let graceful = GracefulShutdown::new();
    tokio::pin!(stop);
    loop {
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
            .serve_connection_with_upgrades(TokioIo::new(tcp), TowerToHyperService::new(app))
            .into_owned();
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            // Errors here are the client's (reset, timed out, malformed): nothing to report.
            let _ = connection.await;
        });
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}
