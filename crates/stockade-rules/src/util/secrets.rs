//! Secrets: which variable names say "secret", what a value looks like
//! (a known token format, a placeholder, a weak default, a reference), and
//! where known token formats occur in free text.
//!
//! Source-agnostic: Dockerfile `ENV`/`ARG`, Compose `environment:`, image
//! config `Env` and `docker run -e` all go through the same functions.
//! Hand-written matchers, linear in the input.

/// Whether a variable name says it holds a secret: `*_PASSWORD`,
/// `DB_PASS`, `API_KEY`, `SECRET_KEY_BASE`, `GITHUB_TOKEN`, `npmAuthToken`,
/// `BASIC_AUTH`, `AWS_SECRET_ACCESS_KEY`, `credentials`…
///
/// Not secrets: names that hold a path, a file, a URL, a length or another
/// setting *about* the secret (`POSTGRES_PASSWORD_FILE`, `TOKEN_URL`,
/// `PASSWORD_MIN_LENGTH`, `AUTH_METHOD`), key identifiers and public keys
/// (`GPG_KEY`, `AWS_ACCESS_KEY_ID`, `PUBLIC_KEY`, `KEYSERVER`), and the
/// shell's `PWD`/`OLDPWD`.
pub fn is_secret_name(name: &str) -> bool {
    let upper = name.trim().to_ascii_uppercase();
    if matches!(
        upper.as_str(),
        "PWD" | "OLDPWD" | "GOOGLE_APPLICATION_CREDENTIALS" | "KEY" | "AUTH"
    ) {
        return false;
    }
    let toks = name_tokens(name);
    if toks.is_empty() {
        return false;
    }
    let last = toks.len() - 1;
    // A trailing word saying the value is *about* the secret, not the secret.
    if NOT_SECRET_SUFFIX.contains(&toks[last].as_str()) {
        return false;
    }
    for (i, t) in toks.iter().enumerate() {
        let t = t.as_str();
        let prev = if i > 0 {
            Some(toks[i - 1].as_str())
        } else {
            None
        };
        let next = toks.get(i + 1).map(|s| s.as_str());
        if is_strong_word(t) {
            return true;
        }
        match t {
            "pass" | "pwd" if i == last => return true,
            "auth" if i == last || matches!(next, Some("token" | "key" | "pass" | "string")) => {
                return true;
            }
            "key" | "keys" => {
                let weak_prev = prev.is_some_and(|p| NOT_SECRET_KEY_PREFIX.contains(&p));
                let weak_next = next.is_some_and(|n| NOT_SECRET_KEY_NEXT.contains(&n));
                if !weak_prev && !weak_next && (prev.is_some() || i < last) {
                    return true;
                }
            }
            _ => {}
        }
    }
    false
}

/// Words that say "secret" on their own, also as the end of a run-together
/// word (`MYSQLPASSWORD`, `npmauthtoken`).
fn is_strong_word(t: &str) -> bool {
    const EXACT_OR_END: &[&str] = &[
        "password",
        "passwords",
        "passwd",
        "passphrase",
        "secret",
        "secrets",
        "token",
        "tokens",
        "apikey",
        "credential",
        "credentials",
        "creds",
        "privatekey",
        "secretkey",
        "accesskey",
        "authtoken",
        "pword",
    ];
    if t.len() > 64 {
        return false;
    }
    EXACT_OR_END.iter().any(|w| {
        t == *w
            || (t.ends_with(w)
                // `tokenizer`-style words do not end with the keyword; a
                // run-together prefix must itself be a plain word.
                && t.len() > w.len()
                && t[..t.len() - w.len()].bytes().all(|b| b.is_ascii_alphanumeric()))
    }) && !matches!(t, "notoken" | "nopassword")
}

const NOT_SECRET_SUFFIX: &[&str] = &[
    "file",
    "files",
    "path",
    "paths",
    "dir",
    "directory",
    "url",
    "uri",
    "urls",
    "endpoint",
    "name",
    "names",
    "id",
    "ids",
    "length",
    "len",
    "min",
    "max",
    "size",
    "type",
    "policy",
    "enabled",
    "enable",
    "disabled",
    "disable",
    "required",
    "expiry",
    "expires",
    "expiration",
    "ttl",
    "timeout",
    "lifetime",
    "header",
    "method",
    "mode",
    "version",
    "algorithm",
    "alg",
    "format",
    "location",
    "host",
    "port",
    "count",
    "prefix",
    "suffix",
    "hash",
    "backend",
    "provider",
    "store",
    "manager",
    "cmd",
    "command",
    "pattern",
    "regex",
    "field",
    "param",
    "dummy",
    "fingerprint",
    "server",
    "servers",
    "ring",
    "keyring",
    "keyserver",
    "mount",
    "volume",
    "source",
    "src",
    "env",
    "var",
    "ref",
    "arn",
];

/// Words before `KEY` that make it something other than a secret.
const NOT_SECRET_KEY_PREFIX: &[&str] = &[
    "gpg",
    "pgp",
    "public",
    "pub",
    "cache",
    "sort",
    "primary",
    "foreign",
    "partition",
    "hash",
    "idempotency",
    "routing",
    "shard",
    "lookup",
    "index",
    "group",
    "node",
    "map",
    "registry",
    "repo",
    "apt",
    "yum",
    "rpm",
    "signing_pub",
    "host",
    "hotkey",
    "dedup",
    "storage_class",
];

/// Words after `KEY` that make it something other than a secret.
const NOT_SECRET_KEY_NEXT: &[&str] = &[
    "id",
    "ids",
    "file",
    "path",
    "dir",
    "url",
    "uri",
    "name",
    "server",
    "servers",
    "ring",
    "size",
    "length",
    "len",
    "type",
    "alg",
    "algorithm",
    "format",
    "prefix",
    "suffix",
    "fingerprint",
    "version",
    "location",
    "store",
    "vault",
    "arn",
    "ref",
    "pair",
    "bits",
    // The key of a record, not a cryptographic one (Kafka Connect's
    // `CONNECT_KEY_CONVERTER`, `KEY_SERIALIZER`, `PARTITION_KEY_COLUMN`).
    "converter",
    "serializer",
    "deserializer",
    "schema",
    "column",
    "columns",
    "field",
    "fields",
    "separator",
    "delimiter",
];

/// Splits a variable name into lower-case words at `_`, `-`, `.`, and
/// camelCase boundaries (`npmAuthToken` → `npm`, `auth`, `token`).
pub fn name_tokens(name: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut cur = String::new();
    let mut prev_lower = false;
    for c in name.chars().take(256) {
        if !c.is_ascii_alphanumeric() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            prev_lower = false;
            continue;
        }
        if c.is_ascii_uppercase() && prev_lower && !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
        prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        cur.push(c.to_ascii_lowercase());
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// A known credential format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    AwsAccessKey,
    GitHubToken,
    GitLabToken,
    NpmToken,
    SlackToken,
    StripeKey,
    GoogleApiKey,
    PrivateKey,
    AwsSecretKey,
}

impl TokenKind {
    pub fn describe(self) -> &'static str {
        match self {
            TokenKind::AwsAccessKey => "an AWS access key id (with a secret access key next to it)",
            TokenKind::GitHubToken => "a GitHub token",
            TokenKind::GitLabToken => "a GitLab personal access token",
            TokenKind::NpmToken => "an npm access token",
            TokenKind::SlackToken => "a Slack token",
            TokenKind::StripeKey => "a Stripe live secret key",
            TokenKind::GoogleApiKey => "a Google API key",
            TokenKind::PrivateKey => "a private key",
            TokenKind::AwsSecretKey => "an AWS secret access key",
        }
    }
}

/// One token found in a text: its kind and byte range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenMatch {
    pub kind: TokenKind,
    pub start: usize,
    pub end: usize,
}

fn is_alnum(b: u8) -> bool {
    b.is_ascii_alphanumeric()
}

/// Length of the run of bytes from `at` satisfying `f`.
fn run_len(b: &[u8], at: usize, f: impl Fn(u8) -> bool) -> usize {
    b[at.min(b.len())..].iter().take_while(|&&c| f(c)).count()
}

/// Whether a token body is a placeholder (`ghp_xxxxxxxx…`, `…EXAMPLE`).
fn placeholder_body(body: &[u8]) -> bool {
    let mut seen = [false; 256];
    let mut distinct = 0;
    for &c in body {
        if !seen[c as usize] {
            seen[c as usize] = true;
            distinct += 1;
        }
    }
    if distinct < 6 {
        return true;
    }
    let upper: String = String::from_utf8_lossy(body).to_ascii_uppercase();
    upper.contains("EXAMPLE") || upper.contains("XXXXXX") || upper.contains("YOUR")
}

/// Whether the text holds something shaped like an AWS secret access key:
/// 40 characters of `[A-Za-z0-9/+]` with upper case, lower case and digits
/// (which rules out hex digests).
pub fn has_aws_secret_shape(text: &str) -> bool {
    aws_secret_shapes(text).next().is_some()
}

fn aws_secret_shapes(text: &str) -> impl Iterator<Item = (usize, usize)> + '_ {
    let b = text.as_bytes();
    let class = |c: u8| c.is_ascii_alphanumeric() || c == b'/' || c == b'+';
    let mut i = 0;
    std::iter::from_fn(move || {
        while i < b.len() {
            if !class(b[i]) {
                i += 1;
                continue;
            }
            let start = i;
            let n = run_len(b, i, class);
            i += n;
            let after_ok = b.get(i).is_none_or(|&c| c != b'=');
            if n == 40 && after_ok {
                let run = &b[start..start + n];
                let up = run.iter().any(|c| c.is_ascii_uppercase());
                let low = run.iter().any(|c| c.is_ascii_lowercase());
                let dig = run.iter().any(|c| c.is_ascii_digit());
                if up && low && dig && !placeholder_body(run) {
                    return Some((start, start + n));
                }
            }
        }
        None
    })
}

/// Finds known token formats in `text`. An AWS access key id alone is an
/// identifier: it is reported only when `aws_secret_nearby` (a secret
/// access key shape in the same instruction or file; see
/// [`has_aws_secret_shape`]).
pub fn find_tokens(text: &str, aws_secret_nearby: bool) -> Vec<TokenMatch> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        // Tokens start at a word boundary.
        if i > 0 && (is_alnum(b[i - 1]) || b[i - 1] == b'_') && b[i] != b'-' {
            i += 1;
            continue;
        }
        if let Some((kind, end)) = token_at(b, i, aws_secret_nearby) {
            out.push(TokenMatch {
                kind,
                start: i,
                end,
            });
            i = end;
            if out.len() >= 64 {
                break;
            }
            continue;
        }
        i += 1;
    }
    out
}

fn token_at(b: &[u8], i: usize, aws_ok: bool) -> Option<(TokenKind, usize)> {
    let rest = &b[i..];
    let word_end = |end: usize| b.get(end).is_none_or(|&c| !is_alnum(c));
    // AWS access key id: AKIA/ASIA + 16 base32 characters.
    if aws_ok && (rest.starts_with(b"AKIA") || rest.starts_with(b"ASIA")) {
        let n = run_len(b, i + 4, |c| {
            c.is_ascii_uppercase() || (b'2'..=b'7').contains(&c)
        });
        if n == 16 && word_end(i + 20) && !placeholder_body(&b[i + 4..i + 20]) {
            return Some((TokenKind::AwsAccessKey, i + 20));
        }
    }
    for p in [b"ghp_", b"gho_", b"ghu_", b"ghs_", b"ghr_"] {
        if rest.starts_with(p) {
            let n = run_len(b, i + 4, is_alnum);
            if n >= 36 && word_end(i + 4 + n) && !placeholder_body(&b[i + 4..i + 4 + n]) {
                return Some((TokenKind::GitHubToken, i + 4 + n));
            }
        }
    }
    if rest.starts_with(b"github_pat_") {
        let n = run_len(b, i + 11, |c| is_alnum(c) || c == b'_');
        if n >= 50 && !placeholder_body(&b[i + 11..i + 11 + n]) {
            return Some((TokenKind::GitHubToken, i + 11 + n));
        }
    }
    if rest.starts_with(b"glpat-") {
        let n = run_len(b, i + 6, |c| is_alnum(c) || c == b'_' || c == b'-');
        if n >= 20 && !placeholder_body(&b[i + 6..i + 6 + n]) {
            return Some((TokenKind::GitLabToken, i + 6 + n));
        }
    }
    if rest.starts_with(b"npm_") {
        let n = run_len(b, i + 4, is_alnum);
        if n == 36 && word_end(i + 40) && !placeholder_body(&b[i + 4..i + 40]) {
            return Some((TokenKind::NpmToken, i + 40));
        }
    }
    if rest.len() > 5 && rest.starts_with(b"xox") && b"abposr".contains(&rest[3]) && rest[4] == b'-'
    {
        let n = run_len(b, i + 5, |c| is_alnum(c) || c == b'-');
        let body = &b[i + 5..i + 5 + n];
        let digits = body.iter().filter(|c| c.is_ascii_digit()).count();
        if n >= 20 && digits >= 8 && !placeholder_body(body) {
            return Some((TokenKind::SlackToken, i + 5 + n));
        }
    }
    for p in [b"sk_live_", b"rk_live_"] {
        if rest.starts_with(p) {
            let n = run_len(b, i + 8, is_alnum);
            if n >= 24 && !placeholder_body(&b[i + 8..i + 8 + n]) {
                return Some((TokenKind::StripeKey, i + 8 + n));
            }
        }
    }
    if rest.starts_with(b"AIza") {
        let n = run_len(b, i + 4, |c| is_alnum(c) || c == b'_' || c == b'-');
        if n == 35 && !placeholder_body(&b[i + 4..i + 39]) {
            return Some((TokenKind::GoogleApiKey, i + 39));
        }
    }
    if rest.starts_with(b"-----BEGIN ") {
        return private_key_block(b, i).map(|end| (TokenKind::PrivateKey, end));
    }
    None
}

/// `-----BEGIN [RSA |EC |OPENSSH |DSA |ENCRYPTED |PGP ]PRIVATE KEY[ BLOCK]-----`
/// followed by key material (at least 32 base64 characters, possibly after
/// literal `\n` escapes). Returns the end of the header line.
fn private_key_block(b: &[u8], i: usize) -> Option<usize> {
    let head_start = i + 11;
    let max = (head_start + 40).min(b.len());
    let close = b[head_start..max]
        .windows(5)
        .position(|w| w == b"-----")
        .map(|p| head_start + p)?;
    let label = std::str::from_utf8(&b[head_start..close]).ok()?;
    if !(label.ends_with("PRIVATE KEY") || label.ends_with("PRIVATE KEY BLOCK")) {
        return None;
    }
    let end = close + 5;
    // Skip whitespace, quotes and `\n` escapes, then require key material.
    let mut j = end;
    while j < b.len() {
        match b[j] {
            b' ' | b'\t' | b'\r' | b'\n' | b'"' | b'\'' => j += 1,
            b'\\' if matches!(b.get(j + 1), Some(b'n' | b'r' | b'\n')) => j += 2,
            _ => break,
        }
    }
    let material = run_len(b, j, |c| {
        c.is_ascii_alphanumeric() || c == b'/' || c == b'+'
    });
    // PGP armour and encrypted PEM start with header lines (`Version:`,
    // `Proc-Type:`): accept a colon line before the material too.
    let header_line = b[j..].iter().take(64).any(|&c| c == b':');
    (material >= 32 || header_line).then_some(end)
}

/// What a value looks like, for rules that judge values of secret-named
/// variables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretValue {
    /// Empty.
    Empty,
    /// A stand-in for a real value: `changeme`, `<password>`, `xxx`,
    /// `your-token-here`, `example`, `none`.
    Placeholder,
    /// Refers to something else: `$VAR`, `${VAR}`, `/run/secrets/x`.
    Reference,
    /// Clearly not a credential: a boolean, a path, a URL without
    /// credentials in it.
    NotSecret,
    /// A weak, well-known default (`password`, `admin`, `root`, `1234`).
    Weak,
    /// A literal in a known token format.
    Token(TokenKind),
    /// Any other literal: most likely a real credential.
    Literal,
}

impl SecretValue {
    /// Whether the value is a credential written out (weak, token or literal).
    pub fn is_credential(self) -> bool {
        matches!(
            self,
            SecretValue::Weak | SecretValue::Token(_) | SecretValue::Literal
        )
    }
}

/// Classifies a value (quotes already removed).
pub fn classify_value(value: &str) -> SecretValue {
    let v = value.trim();
    let v = v
        .strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .or_else(|| v.strip_prefix('\'').and_then(|s| s.strip_suffix('\'')))
        .unwrap_or(v)
        .trim();
    if v.is_empty() {
        return SecretValue::Empty;
    }
    if let Some(t) = find_tokens(v, has_aws_secret_shape(v)).first() {
        return SecretValue::Token(t.kind);
    }
    if aws_secret_shapes(v)
        .next()
        .is_some_and(|(s, e)| s == 0 && e == v.len())
    {
        return SecretValue::Token(TokenKind::AwsSecretKey);
    }
    if has_var_reference(v) || v.starts_with("/run/secrets") {
        return SecretValue::Reference;
    }
    let lower = v.to_ascii_lowercase();
    if is_placeholder(&lower) {
        return SecretValue::Placeholder;
    }
    if matches!(
        lower.as_str(),
        "true" | "false" | "yes" | "no" | "on" | "off" | "0" | "1" | "enabled" | "disabled"
    ) {
        return SecretValue::NotSecret;
    }
    if v.starts_with('/') || v.starts_with("./") || v.starts_with("~/") || v.starts_with("../") {
        return SecretValue::NotSecret;
    }
    if let Some((scheme, rest)) = v.split_once("://")
        && !scheme.is_empty()
        && scheme
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+.-".contains(&b))
    {
        let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
        return if authority.contains('@')
            && authority.split('@').next().is_some_and(|u| u.contains(':'))
        {
            SecretValue::Literal
        } else {
            SecretValue::NotSecret
        };
    }
    if is_weak(&lower) {
        return SecretValue::Weak;
    }
    SecretValue::Literal
}

/// Whether the text refers to a variable: `$NAME`, `${NAME}`, `%NAME%`.
pub fn has_var_reference(v: &str) -> bool {
    let b = v.as_bytes();
    for (i, &c) in b.iter().enumerate() {
        if c == b'$'
            && let Some(&n) = b.get(i + 1)
            && (n == b'{' || n == b'(' || n.is_ascii_alphabetic() || n == b'_')
        {
            return true;
        }
    }
    v.len() > 2
        && v.starts_with('%')
        && v.ends_with('%')
        && v[1..v.len() - 1]
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// Variable names referred to in `text` as `$NAME` or `${NAME…}`.
pub fn referenced_vars(text: &str) -> Vec<String> {
    let b = text.as_bytes();
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' {
            i += 2;
            continue;
        }
        if b[i] == b'$' {
            let start = if b.get(i + 1) == Some(&b'{') {
                i + 2
            } else {
                i + 1
            };
            let n = run_len(b, start, |c| c.is_ascii_alphanumeric() || c == b'_');
            if n > 0 && !b[start].is_ascii_digit() {
                let name = &text[start..start + n];
                if !out.iter().any(|o| o == name) {
                    out.push(name.to_string());
                }
            }
            i = start + n;
            continue;
        }
        i += 1;
    }
    out
}

fn is_placeholder(lower: &str) -> bool {
    const WORDS: &[&str] = &[
        "changeme",
        "change-me",
        "change_me",
        "changethis",
        "change-this",
        "change_this",
        "placeholder",
        "example",
        "dummy",
        "none",
        "null",
        "nil",
        "undefined",
        "todo",
        "tbd",
        "replaceme",
        "replace-me",
        "replace_me",
        "redacted",
        "notset",
        "not-set",
        "unset",
        "fake",
        "sample",
        "xxx",
    ];
    if WORDS.contains(&lower) {
        return true;
    }
    let b = lower.as_bytes();
    if (b.first() == Some(&b'<') && b.last() == Some(&b'>'))
        || (lower.starts_with("{{") && lower.ends_with("}}"))
        || (b.first() == Some(&b'[') && b.last() == Some(&b']'))
    {
        return true;
    }
    if b.iter()
        .all(|&c| matches!(c, b'x' | b'*' | b'.' | b'-' | b'_' | b'#'))
    {
        return true;
    }
    lower.starts_with("your")
        || lower.ends_with("here")
        || lower.starts_with("change")
        || lower.starts_with("replace")
        || lower.starts_with("insert")
        || lower.starts_with("example")
        || lower.starts_with("dummy")
        || lower.starts_with("placeholder")
        || lower.contains("xxxx")
}

/// Whether a value is weak as it stands (`password`, `admin`, `123456`),
/// not only once its decoration is taken off (`Passw0rd!`,
/// `devtools-password`), which [`classify_value`] also calls weak.
pub fn is_common_password(value: &str) -> bool {
    let lower = value.trim().to_ascii_lowercase();
    WEAK.contains(&lower.as_str())
        || (!lower.is_empty() && lower.len() <= 8 && lower.bytes().all(|b| b.is_ascii_digit()))
}

const WEAK: &[&str] = &[
    "password",
    "passw0rd",
    "p@ssw0rd",
    "p@ssword",
    "pass",
    "admin",
    "administrator",
    "root",
    "toor",
    "secret",
    "test",
    "testing",
    "test123",
    "guest",
    "user",
    "demo",
    "default",
    "letmein",
    "qwerty",
    "abc123",
    "changeit",
    "postgres",
    "mysql",
    "oracle",
    "welcome",
    "master",
    "login",
    "sa",
    "pwd",
    "passwd",
    "admin123",
    "password1",
    "password123",
    "secret123",
    "dev",
    "development",
    "local",
];

/// Letters typed along a keyboard row or down its columns, with at most a
/// few digits or symbols around them: `1234qwer`, `qwer1234`, `1q2w3e4r`,
/// `asdf!234`, `1qaz2wsx`, `zxcvbnm`.
fn keyboard_walk(lower: &str) -> bool {
    const WALKS: &[&str] = &[
        "qwertyuiop",
        "asdfghjkl",
        "zxcvbnm",
        "qazwsxedcrfvtgbyhnujmikolp",
        "poiuytrewq",
        "lkjhgfdsa",
        "mnbvcxz",
    ];
    let letters: String = lower.chars().filter(|c| c.is_ascii_alphabetic()).collect();
    let rest = lower.chars().filter(|c| !c.is_ascii_alphabetic()).count();
    letters.len() >= 4
        && rest <= 6
        && lower.is_ascii()
        && WALKS.iter().any(|w| w.contains(letters.as_str()))
}

fn is_weak(lower: &str) -> bool {
    if WEAK.contains(&lower) {
        return true;
    }
    // Short all-digit PINs and `123456`-style sequences.
    if lower.len() <= 8 && lower.bytes().all(|b| b.is_ascii_digit()) {
        return true;
    }
    // A weak word with a little decoration: `Passw0rd!`, `qwerty123`,
    // `admin@123`, `mypassword`.
    let core = lower.trim_matches(|c: char| !c.is_ascii_alphabetic());
    let core = core
        .strip_prefix("my")
        .filter(|c| c.len() >= 4)
        .unwrap_or(core);
    if core.len() >= 4 && lower.len() <= core.len() + 4 && WEAK.contains(&core) {
        return true;
    }
    if keyboard_walk(lower) {
        return true;
    }
    // A short name joined to a weak word: `devtools-password`, `app_secret`.
    let toks: Vec<&str> = lower.split(['-', '_', '.', ' ']).collect();
    lower.len() <= 24
        && toks.len() >= 2
        && toks.iter().any(|t| {
            matches!(
                *t,
                "password" | "passw0rd" | "passwd" | "secret" | "changeme"
            )
        })
        && toks.iter().all(|t| {
            t.bytes().all(|b| b.is_ascii_lowercase())
                || (t.len() <= 4 && t.bytes().all(|b| b.is_ascii_digit()))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_names() {
        for n in [
            "PASSWORD",
            "DB_PASSWORD",
            "MYSQL_ROOT_PASSWORD",
            "mysqlpassword",
            "DB_PASS",
            "db_pwd",
            "API_KEY",
            "apiKey",
            "SECRET_KEY",
            "SECRET_KEY_BASE",
            "AWS_SECRET_ACCESS_KEY",
            "GITHUB_TOKEN",
            "npmAuthToken",
            "NPM_AUTH",
            "BASIC_AUTH",
            "AUTH_TOKEN",
            "PRIVATE_KEY",
            "SSH_KEY",
            "ENCRYPTION_KEY",
            "CREDENTIALS",
            "gcp_credentials",
            "client_secret",
            "password",
            "JWT_SECRET",
            "ACCESS_KEY",
            "STRIPE_KEY",
            "session-secret",
        ] {
            assert!(is_secret_name(n), "{n} should be secret");
        }
        for n in [
            "GPG_KEY",
            "GPG_KEYS",
            "AWS_ACCESS_KEY_ID",
            "KEY_ID",
            "SSL_KEY_FILE",
            "POSTGRES_PASSWORD_FILE",
            "PASSWORD_PATH",
            "PUBLIC_KEY",
            "KEYSERVER",
            "TOKEN_URL",
            "PASSWORD_MIN_LENGTH",
            "POSTGRES_HOST_AUTH_METHOD",
            "AUTH_ENABLED",
            "PWD",
            "OLDPWD",
            "TOKENIZER",
            "tokenizers_parallelism",
            "SECRET_NAME",
            "GOOGLE_APPLICATION_CREDENTIALS",
            "NODE_VERSION",
            "PATH",
            "KEY",
            "OAUTH_CALLBACK",
            "SECRET_KEY_BASE_DUMMY",
            "CACHE_KEY",
            "PASS_MAX_DAYS",
            "PASSPORT_STRATEGY",
            "CONNECT_KEY_CONVERTER",
            "KAFKA_KEY_SERIALIZER",
            "CONNECT_INTERNAL_KEY_CONVERTER",
            "",
        ] {
            assert!(!is_secret_name(n), "{n} should not be secret");
        }
    }

    #[test]
    fn tokens_in_text() {
        let gh = format!("ghp_{}", "aB3dE5gH7jK9mN1pQ3sT5vW7yZ9bC1dE3fG5");
        let text = format!("git clone https://x:{gh}@github.com/o/r");
        let t = find_tokens(&text, false);
        assert_eq!(t.len(), 1);
        assert_eq!(t[0].kind, TokenKind::GitHubToken);
        assert_eq!(&text[t[0].start..t[0].end], gh);

        let placeholder = format!("ghp_{}", "x".repeat(36));
        assert!(find_tokens(&placeholder, false).is_empty());

        let gl = "glpat-Ab1Cd2Ef3Gh4Ij5Kl6Mn";
        assert_eq!(find_tokens(gl, false)[0].kind, TokenKind::GitLabToken);

        let npm = format!(
            "//registry.npmjs.org/:_authToken=npm_{}",
            "Q1w2E3r4T5y6U7i8O9p0A1s2D3f4G5h6J7k8"
        );
        assert_eq!(find_tokens(&npm, false)[0].kind, TokenKind::NpmToken);

        let slack = "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx";
        assert_eq!(find_tokens(slack, false)[0].kind, TokenKind::SlackToken);

        let stripe = format!("sk_live_{}", "4eC39HqLyjWDarjtT1zdp7dc");
        assert_eq!(find_tokens(&stripe, false)[0].kind, TokenKind::StripeKey);
        assert!(find_tokens("sk_test_4eC39HqLyjWDarjtT1zdp7dc", false).is_empty());

        let google = format!("AIza{}", "SyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY");
        assert_eq!(find_tokens(&google, false)[0].kind, TokenKind::GoogleApiKey);

        let key = "-----BEGIN RSA PRIVATE KEY-----\\nMIIEowIBAAKCAQEA7bq98bhjKl3PmTuVx2Zg";
        assert_eq!(find_tokens(key, false)[0].kind, TokenKind::PrivateKey);
        // A script that only looks for the header is not a key.
        assert!(find_tokens("grep -q '-----BEGIN RSA PRIVATE KEY-----' f", false).is_empty());
        assert!(
            find_tokens(
                "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8A",
                false
            )
            .is_empty()
        );
    }

    #[test]
    fn aws_needs_a_secret_nearby() {
        let id = "AKIAZ7VQ4M3KPL2XJ6WB";
        assert!(find_tokens(id, false).is_empty());
        assert_eq!(find_tokens(id, true)[0].kind, TokenKind::AwsAccessKey);
        assert!(find_tokens("AKIAIOSFODNN7EXAMPLE", true).is_empty());
        assert!(has_aws_secret_shape(
            "k=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"
        ));
        // A SHA-1 digest is 40 characters but has no upper case.
        assert!(!has_aws_secret_shape(
            "da39a3ee5e6b4b0d3255bfef95601890afd80709"
        ));
    }

    #[test]
    fn classifies_values() {
        assert_eq!(classify_value(""), SecretValue::Empty);
        assert_eq!(classify_value("\"\""), SecretValue::Empty);
        for p in [
            "changeme",
            "<password>",
            "xxx",
            "********",
            "your-token-here",
            "{{ token }}",
            "none",
        ] {
            assert_eq!(classify_value(p), SecretValue::Placeholder, "{p}");
        }
        for r in ["$TOKEN", "${TOKEN}", "${TOKEN:-x}", "/run/secrets/db"] {
            assert_eq!(classify_value(r), SecretValue::Reference, "{r}");
        }
        for n in [
            "true",
            "0",
            "/etc/ssl/key.pem",
            "https://auth.example.com/token",
        ] {
            assert_eq!(classify_value(n), SecretValue::NotSecret, "{n}");
        }
        for w in [
            "password",
            "admin",
            "root",
            "1234",
            "postgres",
            "Passw0rd!",
            "qwerty123",
            "admin@123",
            "mypassword",
            "devtools-password",
            "app_secret",
            "db-password-2024",
            "1234qwer",
            "qwer1234",
            "1q2w3e4r",
            "Asdf!234",
            "1qaz2wsx",
            "zxcvbnm",
            "qwertyuiop",
        ] {
            assert_eq!(classify_value(w), SecretValue::Weak, "{w}");
        }
        for l in [
            "pass!1213Fs",
            "top-secret-7Hx9Qk2mN",
            "Zx81-q7Tk-w2",
            "rootbeer-float-sunset",
            "administrator-of-the-realm-forever",
            // Keyboard letters inside a longer random value are not a walk.
            "qwer-9f8a7s6d5f4g-prod",
            "asdf7Hx9Qk2mN1",
        ] {
            assert_eq!(classify_value(l), SecretValue::Literal, "{l}");
        }
        assert_eq!(
            classify_value("https://u:hunter2@db.example.com"),
            SecretValue::Literal
        );
        assert!(matches!(
            classify_value("wJalrXUtnFEMI/K7MDENG/bPxRfiCYzq8d3h6Tj2"),
            SecretValue::Token(TokenKind::AwsSecretKey)
        ));
    }

    #[test]
    fn finds_referenced_vars() {
        assert_eq!(referenced_vars("$A-${B:-x}/\\$C $1"), vec!["A", "B"]);
    }
}
