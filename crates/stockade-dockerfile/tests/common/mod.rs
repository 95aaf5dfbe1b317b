//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::sync::Arc;
use stockade_core::finding::InputError;
use stockade_core::span::{SourceFile, SourceMap, Span};

pub fn file(text: &str) -> Arc<SourceFile> {
    SourceMap::new().add("Dockerfile", None, text.to_string())
}

/// The source text a span covers.
pub fn at(f: &SourceFile, span: Span) -> &str {
    &f.text[span.range()]
}

/// `(line, column)` of an error's start.
pub fn pos(f: &SourceFile, e: &InputError) -> (u32, u32) {
    let s = e.span.expect("error has a span");
    let lc = f.line_col(s.start as usize);
    (lc.line, lc.column)
}

/// Every `start: N, end: M` pair in a `Debug` rendering: a way to reach
/// every span of a tree, however deeply nested.
pub fn debug_spans(dbg: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut rest = dbg;
    while let Some(i) = rest.find("start: ") {
        rest = &rest[i + 7..];
        let s: String = rest.chars().take_while(char::is_ascii_digit).collect();
        let Some(j) = rest.find("end: ") else { break };
        // Only pairs of the form `start: N, end: M`.
        if !rest[s.len()..].starts_with(", end: ") {
            continue;
        }
        let after = &rest[j + 5..];
        let e: String = after.chars().take_while(char::is_ascii_digit).collect();
        if let (Ok(s), Ok(e)) = (s.parse(), e.parse()) {
            out.push((s, e));
        }
    }
    out
}

/// Asserts that every span of `dbg` lies inside `text`, on char boundaries.
pub fn assert_spans_inside(text: &str, dbg: &str) {
    for (s, e) in debug_spans(dbg) {
        assert!(
            s <= e && e <= text.len(),
            "span {s}..{e} outside text of {} bytes",
            text.len()
        );
        assert!(
            text.is_char_boundary(s) && text.is_char_boundary(e),
            "span {s}..{e} splits a character"
        );
    }
}
