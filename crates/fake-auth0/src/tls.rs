//! HTTPS for the fake tenant, with a self-signed certificate made at start. Clients that speak
//! only https (Auth0's official MCP server, which the benchmark compares with) can then be pointed
//! at the fake while trusting that one certificate for their own process alone
//! (`NODE_EXTRA_CA_CERTS`, `SSL_CERT_FILE`).

use std::sync::Arc;

use axum::Router;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::service::TowerToHyperService;
use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio_rustls::TlsAcceptor;

/// A fresh certificate for `127.0.0.1` and `localhost`, and the server configuration using it.
#[derive(Clone)]
pub struct SelfSigned {
    /// The certificate, PEM: what a client adds to its trusted roots.
    pub cert_pem: String,
    acceptor: TlsAcceptor,
}

impl std::fmt::Debug for SelfSigned {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SelfSigned").finish_non_exhaustive()
    }
}

impl SelfSigned {
    pub fn generate() -> SelfSigned {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let rcgen::CertifiedKey { cert, signing_key } = rcgen::generate_simple_self_signed(vec![
            "127.0.0.1".to_owned(),
            "localhost".to_owned(),
        ])
        .expect("generating a self-signed certificate");
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(signing_key.serialize_der()));
        let mut config = rustls::ServerConfig::builder()
            .with_no_client_auth()
            .with_single_cert(vec![cert.der().clone()], key)
            .expect("the generated key matches its certificate");
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        SelfSigned {
            cert_pem: cert.pem(),
            acceptor: TlsAcceptor::from(Arc::new(config)),
        }
    }
}

/// Accepts TLS connections and serves `app` on each until `stop` fires. Open connections are
/// dropped at stop rather than drained: the TLS mode serves benchmarks and test fixtures (e.g.
/// documents the gateway must fetch over https), not graceful tests.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    tls: SelfSigned,
    mut stop: oneshot::Receiver<()>,
) -> std::io::Result<()> {
    loop {
        let (tcp, _) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    tracing::warn!(%error, "accept failed");
                    continue;
                }
            },
            _ = &mut stop => return Ok(()),
        };
        let _ = tcp.set_nodelay(true);
        let acceptor = tls.acceptor.clone();
        let app = app.clone();
        tokio::spawn(async move {
            let Ok(stream) = acceptor.accept(tcp).await else {
                return;
            };
            let _ = auto::Builder::new(TokioExecutor::new())
                .serve_connection(TokioIo::new(stream), TowerToHyperService::new(app))
                .await;
        });
    }
}
