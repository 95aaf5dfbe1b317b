//! Reading secret-like settings of a container (environment and build
//! arguments) for the secrets rules (SKD227, SKD228). Not a rule.

use crate::util::secrets::{
    SecretValue, classify_value, has_var_reference, is_common_password, name_tokens,
};
use std::collections::HashMap;
use stockade_core::{ContainerSpec, Expanded, Span};

/// One `NAME=value` setting written in the file.
pub(crate) struct Setting<'a> {
    pub name: &'a str,
    pub value: &'a Expanded,
    /// The whole entry (`- NAME=value`, `NAME: value`, `-e NAME=value`).
    pub span: Span,
    /// `environment variable` or `build argument`.
    pub kind: &'static str,
}

/// Environment variables and build arguments that have a value.
pub(crate) fn settings(spec: &ContainerSpec) -> Vec<Setting<'_>> {
    let mut out = Vec::new();
    for e in &spec.env {
        if let Some(v) = &e.value {
            out.push(Setting {
                name: e.name.value.as_str(),
                value: &v.value,
                span: e.span,
                kind: "environment variable",
            });
        }
    }
    if let Some(b) = &spec.build {
        for (name, value) in &b.args {
            if let Some(v) = value {
                out.push(Setting {
                    name: name.value.as_str(),
                    value: &v.value,
                    span: name.span.to(v.span),
                    kind: "build argument",
                });
            }
        }
    }
    out
}

/// The literal text a setting holds *in the file*. A value that comes from
/// interpolation (`${DB_PASSWORD}`) is not in the file: `None`. A default
/// written in the file (`${DB_PASSWORD:-hunter2}`) is: the default.
pub(crate) fn literal_text(e: &Expanded) -> Option<String> {
    let raw = e.raw.trim();
    if !has_var_reference(raw) && !raw.contains("${") {
        return e.known().map(str::to_string);
    }
    // Exactly `${NAME:-default}` / `${NAME-default}` with a literal default.
    let inner = raw.strip_prefix("${")?.strip_suffix('}')?;
    let name_len = inner
        .bytes()
        .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_')
        .count();
    let rest = &inner[name_len..];
    let default = rest.strip_prefix(":-").or_else(|| rest.strip_prefix('-'))?;
    if default.is_empty() || default.contains('$') {
        return None;
    }
    Some(default.to_string())
}

/// Values of well-known documentation examples and product defaults.
const DEFAULTS: &[&str] = &[
    "mysecretpassword",
    "my-secret-pw",
    "minioadmin",
    "somewordpress",
    "wordpress",
    "example",
    "changeme",
    "neo4j",
    "elastic",
    "rabbitmq",
    "guest",
    "secret",
    "minio123",
];

/// Placeholders that mean "nothing" rather than a password.
const NOTHING: &[&str] = &[
    "none",
    "null",
    "nil",
    "undefined",
    "unset",
    "notset",
    "not-set",
];

/// Whether `name` is an access key set next to its secret key
/// (`MINIO_ACCESS_KEY` beside `MINIO_SECRET_KEY`, `S3_ACCESS_KEY` beside
/// `S3_SECRET_ACCESS_KEY`): the access key identifies the account, like a
/// user name, and the secret key is its password.
pub(crate) fn is_paired_access_key(spec: &ContainerSpec, name: &str) -> bool {
    let toks = name_tokens(name);
    let prefix: &[String] = match toks.as_slice() {
        [p @ .., a, k] if a == "access" && k == "key" => p,
        [p @ .., ak] if ak == "accesskey" => p,
        _ => return false,
    };
    if prefix.last().is_some_and(|t| t == "secret") {
        return false;
    }
    spec.env.iter().any(|e| {
        let t = name_tokens(&e.name.value);
        t.len() > prefix.len()
            && t[..prefix.len()] == *prefix
            && matches!(
                t[prefix.len()..]
                    .iter()
                    .map(String::as_str)
                    .collect::<Vec<_>>()
                    .as_slice(),
                ["secret", "key"] | ["secret", "access", "key"] | ["secretkey"]
            )
    })
}

fn is_user_name_var(name: &str) -> bool {
    let toks = name_tokens(name);
    toks.last().is_some_and(|t| {
        matches!(
            t.as_str(),
            "user" | "username" | "login" | "db" | "database"
        )
    })
}

/// The password part of a setting's text (`NEO4J_AUTH=neo4j/secret`).
pub(crate) fn password_part<'t>(name: &str, text: &'t str) -> &'t str {
    if name.eq_ignore_ascii_case("NEO4J_AUTH") {
        return text.split_once('/').map(|(_, p)| p).unwrap_or(text);
    }
    text
}

/// The values of the user- and database-name variables of a spec
/// (lower-cased), each with the first variable that holds it. Built once
/// per spec so that judging many variables stays linear.
pub(crate) struct UserNames<'a>(HashMap<String, &'a str>);

impl<'a> UserNames<'a> {
    pub fn of(spec: &'a ContainerSpec) -> Self {
        let mut map = HashMap::new();
        for e in &spec.env {
            if !is_user_name_var(&e.name.value) && !is_paired_access_key(spec, &e.name.value) {
                continue;
            }
            if let Some(v) = e.value.as_ref().and_then(|x| x.value.known()) {
                map.entry(v.trim().to_ascii_lowercase())
                    .or_insert(e.name.value.as_str());
            }
        }
        UserNames(map)
    }
}

/// Why `text`, the value of the secret-named `name`, is weak: a well-known
/// weak password, a documentation example or placeholder, the image's
/// name, or the same as the user or database name set next to it.
pub(crate) fn weak_reason(
    spec: &ContainerSpec,
    users: &UserNames<'_>,
    name: &str,
    text: &str,
) -> Option<String> {
    let v = password_part(name, text).trim();
    let lower = v.to_ascii_lowercase();
    if v.is_empty() || NOTHING.contains(&lower.as_str()) {
        return None;
    }
    match classify_value(v) {
        SecretValue::Weak if is_common_password(v) => {
            return Some("a well-known weak password".into());
        }
        SecretValue::Weak => return Some("a common password word with a little decoration".into()),
        SecretValue::Placeholder => {
            return Some("a placeholder that is used as the real value".into());
        }
        SecretValue::Empty | SecretValue::Reference | SecretValue::NotSecret => return None,
        SecretValue::Token(_) | SecretValue::Literal => {}
    }
    if DEFAULTS.contains(&lower.as_str()) {
        return Some("a documented example or product default".into());
    }
    if let Some(r) = &spec.image_ref
        && r.base_name().eq_ignore_ascii_case(v)
    {
        return Some("the image's name".into());
    }
    match users.0.get(&lower) {
        Some(user) if *user != name => Some(format!("the same as `{user}`")),
        _ => None,
    }
}

/// Whether `text` holds a password inside a URL (`scheme://user:pass@host`)
/// or a connection string (`…;Password=…;`, `?password=…`). Passwords that
/// are variable references do not count.
pub(crate) fn embedded_password(text: &str) -> Option<&'static str> {
    let mut rest = text;
    while let Some(i) = rest.find("://") {
        let after = &rest[i + 3..];
        let authority = after.split(['/', '?', '#', ' ', ',']).next().unwrap_or("");
        if let Some((userinfo, _)) = authority.rsplit_once('@')
            && let Some((_, pass)) = userinfo.split_once(':')
            && !pass.is_empty()
            && !has_var_reference(pass)
        {
            return Some("a URL with a password in it");
        }
        rest = after;
    }
    for part in text.split([';', '&', '?', ' ']) {
        if let Some((k, v)) = part.split_once('=') {
            let k = k.trim().to_ascii_lowercase();
            let v = v.trim();
            if matches!(k.as_str(), "password" | "pwd" | "passwd" | "pass")
                && !v.is_empty()
                && !has_var_reference(v)
            {
                return Some("a connection string with a password in it");
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_text_of_settings() {
        assert_eq!(
            literal_text(&Expanded::literal("abc")).as_deref(),
            Some("abc")
        );
        let e = Expanded::unknown("${DB_PASSWORD}", vec!["DB_PASSWORD".into()]);
        assert_eq!(literal_text(&e), None);
        let e = Expanded {
            raw: "${DB_PASSWORD}".into(),
            value: Some("from-dotenv".into()),
            unresolved: vec![],
        };
        assert_eq!(literal_text(&e), None);
        let e = Expanded {
            raw: "${DB_PASSWORD:-hunter2}".into(),
            value: Some("hunter2".into()),
            unresolved: vec![],
        };
        assert_eq!(literal_text(&e).as_deref(), Some("hunter2"));
        let e = Expanded {
            raw: "pre${X}".into(),
            value: Some("prex".into()),
            unresolved: vec![],
        };
        assert_eq!(literal_text(&e), None);
    }

    #[test]
    fn embedded_passwords() {
        assert!(embedded_password("postgres://user:pass@db:5432/app").is_some());
        assert!(embedded_password("redis://:s3cret@cache:6379").is_some());
        assert!(embedded_password("Server=db;User Id=sa;Password=Str0ng!;").is_some());
        assert!(embedded_password("jdbc:mysql://db/app?user=a&password=b").is_some());
        assert!(embedded_password("postgres://user:${PW}@db/app").is_none());
        assert!(embedded_password("postgres://user@db/app").is_none());
        assert!(embedded_password("http://+:8000").is_none());
        assert!(embedded_password("kafka://redpanda:9092/order").is_none());
        assert!(embedded_password("Password=").is_none());
    }
}
