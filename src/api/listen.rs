//! The accept loop: HTTP/1 connections (hyper's) with a deadline on receiving a request's
//! head, a cap on open connections, and a deadline on shutdown. `axum::serve` has none of
//! the three, so a client that opened connections and sent half a request held each one
//! open for ever: 20,000 of them ran the server out of file descriptors and every route
//! stopped answering, and Ctrl-C or SIGTERM waited on any one of them.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::extract::Request;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower::ServiceExt;

use super::guard::Conn;
use idle::IdleBody;

mod idle;

/// Bounds on connections (`verbatim serve --read-timeout`, `--max-connections`).
#[derive(Debug, Clone, Copy)]
pub struct ConnLimits {
    /// How long a client may take to send a request's head (line and headers) once it
    /// starts one (or stay idle between requests); then the connection is closed. Also
    /// the longest pause allowed between parts of a body being read ([`IdleBody`]).
    pub read_timeout: Duration,
    /// Connections open at once; beyond it new ones wait in the kernel's queue.
    pub max_connections: usize,
    /// After Ctrl-C or SIGTERM, how long requests in flight may run before the server
    /// exits anyway.
    pub shutdown_grace: Duration,
}

impl Default for ConnLimits {
    fn default() -> ConnLimits {
        ConnLimits {
            read_timeout: Duration::from_secs(30),
            max_connections: 1024,
            shutdown_grace: Duration::from_secs(30),
        }
    }
}

/// Serve `app` on `listener` until `shutdown` completes, then let the connections finish
/// their requests for at most `limits.shutdown_grace`.
pub async fn accept_loop(
    listener: TcpListener,
    app: Router,
    limits: ConnLimits,
    shutdown: impl Future<Output = ()>,
) {
    let slots = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, peer, slot) = tokio::select! {
            accepted = accept(&listener, &slots) => accepted,
            () = &mut shutdown => break,
        };
        let conn = Conn {
            peer,
            local: stream.local_addr().ok(),
        };
        let read_timeout = limits.read_timeout;
        let service = app.clone().map_request(move |mut req: Request<Incoming>| {
            req.extensions_mut().insert(ConnectInfo(conn));
            req.map(|body| Body::new(IdleBody::new(body, read_timeout)))
        });
        let mut http = hyper::server::conn::http1::Builder::new();
        http.timer(TokioTimer::new())
            .header_read_timeout(limits.read_timeout);
        let connection =
            http.serve_connection(TokioIo::new(stream), TowerToHyperService::new(service));
        let watched = graceful.watch(connection);
        tokio::spawn(async move {
            let _ = watched.await;
            drop(slot);
        });
    }
    drop(listener);
    let open = graceful.count();
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(limits.shutdown_grace) => {
            tracing::warn!(
                "{open} connection(s) still open after {:?}; exiting without them",
                limits.shutdown_grace
            );
        }
    }
}

/// The next connection, once one of the `slots` is free. Accept errors (out of file
/// descriptors, a connection reset before it was taken) are logged and retried after a
/// pause, as `axum::serve` does.
async fn accept(
    listener: &TcpListener,
    slots: &Arc<Semaphore>,
) -> (
    tokio::net::TcpStream,
    std::net::SocketAddr,
    tokio::sync::OwnedSemaphorePermit,
) {
    let slot = Arc::clone(slots)
        .acquire_owned()
        .await
        .expect("the connection semaphore is never closed");
    loop {
        match listener.accept().await {
            Ok((stream, peer)) => return (stream, peer, slot),
            Err(e) => {
                tracing::warn!("accepting a connection: {e}");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
}
