//! A small Engine API client: HTTP/1.1 (hyper) over a unix socket, plain
//! TCP or TLS, with API version negotiation, timeouts and bounded answers.
//!
//! [`Client`] is async (tokio); [`BlockingClient`] wraps it with its own
//! single-threaded runtime for callers that are not async.

use crate::convert::VolumeInfo;
use crate::endpoint::{Endpoint, TlsFiles};
use crate::error::EngineError;
use crate::models::{
    ContainerSummary, ImageInspect, NetworkInspect, Ping, SystemInfo, VersionInfo, from_doc,
};
use bytes::Bytes;
use http::header::{HOST, USER_AGENT};
use http::{HeaderMap, Request, Response, StatusCode};
use http_body_util::{BodyExt, Empty};
use hyper::body::Incoming;
use hyper::client::conn::http1::{self, SendRequest};
use hyper_util::rt::TokioIo;
use serde_json::Value;
use std::io;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpStream, UnixStream};
use tokio_rustls::TlsConnector;
use tokio_rustls::rustls;

/// The oldest Engine API stockade reads (Docker 1.12).
pub const MIN_API: (u32, u32) = (1, 24);
/// The newest Engine API stockade asks for.
pub const MAX_API: (u32, u32) = (1, 51);

/// Limits of one client.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// Connecting, and each request with its whole answer.
    pub timeout: Duration,
    /// Largest JSON answer read.
    pub max_json_bytes: usize,
    /// Longest wait for the next piece of a streamed answer.
    pub stream_idle_timeout: Duration,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            timeout: Duration::from_secs(30),
            max_json_bytes: 64 << 20,
            stream_idle_timeout: Duration::from_secs(120),
        }
    }
}

type Sender = SendRequest<Empty<Bytes>>;

/// A connection to one daemon, with the negotiated API version.
pub struct Client {
    endpoint: Endpoint,
    opts: ClientOptions,
    tls: Option<Arc<rustls::ClientConfig>>,
    api: (u32, u32),
    ping: Ping,
    idle: Mutex<Option<Sender>>,
}

/// Parses `1.41` into `(1, 41)`.
pub fn parse_api_version(s: &str) -> Option<(u32, u32)> {
    let (a, b) = s.trim().split_once('.')?;
    Some((a.parse().ok()?, b.parse().ok()?))
}

impl Client {
    /// Connects, pings and negotiates the API version: the lower of the
    /// daemon's version and [`MAX_API`]; an error below [`MIN_API`].
    pub async fn connect(endpoint: Endpoint, opts: ClientOptions) -> Result<Client, EngineError> {
        let tls = match &endpoint {
            Endpoint::Tcp {
                tls: Some(files), ..
            } => Some(Arc::new(tls_config(files)?)),
            _ => None,
        };
        let mut client = Client {
            endpoint,
            opts,
            tls,
            api: MIN_API,
            ping: Ping::default(),
            idle: Mutex::new(None),
        };
        let server = match client.ping().await {
            Ok(p) => {
                client.ping = p;
                client
                    .ping
                    .api_version
                    .as_deref()
                    .and_then(parse_api_version)
            }
            Err(e) if e.is_connection() => return Err(e),
            Err(_) => None,
        };
        let server = match server {
            Some(v) => v,
            None => {
                let v = client.get_json_path("/version").await?;
                match v.get("ApiVersion").and_then(|a| a.as_str()) {
                    Some(s) => parse_api_version(s).ok_or_else(|| EngineError::BadResponse {
                        path: "/version".into(),
                        detail: format!("unreadable ApiVersion `{}`", printable(s)),
                    })?,
                    // Daemons before API 1.24 do not say; the CLI assumes 1.24.
                    None => MIN_API,
                }
            }
        };
        if server < MIN_API {
            return Err(EngineError::ApiTooOld {
                server: format!("{}.{}", server.0, server.1),
                minimum: format!("{}.{}", MIN_API.0, MIN_API.1),
            });
        }
        client.api = server.min(MAX_API);
        Ok(client)
    }

    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    /// The negotiated API version (`1.41`).
    pub fn api_version(&self) -> String {
        format!("{}.{}", self.api.0, self.api.1)
    }

    /// What `/_ping` said when connecting.
    pub fn ping_info(&self) -> &Ping {
        &self.ping
    }

    /// `GET /_ping`.
    pub async fn ping(&self) -> Result<Ping, EngineError> {
        let path = "/_ping";
        let run = async {
            let (resp, sender) = self.roundtrip(path).await?;
            let status = resp.status();
            let headers = resp.headers().clone();
            let body = read_limited(resp.into_body(), 4096, path).await?;
            self.put_back(sender);
            if !status.is_success() {
                return Err(http_error(status, path, &body));
            }
            Ok(ping_from(&headers))
        };
        self.timed(path, run).await
    }

    /// `GET /version`.
    pub async fn version(&self) -> Result<VersionInfo, EngineError> {
        self.get_typed("/version", "version").await
    }

    /// `GET /info`.
    pub async fn info(&self) -> Result<SystemInfo, EngineError> {
        self.get_typed("/info", "info").await
    }

    /// `GET /containers/json`: running containers (`all`: every container),
    /// optionally filtered by labels (`key` or `key=value`).
    pub async fn containers(
        &self,
        all: bool,
        labels: &[String],
    ) -> Result<Vec<ContainerSummary>, EngineError> {
        let mut path = format!("/containers/json?all={}", if all { 1 } else { 0 });
        if !labels.is_empty() {
            let filters = serde_json::json!({ "label": labels });
            path.push_str("&filters=");
            path.push_str(&percent_encode(&filters.to_string(), false));
        }
        let v = self.get_json(&path).await?;
        let Value::Array(items) = v else {
            return Err(EngineError::BadResponse {
                path,
                detail: "expected a JSON array".into(),
            });
        };
        items
            .into_iter()
            .map(|i| from_doc(i, "container").map_err(|d| bad(&path, d)))
            .collect()
    }

    /// `GET /containers/{id}/json`: the raw document (for [`crate::spec_from_inspect`]).
    pub async fn inspect_container(&self, id: &str) -> Result<Value, EngineError> {
        let path = format!("/containers/{}/json", percent_encode(id, false));
        let v = self.get_json(&path).await?;
        if !v.is_object() {
            return Err(bad(&path, "expected a JSON object".into()));
        }
        Ok(v)
    }

    /// `GET /networks/{id}`.
    pub async fn network(&self, id: &str) -> Result<NetworkInspect, EngineError> {
        let path = format!("/networks/{}", percent_encode(id, false));
        self.get_typed(&path, "network").await
    }

    /// `GET /images/{name}/json`.
    pub async fn image(&self, name: &str) -> Result<ImageInspect, EngineError> {
        let path = format!("/images/{}/json", percent_encode(name, true));
        self.get_typed(&path, "image").await
    }

    /// `GET /volumes/{name}`.
    pub async fn volume(&self, name: &str) -> Result<VolumeInfo, EngineError> {
        let path = format!("/volumes/{}", percent_encode(name, false));
        let v = self.get_json(&path).await?;
        VolumeInfo::from_json(&v).map_err(|d| bad(&path, d))
    }

    /// `GET /images/{name}/get`: the image as a `docker save` tar stream,
    /// read piece by piece (never buffered whole).
    pub async fn export_image(&self, name: &str) -> Result<ByteStream, EngineError> {
        let path = self.versioned(&format!("/images/{}/get", percent_encode(name, true)));
        let run = async {
            let sender = self.connect_new().await?;
            let (resp, _sender) = self.send(sender, &path).await?;
            let status = resp.status();
            if !status.is_success() {
                let body = read_limited(resp.into_body(), 64 << 10, &path).await?;
                return Err(http_error(status, &path, &body));
            }
            Ok(ByteStream {
                body: resp.into_body(),
                idle: self.opts.stream_idle_timeout,
                path: path.clone(),
                endpoint: self.endpoint.to_string(),
            })
        };
        self.timed(&path, run).await
    }

    /// `GET /v{api}{path}` as JSON. `path` starts with `/` and may carry a query.
    pub async fn get_json(&self, path: &str) -> Result<Value, EngineError> {
        let path = self.versioned(path);
        self.get_json_path(&path).await
    }

    async fn get_typed<T: serde::de::DeserializeOwned + crate::models::WithRaw>(
        &self,
        path: &str,
        what: &str,
    ) -> Result<T, EngineError> {
        let v = self.get_json(path).await?;
        from_doc(v, what).map_err(|d| bad(path, d))
    }

    fn versioned(&self, path: &str) -> String {
        format!("/v{}.{}{path}", self.api.0, self.api.1)
    }

    async fn get_json_path(&self, path: &str) -> Result<Value, EngineError> {
        let run = async {
            let (resp, sender) = self.roundtrip(path).await?;
            let status = resp.status();
            let body = read_limited(resp.into_body(), self.opts.max_json_bytes, path).await?;
            self.put_back(sender);
            if !status.is_success() {
                return Err(http_error(status, path, &body));
            }
            serde_json::from_slice(&body).map_err(|e| bad(path, format!("malformed JSON ({e})")))
        };
        self.timed(path, run).await
    }

    async fn timed<T>(
        &self,
        what: &str,
        fut: impl Future<Output = Result<T, EngineError>>,
    ) -> Result<T, EngineError> {
        match tokio::time::timeout(self.opts.timeout, fut).await {
            Ok(r) => r,
            Err(_) => Err(EngineError::Timeout {
                endpoint: self.endpoint.to_string(),
                what: what.to_string(),
                secs: self.opts.timeout.as_secs().max(1),
            }),
        }
    }

    fn put_back(&self, sender: Sender) {
        if let Ok(mut idle) = self.idle.lock() {
            *idle = Some(sender);
        }
    }

    /// Sends a GET on an idle connection (or a new one); a reused
    /// connection the daemon closed meanwhile is replaced once.
    async fn roundtrip(&self, path: &str) -> Result<(Response<Incoming>, Sender), EngineError> {
        let reused = self.idle.lock().ok().and_then(|mut i| i.take());
        if let Some(mut s) = reused
            && s.ready().await.is_ok()
            && let Ok(r) = self.send(s, path).await
        {
            return Ok(r);
        }
        let s = self.connect_new().await?;
        self.send(s, path).await
    }

    async fn send(
        &self,
        mut sender: Sender,
        path: &str,
    ) -> Result<(Response<Incoming>, Sender), EngineError> {
        let req = Request::get(path)
            .header(HOST, self.host_header())
            .header(USER_AGENT, concat!("stockade/", env!("CARGO_PKG_VERSION")))
            .body(Empty::<Bytes>::new())
            .map_err(|e| EngineError::Config(format!("invalid request path `{path}`: {e}")))?;
        sender
            .ready()
            .await
            .map_err(|e| bad(path, format!("connection closed: {e}")))?;
        let resp = sender
            .send_request(req)
            .await
            .map_err(|e| bad(path, describe_hyper(&e)))?;
        Ok((resp, sender))
    }

    fn host_header(&self) -> String {
        match &self.endpoint {
            Endpoint::Unix(_) => "docker".to_string(),
            Endpoint::Tcp { host, port, .. } if host.contains(':') => format!("[{host}]:{port}"),
            Endpoint::Tcp { host, port, .. } => format!("{host}:{port}"),
        }
    }

    async fn connect_new(&self) -> Result<Sender, EngineError> {
        let endpoint = self.endpoint.to_string();
        let fut = async {
            match &self.endpoint {
                Endpoint::Unix(path) => {
                    let s = UnixStream::connect(path)
                        .await
                        .map_err(|e| connect_error(&endpoint, &path.display().to_string(), e))?;
                    handshake(s, &endpoint).await
                }
                Endpoint::Tcp { host, port, .. } => {
                    let s = TcpStream::connect((host.as_str(), *port))
                        .await
                        .map_err(|e| connect_error(&endpoint, &format!("{host}:{port}"), e))?;
                    let _ = s.set_nodelay(true);
                    match &self.tls {
                        None => handshake(s, &endpoint).await,
                        Some(cfg) => {
                            let name = rustls::pki_types::ServerName::try_from(host.clone())
                                .map_err(|e| EngineError::Tls {
                                    endpoint: endpoint.clone(),
                                    detail: format!("invalid server name `{host}`: {e}"),
                                })?;
                            let tls = TlsConnector::from(cfg.clone())
                                .connect(name, s)
                                .await
                                .map_err(|e| EngineError::Tls {
                                    endpoint: endpoint.clone(),
                                    detail: e.to_string(),
                                })?;
                            handshake(tls, &endpoint).await
                        }
                    }
                }
            }
        };
        match tokio::time::timeout(self.opts.timeout, fut).await {
            Ok(r) => r,
            Err(_) => Err(EngineError::Timeout {
                endpoint,
                what: "the connection".into(),
                secs: self.opts.timeout.as_secs().max(1),
            }),
        }
    }
}

async fn handshake<S>(io: S, endpoint: &str) -> Result<Sender, EngineError>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (sender, conn) =
        http1::handshake(TokioIo::new(io))
            .await
            .map_err(|e| EngineError::Unreachable {
                endpoint: endpoint.to_string(),
                detail: describe_hyper(&e),
            })?;
    tokio::spawn(async move {
        let _ = conn.await;
    });
    Ok(sender)
}

fn connect_error(endpoint: &str, target: &str, e: io::Error) -> EngineError {
    let endpoint = endpoint.to_string();
    match e.kind() {
        io::ErrorKind::NotFound => EngineError::Unreachable {
            endpoint,
            detail: format!("no socket at {target}"),
        },
        io::ErrorKind::PermissionDenied => EngineError::PermissionDenied {
            endpoint,
            detail: e.to_string(),
        },
        io::ErrorKind::ConnectionRefused => EngineError::Unreachable {
            endpoint,
            detail: format!("connection refused by {target}"),
        },
        _ => EngineError::Unreachable {
            endpoint,
            detail: e.to_string(),
        },
    }
}

fn describe_hyper(e: &hyper::Error) -> String {
    if e.is_incomplete_message() {
        "the connection closed before the answer was complete".to_string()
    } else if e.is_parse() {
        format!("not an HTTP answer ({e})")
    } else {
        e.to_string()
    }
}

fn bad(path: &str, detail: String) -> EngineError {
    EngineError::BadResponse {
        path: path.to_string(),
        detail,
    }
}

/// Text safe to print: control characters replaced, at most 300 characters.
fn printable(s: &str) -> String {
    let mut out: String = s
        .chars()
        .take(300)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if s.chars().count() > 300 {
        out.push('…');
    }
    out
}

fn http_error(status: StatusCode, path: &str, body: &[u8]) -> EngineError {
    let message = serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|v| {
            v.get("message")
                .and_then(|m| m.as_str())
                .map(str::to_string)
        })
        .unwrap_or_else(|| String::from_utf8_lossy(body).trim().to_string());
    let message = if message.is_empty() {
        status.canonical_reason().unwrap_or("error").to_string()
    } else {
        printable(&message)
    };
    EngineError::Http {
        status: status.as_u16(),
        path: path.to_string(),
        message,
    }
}

fn ping_from(h: &HeaderMap) -> Ping {
    let get = |k: &str| {
        h.get(k)
            .and_then(|v| v.to_str().ok())
            .map(|s| printable(s.trim()))
            .filter(|s| !s.is_empty())
    };
    Ping {
        api_version: get("api-version"),
        os_type: get("ostype"),
        experimental: get("docker-experimental").map(|s| s == "true"),
        server: get("server"),
    }
}

async fn read_limited(
    mut body: Incoming,
    limit: usize,
    path: &str,
) -> Result<Vec<u8>, EngineError> {
    let mut out = Vec::new();
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| bad(path, describe_hyper(&e)))?;
        if let Ok(data) = frame.into_data() {
            if out.len() + data.len() > limit {
                return Err(bad(path, format!("answer larger than {limit} bytes")));
            }
            out.extend_from_slice(&data);
        }
    }
    Ok(out)
}

/// Percent-encodes a path segment or query value; `keep_slash` keeps `/`
/// and `:` (image references).
fn percent_encode(s: &str, keep_slash: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        let keep = b.is_ascii_alphanumeric()
            || matches!(b, b'-' | b'.' | b'_' | b'~')
            || (keep_slash && matches!(b, b'/' | b':' | b'@'));
        if keep {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A streamed answer.
pub struct ByteStream {
    body: Incoming,
    idle: Duration,
    path: String,
    endpoint: String,
}

impl ByteStream {
    /// The next piece, `None` at the end.
    pub async fn next_chunk(&mut self) -> Result<Option<Bytes>, EngineError> {
        loop {
            let frame = match tokio::time::timeout(self.idle, self.body.frame()).await {
                Err(_) => {
                    return Err(EngineError::Timeout {
                        endpoint: self.endpoint.clone(),
                        what: format!("the next part of {}", self.path),
                        secs: self.idle.as_secs().max(1),
                    });
                }
                Ok(None) => return Ok(None),
                Ok(Some(Err(e))) => return Err(bad(&self.path, describe_hyper(&e))),
                Ok(Some(Ok(f))) => f,
            };
            if let Ok(data) = frame.into_data()
                && !data.is_empty()
            {
                return Ok(Some(data));
            }
        }
    }
}

fn tls_config(files: &TlsFiles) -> Result<rustls::ClientConfig, EngineError> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let cfg_err =
        |what: &str, e: &dyn std::fmt::Display| EngineError::Config(format!("{what}: {e}"));
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| cfg_err("TLS setup", &e))?;
    let builder = if files.verify {
        let ca = files.ca.as_ref().ok_or_else(|| {
            EngineError::Config(
                "TLS verification (DOCKER_TLS_VERIFY) needs the daemon's CA certificate: no ca.pem in DOCKER_CERT_PATH (or ~/.docker)".into(),
            )
        })?;
        let mut roots = rustls::RootCertStore::empty();
        let certs = CertificateDer::pem_file_iter(ca)
            .map_err(|e| cfg_err(&format!("cannot read {}", ca.display()), &e))?;
        for c in certs {
            let c = c.map_err(|e| cfg_err(&format!("bad certificate in {}", ca.display()), &e))?;
            roots
                .add(c)
                .map_err(|e| cfg_err(&format!("bad certificate in {}", ca.display()), &e))?;
        }
        if roots.is_empty() {
            return Err(EngineError::Config(format!(
                "no certificate in {}",
                ca.display()
            )));
        }
        builder.with_root_certificates(roots)
    } else {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(NoVerify(provider)))
    };
    match (&files.cert, &files.key) {
        (Some(cert), Some(key)) => {
            let chain: Result<Vec<_>, _> = CertificateDer::pem_file_iter(cert)
                .map_err(|e| cfg_err(&format!("cannot read {}", cert.display()), &e))?
                .collect();
            let chain = chain
                .map_err(|e| cfg_err(&format!("bad certificate in {}", cert.display()), &e))?;
            let key = PrivateKeyDer::from_pem_file(key)
                .map_err(|e| cfg_err(&format!("cannot read the key {}", key.display()), &e))?;
            builder
                .with_client_auth_cert(chain, key)
                .map_err(|e| cfg_err("client certificate", &e))
        }
        _ => Ok(builder.with_no_client_auth()),
    }
}

/// Accepts any server certificate: only for `DOCKER_TLS` without
/// `DOCKER_TLS_VERIFY` (or a context with `SkipTLSVerify`), as the CLI does.
#[derive(Debug)]
struct NoVerify(Arc<rustls::crypto::CryptoProvider>);

impl rustls::client::danger::ServerCertVerifier for NoVerify {
    fn verify_server_cert(
        &self,
        _end_entity: &rustls::pki_types::CertificateDer<'_>,
        _intermediates: &[rustls::pki_types::CertificateDer<'_>],
        _server_name: &rustls::pki_types::ServerName<'_>,
        _ocsp_response: &[u8],
        _now: rustls::pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// [`Client`] for callers that are not async: owns a single-threaded runtime.
pub struct BlockingClient {
    rt: tokio::runtime::Runtime,
    inner: Client,
}

impl BlockingClient {
    pub fn connect(endpoint: Endpoint, opts: ClientOptions) -> Result<BlockingClient, EngineError> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| EngineError::Config(format!("cannot start the I/O runtime: {e}")))?;
        let inner = rt.block_on(Client::connect(endpoint, opts))?;
        Ok(BlockingClient { rt, inner })
    }

    pub fn client(&self) -> &Client {
        &self.inner
    }

    /// Runs any async call of the client to completion.
    pub fn run<T>(&self, fut: impl Future<Output = T>) -> T {
        self.rt.block_on(fut)
    }

    pub fn version(&self) -> Result<VersionInfo, EngineError> {
        self.rt.block_on(self.inner.version())
    }
    pub fn info(&self) -> Result<SystemInfo, EngineError> {
        self.rt.block_on(self.inner.info())
    }
    pub fn containers(
        &self,
        all: bool,
        labels: &[String],
    ) -> Result<Vec<ContainerSummary>, EngineError> {
        self.rt.block_on(self.inner.containers(all, labels))
    }
    pub fn inspect_container(&self, id: &str) -> Result<Value, EngineError> {
        self.rt.block_on(self.inner.inspect_container(id))
    }
    pub fn network(&self, id: &str) -> Result<NetworkInspect, EngineError> {
        self.rt.block_on(self.inner.network(id))
    }
    pub fn image(&self, name: &str) -> Result<ImageInspect, EngineError> {
        self.rt.block_on(self.inner.image(name))
    }
    pub fn volume(&self, name: &str) -> Result<VolumeInfo, EngineError> {
        self.rt.block_on(self.inner.volume(name))
    }

    /// `GET /images/{name}/get` as a [`std::io::Read`].
    pub fn export_image(&self, name: &str) -> Result<BlockingStream<'_>, EngineError> {
        let stream = self.rt.block_on(self.inner.export_image(name))?;
        Ok(BlockingStream {
            rt: &self.rt,
            stream,
            buf: Bytes::new(),
        })
    }
}

/// A streamed answer read synchronously.
pub struct BlockingStream<'a> {
    rt: &'a tokio::runtime::Runtime,
    stream: ByteStream,
    buf: Bytes,
}

impl io::Read for BlockingStream<'_> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if out.is_empty() {
            return Ok(0);
        }
        while self.buf.is_empty() {
            match self.rt.block_on(self.stream.next_chunk()) {
                Ok(Some(b)) => self.buf = b,
                Ok(None) => return Ok(0),
                Err(e) => return Err(io::Error::other(e)),
            }
        }
        let n = out.len().min(self.buf.len());
        out[..n].copy_from_slice(&self.buf.split_to(n));
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_versions() {
        assert_eq!(parse_api_version("1.41"), Some((1, 41)));
        assert_eq!(parse_api_version(" 1.9 "), Some((1, 9)));
        assert!(parse_api_version("1.9") < parse_api_version("1.24"));
        assert_eq!(parse_api_version("1"), None);
        assert_eq!(parse_api_version("x.y"), None);
    }

    #[test]
    fn encodes_paths() {
        assert_eq!(percent_encode("abc_1.2-3", false), "abc_1.2-3");
        assert_eq!(percent_encode("a/b c", false), "a%2Fb%20c");
        assert_eq!(
            percent_encode("ghcr.io/a/b:1@sha256:ff", true),
            "ghcr.io/a/b:1@sha256:ff"
        );
        assert_eq!(percent_encode("../x?y#", true), "../x%3Fy%23");
        assert_eq!(percent_encode("é", false), "%C3%A9");
    }

    #[test]
    fn printable_text() {
        assert_eq!(printable("a\u{1b}[31mb"), "a [31mb");
        assert_eq!(printable(&"x".repeat(400)).chars().count(), 301);
    }
}
