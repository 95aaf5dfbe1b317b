//! Strict parsing of `POST /containers/create` bodies.
//!
//! The daemon decodes a create body with Go's `encoding/json`: field names
//! match case-insensitively (with Unicode folding: `Mountſ` is `Mounts`), a
//! repeated key overwrites the earlier one, and unknown fields are ignored.
//! A policy that reads the body with another JSON reader can be shown one
//! thing while the daemon reads another (`"Privileged":false,
//! "privileged":true`). [`parse_create_strict`] refuses every body where the
//! two readings could differ: a duplicate key anywhere, a non-ASCII key or a
//! case variant of a known field name where the daemon matches struct
//! fields.

use crate::schema::{CONFIG_FIELDS, HOST_CONFIG_FIELDS, Shape, WRAPPER_FIELDS, top_level_field};
use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};
use std::fmt;

/// Parses a create body, refusing duplicate keys at any depth and keys that
/// differ from a known field name only by case (or that are not ASCII where
/// the daemon matches field names). Unknown ASCII field names are accepted
/// (the daemon ignores them); see [`create_unknown_fields`].
pub fn parse_create_strict(bytes: &[u8]) -> Result<Value, String> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let v = NoDuplicates
        .deserialize(&mut de)
        .map_err(|e| format!("invalid create body: {e}"))?;
    de.end().map_err(|e| format!("invalid create body: {e}"))?;
    let Value::Object(top) = &v else {
        return Err("invalid create body: not a JSON object".to_string());
    };
    check_top(top, |path, key, known| {
        Err(match known {
            Some(k) => format!(
                "invalid create body: `{path}{key}` is a case variant of `{k}`; the daemon would read it as `{k}`"
            ),
            None => format!("invalid create body: `{path}{key}` is not an ASCII field name"),
        })
    })?;
    Ok(v)
}

/// The paths (`HostConfig.Foo`, `Mounts[0].Bar`) of fields in a create body
/// that no API version defines: the daemon ignores them, a policy may
/// choose not to. Case variants of known fields are listed too.
pub fn create_unknown_fields(body: &Value) -> Vec<String> {
    let mut out = Vec::new();
    if let Value::Object(top) = body {
        let _ = check_top(top, |path, key, _| {
            out.push(format!("{path}{key}"));
            Ok(())
        });
        let mut unknown = Vec::new();
        walk_unknown(top, &mut unknown);
        out.extend(unknown);
    }
    out.sort();
    out.dedup();
    out
}

/// Checks the top level and everything below it against the schema; calls
/// `bad(path, key, known_field)` for each key that is a case variant
/// (`known_field` set) or not ASCII.
fn check_top(
    top: &Map<String, Value>,
    mut bad: impl FnMut(&str, &str, Option<&str>) -> Result<(), String>,
) -> Result<(), String> {
    let fields = CONFIG_FIELDS
        .iter()
        .chain(WRAPPER_FIELDS)
        .chain(HOST_CONFIG_FIELDS);
    check_struct(top, fields, "", &mut bad)
}

fn check_struct<'a>(
    obj: &Map<String, Value>,
    fields: impl Iterator<Item = &'a (&'static str, &'static Shape)> + Clone,
    path: &str,
    bad: &mut BadKey,
) -> Result<(), String> {
    for (key, val) in obj {
        if let Some((_, shape)) = fields.clone().find(|(n, _)| n == key) {
            check_shape(val, shape, &format!("{path}{key}"), bad)?;
        } else if !key.is_ascii() {
            bad(path, key, None)?;
        } else if let Some((n, _)) = fields.clone().find(|(n, _)| n.eq_ignore_ascii_case(key)) {
            bad(path, key, Some(n))?;
        }
    }
    Ok(())
}

fn check_shape(v: &Value, shape: &Shape, path: &str, bad: &mut BadKey) -> Result<(), String> {
    match (shape, v) {
        (Shape::Struct(fields), Value::Object(o)) => {
            check_struct(o, fields.iter(), &format!("{path}."), bad)
        }
        (Shape::Map(inner), Value::Object(o)) => {
            for (k, v) in o {
                check_shape(v, inner, &format!("{path}[{k:?}]"), bad)?;
            }
            Ok(())
        }
        (Shape::List(inner), Value::Array(a)) => {
            for (i, v) in a.iter().enumerate() {
                check_shape(v, inner, &format!("{path}[{i}]"), bad)?;
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// Unknown (not even case-variant) field names at struct positions.
fn walk_unknown(top: &Map<String, Value>, out: &mut Vec<String>) {
    for (k, v) in top {
        match top_level_field(k) {
            Some(shape) => unknown_in(v, shape, k, out),
            None => {
                let variant = CONFIG_FIELDS
                    .iter()
                    .chain(WRAPPER_FIELDS)
                    .chain(HOST_CONFIG_FIELDS)
                    .any(|(n, _)| n.eq_ignore_ascii_case(k));
                if !variant {
                    out.push(k.clone());
                }
            }
        }
    }
}

fn unknown_in(v: &Value, shape: &Shape, path: &str, out: &mut Vec<String>) {
    match (shape, v) {
        (Shape::Struct(fields), Value::Object(o)) => {
            for (k, v) in o {
                match fields.iter().find(|(n, _)| n == k) {
                    Some((_, s)) => unknown_in(v, s, &format!("{path}.{k}"), out),
                    None => {
                        if !fields.iter().any(|(n, _)| n.eq_ignore_ascii_case(k)) {
                            out.push(format!("{path}.{k}"));
                        }
                    }
                }
            }
        }
        (Shape::Map(inner), Value::Object(o)) => {
            for (k, v) in o {
                unknown_in(v, inner, &format!("{path}[{k:?}]"), out);
            }
        }
        (Shape::List(inner), Value::Array(a)) => {
            for (i, v) in a.iter().enumerate() {
                unknown_in(v, inner, &format!("{path}[{i}]"), out);
            }
        }
        _ => {}
    }
}

/// Called with `(path, key, known_field)` for a key the daemon would read
/// differently from an exact reader.
type BadKey<'b> = dyn FnMut(&str, &str, Option<&str>) -> Result<(), String> + 'b;

/// Builds a `Value`, refusing a key repeated in one object.
struct NoDuplicates;

impl<'de> DeserializeSeed<'de> for NoDuplicates {
    type Value = Value;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(NoDuplicates)
    }
}

impl<'de> Visitor<'de> for NoDuplicates {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, b: bool) -> Result<Value, E> {
        Ok(Value::Bool(b))
    }
    fn visit_i64<E>(self, n: i64) -> Result<Value, E> {
        Ok(Value::Number(n.into()))
    }
    fn visit_u64<E>(self, n: u64) -> Result<Value, E> {
        Ok(Value::Number(n.into()))
    }
    fn visit_f64<E: de::Error>(self, n: f64) -> Result<Value, E> {
        Number::from_f64(n)
            .map(Value::Number)
            .ok_or_else(|| E::custom("number out of range"))
    }
    fn visit_str<E>(self, s: &str) -> Result<Value, E> {
        Ok(Value::String(s.to_string()))
    }
    fn visit_string<E>(self, s: String) -> Result<Value, E> {
        Ok(Value::String(s))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut out = Vec::new();
        while let Some(v) = seq.next_element_seed(NoDuplicates)? {
            out.push(v);
        }
        Ok(Value::Array(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(k) = map.next_key::<String>()? {
            if out.contains_key(&k) {
                return Err(de::Error::custom(format!("duplicate key `{k}`")));
            }
            let v = map.next_value_seed(NoDuplicates)?;
            out.insert(k, v);
        }
        Ok(Value::Object(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(s: &str) -> String {
        parse_create_strict(s.as_bytes()).unwrap_err()
    }

    #[test]
    fn accepts_ordinary_bodies() {
        let body = br#"{"Image":"alpine:3.20","Cmd":["sh"],"Labels":{"a":"1","A":"2"},
            "HostConfig":{"Privileged":false,"CapAdd":null,"Binds":["/srv:/srv:ro"],
              "PortBindings":{"80/tcp":[{"HostIp":"127.0.0.1","HostPort":"8080"}]},
              "Mounts":[{"Type":"volume","Source":"v","Target":"/v",
                 "VolumeOptions":{"DriverConfig":{"Name":"local","Options":{"o":"bind","device":"/"}}}}]},
            "NetworkingConfig":{"EndpointsConfig":{"net":{"Aliases":["x"]}}}}"#;
        let v = parse_create_strict(body).unwrap();
        assert_eq!(v["HostConfig"]["Binds"][0], "/srv:/srv:ro");
        assert!(create_unknown_fields(&v).is_empty());
    }

    #[test]
    fn refuses_duplicates_at_any_depth() {
        assert!(err(r#"{"Image":"a","Image":"b"}"#).contains("duplicate key `Image`"));
        let e = err(r#"{"HostConfig":{"Privileged":false,"Privileged":true}}"#);
        assert!(e.contains("duplicate key `Privileged`"), "{e}");
        let e = err(r#"{"Labels":{"x":"1","x":"2"}}"#);
        assert!(e.contains("duplicate"), "{e}");
        let e = err(
            r#"{"HostConfig":{"Mounts":[{"VolumeOptions":{"DriverConfig":{"Options":{"device":"/tmp","device":"/"}}}}]}}"#,
        );
        assert!(e.contains("duplicate key `device`"), "{e}");
    }

    #[test]
    fn refuses_case_variants_and_unicode_folds() {
        let e = err(r#"{"hostconfig":{"Privileged":true}}"#);
        assert!(
            e.contains("`hostconfig` is a case variant of `HostConfig`"),
            "{e}"
        );
        let e = err(r#"{"HostConfig":{"privileged":true}}"#);
        assert!(e.contains("`HostConfig.privileged`"), "{e}");
        let e = err(r#"{"HostConfig":{"Mount\u017f":[]}}"#);
        assert!(e.contains("not an ASCII field name"), "{e}");
        let e = err("{\"HostConfig\":{\"Bind\u{17f}\":[\"/:/h\"]}}");
        assert!(e.contains("not an ASCII"), "{e}");
        let e = err(r#"{"HostConfig":{"Mounts":[{"type":"bind","Source":"/","Target":"/h"}]}}"#);
        assert!(e.contains("`HostConfig.Mounts[0].type`"), "{e}");
        // Legacy top-level HostConfig fields count as known there.
        let e = err(r#"{"PRIVILEGED":true}"#);
        assert!(e.contains("case variant of `Privileged`"), "{e}");
        // Map keys are data: case differences are distinct keys.
        assert!(
            parse_create_strict(
                br#"{"Sysctls":{"a":"1"},"HostConfig":{"Sysctls":{"A":"1","a":"2"}}}"#
            )
            .is_ok()
        );
    }

    #[test]
    fn refuses_malformed_json() {
        assert!(err("").contains("invalid create body"));
        assert!(err("[]").contains("not a JSON object"));
        assert!(err(r#"{"Image":"a"} {"HostConfig":{}}"#).contains("trailing"));
        assert!(parse_create_strict(b"{\"Image\":\"\xff\"}").is_err());
        let deep = "[".repeat(10_000);
        assert!(err(&format!("{{\"Cmd\":{deep}")).contains("recursion limit"));
    }

    #[test]
    fn lists_unknown_fields() {
        let v = parse_create_strict(
            br#"{"Image":"a","Foo":1,"HostConfig":{"Bar":true,"Mounts":[{"Baz":1}],"Sysctls":{"free":"x"}}}"#,
        )
        .unwrap();
        assert_eq!(
            create_unknown_fields(&v),
            vec!["Foo", "HostConfig.Bar", "HostConfig.Mounts[0].Baz"]
        );
    }

    /// Mutated and truncated bodies: errors or specs, never a panic.
    #[test]
    fn mutated_bodies_never_panic() {
        let body = br#"{"Image":"nginx:1.27","User":"0","Env":["A=1"],"Cmd":["sh","-c","x"],
            "HostConfig":{"Privileged":true,"Binds":["/:/h:ro"],"CapAdd":["SYS_ADMIN"],
            "Mounts":[{"Type":"volume","Source":"v","Target":"/v","VolumeOptions":{"DriverConfig":{"Name":"local","Options":{"o":"bind","device":"/"}}}}],
            "PortBindings":{"80/tcp":[{"HostIp":"0.0.0.0","HostPort":"8080"}]},"Memory":1024,"Devices":[{"PathOnHost":"/dev/kvm"}]}}"#;
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = || {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) as usize
        };
        let alphabet = b"{}[]\":,0123456789.-eEtrufalsn \\xAaKk\xc5\xbf";
        let mut accepted = 0;
        for round in 0..3000 {
            let mut b = body.to_vec();
            for _ in 0..(1 + next() % 4) {
                let i = next() % b.len();
                match next() % 3 {
                    0 => b[i] = alphabet[next() % alphabet.len()],
                    1 => {
                        b.remove(i);
                    }
                    _ => b.insert(i, alphabet[next() % alphabet.len()]),
                }
            }
            if round % 7 == 0 {
                b.truncate(next() % b.len());
            }
            if let Ok(v) = parse_create_strict(&b) {
                accepted += 1;
                let _ = crate::spec_from_create(&v, Some("x"));
                let _ = create_unknown_fields(&v);
            }
        }
        // Some mutations keep the body valid (inside strings, numbers).
        assert!(accepted > 0);
    }
}
