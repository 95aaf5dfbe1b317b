//! Strict decoding of the Engine API request bodies a policy judges:
//! container create, exec create and start, container update, volume
//! create, network create and connect (their [shapes](Shape) are in this
//! module too).
//!
//! The daemon decodes these bodies with Go's `encoding/json`: struct field
//! names match case-insensitively (with Unicode folding: `Mountſ` is
//! `Mounts`), a repeated key overwrites the earlier one, and unknown fields
//! are ignored. A policy that reads a body with another JSON reader can be
//! shown one thing while the daemon reads another (`"Privileged":false,
//! "privileged":true`). The parsers here refuse every body where the two
//! readings could differ: a duplicate key anywhere, a non-ASCII key or a
//! case variant of a field name where the daemon matches struct fields.
//!
//! - [`parse_strict`]: against a shape, also refusing fields the shape does
//!   not know (a policy point fails closed: what it does not know, it
//!   cannot judge).
//! - [`parse_create_strict`]: a create body, accepting unknown ASCII fields
//!   (the daemon ignores them); [`create_unknown_fields`] lists them for a
//!   caller that refuses them.
//! - [`field`], [`field_str`], [`field_bool`]: reads of a decoded object
//!   with Go's field matching.

use crate::fold::fold_eq;
pub use crate::schema::{
    CONTAINER_CREATE, EXEC_CREATE, EXEC_START, Fields, NETWORK_CONNECT, NETWORK_CREATE, Shape,
    UPDATE, VOLUME_CREATE,
};
use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};
use std::fmt;

/// Parses `bytes` as one JSON value, refusing a key repeated in an object
/// at any depth, trailing data and invalid UTF-8. Depth is bounded by
/// serde_json's recursion limit.
pub fn parse_no_duplicates(bytes: &[u8]) -> Result<Value, String> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let v = NoDuplicates
        .deserialize(&mut de)
        .map_err(|e| e.to_string())?;
    de.end().map_err(|e| e.to_string())?;
    Ok(v)
}

/// Parses a body strictly against `shape`: no duplicate keys, no case
/// variants or non-ASCII keys at struct positions, no unknown fields. The
/// top level must be an object.
pub fn parse_strict(bytes: &[u8], shape: &Shape) -> Result<Value, String> {
    let v = parse_object(bytes)?;
    walk(&v, shape, "", &mut |at, odd| Err(odd.describe(at)))?;
    Ok(v)
}

/// Parses a `POST /containers/create` body, refusing duplicate keys at any
/// depth and keys that differ from a known field name only by case (or
/// that are not ASCII where the daemon matches field names). Unknown ASCII
/// field names are accepted (the daemon ignores them); see
/// [`create_unknown_fields`].
pub fn parse_create_strict(bytes: &[u8]) -> Result<Value, String> {
    let parse = || {
        let v = parse_object(bytes)?;
        walk(&v, &CONTAINER_CREATE, "", &mut |at, odd| match odd {
            Odd::Unknown => Ok(()),
            _ => Err(odd.describe(at)),
        })?;
        Ok(v)
    };
    parse().map_err(|e: String| format!("invalid create body: {e}"))
}

/// The paths (`HostConfig.Foo`, `HostConfig.Mounts[0].Bar`) of fields in a
/// create body that no API version defines: the daemon ignores them, a
/// policy may choose not to. Case variants of known fields and non-ASCII
/// keys are listed too. Sorted.
pub fn create_unknown_fields(body: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let _ = walk(body, &CONTAINER_CREATE, "", &mut |at, _| {
        out.push(at.to_string());
        Ok(())
    });
    out.sort();
    out.dedup();
    out
}

/// The value of struct field `name` in `o`, matched as Go matches it: the
/// exact key, else a key that folds to it (a body that passed
/// [`parse_strict`] has no other). `null` reads as absent (Go leaves the
/// zero value).
pub fn field<'a>(o: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    o.get(name)
        .or_else(|| o.iter().find(|(k, _)| fold_eq(k, name)).map(|(_, v)| v))
        .filter(|v| !v.is_null())
}

/// [`field`] as a string; `None` when absent or not a string.
pub fn field_str<'a>(o: &'a Map<String, Value>, name: &str) -> Option<&'a str> {
    field(o, name).and_then(Value::as_str)
}

/// [`field`] as a boolean; `false` when absent or not a boolean.
pub fn field_bool(o: &Map<String, Value>, name: &str) -> bool {
    field(o, name).and_then(Value::as_bool).unwrap_or(false)
}

fn parse_object(bytes: &[u8]) -> Result<Value, String> {
    let v = parse_no_duplicates(bytes)?;
    if !v.is_object() {
        return Err("not a JSON object".to_string());
    }
    Ok(v)
}

/// A key at a struct position that the daemon could read differently from
/// an exact reader, or that the struct does not have.
enum Odd {
    /// Not ASCII: Go folds some non-ASCII letters onto ASCII ones (`ſ` onto
    /// `s`, the Kelvin sign onto `k`).
    NotAscii,
    /// A case variant of this field.
    Variant(&'static str),
    /// Not a field of the struct, not even by case.
    Unknown,
}

impl Odd {
    fn describe(&self, at: &str) -> String {
        match self {
            Odd::NotAscii => {
                format!("`{at}` is not an ASCII field name (the daemon may fold it onto a field)")
            }
            Odd::Variant(k) => {
                format!("`{at}` is a case variant of `{k}`; the daemon would read it as `{k}`")
            }
            Odd::Unknown => {
                format!("unknown field `{at}`: a field that is not known cannot be judged")
            }
        }
    }
}

/// Path of `key` inside the object at `path`.
fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

/// Walks `v` along `shape`, calling `on(path, odd)` for each key at a
/// struct position that is not exactly one of the struct's fields. Values
/// of such keys are not walked; positions where `v` has another type than
/// the shape are left to the typed reader.
fn walk(
    v: &Value,
    shape: &Shape,
    path: &str,
    on: &mut dyn FnMut(&str, Odd) -> Result<(), String>,
) -> Result<(), String> {
    match (shape, v) {
        (Shape::Struct(_), Value::Object(o)) => {
            for (k, val) in o {
                if let Some((_, s)) = shape.fields().find(|(n, _)| n == k) {
                    if !matches!(s, Shape::Leaf) {
                        walk(val, s, &join(path, k), on)?;
                    }
                } else if !k.is_ascii() {
                    on(&join(path, k), Odd::NotAscii)?;
                } else if let Some((n, _)) = shape.fields().find(|(n, _)| n.eq_ignore_ascii_case(k))
                {
                    on(&join(path, k), Odd::Variant(n))?;
                } else {
                    on(&join(path, k), Odd::Unknown)?;
                }
            }
            Ok(())
        }
        (Shape::Map(Shape::Leaf) | Shape::List(Shape::Leaf), _) => Ok(()),
        (Shape::Map(inner), Value::Object(o)) => {
            for (k, val) in o {
                walk(val, inner, &format!("{path}[{k:?}]"), on)?;
            }
            Ok(())
        }
        (Shape::List(inner), Value::Array(a)) => {
            for (i, val) in a.iter().enumerate() {
                walk(val, inner, &format!("{path}[{i}]"), on)?;
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

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
        assert_eq!(parse_strict(body, &CONTAINER_CREATE).unwrap(), v);
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
        // Legacy top-level HostConfig fields (Resources too) count as known there.
        let e = err(r#"{"PRIVILEGED":true}"#);
        assert!(e.contains("case variant of `Privileged`"), "{e}");
        let e = err(r#"{"memory":1}"#);
        assert!(e.contains("case variant of `Memory`"), "{e}");
        let e = err(r#"{"HostConfig":{"pidsLimit":1}}"#);
        assert!(
            e.contains("`HostConfig.pidsLimit` is a case variant"),
            "{e}"
        );
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
        let e = parse_strict(
            br#"{"Image":"a","HostConfig":{"Bar":true}}"#,
            &CONTAINER_CREATE,
        )
        .unwrap_err();
        assert!(e.contains("unknown field `HostConfig.Bar`"), "{e}");
        // Case variants and non-ASCII keys in a value that skipped the parser.
        let v = serde_json::json!({"cmd": [], "HostConfig": {"Bind\u{17f}": []}});
        assert_eq!(
            create_unknown_fields(&v),
            vec!["HostConfig.Bind\u{17f}", "cmd"]
        );
    }

    #[test]
    fn accepts_docker_cli_bodies() {
        let v = parse_strict(
            br#"{"User":"","Privileged":false,"Tty":true,"ConsoleSize":[24,80],"AttachStdin":true,
                "AttachStderr":true,"AttachStdout":true,"Detach":false,"DetachKeys":"","Env":null,
                "WorkingDir":"","Cmd":["sh"]}"#,
            &EXEC_CREATE,
        )
        .unwrap();
        assert_eq!(v["Cmd"][0], "sh");
        parse_strict(
            br#"{"Name":"v","Driver":"local","DriverOpts":{"type":"tmpfs","Type":"x"},"Labels":{}}"#,
            &VOLUME_CREATE,
        )
        .unwrap();
        parse_strict(
            br#"{"Container":"c","EndpointConfig":{"Aliases":["a"],"IPAMConfig":{"IPv4Address":"10.0.0.2"}}}"#,
            &NETWORK_CONNECT,
        )
        .unwrap();
        // `UpdateConfig` embeds `Resources`.
        parse_strict(
            br#"{"Memory":1,"PidsLimit":5,"Ulimits":[{"Name":"nofile","Hard":1,"Soft":1}],
                "RestartPolicy":{"Name":"always"}}"#,
            &UPDATE,
        )
        .unwrap();
    }

    #[test]
    fn refuses_ambiguity() {
        let e =
            parse_strict(br#"{"Privileged":false,"Privileged":true}"#, &EXEC_CREATE).unwrap_err();
        assert!(e.contains("duplicate key"), "{e}");
        let e = parse_strict(br#"{"privileged":true}"#, &EXEC_CREATE).unwrap_err();
        assert!(e.contains("case variant of `Privileged`"), "{e}");
        let e = parse_strict(
            "{\"Privileged\":false,\"Privileged\u{17f}\":1}".as_bytes(),
            &EXEC_CREATE,
        )
        .unwrap_err();
        assert!(e.contains("ASCII"), "{e}");
        let e = parse_strict(br#"{"Bogus":1}"#, &EXEC_CREATE).unwrap_err();
        assert!(e.contains("unknown field `Bogus`"), "{e}");
        let e = parse_strict(br#"{"IPAM":{"config":[]}}"#, &NETWORK_CREATE).unwrap_err();
        assert!(e.contains("`IPAM.config`"), "{e}");
        let e = parse_strict(br#"{"DriverOpts":{"a":"1","a":"2"}}"#, &VOLUME_CREATE).unwrap_err();
        assert!(e.contains("duplicate"), "{e}");
        let e = parse_strict(br#"{"Ulimits":[{"name":"nofile"}]}"#, &UPDATE).unwrap_err();
        assert!(
            e.contains("`Ulimits[0].name` is a case variant of `Name`"),
            "{e}"
        );
        let e = parse_strict(br#"{"restartPolicy":{}}"#, &UPDATE).unwrap_err();
        assert!(e.contains("case variant of `RestartPolicy`"), "{e}");
        assert!(parse_strict(br#"{} {}"#, &EXEC_CREATE).is_err());
        assert!(parse_strict(b"[]", &EXEC_CREATE).is_err());
        assert!(parse_strict(b"", &EXEC_CREATE).is_err());
        assert!(parse_strict(b"{\"User\":\"\xff\"}", &EXEC_CREATE).is_err());
        let deep = format!("{{\"Cmd\":{}", "[".repeat(100_000));
        assert!(parse_strict(deep.as_bytes(), &EXEC_CREATE).is_err());
    }

    #[test]
    fn field_reads() {
        let v = parse_no_duplicates(
            br#"{"user":"0","Detach":null,"Tty":true,"Mount\u017f":[],"Privileged":"yes"}"#,
        )
        .unwrap();
        let o = v.as_object().unwrap();
        assert_eq!(field_str(o, "User"), Some("0"));
        assert!(field(o, "Detach").is_none());
        assert!(field_bool(o, "Tty"));
        assert!(!field_bool(o, "Privileged"));
        assert!(!field_bool(o, "Init"));
        // Go's Unicode folding.
        assert!(field(o, "Mounts").is_some());
    }

    /// No struct has two fields that are case variants of each other
    /// (embedded ones included): the variant check would misname them.
    #[test]
    fn struct_fields_are_distinct_by_case() {
        fn visit(s: &Shape, seen: &mut Vec<*const Shape>) {
            if seen.contains(&(s as *const Shape)) {
                return;
            }
            seen.push(s);
            match s {
                Shape::Struct(_) => {
                    let names: Vec<&str> = s.fields().map(|(n, _)| *n).collect();
                    for (i, a) in names.iter().enumerate() {
                        for b in &names[i + 1..] {
                            assert!(!a.eq_ignore_ascii_case(b), "{a} / {b}");
                        }
                    }
                    for (_, f) in s.fields() {
                        visit(f, seen);
                    }
                }
                Shape::Map(i) | Shape::List(i) => visit(i, seen),
                Shape::Leaf => {}
            }
        }
        let mut seen = Vec::new();
        for s in [
            &CONTAINER_CREATE,
            &EXEC_CREATE,
            &EXEC_START,
            &UPDATE,
            &VOLUME_CREATE,
            &NETWORK_CREATE,
            &NETWORK_CONNECT,
        ] {
            visit(s, &mut seen);
        }
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
