//! Field-name matching the way Go's `encoding/json` does it: an exact match
//! wins, otherwise a case-insensitive (Unicode simple folding) match.

use serde_json::{Map, Value};

/// Go's fold of one character: ASCII letters to upper case; other
/// characters to upper(lower(c)), so the Kelvin sign folds to `K`, the long
/// s to `S` and the dotless i to `I`.
fn fold_char(c: char) -> char {
    if c.is_ascii() {
        return c.to_ascii_uppercase();
    }
    let lower = c.to_lowercase().next().unwrap_or(c);
    lower.to_uppercase().next().unwrap_or(lower)
}

/// Whether Go would match JSON key `key` to the struct field `field`.
pub(crate) fn fold_eq(key: &str, field: &str) -> bool {
    let mut a = key.chars().map(fold_char);
    let mut b = field.chars().map(fold_char);
    loop {
        match (a.next(), b.next()) {
            (None, None) => return true,
            (Some(x), Some(y)) if x == y => {}
            _ => return false,
        }
    }
}

/// The value of struct field `field` in `obj`, read as Go reads it. `null`
/// reads as absent (Go leaves the zero value). Two different keys that both
/// match the field are an error: Go would take the last one in the
/// document, which a reader of the parsed object cannot tell.
pub(crate) fn lookup<'a>(
    obj: &'a Map<String, Value>,
    field: &str,
) -> Result<Option<&'a Value>, String> {
    let mut found: Option<(&str, &Value)> = None;
    if let Some(v) = obj.get(field) {
        found = Some((field, v));
    }
    for (k, v) in obj {
        if k == field || !fold_eq(k, field) {
            continue;
        }
        if let Some((other, _)) = found {
            return Err(format!(
                "ambiguous field `{field}`: both `{other}` and `{k}` are given"
            ));
        }
        found = Some((k.as_str(), v));
    }
    Ok(found.map(|(_, v)| v).filter(|v| !v.is_null()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn folds_like_go() {
        assert!(fold_eq("privileged", "Privileged"));
        assert!(fold_eq("PRIVILEGED", "Privileged"));
        assert!(fold_eq("Mount\u{17f}", "Mounts"));
        assert!(fold_eq("NetworK", "NetworK"));
        assert!(fold_eq("Networ\u{212a}", "NetworkMode".get(..7).unwrap()));
        assert!(fold_eq("Pr\u{131}vileged", "Privileged"));
        assert!(!fold_eq("Privileged2", "Privileged"));
        assert!(!fold_eq("Privilege", "Privileged"));
        assert!(!fold_eq("", "A"));
    }

    #[test]
    fn lookup_exact_fold_and_ambiguous() {
        let v = json!({"privileged": true, "Memory": 5, "CapAdd": null});
        let o = v.as_object().unwrap();
        assert_eq!(lookup(o, "Privileged").unwrap(), Some(&json!(true)));
        assert_eq!(lookup(o, "Memory").unwrap(), Some(&json!(5)));
        assert_eq!(lookup(o, "CapAdd").unwrap(), None);
        assert_eq!(lookup(o, "CapDrop").unwrap(), None);
        let v = json!({"privileged": true, "Privileged": false});
        let err = lookup(v.as_object().unwrap(), "Privileged").unwrap_err();
        assert!(err.contains("ambiguous"), "{err}");
    }
}
