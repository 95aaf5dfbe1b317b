//! Strict decoding of the JSON bodies the guard judges besides container
//! create (which `stockade_engine::parse_create_strict` handles): exec
//! create and start, container update, volume create, network create and
//! connect.
//!
//! The daemon decodes these with Go's `encoding/json`: struct field names
//! match case-insensitively (with Unicode folding), a repeated key
//! overwrites the earlier one, unknown fields are ignored. The guard reads
//! the body once and refuses any body the daemon could read differently:
//! a repeated key anywhere, a key that is a case variant of a field, a
//! non-ASCII key where the daemon matches field names, and (being a
//! policy point, it fails closed) a field it does not know.

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};
use std::fmt;

/// What a JSON position decodes into.
#[derive(Debug)]
pub enum Shape {
    /// A scalar or a value the guard does not look inside.
    Leaf,
    /// A Go struct: these fields, matched case-insensitively by the daemon.
    Struct(&'static [(&'static str, &'static Shape)]),
    /// A Go map: free keys.
    Map(&'static Shape),
    /// A Go slice.
    List(&'static Shape),
}

use Shape::{Leaf, List, Map as MapOf, Struct};

static LEAF: Shape = Leaf;
static LEAF_MAP: Shape = MapOf(&LEAF);
static LEAF_LIST: Shape = List(&LEAF);

/// `POST /containers/{id}/exec`.
pub static EXEC_CREATE: Shape = Struct(&[
    ("User", &LEAF),
    ("Privileged", &LEAF),
    ("Tty", &LEAF),
    ("ConsoleSize", &LEAF_LIST),
    ("AttachStdin", &LEAF),
    ("AttachStderr", &LEAF),
    ("AttachStdout", &LEAF),
    ("Detach", &LEAF),
    ("DetachKeys", &LEAF),
    ("Env", &LEAF_LIST),
    ("WorkingDir", &LEAF),
    ("Cmd", &LEAF_LIST),
]);

/// `POST /exec/{id}/start`.
pub static EXEC_START: Shape = Struct(&[
    ("Detach", &LEAF),
    ("Tty", &LEAF),
    ("ConsoleSize", &LEAF_LIST),
]);

static WEIGHT_DEVICE: Shape = Struct(&[("Path", &LEAF), ("Weight", &LEAF)]);
static THROTTLE_DEVICE: Shape = Struct(&[("Path", &LEAF), ("Rate", &LEAF)]);
static WEIGHT_DEVICES: Shape = List(&WEIGHT_DEVICE);
static THROTTLE_DEVICES: Shape = List(&THROTTLE_DEVICE);
static DEVICE: Shape = Struct(&[
    ("PathOnHost", &LEAF),
    ("PathInContainer", &LEAF),
    ("CgroupPermissions", &LEAF),
]);
static DEVICES: Shape = List(&DEVICE);
static DEVICE_REQUEST: Shape = Struct(&[
    ("Driver", &LEAF),
    ("Count", &LEAF),
    ("DeviceIDs", &LEAF_LIST),
    ("Capabilities", &LEAF),
    ("Options", &LEAF_MAP),
]);
static DEVICE_REQUESTS: Shape = List(&DEVICE_REQUEST);
static ULIMIT: Shape = Struct(&[("Name", &LEAF), ("Hard", &LEAF), ("Soft", &LEAF)]);
static ULIMITS: Shape = List(&ULIMIT);
static RESTART: Shape = Struct(&[("Name", &LEAF), ("MaximumRetryCount", &LEAF)]);

/// `POST /containers/{id}/update` (`container.UpdateConfig`).
pub static UPDATE: Shape = Struct(&[
    ("CpuShares", &LEAF),
    ("Memory", &LEAF),
    ("NanoCpus", &LEAF),
    ("CgroupParent", &LEAF),
    ("BlkioWeight", &LEAF),
    ("BlkioWeightDevice", &WEIGHT_DEVICES),
    ("BlkioDeviceReadBps", &THROTTLE_DEVICES),
    ("BlkioDeviceWriteBps", &THROTTLE_DEVICES),
    ("BlkioDeviceReadIOps", &THROTTLE_DEVICES),
    ("BlkioDeviceWriteIOps", &THROTTLE_DEVICES),
    ("CpuPeriod", &LEAF),
    ("CpuQuota", &LEAF),
    ("CpuRealtimePeriod", &LEAF),
    ("CpuRealtimeRuntime", &LEAF),
    ("CpusetCpus", &LEAF),
    ("CpusetMems", &LEAF),
    ("Devices", &DEVICES),
    ("DeviceCgroupRules", &LEAF_LIST),
    ("DeviceRequests", &DEVICE_REQUESTS),
    ("KernelMemory", &LEAF),
    ("KernelMemoryTCP", &LEAF),
    ("MemoryReservation", &LEAF),
    ("MemorySwap", &LEAF),
    ("MemorySwappiness", &LEAF),
    ("OomKillDisable", &LEAF),
    ("PidsLimit", &LEAF),
    ("Ulimits", &ULIMITS),
    ("CpuCount", &LEAF),
    ("CpuPercent", &LEAF),
    ("IOMaximumIOps", &LEAF),
    ("IOMaximumBandwidth", &LEAF),
    ("RestartPolicy", &RESTART),
]);

/// `POST /volumes/create`.
pub static VOLUME_CREATE: Shape = Struct(&[
    ("Name", &LEAF),
    ("Driver", &LEAF),
    ("DriverOpts", &LEAF_MAP),
    ("Labels", &LEAF_MAP),
    ("ClusterVolumeSpec", &LEAF),
]);

static IPAM_POOL: Shape = Struct(&[
    ("Subnet", &LEAF),
    ("IPRange", &LEAF),
    ("Gateway", &LEAF),
    ("AuxiliaryAddresses", &LEAF_MAP),
]);
static IPAM_POOLS: Shape = List(&IPAM_POOL);
static IPAM: Shape = Struct(&[
    ("Driver", &LEAF),
    ("Options", &LEAF_MAP),
    ("Config", &IPAM_POOLS),
]);
static CONFIG_FROM: Shape = Struct(&[("Network", &LEAF)]);

/// `POST /networks/create`.
pub static NETWORK_CREATE: Shape = Struct(&[
    ("Name", &LEAF),
    ("CheckDuplicate", &LEAF),
    ("Driver", &LEAF),
    ("Scope", &LEAF),
    ("EnableIPv4", &LEAF),
    ("EnableIPv6", &LEAF),
    ("IPAM", &IPAM),
    ("Internal", &LEAF),
    ("Attachable", &LEAF),
    ("Ingress", &LEAF),
    ("ConfigOnly", &LEAF),
    ("ConfigFrom", &CONFIG_FROM),
    ("Options", &LEAF_MAP),
    ("Labels", &LEAF_MAP),
]);

static ENDPOINT_IPAM: Shape = Struct(&[
    ("IPv4Address", &LEAF),
    ("IPv6Address", &LEAF),
    ("LinkLocalIPs", &LEAF_LIST),
]);
static ENDPOINT: Shape = Struct(&[
    ("IPAMConfig", &ENDPOINT_IPAM),
    ("Links", &LEAF_LIST),
    ("Aliases", &LEAF_LIST),
    ("MacAddress", &LEAF),
    ("DriverOpts", &LEAF_MAP),
    ("GwPriority", &LEAF),
    ("NetworkID", &LEAF),
    ("EndpointID", &LEAF),
    ("Gateway", &LEAF),
    ("IPAddress", &LEAF),
    ("IPPrefixLen", &LEAF),
    ("IPv6Gateway", &LEAF),
    ("GlobalIPv6Address", &LEAF),
    ("GlobalIPv6PrefixLen", &LEAF),
    ("DNSNames", &LEAF_LIST),
]);

/// `POST /networks/{id}/connect`.
pub static NETWORK_CONNECT: Shape = Struct(&[("Container", &LEAF), ("EndpointConfig", &ENDPOINT)]);

/// Parses `bytes` as one JSON value, refusing a key repeated in an object.
/// Depth is bounded by serde_json's recursion limit.
pub fn parse_no_duplicates(bytes: &[u8]) -> Result<Value, String> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let v = NoDup.deserialize(&mut de).map_err(|e| e.to_string())?;
    de.end().map_err(|e| e.to_string())?;
    Ok(v)
}

/// Parses a body strictly against `shape`: no duplicate keys, no case
/// variants or non-ASCII keys at struct positions, no unknown fields. The
/// top level must be an object.
pub fn parse_strict(bytes: &[u8], shape: &Shape) -> Result<Value, String> {
    let v = parse_no_duplicates(bytes)?;
    if !v.is_object() {
        return Err("the body is not a JSON object".to_string());
    }
    check(&v, shape, "")?;
    Ok(v)
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

/// Checks a decoded value against a shape (see [`parse_strict`]).
pub fn check(v: &Value, shape: &Shape, path: &str) -> Result<(), String> {
    match (shape, v) {
        (Struct(fields), Value::Object(o)) => {
            for (k, val) in o {
                if let Some((_, s)) = fields.iter().find(|(n, _)| n == k) {
                    check(val, s, &join(path, k))?;
                } else if !k.is_ascii() {
                    return Err(format!(
                        "`{}` is not an ASCII field name (the daemon folds it onto a field)",
                        join(path, k)
                    ));
                } else if let Some((n, _)) = fields.iter().find(|(n, _)| n.eq_ignore_ascii_case(k))
                {
                    return Err(format!(
                        "`{}` is a case variant of `{n}` (the daemon would read it as `{n}`)",
                        join(path, k)
                    ));
                } else {
                    return Err(format!(
                        "unknown field `{}`: the guard does not judge what it does not know",
                        join(path, k)
                    ));
                }
            }
            Ok(())
        }
        (MapOf(inner), Value::Object(o)) => {
            for (k, val) in o {
                check(val, inner, &format!("{path}[{k:?}]"))?;
            }
            Ok(())
        }
        (List(inner), Value::Array(a)) => {
            for (i, val) in a.iter().enumerate() {
                check(val, inner, &format!("{path}[{i}]"))?;
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// Builds a `Value`, refusing a key repeated in one object.
struct NoDup;

impl<'de> DeserializeSeed<'de> for NoDup {
    type Value = Value;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(NoDup)
    }
}

impl<'de> Visitor<'de> for NoDup {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("JSON")
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
        Ok(Value::String(s.to_owned()))
    }
    fn visit_string<E>(self, s: String) -> Result<Value, E> {
        Ok(Value::String(s))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut out = Vec::new();
        while let Some(v) = seq.next_element_seed(NoDup)? {
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
            let v = map.next_value_seed(NoDup)?;
            out.insert(k, v);
        }
        Ok(Value::Object(out))
    }
}

/// Typed reads with Go's field matching: the exact key, else the one
/// case-insensitive match (a body that passed [`parse_strict`] has no
/// other). `null` reads as absent.
pub fn field<'a>(o: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    o.get(name)
        .or_else(|| {
            o.iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v)
        })
        .filter(|v| !v.is_null())
}

pub fn field_str<'a>(o: &'a Map<String, Value>, name: &str) -> Option<&'a str> {
    field(o, name).and_then(Value::as_str)
}

pub fn field_bool(o: &Map<String, Value>, name: &str) -> bool {
    field(o, name).and_then(Value::as_bool).unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert!(parse_strict(br#"{} {}"#, &EXEC_CREATE).is_err());
        assert!(parse_strict(b"[]", &EXEC_CREATE).is_err());
        assert!(parse_strict(b"", &EXEC_CREATE).is_err());
        assert!(parse_strict(b"{\"User\":\"\xff\"}", &EXEC_CREATE).is_err());
        let deep = format!("{{\"Cmd\":{}", "[".repeat(100_000));
        assert!(parse_strict(deep.as_bytes(), &EXEC_CREATE).is_err());
    }

    #[test]
    fn field_reads() {
        let v = parse_no_duplicates(br#"{"user":"0","Detach":null,"Tty":true}"#).unwrap();
        let o = v.as_object().unwrap();
        assert_eq!(field_str(o, "User"), Some("0"));
        assert!(field(o, "Detach").is_none());
        assert!(field_bool(o, "Tty"));
        assert!(!field_bool(o, "Privileged"));
    }
}
