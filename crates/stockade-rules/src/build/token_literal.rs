//! **What it finds.** A credential in a known token format written
//! anywhere in the Dockerfile: in `RUN` commands (URLs with tokens,
//! `echo … > .npmrc`, heredoc bodies, `sh -c` strings), `LABEL`s, `ENV`
//! and `ARG` values whose names say nothing about secrets, `CMD`,
//! `ENTRYPOINT`, `HEALTHCHECK`, `ADD` URLs, `COPY <<EOF` bodies and
//! `ONBUILD` instructions, in every stage. Formats: GitHub (`ghp_`, `gho_`,
//! `ghu_`, `ghs_`, `ghr_`, `github_pat_`), GitLab (`glpat-`), npm (`npm_`),
//! Slack (`xox?-`), Stripe live keys (`sk_live_`, `rk_live_`), Google API
//! keys (`AIza…`), private key blocks (`-----BEGIN … PRIVATE KEY-----` with
//! key material), and AWS access key ids (`AKIA…`/`ASIA…`) when a secret
//! access key is written in the same instruction. Documentation examples
//! (`…EXAMPLE`, `xxxx`) are not reported. A secret-named `ENV`/`ARG` is
//! SKD120's finding.
//!
//! **Why it matters.** A live credential in a Dockerfile is in source
//! control, in every build log and cache, and (for most instructions) in
//! the image history. Anyone who reads any of them can use it.
//!
//! **How to fix.** Revoke the credential now. Then pass it at build time
//! with `RUN --mount=type=secret` and at run time through the
//! orchestrator; never write it into the file.
//!
//! **Bad**
//! ```dockerfile
//! FROM alpine:3.22
//! RUN git clone https://oauth2:glpat-Ab1Cd2Ef3Gh4Ij5Kl6Mn@gitlab.com/acme/app.git
//! ```
//!
//! **Good**
//! ```dockerfile
//! FROM alpine:3.22
//! RUN --mount=type=secret,id=gitlab_token,env=GITLAB_TOKEN \
//!     git clone "https://oauth2:${GITLAB_TOKEN}@gitlab.com/acme/app.git"
//! ```

use crate::meta::{Ctx, FixKind, Rule, RuleMeta, Target};
use crate::util::commands::{RunScripts, all_words};
use crate::util::secrets::{find_tokens, has_aws_secret_shape, is_secret_name};
use crate::util::text::{sub_span, value_sub_span};
use std::collections::HashSet;
use stockade_core::{
    BuildSpec, Category, CommandForm, Finding, InstrKind, Instruction, Severity, Span,
};

pub static META: RuleMeta = RuleMeta {
    id: "SKD123",
    title: "Credential in a known token format in the Dockerfile",
    category: Category::Secrets,
    severity: Severity::Critical,
    aliases: &["passwords_and_secrets"],
    targets: &[Target::Build],
    fix: FixKind::None,
    source: include_str!("token_literal.rs"),
};

pub struct TokenLiteral;

/// The texts written in an instruction, each with its span (a match is
/// placed exactly inside it when it is written one-to-one).
fn pieces_of(instr: &Instruction, out: &mut Vec<(String, Span)>, depth: usize) {
    let mut text = |t: &str, s: Span| out.push((t.to_string(), s));
    match &instr.kind {
        InstrKind::Run(run) => {
            let rs = RunScripts::new(instr, run);
            let mut words: Vec<(String, Span)> = Vec::new();
            rs.walk(&mut |cx, _| {
                for w in all_words(cx.cmd) {
                    words.push((w.lossy(), w.span));
                }
            });
            for (t, s) in words {
                text(&t, s);
            }
            for h in &run.heredocs {
                text(&h.body.value, h.body.span);
            }
            if let Some(exec) = &run.exec {
                for e in exec {
                    text(&e.value, e.span);
                }
            }
        }
        InstrKind::Copy(c) => {
            for h in &c.heredocs {
                text(&h.body.value, h.body.span);
            }
            for s in &c.sources {
                text(s.value.display(), s.span);
            }
        }
        InstrKind::Env(kvs) | InstrKind::Label(kvs) => {
            let is_env = matches!(instr.kind, InstrKind::Env(_));
            for kv in kvs {
                if is_env && is_secret_name(&kv.key.value) {
                    continue;
                }
                if let Some(v) = &kv.value {
                    if v.value.known() == Some(v.value.raw.as_str()) {
                        text(&v.value.raw, v.span);
                    } else {
                        text(&v.value.raw, kv.span);
                    }
                }
            }
        }
        InstrKind::Arg(defs) => {
            for a in defs {
                if is_secret_name(&a.name.value) {
                    continue;
                }
                if let Some(d) = &a.default {
                    text(&d.value.raw, d.span);
                }
            }
        }
        InstrKind::Cmd(f) | InstrKind::Entrypoint(f) | InstrKind::Healthcheck(Some(f)) => match f {
            CommandForm::Exec(v) => {
                for e in v {
                    text(&e.value, e.span);
                }
            }
            CommandForm::Shell { text: t, .. } => text(&t.value, t.span),
        },
        InstrKind::Onbuild(inner) if depth < 4 => pieces_of(inner, out, depth + 1),
        _ => {}
    }
}

/// Reports the tokens in `t`, once per token text within an instruction
/// (`found`) and once per place (`seen`).
fn check_text(
    t: &str,
    span: Span,
    aws: bool,
    subject: &str,
    found: &mut HashSet<String>,
    seen: &mut HashSet<(u32, u32)>,
    out: &mut Vec<Finding>,
) {
    for m in find_tokens(t, aws) {
        let s = sub_span(span, t, m.start, m.end);
        if !found.insert(t[m.start..m.end].to_string()) || !seen.insert((s.start, s.end)) {
            continue;
        }
        out.push(META.finding(
            s,
            subject.to_string(),
            format!(
                "{} is written in the Dockerfile: it is in source control, build logs and the image history; revoke it",
                m.kind.describe()
            ),
        ));
    }
}

impl Rule for TokenLiteral {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_build(&self, spec: &BuildSpec, _cx: &Ctx, out: &mut Vec<Finding>) {
        let mut seen: HashSet<(u32, u32)> = HashSet::new();
        for a in &spec.global_args {
            if is_secret_name(&a.name.value) {
                continue;
            }
            if let Some(d) = &a.default {
                let t = &d.value.raw;
                let aws = has_aws_secret_shape(t);
                for m in find_tokens(t, aws) {
                    let s = value_sub_span(d, m.start, m.end);
                    if seen.insert((s.start, s.end)) {
                        out.push(META.finding(
                            s,
                            "before the first FROM",
                            format!(
                                "{} is written in the Dockerfile; revoke it",
                                m.kind.describe()
                            ),
                        ));
                    }
                }
            }
        }
        for stage in &spec.stages {
            let subject = stage.label();
            for instr in &stage.instructions {
                let mut pieces = Vec::new();
                pieces_of(instr, &mut pieces, 0);
                let aws = pieces.iter().any(|(t, _)| has_aws_secret_shape(t));
                // Words come before here-document bodies, so a token is
                // placed on its word when both hold it.
                let mut found = HashSet::new();
                for (t, s) in &pieces {
                    check_text(t, *s, aws, &subject, &mut found, &mut seen, out);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{flagged, run_build};

    const GH: &str = "ghp_aB3dE5gH7jK9mN1pQ3sT5vW7yZ9bC1dE3fG5";

    #[test]
    fn flags_tokens_everywhere() {
        let text = format!(
            "FROM alpine:3.22 AS b\nRUN git clone https://x:{GH}@github.com/o/r\nLABEL note=\"{GH}\"\nENV CONFIG={GH}\nFROM scratch\nCMD [\"app\", \"--token\", \"{GH}\"]\n"
        );
        let f = run_build(&TokenLiteral, &text);
        assert_eq!(flagged(&text, &f), vec![GH, GH, GH, GH]);
        assert!(f.iter().all(|f| f.severity == Severity::Critical));
    }

    #[test]
    fn flags_heredocs_and_sh_c() {
        let text = format!(
            "FROM alpine:3.22\nRUN <<EOF\necho '//registry.npmjs.org/:_authToken={GH}' > ~/.npmrc\nEOF\n"
        );
        assert_eq!(flagged(&text, &run_build(&TokenLiteral, &text)), vec![GH]);
        let text = format!("FROM alpine:3.22\nRUN python3 <<EOF\ntoken = '{GH}'\nEOF\n");
        assert_eq!(flagged(&text, &run_build(&TokenLiteral, &text)), vec![GH]);
        let text = format!(
            "FROM alpine:3.22\nRUN sh -c 'curl -H \"Authorization: token {GH}\" https://x.io'\n"
        );
        assert_eq!(flagged(&text, &run_build(&TokenLiteral, &text)), vec![GH]);
    }

    #[test]
    fn onbuild_and_add_urls() {
        let text = format!("FROM alpine:3.22\nONBUILD RUN echo {GH} > /t\n");
        assert_eq!(flagged(&text, &run_build(&TokenLiteral, &text)), vec![GH]);
        let text = format!("FROM alpine:3.22\nADD https://x:{GH}@example.com/a.tgz /a\n");
        assert_eq!(flagged(&text, &run_build(&TokenLiteral, &text)), vec![GH]);
    }

    #[test]
    fn aws_pair_in_one_instruction() {
        let text = "FROM alpine:3.22\nENV A=AKIAZ7VQ4M3KPL2XJ6WB B=wJalrXUtnFEMI/K7MDENG/bPxRfiCYzq8d3h6Tj2\n";
        assert_eq!(
            flagged(text, &run_build(&TokenLiteral, text)),
            vec!["AKIAZ7VQ4M3KPL2XJ6WB"]
        );
        let text = "FROM alpine:3.22\nENV A=AKIAZ7VQ4M3KPL2XJ6WB\n";
        assert!(run_build(&TokenLiteral, text).is_empty());
    }

    #[test]
    fn quiet_cases() {
        for text in [
            "FROM alpine:3.22\nRUN echo ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n".to_string(),
            "FROM alpine:3.22\nENV AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE\n".to_string(),
            format!("FROM alpine:3.22\nENV GITHUB_TOKEN={GH}\n"),
            "FROM alpine:3.22\nRUN git clone https://x:${GITHUB_TOKEN}@github.com/o/r\n"
                .to_string(),
        ] {
            assert!(run_build(&TokenLiteral, &text).is_empty(), "{text}");
        }
    }
}
