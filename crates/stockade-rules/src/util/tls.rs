//! TLS certificate verification switched off: the settings, environment
//! variables and tool switches that do it. Shared by the Dockerfile rule
//! (SKD114) and the image rules, which judge RUN steps from the image
//! history and the image's own environment.

use crate::util::commands::{RunScripts, all_words, effective, file_writes, parse_download};
use crate::util::text::{Want, find_setting, find_word, joined, joined_span, sub_span};
use stockade_core::Span;
use stockade_core::shell::Word;

/// Settings that switch verification off, with the value that does it.
pub const KEYS: &[(&str, Want, &str)] = &[
    ("sslverify", Want::Off, "`sslverify` off"),
    ("verify-peer", Want::Off, "apt `Verify-Peer` off"),
    ("verify-host", Want::Off, "apt `Verify-Host` off"),
    ("strict-ssl", Want::Off, "`strict-ssl` off"),
    ("strict_ssl", Want::Off, "`strict-ssl` off"),
    (
        "check_certificate",
        Want::Off,
        "wget `check_certificate` off",
    ),
    (
        "check-certificate",
        Want::Off,
        "wget `check-certificate` off",
    ),
    ("tls-verify", Want::Off, "`--tls-verify=false`"),
    (
        "node_tls_reject_unauthorized",
        Want::Zero,
        "`NODE_TLS_REJECT_UNAUTHORIZED=0`",
    ),
    ("pythonhttpsverify", Want::Zero, "`PYTHONHTTPSVERIFY=0`"),
    ("git_ssl_no_verify", Want::Any, "`GIT_SSL_NO_VERIFY` set"),
    ("trusted-host", Want::Any, "pip `trusted-host`"),
    ("trusted_host", Want::Any, "pip `trusted-host`"),
    ("disable-tls", Want::On, "composer `disable-tls`"),
    (
        "insecure-skip-tls-verify",
        Want::On,
        "`--insecure-skip-tls-verify`",
    ),
];

/// Environment variables that switch verification off.
pub const ENV_KEYS: &[&str] = &[
    "NODE_TLS_REJECT_UNAUTHORIZED",
    "PYTHONHTTPSVERIFY",
    "GIT_SSL_NO_VERIFY",
    "PIP_TRUSTED_HOST",
    "NPM_CONFIG_STRICT_SSL",
];

/// Finds a setting that switches TLS verification off in `text`: the
/// byte range from the key to the end of its value, and what it is.
pub fn tls_off_in_text(text: &str) -> Option<(usize, usize, &'static str)> {
    find_setting(text, KEYS)
}

/// What an environment variable (`ENV`, `ARG`, an image's `Env`) says about
/// certificate checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnvTls {
    /// It switches them off; the label says how.
    Off(&'static str),
    /// A variable that can switch them off, with a value not known here.
    Unknown,
}

/// Judges one variable: `None` when it is not about certificate checks or
/// its value leaves them on.
pub fn env_tls(key: &str, value: Option<&str>) -> Option<EnvTls> {
    let upper = key.to_ascii_uppercase();
    if !ENV_KEYS.contains(&upper.as_str()) {
        return None;
    }
    match value {
        Some(v) => tls_off_in_text(&format!("{key}={v}")).map(|(_, _, what)| EnvTls::Off(what)),
        None => Some(EnvTls::Unknown),
    }
}

/// Every place in a RUN (its commands, `sh -c` strings, files it writes,
/// its heredocs) that switches certificate checks off, with a message.
pub fn tls_off_in_run(rs: &RunScripts) -> Vec<(Span, String)> {
    let mut out: Vec<(Span, String)> = Vec::new();
    rs.walk(&mut |cx, _| {
        let cmd = cx.cmd;
        if let Some(d) = parse_download(cmd) {
            let off = if d.tool == "curl" {
                d.args.get(&["k", "insecure", "proxy-insecure"])
            } else {
                d.args.get(&["no-check-certificate"])
            };
            if let Some(o) = off {
                out.push((
                    o.word.span,
                    format!(
                        "`{}` with `{}` skips certificate checks: anyone on the path can serve the download",
                        d.tool,
                        o.word.lossy()
                    ),
                ));
            }
        }
        if effective(cmd).is_some_and(|(n, _, _)| matches!(n.as_str(), "npm" | "yarn" | "pnpm"))
            && let Some(w) = cmd.words.iter().find(|w| w.lossy() == "--no-strict-ssl")
        {
            out.push((
                w.span,
                "`--no-strict-ssl` switches off certificate checks".into(),
            ));
        }
        for a in &cmd.assignments {
            let text = format!("{}={}", a.name, a.value.lossy());
            if let Some((_, _, what)) = tls_off_in_text(&text) {
                out.push((a.span, format!("{what}: certificate checks are switched off")));
            }
        }
        let words: Vec<&Word> = cmd.words.iter().collect();
        let (text, at) = joined(&words);
        if let Some((s, e, what)) = tls_off_in_text(&text)
            && let Some(span) = joined_span(&text, &at, s, e)
        {
            out.push((span, format!("{what}: certificate checks are switched off")));
        }
        for w in all_words(cmd).filter(|w| !cmd.words.iter().any(|x| std::ptr::eq(x, *w))) {
            let t = w.lossy();
            if let Some((s, e, what)) = tls_off_in_text(&t) {
                out.push((
                    sub_span(w.span, &t, s, e),
                    format!("{what}: certificate checks are switched off"),
                ));
            }
        }
    });
    for w in file_writes(rs) {
        let p = w.path.to_ascii_lowercase();
        if p.ends_with(".curlrc") {
            for (t, s) in &w.pieces {
                let hit = find_word(t, "insecure")
                    .map(|k| (k, k + 8))
                    .or_else(|| find_word(t, "-k").map(|k| (k, k + 2)));
                if let Some((a, b)) = hit {
                    out.push((
                        sub_span(*s, t, a, b),
                        "`insecure` in `.curlrc` switches off curl's certificate checks".into(),
                    ));
                }
            }
        }
    }
    for h in &rs.run.heredocs {
        let t = &h.body.value;
        if let Some((s, e, what)) = tls_off_in_text(t) {
            out.push((
                sub_span(h.body.span, t, s, e),
                format!("{what}: certificate checks are switched off"),
            ));
        }
    }
    out
}
