//! The client against a fake daemon on a unix socket that answers with
//! malformed, hostile or missing answers: every case is a clear error, none
//! is a panic or a hang.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use stockade_engine::{Client, ClientOptions, Endpoint, EngineError, spec_from_inspect};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::UnixListener;

enum Reply {
    /// Bytes written as the whole answer; the connection then closes.
    Raw(Vec<u8>),
    /// Read the request, never answer.
    Hang,
    /// Close without a word.
    Close,
    /// A chunked body that sends one chunk, then stalls.
    Stall,
}

fn json(status: &str, body: &str) -> Reply {
    Reply::Raw(
        format!(
            "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .into_bytes(),
    )
}

fn ping(version: &str) -> Reply {
    Reply::Raw(
        format!("HTTP/1.1 200 OK\r\nApi-Version: {version}\r\nOstype: linux\r\nServer: Docker/fake\r\nContent-Length: 2\r\nConnection: close\r\n\r\nOK")
            .into_bytes(),
    )
}

type Handler = Arc<dyn Fn(&str) -> Reply + Send + Sync>;

/// Serves `handler(path)` on a fresh socket; returns its path.
fn fake_daemon(tag: &str, handler: Handler) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("stockade-fake-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("docker.sock");
    let listener = UnixListener::bind(&path).unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((mut s, _)) = listener.accept().await else {
                return;
            };
            let handler = handler.clone();
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                    match s.read(&mut chunk).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                }
                let head = String::from_utf8_lossy(&buf).to_string();
                let path = head.split_whitespace().nth(1).unwrap_or("").to_string();
                match handler(&path) {
                    Reply::Raw(b) => {
                        let _ = s.write_all(&b).await;
                        let _ = s.shutdown().await;
                    }
                    Reply::Hang => tokio::time::sleep(Duration::from_secs(30)).await,
                    Reply::Close => {}
                    Reply::Stall => {
                        let _ = s
                            .write_all(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\ntar!\r\n")
                            .await;
                        tokio::time::sleep(Duration::from_secs(30)).await;
                    }
                }
            });
        }
    });
    path
}

fn opts() -> ClientOptions {
    ClientOptions {
        timeout: Duration::from_millis(800),
        max_json_bytes: 64 << 10,
        stream_idle_timeout: Duration::from_millis(300),
    }
}

async fn connect(path: &Path) -> Result<Client, EngineError> {
    Client::connect(Endpoint::Unix(path.to_path_buf()), opts()).await
}

#[tokio::test]
async fn malformed_and_hostile_json_are_clear_errors() {
    let deep = "[".repeat(50_000);
    let big = format!("[\"{}\"]", "x".repeat(100 << 10));
    let handler: Handler = Arc::new(move |p: &str| match p {
        "/_ping" => ping("1.41"),
        "/v1.41/info" => json("200 OK", "{not json"),
        "/v1.41/version" => json("200 OK", &deep),
        "/v1.41/containers/json?all=1" => json("200 OK", r#"{"a": 1}"#),
        "/v1.41/containers/json?all=0" => json("200 OK", &big),
        "/v1.41/containers/evil/json" => json(
            "200 OK",
            r#"{"Name": [], "HostConfig": {"Binds": [1, 2], "Privileged": "yes"}}"#,
        ),
        "/v1.41/containers/odd/json" => json(
            "200 OK",
            r#"{"Id": "odd", "Name": "/odd", "Config": {"Image": "x", "Labels": {"a": "b"}, "Unknown": {"deep": [1]}},
               "HostConfig": {"Privileged": true, "NewField2030": {"x": 1}}, "Mounts": []}"#,
        ),
        "/v1.41/containers/missing/json" => json(
            "404 Not Found",
            "{\"message\": \"No such container: missing\\u001b[31m\"}",
        ),
        "/v1.41/networks/bridge" => json(
            "200 OK",
            r#"{"Name": 5, "Options": {"com.docker.network.bridge.enable_icc": 1}}"#,
        ),
        "/v1.41/volumes/v" => json("200 OK", r#"[]"#),
        "/v1.41/images/garbage/json" => Reply::Raw(b"HELLO, I AM NOT HTTP\r\n\r\n".to_vec()),
        "/v1.41/images/close/json" => Reply::Close,
        "/v1.41/images/hang/json" => Reply::Hang,
        "/v1.41/images/stall/get" => Reply::Stall,
        _ => json("500 Internal Server Error", "plain text failure"),
    });
    let sock = fake_daemon("hostile", handler);
    let c = connect(&sock).await.unwrap();
    assert_eq!(c.api_version(), "1.41");
    assert_eq!(c.ping_info().os_type.as_deref(), Some("linux"));

    let e = c.info().await.unwrap_err();
    assert!(matches!(e, EngineError::BadResponse { .. }), "{e:?}");
    assert!(e.to_string().contains("malformed JSON"), "{e}");

    let e = c.version().await.unwrap_err().to_string();
    assert!(e.contains("recursion limit"), "{e}");

    let e = c.containers(true, &[]).await.unwrap_err().to_string();
    assert!(e.contains("expected a JSON array"), "{e}");

    let e = c.containers(false, &[]).await.unwrap_err().to_string();
    assert!(e.contains("answer larger than 65536 bytes"), "{e}");

    // A hostile inspect document: the client returns it, conversion refuses it.
    let doc = c.inspect_container("evil").await.unwrap();
    let e = spec_from_inspect(&doc).unwrap_err();
    assert!(e.contains("`Name`: expected a string"), "{e}");

    // Unknown fields are ignored, known ones read.
    let doc = c.inspect_container("odd").await.unwrap();
    let spec = spec_from_inspect(&doc).unwrap();
    assert_eq!(spec.subject, "odd");
    assert!(spec.privileged.unwrap().value);

    let e = c.inspect_container("missing").await.unwrap_err();
    match &e {
        EngineError::Http {
            status, message, ..
        } => {
            assert_eq!(*status, 404);
            assert_eq!(message, "No such container: missing [31m");
        }
        other => panic!("{other:?}"),
    }

    // Wrongly typed fields read as unknown.
    let n = c.network("bridge").await.unwrap();
    assert!(n.name.is_none() && n.icc().is_none());

    let e = c.volume("v").await.unwrap_err().to_string();
    assert!(e.contains("volume: expected an object"), "{e}");

    let e = c.image("garbage").await.unwrap_err().to_string();
    assert!(e.contains("not an HTTP answer"), "{e}");

    let e = c.image("close").await.unwrap_err();
    assert!(matches!(e, EngineError::BadResponse { .. }), "{e:?}");

    let e = c.image("hang").await.unwrap_err();
    assert!(matches!(e, EngineError::Timeout { .. }), "{e:?}");
    assert!(e.to_string().contains("did not answer"), "{e}");

    let e = c.get_json("/nope").await.unwrap_err();
    match e {
        EngineError::Http {
            status, message, ..
        } => {
            assert_eq!(status, 500);
            assert_eq!(message, "plain text failure");
        }
        other => panic!("{other:?}"),
    }

    // A stream that stalls: the first piece arrives, then an idle timeout.
    let mut s = c.export_image("stall").await.unwrap();
    assert_eq!(s.next_chunk().await.unwrap().as_deref(), Some(&b"tar!"[..]));
    let e = s.next_chunk().await.unwrap_err();
    assert!(matches!(e, EngineError::Timeout { .. }), "{e:?}");
}

#[tokio::test]
async fn version_negotiation() {
    // Too old.
    let sock = fake_daemon("old", Arc::new(|_: &str| ping("1.12")));
    let e = connect(&sock).await.err().unwrap();
    assert!(matches!(e, EngineError::ApiTooOld { .. }), "{e:?}");
    assert!(
        e.to_string()
            .contains("Engine API 1.12, older than the 1.24"),
        "{e}"
    );

    // Newer than we speak: capped.
    let sock = fake_daemon("new", Arc::new(|_: &str| ping("1.99")));
    assert_eq!(connect(&sock).await.unwrap().api_version(), "1.51");

    // No version header: /version decides.
    let sock = fake_daemon(
        "noheader",
        Arc::new(|p: &str| match p {
            "/_ping" => json("500 Internal Server Error", "{}"),
            "/version" => json("200 OK", r#"{"ApiVersion": "1.30"}"#),
            _ => json("404 Not Found", "{}"),
        }),
    );
    assert_eq!(connect(&sock).await.unwrap().api_version(), "1.30");

    // Garbage versions are errors, not guesses.
    let sock = fake_daemon(
        "garbage",
        Arc::new(|p: &str| match p {
            "/_ping" => ping("one.two"),
            "/version" => json("200 OK", r#"{"ApiVersion": "x"}"#),
            _ => json("404 Not Found", "{}"),
        }),
    );
    let e = connect(&sock).await.err().unwrap().to_string();
    assert!(e.contains("unreadable ApiVersion `x`"), "{e}");

    // A daemon that never answers the ping.
    let sock = fake_daemon("mute", Arc::new(|_: &str| Reply::Hang));
    let e = connect(&sock).await.err().unwrap();
    assert!(matches!(e, EngineError::Timeout { .. }), "{e:?}");
}

#[tokio::test]
async fn unreachable_daemons() {
    let missing = std::env::temp_dir().join("stockade-no-such-dir/docker.sock");
    let e = connect(&missing).await.err().unwrap();
    assert!(matches!(e, EngineError::Unreachable { .. }), "{e:?}");
    let text = e.to_string();
    assert!(
        text.contains("cannot connect to the Docker daemon at unix://"),
        "{text}"
    );
    assert!(text.contains("no socket at"), "{text}");

    // A socket file nobody listens on.
    let dir = std::env::temp_dir().join(format!("stockade-refused-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("docker.sock");
    drop(std::os::unix::net::UnixListener::bind(&path).unwrap());
    let e = connect(&path).await.err().unwrap();
    assert!(e.to_string().contains("connection refused"), "{e}");

    // Not a socket at all.
    let file = dir.join("plain");
    std::fs::write(&file, "x").unwrap();
    let e = connect(&file).await.err().unwrap();
    assert!(matches!(e, EngineError::Unreachable { .. }), "{e:?}");

    // TCP nobody listens on (port 1 on loopback).
    let e = Client::connect(
        Endpoint::Tcp {
            host: "127.0.0.1".into(),
            port: 1,
            tls: None,
        },
        opts(),
    )
    .await
    .err()
    .unwrap();
    assert!(e.is_connection(), "{e:?}");
}
