//! `stockade harden -- docker run …`: the same command line with the
//! hardening flags the container lacks, data-store ports bound to
//! 127.0.0.1, and `--privileged` and engine-socket mounts removed.

use super::{Needs, user};
use crate::edit::{Edit, apply_edits};
use crate::settings::FixSettings;
use stockade_core::shell::{Command, SimpleCommand};
use stockade_core::{FileId, Span};

/// The hardened command line and what to tell the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HardenedRun {
    pub command: String,
    pub warnings: Vec<String>,
}

/// Characters that need no shell quoting.
fn plain(c: char) -> bool {
    c.is_ascii_alphanumeric() || "@%+=:,./-_".contains(c)
}

/// Quotes one argument for a POSIX shell.
pub(crate) fn shell_quote(s: &str) -> String {
    if !s.is_empty() && s.chars().all(plain) {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

fn first_command(script: &stockade_core::shell::Script) -> Option<&SimpleCommand> {
    let item = script.items.first()?;
    match item.first.commands.first()? {
        Command::Simple(c) => Some(c),
        _ => None,
    }
}

/// Hardens a `docker run`/`create` (or podman) command given as its
/// arguments; a single argument is read as a whole command line.
pub fn harden_docker_run(args: &[String], s: &FixSettings) -> Result<HardenedRun, String> {
    let text = match args {
        [] => return Err("no command given: `stockade harden -- docker run IMAGE`".into()),
        [one] if one.contains(char::is_whitespace) => one.trim().to_string(),
        many => many
            .iter()
            .map(|a| shell_quote(a))
            .collect::<Vec<_>>()
            .join(" "),
    };
    let file = FileId(0);
    let parsed = stockade_shell::parse_file(&text, file);
    if let Some(e) = parsed.errors.first() {
        return Err(format!("cannot read the command line: {}", e.message));
    }
    if parsed.script.items.len() != 1 || !parsed.script.items[0].rest.is_empty() {
        return Err("give one command, not a list or pipeline".into());
    }
    let cmd = first_command(&parsed.script).ok_or("not a simple command")?;
    if !cmd.assignments.is_empty() || !cmd.redirects.is_empty() {
        return Err("the command has variable assignments or redirections".into());
    }
    let none = |_: &str| -> Option<String> { None };
    let spec = stockade_dockercli::spec_from_args(&cmd.words, cmd.span, &none)?;
    let image = spec.image.as_ref().ok_or("no image in the command")?;
    let needs = Needs::of(&spec);
    let mut warnings = Vec::new();
    let mut edits = Vec::new();
    // Delete a flag with the space before it.
    let delete = |span: Span| {
        let mut s = span.start as usize;
        while s > 0 && text.as_bytes()[s - 1] == b' ' {
            s -= 1;
        }
        Edit::delete(file, s, span.end as usize)
    };
    let slice = |span: Span| text.get(span.range()).unwrap_or("").to_string();
    if needs.unprivileged
        && let Some(p) = &spec.privileged
    {
        edits.push(delete(p.span));
        warnings.push(format!(
            "removed `{}`: grant only the capabilities or devices the container needs",
            slice(p.span)
        ));
    }
    for m in &spec.mounts {
        if needs.socket_mounts.contains(&m.span) {
            edits.push(delete(m.span));
            warnings.push(format!(
                "removed the container-engine socket mount `{}`: whatever used the engine API stops working",
                slice(m.span)
            ));
        }
    }
    for p in &spec.ports {
        if needs.ports.contains(&p.span) && p.unresolved.is_none() {
            let mut b = String::from("127.0.0.1:");
            if let Some((a, z)) = p.host_port {
                b.push_str(&if a == z {
                    a.to_string()
                } else {
                    format!("{a}-{z}")
                });
            }
            let (a, z) = p.container_port;
            b.push(':');
            b.push_str(&if a == z {
                a.to_string()
            } else {
                format!("{a}-{z}")
            });
            if p.protocol != "tcp" && !p.protocol.is_empty() {
                b.push('/');
                b.push_str(&p.protocol);
            }
            edits.push(Edit::replace(
                file,
                p.span.start as usize,
                p.span.end as usize,
                format!("-p {b}"),
            ));
        }
    }
    // Flags replaced where a weaker one is written, or added before the image.
    let mut add: Vec<String> = Vec::new();
    let mut set = |span: Option<Span>, flag: String, edits: &mut Vec<Edit>| match span {
        Some(sp) => edits.push(Edit::replace(
            file,
            sp.start as usize,
            sp.end as usize,
            flag,
        )),
        None => add.push(flag),
    };
    if needs.user {
        set(
            spec.user.as_ref().map(|u| u.span),
            format!("--user {}", user(s)),
            &mut edits,
        );
    }
    if needs.cap_drop_all {
        set(None, "--cap-drop ALL".into(), &mut edits);
    }
    if needs.no_new_privileges {
        set(None, "--security-opt no-new-privileges".into(), &mut edits);
    }
    if needs.read_only {
        set(
            spec.read_only.as_ref().map(|r| r.span),
            "--read-only".into(),
            &mut edits,
        );
    }
    if needs.tmpfs_tmp {
        set(None, "--tmpfs /tmp".into(), &mut edits);
    }
    let r = &spec.resources;
    if needs.memory {
        set(
            r.memory.as_ref().map(|m| m.span),
            format!("--memory {}", s.memory),
            &mut edits,
        );
    }
    if needs.cpus {
        set(
            r.nano_cpus.as_ref().map(|m| m.span),
            format!("--cpus {}", s.cpus),
            &mut edits,
        );
    }
    if needs.pids {
        set(
            r.pids_limit.as_ref().map(|m| m.span),
            format!("--pids-limit {}", s.pids_limit),
            &mut edits,
        );
    }
    if !add.is_empty() {
        edits.push(Edit::insert(
            file,
            image.span.start as usize,
            format!("{} ", add.join(" ")),
        ));
    }
    let command = apply_edits(&text, &edits).map_err(|e| e.to_string())?;
    Ok(HardenedRun { command, warnings })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(args: &[&str]) -> HardenedRun {
        let v: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        harden_docker_run(&v, &FixSettings::default()).unwrap()
    }

    #[test]
    fn adds_flags_and_removes_privileges() {
        let h = run(&[
            "docker",
            "run",
            "-d",
            "--privileged",
            "-p",
            "5432:5432",
            "-p",
            "8080:80",
            "-v",
            "/var/run/docker.sock:/var/run/docker.sock",
            "-e",
            "A=b c",
            "postgres:17",
            "postgres",
            "-c",
            "x=1",
        ]);
        assert_eq!(
            h.command,
            "docker run -d -p 127.0.0.1:5432:5432 -p 8080:80 -e 'A=b c' --user 65534:65534 --cap-drop ALL --security-opt no-new-privileges --read-only --tmpfs /tmp --memory 512m --cpus 1.0 --pids-limit 256 postgres:17 postgres -c x=1"
        );
        assert_eq!(h.warnings.len(), 2);
        // The result judged again: nothing left to harden.
        let again = run(&[&h.command]);
        assert_eq!(again.command, h.command);
        assert!(again.warnings.is_empty());
    }

    #[test]
    fn keeps_what_is_set_and_replaces_weaker_values() {
        let h = run(&[
            "docker run --user root --read-only=false -m 0 --cap-drop=ALL --security-opt=no-new-privileges --cpus 2 --pids-limit 50 --tmpfs /tmp alpine:3.20 sh",
        ]);
        assert_eq!(
            h.command,
            "docker run --user 65534:65534 --read-only --memory 512m --cap-drop=ALL --security-opt=no-new-privileges --cpus 2 --pids-limit 50 --tmpfs /tmp alpine:3.20 sh"
        );
    }

    #[test]
    fn errors() {
        let s = FixSettings::default();
        assert!(harden_docker_run(&[], &s).is_err());
        assert!(harden_docker_run(&["docker".into(), "ps".into()], &s).is_err());
        assert!(harden_docker_run(&["docker run a && docker run b".into()], &s).is_err());
        assert_eq!(shell_quote("it's"), "'it'\\''s'");
    }
}
