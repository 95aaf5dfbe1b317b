//! Remote `ADD` sources: HTTP(S) URLs and Git repositories, and whether a
//! Git source is pinned to a commit. Shared by the Dockerfile rule (SKD112)
//! and the image history rule.

/// A remote `ADD` source.
#[derive(Debug, PartialEq, Eq)]
pub enum Remote {
    Http {
        plain: bool,
    },
    /// `pinned`: the ref is a full commit id.
    Git {
        pinned: bool,
    },
}

/// Classifies an `ADD` source: `None` for a local path.
pub fn remote(src: &str) -> Option<Remote> {
    let lower = src.to_ascii_lowercase();
    let is_http = lower.starts_with("http://") || lower.starts_with("https://");
    let (base, fragment) = match src.split_once('#') {
        Some((b, f)) => (b, Some(f)),
        None => (src, None),
    };
    let base_l = base.to_ascii_lowercase();
    let git = lower.starts_with("git@")
        || lower.starts_with("git://")
        || lower.starts_with("ssh://")
        || base_l.ends_with(".git")
        || (is_http
            && fragment.is_some()
            && (base_l.contains("github.com/") || base_l.contains("gitlab.com/")));
    if git {
        let r = fragment.unwrap_or("").split(':').next().unwrap_or("");
        let pinned = (r.len() == 40 || r.len() == 64) && r.bytes().all(|b| b.is_ascii_hexdigit());
        return Some(Remote::Git { pinned });
    }
    if is_http {
        return Some(Remote::Http {
            plain: lower.starts_with("http://"),
        });
    }
    None
}
