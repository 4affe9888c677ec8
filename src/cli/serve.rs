//! `verbatim serve --index DIR [--addr 127.0.0.1:8080]`: the HTTP API and the web page.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use verbatim::api::listen::ConnLimits;
use verbatim::api::{self, AppState, Keys, PoolOptions};
use verbatim::index::CommentIndex;

use super::ModelArgs;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The index directory (created when missing).
    #[arg(long, env = "VERBATIM_INDEX")]
    pub index: PathBuf,
    /// Address to listen on (port 0 picks a free port; the address is printed).
    #[arg(long, default_value = "127.0.0.1:8080", env = "VERBATIM_ADDR")]
    pub addr: SocketAddr,
    /// API keys allowed to write (and read), comma-separated.
    #[arg(
        long = "write-keys",
        env = "VERBATIM_WRITE_KEYS",
        value_delimiter = ',',
        hide_env_values = true
    )]
    pub write_keys: Vec<String>,
    /// Read-only API keys (search, reports, comments), comma-separated.
    #[arg(
        long = "read-keys",
        env = "VERBATIM_READ_KEYS",
        value_delimiter = ',',
        hide_env_values = true
    )]
    pub read_keys: Vec<String>,
    /// Host names this server is reached by besides localhost and its own addresses
    /// (comma-separated, e.g. behind a proxy): requests naming another `Host` get 421.
    /// Without keys the `Host` check always runs; with keys, only when names are given.
    #[arg(
        long = "allowed-hosts",
        env = "VERBATIM_ALLOWED_HOSTS",
        value_delimiter = ','
    )]
    pub allowed_hosts: Vec<String>,
    /// Web origins allowed to call the API from a browser (CORS), comma-separated, each
    /// `scheme://host[:port]` exactly (e.g. `https://crm.example.com`). Default: none, and no
    /// CORS headers are sent.
    #[arg(
        long = "cors-origins",
        env = "VERBATIM_CORS_ORIGINS",
        value_delimiter = ','
    )]
    pub cors_origins: Vec<String>,
    /// Inference worker threads (each runs the encoder on every core).
    #[arg(long, default_value_t = 1, env = "VERBATIM_WORKERS")]
    pub workers: usize,
    /// Requests that may wait for analysis; beyond it the API answers 503 with Retry-After.
    #[arg(long, default_value_t = 64, env = "VERBATIM_QUEUE")]
    pub queue: usize,
    /// The most texts merged from waiting requests into one encoder call.
    #[arg(long, default_value_t = 64, env = "VERBATIM_MAX_BATCH")]
    pub max_batch: usize,
    /// Seconds a request may wait for its analyses before a 503.
    #[arg(long, default_value_t = 30, env = "VERBATIM_TIMEOUT")]
    pub timeout: u64,
    /// Seconds a client may take to send a request's head once it starts one; then the
    /// connection is closed (a client holding connections half-sent cannot starve others).
    #[arg(long, default_value_t = 30, env = "VERBATIM_READ_TIMEOUT")]
    pub read_timeout: u64,
    /// Connections open at once; beyond it new ones wait in the kernel's queue until one
    /// closes. Keep it under the process's file limit (`ulimit -n`).
    #[arg(long, default_value_t = 1024, env = "VERBATIM_MAX_CONNECTIONS")]
    pub max_connections: usize,
    /// Analysis results of this many recent distinct texts (normalized) are kept and reused
    /// by /v1/analyze and ingest (0: none; each batch still encodes a repeated text once).
    #[arg(long, default_value_t = verbatim::analyze::cache::DEFAULT_ENTRIES, env = "VERBATIM_ANALYSIS_CACHE")]
    pub analysis_cache: usize,
    #[command(flatten)]
    pub redact: super::RedactArgs,
    #[command(flatten)]
    pub model: ModelArgs,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let keys = Keys {
        write: args
            .write_keys
            .into_iter()
            .filter(|k| !k.trim().is_empty())
            .collect(),
        read: args
            .read_keys
            .into_iter()
            .filter(|k| !k.trim().is_empty())
            .collect(),
    };
    if !keys.any() && !args.addr.ip().is_loopback() {
        tracing::warn!(
            "bound to {} with no API keys: only loopback clients will be answered (set \
             VERBATIM_WRITE_KEYS / VERBATIM_READ_KEYS to serve others)",
            args.addr
        );
    }
    let analyzer = Arc::new(args.model.server_analyzer(8)?);
    let index = CommentIndex::open_or_create(&args.index)?;
    let pool = PoolOptions {
        workers: args.workers,
        queue: args.queue,
        max_batch: args.max_batch,
        timeout: Duration::from_secs(args.timeout.max(1)),
        analysis_cache: args.analysis_cache,
    };
    let hosts = args
        .allowed_hosts
        .into_iter()
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .collect();
    let origins = api::cors::parse_origins(&args.cors_origins)?;
    let state = AppState::new(analyzer, index, keys, pool)?
        .with_allowed_hosts(hosts)
        .with_cors_origins(origins)
        .with_conn_limits(ConnLimits {
            read_timeout: Duration::from_secs(args.read_timeout.max(1)),
            max_connections: args.max_connections.max(1),
            // After Ctrl-C or SIGTERM, requests in flight get as long as one may take.
            shutdown_grace: Duration::from_secs(args.timeout.max(1)),
        });
    let writer = state.writer.clone();
    writer.set_redaction(args.redact.redaction());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("start the async runtime")?;
    runtime
        .block_on(api::serve(state, args.addr, |addr| {
            tracing::info!("listening on http://{addr}");
        }))
        .with_context(|| format!("serve on {}", args.addr))?;
    // Every acknowledged write was committed before its answer; release the lock cleanly.
    if let Ok(writer) = Arc::try_unwrap(writer) {
        writer.finish()?;
    }
    Ok(())
}
