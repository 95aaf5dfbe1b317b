//! **What it finds.** `COPY`/`ADD` of key and credential files: SSH keys
//! (`id_rsa`, `id_ed25519`, `id_ecdsa`, `id_dsa`…), private keys (`*.key`,
//! `*-key.pem`, `private*.pem`, `*.p12`, `*.pfx`, `*.ppk`), `.env` files,
//! `.npmrc`, `.pypirc`, `.netrc`, `.pgpass`, `.git-credentials`,
//! `.aws/credentials`, `.docker/config.json` and kubeconfigs. When the
//! build context is readable the file is judged by its content (a private
//! key block, an auth token, a password line, a secret-named variable with
//! a value) and only reported when it holds one; a plain `*.pem` or `*.crt`
//! is usually a public certificate and is reported only when it holds a
//! private key. Globs (`COPY *.key /x`) and whole directories
//! (`COPY . .`) are expanded against the context, one level deep plus the
//! usual credential paths, honouring `.dockerignore`. Without the context
//! (or from another stage), names alone decide, at a lower severity
//! except for SSH key names. Copies into builder stages are reported one
//! step lower: the file stays in their cache but is not shipped.
//!
//! **Why it matters.** Every file copied into a layer stays in the image
//! for good, even when a later `RUN rm` hides it: anyone who pulls the
//! image can extract the layer and read the key.
//!
//! **How to fix.** Keep credentials out of the context with
//! `.dockerignore`, and give a build step the secret it needs with
//! `RUN --mount=type=secret` (or `--mount=type=ssh` for SSH agents). At run
//! time, mount secrets into the container instead of baking them in.
//!
//! **Bad**
//! ```dockerfile
//! FROM alpine:3.22
//! COPY id_rsa /root/.ssh/id_rsa
//! RUN git clone git@github.com:acme/private.git
//! ```
//!
//! **Good**
//! ```dockerfile
//! # syntax=docker/dockerfile:1
//! FROM alpine:3.22
//! RUN --mount=type=ssh git clone git@github.com:acme/private.git
//! ```

use crate::meta::{Ctx, FindingExt, FixKind, Rule, RuleMeta, Target};
use crate::util::context::Context;
use crate::util::dockerignore::{glob_match, has_glob};
use crate::util::secrets::{
    TokenKind, classify_value, find_tokens, has_aws_secret_shape, is_secret_name,
};
use crate::util::stages::final_chain;
use stockade_core::{BuildSpec, Category, Finding, Severity, Span};

pub static META: RuleMeta = RuleMeta {
    id: "SKD124",
    title: "Key or credential file copied into the image",
    category: Category::Secrets,
    severity: Severity::High,
    aliases: &["DS-0031", "DS031", "AVD-DS-0031"],
    targets: &[Target::Build],
    fix: FixKind::None,
    source: include_str!("secret_files_copied.rs"),
};

pub struct SecretFilesCopied;

/// Credential files, by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CredFile {
    SshKey,
    PrivateKey,
    /// A binary key store (`.p12`, `.pfx`): holds a private key by design.
    KeyStore,
    /// A `.pem`: a certificate unless it holds a private key.
    Pem,
    DotEnv,
    Npmrc,
    Pypirc,
    Netrc,
    Pgpass,
    GitCredentials,
    AwsCredentials,
    DockerConfig,
    Kubeconfig,
}

impl CredFile {
    pub fn describe(self) -> &'static str {
        match self {
            CredFile::SshKey => "an SSH private key",
            CredFile::PrivateKey => "a private key",
            CredFile::KeyStore => "a key store with a private key",
            CredFile::Pem => "a PEM file",
            CredFile::DotEnv => "an environment file",
            CredFile::Npmrc => "an npm configuration",
            CredFile::Pypirc => "a PyPI configuration",
            CredFile::Netrc => "a .netrc",
            CredFile::Pgpass => "a PostgreSQL password file",
            CredFile::GitCredentials => "Git credentials",
            CredFile::AwsCredentials => "AWS credentials",
            CredFile::DockerConfig => "a Docker client configuration",
            CredFile::Kubeconfig => "a kubeconfig",
        }
    }

    /// Severity when the content cannot be read (`None`: not reported).
    fn blind_severity(self) -> Option<Severity> {
        match self {
            CredFile::SshKey => Some(Severity::High),
            CredFile::Pem => None,
            CredFile::Npmrc => Some(Severity::Low),
            _ => Some(Severity::Medium),
        }
    }
}

/// Classifies a path (or a glob) by its name.
pub fn classify_path(path: &str) -> Option<CredFile> {
    let p = path.trim_end_matches('/').replace('\\', "/");
    let lower = p.to_ascii_lowercase();
    let base = lower.rsplit('/').next().unwrap_or(&lower);
    if lower.ends_with(".aws/credentials") {
        return Some(CredFile::AwsCredentials);
    }
    if lower.ends_with(".docker/config.json") {
        return Some(CredFile::DockerConfig);
    }
    if lower.ends_with(".kube/config") || base == "kubeconfig" || base.ends_with(".kubeconfig") {
        return Some(CredFile::Kubeconfig);
    }
    if base.ends_with(".pub") {
        return None;
    }
    let ssh = [
        "id_rsa",
        "id_dsa",
        "id_ecdsa",
        "id_ed25519",
        "id_ecdsa_sk",
        "id_ed25519_sk",
    ];
    if ssh.contains(&base) {
        return Some(CredFile::SshKey);
    }
    match base {
        ".npmrc" => return Some(CredFile::Npmrc),
        ".pypirc" => return Some(CredFile::Pypirc),
        ".netrc" | "_netrc" => return Some(CredFile::Netrc),
        ".pgpass" => return Some(CredFile::Pgpass),
        ".git-credentials" => return Some(CredFile::GitCredentials),
        _ => {}
    }
    if base == ".env" || base.ends_with(".env") || base.starts_with(".env.") {
        let not_real = [
            "example", "sample", "template", "dist", "defaults", "default", "tpl", "schema", "tmpl",
        ];
        if not_real.iter().any(|s| base.contains(s)) {
            return None;
        }
        return Some(CredFile::DotEnv);
    }
    if base.ends_with(".p12") || base.ends_with(".pfx") {
        return Some(CredFile::KeyStore);
    }
    if base.ends_with(".key")
        || base.ends_with(".ppk")
        || base.ends_with("-key.pem")
        || base.ends_with("_key.pem")
        || base.ends_with(".key.pem")
        || base == "key.pem"
        || base == "privkey.pem"
        || (base.starts_with("private") && base.ends_with(".pem"))
    {
        return Some(CredFile::PrivateKey);
    }
    if base.ends_with(".pem") {
        return Some(CredFile::Pem);
    }
    None
}

fn lines(text: &str) -> impl Iterator<Item = &str> {
    text.lines()
        .map(|l| l.trim())
        .filter(|l| !l.is_empty() && !l.starts_with('#') && !l.starts_with(';'))
}

/// A `key = value` / `key value` / `key: value` line's literal value.
fn literal_after<'t>(line: &'t str, key: &str) -> Option<&'t str> {
    let lower = line.to_ascii_lowercase();
    let mut from = 0;
    while let Some(pos) = lower[from..].find(key) {
        let at = from + pos;
        from = at + key.len();
        if lower[from..].starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_') {
            continue;
        }
        let rest = line[from..].trim_start_matches([' ', '\t', '=', ':', '"', '\'']);
        let v = rest.trim_end_matches([' ', '"', '\'', ',']);
        let v = v.split_whitespace().next().unwrap_or("");
        if !v.is_empty() && !v.starts_with("${") && !v.starts_with("%(") && !v.starts_with('$') {
            return Some(v);
        }
    }
    None
}

/// What in the content makes it a credential, if anything.
pub fn judge_content(kind: CredFile, bytes: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(bytes);
    let tokens = find_tokens(&text, has_aws_secret_shape(&text));
    if tokens.iter().any(|t| t.kind == TokenKind::PrivateKey)
        || text.contains("PuTTY-User-Key-File")
        || text.contains("-----BEGIN OPENSSH PRIVATE KEY-----")
    {
        return Some("holds a private key".into());
    }
    if let Some(t) = tokens.first() {
        return Some(format!("holds {}", t.kind.describe()));
    }
    match kind {
        CredFile::KeyStore => Some("is a key store".into()),
        CredFile::SshKey | CredFile::PrivateKey | CredFile::Pem => None,
        CredFile::DotEnv => lines(&text).find_map(|l| {
            let l = l.strip_prefix("export ").unwrap_or(l);
            let (k, v) = l.split_once('=')?;
            let k = k.trim();
            (is_secret_name(k) && classify_value(v.trim()).is_credential())
                .then(|| format!("sets `{k}`"))
        }),
        CredFile::Npmrc => lines(&text).find_map(|l| {
            ["_authtoken", "_auth", "_password"].iter().find_map(|k| {
                literal_after(l, k).map(|_| format!("holds an npm `{}`", k.trim_start_matches('_')))
            })
        }),
        CredFile::Pypirc => lines(&text)
            .find_map(|l| literal_after(l, "password").map(|_| "holds a password".into())),
        CredFile::Netrc => lines(&text).find_map(|l| {
            let mut it = l.split_whitespace();
            while let Some(w) = it.next() {
                if w == "password" && it.next().is_some() {
                    return Some("holds a password".into());
                }
            }
            None
        }),
        CredFile::Pgpass => lines(&text).find_map(|l| {
            let f: Vec<&str> = l.split(':').collect();
            (f.len() >= 5 && !f[4].is_empty()).then(|| "holds a password".into())
        }),
        CredFile::GitCredentials => lines(&text).find_map(|l| {
            let (_, rest) = l.split_once("://")?;
            let auth = rest.split('/').next()?;
            let (user, _) = auth.rsplit_once('@')?;
            user.contains(':')
                .then(|| "holds a password or token".into())
        }),
        CredFile::AwsCredentials => lines(&text).find_map(|l| {
            literal_after(l, "aws_secret_access_key").map(|_| "holds a secret access key".into())
        }),
        CredFile::DockerConfig => {
            let lower = text.to_ascii_lowercase();
            ["\"auth\"", "\"identitytoken\"", "\"registrytoken\""]
                .iter()
                .find_map(|k| {
                    let at = lower.find(k)?;
                    let rest =
                        lower[at + k.len()..].trim_start_matches([' ', ':', '\t', '\n', '\r']);
                    let v = rest.strip_prefix('"')?;
                    (!v.starts_with('"')).then(|| "holds registry credentials".into())
                })
        }
        CredFile::Kubeconfig => lines(&text).find_map(|l| {
            ["client-key-data", "token", "password"]
                .iter()
                .find_map(|k| {
                    let t = l.trim_start_matches("- ");
                    (t.to_ascii_lowercase().starts_with(k) && literal_after(t, k).is_some())
                        .then(|| format!("holds a `{k}`"))
                })
        }),
    }
}

/// Paths under a copied directory worth checking beyond its first level.
const KNOWN: &[&str] = &[
    ".aws/credentials",
    ".docker/config.json",
    ".ssh/id_rsa",
    ".ssh/id_ed25519",
    ".ssh/id_ecdsa",
    ".ssh/id_dsa",
    ".kube/config",
];

const READ_LIMIT: usize = 256 * 1024;

struct Hit {
    file: String,
    kind: CredFile,
    why: Option<String>,
    severity: Severity,
}

/// Judges one file in the context.
fn judge_file(ctx: &Context, rel: &str) -> Option<Hit> {
    let kind = classify_path(rel)?;
    let bytes = ctx.read(rel, READ_LIMIT)?;
    let why = judge_content(kind, &bytes)?;
    Some(Hit {
        file: rel.to_string(),
        kind,
        why: Some(why),
        severity: Severity::High,
    })
}

fn join(dir: &str, name: &str) -> String {
    let d = dir.trim_start_matches("./").trim_matches('/');
    if d.is_empty() || d == "." {
        name.to_string()
    } else {
        format!("{d}/{name}")
    }
}

/// Hits for one `COPY`/`ADD` source.
fn judge_source(ctx: Option<&Context>, src: &str, from_context: bool) -> Vec<Hit> {
    let mut out = Vec::new();
    let blind = |path: &str| -> Option<Hit> {
        let kind = classify_path(path)?;
        Some(Hit {
            file: path.to_string(),
            kind,
            why: None,
            severity: kind.blind_severity()?,
        })
    };
    let ctx = if from_context { ctx } else { None };
    let Some(ctx) = ctx else {
        out.extend(blind(src));
        return out;
    };
    let rel = src.trim_start_matches("./").trim_start_matches('/');
    if has_glob(rel) {
        let (dir, _) = rel.rsplit_once('/').unwrap_or(("", rel));
        if has_glob(dir) {
            out.extend(blind(src));
            return out;
        }
        for e in ctx.list(dir) {
            if !e.is_dir && glob_match(rel, &e.path) {
                out.extend(judge_file(ctx, &e.path));
            }
        }
    } else if ctx.is_dir(rel) {
        for e in ctx.list(rel) {
            if !e.is_dir {
                out.extend(judge_file(ctx, &e.path));
            }
        }
        for k in KNOWN {
            let p = join(rel, k);
            if ctx.is_file(&p) {
                out.extend(judge_file(ctx, &p));
            }
        }
    } else if ctx.is_file(rel) {
        out.extend(judge_file(ctx, rel));
    } else {
        // Not in the context (missing or ignored): judge the name.
        out.extend(blind(src));
    }
    out
}

impl Rule for SecretFilesCopied {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_build(&self, spec: &BuildSpec, cx: &Ctx, out: &mut Vec<Finding>) {
        let ctx = Context::open(cx, spec);
        let chain: Vec<usize> = final_chain(spec).iter().map(|s| s.index).collect();
        for stage in crate::util::stages::needed(spec) {
            let shipped = chain.contains(&stage.index);
            for (_, copy) in stage.copies() {
                for src in &copy.sources {
                    let Some(path) = src.value.known() else {
                        continue;
                    };
                    if copy.is_add && path.contains("://") {
                        continue;
                    }
                    for hit in judge_source(ctx.as_ref(), path, copy.from.is_none()) {
                        out.push(finding(stage.label(), src.span, path, &hit, shipped));
                    }
                }
            }
        }
    }
}

fn finding(subject: String, span: Span, src: &str, hit: &Hit, shipped: bool) -> Finding {
    let what = match &hit.why {
        Some(why) => format!("`{}` ({}) {why}", hit.file, hit.kind.describe()),
        None => format!(
            "`{}` is named like {}; its content is not at hand to confirm",
            hit.file,
            hit.kind.describe()
        ),
    };
    let via = if hit.file != src {
        format!(" and `{src}` copies it")
    } else {
        String::new()
    };
    let (sev, tail) = if shipped {
        (
            hit.severity,
            ": it stays in the image layers even if removed later",
        )
    } else {
        (
            hit.severity.lower(),
            ": it stays in this builder stage's layers and cache",
        )
    };
    META.finding(span, subject, format!("{what}{via}{tail}"))
        .with_severity(sev)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{ctx, flagged, run_build, run_build_with};
    use std::path::PathBuf;
    use stockade_dockerfile::EvalOptions;

    fn context(files: &[(&str, &str)]) -> PathBuf {
        static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = N.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let dir = std::env::temp_dir().join(format!("stockade-skd124-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        for (p, c) in files {
            let path = dir.join(p);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, c).unwrap();
        }
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn run_in(dir: &std::path::Path, text: &str) -> Vec<Finding> {
        let mut c = ctx();
        c.read_context = true;
        let opts = EvalOptions {
            context_dir: Some(dir.to_path_buf()),
            ..Default::default()
        };
        run_build_with(&SecretFilesCopied, text, &opts, &c)
    }

    const KEY: &str = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n-----END OPENSSH PRIVATE KEY-----\n";

    #[test]
    fn names_alone_without_context() {
        let text = "FROM alpine:3.22\nCOPY id_rsa /root/.ssh/id_rsa\nCOPY server.key .env /etc/app/\nCOPY .npmrc /app/\nCOPY cert.pem /etc/ssl/\n";
        let f = run_build(&SecretFilesCopied, text);
        assert_eq!(
            flagged(text, &f),
            vec!["id_rsa", "server.key", ".env", ".npmrc"]
        );
        let sev: Vec<Severity> = f.iter().map(|f| f.severity).collect();
        assert_eq!(
            sev,
            vec![
                Severity::High,
                Severity::Medium,
                Severity::Medium,
                Severity::Low
            ]
        );
    }

    #[test]
    fn builder_stage_is_one_step_lower() {
        let text = "FROM alpine:3.22 AS b\nCOPY id_ed25519 /root/.ssh/\nFROM scratch\nCOPY --from=b /app /app\n";
        let f = run_build(&SecretFilesCopied, text);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::Medium);
    }

    #[test]
    fn content_decides_with_context() {
        let dir = context(&[
            ("id_rsa", KEY),
            (
                "cert.pem",
                "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
            ),
            (
                "tls.pem",
                &format!(
                    "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n{}",
                    KEY.replace("OPENSSH ", "RSA ")
                ),
            ),
            (
                ".npmrc",
                "registry=https://npm.acme.internal/\n//npm.acme.internal/:_authToken=${NPM_TOKEN}\n",
            ),
            (".env", "DEBUG=1\nDB_PASSWORD=hunter2-Value\n"),
            ("license.key", "ACME-LICENSE-FOR-TESTING\n"),
        ]);
        let text = "FROM alpine:3.22\nCOPY id_rsa cert.pem tls.pem .npmrc .env license.key /x/\n";
        let f = run_in(&dir, text);
        assert_eq!(flagged(text, &f), vec!["id_rsa", "tls.pem", ".env"]);
        assert!(f.iter().all(|f| f.severity == Severity::High));
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn whole_context_and_globs() {
        let dir = context(&[
            ("app.py", "print(1)\n"),
            (
                ".aws/credentials",
                "[default]\naws_access_key_id = AKIAZ7VQ4M3KPL2XJ6WB\naws_secret_access_key = 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\n",
            ),
            ("certs/a.key", KEY),
            ("certs/b.key", KEY),
            ("ignored.key", KEY),
            (".dockerignore", "ignored.key\n"),
        ]);
        let text = "FROM python:3.13\nCOPY . /app\n";
        let f = run_in(&dir, text);
        assert_eq!(flagged(text, &f), vec!["."]);
        assert!(f[0].message.contains(".aws/credentials"));
        let text = "FROM python:3.13\nCOPY certs/*.key /etc/keys/\n";
        assert_eq!(run_in(&dir, text).len(), 2);
        let text = "FROM python:3.13\nCOPY *.key /etc/keys/\n";
        assert!(run_in(&dir, text).is_empty());
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn quiet_cases() {
        for text in [
            "FROM alpine:3.22\nCOPY app.py requirements.txt /app/\n",
            "FROM alpine:3.22\nCOPY id_rsa.pub /root/.ssh/authorized_keys\n",
            "FROM alpine:3.22\nCOPY .env.example /app/.env\n",
            "FROM alpine:3.22\nCOPY ca.crt /usr/local/share/ca-certificates/\n",
            "FROM alpine:3.22\nCOPY . /app\n",
            "FROM alpine:3.22\nADD https://x.io/server.key /x\n",
        ] {
            assert!(run_build(&SecretFilesCopied, text).is_empty(), "{text}");
        }
    }

    #[test]
    fn classifies_names() {
        assert_eq!(classify_path("secrets/id_ed25519"), Some(CredFile::SshKey));
        assert_eq!(classify_path("tls-key.pem"), Some(CredFile::PrivateKey));
        assert_eq!(classify_path("private-key.pem"), Some(CredFile::PrivateKey));
        assert_eq!(classify_path("prod.env"), Some(CredFile::DotEnv));
        assert_eq!(classify_path(".env.production"), Some(CredFile::DotEnv));
        assert_eq!(classify_path(".env.sample"), None);
        assert_eq!(
            classify_path("home/.docker/config.json"),
            Some(CredFile::DockerConfig)
        );
        assert_eq!(classify_path("config.json"), None);
        assert_eq!(classify_path("fullchain.pem"), Some(CredFile::Pem));
        assert_eq!(classify_path("*.key"), Some(CredFile::PrivateKey));
    }
}
