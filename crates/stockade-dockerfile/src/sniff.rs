//! Content sniffing for files whose name does not say they are Dockerfiles.

/// `true` when `text` reads like a Dockerfile: the first line that is not
/// blank or a comment (directives are comments) is a plausible `FROM` or
/// `ARG` instruction, and a plausible `FROM` line exists.
pub fn looks_like_dockerfile(text: &str) -> bool {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut first = true;
    for line in text.lines() {
        let t = line.trim();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        let (word, rest) = match t.split_once([' ', '\t']) {
            Some((w, r)) => (w, r.trim()),
            None => (t, ""),
        };
        if first {
            first = false;
            let ok = (word.eq_ignore_ascii_case("ARG") && plausible_arg(rest))
                || (word.eq_ignore_ascii_case("FROM") && plausible_from(rest));
            if !ok {
                return false;
            }
        }
        if word.eq_ignore_ascii_case("FROM") && plausible_from(rest) {
            return true;
        }
    }
    false
}

/// `NAME[=value]` (possibly several).
fn plausible_arg(rest: &str) -> bool {
    let Some(first) = rest.split_whitespace().next() else {
        return false;
    };
    let name = first.split('=').next().unwrap_or("");
    let mut b = name.bytes();
    b.next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == b'_')
        && b.all(|c| c.is_ascii_alphanumeric() || c == b'_')
}

/// `[--platform=…] image [AS name]` with an image-like reference.
fn plausible_from(rest: &str) -> bool {
    let words: Vec<&str> = rest
        .split_whitespace()
        .filter(|w| !w.starts_with("--"))
        .collect();
    let image_ok = |w: &str| {
        w.bytes()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == b'$')
            && w.bytes()
                .all(|c| c.is_ascii_alphanumeric() || b"._-/:@${}".contains(&c))
    };
    match words.as_slice() {
        [img] => image_ok(img),
        [img, as_kw, name] => {
            image_ok(img)
                && as_kw.eq_ignore_ascii_case("as")
                && name
                    .bytes()
                    .all(|c| c.is_ascii_alphanumeric() || b"-_.".contains(&c))
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_dockerfiles() {
        assert!(looks_like_dockerfile("FROM alpine:3.20\nRUN true\n"));
        assert!(looks_like_dockerfile(
            "\u{feff}# syntax=docker/dockerfile:1\n\nfrom node:20 as build\n"
        ));
        assert!(looks_like_dockerfile("ARG BASE=debian\nFROM ${BASE}:12\n"));
        assert!(looks_like_dockerfile(
            "FROM --platform=$BUILDPLATFORM golang AS b\n"
        ));
    }

    #[test]
    fn rejects_other_text() {
        for t in [
            "",
            "# only comments\n",
            "From: someone@example.com\nSubject: hi\n",
            "from here we go\nand on\n",
            "ARG x\nRUN only\n",
            "RUN apt-get update\nFROM x\n",
            "hello world\nFROM alpine\n",
            "{\"json\": true}",
            "FROM\n",
            "ARG\nFROM a\n",
        ] {
            assert!(!looks_like_dockerfile(t), "{t:?}");
        }
    }
}
