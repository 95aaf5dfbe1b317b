//! `tcp://` listeners require mutual TLS: the docker CLI with a client
//! certificate from the configured CA gets through (and the audit log
//! records the certificate), without one it never reaches HTTP.

mod common;

use common::*;
use std::path::Path;
use std::process::Command;

fn openssl(dir: &Path, args: &[&str]) {
    let o = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("openssl");
    assert!(
        o.status.success(),
        "openssl {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&o.stderr)
    );
}

fn issue(dir: &Path, name: &str, ext: &str) {
    std::fs::write(dir.join(format!("{name}.ext")), ext).unwrap();
    openssl(
        dir,
        &[
            "req",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            &format!("{name}.key"),
            "-out",
            &format!("{name}.csr"),
            "-subj",
            &format!("/CN={name}"),
        ],
    );
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            &format!("{name}.csr"),
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            "1",
            "-out",
            &format!("{name}.pem"),
            "-extfile",
            &format!("{name}.ext"),
        ],
    );
}

#[test]
fn tcp_listener_needs_a_client_certificate() {
    if !docker() {
        return;
    }
    if Command::new("openssl").arg("version").output().is_err() {
        panic!("this test needs the openssl command to make certificates");
    }
    let certs = TempDir::new("tls");
    let d = &certs.0;
    openssl(
        d,
        &[
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-days",
            "1",
            "-subj",
            "/CN=stockade test CA",
        ],
    );
    issue(
        d,
        "server",
        "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n",
    );
    issue(d, "client", "extendedKeyUsage=clientAuth\n");
    let p = |f: &str| d.join(f).display().to_string();
    let config = format!(
        "[[guard.listener]]\nlisten = \"tcp://127.0.0.1:0\"\nprofile = \"read-only\"\ntls-cert = \"{}\"\ntls-key = \"{}\"\ntls-client-ca = \"{}\"\n",
        p("server.pem"),
        p("server.key"),
        p("ca.pem")
    );
    let g = Guard::start_with("read-only", Some(&config));
    let addr = g.running.as_ref().unwrap().tcp_addrs[0];
    let host = format!("tcp://{addr}");
    let with_cert = Command::new("docker")
        .args([
            "--tlsverify",
            "--tlscacert",
            &p("ca.pem"),
            "--tlscert",
            &p("client.pem"),
            "--tlskey",
            &p("client.key"),
            "-H",
            &host,
            "version",
            "--format",
            "{{.Server.APIVersion}}",
        ])
        .env_remove("DOCKER_HOST")
        .output()
        .unwrap();
    assert!(
        with_cert.status.success(),
        "{}",
        String::from_utf8_lossy(&with_cert.stderr)
    );
    let api = String::from_utf8_lossy(&with_cert.stdout)
        .trim()
        .to_string();
    assert!(api.starts_with("1."), "{api}");
    // Writes are still judged by the listener's profile.
    let denied = Command::new("docker")
        .args([
            "--tlsverify",
            "--tlscacert",
            &p("ca.pem"),
            "--tlscert",
            &p("client.pem"),
            "--tlskey",
            &p("client.key"),
            "-H",
            &host,
            "network",
            "create",
            "sg-tls-net",
        ])
        .env_remove("DOCKER_HOST")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&denied.stderr).contains("stockade guard: SKG003"));

    let without = Command::new("docker")
        .args([
            "--tlsverify",
            "--tlscacert",
            &p("ca.pem"),
            "-H",
            &host,
            "version",
        ])
        .env_remove("DOCKER_HOST")
        .output()
        .unwrap();
    assert!(!without.status.success());
    assert!(!String::from_utf8_lossy(&without.stdout).contains("Engine:"));
    let plain = Command::new("docker")
        .args(["-H", &host, "version", "--format", "{{.Server.APIVersion}}"])
        .env_remove("DOCKER_HOST")
        .env_remove("DOCKER_TLS_VERIFY")
        .output()
        .unwrap();
    assert!(!plain.status.success() || String::from_utf8_lossy(&plain.stdout).trim().is_empty());

    let lines = g.audit_lines();
    let tcp: Vec<_> = lines
        .iter()
        .filter(|l| {
            l["listener"]
                .as_str()
                .is_some_and(|s| s.starts_with("tcp://"))
        })
        .collect();
    assert!(!tcp.is_empty());
    // Only the client with a certificate got as far as a decision.
    assert!(
        tcp.iter().all(|l| l["peer"]["cert_sha256"]
            .as_str()
            .is_some_and(|c| c.len() == 64)),
        "{tcp:?}"
    );
}
