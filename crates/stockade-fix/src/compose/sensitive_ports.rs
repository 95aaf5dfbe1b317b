//! SKD220: binds a published administration or data-store port to
//! 127.0.0.1 (unsafe: clients on other hosts can no longer connect).

use super::{ComposeCx, FixResult};
use crate::edit::Edit;
use crate::settings::FixSettings;
use crate::yaml::{YKind, YNode, quote};
use saphyr_parser::ScalarStyle;
use stockade_core::{ContainerSpec, Finding};

pub(crate) const LOOPBACK: &str = "127.0.0.1";

pub(crate) fn fix(
    cx: &ComposeCx,
    spec: &ContainerSpec,
    svc: &YNode,
    f: &Finding,
    _s: &FixSettings,
) -> FixResult {
    let span = f.span.ok_or("the finding has no location")?;
    let binding = spec
        .ports
        .iter()
        .find(|p| p.span == span)
        .ok_or("the port binding was not found")?;
    if binding.unresolved.is_some() {
        return Err("the binding uses a variable that did not resolve".into());
    }
    let list = svc
        .get("ports")
        .ok_or("the ports are inherited (merge key or `extends`): bind them on the service that writes them")?;
    if cx.doc.is_shared(list) {
        return Err("`ports` is an anchor that other nodes reuse".into());
    }
    let pos = span.start as usize;
    let item = list
        .items()
        .unwrap_or(&[])
        .iter()
        .find(|i| i.prop_start <= pos && pos < i.end.max(i.start + 1))
        .ok_or("the binding is not written in this service's `ports`")?;
    if cx.doc.contains_shared(item) || matches!(item.kind, YKind::Alias(_)) {
        return Err("the binding is an anchor or alias shared with other nodes".into());
    }
    match &item.kind {
        YKind::Scalar { text, style } => {
            let new = rebind(text).ok_or_else(|| format!("cannot read the binding `{text}`"))?;
            let written = match style {
                ScalarStyle::Plain => new.clone(),
                s => quote(&new, *s),
            };
            Ok((
                vec![Edit::replace(cx.file, item.start, item.end, written)],
                format!("bound `{text}` to {LOOPBACK} (`{new}`)"),
            ))
        }
        YKind::Map { .. } => {
            let edits = cx.set_scalar(item, "host_ip", LOOPBACK)?;
            Ok((edits, format!("set `host_ip: {LOOPBACK}` on the binding")))
        }
        _ => Err("the binding is not a string or a mapping".into()),
    }
}

/// A short-syntax port (`[IP:][HOST:]CONTAINER[/PROTO]`) published on
/// all interfaces, bound to 127.0.0.1 instead. `None` for what it cannot read.
pub(crate) fn rebind(text: &str) -> Option<String> {
    let t = text.trim();
    if t.is_empty() || t.contains('$') {
        return None;
    }
    if let Some(rest) = t.strip_prefix('[') {
        let (ip, rest) = rest.split_once(']')?;
        if !matches!(ip, "::" | "") {
            return None;
        }
        let rest = rest.strip_prefix(':')?;
        return Some(format!("{LOOPBACK}:{rest}"));
    }
    let (addr, proto) = match t.rsplit_once('/') {
        Some((a, p)) => (a, Some(p)),
        None => (t, None),
    };
    let parts: Vec<&str> = addr.split(':').collect();
    let port_ok = |s: &str| {
        !s.is_empty()
            && s.split('-')
                .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
    };
    let body = match parts.as_slice() {
        [c] if port_ok(c) => format!("{LOOPBACK}::{c}"),
        [h, c] if port_ok(h) && port_ok(c) => format!("{LOOPBACK}:{h}:{c}"),
        [ip, h, c]
            if matches!(*ip, "" | "0.0.0.0") && (h.is_empty() || port_ok(h)) && port_ok(c) =>
        {
            format!("{LOOPBACK}:{h}:{c}")
        }
        _ => return None,
    };
    Some(match proto {
        Some(p) => format!("{body}/{p}"),
        None => body,
    })
}

#[cfg(test)]
mod tests {
    use super::super::testutil::check;
    use super::rebind;

    #[test]
    fn rebinds_short_syntax() {
        assert_eq!(rebind("5432:5432").as_deref(), Some("127.0.0.1:5432:5432"));
        assert_eq!(rebind("3306").as_deref(), Some("127.0.0.1::3306"));
        assert_eq!(
            rebind("0.0.0.0:6379:6379/tcp").as_deref(),
            Some("127.0.0.1:6379:6379/tcp")
        );
        assert_eq!(
            rebind("[::]:27017:27017").as_deref(),
            Some("127.0.0.1:27017:27017")
        );
        assert_eq!(
            rebind("9200-9201:9200-9201").as_deref(),
            Some("127.0.0.1:9200-9201:9200-9201")
        );
        assert_eq!(rebind("${P}:5432"), None);
        assert_eq!(rebind("10.0.0.1:5432:5432"), None);
        assert_eq!(rebind("a:b"), None);
    }

    #[test]
    fn binds_to_loopback_in_every_style() {
        check(
            "SKD220",
            "services:\n  db:\n    image: postgres:17\n    ports:\n      - \"5432:5432\" # clients\n      - 8080:80\n      - '6379'\n",
            "services:\n  db:\n    image: postgres:17\n    ports:\n      - \"127.0.0.1:5432:5432\" # clients\n      - 8080:80\n      - '127.0.0.1::6379'\n",
        );
        check(
            "SKD220",
            "services:\n  db:\n    image: postgres:17\n    ports: [5432, \"0.0.0.0:3306:3306\"]\n",
            "services:\n  db:\n    image: postgres:17\n    ports: [127.0.0.1::5432, \"127.0.0.1:3306:3306\"]\n",
        );
        check(
            "SKD220",
            "services:\n  db:\n    image: postgres:17\n    ports:\n      - target: 5432\n        published: 5432\n      - target: 6379\n        host_ip: 0.0.0.0\n        published: 6379\n",
            "services:\n  db:\n    image: postgres:17\n    ports:\n      - target: 5432\n        published: 5432\n        host_ip: 127.0.0.1\n      - target: 6379\n        host_ip: 127.0.0.1\n        published: 6379\n",
        );
    }
}
