//! Fixes in Compose files: one module per fixed rule, on top of the edit
//! operations here (set a key, add a list item, remove a key) that keep
//! the file's indentation, quoting, comments and anchors.
//!
//! Every edit stays inside the service's own mapping. A setting the
//! service inherits through a merge key (`<<: *defaults`) is overridden
//! by writing the key on the service itself (copying inherited list items
//! so nothing is lost); the anchor other services share is never edited.

mod cap_drop_missing;
mod limits;
mod no_new_privileges;
mod privileged;
mod read_only;
mod sensitive_ports;

pub(crate) use read_only::tmp_is_writable;
pub(crate) use sensitive_ports::LOOPBACK;

use crate::edit::{Edit, Fix, NotFixed, Plan, Safety, line_ending};
use crate::settings::FixSettings;
use crate::text::{column, line_start, next_line_start, only_comment_after, only_spaces_before};
use crate::yaml::{self, Layout, YDoc, YKind, YNode, quote, render_scalar};
use saphyr_parser::ScalarStyle;
use stockade_core::{ContainerSpec, FileId, Finding, SourceFile};

/// What one fixer returns: the edits and a sentence saying what they do.
pub(crate) type FixResult = Result<(Vec<Edit>, String), String>;

type Fixer = fn(&ComposeCx, &ContainerSpec, &YNode, &Finding, &FixSettings) -> FixResult;

/// The Compose rules that have a fix, with its kind.
pub(crate) const FIXERS: &[(&str, Safety, Fixer)] = &[
    ("SKD205", Safety::Unsafe, privileged::fix),
    ("SKD209", Safety::Unsafe, cap_drop_missing::fix),
    ("SKD215", Safety::Safe, no_new_privileges::fix),
    ("SKD216", Safety::Unsafe, limits::fix_memory),
    ("SKD217", Safety::Unsafe, limits::fix_cpus),
    ("SKD218", Safety::Unsafe, limits::fix_pids),
    ("SKD220", Safety::Unsafe, sensitive_ports::fix),
    ("SKD230", Safety::Unsafe, read_only::fix),
];

/// Proposes fixes for the findings of one Compose file. `services` are
/// the specs the findings were judged on (loaded from this file).
pub fn plan_compose(
    file: &SourceFile,
    services: &[ContainerSpec],
    findings: &[Finding],
    settings: &FixSettings,
) -> Plan {
    let mut plan = Plan::default();
    let fixable: Vec<&Finding> = findings
        .iter()
        .filter(|f| FIXERS.iter().any(|(id, _, _)| *id == f.rule))
        .collect();
    if fixable.is_empty() {
        return plan;
    }
    let not_fixed = |f: &Finding, reason: String| NotFixed {
        rule: f.rule,
        subject: f.subject.clone(),
        span: f.span,
        reason,
    };
    let cx = match ComposeCx::new(file) {
        Ok(c) => c,
        Err(e) => {
            plan.not_fixed
                .extend(fixable.iter().map(|f| not_fixed(f, e.clone())));
            return plan;
        }
    };
    let by_name: std::collections::HashMap<&str, &ContainerSpec> = services
        .iter()
        .filter(|s| s.anchor.file == file.id)
        .map(|s| (s.subject.as_str(), s))
        .collect();
    for f in fixable {
        let Some(&(rule, safety, fixer)) = FIXERS.iter().find(|(id, _, _)| *id == f.rule) else {
            continue;
        };
        let spec = by_name.get(f.subject.as_str()).copied();
        let Some(spec) = spec else {
            plan.not_fixed.push(not_fixed(
                f,
                "the service is defined in another file".into(),
            ));
            continue;
        };
        let result = cx
            .service(&spec.subject)
            .and_then(|svc| fixer(&cx, spec, svc, f, settings));
        match result {
            Ok((edits, description)) if !edits.is_empty() => plan.fixes.push(Fix {
                rule,
                safety,
                subject: f.subject.clone(),
                description,
                span: f.span,
                edits,
            }),
            Ok(_) => {}
            Err(reason) => plan.not_fixed.push(not_fixed(f, reason)),
        }
    }
    plan
}

/// A parsed Compose file with what edits need to know about its layout.
pub(crate) struct ComposeCx<'a> {
    pub file: FileId,
    pub text: &'a str,
    pub doc: YDoc,
    pub layout: Layout,
    pub le: &'static str,
    /// Service name -> index in the `services` mapping (the first one written).
    services: std::collections::HashMap<String, usize>,
}

/// A new value to write.
pub(crate) enum NewValue {
    /// A scalar as YAML text (already rendered).
    Scalar(String),
    /// List items (values, rendered for the place they go).
    List(Vec<String>),
}

impl<'a> ComposeCx<'a> {
    pub fn new(file: &'a SourceFile) -> Result<ComposeCx<'a>, String> {
        let text = file.text.as_str();
        let doc = yaml::parse(text).ok_or("the file is not YAML this fixer can read")?;
        let layout = yaml::layout(&doc, text);
        let mut services = std::collections::HashMap::new();
        if let Some(entries) = doc.root.get("services").and_then(|s| s.entries()) {
            for (i, e) in entries.iter().enumerate() {
                services.entry(e.key.clone()).or_insert(i);
            }
        }
        Ok(ComposeCx {
            file: file.id,
            text,
            doc,
            layout,
            le: line_ending(text),
            services,
        })
    }

    /// The mapping of service `name`, if it may be edited.
    pub fn service(&self, name: &str) -> Result<&YNode, String> {
        let services = self
            .doc
            .root
            .get("services")
            .ok_or("no `services` mapping in this file")?;
        if services.entries().is_none() {
            return Err("`services` is not a mapping written in this file".into());
        }
        let svc = self
            .services
            .get(name)
            .and_then(|&i| services.entries()?.get(i))
            .map(|e| &e.value)
            .ok_or_else(|| format!("service `{name}` is not written in this file"))?;
        if matches!(svc.kind, YKind::Alias(_)) {
            return Err(format!(
                "service `{name}` is an alias of another node: fixing it would change that node"
            ));
        }
        if self.doc.is_shared(svc) {
            return Err(format!(
                "service `{name}` is an anchor that other nodes reuse: fixing it here would change them too"
            ));
        }
        if svc.entries().is_none() {
            return Err(format!("service `{name}` is not a mapping"));
        }
        Ok(svc)
    }

    fn edit_insert(&self, at: usize, text: String) -> Edit {
        Edit::insert(self.file, at, text)
    }

    /// Renders `value` for a place in block (`flow = false`) or flow context.
    fn render_value(&self, value: &NewValue, flow: bool, indent: usize) -> String {
        match value {
            NewValue::Scalar(s) => s.clone(),
            NewValue::List(items) if flow || items.is_empty() => {
                let parts: Vec<String> = items.iter().map(|i| render_scalar(i, true)).collect();
                format!("[{}]", parts.join(", "))
            }
            NewValue::List(items) => {
                let pad = " ".repeat(indent + self.layout.seq_offset);
                let mut out = String::new();
                for i in items {
                    out.push_str(self.le);
                    out.push_str(&pad);
                    out.push_str("- ");
                    out.push_str(&render_scalar(i, false));
                }
                out
            }
        }
    }

    /// Adds `key: value` as the last entry of `map`.
    pub fn insert_entry(&self, map: &YNode, key: &str, value: &NewValue) -> Result<Edit, String> {
        let entries = map.entries().ok_or("not a mapping")?;
        if map.is_flow() {
            let v = self.render_value(value, true, 0);
            return Ok(match entries.last() {
                Some(last) => self.edit_insert(last.value.end, format!(", {key}: {v}")),
                None => self.edit_insert(map.start + 1, format!("{key}: {v}")),
            });
        }
        let first = entries.first().ok_or("empty mapping")?;
        // Later keys line up with the first one, even when it follows a
        // list dash (`- target: 80`).
        let indent = column(self.text, first.key_start);
        let body = match value {
            NewValue::Scalar(s) => format!("{}{key}: {s}", " ".repeat(indent)),
            NewValue::List(_) => format!(
                "{}{key}:{}",
                " ".repeat(indent),
                self.render_value(value, false, indent)
            ),
        };
        let (at, newline) = next_line_start(self.text, map.end);
        Ok(if newline {
            self.edit_insert(at, format!("{body}{}", self.le))
        } else {
            self.edit_insert(at, format!("{}{body}", self.le))
        })
    }

    /// Replaces a scalar or alias value node with `text`.
    fn replace_node(&self, node: &YNode, text: &str) -> Result<Edit, String> {
        if self.doc.is_shared(node) {
            return Err("the value is an anchor that other nodes reuse".into());
        }
        match node.kind {
            YKind::Scalar { .. } if node.is_null() => Err("the key has no value written".into()),
            YKind::Scalar { .. } | YKind::Alias(_) => {
                Ok(Edit::replace(self.file, node.start, node.end, text))
            }
            _ => Err("the value is not a single value".into()),
        }
    }

    /// Sets `key` of `map` to a scalar (`value` rendered as YAML): replaces
    /// the written value, or adds the key.
    pub fn set_scalar(&self, map: &YNode, key: &str, value: &str) -> Result<Vec<Edit>, String> {
        match map.entry(key) {
            Some(e) => Ok(vec![self.replace_node(&e.value, value)?]),
            None => Ok(vec![self.insert_entry(
                map,
                key,
                &NewValue::Scalar(value.to_string()),
            )?]),
        }
    }

    /// The scalar values of a list node (following one alias).
    fn list_values(&self, node: &YNode) -> Result<Vec<String>, String> {
        let node = self.doc.deref(node).ok_or("an alias without its anchor")?;
        match &node.kind {
            YKind::Seq { items, .. } => items
                .iter()
                .map(|i| {
                    self.doc
                        .deref(i)
                        .and_then(|n| n.scalar().map(str::to_string))
                        .ok_or_else(|| "a list item is not a single value".to_string())
                })
                .collect(),
            YKind::Scalar { text, .. } if !node.is_null() => Ok(vec![text.clone()]),
            _ => Err("the value is not a list".into()),
        }
    }

    /// Appends `item` to the list under `key` of `map` (creating the key,
    /// or writing it on the service with the items it inherits through a
    /// merge key).
    pub fn add_item(&self, map: &YNode, key: &str, item: &str) -> Result<Vec<Edit>, String> {
        let Some(e) = map.entry(key) else {
            let mut items = match self.doc.merged_value(map, key) {
                Some(inherited) => self
                    .list_values(inherited)
                    .map_err(|e| format!("`{key}` is inherited through a merge key and {e}"))?,
                None => Vec::new(),
            };
            items.push(item.to_string());
            return Ok(vec![self.insert_entry(map, key, &NewValue::List(items))?]);
        };
        let node = &e.value;
        if self.doc.is_shared(node) {
            return Err(format!(
                "`{key}` is an anchor that other nodes reuse: fixing it here would change them too"
            ));
        }
        match &node.kind {
            YKind::Alias(_) => {
                let mut items = self.list_values(node)?;
                items.push(item.to_string());
                let v = self.render_value(&NewValue::List(items), true, 0);
                Ok(vec![Edit::replace(self.file, node.start, node.end, v)])
            }
            YKind::Seq { flow: true, items } => {
                let style = items.last().and_then(|i| i.style());
                let text = match style {
                    Some(s @ (ScalarStyle::DoubleQuoted | ScalarStyle::SingleQuoted)) => {
                        quote(item, s)
                    }
                    _ => render_scalar(item, true),
                };
                Ok(vec![match items.last() {
                    Some(last) => self.edit_insert(last.end, format!(", {text}")),
                    None => self.edit_insert(node.start + 1, text),
                }])
            }
            YKind::Seq { flow: false, items } => {
                let last = items.last().ok_or("empty list")?;
                if !only_spaces_before(self.text, node.start) {
                    return Err(format!("`{key}` items do not start their lines"));
                }
                let style = last.style();
                let text = match style {
                    Some(s @ (ScalarStyle::DoubleQuoted | ScalarStyle::SingleQuoted)) => {
                        quote(item, s)
                    }
                    _ => render_scalar(item, false),
                };
                // At the end of the last item's line (after a comment), not
                // at the next line's start, where new keys of the mapping go.
                let pad = " ".repeat(column(self.text, node.start));
                let (next, newline) = next_line_start(self.text, last.end);
                let mut at = next;
                if newline {
                    at -= 1;
                    if at > 0 && self.text.as_bytes()[at - 1] == b'\r' {
                        at -= 1;
                    }
                }
                Ok(vec![
                    self.edit_insert(at, format!("{}{pad}- {text}", self.le)),
                ])
            }
            YKind::Scalar { text, .. } if !node.is_null() => {
                let v = self.render_value(
                    &NewValue::List(vec![text.clone(), item.to_string()]),
                    true,
                    0,
                );
                Ok(vec![Edit::replace(self.file, node.start, node.end, v)])
            }
            _ => Err(format!("`{key}` has no value written")),
        }
    }

    /// Removes the entry `key` of `map` (its whole line in block style).
    pub fn remove_entry(&self, map: &YNode, key: &str) -> Result<Vec<Edit>, String> {
        let entries = map.entries().ok_or("not a mapping")?;
        let i = entries
            .iter()
            .position(|e| e.key == key)
            .ok_or_else(|| format!("`{key}` is not written here"))?;
        let e = &entries[i];
        if self.doc.contains_shared(&e.value) {
            return Err(format!("`{key}` holds an anchor that other nodes reuse"));
        }
        if map.is_flow() {
            let (s, t) = if i > 0 {
                (entries[i - 1].value.end, e.value.end)
            } else if let Some(next) = entries.get(1) {
                (e.key_start, next.key_start)
            } else {
                (e.key_start, e.value.end)
            };
            return Ok(vec![Edit::delete(self.file, s, t)]);
        }
        if !only_spaces_before(self.text, e.key_start)
            || !only_comment_after(self.text, e.value.end)
        {
            return Err(format!("`{key}` shares its line with other content"));
        }
        if entries.len() == 1 {
            return Err(format!("`{key}` is the only entry of its mapping"));
        }
        let (end, _) = next_line_start(self.text, e.value.end);
        Ok(vec![Edit::delete(
            self.file,
            line_start(self.text, e.key_start),
            end,
        )])
    }
}

#[cfg(test)]
pub(crate) mod testutil {
    //! Runs the real loader and rules on a Compose text, plans, applies.

    use super::*;
    use stockade_core::SourceMap;

    pub fn findings(text: &str) -> (Vec<ContainerSpec>, Vec<Finding>, SourceMap) {
        let sources = SourceMap::new();
        let file = sources.add("compose.yaml", None, text.to_string());
        let (project, errors) = stockade_compose::load_sources(
            &[file],
            &sources,
            &stockade_compose::LoadOptions::default(),
        );
        assert!(errors.is_empty(), "{errors:?}");
        let services = project.expect("loads").services;
        let cx = stockade_rules::Ctx {
            read_context: false,
            ..Default::default()
        };
        let policy = stockade_rules::Policy::default();
        let mut out = Vec::new();
        for s in &services {
            out.extend(stockade_rules::check_container(s, &cx, &policy));
        }
        (services, out, sources)
    }

    /// Fixes every finding of `rule` once; returns the new text.
    pub fn fix_rule(text: &str, rule: &str) -> (String, Plan) {
        let (services, found, sources) = findings(text);
        let found: Vec<Finding> = found.into_iter().filter(|f| f.rule == rule).collect();
        let file = sources.get(FileId(0)).unwrap();
        let plan = plan_compose(&file, &services, &found, &FixSettings::default());
        let edits: Vec<Edit> = plan.fixes.iter().flat_map(|f| f.edits.clone()).collect();
        (crate::edit::apply_edits(text, &edits).unwrap(), plan)
    }

    /// The number of findings of `rule` in `text`.
    pub fn count(text: &str, rule: &str) -> usize {
        findings(text).1.iter().filter(|f| f.rule == rule).count()
    }

    /// Fixes, checks the expected text, that the finding is gone and that a
    /// second run changes nothing.
    pub fn check(rule: &str, input: &str, expected: &str) {
        assert!(count(input, rule) > 0, "{rule} not found in:\n{input}");
        let (out, plan) = fix_rule(input, rule);
        assert_eq!(out, expected, "{plan:?}");
        assert_eq!(count(&out, rule), 0, "{rule} still found in:\n{out}");
        let (again, plan) = fix_rule(&out, rule);
        assert_eq!(again, out);
        assert!(plan.fixes.is_empty() && plan.not_fixed.is_empty());
    }

    /// The fixer declines (for at least one service), and says why.
    /// Returns the text after the fixes it did make.
    pub fn declines(rule: &str, input: &str, reason: &str) -> String {
        let (out, plan) = fix_rule(input, rule);
        assert!(
            plan.not_fixed.iter().any(|n| n.reason.contains(reason)),
            "{plan:?}"
        );
        out
    }
}

#[cfg(test)]
mod tests {
    use super::testutil::check;

    #[test]
    fn keeps_comments_indentation_and_crlf() {
        check(
            "SKD215",
            "# top\r\nservices:\r\n    web:   # the site\r\n        image: nginx:1.27\r\n        # ports: [80]\r\n\r\n    db:\r\n        image: postgres:17\r\n        security_opt: [\"label=type:x\"]\r\n",
            "# top\r\nservices:\r\n    web:   # the site\r\n        image: nginx:1.27\r\n        security_opt:\r\n          - no-new-privileges:true\r\n        # ports: [80]\r\n\r\n    db:\r\n        image: postgres:17\r\n        security_opt: [\"label=type:x\", \"no-new-privileges:true\"]\r\n",
        );
    }

    #[test]
    fn file_without_final_newline() {
        check(
            "SKD215",
            "services:\n  web:\n    image: nginx:1.27",
            "services:\n  web:\n    image: nginx:1.27\n    security_opt:\n      - no-new-privileges:true",
        );
    }
}
