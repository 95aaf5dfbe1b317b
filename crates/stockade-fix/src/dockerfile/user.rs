//! SKD101 and SKD102: the final stage runs as an unprivileged numeric
//! user (`65534:65534` unless configured). Unsafe: the program loses
//! root, and files it must write need the new owner.
//!
//! A `USER root` followed only by instructions that set metadata
//! (`CMD`, `EXPOSE`, `LABEL` …) is changed in place; otherwise a
//! `USER` line is added after the stage's last instruction that builds
//! something, so the `RUN`s before it keep running as root. The final
//! stage's `COPY` lines whose destination the program may write (its
//! `WORKDIR`, or an application or data directory such as `/app`,
//! `/srv/…`, `/data`, `/var/lib/…`, `/home/…`) get `--chown` with the same
//! user; copies into system directories (`/usr`, `/etc`, `/opt` …) do not.

use super::{DfCx, FixResult};
use crate::edit::Edit;
use crate::settings::FixSettings;
use stockade_core::{EffectiveUser, Finding, InstrKind, user_is_root};
use stockade_rules::util::stages::{final_chain, normalize_path};

/// Instructions that only set image metadata.
fn metadata(keyword: &str) -> bool {
    matches!(
        keyword,
        "CMD"
            | "ENTRYPOINT"
            | "EXPOSE"
            | "HEALTHCHECK"
            | "STOPSIGNAL"
            | "LABEL"
            | "MAINTAINER"
            | "ENV"
            | "ARG"
            | "VOLUME"
            | "SHELL"
            | "ONBUILD"
    )
}

fn under(path: &str, base: &str) -> bool {
    base == "/"
        || path == base
        || (path.starts_with(base) && path.as_bytes().get(base.len()) == Some(&b'/'))
}

/// System trees whose files the program should not own.
const SYSTEM: &[&str] = &[
    "/bin", "/boot", "/dev", "/etc", "/lib", "/lib32", "/lib64", "/opt", "/proc", "/root", "/run",
    "/sbin", "/sys", "/usr",
];

/// Directories whose contents a program commonly writes.
fn app_dir(p: &str) -> bool {
    let writable_roots = [
        "/app",
        "/srv",
        "/data",
        "/var/www",
        "/usr/src/app",
        "/workspace",
        "/code",
    ];
    writable_roots.iter().any(|r| under(p, r) && *r != "/")
        || ["/var/lib/", "/var/log/", "/var/cache/", "/home/"]
            .iter()
            .any(|r| p.starts_with(r) && p.len() > r.len())
}

fn writable(dest: &str, workdir: &str) -> bool {
    if dest == "/" {
        return false;
    }
    let system = SYSTEM.iter().any(|s| under(dest, s)) && !app_dir(dest);
    if system {
        return false;
    }
    let in_workdir =
        workdir != "/" && !SYSTEM.iter().any(|s| under(workdir, s)) && under(dest, workdir);
    in_workdir || app_dir(dest)
}

pub(crate) fn fix(cx: &DfCx, f: &Finding, s: &FixSettings) -> FixResult {
    let stage = cx
        .spec
        .final_stage()
        .ok_or("the Dockerfile has no final stage")?;
    let chain = final_chain(cx.spec);
    if let Some(root) = chain.first() {
        let base = root.from.image.value.display().to_ascii_lowercase();
        if base.contains("windows") || base.contains("nanoserver") || base.contains("servercore") {
            return Err("a Windows base image: numeric Linux ids do not apply".into());
        }
    }
    // The USER instruction to change in place, if nothing but metadata follows it.
    let mut edits = Vec::new();
    let mut in_place = false;
    match (&stage.user, f.rule) {
        (EffectiveUser::Set { value, stage: at }, "SKD101") => {
            match value.known() {
                Some(u) if user_is_root(u) => {}
                _ => return Err("whether the USER is root is not known".into()),
            }
            if *at == stage.index {
                let pos = stage
                    .instructions
                    .iter()
                    .rposition(|i| matches!(&i.kind, InstrKind::User(_)));
                if let Some(pos) = pos {
                    let only_meta = stage.instructions[pos + 1..]
                        .iter()
                        .all(|i| metadata(&i.keyword.value));
                    let raw = cx.slice(value.span);
                    if only_meta && raw == value.raw && !raw.contains('$') {
                        edits.push(Edit::replace(
                            cx.file.id,
                            value.span.start as usize,
                            value.span.end as usize,
                            s.user.clone(),
                        ));
                        in_place = true;
                    }
                }
            }
        }
        (EffectiveUser::BaseDefault, "SKD102") => {}
        _ => return Err("the final stage's user changed since the finding".into()),
    }
    if !in_place {
        let after = stage
            .instructions
            .iter()
            .rev()
            .find(|i| !metadata(&i.keyword.value))
            .map(|i| i.span)
            .unwrap_or(stage.from.span);
        edits.push(cx.insert_line_after(after, &format!("USER {}", s.user))?);
    }

    // --chown on the final stage's copies into places the program writes.
    let mut workdir = "/".to_string();
    let mut copies = Vec::new();
    for st in &chain {
        for ins in &st.instructions {
            match &ins.kind {
                InstrKind::Workdir(w) => {
                    workdir = match w.value.known() {
                        Some(v) => normalize_path(v, &workdir),
                        None => "/".into(),
                    }
                }
                InstrKind::Copy(c) if st.index == stage.index => {
                    copies.push((ins, c, workdir.clone()))
                }
                _ => {}
            }
        }
    }
    let final_workdir = workdir;
    let mut chowned = 0;
    for (ins, c, wd) in copies {
        if c.is_add || c.chown.is_some() {
            continue;
        }
        let Some(dest) = c.dest.as_ref().and_then(|d| d.value.known()) else {
            continue;
        };
        let dest = normalize_path(dest, &wd);
        if writable(&dest, &final_workdir) || writable(&dest, &wd) {
            edits.push(cx.flag_after_keyword(ins, &format!("--chown={}", s.user)));
            chowned += 1;
        }
    }
    let mut what = if in_place {
        format!("changed the final `USER` to {}", s.user)
    } else {
        format!("added `USER {}` to the final stage", s.user)
    };
    if chowned > 0 {
        what.push_str(&format!(
            " and `--chown={}` to {chowned} COPY line{} into writable places",
            s.user,
            if chowned == 1 { "" } else { "s" }
        ));
    }
    Ok((edits, what))
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{check, declines};
    use super::writable;

    #[test]
    fn writable_places() {
        assert!(writable("/app", "/"));
        assert!(writable("/srv/www/index.html", "/"));
        assert!(writable("/var/lib/app", "/"));
        assert!(writable("/usr/src/app/x", "/usr/src/app"));
        assert!(writable("/work/x", "/work"));
        assert!(!writable("/usr/local/bin/app", "/"));
        assert!(!writable("/usr/bin/x", "/usr/bin"));
        assert!(!writable("/etc/nginx/nginx.conf", "/"));
        assert!(!writable("/app.jar", "/"));
        assert!(!writable("/opt/tool/bin", "/"));
    }

    #[test]
    fn appends_user_and_chowns_app_files() {
        check(
            "SKD102",
            "FROM python:3.13-slim\nWORKDIR /app\nCOPY requirements.txt .\nRUN pip install --no-cache-dir -r requirements.txt\nCOPY . .\nCOPY entry.sh /usr/local/bin/\n# start\nCMD [\"python\", \"app.py\"]\n",
            "FROM python:3.13-slim\nWORKDIR /app\nCOPY --chown=65534:65534 requirements.txt .\nRUN pip install --no-cache-dir -r requirements.txt\nCOPY --chown=65534:65534 . .\nCOPY entry.sh /usr/local/bin/\nUSER 65534:65534\n# start\nCMD [\"python\", \"app.py\"]\n",
        );
        // Builder stages are left alone; a file without a final newline.
        check(
            "SKD102",
            "FROM golang:1.23 AS build\nCOPY . /src\nRUN go build -o /out/app\nFROM scratch\nCOPY --from=build /out/app /app",
            "FROM golang:1.23 AS build\nCOPY . /src\nRUN go build -o /out/app\nFROM scratch\nCOPY --chown=65534:65534 --from=build /out/app /app\nUSER 65534:65534",
        );
        check(
            "SKD102",
            "FROM nginx:1.27\r\nCOPY site/ /usr/share/nginx/html/\r\nEXPOSE 80\r\n",
            "FROM nginx:1.27\r\nCOPY site/ /usr/share/nginx/html/\r\nUSER 65534:65534\r\nEXPOSE 80\r\n",
        );
    }

    #[test]
    fn root_user_changed_in_place_or_followed() {
        check(
            "SKD101",
            "FROM debian:12-slim\nCOPY app /usr/local/bin/app\nUSER root\nCMD [\"app\"]\n",
            "FROM debian:12-slim\nCOPY app /usr/local/bin/app\nUSER 65534:65534\nCMD [\"app\"]\n",
        );
        check(
            "SKD101",
            "FROM debian:12-slim\nUSER 0\nRUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*\nCMD [\"curl\"]\n",
            "FROM debian:12-slim\nUSER 0\nRUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*\nUSER 65534:65534\nCMD [\"curl\"]\n",
        );
        // Inherited from a parent stage.
        check(
            "SKD101",
            "FROM debian:12 AS base\nUSER root\nFROM base\n",
            "FROM debian:12 AS base\nUSER root\nFROM base\nUSER 65534:65534\n",
        );
    }

    #[test]
    fn unknown_user_is_left() {
        declines(
            "SKD101",
            "FROM debian:12\nARG RUN_AS\nUSER $RUN_AS\n",
            "not known",
        );
    }
}
