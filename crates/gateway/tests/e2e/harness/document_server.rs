//! An https server on 127.0.0.1 with a certificate of its own, for what the gateway fetches from
//! the internet (clients' metadata documents): the test says what each path answers and sees
//! how often each was asked for.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::Request;
use axum::middleware::{self, Next};
use axum::response::Response;
use fake_auth0::tls::{self, SelfSigned};
use tokio::sync::oneshot;

pub struct DocumentServer {
    /// `https://127.0.0.1:PORT`.
    pub base: String,
    /// Its certificate, which the gateway under test must be told to trust.
    pub cert_pem: String,
    hits: Arc<Mutex<HashMap<String, usize>>>,
    _stop: oneshot::Sender<()>,
}

impl DocumentServer {
    /// How many requests reached `path`.
    pub fn hits(&self, path: &str) -> usize {
        self.hits.lock().unwrap().get(path).copied().unwrap_or(0)
    }
}

/// Serves `routes` over https until the returned server is dropped.
pub async fn document_server(routes: Router) -> DocumentServer {
    let hits = Arc::new(Mutex::new(HashMap::<String, usize>::new()));
    let counted = hits.clone();
    let app = routes.layer(middleware::from_fn(move |request: Request, next: Next| {
        let counted = counted.clone();
        async move {
            *counted
                .lock()
                .unwrap()
                .entry(request.uri().path().to_owned())
                .or_default() += 1;
            let response: Response = next.run(request).await;
            response
        }
    }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!(
        "https://127.0.0.1:{}",
        listener.local_addr().unwrap().port()
    );
    let certificate = SelfSigned::generate();
    let cert_pem = certificate.cert_pem.clone();
    let (stop, stopped) = oneshot::channel();
    tokio::spawn(tls::serve(listener, app, certificate, stopped));
    DocumentServer {
        base,
        cert_pem,
        hits,
        _stop: stop,
    }
}
