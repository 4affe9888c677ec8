//! Request guards that run before authentication: the URI's length, the `Host` header
//! (DNS rebinding), the `Origin` of writes (CSRF) and the content type of request bodies.
//!
//! In: a request, the connection's addresses ([`Conn`]), the keys in force and the host
//! names configured with `--allowed-hosts`. Out: the request passed on, or a JSON error
//! naming the header at fault: 414 (URI), 421 (`Host`), 403 (`Origin`), 415
//! (`content-type`).
//!
//! - `Host` is checked whenever no API key is configured (the server then trusts every
//!   loopback client, so a page on another origin that rebinds its name to 127.0.0.1 must
//!   not be served), and with keys only when host names are configured: a bearer key is
//!   never sent by a browser on its own, so a rebound page gains nothing from a server that
//!   asks for one. Served names: `localhost`, any loopback address, the address the
//!   connection came in on, and the configured names; any port.
//! - A write (any method but GET, HEAD, OPTIONS) from a browser must come from the
//!   server's own origin: `Sec-Fetch-Site` must be `same-origin` or `none`, else `Origin`
//!   must be `http(s)://` + the request's `Host` (or a configured name). Clients that send
//!   neither (curl, scripts) pass. An origin listed with `--cors-origins` passes too
//!   ([`super::cors`]); with none listed the server sends no CORS headers, so no other
//!   origin could use it from a browser anyway.
//! - A write that carries a body must declare it JSON (`application/json` or `+json`):
//!   HTML forms and `text/plain` fetches, which need no CORS preflight, are refused.

use std::net::{IpAddr, SocketAddr};

use axum::extract::connect_info::Connected;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use axum::serve::IncomingStream;

use super::AppState;
use super::error::ApiError;

/// The longest request URI (path and query) served; longer ones get 414. (Beyond 65,534
/// bytes hyper itself answers a bare 414 before any of our code runs.)
pub const MAX_URI_BYTES: usize = 16 << 10;

/// Both ends of a connection: the client (`peer`) and the address it reached (`local`).
#[derive(Debug, Clone, Copy)]
pub struct Conn {
    pub peer: SocketAddr,
    pub local: Option<SocketAddr>,
}

impl Connected<IncomingStream<'_, tokio::net::TcpListener>> for Conn {
    fn connect_info(stream: IncomingStream<'_, tokio::net::TcpListener>) -> Conn {
        Conn {
            peer: *stream.remote_addr(),
            local: stream.io().local_addr().ok(),
        }
    }
}

impl Conn {
    /// Whether the client is on this machine (an IPv4-mapped `::ffff:127.0.0.1` counts).
    pub fn peer_is_loopback(&self) -> bool {
        self.peer.ip().to_canonical().is_loopback()
    }
}

/// The middleware.
pub async fn check(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let uri_len = request
        .uri()
        .path_and_query()
        .map_or(0, |p| p.as_str().len());
    if uri_len > MAX_URI_BYTES {
        return Err(ApiError::new(
            StatusCode::URI_TOO_LONG,
            "uri_too_long",
            format!("request URI: {uri_len} bytes, more than the {MAX_URI_BYTES} allowed"),
        ));
    }
    let conn = request.extensions().get::<ConnectInfo<Conn>>().map(|c| c.0);
    let hosts = state.allowed_hosts();
    let host = request_host(&request);
    if (!state.keys.any() || !hosts.is_empty())
        && let Some(host) = &host
        && !host_allowed(host, conn.and_then(|c| c.local), hosts)
    {
        return Err(ApiError::new(
            StatusCode::MISDIRECTED_REQUEST,
            "invalid_host",
            format!(
                "header `Host`: `{host}` is not a name of this server (served: \
                         localhost, loopback addresses, this server's address{}); add names \
                         with --allowed-hosts or VERBATIM_ALLOWED_HOSTS",
                if hosts.is_empty() {
                    ""
                } else {
                    ", the allowed hosts"
                }
            ),
        ));
    }
    let method = request.method();
    let write = !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS);
    if write {
        cross_origin(
            request.headers(),
            host.as_deref(),
            hosts,
            state.cors_origins(),
        )?;
        if has_body(request.headers()) {
            json_content_type(request.headers())?;
        }
    }
    Ok(next.run(request).await)
}

/// The authority the client asked for: the absolute URI's, else the `Host` header.
fn request_host(request: &Request) -> Option<String> {
    if let Some(authority) = request.uri().authority() {
        return Some(authority.as_str().to_string());
    }
    let value = request.headers().get(header::HOST)?;
    Some(String::from_utf8_lossy(value.as_bytes()).into_owned())
}

/// The name part of `host[:port]` (brackets kept off an IPv6 literal), lower case, without
/// a trailing dot.
fn host_name(host: &str) -> String {
    let host = host.trim();
    let name = if let Some(rest) = host.strip_prefix('[') {
        rest.split(']').next().unwrap_or(rest)
    } else {
        match host.rsplit_once(':') {
            Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name,
            _ => host,
        }
    };
    name.trim_end_matches('.').to_ascii_lowercase()
}

/// Whether `host` names this server: localhost, a loopback or the connection's own address,
/// or a configured name (`name` or `name:port`).
pub fn host_allowed(host: &str, local: Option<SocketAddr>, allowed: &[String]) -> bool {
    let name = host_name(host);
    if name == "localhost" {
        return true;
    }
    if let Ok(ip) = name.parse::<IpAddr>() {
        let ip = ip.to_canonical();
        let own = local
            .map(|l| l.ip().to_canonical())
            .is_some_and(|l| !l.is_unspecified() && l == ip);
        if ip.is_loopback() || own {
            return true;
        }
    }
    allowed.iter().any(|a| host_name(a) == name)
}

/// Refuse a browser's write from another origin (403 naming `Origin`).
fn cross_origin(
    headers: &HeaderMap,
    host: Option<&str>,
    allowed: &[String],
    cors: &[HeaderValue],
) -> Result<(), ApiError> {
    let refuse = |what: String| {
        ApiError::new(
            StatusCode::FORBIDDEN,
            "cross_origin",
            format!(
                "header `Origin`: {what}; writes are only accepted from this server's own origin"
            ),
        )
    };
    let origin = headers
        .get(header::ORIGIN)
        .map(|o| String::from_utf8_lossy(o.as_bytes()));
    if origin
        .as_deref()
        .is_some_and(|o| super::cors::listed(o, cors))
    {
        return Ok(());
    }
    if let Some(site) = headers.get("sec-fetch-site") {
        let site = String::from_utf8_lossy(site.as_bytes()).to_ascii_lowercase();
        if site != "same-origin" && site != "none" {
            return Err(refuse(format!("the request is {site} (Sec-Fetch-Site)")));
        }
    }
    let Some(origin) = origin else {
        return Ok(());
    };
    let authority = origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"));
    let same = authority.is_some_and(|a| {
        host.is_some_and(|h| same_authority(a, h))
            || allowed.iter().any(|name| host_name(name) == host_name(a))
    });
    if same {
        Ok(())
    } else {
        Err(refuse(format!("`{origin}` is another origin")))
    }
}

/// `a` and `b` name the same host and port (a missing port is the scheme's default, which
/// both sides leave out alike).
fn same_authority(a: &str, b: &str) -> bool {
    a.trim()
        .trim_end_matches('/')
        .eq_ignore_ascii_case(b.trim())
}

/// Whether the request carries a body (a non-zero length or a chunked one).
fn has_body(headers: &HeaderMap) -> bool {
    if headers.contains_key(header::TRANSFER_ENCODING) {
        return true;
    }
    headers
        .get(header::CONTENT_LENGTH)
        .is_some_and(|v| v.to_str().map(str::trim).ok() != Some("0"))
}

/// A body must be declared JSON (415 naming `content-type`).
fn json_content_type(headers: &HeaderMap) -> Result<(), ApiError> {
    let given = headers
        .get(header::CONTENT_TYPE)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
    let essence = given
        .as_deref()
        .and_then(|v| v.split(';').next())
        .map(|e| e.trim().to_ascii_lowercase());
    let json = essence.as_deref().is_some_and(|e| {
        e == "application/json" || (e.starts_with("application/") && e.ends_with("+json"))
    });
    if json {
        return Ok(());
    }
    let what = match given {
        Some(v) => format!("`{v}` is not JSON"),
        None => "missing".to_string(),
    };
    Err(ApiError::new(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
        format!("header `content-type`: {what}; send `Content-Type: application/json`"),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_names() {
        let local: SocketAddr = "[::ffff:10.0.0.5]:8080".parse().unwrap();
        for ok in [
            "localhost:8080",
            "LOCALHOST.",
            "127.0.0.1:9",
            "127.3.4.5",
            "[::1]:8080",
            "[::ffff:127.0.0.1]:1",
            "10.0.0.5:8080",
        ] {
            assert!(host_allowed(ok, Some(local), &[]), "{ok}");
        }
        for bad in [
            "evil.example:8080",
            "localhost.evil.example",
            "0.0.0.0:8080",
            "10.0.0.6",
            "",
        ] {
            assert!(!host_allowed(bad, Some(local), &[]), "{bad}");
        }
        let allowed = ["feedback.example.com".to_string()];
        assert!(host_allowed("Feedback.example.com:443", None, &allowed));
        assert!(!host_allowed("[::]:8080", "[::]:8080".parse().ok(), &[]));
    }

    #[test]
    fn origins_and_content_types() {
        let mut h = HeaderMap::new();
        h.insert(header::ORIGIN, "http://127.0.0.1:8080".parse().unwrap());
        assert!(cross_origin(&h, Some("127.0.0.1:8080"), &[], &[]).is_ok());
        assert!(cross_origin(&h, Some("localhost:8080"), &[], &[]).is_err());
        h.insert(header::ORIGIN, "null".parse().unwrap());
        assert!(cross_origin(&h, Some("127.0.0.1:8080"), &[], &[]).is_err());
        h.remove(header::ORIGIN);
        assert!(cross_origin(&h, Some("127.0.0.1:8080"), &[], &[]).is_ok());
        h.insert("sec-fetch-site", "cross-site".parse().unwrap());
        assert!(cross_origin(&h, Some("127.0.0.1:8080"), &[], &[]).is_err());
        // A listed CORS origin may write from its own pages.
        h.insert(header::ORIGIN, "https://crm.example.com".parse().unwrap());
        let cors = [HeaderValue::from_static("https://crm.example.com")];
        assert!(cross_origin(&h, Some("127.0.0.1:8080"), &[], &cors).is_ok());
        assert!(cross_origin(&h, Some("127.0.0.1:8080"), &[], &[]).is_err());

        let mut h = HeaderMap::new();
        assert!(json_content_type(&h).is_err());
        h.insert(
            header::CONTENT_TYPE,
            "Application/JSON; charset=utf-8".parse().unwrap(),
        );
        assert!(json_content_type(&h).is_ok());
        h.insert(
            header::CONTENT_TYPE,
            "application/merge-patch+json".parse().unwrap(),
        );
        assert!(json_content_type(&h).is_ok());
        h.insert(header::CONTENT_TYPE, "text/plain".parse().unwrap());
        assert!(json_content_type(&h).is_err());
        assert!(!has_body(&HeaderMap::new()));
    }
}
