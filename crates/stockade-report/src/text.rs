//! Making hostile text safe and measurable for a terminal.

use unicode_width::UnicodeWidthChar;

/// Tab stops every this many columns when tabs are expanded.
pub const TAB_WIDTH: usize = 4;

/// What to show for a character that must not reach the terminal as is, or
/// `None` when the character is fine.
///
/// C0 controls and DEL become their Unicode control pictures (`␛` for ESC),
/// so an escape sequence in a scanned file cannot drive the terminal; C1
/// controls and bidirectional overrides (which can make the text on screen
/// differ from the text in the file) become U+FFFD.
pub fn replacement(c: char) -> Option<char> {
    match c {
        '\u{0}'..='\u{1f}' => char::from_u32(0x2400 + c as u32),
        '\u{7f}' => Some('\u{2421}'),
        '\u{80}'..='\u{9f}'
        | '\u{61c}'
        | '\u{200e}'
        | '\u{200f}'
        | '\u{202a}'..='\u{202e}'
        | '\u{2066}'..='\u{2069}' => Some('\u{fffd}'),
        _ => None,
    }
}

/// Replaces what [`replacement`] flags, tabs and newlines included (as
/// control pictures). For one-line texts: messages, paths, titles.
pub fn sanitize(s: &str) -> String {
    if !s.chars().any(|c| replacement(c).is_some()) {
        return s.to_string();
    }
    s.chars().map(|c| replacement(c).unwrap_or(c)).collect()
}

/// Display width of a (sanitized) character.
pub fn char_width(c: char) -> usize {
    c.width().unwrap_or(0)
}

/// Display width of a string, as [`sanitize`] would show it.
#[cfg(test)]
pub fn str_width(s: &str) -> usize {
    s.chars()
        .map(|c| char_width(replacement(c).unwrap_or(c)))
        .sum()
}

/// One displayed piece of a source line: the bytes it came from and what is
/// shown for them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cell {
    /// Byte offset of the source character within the line.
    pub byte: usize,
    pub shown: String,
    pub width: usize,
}

/// Splits a source line into cells: tabs expanded to the next tab stop,
/// dangerous characters replaced, widths of wide characters counted.
/// `start_column` is the display column the line starts at (for tab stops).
pub fn cells(line: &str, start_column: usize) -> Vec<Cell> {
    let mut out = Vec::with_capacity(line.len());
    let mut col = start_column;
    for (byte, c) in line.char_indices() {
        let (shown, width) = if c == '\t' {
            let w = TAB_WIDTH - (col % TAB_WIDTH);
            (" ".repeat(w), w)
        } else {
            let c = replacement(c).unwrap_or(c);
            (c.to_string(), char_width(c))
        };
        col += width;
        out.push(Cell { byte, shown, width });
    }
    out
}

/// The largest index `<= i` that is a char boundary of `s`.
pub fn floor_boundary(s: &str, i: usize) -> usize {
    let mut i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// The smallest index `>= i` that is a char boundary of `s`.
pub fn ceil_boundary(s: &str, i: usize) -> usize {
    let mut i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i += 1;
    }
    i
}

/// Cuts `s` to at most `max` chars, adding `…` when cut.
pub fn truncate_chars(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitize_neutralizes_escapes_and_bidi() {
        assert_eq!(sanitize("a\u{1b}[2Jb"), "a\u{241b}[2Jb");
        assert_eq!(sanitize("x\u{202e}y"), "x\u{fffd}y");
        assert_eq!(sanitize("tab\there"), "tab\u{2409}here");
        assert_eq!(sanitize("plain é 漢"), "plain é 漢");
        assert_eq!(sanitize("\u{7f}\u{85}"), "\u{2421}\u{fffd}");
    }

    #[test]
    fn widths_count_wide_and_zero_width() {
        assert_eq!(str_width("abc"), 3);
        assert_eq!(str_width("漢字"), 4);
        assert_eq!(str_width("e\u{301}"), 1);
        assert_eq!(str_width("\u{1b}"), 1);
    }

    #[test]
    fn cells_expand_tabs_to_stops() {
        let c = cells("a\tb\t\tc", 0);
        let widths: Vec<usize> = c.iter().map(|c| c.width).collect();
        assert_eq!(widths, vec![1, 3, 1, 3, 4, 1]);
        assert_eq!(c[1].shown, "   ");
        assert_eq!(c[5].byte, 5);
        let c = cells("\tx", 2);
        assert_eq!(c[0].width, 2);
    }

    #[test]
    fn boundaries_and_truncation() {
        let s = "aé";
        assert_eq!(floor_boundary(s, 2), 1);
        assert_eq!(ceil_boundary(s, 2), 3);
        assert_eq!(ceil_boundary(s, 99), 3);
        assert_eq!(truncate_chars("abcdef", 4), "abc…");
        assert_eq!(truncate_chars("abc", 4), "abc");
    }
}
