//! Low-level splitting that mirrors BuildKit's parser: line continuations,
//! the keyword/flags/arguments split, word splitting, heredoc markers and
//! JSON arrays. Everything works on offsets into the joined line, so
//! callers can map results back to the file.

/// Go's `unicode.IsSpace` (the Unicode White_Space property).
pub(crate) fn is_space(c: char) -> bool {
    c.is_whitespace()
}

/// BuildKit's `[\t\v\f\r ]` token separator.
pub(crate) fn is_token_ws(c: char) -> bool {
    matches!(c, '\t' | '\u{0b}' | '\u{0c}' | '\r' | ' ')
}

/// Length in bytes of the leading whitespace of `s`.
pub(crate) fn leading_ws(s: &str) -> usize {
    s.len() - s.trim_start_matches(is_space).len()
}

/// If `line` ends with the escape character (trailing blanks allowed) that
/// is not itself escaped, returns the line without it and `true`.
pub(crate) fn trim_continuation(line: &str, esc: char) -> (&str, bool) {
    let t = line.trim_end_matches([' ', '\t']);
    if let Some(before) = t.strip_suffix(esc)
        && (before.is_empty() || !before.ends_with(esc))
    {
        return (before, true);
    }
    (line, false)
}

/// A `--flag[=value]` word before the arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RawFlag {
    pub start: usize,
    pub end: usize,
    /// Quotes and backslash escapes removed.
    pub decoded: String,
}

/// BuildKit's `extractBuilderFlags`: reads `--flag` words from the start of
/// `s` and returns the offset where the arguments begin (`s.len()` when
/// none) and the flags. Offsets are relative to `s`.
pub(crate) fn extract_flags(s: &str) -> (usize, Vec<RawFlag>) {
    let mut flags = Vec::new();
    let mut chars = s.char_indices().peekable();
    loop {
        // Looking for the start of a word.
        let (start, c) = loop {
            match chars.peek() {
                None => return (s.len(), flags),
                Some(&(_, c)) if is_space(c) => {
                    chars.next();
                }
                Some(&(i, c)) => break (i, c),
            }
        };
        if c != '-' || !s[start + 1..].starts_with('-') {
            return (start, flags);
        }
        let mut word = String::new();
        let mut blank_ok = false;
        let mut quote: Option<char> = None;
        let mut end = s.len();
        while let Some((i, c)) = chars.next() {
            match quote {
                None => {
                    if is_space(c) {
                        end = i;
                        break;
                    }
                    if c == '\'' || c == '"' {
                        quote = Some(c);
                        blank_ok = true;
                        continue;
                    }
                    if c == '\\' {
                        match chars.next() {
                            Some((_, n)) => word.push(n),
                            None => continue,
                        }
                        continue;
                    }
                    word.push(c);
                }
                Some(q) => {
                    if c == q {
                        quote = None;
                        continue;
                    }
                    if c == '\\' {
                        match chars.next() {
                            Some((_, n)) => word.push(n),
                            None => {
                                quote = None;
                                continue;
                            }
                        }
                        continue;
                    }
                    word.push(c);
                }
            }
        }
        if word == "--" {
            // `--` ends the flags; the arguments follow it.
            return (if end < s.len() { end } else { s.len() }, flags);
        }
        if blank_ok || !word.is_empty() {
            flags.push(RawFlag {
                start,
                end,
                decoded: word,
            });
        }
        if end >= s.len() {
            return (s.len(), flags);
        }
    }
}

/// BuildKit's `parseWords`: splits on whitespace outside quotes; the escape
/// character protects the next character. Quotes and escapes are kept, so
/// each word is the exact slice `[start, end)` of `s`.
pub(crate) fn parse_words(s: &str, esc: char) -> Vec<(usize, usize)> {
    let mut words = Vec::new();
    let mut start: Option<usize> = None;
    let mut quote: Option<char> = None;
    let mut chars = s.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let Some(st) = start else {
            if is_space(c) {
                continue;
            }
            start = Some(i);
            // Re-handle this character as part of a word.
            handle_word_char(c, &mut quote, esc, &mut chars);
            continue;
        };
        if quote.is_none() && is_space(c) {
            words.push((st, i));
            start = None;
            continue;
        }
        handle_word_char(c, &mut quote, esc, &mut chars);
    }
    if let Some(st) = start {
        let mut end = s.len();
        // A lone escape at the very end is dropped by BuildKit.
        if quote != Some('\'') && escape_is_trailing(&s[st..end], esc) {
            end -= esc.len_utf8();
        }
        if end > st {
            words.push((st, end));
        }
    }
    words
}

fn handle_word_char(
    c: char,
    quote: &mut Option<char>,
    esc: char,
    chars: &mut std::iter::Peekable<std::str::CharIndices<'_>>,
) {
    match *quote {
        None => {
            if c == '\'' || c == '"' {
                *quote = Some(c);
            } else if c == esc {
                chars.next();
            }
        }
        Some(q) => {
            if c == q {
                *quote = None;
            } else if c == esc && q != '\'' {
                chars.next();
            }
        }
    }
}

/// Whether the escape that ends `word` is unpaired (so BuildKit skips it).
fn escape_is_trailing(word: &str, esc: char) -> bool {
    let n = word.chars().rev().take_while(|&c| c == esc).count();
    n % 2 == 1
}

/// Splits on runs of `[\t\v\f\r ]` (BuildKit's `reWhitespace`).
pub(crate) fn split_token_ws(s: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    for (i, c) in s.char_indices() {
        if is_token_ws(c) {
            if let Some(st) = start.take() {
                out.push((st, i));
            }
        } else if start.is_none() {
            start = Some(i);
        }
    }
    if let Some(st) = start {
        out.push((st, s.len()));
    }
    out
}

/// Splits the instruction line into the heredoc-detection words BuildKit
/// uses (`heredocsFromLine`: raw quotes, raw escapes, `\` as escape).
/// Returns `None` where BuildKit's lexer fails (it then finds no heredocs).
pub(crate) fn heredoc_words(line: &str) -> Option<Vec<(usize, usize)>> {
    let b = line.as_bytes();
    let mut words = Vec::new();
    let mut start: Option<usize> = None;
    let mut i = 0;
    while i < b.len() {
        let c = line[i..].chars().next()?;
        let w = c.len_utf8();
        if is_space(c) {
            if let Some(st) = start.take() {
                words.push((st, i));
            }
            i += w;
            continue;
        }
        if start.is_none() {
            start = Some(i);
        }
        match c {
            '\'' => {
                let close = line[i + 1..].find('\'')?;
                i += close + 2;
            }
            '"' => {
                i += 1;
                loop {
                    let c = line[i..].chars().next()?;
                    match c {
                        '"' => {
                            i += 1;
                            break;
                        }
                        '\\' => {
                            i += 1;
                            if let Some(n) = line[i..].chars().next()
                                && matches!(n, '"' | '$' | '\\')
                            {
                                i += 1;
                            }
                        }
                        '$' => i = skip_dollar(line, i)?,
                        _ => i += c.len_utf8(),
                    }
                }
            }
            '\\' => {
                i += 1;
                match line[i..].chars().next() {
                    Some(n) => i += n.len_utf8(),
                    None => break,
                }
            }
            '$' => i = skip_dollar(line, i)?,
            _ => i += w,
        }
    }
    if let Some(st) = start {
        words.push((st, line.len()));
    }
    Some(words)
}

/// Skips a `$…` expansion starting at `i` (which holds `$`); fails like
/// BuildKit on an unclosed `${`.
fn skip_dollar(line: &str, i: usize) -> Option<usize> {
    let b = line.as_bytes();
    let mut j = i + 1;
    if b.get(j) != Some(&b'{') {
        return Some(j);
    }
    j += 1;
    match b.get(j) {
        None | Some(b'{') | Some(b'}') | Some(b':') => return None,
        _ => {}
    }
    let mut depth = 1usize;
    let mut quote: Option<u8> = None;
    while j < b.len() {
        let c = b[j];
        match quote {
            Some(q) => {
                if c == q {
                    quote = None;
                } else if c == b'\\' && q == b'"' {
                    j += 1;
                }
            }
            None => match c {
                b'\'' | b'"' => quote = Some(c),
                b'\\' => j += 1,
                b'{' if j > 0 && b[j - 1] == b'$' => depth += 1,
                b'}' => {
                    depth -= 1;
                    if depth == 0 {
                        return Some(j + 1);
                    }
                }
                _ => {}
            },
        }
        j += 1;
    }
    None
}

/// A heredoc marker recognised in a word.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct HeredocMarker {
    pub fd: u32,
    pub chomp: bool,
    pub name: String,
    pub expand: bool,
}

/// BuildKit's `ParseHeredoc`: `^(\d*)<<(-?)([^<]*)$` whose rest is one word.
pub(crate) fn parse_heredoc_marker(word: &str) -> Option<HeredocMarker> {
    let digits = word.len() - word.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    let after = word[digits..].strip_prefix("<<")?;
    let (chomp, rest) = match after.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, after),
    };
    if rest.is_empty() || rest.contains('<') {
        return None;
    }
    let fd = word[..digits].parse::<u32>().unwrap_or(0);
    let (name, quoted) = unquote_heredoc_name(rest)?;
    if name.is_empty() {
        return None;
    }
    Some(HeredocMarker {
        fd,
        chomp,
        name,
        expand: !quoted,
    })
}

/// Removes quotes and escapes from a heredoc delimiter word. Returns the
/// name and whether any part was quoted; `None` when it is not one word.
fn unquote_heredoc_name(rest: &str) -> Option<(String, bool)> {
    let mut out = String::with_capacity(rest.len());
    let mut quoted = false;
    let mut chars = rest.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                quoted = true;
                loop {
                    match chars.next()? {
                        '\'' => break,
                        x => out.push(x),
                    }
                }
            }
            '"' => {
                quoted = true;
                loop {
                    match chars.next()? {
                        '"' => break,
                        '\\' => match chars.peek() {
                            Some(&n) if matches!(n, '"' | '$' | '\\') => {
                                out.push(n);
                                chars.next();
                            }
                            Some(_) => out.push('\\'),
                            None => {}
                        },
                        x => out.push(x),
                    }
                }
            }
            '\\' => {
                if let Some(n) = chars.next() {
                    out.push(n);
                }
            }
            c if is_space(c) => return None,
            c => out.push(c),
        }
    }
    Some((out, quoted))
}

/// The outcome of reading a JSON array the way BuildKit does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum JsonArray {
    /// Decoded strings with the byte range of each literal (quotes included).
    Strings(Vec<(String, usize, usize)>),
    /// Valid JSON, but not every element is a string (an error in BuildKit).
    NotStrings,
    /// Does not start with `[` or is not valid JSON (shell form then).
    Invalid,
}

/// Parses the first JSON value of `s` (leading whitespace allowed, trailing
/// text ignored, as Go's `json.Decoder` does) and requires an array of strings.
pub(crate) fn parse_json_array(s: &str) -> JsonArray {
    let lead = leading_ws(s);
    let b = s.as_bytes();
    if b.get(lead) != Some(&b'[') {
        return JsonArray::Invalid;
    }
    let mut p = JsonParser { s, b, pos: lead };
    match p.array_of_strings() {
        Ok(Some(v)) => JsonArray::Strings(v),
        Ok(None) => JsonArray::NotStrings,
        Err(()) => JsonArray::Invalid,
    }
}

struct JsonParser<'a> {
    s: &'a str,
    b: &'a [u8],
    pos: usize,
}

const JSON_MAX_DEPTH: usize = 128;

impl JsonParser<'_> {
    fn ws(&mut self) {
        while let Some(&c) = self.b.get(self.pos) {
            if matches!(c, b' ' | b'\t' | b'\n' | b'\r') {
                self.pos += 1;
            } else {
                break;
            }
        }
    }

    /// `Ok(None)` when the array holds something other than strings.
    #[allow(clippy::type_complexity)]
    fn array_of_strings(&mut self) -> Result<Option<Vec<(String, usize, usize)>>, ()> {
        self.pos += 1; // '['
        let mut out = Vec::new();
        let mut all_strings = true;
        self.ws();
        if self.b.get(self.pos) == Some(&b']') {
            self.pos += 1;
            return Ok(Some(out));
        }
        loop {
            self.ws();
            if self.b.get(self.pos) == Some(&b'"') {
                let start = self.pos;
                let v = self.string()?;
                out.push((v, start, self.pos));
            } else {
                self.value(1)?;
                all_strings = false;
            }
            self.ws();
            match self.b.get(self.pos) {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    return Ok(all_strings.then_some(out));
                }
                _ => return Err(()),
            }
        }
    }

    fn value(&mut self, depth: usize) -> Result<(), ()> {
        if depth > JSON_MAX_DEPTH {
            return Err(());
        }
        self.ws();
        match self.b.get(self.pos) {
            Some(b'"') => self.string().map(|_| ()),
            Some(b'[') => {
                self.pos += 1;
                self.ws();
                if self.b.get(self.pos) == Some(&b']') {
                    self.pos += 1;
                    return Ok(());
                }
                loop {
                    self.value(depth + 1)?;
                    self.ws();
                    match self.b.get(self.pos) {
                        Some(b',') => self.pos += 1,
                        Some(b']') => {
                            self.pos += 1;
                            return Ok(());
                        }
                        _ => return Err(()),
                    }
                }
            }
            Some(b'{') => {
                self.pos += 1;
                self.ws();
                if self.b.get(self.pos) == Some(&b'}') {
                    self.pos += 1;
                    return Ok(());
                }
                loop {
                    self.ws();
                    if self.b.get(self.pos) != Some(&b'"') {
                        return Err(());
                    }
                    self.string()?;
                    self.ws();
                    if self.b.get(self.pos) != Some(&b':') {
                        return Err(());
                    }
                    self.pos += 1;
                    self.value(depth + 1)?;
                    self.ws();
                    match self.b.get(self.pos) {
                        Some(b',') => self.pos += 1,
                        Some(b'}') => {
                            self.pos += 1;
                            return Ok(());
                        }
                        _ => return Err(()),
                    }
                }
            }
            Some(b't') => self.literal("true"),
            Some(b'f') => self.literal("false"),
            Some(b'n') => self.literal("null"),
            Some(b'-' | b'0'..=b'9') => self.number(),
            _ => Err(()),
        }
    }

    fn literal(&mut self, lit: &str) -> Result<(), ()> {
        if self.s[self.pos..].starts_with(lit) {
            self.pos += lit.len();
            Ok(())
        } else {
            Err(())
        }
    }

    fn digits(&mut self) -> usize {
        let st = self.pos;
        while self.b.get(self.pos).is_some_and(u8::is_ascii_digit) {
            self.pos += 1;
        }
        self.pos - st
    }

    fn number(&mut self) -> Result<(), ()> {
        if self.b.get(self.pos) == Some(&b'-') {
            self.pos += 1;
        }
        match self.b.get(self.pos) {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => {
                self.digits();
            }
            _ => return Err(()),
        }
        if self.b.get(self.pos) == Some(&b'.') {
            self.pos += 1;
            if self.digits() == 0 {
                return Err(());
            }
        }
        if matches!(self.b.get(self.pos), Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(self.b.get(self.pos), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if self.digits() == 0 {
                return Err(());
            }
        }
        Ok(())
    }

    fn hex4(&mut self) -> Result<u32, ()> {
        let h = self.s.get(self.pos..self.pos + 4).ok_or(())?;
        if !h.bytes().all(|c| c.is_ascii_hexdigit()) {
            return Err(());
        }
        self.pos += 4;
        u32::from_str_radix(h, 16).map_err(|_| ())
    }

    fn string(&mut self) -> Result<String, ()> {
        self.pos += 1; // opening quote
        let mut out = String::new();
        loop {
            let rest = &self.s[self.pos..];
            let c = rest.chars().next().ok_or(())?;
            match c {
                '"' => {
                    self.pos += 1;
                    return Ok(out);
                }
                '\\' => {
                    self.pos += 1;
                    let e = *self.b.get(self.pos).ok_or(())?;
                    self.pos += 1;
                    match e {
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'/' => out.push('/'),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => {
                            let hi = self.hex4()?;
                            let ch = if (0xD800..0xDC00).contains(&hi) {
                                // A surrogate pair, or U+FFFD when the low half is missing.
                                if self.s[self.pos..].starts_with("\\u") {
                                    let save = self.pos;
                                    self.pos += 2;
                                    let lo = self.hex4()?;
                                    if (0xDC00..0xE000).contains(&lo) {
                                        char::from_u32(
                                            0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00),
                                        )
                                    } else {
                                        self.pos = save;
                                        None
                                    }
                                } else {
                                    None
                                }
                            } else {
                                char::from_u32(hi)
                            };
                            out.push(ch.unwrap_or('\u{FFFD}'));
                        }
                        _ => return Err(()),
                    }
                }
                c if (c as u32) < 0x20 => return Err(()),
                c => {
                    out.push(c);
                    self.pos += c.len_utf8();
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn continuation_rules() {
        assert_eq!(trim_continuation("RUN a \\", '\\'), ("RUN a ", true));
        assert_eq!(trim_continuation("RUN a \\  \t", '\\'), ("RUN a ", true));
        assert_eq!(trim_continuation("\\", '\\'), ("", true));
        // An escaped escape is not a continuation.
        assert_eq!(trim_continuation("a \\\\", '\\'), ("a \\\\", false));
        assert_eq!(trim_continuation("RUN a `", '`'), ("RUN a ", true));
        assert_eq!(trim_continuation("RUN a \\", '`'), ("RUN a \\", false));
        assert_eq!(trim_continuation("RUN a", '\\'), ("RUN a", false));
    }

    #[test]
    fn flags_are_extracted_like_buildkit() {
        let s = "--mount=type=cache,target=/x --network=none echo hi";
        let (rest, flags) = extract_flags(s);
        assert_eq!(&s[rest..], "echo hi");
        assert_eq!(flags.len(), 2);
        assert_eq!(flags[0].decoded, "--mount=type=cache,target=/x");
        assert_eq!(&s[flags[1].start..flags[1].end], "--network=none");
        let s = r#"--chown="a b" src dst"#;
        let (rest, flags) = extract_flags(s);
        assert_eq!(flags[0].decoded, "--chown=a b");
        assert_eq!(&s[rest..], "src dst");
        // `--` ends the flags.
        let (rest, flags) = extract_flags("--link -- --not-a-flag x");
        assert_eq!(flags.len(), 1);
        assert_eq!(rest, 9);
        assert_eq!(extract_flags("--link").0, 6);
        assert_eq!(extract_flags("echo --x").1.len(), 0);
        assert_eq!(extract_flags("-x").0, 0);
    }

    #[test]
    fn words_keep_quotes() {
        let s = r#"A="x y" B=1 C='q z'"#;
        let w: Vec<&str> = parse_words(s, '\\')
            .into_iter()
            .map(|(a, b)| &s[a..b])
            .collect();
        assert_eq!(w, vec![r#"A="x y""#, "B=1", "C='q z'"]);
        let s = r"A=a\ b C=d";
        let w: Vec<&str> = parse_words(s, '\\')
            .into_iter()
            .map(|(a, b)| &s[a..b])
            .collect();
        assert_eq!(w, vec![r"A=a\ b", "C=d"]);
        assert!(parse_words("  ", '\\').is_empty());
        assert_eq!(parse_words("\"\"", '\\'), vec![(0, 2)]);
    }

    #[test]
    fn heredoc_markers() {
        let m = parse_heredoc_marker("<<EOF").unwrap();
        assert_eq!(
            (m.name.as_str(), m.chomp, m.expand, m.fd),
            ("EOF", false, true, 0)
        );
        let m = parse_heredoc_marker("<<-'END'").unwrap();
        assert_eq!((m.name.as_str(), m.chomp, m.expand), ("END", true, false));
        let m = parse_heredoc_marker("2<<\"X\"").unwrap();
        assert_eq!((m.name.as_str(), m.fd, m.expand), ("X", 2, false));
        assert!(parse_heredoc_marker("<<<here").is_none());
        assert!(parse_heredoc_marker("<<").is_none());
        assert!(parse_heredoc_marker("a<<EOF").is_none());
        assert!(parse_heredoc_marker("\"<<EOF\"").is_none());
        assert!(parse_heredoc_marker("<<''").is_none());
    }

    #[test]
    fn heredoc_word_split() {
        let line = r#"RUN echo "<<X" a<<Y <<"Z" 'q r'"#;
        let w: Vec<&str> = heredoc_words(line)
            .unwrap()
            .into_iter()
            .map(|(a, b)| &line[a..b])
            .collect();
        assert_eq!(
            w,
            vec!["RUN", "echo", "\"<<X\"", "a<<Y", "<<\"Z\"", "'q r'"]
        );
        assert!(heredoc_words("RUN echo 'open <<EOF").is_none());
        assert!(heredoc_words("RUN echo ${ <<EOF").is_none());
    }

    #[test]
    fn json_arrays() {
        match parse_json_array(r#" ["a", "b\"c", "\u00e9"] tail"#) {
            JsonArray::Strings(v) => {
                let vals: Vec<&str> = v.iter().map(|x| x.0.as_str()).collect();
                assert_eq!(vals, vec!["a", "b\"c", "é"]);
                assert_eq!((v[0].1, v[0].2), (2, 5));
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(parse_json_array(r#"["a",]"#), JsonArray::Invalid);
        assert_eq!(parse_json_array("['a']"), JsonArray::Invalid);
        assert_eq!(parse_json_array(r#"["a""#), JsonArray::Invalid);
        assert_eq!(parse_json_array("echo [a]"), JsonArray::Invalid);
        assert_eq!(parse_json_array(r#"["a", 1]"#), JsonArray::NotStrings);
        assert_eq!(
            parse_json_array(r#"[{"a": [null, true, -1.5e3]}]"#),
            JsonArray::NotStrings
        );
        assert_eq!(parse_json_array("[]"), JsonArray::Strings(vec![]));
        let deep = "[".repeat(1000);
        assert_eq!(parse_json_array(&deep), JsonArray::Invalid);
    }
}
