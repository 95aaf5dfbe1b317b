//! The proxy: listeners, one HTTP/1.1 server connection per client (each
//! request parsed and judged on its own), one upstream connection per
//! client connection (reused while the client keeps its connection alive),
//! streaming bodies in both directions, and raw byte copying only after
//! the daemon answered `101` on a hijack route.

use crate::audit::{Audit, Peer, Record};
use crate::canon::{self, ApiVersion};
use crate::config::{GuardConfig, ListenAddr, TlsFiles};
use crate::decide::{self, Allow, Found, Judge, Lookup, Refusal, Req, ids};
use crate::framing::{Flags, Watched};
use crate::profile::Profile;
use crate::routes::{self, Matched};
use bytes::{Bytes, BytesMut};
use http_body_util::combinators::UnsyncBoxBody;
use http_body_util::{BodyExt, Empty, Full};
use hyper::body::Incoming;
use hyper::client::conn::http1::SendRequest;
use hyper::header::{self, HeaderMap, HeaderName, HeaderValue};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use sha2::{Digest, Sha256};
use std::convert::Infallible;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use stockade_rules::Ctx;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::UnixStream;

/// Response and upstream request bodies.
pub type Body = UnsyncBoxBody<Bytes, hyper::Error>;

fn full(b: impl Into<Bytes>) -> Body {
    Full::new(b.into()).map_err(|n| match n {}).boxed_unsync()
}

fn empty() -> Body {
    Empty::<Bytes>::new().map_err(|n| match n {}).boxed_unsync()
}

/// Largest inspect document the guard reads from the daemon.
const MAX_LOOKUP: usize = 16 * 1024 * 1024;

/// State shared by every listener.
pub struct Shared {
    pub upstream: PathBuf,
    pub audit: Audit,
    pub max_body: usize,
    pub ctx: Ctx,
    /// Sockets no container may mount: the upstream and the listeners.
    pub protected: Vec<String>,
}

/// One listener's identity and policy.
pub struct ListenerState {
    pub name: String,
    pub profile: Profile,
}

struct ConnState {
    shared: Arc<Shared>,
    listener: Arc<ListenerState>,
    peer: Peer,
    sender: std::sync::Mutex<Option<SendRequest<Body>>>,
    /// What the framing watch saw on this connection.
    framing: Arc<Flags>,
    /// Requests handled so far.
    requests: AtomicUsize,
}

impl ConnState {
    fn new(shared: Arc<Shared>, listener: Arc<ListenerState>, peer: Peer) -> ConnState {
        ConnState {
            shared,
            listener,
            peer,
            sender: std::sync::Mutex::new(None),
            framing: Arc::new(Flags::default()),
            requests: AtomicUsize::new(0),
        }
    }
}

// ---- upstream --------------------------------------------------------------

/// A larger send buffer on a client socket: streams (exports, logs) are
/// written in fewer, larger steps. Best effort: the kernel caps it at
/// `net.core.wmem_max`.
fn larger_send_buffer(stream: &UnixStream) {
    use std::os::fd::AsRawFd;
    let size: libc::c_int = 1024 * 1024;
    // SAFETY: setsockopt on an open socket with a pointer to a c_int that
    // lives for the call and its exact size.
    unsafe {
        libc::setsockopt(
            stream.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_SNDBUF,
            (&size as *const libc::c_int).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        );
    }
}

async fn connect_upstream(path: &Path) -> Result<SendRequest<Body>, String> {
    let stream = UnixStream::connect(path)
        .await
        .map_err(|e| format!("cannot connect to {}: {e}", path.display()))?;
    larger_send_buffer(&stream);
    let (sender, conn) = hyper::client::conn::http1::Builder::new()
        .handshake(TokioIo::new(stream))
        .await
        .map_err(|e| format!("upstream handshake: {e}"))?;
    tokio::spawn(async move {
        let _ = conn.with_upgrades().await;
    });
    Ok(sender)
}

/// Lookups on a fresh upstream connection each.
struct UpstreamLookup<'a> {
    path: &'a Path,
}

impl Lookup for UpstreamLookup<'_> {
    fn get(&self, path: &str) -> impl Future<Output = Result<Found, Refusal>> + Send {
        let sock = self.path.to_path_buf();
        let path = path.to_string();
        async move {
            let fail = |e: String| Refusal {
                status: 502,
                ..Refusal::new(ids::UPSTREAM, format!("lookup {path}: {e}"))
            };
            let mut s = connect_upstream(&sock).await.map_err(fail)?;
            let req = Request::get(path.as_str())
                .header(header::HOST, "docker")
                .body(empty())
                .map_err(|e| fail(e.to_string()))?;
            let resp = s.send_request(req).await.map_err(|e| fail(e.to_string()))?;
            let status = resp.status().as_u16();
            let body = collect_limited(resp.into_body(), MAX_LOOKUP)
                .await
                .map_err(|e| fail(e.message()))?;
            match status {
                200 => serde_json::from_slice(&body)
                    .map(Found::Yes)
                    .map_err(|e| fail(format!("invalid JSON from the daemon: {e}"))),
                404 => Ok(Found::No(status, body)),
                _ => Err(Refusal::upstream(status, body, &format!("lookup {path}"))),
            }
        }
    }
}

enum CollectError {
    TooLarge,
    Read(String),
}

impl CollectError {
    fn message(&self) -> String {
        match self {
            CollectError::TooLarge => "body larger than the limit".to_string(),
            CollectError::Read(e) => e.clone(),
        }
    }
}

async fn collect_limited<B>(mut body: B, limit: usize) -> Result<Bytes, CollectError>
where
    B: hyper::body::Body<Data = Bytes> + Unpin,
    B::Error: std::fmt::Display,
{
    let mut buf = BytesMut::new();
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| CollectError::Read(e.to_string()))?;
        if let Ok(data) = frame.into_data() {
            if buf.len() + data.len() > limit {
                return Err(CollectError::TooLarge);
            }
            buf.extend_from_slice(&data);
        }
    }
    Ok(buf.freeze())
}

// ---- the request path ----------------------------------------------------

/// What an allowed request becomes.
struct Plan {
    /// Upstream request target (version prefix, path, query).
    uri: String,
    body: Option<Bytes>,
    hijack: bool,
}

/// Removes hop-by-hop headers (and those the `Connection` header names).
fn strip_hop_by_hop(h: &mut HeaderMap) {
    let named: Vec<HeaderName> = h
        .get_all(header::CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|t| HeaderName::from_bytes(t.trim().as_bytes()).ok())
        .collect();
    for n in named {
        if n != header::CONTENT_LENGTH && n != header::HOST {
            h.remove(&n);
        }
    }
    for n in [
        "connection",
        "keep-alive",
        "proxy-connection",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
    ] {
        h.remove(n);
    }
}

fn media_type(headers: &HeaderMap) -> Option<String> {
    headers
        .get(header::CONTENT_TYPE)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
        .map(|s| {
            s.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
}

fn has_body(headers: &HeaderMap) -> bool {
    headers.contains_key(header::TRANSFER_ENCODING)
        || headers
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .is_some_and(|n| n > 0)
}

fn content_length(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
}

struct Audited {
    route: &'static str,
    path: String,
    rules: Vec<String>,
    digest: Option<String>,
}

async fn plan(
    c: &ConnState,
    req: &mut Request<Body>,
    audited: &mut Audited,
) -> Result<Plan, Refusal> {
    let index = c.requests.fetch_add(1, Ordering::SeqCst);
    if c.framing.te_and_cl.load(Ordering::SeqCst) <= index {
        return Err(Refusal::new(
            ids::FRAMING,
            "both Transfer-Encoding and Content-Length are given (a request smuggling attempt)",
        ));
    }
    let uri = req.uri();
    if uri.scheme().is_some() || uri.authority().is_some() {
        return Err(Refusal::new(
            ids::TARGET,
            "absolute-form request target: only origin-form paths are accepted",
        ));
    }
    let raw = uri.path_and_query().map_or("/", |p| p.as_str()).to_string();
    let target = canon::canonicalize(&raw).map_err(|e| Refusal::new(ids::TARGET, e.0))?;
    audited.path = target.path.clone();
    if let Some(v) = target.version
        && v < (ApiVersion {
            major: 1,
            minor: decide::MIN_API_MINOR,
        })
    {
        return Err(Refusal::new(
            ids::VERSION,
            format!(
                "API version {v} is older than 1.{} (legacy semantics the guard does not judge)",
                decide::MIN_API_MINOR
            ),
        ));
    }
    let method = req.method().as_str().to_string();
    let matched: Matched = routes::route(&method, &target.path).ok_or_else(|| {
        Refusal::new(
            ids::UNKNOWN_ROUTE,
            format!("{method} {} is not a Docker Engine API route", target.path),
        )
    })?;
    let route = matched.route;
    audited.route = route.name;
    if let Some(k) = target
        .query
        .repeated()
        .into_iter()
        .find(|k| !route.multi.contains(k))
    {
        return Err(Refusal::new(
            ids::QUERY,
            format!("query parameter `{k}` is repeated (the daemon would read only the first)"),
        ));
    }
    let profile = &c.listener.profile;
    if !profile.allows(route.name) {
        return Err(Refusal::new(
            ids::NOT_ALLOWED,
            format!(
                "{method} {} (`{}`) is not allowed by profile `{}`",
                target.path, route.name, profile.name
            ),
        ));
    }
    let headers = req.headers();
    if headers.contains_key(header::TRANSFER_ENCODING)
        && headers.contains_key(header::CONTENT_LENGTH)
    {
        return Err(Refusal::new(
            ids::FRAMING,
            "both Transfer-Encoding and Content-Length are given",
        ));
    }
    if headers.get_all(header::CONTENT_LENGTH).iter().count() > 1 {
        return Err(Refusal::new(
            ids::FRAMING,
            "Content-Length is given more than once",
        ));
    }
    let mt = media_type(headers);
    if matches!(
        mt.as_deref(),
        Some("application/x-www-form-urlencoded" | "multipart/form-data")
    ) {
        return Err(Refusal::new(
            ids::FRAMING,
            "form-encoded body: the daemon would read its fields as query parameters",
        ));
    }
    let body_present = has_body(headers);
    if decide::json_body(route.name) && body_present && mt.as_deref() != Some("application/json") {
        return Err(Refusal::new(
            ids::FRAMING,
            format!(
                "the body of `{}` must be application/json (got {})",
                route.name,
                mt.as_deref().unwrap_or("no Content-Type")
            ),
        ));
    }
    let upgrade = headers.contains_key(header::UPGRADE);
    if upgrade && !route.hijack {
        return Err(Refusal::new(
            ids::UPGRADE,
            format!(
                "`Upgrade` on `{}`, which the daemon never upgrades",
                route.name
            ),
        ));
    }
    let mut body = None;
    if decide::judges_body(route.name) {
        if content_length(headers).is_some_and(|n| n > c.shared.max_body as u64) {
            return Err(Refusal::new(
                ids::TOO_LARGE,
                format!("body larger than {} bytes", c.shared.max_body),
            ));
        }
        let b = collect_limited(
            std::mem::replace(req.body_mut(), empty()),
            c.shared.max_body,
        )
        .await
        .map_err(|e| match e {
            CollectError::TooLarge => Refusal::new(
                ids::TOO_LARGE,
                format!("body larger than {} bytes", c.shared.max_body),
            ),
            CollectError::Read(e) => Refusal::new(ids::FRAMING, format!("body: {e}")),
        })?;
        audited.digest = Some(hex(&Sha256::digest(&b)));
        body = Some(b);
    }
    let judge = Judge {
        profile,
        lookup: &UpstreamLookup {
            path: &c.shared.upstream,
        },
        ctx: &c.shared.ctx,
        protected: &c.shared.protected,
    };
    let allow: Allow = judge
        .judge(&Req {
            matched: &matched,
            query: &target.query,
            body: body.as_deref(),
            upgrade,
        })
        .await?;
    audited.rules = allow.rules;
    let path = allow.path.unwrap_or_else(|| target.path.clone());
    Ok(Plan {
        uri: target.upstream_path(&path),
        body,
        hijack: route.hijack,
    })
}

/// Reads and drops what is left of a refused request's body (bounded in
/// size and time), so the client reads the refusal instead of a broken
/// pipe. Nothing of it is forwarded.
async fn drain(mut body: Body) {
    const MAX: usize = 8 * 1024 * 1024;
    let mut seen = 0usize;
    let _ = tokio::time::timeout(std::time::Duration::from_secs(5), async {
        while let Some(Ok(frame)) = body.frame().await {
            if let Ok(d) = frame.into_data() {
                seen += d.len();
                if seen > MAX {
                    break;
                }
            }
        }
    })
    .await;
}

fn hex(b: &[u8]) -> String {
    let mut s = String::with_capacity(b.len() * 2);
    for x in b {
        s.push_str(&format!("{x:02x}"));
    }
    s
}

fn refusal_response(r: &Refusal) -> Response<Body> {
    let mut resp = Response::new(full(r.body()));
    *resp.status_mut() = StatusCode::from_u16(r.http_status()).unwrap_or(StatusCode::FORBIDDEN);
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    resp
}

async fn handle(c: Arc<ConnState>, req: Request<Incoming>) -> Response<Body> {
    let mut req = req.map(|b| b.boxed_unsync());
    let method = req.method().as_str().to_string();
    let mut audited = Audited {
        route: "-",
        path: req.uri().path().to_string(),
        rules: Vec::new(),
        digest: None,
    };
    let planned = plan(&c, &mut req, &mut audited).await;
    let (decision, reason, rules) = match &planned {
        Ok(_) => ("allow", String::new(), audited.rules.clone()),
        Err(r) => ("deny", r.message.clone(), vec![r.rule.clone()]),
    };
    let logged = c.shared.audit.write(&Record {
        listener: &c.listener.name,
        profile: &c.listener.profile.name,
        peer: &c.peer,
        method: &method,
        route: audited.route,
        path: &audited.path,
        decision,
        rules: &rules,
        reason: &reason,
        body_sha256: audited.digest.as_deref(),
    });
    let plan = match (planned, logged) {
        (Err(r), _) => {
            drain(req.into_body()).await;
            return refusal_response(&r);
        }
        (Ok(_), Err(e)) => {
            return refusal_response(&Refusal::new(
                ids::AUDIT,
                format!("{e}: refusing (fail closed)"),
            ));
        }
        (Ok(p), Ok(())) => p,
    };
    match forward(&c, req, plan).await {
        Ok(resp) => resp,
        Err(e) => {
            let _ = c.shared.audit.write(&Record {
                listener: &c.listener.name,
                profile: &c.listener.profile.name,
                peer: &c.peer,
                method: &method,
                route: audited.route,
                path: &audited.path,
                decision: "error",
                rules: &[],
                reason: &e,
                body_sha256: None,
            });
            refusal_response(&Refusal {
                status: 502,
                ..Refusal::new(ids::UPSTREAM, format!("upstream: {e}"))
            })
        }
    }
}

impl ConnState {
    /// Sends on this client's upstream connection, opening it when needed.
    async fn send(&self, req: Request<Body>) -> Result<Response<Incoming>, String> {
        let cached = self.sender.lock().unwrap_or_else(|e| e.into_inner()).take();
        let mut s = match cached {
            Some(mut s) if !s.is_closed() => match s.ready().await {
                Ok(()) => s,
                Err(_) => connect_upstream(&self.shared.upstream).await?,
            },
            _ => connect_upstream(&self.shared.upstream).await?,
        };
        let resp = s.send_request(req).await.map_err(|e| e.to_string())?;
        *self.sender.lock().unwrap_or_else(|e| e.into_inner()) = Some(s);
        Ok(resp)
    }
}

async fn forward(
    c: &ConnState,
    mut req: Request<Body>,
    plan: Plan,
) -> Result<Response<Body>, String> {
    let down_upgrade = plan.hijack.then(|| hyper::upgrade::on(&mut req));
    let (mut parts, body) = req.into_parts();
    parts.uri = plan
        .uri
        .parse()
        .map_err(|e| format!("upstream target: {e}"))?;
    let upgrade = parts.headers.get(header::UPGRADE).cloned();
    strip_hop_by_hop(&mut parts.headers);
    let headers = &mut parts.headers;
    if plan.hijack
        && let Some(up) = upgrade
    {
        headers.insert(header::CONNECTION, HeaderValue::from_static("Upgrade"));
        headers.insert(header::UPGRADE, up);
    }
    if !headers.contains_key(header::HOST) {
        headers.insert(header::HOST, HeaderValue::from_static("docker"));
    }
    let up_body = match plan.body {
        Some(bytes) => {
            headers.insert(header::CONTENT_LENGTH, HeaderValue::from(bytes.len()));
            full(bytes)
        }
        None => body,
    };
    parts.extensions = hyper::http::Extensions::new();
    parts.version = hyper::Version::HTTP_11;
    let up_req = Request::from_parts(parts, up_body);
    let mut resp = if plan.hijack {
        // A hijacked connection is consumed: use one of its own.
        let mut s = connect_upstream(&c.shared.upstream).await?;
        s.send_request(up_req).await.map_err(|e| e.to_string())?
    } else {
        c.send(up_req).await?
    };
    if resp.status() == StatusCode::SWITCHING_PROTOCOLS {
        let Some(down) = down_upgrade else {
            return Err("the daemon switched protocols on a route that never upgrades".to_string());
        };
        let up = hyper::upgrade::on(&mut resp);
        tokio::spawn(async move {
            if let (Ok(d), Ok(u)) = (down.await, up.await) {
                let mut d = TokioIo::new(d);
                let mut u = TokioIo::new(u);
                let _ =
                    tokio::io::copy_bidirectional_with_sizes(&mut d, &mut u, 64 * 1024, 64 * 1024)
                        .await;
            }
        });
        let mut out = Response::new(empty());
        *out.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
        *out.headers_mut() = resp.headers().clone();
        return Ok(out);
    }
    let (mut parts, body) = resp.into_parts();
    strip_hop_by_hop(&mut parts.headers);
    parts.extensions = hyper::http::Extensions::new();
    Ok(Response::from_parts(parts, body.boxed_unsync()))
}

async fn serve_conn<IO>(io: IO, conn: Arc<ConnState>)
where
    IO: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let framing = conn.framing.clone();
    let svc = hyper::service::service_fn(move |req| {
        let c = conn.clone();
        async move { Ok::<_, Infallible>(handle(c, req).await) }
    });
    let watched = Watched::new(io, framing);
    let mut b = hyper::server::conn::http1::Builder::new();
    b.half_close(true).keep_alive(true);
    let _ = b
        .serve_connection(TokioIo::new(watched), svc)
        .with_upgrades()
        .await;
}

// ---- listeners -------------------------------------------------------------

enum Socket {
    Unix(std::os::unix::net::UnixListener),
    Tcp(std::net::TcpListener, tokio_rustls::TlsAcceptor),
}

/// Listeners bound and ready to serve.
pub struct Bound {
    sockets: Vec<(Socket, Arc<ListenerState>)>,
    shared: Arc<Shared>,
    unix_paths: Vec<PathBuf>,
}

/// Creates a unix socket with mode 0660, owned by the guard's user.
fn bind_unix(path: &Path) -> Result<std::os::unix::net::UnixListener, String> {
    use std::os::unix::fs::{FileTypeExt, PermissionsExt};
    let shown = path.display();
    if let Ok(meta) = std::fs::symlink_metadata(path) {
        if !meta.file_type().is_socket() {
            return Err(format!("{shown}: exists and is not a socket"));
        }
        if std::os::unix::net::UnixStream::connect(path).is_ok() {
            return Err(format!("{shown}: another process is listening on it"));
        }
        std::fs::remove_file(path)
            .map_err(|e| format!("{shown}: cannot remove the stale socket: {e}"))?;
    }
    // SAFETY: umask only changes the process's file-creation mask; it is
    // restored right after the bind, before any thread serves.
    let old = unsafe { libc::umask(0o117) };
    let bound = std::os::unix::net::UnixListener::bind(path);
    unsafe { libc::umask(old) };
    let l = bound.map_err(|e| format!("{shown}: cannot listen: {e}"))?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o660))
        .map_err(|e| format!("{shown}: chmod 0660: {e}"))?;
    l.set_nonblocking(true)
        .map_err(|e| format!("{shown}: {e}"))?;
    Ok(l)
}

fn tls_acceptor(files: &TlsFiles) -> Result<tokio_rustls::TlsAcceptor, String> {
    use tokio_rustls::rustls::{
        self, RootCertStore, ServerConfig,
        pki_types::{CertificateDer, PrivateKeyDer, pem::PemObject},
        server::WebPkiClientVerifier,
    };
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let read_certs = |p: &Path| -> Result<Vec<CertificateDer<'static>>, String> {
        let certs = CertificateDer::pem_file_iter(p)
            .map_err(|e| format!("{}: {e}", p.display()))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| format!("{}: {e}", p.display()))?;
        if certs.is_empty() {
            return Err(format!("{}: no certificate", p.display()));
        }
        Ok(certs)
    };
    let certs = read_certs(&files.cert)?;
    let key = PrivateKeyDer::from_pem_file(&files.key)
        .map_err(|e| format!("{}: {e}", files.key.display()))?;
    let mut roots = RootCertStore::empty();
    for c in read_certs(&files.client_ca)? {
        roots
            .add(c)
            .map_err(|e| format!("{}: {e}", files.client_ca.display()))?;
    }
    let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider.clone())
        .build()
        .map_err(|e| format!("client CA: {e}"))?;
    let cfg = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_client_cert_verifier(verifier)
        .with_single_cert(certs, key)
        .map_err(|e| format!("{}: {e}", files.cert.display()))?;
    Ok(tokio_rustls::TlsAcceptor::from(Arc::new(cfg)))
}

/// Opens the audit log and binds every listener; any failure stops the
/// guard before it serves anything.
pub fn bind(config: &GuardConfig) -> Result<Bound, String> {
    let audit = Audit::open(&config.audit_log)?;
    let mut protected = vec![config.upstream.to_string_lossy().into_owned()];
    for l in &config.listeners {
        if let ListenAddr::Unix(p) = &l.listen {
            protected.push(p.to_string_lossy().into_owned());
        }
    }
    let shared = Arc::new(Shared {
        upstream: config.upstream.clone(),
        audit,
        max_body: config.max_body,
        ctx: Ctx::default(),
        protected,
    });
    let mut sockets = Vec::new();
    let mut unix_paths: Vec<PathBuf> = Vec::new();
    for l in &config.listeners {
        let state = Arc::new(ListenerState {
            name: l.listen.to_string(),
            profile: l.profile.clone(),
        });
        let sock = match (&l.listen, &l.tls) {
            (ListenAddr::Unix(p), _) => match bind_unix(p) {
                Ok(s) => {
                    unix_paths.push(p.clone());
                    Socket::Unix(s)
                }
                Err(e) => {
                    for p in &unix_paths {
                        let _ = std::fs::remove_file(p);
                    }
                    return Err(e);
                }
            },
            (ListenAddr::Tcp(a), Some(tls)) => {
                let acceptor = tls_acceptor(tls).map_err(|e| format!("{}: {e}", l.listen))?;
                let t = std::net::TcpListener::bind(a).map_err(|e| format!("{}: {e}", l.listen))?;
                t.set_nonblocking(true).map_err(|e| e.to_string())?;
                Socket::Tcp(t, acceptor)
            }
            (ListenAddr::Tcp(_), None) => {
                return Err(format!("{}: tcp listeners need mutual TLS", l.listen));
            }
        };
        sockets.push((sock, state));
    }
    Ok(Bound {
        sockets,
        shared,
        unix_paths,
    })
}

impl Bound {
    /// The local address of each tcp listener, in order (port 0 binds).
    pub fn tcp_addrs(&self) -> Vec<std::net::SocketAddr> {
        self.sockets
            .iter()
            .filter_map(|(s, _)| match s {
                Socket::Tcp(t, _) => t.local_addr().ok(),
                Socket::Unix(_) => None,
            })
            .collect()
    }

    /// Serves until `shutdown` completes, then removes the unix sockets.
    pub async fn serve(self, shutdown: impl Future<Output = ()>) -> Result<(), String> {
        let mut tasks = tokio::task::JoinSet::new();
        for (sock, state) in self.sockets {
            let shared = self.shared.clone();
            match sock {
                Socket::Unix(l) => {
                    let l = tokio::net::UnixListener::from_std(l).map_err(|e| e.to_string())?;
                    tasks.spawn(async move {
                        loop {
                            let Ok((stream, _)) = l.accept().await else {
                                continue;
                            };
                            larger_send_buffer(&stream);
                            let peer = match stream.peer_cred() {
                                Ok(c) => Peer::Unix {
                                    uid: c.uid(),
                                    gid: c.gid(),
                                    pid: c.pid().filter(|p| *p > 0),
                                },
                                Err(_) => Peer::Unknown,
                            };
                            let conn =
                                Arc::new(ConnState::new(shared.clone(), state.clone(), peer));
                            tokio::spawn(serve_conn(stream, conn));
                        }
                    });
                }
                Socket::Tcp(l, acceptor) => {
                    let l = tokio::net::TcpListener::from_std(l).map_err(|e| e.to_string())?;
                    tasks.spawn(async move {
                        loop {
                            let Ok((stream, addr)) = l.accept().await else {
                                continue;
                            };
                            let _ = stream.set_nodelay(true);
                            let acceptor = acceptor.clone();
                            let shared = shared.clone();
                            let state = state.clone();
                            tokio::spawn(async move {
                                // An unauthenticated client never reaches HTTP.
                                let Ok(tls) = acceptor.accept(stream).await else {
                                    return;
                                };
                                let cert = tls
                                    .get_ref()
                                    .1
                                    .peer_certificates()
                                    .and_then(|c| c.first())
                                    .map(|c| hex(&Sha256::digest(c.as_ref())));
                                let peer = Peer::Tcp {
                                    addr: addr.to_string(),
                                    cert_sha256: cert,
                                };
                                let conn = Arc::new(ConnState::new(shared, state, peer));
                                serve_conn(tls, conn).await;
                            });
                        }
                    });
                }
            }
        }
        shutdown.await;
        tasks.abort_all();
        self.shared.audit.close();
        for p in &self.unix_paths {
            let _ = std::fs::remove_file(p);
        }
        Ok(())
    }
}

/// A guard serving on its own runtime thread (for tests, benches and
/// embedding). Stops and removes its sockets when dropped.
pub struct Running {
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<Result<(), String>>>,
    pub tcp_addrs: Vec<std::net::SocketAddr>,
}

impl Running {
    pub fn stop(mut self) -> Result<(), String> {
        self.shutdown()
    }

    fn shutdown(&mut self) -> Result<(), String> {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        match self.thread.take() {
            Some(t) => t.join().map_err(|_| "guard thread panicked".to_string())?,
            None => Ok(()),
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.shutdown();
    }
}

/// A runtime with `workers` threads; 0: everything on the calling thread.
fn runtime(workers: usize) -> Result<tokio::runtime::Runtime, String> {
    let mut b = if workers == 0 {
        tokio::runtime::Builder::new_current_thread()
    } else {
        let mut b = tokio::runtime::Builder::new_multi_thread();
        b.worker_threads(workers);
        b
    };
    b.enable_all().build().map_err(|e| e.to_string())
}

/// Binds (synchronously: the sockets exist when this returns) and serves
/// on a background thread with a `workers`-thread runtime (0: one thread).
pub fn spawn(config: &GuardConfig, workers: usize) -> Result<Running, String> {
    let bound = bind(config)?;
    let tcp_addrs = bound.tcp_addrs();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let rt = runtime(workers)?;
    let thread = std::thread::Builder::new()
        .name("stockade-guard".into())
        .spawn(move || {
            rt.block_on(bound.serve(async {
                let _ = rx.await;
            }))
        })
        .map_err(|e| e.to_string())?;
    Ok(Running {
        stop: Some(tx),
        thread: Some(thread),
        tcp_addrs,
    })
}

/// Runs the guard in the foreground until SIGINT or SIGTERM, on `threads`
/// threads. One thread (the default of `stockade guard`) gives the lowest
/// latency: a request, its upstream call and the reply never wake another
/// thread (bench/guard.sh: about 25 µs less added p50 than two workers on a
/// 2-core machine). More threads help only with many busy clients.
pub fn run(config: &GuardConfig, threads: usize) -> Result<(), String> {
    let bound = bind(config)?;
    let rt = runtime(if threads <= 1 { 0 } else { threads })?;
    rt.block_on(async move {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .map_err(|e| e.to_string())?;
        bound
            .serve(async move {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            })
            .await
    })
}
