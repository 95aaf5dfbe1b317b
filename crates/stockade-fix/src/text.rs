//! Line arithmetic on a file's text (byte offsets).

/// Start of the line holding byte `pos`.
pub(crate) fn line_start(text: &str, pos: usize) -> usize {
    let pos = pos.min(text.len());
    text.as_bytes()[..pos]
        .iter()
        .rposition(|&b| b == b'\n')
        .map(|i| i + 1)
        .unwrap_or(0)
}

/// Start of the line after the one holding `pos`, or the end of the text
/// when that line is the last one (then `false`: no line break follows).
pub(crate) fn next_line_start(text: &str, pos: usize) -> (usize, bool) {
    let pos = pos.min(text.len());
    match text.as_bytes()[pos..].iter().position(|&b| b == b'\n') {
        Some(i) => (pos + i + 1, true),
        None => (text.len(), false),
    }
}

/// Column (in bytes) of `pos` in its line.
pub(crate) fn column(text: &str, pos: usize) -> usize {
    pos.min(text.len()) - line_start(text, pos)
}

/// Whether only spaces come before `pos` on its line.
pub(crate) fn only_spaces_before(text: &str, pos: usize) -> bool {
    let s = line_start(text, pos);
    text.as_bytes()[s..pos.min(text.len())]
        .iter()
        .all(|&b| b == b' ')
}

/// Whether the rest of the line after `pos` holds only spaces and an
/// optional comment.
pub(crate) fn only_comment_after(text: &str, pos: usize) -> bool {
    let (e, _) = next_line_start(text, pos);
    let rest = text[pos.min(e)..e].trim_end_matches(['\n', '\r']);
    let rest = rest.trim_start_matches([' ', '\t']);
    rest.is_empty() || rest.starts_with('#')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines() {
        let t = "ab\n  cd # x\r\nef";
        assert_eq!(line_start(t, 5), 3);
        assert_eq!(next_line_start(t, 5), (13, true));
        assert_eq!(next_line_start(t, 14), (15, false));
        assert_eq!(column(t, 5), 2);
        assert!(only_spaces_before(t, 5));
        assert!(!only_spaces_before(t, 6));
        assert!(only_comment_after(t, 7));
        assert!(!only_comment_after(t, 5));
    }
}
