//! TLS to a `tcp://` daemon: a fake daemon behind mutual TLS, with
//! certificates made by the `openssl` CLI for this test.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;
use stockade_engine::{Client, ClientOptions, Endpoint, EngineError, TlsFiles};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("this test needs the openssl CLI to make its certificates");
    assert!(
        out.status.success(),
        "openssl {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A CA with a server certificate for 127.0.0.1 and a client certificate.
fn make_pki(dir: &Path, ca_name: &str) {
    std::fs::create_dir_all(dir).unwrap();
    let key = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
    ];
    let mut a = vec!["req", "-x509"];
    a.extend_from_slice(&key);
    a.extend_from_slice(&[
        "-keyout",
        "ca-key.pem",
        "-out",
        "ca.pem",
        "-days",
        "2",
        "-subj",
    ]);
    let subj = format!("/CN={ca_name}");
    a.push(&subj);
    openssl(dir, &a);
    std::fs::write(
        dir.join("server.ext"),
        "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    std::fs::write(dir.join("client.ext"), "extendedKeyUsage=clientAuth\n").unwrap();
    for (name, cn, ext, keyfile, certfile) in [
        (
            "server",
            "/CN=127.0.0.1",
            "server.ext",
            "server-key.pem",
            "server.pem",
        ),
        ("client", "/CN=client", "client.ext", "key.pem", "cert.pem"),
    ] {
        let csr = format!("{name}.csr");
        let mut a = vec!["req"];
        a.extend_from_slice(&key);
        a.extend_from_slice(&["-keyout", keyfile, "-out", &csr, "-subj", cn]);
        openssl(dir, &a);
        openssl(
            dir,
            &[
                "x509",
                "-req",
                "-in",
                &csr,
                "-CA",
                "ca.pem",
                "-CAkey",
                "ca-key.pem",
                "-CAcreateserial",
                "-out",
                certfile,
                "-days",
                "2",
                "-extfile",
                ext,
            ],
        );
    }
}

fn certs(p: &Path) -> Vec<CertificateDer<'static>> {
    CertificateDer::pem_file_iter(p)
        .unwrap()
        .map(|c| c.unwrap())
        .collect()
}

/// A daemon that answers `/_ping` and `/version` over TLS, requiring a
/// client certificate signed by `dir/ca.pem`.
async fn tls_daemon(dir: &Path) -> u16 {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut roots = rustls::RootCertStore::empty();
    for c in certs(&dir.join("ca.pem")) {
        roots.add(c).unwrap();
    }
    let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
        Arc::new(roots),
        provider.clone(),
    )
    .build()
    .unwrap();
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_client_cert_verifier(verifier)
        .with_single_cert(
            certs(&dir.join("server.pem")),
            PrivateKeyDer::from_pem_file(dir.join("server-key.pem")).unwrap(),
        )
        .unwrap();
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                return;
            };
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut s) = acceptor.accept(tcp).await else {
                    return;
                };
                let mut buf = Vec::new();
                let mut chunk = [0u8; 2048];
                while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                    match s.read(&mut chunk).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                }
                let head = String::from_utf8_lossy(&buf).to_string();
                let body = if head.starts_with("GET /_ping ") {
                    "OK".to_string()
                } else {
                    r#"{"Version":"28.5.2","ApiVersion":"1.51"}"#.to_string()
                };
                let reply = format!(
                    "HTTP/1.1 200 OK\r\nApi-Version: 1.51\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = s.write_all(reply.as_bytes()).await;
                let _ = s.shutdown().await;
            });
        }
    });
    port
}

fn opts() -> ClientOptions {
    ClientOptions {
        timeout: Duration::from_secs(5),
        ..ClientOptions::default()
    }
}

fn endpoint(port: u16, tls: TlsFiles) -> Endpoint {
    Endpoint::Tcp {
        host: "127.0.0.1".into(),
        port,
        tls: Some(tls),
    }
}

fn files(dir: &Path, client_cert: bool, verify: bool) -> TlsFiles {
    TlsFiles {
        ca: Some(dir.join("ca.pem")),
        cert: client_cert.then(|| dir.join("cert.pem")),
        key: client_cert.then(|| dir.join("key.pem")),
        verify,
    }
}

#[tokio::test]
async fn mutual_tls() {
    let base: PathBuf = std::env::temp_dir().join(format!("stockade-tls-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&base);
    let good = base.join("good");
    let other = base.join("other");
    make_pki(&good, "stockade-test-ca");
    make_pki(&other, "another-ca");
    let port = tls_daemon(&good).await;

    // Verified server, client certificate: works.
    let c = Client::connect(endpoint(port, files(&good, true, true)), opts())
        .await
        .unwrap();
    assert_eq!(c.api_version(), "1.51");
    assert_eq!(
        c.version().await.unwrap().version.as_deref(),
        Some("28.5.2")
    );

    // A CA that did not sign the server: refused during the handshake.
    let e = Client::connect(endpoint(port, files(&other, true, true)), opts())
        .await
        .err()
        .unwrap();
    assert!(matches!(e, EngineError::Tls { .. }), "{e:?}");
    assert!(
        e.to_string()
            .contains("TLS connection to the Docker daemon at tcp://127.0.0.1:"),
        "{e}"
    );

    // Not verifying the server (DOCKER_TLS without DOCKER_TLS_VERIFY): the
    // other CA does not matter, the client certificate still must.
    let mut f = files(&good, true, false);
    f.ca = Some(other.join("ca.pem"));
    assert!(Client::connect(endpoint(port, f), opts()).await.is_ok());

    // No client certificate: the daemon refuses.
    assert!(
        Client::connect(endpoint(port, files(&good, false, true)), opts())
            .await
            .is_err()
    );

    // Unusable TLS material is a configuration error before any connection.
    let mut f = files(&good, true, true);
    f.ca = None;
    let e = Client::connect(endpoint(port, f), opts())
        .await
        .err()
        .unwrap();
    assert!(
        e.to_string().contains("needs the daemon's CA certificate"),
        "{e}"
    );
    std::fs::write(base.join("junk.pem"), "not a certificate").unwrap();
    let mut f = files(&good, true, true);
    f.ca = Some(base.join("junk.pem"));
    let e = Client::connect(endpoint(port, f), opts())
        .await
        .err()
        .unwrap();
    assert!(matches!(e, EngineError::Config(_)), "{e:?}");
    let mut f = files(&good, true, true);
    f.key = Some(base.join("junk.pem"));
    let e = Client::connect(endpoint(port, f), opts())
        .await
        .err()
        .unwrap();
    assert!(e.to_string().contains("cannot read the key"), "{e}");
    let _ = std::fs::remove_dir_all(&base);
}
