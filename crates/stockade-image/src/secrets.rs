//! Candidate secrets: files known by name, and known token formats in small
//! text files. Only the first match is kept, redacted, with its line.

use aho_corasick::AhoCorasick;
use std::sync::OnceLock;
use stockade_core::SecretKind;

/// How a file named like a secret is confirmed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Confirm {
    /// The name is enough.
    Name,
    /// Needs a `PRIVATE KEY` block.
    PrivateKeyBlock,
    /// Needs one of the given markers in the content.
    Marker(&'static [&'static str]),
}

/// A secret candidate by file name, with the check its content needs.
pub(crate) fn by_name(path: &str) -> Option<(SecretKind, Confirm)> {
    let base = path.rsplit('/').next().unwrap_or(path);
    let parent = path
        .rsplit_once('/')
        .map(|(d, _)| d.rsplit('/').next().unwrap_or(d))
        .unwrap_or("");
    let k = match base {
        "id_rsa" | "id_dsa" | "id_ecdsa" | "id_ed25519" | "id_ecdsa_sk" | "id_ed25519_sk"
        | "identity" => (SecretKind::SshPrivateKey, Confirm::PrivateKeyBlock),
        "credentials" if parent == ".aws" => (SecretKind::AwsCredentials, Confirm::Name),
        "application_default_credentials.json" | "credentials.db" | "access_tokens.db"
            if parent == "gcloud" =>
        {
            (SecretKind::GcloudCredentials, Confirm::Name)
        }
        "accessTokens.json"
        | "msal_token_cache.json"
        | "msal_token_cache.bin"
        | "service_principal_entries.json"
            if parent == ".azure" =>
        {
            (SecretKind::AzureCredentials, Confirm::Name)
        }
        ".env" => (SecretKind::DotEnv, Confirm::Name),
        ".npmrc" => (
            SecretKind::Npmrc,
            Confirm::Marker(&["_authToken", "_auth", "_password"]),
        ),
        ".pypirc" => (SecretKind::Pypirc, Confirm::Marker(&["password"])),
        ".git-credentials" => (SecretKind::GitCredentials, Confirm::Marker(&["@"])),
        "config.json" if parent == ".docker" => (
            SecretKind::DockerConfig,
            Confirm::Marker(&["\"auth\"", "\"identitytoken\""]),
        ),
        _ if base.ends_with(".pem") || base.ends_with(".key") => {
            (SecretKind::PrivateKey, Confirm::PrivateKeyBlock)
        }
        _ => return None,
    };
    Some(k)
}

/// The first match of a check in a file's content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Hit {
    pub line: u32,
    pub redacted: String,
    pub format: &'static str,
}

fn line_of(content: &[u8], at: usize) -> u32 {
    let n = content[..at.min(content.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count();
    u32::try_from(n + 1).unwrap_or(u32::MAX)
}

fn redact(tok: &[u8]) -> String {
    let shown: String = tok
        .iter()
        .take(4)
        .map(|&b| if b.is_ascii_graphic() { b as char } else { '?' })
        .collect();
    format!("{shown}… ({} chars)", tok.len())
}

/// Confirms a name candidate against its content.
pub(crate) fn confirm(c: Confirm, content: &[u8]) -> Option<Hit> {
    match c {
        Confirm::Name => None,
        Confirm::PrivateKeyBlock => private_key_block(content),
        Confirm::Marker(ms) => ms.iter().find_map(|m| {
            memfind(content, m.as_bytes()).map(|at| Hit {
                line: line_of(content, at),
                redacted: format!("`{m}` present"),
                format: "marker",
            })
        }),
    }
}

fn memfind(h: &[u8], n: &[u8]) -> Option<usize> {
    if n.is_empty() || h.len() < n.len() {
        return None;
    }
    h.windows(n.len()).position(|w| w == n)
}

/// A PEM `-----BEGIN ... PRIVATE KEY-----` line followed by key material.
fn private_key_block(content: &[u8]) -> Option<Hit> {
    let mut from = 0;
    while let Some(rel) = memfind(&content[from..], b"-----BEGIN ") {
        let at = from + rel;
        let rest = &content[at..];
        let line_end = rest
            .iter()
            .position(|&b| b == b'\n' || b == b'"' || b == b'\\')
            .unwrap_or(rest.len());
        let head = &rest[..line_end.min(80)];
        if memfind(head, b"PRIVATE KEY-----").is_some() {
            // Key material: a run of base64 after the header (raw newline or
            // an escaped `\n` inside JSON).
            let body = &rest[line_end.min(rest.len())..];
            let body = body
                .strip_prefix(b"\\n")
                .or_else(|| body.strip_prefix(b"\r\n"))
                .or_else(|| body.strip_prefix(b"\n"))
                .unwrap_or(body);
            let run = body
                .iter()
                .take_while(|&&b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/' || b == b'=')
                .count();
            if run >= 16 || body.starts_with(b"Proc-Type:") {
                return Some(Hit {
                    line: line_of(content, at),
                    redacted: String::from_utf8_lossy(head).into_owned(),
                    format: "private-key-block",
                });
            }
        }
        from = at + 11;
    }
    None
}

struct TokenRule {
    prefix: &'static str,
    format: &'static str,
    /// Length of the part after the prefix: exact when `min == max`.
    min: usize,
    max: usize,
    charset: fn(u8) -> bool,
}

fn alnum(b: u8) -> bool {
    b.is_ascii_alphanumeric()
}
fn upper_digit(b: u8) -> bool {
    b.is_ascii_uppercase() || b.is_ascii_digit()
}
fn url_safe(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'-'
}
fn word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}
fn letters(b: u8) -> bool {
    b.is_ascii_alphabetic()
}
fn slack(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-'
}
fn b64(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'+' || b == b'/' || b == b'='
}

const RULES: &[TokenRule] = &[
    TokenRule {
        prefix: "AKIA",
        format: "aws-access-key-id",
        min: 16,
        max: 16,
        charset: upper_digit,
    },
    TokenRule {
        prefix: "ASIA",
        format: "aws-access-key-id",
        min: 16,
        max: 16,
        charset: upper_digit,
    },
    TokenRule {
        prefix: "ghp_",
        format: "github-pat",
        min: 36,
        max: 36,
        charset: alnum,
    },
    TokenRule {
        prefix: "gho_",
        format: "github-oauth",
        min: 36,
        max: 36,
        charset: alnum,
    },
    TokenRule {
        prefix: "ghu_",
        format: "github-app-token",
        min: 36,
        max: 36,
        charset: alnum,
    },
    TokenRule {
        prefix: "ghs_",
        format: "github-app-token",
        min: 36,
        max: 36,
        charset: alnum,
    },
    TokenRule {
        prefix: "ghr_",
        format: "github-refresh-token",
        min: 36,
        max: 36,
        charset: alnum,
    },
    TokenRule {
        prefix: "github_pat_",
        format: "github-fine-grained-pat",
        min: 82,
        max: 82,
        charset: word,
    },
    TokenRule {
        prefix: "glpat-",
        format: "gitlab-pat",
        min: 20,
        max: 20,
        charset: url_safe,
    },
    TokenRule {
        prefix: "xoxb-",
        format: "slack-token",
        min: 10,
        max: 200,
        charset: slack,
    },
    TokenRule {
        prefix: "xoxp-",
        format: "slack-token",
        min: 10,
        max: 200,
        charset: slack,
    },
    TokenRule {
        prefix: "xoxa-",
        format: "slack-token",
        min: 10,
        max: 200,
        charset: slack,
    },
    TokenRule {
        prefix: "xoxr-",
        format: "slack-token",
        min: 10,
        max: 200,
        charset: slack,
    },
    TokenRule {
        prefix: "hooks.slack.com/services/T",
        format: "slack-webhook",
        min: 20,
        max: 100,
        charset: |b| alnum(b) || b == b'/',
    },
    TokenRule {
        prefix: "sk_live_",
        format: "stripe-secret-key",
        min: 24,
        max: 99,
        charset: alnum,
    },
    TokenRule {
        prefix: "rk_live_",
        format: "stripe-restricted-key",
        min: 24,
        max: 99,
        charset: alnum,
    },
    TokenRule {
        prefix: "pypi-AgEIcHlwaS5vcmc",
        format: "pypi-upload-token",
        min: 50,
        max: 300,
        charset: url_safe,
    },
    TokenRule {
        prefix: "npm_",
        format: "npm-access-token",
        min: 36,
        max: 36,
        charset: alnum,
    },
    TokenRule {
        prefix: "hf_",
        format: "hugging-face-access-token",
        min: 34,
        max: 34,
        charset: letters,
    },
    TokenRule {
        prefix: "AGE-SECRET-KEY-1",
        format: "age-secret-key",
        min: 58,
        max: 58,
        charset: upper_digit,
    },
    TokenRule {
        prefix: "AIza",
        format: "google-api-key",
        min: 35,
        max: 35,
        charset: url_safe,
    },
    TokenRule {
        prefix: "dckr_pat_",
        format: "docker-hub-pat",
        min: 27,
        max: 27,
        charset: url_safe,
    },
    TokenRule {
        prefix: "AccountKey=",
        format: "azure-storage-key",
        min: 86,
        max: 88,
        charset: b64,
    },
];

fn matcher() -> Option<&'static AhoCorasick> {
    static M: OnceLock<Option<AhoCorasick>> = OnceLock::new();
    M.get_or_init(|| {
        let mut pats: Vec<&str> = RULES.iter().map(|r| r.prefix).collect();
        pats.push("-----BEGIN ");
        // Leftmost-first lets the searcher use its SIMD prefilter; the
        // prefixes do not overlap in ways that matter.
        AhoCorasick::builder()
            .match_kind(aho_corasick::MatchKind::LeftmostFirst)
            .build(&pats)
            .ok()
    })
    .as_ref()
}

/// `true` when `content` looks like text (no NUL in the first 8 KiB).
pub(crate) fn is_text(content: &[u8]) -> bool {
    !content[..content.len().min(8192)].contains(&0)
}

/// The first known token format in `content`.
pub(crate) fn scan_tokens(content: &[u8]) -> Option<Hit> {
    let m = matcher()?;
    for mat in m.find_iter(content) {
        let pi = mat.pattern().as_usize();
        if pi == RULES.len() {
            if let Some(h) = private_key_block(&content[mat.start()..]) {
                return Some(Hit {
                    line: line_of(content, mat.start()),
                    ..h
                });
            }
            continue;
        }
        let Some(rule) = RULES.get(pi) else { continue };
        // Word boundary before the prefix.
        if mat.start() > 0 && rule.prefix.as_bytes()[0].is_ascii_alphanumeric() {
            let prev = content[mat.start() - 1];
            if prev.is_ascii_alphanumeric() || prev == b'_' {
                continue;
            }
        }
        let tail = &content[mat.end()..];
        let n = tail
            .iter()
            .take(rule.max + 1)
            .take_while(|&&b| (rule.charset)(b))
            .count();
        if n < rule.min || n > rule.max {
            continue;
        }
        let tok = &content[mat.start()..mat.end() + n];
        // Documentation placeholders.
        if memfind(tok, b"EXAMPLE").is_some() || memfind(tok, b"XXXXXXXX").is_some() {
            continue;
        }
        return Some(Hit {
            line: line_of(content, mat.start()),
            redacted: redact(tok),
            format: rule.format,
        });
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(
            by_name("root/.ssh/id_rsa").map(|k| k.0),
            Some(SecretKind::SshPrivateKey)
        );
        assert_eq!(
            by_name("root/.aws/credentials").map(|k| k.0),
            Some(SecretKind::AwsCredentials)
        );
        assert!(by_name("etc/credentials").is_none());
        assert_eq!(
            by_name("home/u/.config/gcloud/application_default_credentials.json").map(|k| k.0),
            Some(SecretKind::GcloudCredentials)
        );
        assert_eq!(by_name("app/.env").map(|k| k.0), Some(SecretKind::DotEnv));
        assert!(by_name("app/.envrc").is_none());
        assert_eq!(
            by_name("etc/ssl/private/server.key").map(|k| k.1),
            Some(Confirm::PrivateKeyBlock)
        );
    }

    #[test]
    fn tokens() {
        let gh = format!("x\ntoken = \"ghp_{}\"\n", "a1B2".repeat(9));
        let h = scan_tokens(gh.as_bytes()).unwrap();
        assert_eq!((h.format, h.line), ("github-pat", 2));
        assert!(h.redacted.starts_with("ghp_…"));
        assert!(!h.redacted.contains("a1B2a1B2"));
        // Wrong length, a doc placeholder, an embedded prefix: no match.
        assert!(scan_tokens(b"ghp_short").is_none());
        assert!(scan_tokens(b"key AKIAIOSFODNN7EXAMPLE").is_none());
        assert!(scan_tokens(b"XAKIAABCDEFGHIJKLMNOP").is_none());
        assert_eq!(
            scan_tokens(b"id=AKIAABCDEFGHIJKLMNOP\n").unwrap().format,
            "aws-access-key-id"
        );
    }

    #[test]
    fn private_keys() {
        let pem = b"hello\n-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmU\n-----END OPENSSH PRIVATE KEY-----\n";
        let h = scan_tokens(pem).unwrap();
        assert_eq!((h.format, h.line), ("private-key-block", 2));
        assert!(confirm(Confirm::PrivateKeyBlock, pem).is_some());
        // A mention in prose is not a key.
        assert!(scan_tokens(b"look for -----BEGIN RSA PRIVATE KEY----- lines\n").is_none());
        assert!(
            confirm(
                Confirm::PrivateKeyBlock,
                b"-----BEGIN CERTIFICATE-----\nMIIB"
            )
            .is_none()
        );
        // Inside JSON (a service-account file).
        let js = br#"{"private_key": "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n"}"#;
        assert!(scan_tokens(js).is_some());
    }
}
