//! Inline suppression comments: `# stockade: ignore=…`, and the peer
//! pragmas of hadolint, Trivy and Checkov.

use crate::syntax::{Document, InstructionNode, LineKind, Node};
use stockade_core::build::BuildSpec;
use stockade_core::span::{SourceFile, Span};
use stockade_core::suppress::{PragmaKind, Suppression, Suppressions, parse_stockade_pragma};

/// What a pragma covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reach {
    /// The next instruction.
    Next,
    /// The stage of the next instruction (placed before its `FROM`).
    Stage,
    /// The whole file.
    File,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Pragma {
    reach: Reach,
    kind: PragmaKind,
    ids: Vec<String>,
    reason: Option<String>,
}

/// Collects every suppression of the document.
pub(crate) fn collect(doc: &Document, file: &SourceFile, spec: &BuildSpec) -> Suppressions {
    let mut out = Suppressions::default();
    let mut pending: Vec<(Pragma, Span)> = Vec::new();
    let push = |out: &mut Suppressions, p: Pragma, comment: Span, scope: Option<Span>| {
        out.push(Suppression {
            ids: p.ids,
            reason: p.reason,
            kind: p.kind,
            comment,
            scope,
        })
    };
    for node in &doc.nodes {
        match node {
            Node::Comment(c) => {
                if let Some(p) = parse_pragma(file.slice(c.text)) {
                    if p.reach == Reach::File {
                        push(&mut out, p, c.text, None);
                    } else {
                        pending.push((p, c.text));
                    }
                }
            }
            Node::Blank(_) => pending.clear(),
            Node::Directive(_) => {}
            Node::Instruction(i) => {
                for (p, comment) in pending.drain(..) {
                    let scope = match p.reach {
                        Reach::Stage => stage_span(spec, i),
                        _ => i.span,
                    };
                    push(&mut out, p, comment, Some(scope));
                }
                // Comment lines inside a continuation can only carry file-wide pragmas.
                for l in i.lines.iter().filter(|l| l.kind == LineKind::Comment) {
                    let raw = file.slice(l.span);
                    let text = raw.trim();
                    if let Some(p) = parse_pragma(text).filter(|p| p.reach == Reach::File) {
                        let lead = raw.len() - raw.trim_start().len();
                        let start = l.span.start as usize + lead;
                        push(
                            &mut out,
                            p,
                            Span::new(l.span.file, start, start + text.len()),
                            None,
                        );
                    }
                }
            }
        }
    }
    out
}

fn stage_span(spec: &BuildSpec, i: &InstructionNode) -> Span {
    // Stages are in file order: the candidate is the last one starting at or before `i`.
    let n = spec
        .stages
        .partition_point(|s| s.span.start <= i.span.start);
    n.checked_sub(1)
        .map(|k| spec.stages[k].span)
        .filter(|s| s.contains(i.span))
        .unwrap_or(i.span)
}

fn ids(list: &str) -> Vec<String> {
    list.split([',', ' ', '\t'])
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

/// Reads one comment (`# …`) as a pragma.
fn parse_pragma(comment: &str) -> Option<Pragma> {
    let body = comment.trim_start_matches('#').trim();
    let lower = body.to_ascii_lowercase();
    if lower.starts_with("stockade:") {
        let (directive, ids, reason) = parse_stockade_pragma(body)?;
        let reach = match directive.as_str() {
            "ignore" => Reach::Next,
            "ignore-stage" => Reach::Stage,
            "ignore-file" => Reach::File,
            _ => return None,
        };
        return Some(Pragma {
            reach,
            kind: PragmaKind::Stockade,
            ids,
            reason,
        });
    }
    if let Some(rest) = lower.strip_prefix("hadolint")
        && rest.starts_with([' ', '\t'])
    {
        let off = body.len() - rest.len();
        let mut rest = body[off..].trim_start();
        let mut reach = Reach::Next;
        for (word, r) in [("global", Reach::File), ("stage", Reach::Stage)] {
            if rest.len() > word.len()
                && rest[..word.len()].eq_ignore_ascii_case(word)
                && rest[word.len()..].starts_with([' ', '\t'])
            {
                reach = r;
                rest = rest[word.len()..].trim_start();
            }
        }
        let list = rest
            .get(..7)
            .filter(|p| p.eq_ignore_ascii_case("ignore="))
            .map(|_| &rest[7..])?;
        let list = list.split_whitespace().next().unwrap_or("");
        let ids = ids(list);
        return (!ids.is_empty()).then_some(Pragma {
            reach,
            kind: PragmaKind::Hadolint,
            ids,
            reason: None,
        });
    }
    if lower.starts_with("trivy:ignore:") {
        let id = body[13..].split_whitespace().next().unwrap_or("");
        return (!id.is_empty()).then(|| Pragma {
            reach: Reach::Next,
            kind: PragmaKind::Trivy,
            ids: vec![id.to_string()],
            reason: None,
        });
    }
    if lower.starts_with("checkov:skip=") {
        let rest = &body[13..];
        let (list, reason) = match rest.split_once(':') {
            Some((l, r)) => (l, Some(r.trim().to_string()).filter(|r| !r.is_empty())),
            None => (rest, None),
        };
        let ids = ids(list);
        return (!ids.is_empty()).then_some(Pragma {
            reach: Reach::File,
            kind: PragmaKind::Checkov,
            ids,
            reason,
        });
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pragma_forms() {
        let p = parse_pragma("# stockade: ignore=SKD101,DL3002 -- builder").unwrap();
        assert_eq!((p.reach, p.kind), (Reach::Next, PragmaKind::Stockade));
        assert_eq!(p.ids, vec!["SKD101", "DL3002"]);
        assert_eq!(p.reason.as_deref(), Some("builder"));
        assert_eq!(
            parse_pragma("# stockade: ignore-stage=X").unwrap().reach,
            Reach::Stage
        );
        assert_eq!(
            parse_pragma("#stockade: ignore-file=X").unwrap().reach,
            Reach::File
        );
        assert!(parse_pragma("# stockade: frobnicate=X").is_none());

        let p = parse_pragma("# hadolint ignore=DL3002,DL3008").unwrap();
        assert_eq!((p.reach, p.ids.len()), (Reach::Next, 2));
        assert_eq!(
            parse_pragma("# hadolint global ignore=DL3006")
                .unwrap()
                .reach,
            Reach::File
        );
        assert_eq!(
            parse_pragma("# hadolint stage ignore=DL3006")
                .unwrap()
                .reach,
            Reach::Stage
        );
        assert!(parse_pragma("# hadolint is great").is_none());
        assert!(parse_pragma("# hadolinter ignore=DL1").is_none());

        let p = parse_pragma("# trivy:ignore:DS-0002").unwrap();
        assert_eq!((p.kind, p.ids[0].as_str()), (PragmaKind::Trivy, "DS-0002"));

        let p = parse_pragma("# checkov:skip=CKV_DOCKER_3:no healthcheck needed").unwrap();
        assert_eq!((p.kind, p.reach), (PragmaKind::Checkov, Reach::File));
        assert_eq!(p.ids, vec!["CKV_DOCKER_3"]);
        assert_eq!(p.reason.as_deref(), Some("no healthcheck needed"));

        assert!(parse_pragma("# just a comment").is_none());
        assert!(parse_pragma("#").is_none());
    }
}
