//! Compose's merge rules for `-f a -f b`, `extends` and multiple YAML
//! documents (after compose-go's `override` package):
//!
//! - mappings merge key by key, recursively;
//! - sequences append, dropping entries identical to one already present;
//! - scalars are replaced; a null override keeps the base;
//! - `command`, `entrypoint` and `healthcheck.test` are replaced;
//! - key/value attributes (`environment`, `labels`, `sysctls`, `build.args`,
//!   …) written as a mapping or a list become one list; the entries are made
//!   unique by key when the service is read (the later one wins, in the
//!   earlier one's place), as are `volumes` by target, `devices` by
//!   container path and `ports` by their spec;
//! - `build: dir` merges as `build: {context: dir}`;
//! - `!reset` removes the value, `!override` replaces it.

use std::collections::HashMap;

use crate::yaml::{Entry, Kind, Node, NodeTag};

/// Where in the document a merge happens.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum At<'a> {
    Root,
    /// Inside `services:` (the map of services).
    Services,
    /// A service's mapping.
    Service,
    /// A key directly under a service.
    ServiceKey(&'a str),
    /// A key under a service's `build` or `healthcheck` etc.: (parent, key).
    ServiceSub(&'a str, &'a str),
    /// A top-level section other than services (volumes, networks, …).
    Section(&'a str),
    /// A named entry of a top-level section (`volumes: {data: …}`).
    SectionItem(&'a str),
    /// A key below that.
    SectionItemKey(&'a str, &'a str),
    Other,
}

impl<'a> At<'a> {
    fn child(self, key: &'a str) -> At<'a> {
        match self {
            At::Root if key == "services" => At::Services,
            At::Root => At::Section(key),
            At::Services => At::Service,
            At::Service => At::ServiceKey(key),
            At::ServiceKey(p) => At::ServiceSub(p, key),
            At::Section(s) => At::SectionItem(s),
            At::SectionItem(s) => At::SectionItemKey(s, key),
            _ => At::Other,
        }
    }
}

/// Service attributes merged as key/value lists.
const KEY_VALUE: &[&str] = &["environment", "labels", "sysctls", "annotations"];
/// Service attributes whose scalar or mapping forms merge as lists.
const TO_SEQUENCE: &[&str] = &[
    "dns",
    "dns_opt",
    "dns_search",
    "env_file",
    "extra_hosts",
    "tmpfs",
    "label_file",
];

/// Merges `over` into `base`; `None` means the value was removed (`!reset`).
pub(crate) fn merge(base: Node, over: Node, at: At<'_>) -> Option<Node> {
    match over.tag {
        NodeTag::Reset => return None,
        NodeTag::Override => return Some(over),
        NodeTag::None => {}
    }
    if base.tag == NodeTag::Reset {
        return Some(over);
    }
    match at {
        At::ServiceKey("command" | "entrypoint") | At::ServiceSub("healthcheck", "test") => {
            return Some(over);
        }
        At::ServiceKey(k) if KEY_VALUE.contains(&k) => return Some(concat_kv(base, over)),
        At::ServiceSub("build" | "deploy", "args" | "labels") => {
            return Some(concat_kv(base, over));
        }
        At::SectionItemKey(_, "labels") => return Some(concat_kv(base, over)),
        At::ServiceKey(k) if TO_SEQUENCE.contains(&k) => {
            return Some(append_unique(to_seq(base), to_seq(over)));
        }
        At::ServiceKey("build") => {
            return Some(merge_maps(build_map(base), build_map(over), at));
        }
        At::ServiceKey("networks" | "depends_on") => {
            return Some(merge_maps(list_to_map(base), list_to_map(over), at));
        }
        At::ServiceKey("logging") => {
            let driver = |n: &Node| {
                n.get("driver")
                    .and_then(|d| d.as_scalar())
                    .map(|s| s.text.clone())
            };
            if let (Some(a), Some(b)) = (driver(&base), driver(&over))
                && a != b
            {
                return Some(over);
            }
        }
        _ => {}
    }
    if over.is_null() {
        return Some(base);
    }
    match (&base.kind, &over.kind) {
        (Kind::Map(_), Kind::Map(_)) => Some(merge_maps(base, over, at)),
        (Kind::Seq(_), Kind::Seq(_)) => Some(append_unique(base, over)),
        _ => Some(over),
    }
}

/// Merges two mappings entry by entry.
pub(crate) fn merge_maps(base: Node, over: Node, at: At<'_>) -> Node {
    let span = base.span;
    let (Kind::Map(entries), Kind::Map(over_entries)) = (base.kind, over.kind) else {
        return Node::null(span);
    };
    let mut index: HashMap<String, usize> = HashMap::with_capacity(entries.len());
    for (i, e) in entries.iter().enumerate() {
        index.entry(e.key.clone()).or_insert(i);
    }
    let mut slots: Vec<Option<Entry>> = entries.into_iter().map(Some).collect();
    for oe in over_entries {
        let existing = index
            .get(&oe.key)
            .copied()
            .and_then(|i| Some((i, slots[i].take()?)));
        match existing {
            Some((i, be)) => {
                let child = at.child(oe.key.as_str());
                // x- extensions are replaced, not merged.
                let merged = if at == At::Root && oe.key.starts_with("x-") {
                    Some(oe.value)
                } else {
                    merge(be.value, oe.value, child)
                };
                if let Some(value) = merged {
                    slots[i] = Some(Entry {
                        key: oe.key,
                        key_span: oe.key_span,
                        value,
                    });
                }
            }
            None => {
                if oe.value.tag != NodeTag::Reset {
                    index.insert(oe.key.clone(), slots.len());
                    slots.push(Some(oe));
                }
            }
        }
    }
    Node::map(span, slots.into_iter().flatten().collect())
}

/// Appends `over`'s items to `base`'s, skipping items identical to one present.
fn append_unique(base: Node, over: Node) -> Node {
    let span = base.span;
    let (Kind::Seq(mut items), Kind::Seq(more)) = (base.kind, over.kind) else {
        return Node::null(span);
    };
    for item in more {
        if !items.iter().any(|x| x.same(&item)) {
            items.push(item);
        }
    }
    Node::seq(span, items)
}

/// A scalar, sequence or mapping as a sequence (mapping entries become
/// one-entry mappings, so keys and spans survive).
pub(crate) fn to_seq(n: Node) -> Node {
    let span = n.span;
    match n.kind {
        Kind::Seq(_) => n,
        Kind::Map(entries) => Node::seq(
            span,
            entries
                .into_iter()
                .map(|e| Node::map(e.span(), vec![e]))
                .collect(),
        ),
        Kind::Null => Node::seq(span, Vec::new()),
        Kind::Scalar(_) => Node::seq(span, vec![n]),
    }
}

/// Key/value lists: both sides as sequences, appended.
fn concat_kv(base: Node, over: Node) -> Node {
    let base = to_seq(base);
    let over = to_seq(over);
    let span = base.span;
    match (base.kind, over.kind) {
        (Kind::Seq(mut a), Kind::Seq(b)) => {
            a.extend(b);
            Node::seq(span, a)
        }
        _ => Node::null(span),
    }
}

fn build_map(n: Node) -> Node {
    match n.kind {
        Kind::Scalar(_) => {
            let span = n.span;
            Node::map(
                span,
                vec![Entry {
                    key: "context".into(),
                    key_span: span,
                    value: n,
                }],
            )
        }
        Kind::Map(_) => n,
        _ => Node::map(n.span, Vec::new()),
    }
}

fn list_to_map(n: Node) -> Node {
    let span = n.span;
    match n.kind {
        Kind::Map(_) => n,
        Kind::Seq(items) => Node::map(
            span,
            items
                .into_iter()
                .filter_map(|i| {
                    let key = i.as_scalar()?.text.clone();
                    Some(Entry {
                        key,
                        key_span: i.span,
                        value: Node::null(i.span),
                    })
                })
                .collect(),
        ),
        Kind::Scalar(ref s) => {
            let key = s.text.clone();
            Node::map(
                span,
                vec![Entry {
                    key,
                    key_span: span,
                    value: Node::null(span),
                }],
            )
        }
        Kind::Null => Node::map(span, Vec::new()),
    }
}

/// Merges whole documents (`-f a -f b`, multi-document files).
pub(crate) fn merge_documents(base: Node, over: Node) -> Node {
    if !matches!(base.kind, Kind::Map(_)) {
        return over;
    }
    if !matches!(over.kind, Kind::Map(_)) {
        return base;
    }
    merge_maps(base, over, At::Root)
}

/// `extends`: the base service with the extending service merged over it.
pub(crate) fn extend_service(base: Node, service: Node) -> Node {
    if !matches!(base.kind, Kind::Map(_)) || !matches!(service.kind, Kind::Map(_)) {
        return service;
    }
    let span = service.span;
    let mut merged = merge_maps(base, service, At::Service);
    merged.span = span;
    merged
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml;
    use stockade_core::{FileId, SourceFile};

    fn doc(id: u32, text: &str) -> Node {
        let f = SourceFile::new(FileId(id), "t", None, text.to_string());
        yaml::parse(&f, 0, 1000).ok().unwrap().docs.remove(0)
    }

    fn texts(n: &Node) -> Vec<String> {
        n.as_seq()
            .unwrap()
            .iter()
            .map(|i| match &i.kind {
                Kind::Scalar(s) => s.text.clone(),
                Kind::Map(es) => format!(
                    "{}={}",
                    es[0].key,
                    es[0]
                        .value
                        .as_scalar()
                        .map(|s| s.text.as_str())
                        .unwrap_or("~")
                ),
                _ => "?".into(),
            })
            .collect()
    }

    #[test]
    fn override_file_rules() {
        let a = doc(
            0,
            "services:\n  web:\n    image: a\n    ports: ['80:80']\n    command: [x, y]\n    environment: {A: '1', B: '2'}\n    build: ./dir\n    cap_add: [NET_ADMIN]\n",
        );
        let b = doc(
            1,
            "services:\n  web:\n    image: b\n    ports: ['80:80', '443:443']\n    command: [z]\n    environment: [B=3, C]\n    build: {dockerfile: D}\n    cap_add: [SYS_ADMIN]\n    user: ~\n  db:\n    image: pg\n",
        );
        let m = merge_documents(a, b);
        let web = m.get("services").unwrap().get("web").unwrap();
        assert_eq!(web.get("image").unwrap().as_scalar().unwrap().text, "b");
        assert_eq!(texts(web.get("ports").unwrap()), ["80:80", "443:443"]);
        assert_eq!(texts(web.get("command").unwrap()), ["z"]);
        assert_eq!(
            texts(web.get("environment").unwrap()),
            ["A=1", "B=2", "B=3", "C"]
        );
        assert_eq!(
            texts(web.get("cap_add").unwrap()),
            ["NET_ADMIN", "SYS_ADMIN"]
        );
        let build = web.get("build").unwrap();
        assert_eq!(
            build.get("context").unwrap().as_scalar().unwrap().text,
            "./dir"
        );
        assert_eq!(
            build.get("dockerfile").unwrap().as_scalar().unwrap().text,
            "D"
        );
        assert!(m.get("services").unwrap().get("db").is_some());
        // The override's spans are in file 1, the base's in file 0.
        assert_eq!(web.get("image").unwrap().span.file, FileId(1));
        assert_eq!(build.get("context").unwrap().span.file, FileId(0));
    }

    #[test]
    fn reset_and_override_tags() {
        let a = doc(
            0,
            "services:\n  web:\n    image: a\n    ports: ['80:80']\n    environment: {A: '1'}\n    privileged: true\n",
        );
        let b = doc(
            1,
            "services:\n  web:\n    ports: !override ['8443:443']\n    environment: !reset {}\n    privileged: !reset null\n",
        );
        let m = merge_documents(a, b);
        let web = m.get("services").unwrap().get("web").unwrap();
        assert_eq!(texts(web.get("ports").unwrap()), ["8443:443"]);
        assert!(web.get("environment").is_none());
        assert!(web.get("privileged").is_none());
        assert_eq!(web.get("image").unwrap().as_scalar().unwrap().text, "a");
    }

    #[test]
    fn extends_merges_like_an_override() {
        let f = doc(
            0,
            "base:\n  image: a\n  privileged: true\n  volumes: ['/x:/x']\nsvc:\n  volumes: ['/y:/y']\n  privileged: false\n",
        );
        let base = f.get("base").unwrap().clone();
        let svc = f.get("svc").unwrap().clone();
        let svc_span = svc.span;
        let m = extend_service(base, svc);
        assert_eq!(m.span, svc_span);
        assert_eq!(m.get("image").unwrap().as_scalar().unwrap().text, "a");
        assert_eq!(
            m.get("privileged").unwrap().as_scalar().unwrap().text,
            "false"
        );
        assert_eq!(texts(m.get("volumes").unwrap()), ["/x:/x", "/y:/y"]);
    }

    #[test]
    fn logging_with_another_driver_is_replaced() {
        let a = doc(
            0,
            "services:\n  s:\n    logging: {driver: syslog, options: {a: 1}}\n",
        );
        let b = doc(1, "services:\n  s:\n    logging: {driver: json-file}\n");
        let m = merge_documents(a, b);
        let l = m
            .get("services")
            .unwrap()
            .get("s")
            .unwrap()
            .get("logging")
            .unwrap();
        assert!(l.get("options").is_none());
    }
}
