//! **What it finds.** A `RUN` in the final image's stages that generates a
//! private key: `ssh-keygen` (including `ssh-keygen -A`, the SSH server's
//! host keys), `openssl genrsa`, `genpkey`, `ecparam -genkey` and
//! `req -newkey`/`-x509 … -keyout`, `dropbearkey`, `wg genkey` and
//! `gpg --gen-key`. Commands that only read keys (`ssh-keygen -l`, `-y`,
//! `-F`) are not findings, nor a key removed again by the same `RUN`;
//! builder stages are not judged.
//!
//! **Why it matters.** A key made during the build is stored in a layer of
//! the image: every container started from it has the same key, and anyone
//! who can pull the image can read it. SSH host keys baked into an image let
//! one container impersonate every other; a TLS key baked in is a key the
//! whole registry audience shares.
//!
//! **How to fix.** Generate keys when the container starts (in the
//! entrypoint, into a volume or tmpfs), or mount them at run time as
//! secrets. A throwaway key needed only during the build can be made and
//! removed in the same `RUN`, or kept in a builder stage.
//!
//! **Bad**
//! ```dockerfile
//! FROM debian:12-slim
//! RUN apt-get update && apt-get install -y --no-install-recommends openssh-server \
//!  && ssh-keygen -A
//! ```
//!
//! **Good**
//! ```dockerfile
//! FROM debian:12-slim
//! RUN apt-get update && apt-get install -y --no-install-recommends openssh-server
//! # The entrypoint runs `ssh-keygen -A` when the container starts.
//! COPY entrypoint.sh /usr/local/bin/
//! ENTRYPOINT ["entrypoint.sh"]
//! ```

use crate::meta::{Ctx, FixKind, Rule, RuleMeta, Target};
use crate::util::commands::{OptSpec, parse_opts, stage_runs};
use crate::util::stages::final_chain;
use stockade_core::shell::{SimpleCommand, Word};
use stockade_core::{BuildSpec, Category, Finding, Severity};

pub static META: RuleMeta = RuleMeta {
    id: "SKD181",
    title: "Private key generated during the build",
    category: Category::Secrets,
    severity: Severity::Medium,
    aliases: &[],
    targets: &[Target::Build],
    fix: FixKind::None,
    source: include_str!("key_generated.rs"),
};

pub struct KeyGenerated;

/// What a command generates, and the file it writes when it names one.
struct Generated {
    what: &'static str,
    out: Option<String>,
}

/// ssh-keygen's options that take a value (getopt: `-f key`, `-fkey`,
/// clustered `-qf key`).
const SSH_KEYGEN: OptSpec = OptSpec {
    short_with_arg: b"abCDEFfGIJjKMmNnOPRrSsTtVwWYZz",
    long_with_arg: &[],
};
/// ssh-keygen's modes that read, convert or list keys and known_hosts
/// instead of making a key.
const SSH_KEYGEN_READS: &[&str] = &[
    "l", "y", "F", "R", "H", "r", "Q", "k", "s", "e", "i", "D", "p", "c", "B", "L", "Y",
];
const DROPBEARKEY: OptSpec = OptSpec {
    short_with_arg: b"tfsC",
    long_with_arg: &[],
};
const GPG_GENERATE: &[&str] = &[
    "gen-key",
    "generate-key",
    "full-generate-key",
    "full-gen-key",
    "quick-generate-key",
    "quick-gen-key",
];

/// openssl's options are single-dash words (`-newkey`, `-keyout file`),
/// not getopt clusters: read them as written.
fn openssl_value(args: &[Option<String>], flag: &str) -> Option<String> {
    args.windows(2).find_map(|w| match (&w[0], &w[1]) {
        (Some(f), Some(v)) if f == flag => Some(v.clone()),
        _ => None,
    })
}

fn generated(name: &str, args: &[Word]) -> Option<Generated> {
    match name {
        "ssh-keygen" => {
            let o = parse_opts(args, &SSH_KEYGEN);
            if o.has(SSH_KEYGEN_READS) {
                return None;
            }
            if o.has(&["A"]) {
                return Some(Generated {
                    what: "`ssh-keygen -A` generates the SSH server's host keys",
                    out: None,
                });
            }
            Some(Generated {
                what: "`ssh-keygen` generates a private key",
                out: o.get(&["f"]).and_then(|f| f.value.clone()),
            })
        }
        "openssl" => {
            let a: Vec<Option<String>> = args.iter().map(Word::literal).collect();
            let has = |flag: &str| a.iter().flatten().any(|x| x == flag);
            let makes_key = match a.first().cloned().flatten()?.as_str() {
                "genrsa" | "gendsa" | "genpkey" => true,
                "ecparam" => has("-genkey"),
                "req" => has("-newkey") || (has("-x509") && has("-keyout")),
                _ => false,
            };
            makes_key.then(|| Generated {
                what: "`openssl` generates a private key",
                out: openssl_value(&a, "-keyout").or_else(|| openssl_value(&a, "-out")),
            })
        }
        "dropbearkey" => Some(Generated {
            what: "`dropbearkey` generates an SSH host key",
            out: parse_opts(args, &DROPBEARKEY)
                .get(&["f"])
                .and_then(|f| f.value.clone()),
        }),
        "wg" if args.first().and_then(Word::literal).as_deref() == Some("genkey") => {
            Some(Generated {
                what: "`wg genkey` generates a WireGuard private key",
                out: None,
            })
        }
        "gpg" | "gpg2"
            if parse_opts(
                args,
                &OptSpec {
                    short_with_arg: b"",
                    long_with_arg: &[],
                },
            )
            .has(GPG_GENERATE) =>
        {
            Some(Generated {
                what: "`gpg` generates a private key",
                out: None,
            })
        }
        _ => None,
    }
}

/// Whether `cmd` is an `rm` of `path`.
fn removes(cmd: &SimpleCommand, path: &str) -> bool {
    let Some((name, args)) = cmd.effective() else {
        return false;
    };
    name == "rm"
        && args
            .iter()
            .filter_map(Word::literal)
            .any(|a| a == path || a.trim_end_matches('*') == path)
}

impl Rule for KeyGenerated {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_build(&self, spec: &BuildSpec, _cx: &Ctx, out: &mut Vec<Finding>) {
        for stage in final_chain(spec) {
            for rs in stage_runs(stage) {
                let cmds = rs.commands();
                for (i, rc) in cmds.iter().enumerate() {
                    let Some((name, args)) = rc.cmd.effective() else {
                        continue;
                    };
                    let Some(g) = generated(&name, args) else {
                        continue;
                    };
                    // A throwaway key removed again by the same RUN never
                    // reaches the layer.
                    if let Some(path) = &g.out
                        && cmds[i + 1..].iter().any(|later| removes(later.cmd, path))
                    {
                        continue;
                    }
                    let span = rc.cmd.words.first().map_or(rc.cmd.span, |w| w.span);
                    out.push(META.finding(
                        span,
                        stage.label(),
                        format!(
                            "{} in the image: every container from it shares the key, and anyone who can pull the image can read it",
                            g.what
                        ),
                    ));
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
    fn flags_keys_made_in_the_shipped_image() {
        for (text, word) in [
            (
                "FROM debian:12\nRUN apt-get install -y openssh-server && ssh-keygen -A\n",
                "ssh-keygen",
            ),
            (
                "FROM debian:12\nRUN ssh-keygen -t ed25519 -N '' -f /root/.ssh/id_ed25519\n",
                "ssh-keygen",
            ),
            (
                "FROM alpine:3.22\nRUN openssl req -x509 -nodes -newkey rsa:2048 -keyout /etc/ssl/private/k.pem -out /etc/ssl/certs/c.pem -subj /CN=x\n",
                "openssl",
            ),
            (
                "FROM alpine:3.22\nRUN openssl genrsa -out /app/key.pem 4096\n",
                "openssl",
            ),
            (
                "FROM alpine:3.22\nRUN openssl ecparam -name prime256v1 -genkey -out /k.pem\n",
                "openssl",
            ),
            (
                "FROM alpine:3.22\nRUN dropbearkey -t ed25519 -f /etc/dropbear/key\n",
                "dropbearkey",
            ),
            (
                "FROM alpine:3.22\nRUN wg genkey > /etc/wireguard/private\n",
                "wg",
            ),
            (
                "FROM debian:12\nRUN gpg --batch --gen-key /tmp/params\n",
                "gpg",
            ),
            ("FROM debian:12\nRUN sh -c 'ssh-keygen -A'\n", "ssh-keygen"),
            (
                "FROM debian:12\nRUN <<EOF\nset -e\nssh-keygen -A\nEOF\n",
                "ssh-keygen",
            ),
        ] {
            let f = run_build(&KeyGenerated, text);
            assert_eq!(f.len(), 1, "{text}");
            assert_eq!(flagged(text, &f)[0], word, "{text}");
            assert_eq!(f[0].severity, Severity::Medium);
        }
    }

    #[test]
    fn quiet_cases() {
        for text in [
            // Reading keys, not making them.
            "FROM debian:12\nRUN ssh-keygen -l -f /etc/ssh/ssh_host_ed25519_key.pub\n",
            "FROM debian:12\nRUN ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub\n",
            "FROM debian:12\nRUN ssh-keyscan github.com >> /etc/ssh/ssh_known_hosts && ssh-keygen -F github.com\n",
            "FROM alpine:3.22\nRUN openssl x509 -in /c.pem -noout -text\n",
            "FROM alpine:3.22\nRUN openssl dhparam -out /etc/dh.pem 2048\n",
            "FROM alpine:3.22\nRUN openssl req -new -key /run/k.pem -out /c.csr\n",
            // A throwaway key removed by the same RUN.
            "FROM alpine:3.22\nRUN openssl genrsa -out /tmp/k.pem 2048 && sign /tmp/k.pem && rm -f /tmp/k.pem\n",
            // Builder stages are not shipped.
            "FROM alpine:3.22 AS certs\nRUN openssl genrsa -out /k.pem 2048\nFROM alpine:3.22\nCOPY --from=certs /etc/os-release /x\n",
            "FROM debian:12\nRUN echo ssh-keygen -A\n",
        ] {
            assert!(run_build(&KeyGenerated, text).is_empty(), "{text}");
        }
    }
}
