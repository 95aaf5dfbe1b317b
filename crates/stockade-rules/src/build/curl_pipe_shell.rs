//! **What it finds.** A `RUN` that executes code straight from the network:
//! a download piped into an interpreter (`curl … | sh`, `wget -qO- … |
//! bash`, `curl … | sudo bash -s --`, `| python3 -`, `| perl`), or
//! substituted into one (`sh -c "$(curl …)"`, `bash <(curl …)`,
//! `source <(curl …)`, `. <(wget -O- …)`, `eval "$(curl …)"`), in any
//! position of any `RUN` (inside `&&` chains, subshells, `sh -c` strings and
//! heredoc scripts), and the same through a variable that holds the
//! download (`script=$(curl …)` then `bash <(echo "$script")`, `bash -c
//! "$script"`, `echo "$script" | sh`), and PowerShell's
//! `iex ((New-Object Net.WebClient).DownloadString('https://…'))` or
//! `irm https://… | iex` in Windows images. These are high. A script
//! downloaded to a file and run
//! in the same `RUN` with no checksum or signature check there
//! (`sha256sum -c`, `gpg --verify`, `cosign`, `minisign`…) is medium.
//! Every stage is judged: a compromised builder poisons the final image.
//!
//! **Why it matters.** The build runs whatever the server sends, as root,
//! with no record of what it was. A compromised host, a hijacked domain or
//! a hostile mirror gets code execution in your build and a foothold in
//! every image it produces; a truncated download can run half a script.
//!
//! **How to fix.** Download to a file, check it against a checksum or
//! signature you pinned in the Dockerfile, then run it. Better, install
//! from the distribution's signed packages or copy a pinned binary.
//!
//! **Bad**
//! ```dockerfile
//! FROM debian:12-slim
//! RUN curl -fsSL https://get.example.com/install.sh | sh
//! ```
//!
//! **Good**
//! ```dockerfile
//! FROM debian:12-slim
//! ARG INSTALL_SHA256=9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
//! RUN curl -fsSLo /tmp/install.sh https://get.example.com/v1.2/install.sh \
//!  && echo "${INSTALL_SHA256}  /tmp/install.sh" | sha256sum -c - \
//!  && sh /tmp/install.sh && rm /tmp/install.sh
//! ```

use crate::meta::{Ctx, FindingExt, FixKind, Rule, RuleMeta, Target};
use crate::util::commands::stage_runs;
use crate::util::remote_exec::{powershell_remote_exec, remote_exec};
use std::collections::HashSet;
use stockade_core::{BuildSpec, Category, Finding, InstrKind, Severity, Span};

/// `powershell`, `pwsh`, `powershell.exe`, `C:\…\powershell.exe`.
fn is_powershell(program: &str) -> bool {
    let base = program
        .rsplit(['\\', '/'])
        .next()
        .unwrap_or(program)
        .to_ascii_lowercase();
    let base = base.strip_suffix(".exe").unwrap_or(&base);
    matches!(base, "powershell" | "pwsh")
}

pub static META: RuleMeta = RuleMeta {
    id: "SKD113",
    title: "Remote script piped or substituted into a shell",
    category: Category::Provenance,
    severity: Severity::High,
    aliases: &[],
    targets: &[Target::Build],
    fix: FixKind::None,
    source: include_str!("curl_pipe_shell.rs"),
};

pub struct CurlPipeShell;

impl Rule for CurlPipeShell {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_build(&self, spec: &BuildSpec, _cx: &Ctx, out: &mut Vec<Finding>) {
        let mut seen: HashSet<Span> = HashSet::new();
        for stage in crate::util::stages::needed(spec) {
            for rs in stage_runs(stage) {
                for hit in remote_exec(&rs, &mut seen) {
                    out.push(
                        META.finding(hit.span, stage.label(), hit.message)
                            .with_severity(hit.severity),
                    );
                }
            }
            // PowerShell `RUN`s (Windows images): `iex (… DownloadString …)`.
            let mut powershell = false;
            for i in &stage.instructions {
                match &i.kind {
                    InstrKind::Shell(argv) => {
                        powershell = argv.first().is_some_and(|a| is_powershell(&a.value));
                    }
                    InstrKind::Run(r) => {
                        let Some(text) = &r.text else { continue };
                        let invokes = text
                            .value
                            .split_whitespace()
                            .next()
                            .is_some_and(is_powershell);
                        if (powershell || invokes)
                            && powershell_remote_exec(&text.value)
                            && seen.insert(text.span)
                        {
                            out.push(META.finding(
                                text.span,
                                stage.label(),
                                "a download is run by PowerShell's `Invoke-Expression` (`iex`): code from the network runs unverified in the build",
                            ));
                        }
                    }
                    _ => {}
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
    fn flags_pipes() {
        for (text, want) in [
            (
                "FROM debian:12\nRUN curl -fsSL https://x.io/i.sh | sh\n",
                "curl -fsSL https://x.io/i.sh | sh",
            ),
            (
                "FROM debian:12\nRUN wget -qO- https://x.io/i.sh | bash\n",
                "wget -qO- https://x.io/i.sh | bash",
            ),
            (
                "FROM debian:12\nRUN wget -O - https://x.io/i.sh | sudo bash -s -- -v 1\n",
                "wget -O - https://x.io/i.sh | sudo bash -s -- -v 1",
            ),
            (
                "FROM debian:12\nRUN curl -sSL https://install.python-poetry.org | python3 -\n",
                "curl -sSL https://install.python-poetry.org | python3 -",
            ),
            (
                "FROM debian:12\nRUN apt-get update && curl -L https://x.io/i.pl | perl && true\n",
                "curl -L https://x.io/i.pl | perl",
            ),
            (
                "FROM debian:12\nRUN set -e; \\\n  curl https://x.io/i.sh \\\n  | tee /tmp/log | sh\n",
                "curl https://x.io/i.sh \\\n  | tee /tmp/log | sh",
            ),
            (
                "FROM debian:12 AS b\nRUN sh -c 'curl -fsSL https://x.io/i.sh | sh'\nFROM scratch\nCOPY --from=b /a /a\n",
                "curl -fsSL https://x.io/i.sh | sh",
            ),
            (
                "FROM rust:1.83\nRUN curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y\n",
                "curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y",
            ),
            (
                "FROM debian:12\nRUN <<EOF\ncurl -fsSL https://x.io/i.sh | bash\nEOF\n",
                "curl -fsSL https://x.io/i.sh | bash",
            ),
        ] {
            let f = run_build(&CurlPipeShell, text);
            assert_eq!(flagged(text, &f), vec![want], "{text}");
            assert_eq!(f[0].severity, Severity::High);
        }
    }

    #[test]
    fn flags_substitutions() {
        for (text, want) in [
            (
                "FROM debian:12\nRUN sh -c \"$(curl -fsSL https://x.io/i.sh)\"\n",
                "\"$(curl -fsSL https://x.io/i.sh)\"",
            ),
            (
                "FROM debian:12\nRUN bash <(curl -fsSL https://x.io/i.sh)\n",
                "<(curl -fsSL https://x.io/i.sh)",
            ),
            (
                "FROM debian:12\nRUN source <(curl -s https://x.io/env)\n",
                "<(curl -s https://x.io/env)",
            ),
            (
                "FROM debian:12\nRUN . <(wget -qO- https://x.io/env)\n",
                "<(wget -qO- https://x.io/env)",
            ),
            (
                "FROM debian:12\nRUN eval \"$(curl -s https://x.io/env)\"\n",
                "\"$(curl -s https://x.io/env)\"",
            ),
        ] {
            let f = run_build(&CurlPipeShell, text);
            assert_eq!(flagged(text, &f), vec![want], "{text}");
            assert_eq!(f[0].severity, Severity::High);
        }
    }

    #[test]
    fn flags_downloads_kept_in_a_variable() {
        for (text, want) in [
            (
                "FROM debian:12\nRUN script=$(curl -fsSL https://x.io/env.sh) && bash <(echo \"$script\") cleanup\n",
                "<(echo \"$script\")",
            ),
            (
                "FROM debian:12\nRUN <<EOF\nset -e\nscript=\"$(wget -qO- https://x.io/i.sh)\"\nbash -c \"$script\"\nEOF\n",
                "\"$script\"",
            ),
            (
                "FROM debian:12\nRUN export S=$(curl -s https://x.io/i.sh); echo \"$S\" | sh\n",
                "echo \"$S\" | sh",
            ),
        ] {
            let f = run_build(&CurlPipeShell, text);
            assert_eq!(flagged(text, &f), vec![want], "{text}");
            assert_eq!(f[0].severity, Severity::High);
        }
    }

    #[test]
    fn flags_powershell_invoke_expression() {
        for text in [
            "FROM mcr.microsoft.com/windows/servercore:ltsc2022\nSHELL [\"powershell\", \"-Command\"]\nRUN Set-ExecutionPolicy Bypass -Scope Process -Force; iex ((New-Object System.Net.WebClient).DownloadString('https://x.io/install.ps1'))\n",
            "FROM mcr.microsoft.com/windows/servercore:ltsc2022\nRUN powershell -Command \"irm https://x.io/install.ps1 | iex\"\n",
            "FROM mcr.microsoft.com/powershell:lts\nSHELL [\"pwsh\", \"-c\"]\nRUN Invoke-Expression (Invoke-WebRequest -UseBasicParsing https://x.io/i.ps1).Content\n",
        ] {
            let f = run_build(&CurlPipeShell, text);
            assert_eq!(f.len(), 1, "{text}: {f:?}");
            assert_eq!(f[0].severity, Severity::High);
            assert!(f[0].message.contains("Invoke-Expression"));
        }
        // Downloading to a file, and `iex` without a download, are not this.
        for text in [
            "FROM mcr.microsoft.com/windows/servercore:ltsc2022\nSHELL [\"powershell\", \"-Command\"]\nRUN Invoke-WebRequest -Uri https://x.io/a.zip -OutFile a.zip\n",
            "FROM mcr.microsoft.com/windows/servercore:ltsc2022\nSHELL [\"powershell\", \"-Command\"]\nRUN iex (Get-Content C:\\setup.ps1 -Raw)\n",
            // Not PowerShell: `iex` here is just a word.
            "FROM debian:12\nRUN echo iex irm > /tmp/words\n",
        ] {
            assert!(run_build(&CurlPipeShell, text).is_empty(), "{text}");
        }
    }

    #[test]
    fn download_then_run_is_medium() {
        for (text, want) in [
            (
                "FROM debian:12\nRUN curl -fsSLo /tmp/i.sh https://x.io/i.sh && sh /tmp/i.sh\n",
                "sh /tmp/i.sh",
            ),
            (
                "FROM debian:12\nRUN curl -fsSLO https://x.io/install.sh && chmod +x install.sh && ./install.sh\n",
                "./install.sh",
            ),
            (
                "FROM debian:12\nRUN wget https://x.io/get.py && python3 get.py --user\n",
                "python3 get.py --user",
            ),
        ] {
            let f = run_build(&CurlPipeShell, text);
            assert_eq!(flagged(text, &f), vec![want], "{text}");
            assert_eq!(f[0].severity, Severity::Medium);
        }
    }

    #[test]
    fn quiet_cases() {
        for text in [
            "FROM debian:12\nRUN curl -fsSLo /tmp/i.sh https://x.io/i.sh && echo \"abc  /tmp/i.sh\" | sha256sum -c - && sh /tmp/i.sh\n",
            "FROM debian:12\nRUN curl -s https://x.io/v.json | python3 -c 'import json,sys; print(json.load(sys.stdin))'\n",
            "FROM debian:12\nRUN curl -fsSL https://x.io/a.tgz | tar xz -C /opt\n",
            "FROM debian:12\nRUN wget https://x.io/i.sh | sh\n",
            "FROM debian:12\nRUN curl -fsSL https://x.io/k.gpg | gpg --dearmor -o /usr/share/keyrings/k.gpg\n",
            "FROM debian:12\nRUN curl -fsSL https://x.io/i.sh -o i.sh | sh\n",
            "FROM debian:12\nRUN echo \"$(curl -s https://x.io/version)\" > /v\n",
            "FROM debian:12\nRUN curl -s https://x.io/data | bash /opt/process.sh\n",
            // A variable made from a download, used as data.
            "FROM debian:12\nRUN V=$(curl -s https://x.io/latest | jq -r .tag) && sh -c \"install $V\"\n",
            "FROM debian:12\nRUN V=$(curl -s https://x.io/version) && echo \"$V\" > /v\n",
        ] {
            assert!(run_build(&CurlPipeShell, text).is_empty(), "{text}");
        }
    }

    #[test]
    fn quiet_for_stages_the_build_never_runs() {
        let text = "FROM debian:12 AS unused\nRUN curl -fsSL https://x.io/i.sh | sh\nFROM debian:12\nRUN true\n";
        assert!(run_build(&CurlPipeShell, text).is_empty());
    }
}
