//! A small Markdown-to-HTML renderer for rule documentation.
//!
//! It knows what the rule docs use: ATX headings, paragraphs, `**bold**`,
//! `*emphasis*`, `` `code` ``, fenced code blocks, bullet and numbered
//! lists, pipe tables, and `[text](https://…)` links. Everything else is
//! text. Every character of the input is escaped; the only tags in the
//! output are the ones this module writes, and links are kept only for
//! `http:`/`https:` targets. It runs in one pass over the lines, without
//! recursion, so hostile input costs linear time.

use crate::text;

/// Escapes text for HTML element content and attribute values, and
/// replaces characters that could disguise what is shown (C0/C1 controls
/// other than tab and newline, bidirectional overrides).
pub(crate) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 8);
    escape_into(&mut out, s);
    out
}

pub(crate) fn escape_into(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' | '\n' => out.push(c),
            c => out.push(text::replacement(c).unwrap_or(c)),
        }
    }
}

/// Escapes a one-line message, turning its `` `code` `` spans into
/// `<code>` elements (rule messages quote what they found that way).
/// Nothing else is interpreted.
pub(crate) fn message_to_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 16);
    let mut rest = s;
    while let Some(open) = rest.find('`') {
        let after = &rest[open + 1..];
        let Some(close) = after.find('`') else {
            break;
        };
        if close == 0 {
            escape_into(&mut out, &rest[..open + 2]);
            rest = &rest[open + 2..];
            continue;
        }
        escape_into(&mut out, &rest[..open]);
        out.push_str("<code>");
        escape_into(&mut out, &after[..close]);
        out.push_str("</code>");
        rest = &after[close + 1..];
    }
    escape_into(&mut out, rest);
    out
}

/// How far inline delimiters look for their closing partner, in chars.
/// Keeps hostile input linear; rule docs never come near it.
const LOOKAHEAD: usize = 1024;

/// Heading levels in the output start here (`#` becomes `<h4>`), so a doc
/// sits under the page's own headings.
const HEADING_BASE: usize = 3;

/// Renders `md` to an HTML fragment.
pub(crate) fn to_html(md: &str) -> String {
    let lines: Vec<&str> = md.lines().collect();
    let mut out = String::with_capacity(md.len() * 2);
    let mut para: Vec<&str> = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        let t = line.trim();
        if let Some((fence_char, fence_len, info)) = fence_open(t) {
            flush_para(&mut out, &mut para);
            let mut body: Vec<&str> = Vec::new();
            i += 1;
            while i < lines.len() {
                let c = lines[i].trim();
                if is_fence_close(c, fence_char, fence_len) {
                    break;
                }
                body.push(lines[i]);
                i += 1;
            }
            i += 1; // the closing fence (or past the end)
            out.push_str("<pre><code");
            let lang: String = info
                .split_whitespace()
                .next()
                .unwrap_or("")
                .chars()
                .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '+'))
                .take(32)
                .collect();
            if !lang.is_empty() {
                out.push_str(" class=\"language-");
                out.push_str(&lang);
                out.push('"');
            }
            out.push('>');
            for (n, b) in body.iter().enumerate() {
                if n > 0 {
                    out.push('\n');
                }
                escape_into(&mut out, b);
            }
            out.push_str("</code></pre>\n");
            continue;
        }
        if t.is_empty() {
            flush_para(&mut out, &mut para);
            i += 1;
            continue;
        }
        if let Some((level, title)) = heading(t) {
            flush_para(&mut out, &mut para);
            let n = (level + HEADING_BASE).min(6);
            out.push_str(&format!("<h{n}>"));
            inline_into(&mut out, title);
            out.push_str(&format!("</h{n}>\n"));
            i += 1;
            continue;
        }
        if t.starts_with('|') && i + 1 < lines.len() && is_table_delimiter(lines[i + 1].trim()) {
            flush_para(&mut out, &mut para);
            let head = table_cells(t);
            let aligns: Vec<&'static str> = table_cells(lines[i + 1].trim())
                .iter()
                .map(|c| {
                    let c = c.trim();
                    match (c.starts_with(':'), c.ends_with(':')) {
                        (true, true) => "center",
                        (false, true) => "right",
                        _ => "",
                    }
                })
                .collect();
            out.push_str("<table>\n<thead><tr>");
            for (k, cell) in head.iter().enumerate() {
                cell_into(&mut out, "th", cell, aligns.get(k).copied().unwrap_or(""));
            }
            out.push_str("</tr></thead>\n<tbody>\n");
            i += 2;
            while i < lines.len() && lines[i].trim().starts_with('|') {
                out.push_str("<tr>");
                let cells = table_cells(lines[i].trim());
                for k in 0..head.len().max(1) {
                    let cell = cells.get(k).map(String::as_str).unwrap_or("");
                    cell_into(&mut out, "td", cell, aligns.get(k).copied().unwrap_or(""));
                }
                out.push_str("</tr>\n");
                i += 1;
            }
            out.push_str("</tbody>\n</table>\n");
            continue;
        }
        if let Some((ordered, _)) = list_item(line) {
            flush_para(&mut out, &mut para);
            let tag = if ordered { "ol" } else { "ul" };
            out.push_str(&format!("<{tag}>\n"));
            let mut item: Vec<&str> = Vec::new();
            while i < lines.len() {
                let l = lines[i];
                match list_item(l) {
                    Some((o, body)) if o == ordered => {
                        flush_item(&mut out, &mut item);
                        item.push(body);
                    }
                    Some(_) => break,
                    None => {
                        // An indented line continues the item; anything else ends the list.
                        if !l.trim().is_empty() && l.starts_with([' ', '\t']) && !item.is_empty() {
                            item.push(l.trim());
                        } else {
                            break;
                        }
                    }
                }
                i += 1;
            }
            flush_item(&mut out, &mut item);
            out.push_str(&format!("</{tag}>\n"));
            continue;
        }
        para.push(t);
        i += 1;
    }
    flush_para(&mut out, &mut para);
    out
}

fn flush_para(out: &mut String, para: &mut Vec<&str>) {
    if para.is_empty() {
        return;
    }
    out.push_str("<p>");
    inline_into(out, &para.join("\n"));
    out.push_str("</p>\n");
    para.clear();
}

fn flush_item(out: &mut String, item: &mut Vec<&str>) {
    if item.is_empty() {
        return;
    }
    out.push_str("<li>");
    inline_into(out, &item.join("\n"));
    out.push_str("</li>\n");
    item.clear();
}

fn cell_into(out: &mut String, tag: &str, cell: &str, align: &str) {
    if align.is_empty() {
        out.push_str(&format!("<{tag}>"));
    } else {
        out.push_str(&format!("<{tag} class=\"{align}\">"));
    }
    inline_into(out, cell.trim());
    out.push_str(&format!("</{tag}>"));
}

/// ```` ```lang ```` or `~~~`: the fence character, its length and the info string.
fn fence_open(t: &str) -> Option<(char, usize, &str)> {
    let c = t.chars().next()?;
    if c != '`' && c != '~' {
        return None;
    }
    let n = t.chars().take_while(|&x| x == c).count();
    if n < 3 {
        return None;
    }
    let info = &t[n..];
    if c == '`' && info.contains('`') {
        return None;
    }
    Some((c, n, info.trim()))
}

fn is_fence_close(t: &str, c: char, len: usize) -> bool {
    let n = t.chars().take_while(|&x| x == c).count();
    n >= len && t[n * c.len_utf8()..].trim().is_empty()
}

fn heading(t: &str) -> Option<(usize, &str)> {
    let n = t.chars().take_while(|&c| c == '#').count();
    if n == 0 || n > 6 {
        return None;
    }
    let rest = &t[n..];
    if rest.is_empty() {
        return Some((n, ""));
    }
    if !rest.starts_with([' ', '\t']) {
        return None;
    }
    let title = rest.trim();
    // A closing run of `#` is not part of the title.
    let title = title.trim_end_matches('#').trim_end();
    Some((n, title))
}

fn list_item(line: &str) -> Option<(bool, &str)> {
    let t = line.trim_start();
    if line.len() - t.len() > 3 {
        return None;
    }
    for marker in ["- ", "* ", "+ "] {
        if let Some(rest) = t.strip_prefix(marker) {
            return Some((false, rest.trim()));
        }
    }
    let digits = t.chars().take_while(char::is_ascii_digit).count();
    if (1..=9).contains(&digits) {
        let rest = &t[digits..];
        if let Some(body) = rest.strip_prefix(". ").or_else(|| rest.strip_prefix(") ")) {
            return Some((true, body.trim()));
        }
    }
    None
}

fn is_table_delimiter(t: &str) -> bool {
    t.starts_with('|')
        && t.contains('-')
        && t.chars().all(|c| matches!(c, '|' | '-' | ':' | ' ' | '\t'))
}

/// The cells of a `| a | b |` row. Pipes inside code spans and escaped
/// pipes (`\|`) do not split.
fn table_cells(t: &str) -> Vec<String> {
    let inner = t.strip_prefix('|').unwrap_or(t);
    let mut cells = Vec::new();
    let mut cur = String::new();
    let mut chars = inner.chars().peekable();
    let mut code_ticks = 0usize;
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'|') => {
                cur.push('|');
                chars.next();
            }
            '`' => {
                let mut n = 1;
                while chars.peek() == Some(&'`') {
                    chars.next();
                    n += 1;
                }
                if code_ticks == 0 {
                    code_ticks = n;
                } else if code_ticks == n {
                    code_ticks = 0;
                }
                cur.push_str(&"`".repeat(n));
            }
            '|' if code_ticks == 0 => cells.push(std::mem::take(&mut cur)),
            c => cur.push(c),
        }
    }
    if !cur.trim().is_empty() {
        cells.push(cur);
    }
    cells
}

/// Inline Markdown: code spans, bold, emphasis, links, backslash escapes.
fn inline_into(out: &mut String, s: &str) {
    let chars: Vec<char> = s.chars().collect();
    let n = chars.len();
    let mut i = 0;
    let mut bold = false;
    let mut em: Option<char> = None;
    while i < n {
        let c = chars[i];
        match c {
            '\\' if i + 1 < n && chars[i + 1].is_ascii_punctuation() => {
                escape_into(out, &chars[i + 1].to_string());
                i += 2;
            }
            '`' => {
                let run = count_run(&chars, i, '`');
                if let Some(close) = find_run(&chars, i + run, '`', run) {
                    let mut code: String = chars[i + run..close].iter().collect();
                    code = code.replace('\n', " ");
                    if code.len() >= 2
                        && code.starts_with(' ')
                        && code.ends_with(' ')
                        && !code.trim().is_empty()
                    {
                        code = code[1..code.len() - 1].to_string();
                    }
                    out.push_str("<code>");
                    escape_into(out, &code);
                    out.push_str("</code>");
                    i = close + run;
                } else {
                    for _ in 0..run {
                        out.push('`');
                    }
                    i += run;
                }
            }
            '*' | '_' if i + 1 < n && chars[i + 1] == c => {
                if bold {
                    out.push_str("</strong>");
                    bold = false;
                    i += 2;
                } else if i + 2 < n
                    && !chars[i + 2].is_whitespace()
                    && has_closer(&chars, i + 2, c, 2)
                {
                    out.push_str("<strong>");
                    bold = true;
                    i += 2;
                } else {
                    escape_into(out, &format!("{c}{c}"));
                    i += 2;
                }
            }
            '*' | '_' => {
                let prev_word = i > 0 && chars[i - 1].is_alphanumeric();
                let next_word = i + 1 < n && chars[i + 1].is_alphanumeric();
                let next_ok = i + 1 < n && !chars[i + 1].is_whitespace();
                if em == Some(c)
                    && i > 0
                    && !chars[i - 1].is_whitespace()
                    && (c == '*' || !next_word)
                {
                    out.push_str("</em>");
                    em = None;
                } else if em.is_none() && !prev_word && next_ok && has_closer(&chars, i + 1, c, 1) {
                    out.push_str("<em>");
                    em = Some(c);
                } else {
                    out.push(c);
                }
                i += 1;
            }
            '[' => {
                if let Some((text_end, url_end)) = link_at(&chars, i) {
                    let label: String = chars[i + 1..text_end].iter().collect();
                    let url: String = chars[text_end + 2..url_end].iter().collect();
                    let url = url.trim();
                    let lower = url.to_ascii_lowercase();
                    if lower.starts_with("https://") || lower.starts_with("http://") {
                        out.push_str("<a href=\"");
                        escape_into(out, url);
                        out.push_str("\" rel=\"noopener noreferrer\">");
                        escape_into(out, &label);
                        out.push_str("</a>");
                    } else {
                        escape_into(out, &label);
                    }
                    i = url_end + 1;
                } else {
                    out.push('[');
                    i += 1;
                }
            }
            c => {
                escape_into(out, &c.to_string());
                i += 1;
            }
        }
    }
    if em.is_some() {
        out.push_str("</em>");
    }
    if bold {
        out.push_str("</strong>");
    }
}

fn count_run(chars: &[char], i: usize, c: char) -> usize {
    chars[i..].iter().take_while(|&&x| x == c).count()
}

/// The index of the next run of exactly `len` `c`s at or after `from`.
fn find_run(chars: &[char], from: usize, c: char, len: usize) -> Option<usize> {
    let mut j = from;
    let end = chars.len().min(from.saturating_add(LOOKAHEAD));
    while j < end {
        if chars[j] == c {
            let run = count_run(chars, j, c);
            if run == len {
                return Some(j);
            }
            j += run;
        } else {
            j += 1;
        }
    }
    None
}

/// Whether a closing delimiter (`len` `c`s after a non-space) follows.
fn has_closer(chars: &[char], from: usize, c: char, len: usize) -> bool {
    let mut j = from;
    let end = chars.len().min(from.saturating_add(LOOKAHEAD));
    while j + len <= end {
        if chars[j] == '`' {
            // Delimiters inside code spans do not count.
            let run = count_run(chars, j, '`');
            match find_run(chars, j + run, '`', run) {
                Some(close) => j = close + run,
                None => j += run,
            }
            continue;
        }
        if chars[j..j + len].iter().all(|&x| x == c)
            && j > from
            && !chars[j - 1].is_whitespace()
            && (len == 2 || chars.get(j + 1) != Some(&c))
        {
            return true;
        }
        j += 1;
    }
    false
}

/// `[text](url)` starting at `i`: the index of `]` and of `)`.
fn link_at(chars: &[char], i: usize) -> Option<(usize, usize)> {
    let window = |from: usize| &chars[from.min(chars.len())..chars.len().min(from + LOOKAHEAD)];
    let close = window(i + 1).iter().position(|&c| c == ']' || c == '[')? + i + 1;
    if chars[close] != ']' || chars.get(close + 1) != Some(&'(') {
        return None;
    }
    let end = window(close + 2).iter().position(|&c| c == ')')? + close + 2;
    if chars[close + 2..end]
        .iter()
        .any(|c| c.is_whitespace() && *c != ' ')
    {
        return None;
    }
    Some((close, end))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_everything() {
        assert_eq!(
            escape("<script>alert('x')</script> & \""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;"
        );
        assert_eq!(escape("a\u{202e}b\u{1b}"), "a\u{fffd}b\u{241b}");
        assert_eq!(
            to_html("<img src=x onerror=alert(1)>"),
            "<p>&lt;img src=x onerror=alert(1)&gt;</p>\n"
        );
    }

    #[test]
    fn messages_get_code_spans_only() {
        assert_eq!(
            message_to_html("service `app` runs *privileged* <b>"),
            "service <code>app</code> runs *privileged* &lt;b&gt;"
        );
        assert_eq!(
            message_to_html("a `<x>` b `c"),
            "a <code>&lt;x&gt;</code> b `c"
        );
        assert_eq!(message_to_html("``x"), "``x");
    }

    #[test]
    fn blocks() {
        let html = to_html(
            "# Title\n\nSome **bold** and `code` text\nsecond line.\n\n```dockerfile\nUSER <root>\n```\n\n## Fix\n- one\n- two `x`\n  continued\n\n1. first\n2. second\n",
        );
        assert!(html.contains("<h4>Title</h4>"), "{html}");
        assert!(
            html.contains(
                "<p>Some <strong>bold</strong> and <code>code</code> text\nsecond line.</p>"
            ),
            "{html}"
        );
        assert!(
            html.contains(
                "<pre><code class=\"language-dockerfile\">USER &lt;root&gt;</code></pre>"
            ),
            "{html}"
        );
        assert!(html.contains("<h5>Fix</h5>"), "{html}");
        assert!(
            html.contains("<ul>\n<li>one</li>\n<li>two <code>x</code>\ncontinued</li>\n</ul>"),
            "{html}"
        );
        assert!(
            html.contains("<ol>\n<li>first</li>\n<li>second</li>\n</ol>"),
            "{html}"
        );
    }

    #[test]
    fn tables() {
        let html =
            to_html("| path | writable |\n|---|---:|\n| `/` | critical |\n| `a|b` | x \\| y |\n");
        assert!(
            html.contains("<thead><tr><th>path</th><th class=\"right\">writable</th></tr></thead>"),
            "{html}"
        );
        assert!(
            html.contains("<tr><td><code>/</code></td><td class=\"right\">critical</td></tr>"),
            "{html}"
        );
        assert!(
            html.contains("<td><code>a|b</code></td><td class=\"right\">x | y</td>"),
            "{html}"
        );
        // A pipe line without a delimiter row is a paragraph.
        assert_eq!(to_html("| a |\nb"), "<p>| a |\nb</p>\n");
    }

    #[test]
    fn inline_edge_cases() {
        assert_eq!(to_html("hold *about* a"), "<p>hold <em>about</em> a</p>\n");
        assert_eq!(
            to_html("`*_PASSWORD` and 2 * 3"),
            "<p><code>*_PASSWORD</code> and 2 * 3</p>\n"
        );
        assert_eq!(to_html("snake_case_name"), "<p>snake_case_name</p>\n");
        assert_eq!(to_html("``a`b``"), "<p><code>a`b</code></p>\n");
        assert_eq!(to_html("unclosed `tick"), "<p>unclosed `tick</p>\n");
        assert_eq!(to_html("**open"), "<p>**open</p>\n");
        assert_eq!(
            to_html("[docs](https://docs.docker.com/x?a=1&b=\"2\")"),
            "<p><a href=\"https://docs.docker.com/x?a=1&amp;b=&quot;2&quot;\" rel=\"noopener noreferrer\">docs</a></p>\n"
        );
        assert_eq!(to_html("[x](javascript:alert(1))"), "<p>x)</p>\n");
        assert_eq!(to_html("\\*not em\\*"), "<p>*not em*</p>\n");
    }

    #[test]
    fn unclosed_fence_runs_to_the_end_and_hostile_input_is_linear() {
        assert_eq!(to_html("```\n<b>\n"), "<pre><code>&lt;b&gt;</code></pre>\n");
        let bomb = "*".repeat(20_000) + &"`".repeat(20_000) + &"[".repeat(20_000);
        let t = std::time::Instant::now();
        let html = to_html(&bomb);
        assert!(html.starts_with("<p>") && html.ends_with("</p>\n"));
        let spaced = "*a ".repeat(30_000) + &"_b ".repeat(30_000);
        let html = to_html(&spaced);
        assert!(!html.contains("<em>"), "no closer, no emphasis");
        assert!(t.elapsed().as_secs() < 10, "took {:?}", t.elapsed());
    }
}
