//! Pointing inside written values: spans of a match within a word, an
//! `ENV` value or a here-document body.

use stockade_core::{Expanded, Span, Spanned};

/// The span of `text[start..end]` when `text` is what is written at `span`
/// one-to-one (as is, or between one pair of quotes); otherwise the whole
/// `span` (escapes or expansions make exact placement guesswork).
pub fn sub_span(span: Span, text: &str, start: usize, end: usize) -> Span {
    let off = if span.len() == text.len() {
        0
    } else if span.len() == text.len() + 2 {
        1
    } else {
        return span;
    };
    if start > end || end > text.len() {
        return span;
    }
    Span::new(
        span.file,
        span.start as usize + off + start,
        span.start as usize + off + end,
    )
}

/// The span of `value[start..end]` for a value written without variables
/// (so the expanded text is the written text), else the value's span.
pub fn value_sub_span(v: &Spanned<Expanded>, start: usize, end: usize) -> Span {
    match v.value.known() {
        Some(val) if val == v.value.raw => sub_span(v.span, val, start, end),
        _ => v.span,
    }
}

/// Whether `haystack` contains `needle`, ASCII case-insensitively, as a
/// whole word (not inside a longer identifier).
pub fn contains_word(haystack: &str, needle: &str) -> bool {
    find_word(haystack, needle).is_some()
}

/// Byte offset of `needle` in `haystack` as a whole word, ASCII
/// case-insensitively.
pub fn find_word(haystack: &str, needle: &str) -> Option<usize> {
    if needle.is_empty() || needle.len() > haystack.len() {
        return None;
    }
    let h = haystack.as_bytes();
    let n = needle.as_bytes();
    let ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    (0..=h.len() - n.len()).find(|&i| {
        h[i..i + n.len()].eq_ignore_ascii_case(n)
            && (i == 0 || !ident(h[i - 1]) || !ident(n[0]))
            && (i + n.len() == h.len() || !ident(h[i + n.len()]) || !ident(n[n.len() - 1]))
    })
}

/// What value of a setting counts (see [`find_setting`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Want {
    /// `0`, `false`, `no`, `off`.
    Off,
    /// `1`, `true`, `yes`, `on`; a bare flag (`--insecure-skip-tls-verify`)
    /// also counts when the key starts with `insecure` or `allow`.
    On,
    /// Exactly `0`.
    Zero,
    /// Any non-empty value.
    Any,
}

fn value_matches(v: &str, want: Want) -> bool {
    let l = v.to_ascii_lowercase();
    match want {
        Want::Off => matches!(l.as_str(), "0" | "false" | "no" | "off"),
        Want::On => matches!(l.as_str(), "1" | "true" | "yes" | "on"),
        Want::Zero => l == "0",
        Want::Any => !l.is_empty(),
    }
}

/// Finds `key` (ASCII case-insensitive, not inside a longer word; `_`, `.`,
/// `-`, `[` count as boundaries before it), then separators (`=`, `:`,
/// spaces, quotes), then a value matching the key's [`Want`]. Returns the
/// byte range from the key to the end of the value, and the key's label.
/// A value that is a variable (`$X`) never matches.
pub fn find_setting(
    text: &str,
    keys: &[(&'static str, Want, &'static str)],
) -> Option<(usize, usize, &'static str)> {
    let lower = text.to_ascii_lowercase();
    let b = lower.as_bytes();
    for &(key, want, what) in keys {
        let mut from = 0;
        while let Some(pos) = lower[from..].find(key) {
            let at = from + pos;
            from = at + key.len();
            // `\ngpgcheck=0` in a printf string: an escape is a boundary.
            let escaped = at >= 2 && b[at - 2] == b'\\';
            if (at > 0 && b[at - 1].is_ascii_alphanumeric() && !escaped)
                || lower[..at].ends_with("skip-")
            {
                continue;
            }
            let mut j = at + key.len();
            if j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'-' || b[j] == b'_') {
                continue;
            }
            let sep_start = j;
            while j < b.len() && matches!(b[j], b' ' | b'\t' | b'"' | b'\'' | b'=' | b':') {
                j += 1;
            }
            let vstart = j;
            while j < b.len()
                && (b[j].is_ascii_alphanumeric() || matches!(b[j], b'.' | b'-' | b'_'))
            {
                j += 1;
            }
            let value = &text[vstart..j];
            if vstart == sep_start {
                // A bare flag.
                if want == Want::On && (key.starts_with("insecure") || key.starts_with("allow")) {
                    return Some((at, sep_start, what));
                }
                continue;
            }
            if value.is_empty() || text[vstart..].starts_with('$') {
                continue;
            }
            if value_matches(value, want) {
                return Some((at, j, what));
            }
        }
    }
    None
}

/// Words joined by single spaces, with where each word sits in the text.
pub fn joined(words: &[&stockade_core::shell::Word]) -> (String, Vec<(usize, usize, Span)>) {
    let mut s = String::new();
    let mut at = Vec::new();
    for w in words {
        if !s.is_empty() {
            s.push(' ');
        }
        let t = w.lossy();
        at.push((s.len(), s.len() + t.len(), w.span));
        s.push_str(&t);
    }
    (s, at)
}

/// The span of `[start, end)` of a [`joined`] text: exact inside one word,
/// else from the first to the last word touched.
pub fn joined_span(
    text: &str,
    at: &[(usize, usize, Span)],
    start: usize,
    end: usize,
) -> Option<Span> {
    let touched: Vec<&(usize, usize, Span)> = at
        .iter()
        .filter(|(s, e, _)| *s < end && start < *e)
        .collect();
    match touched.as_slice() {
        [] => None,
        [(s, e, span)] => Some(sub_span(
            *span,
            &text[*s..*e],
            start.max(*s) - s,
            end.min(*e) - s,
        )),
        [first, .., last] => Some(first.2.to(last.2)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use stockade_core::FileId;

    #[test]
    fn sub_spans() {
        let s = Span::new(FileId(0), 10, 15);
        assert_eq!(sub_span(s, "abcde", 1, 3), Span::new(FileId(0), 11, 13));
        assert_eq!(sub_span(s, "abc", 1, 2), Span::new(FileId(0), 12, 13));
        assert_eq!(sub_span(s, "ab", 0, 1), s);
        assert_eq!(sub_span(s, "abcde", 3, 9), s);
    }

    #[test]
    fn words() {
        assert_eq!(find_word("a NOPASSWD: ALL", "nopasswd"), Some(2));
        assert!(!contains_word("xNOPASSWD", "nopasswd"));
        assert!(contains_word("sslverify=0", "sslverify=0"));
    }
}
