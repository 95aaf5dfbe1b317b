//! **What it finds.** The final image gets a sudoers rule with `NOPASSWD`:
//! a `RUN` that writes such a line to `/etc/sudoers` or `/etc/sudoers.d/*`
//! (`echo … >>`, `printf … | tee -a`, `cat <<EOF >`, `sed -i`, also inside
//! `sh -c "…"` and heredoc scripts), a `COPY <<EOF` into those paths, or a
//! `COPY`/`ADD` of a sudoers file into them. When the build context is
//! readable, a copied file is judged by its content; when it is not (or the
//! file comes from another stage), the finding says so at medium severity.
//! Builder stages are not judged: their sudoers files are not shipped.
//!
//! **Why it matters.** `NOPASSWD: ALL` turns any process running as that
//! user into root with one command: a non-root `USER` then protects
//! nothing. An attacker who gets code execution in the container is root.
//!
//! **How to fix.** Do not ship sudo rules in images. Do the privileged
//! work at build time (the build runs as root), then switch to an
//! unprivileged `USER`. If something must run as root at start-up, use an
//! entrypoint that drops privileges (`gosu`, `setpriv`) instead of sudo.
//!
//! **Bad**
//! ```dockerfile
//! FROM debian:12-slim
//! RUN apt-get update && apt-get install -y --no-install-recommends sudo \
//!  && useradd -m app \
//!  && echo 'app ALL=(ALL) NOPASSWD: ALL' > /etc/sudoers.d/app
//! USER app
//! ```
//!
//! **Good**
//! ```dockerfile
//! FROM debian:12-slim
//! RUN useradd -m -u 10001 app
//! USER 10001
//! ```

use crate::meta::{Ctx, FindingExt, FixKind, Rule, RuleMeta, Target};
use crate::util::commands::{file_writes, stage_runs};
use crate::util::stages::final_chain;
use crate::util::text::{find_word, sub_span};
use stockade_core::{BuildSpec, Category, Finding, Severity};

pub static META: RuleMeta = RuleMeta {
    id: "SKD103",
    title: "sudo rule with NOPASSWD in the image",
    category: Category::RootUser,
    severity: Severity::High,
    aliases: &[],
    targets: &[Target::Build],
    fix: FixKind::None,
    source: include_str!("sudoers_nopasswd.rs"),
};

pub struct SudoersNopasswd;

/// Whether a path is the sudoers file or a drop-in.
pub fn is_sudoers_path(p: &str) -> bool {
    let p = p.trim().trim_matches(['"', '\'']);
    p == "/etc/sudoers" || p.starts_with("/etc/sudoers.d") || p.ends_with("/sudoers")
}

/// For a `sed` expression, where `NOPASSWD` is *added* (the replacement of
/// `s///`, or text of `a`/`i`/`c`), not matched or deleted.
fn sed_adds_nopasswd(expr: &str) -> Option<usize> {
    let e = expr.trim_start();
    let lead = expr.len() - e.len();
    let b = e.as_bytes();
    // Skip an address (`/re/`, `$`, `1`) before the command.
    let mut i = 0;
    if b.first() == Some(&b'/') {
        i = 1;
        while i < b.len() && b[i] != b'/' {
            i += if b[i] == b'\\' { 2 } else { 1 };
        }
        i += 1;
    } else {
        while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'$' || b[i] == b',') {
            i += 1;
        }
    }
    while i < b.len() && b[i] == b' ' {
        i += 1;
    }
    match b.get(i) {
        Some(b's') if i + 1 < b.len() => {
            let d = b[i + 1];
            let mut fields = Vec::new();
            let mut j = i + 2;
            let mut start = j;
            while j < b.len() && fields.len() < 2 {
                if b[j] == b'\\' {
                    j += 2;
                    continue;
                }
                if b[j] == d {
                    fields.push((start, j));
                    start = j + 1;
                }
                j += 1;
            }
            if fields.len() < 2 {
                return None;
            }
            let (rs, re) = fields[1];
            let repl = e.get(rs..re)?;
            find_word(repl, "NOPASSWD").map(|k| lead + rs + k)
        }
        Some(b'a' | b'i' | b'c') => find_word(e.get(i..)?, "NOPASSWD").map(|k| lead + i + k),
        _ => None,
    }
}

impl Rule for SudoersNopasswd {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_build(&self, spec: &BuildSpec, cx: &Ctx, out: &mut Vec<Finding>) {
        for stage in final_chain(spec) {
            let subject = stage.label();
            for rs in stage_runs(stage) {
                for w in file_writes(&rs) {
                    if !is_sudoers_path(&w.path) {
                        continue;
                    }
                    let span = if w.sed {
                        w.pieces.iter().find_map(|(t, s)| {
                            sed_adds_nopasswd(t).map(|k| sub_span(*s, t, k, k + 8))
                        })
                    } else {
                        w.find("NOPASSWD")
                    };
                    if let Some(span) = span {
                        out.push(META.finding(
                            span,
                            subject.clone(),
                            format!(
                                "a `NOPASSWD` sudo rule is written to `{}`: any process of that user becomes root without a password",
                                w.path
                            ),
                        ));
                    }
                }
            }
            for (_, copy) in stage.copies() {
                let Some(dest) = &copy.dest else { continue };
                let dest_path = dest.value.display();
                if !is_sudoers_path(dest_path) {
                    continue;
                }
                for h in &copy.heredocs {
                    if let Some(k) = find_word(&h.body.value, "NOPASSWD") {
                        out.push(META.finding(
                            sub_span(h.body.span, &h.body.value, k, k + 8),
                            subject.clone(),
                            format!("a `NOPASSWD` sudo rule is copied to `{dest_path}`"),
                        ));
                    }
                }
                for src in &copy.sources {
                    let name = src.value.display();
                    let content = if copy.from.is_none() && !(copy.is_add && name.contains("://")) {
                        cx.read_context_file(spec, name, 64 * 1024)
                    } else {
                        None
                    };
                    match content {
                        Some(bytes) => {
                            let text = String::from_utf8_lossy(&bytes);
                            if find_word(&text, "NOPASSWD").is_some() {
                                out.push(META.finding(
                                    src.span,
                                    subject.clone(),
                                    format!("`{name}` holds a `NOPASSWD` sudo rule and is copied to `{dest_path}`"),
                                ));
                            }
                        }
                        None => out.push(
                            META.finding(
                                src.span,
                                subject.clone(),
                                format!(
                                    "`{name}` is copied to `{dest_path}`; its content is not at hand, so whether it grants `NOPASSWD` cannot be told"
                                ),
                            )
                            .with_severity(Severity::Medium),
                        ),
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{flagged, run_build};

    #[test]
    fn flags_nopasswd_writes() {
        for text in [
            "FROM debian:12\nRUN echo 'app ALL=(ALL) NOPASSWD: ALL' > /etc/sudoers.d/app\n",
            "FROM debian:12\nRUN echo \"app ALL=(ALL) NOPASSWD: ALL\" >> /etc/sudoers\n",
            "FROM debian:12\nRUN printf 'app ALL=(ALL) NOPASSWD: ALL\\n' | tee -a /etc/sudoers.d/app\n",
            "FROM debian:12\nRUN useradd app && \\\n    echo 'app ALL=(ALL) NOPASSWD: ALL' >> /etc/sudoers\n",
            "FROM debian:12\nRUN sh -c \"echo 'app ALL=(ALL) NOPASSWD: ALL' > /etc/sudoers.d/app\"\n",
            "FROM debian:12\nRUN sed -i 's/^# %wheel.*/%wheel ALL=(ALL) NOPASSWD: ALL/' /etc/sudoers\n",
        ] {
            let f = run_build(&SudoersNopasswd, text);
            assert_eq!(flagged(text, &f), vec!["NOPASSWD"], "{text}");
            assert_eq!(f[0].severity, Severity::High);
        }
    }

    #[test]
    fn variable_user_points_at_the_word() {
        let text = "FROM debian:12\nARG USERNAME=dev\nRUN useradd -m ${USERNAME} && \\\n  echo \"${USERNAME} ALL=(ALL) NOPASSWD:ALL\" >> /etc/sudoers\n";
        let f = run_build(&SudoersNopasswd, text);
        assert_eq!(f.len(), 1);
        assert!(flagged(text, &f)[0].contains("NOPASSWD:ALL"));
    }

    #[test]
    fn flags_heredocs() {
        let text = "FROM debian:12\nRUN <<EOF\ncat > /etc/sudoers.d/app <<'X'\napp ALL=(ALL) NOPASSWD: ALL\nX\nEOF\n";
        assert_eq!(
            flagged(text, &run_build(&SudoersNopasswd, text)),
            vec!["NOPASSWD"]
        );
        let text =
            "FROM debian:12\nCOPY <<EOF /etc/sudoers.d/app\napp ALL=(ALL) NOPASSWD: ALL\nEOF\n";
        assert_eq!(
            flagged(text, &run_build(&SudoersNopasswd, text)),
            vec!["NOPASSWD"]
        );
    }

    #[test]
    fn copied_file_without_context_is_medium() {
        let text = "FROM debian:12\nCOPY app.sudoers /etc/sudoers.d/app\n";
        let f = run_build(&SudoersNopasswd, text);
        assert_eq!(flagged(text, &f), vec!["app.sudoers"]);
        assert_eq!(f[0].severity, Severity::Medium);
    }

    #[test]
    fn quiet_cases() {
        for text in [
            // Password required.
            "FROM debian:12\nRUN echo 'app ALL=(ALL) ALL' > /etc/sudoers.d/app\n",
            // Removing NOPASSWD is the fix.
            "FROM debian:12\nRUN sed -i '/NOPASSWD/d' /etc/sudoers\n",
            "FROM debian:12\nRUN sed -i 's/NOPASSWD: //' /etc/sudoers\n",
            // Not a sudoers file.
            "FROM debian:12\nRUN echo 'NOPASSWD' > /tmp/notes\n",
            // Builder stage only.
            "FROM debian:12 AS b\nRUN echo 'a ALL=(ALL) NOPASSWD: ALL' > /etc/sudoers.d/a\nFROM debian:12\nCOPY --from=b /etc/hostname /x\n",
        ] {
            assert!(run_build(&SudoersNopasswd, text).is_empty(), "{text}");
        }
    }
}
