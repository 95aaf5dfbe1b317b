//! SKD162: `RUN chown` of just-copied files folded into `COPY --chown`.
//! Safe: the files end up with the same owners; only the second copy of
//! them in the `RUN` layer goes away.
//!
//! It is done only where the result is provably the same:
//! - the `chown` is a plain top-level command of its `RUN` (no `sudo`, no
//!   redirections, no `||`), with one owner and one path, and options that
//!   change nothing but verbosity besides `-R`;
//! - the owner exists when the `COPY` runs: numeric ids, `root`, or names
//!   an earlier `RUN` creates (`useradd`, `adduser`, `groupadd`, `addgroup`);
//! - the path is a file the `COPY` copied, or the `COPY`'s destination
//!   directory with `chown -R`, outside system directories, where nothing
//!   else in the image (another `COPY`, a `RUN` working there or naming
//!   it, a deeper `WORKDIR`) put files that `chown -R` would also change.
//!   When a `WORKDIR` created that directory before the `COPY`, the `RUN`
//!   keeps a non-recursive `chown` of the directory itself, since `COPY`
//!   leaves an existing directory's owner alone.

use super::{DfCx, FixResult};
use crate::edit::Edit;
use crate::settings::FixSettings;
use stockade_core::shell::{Command, Connector, Script, SimpleCommand};
use stockade_core::{CopyInstr, Finding, InstrKind, Instruction, Span};
use stockade_rules::util::commands::{RunScripts, effective};
use stockade_rules::util::stages::{final_chain, normalize_path};

/// Directories whose contents come from the base image.
const SYSTEM: &[&str] = &[
    "/bin", "/boot", "/dev", "/etc", "/home", "/lib", "/lib32", "/lib64", "/libx32", "/media",
    "/mnt", "/proc", "/root", "/run", "/sbin", "/sys", "/tmp", "/usr", "/var",
];

fn under(path: &str, base: &str) -> bool {
    path == base || (path.starts_with(base) && path.as_bytes().get(base.len()) == Some(&b'/'))
}

/// Directories every Linux base image has (not `scratch`).
const ALWAYS: &[&str] = &[
    "/",
    "/bin",
    "/etc",
    "/home",
    "/lib",
    "/opt",
    "/root",
    "/sbin",
    "/srv",
    "/tmp",
    "/usr",
    "/usr/bin",
    "/usr/lib",
    "/usr/local",
    "/usr/local/bin",
    "/usr/local/lib",
    "/usr/local/sbin",
    "/usr/local/share",
    "/usr/sbin",
    "/usr/share",
    "/usr/src",
    "/var",
    "/var/cache",
    "/var/lib",
    "/var/log",
];

fn parent(path: &str) -> &str {
    match path.rfind('/') {
        Some(0) | None => "/",
        Some(i) => &path[..i],
    }
}

fn is_system(path: &str) -> bool {
    path == "/" || SYSTEM.iter().any(|s| under(path, s))
}

/// Commands that may run before the `chown` in the same `RUN` without
/// touching the copied files.
const HARMLESS: &[&str] = &[
    "useradd", "adduser", "groupadd", "addgroup", "usermod", "set", "true", ":",
];

struct Located<'a> {
    script: &'a Script,
    item: usize,
    pipeline: usize,
    cmd: &'a SimpleCommand,
}

/// The chown command as a top-level pipeline element of one of the RUN's scripts.
fn locate<'a>(scripts: &'a [Script], span: Span) -> Option<Located<'a>> {
    for script in scripts {
        for (ii, item) in script.items.iter().enumerate() {
            let pipes = std::iter::once(&item.first).chain(item.rest.iter().map(|(_, p)| p));
            for (pi, pl) in pipes.enumerate() {
                if let [Command::Simple(c)] = pl.commands.as_slice()
                    && c.span == span
                    && !pl.bang
                {
                    return Some(Located {
                        script,
                        item: ii,
                        pipeline: pi,
                        cmd: c,
                    });
                }
            }
        }
    }
    None
}

/// `user[:group]` as `COPY --chown` must write it to give the same owners.
fn copy_owner(owner: &str) -> Result<(String, Vec<String>), String> {
    let (u, g) = match owner.split_once(':') {
        Some((u, g)) if !g.is_empty() => (if u.is_empty() { "0" } else { u }, g),
        Some((_, _)) => {
            return Err("`user:` (the user's login group) has no `COPY --chown` spelling".into());
        }
        // `chown user` keeps the group, which COPY set to 0.
        None => (owner, "0"),
    };
    if u.is_empty()
        || u.contains(['$', '`', '\\', ' ', '"', '\''])
        || g.contains(['$', '`', '\\', ' ', '"', '\''])
    {
        return Err(format!("cannot read the owner `{owner}`"));
    }
    let names = [u, g]
        .into_iter()
        .filter(|n| !n.bytes().all(|b| b.is_ascii_digit()) && *n != "root")
        .map(str::to_string)
        .collect();
    Ok((format!("{u}:{g}"), names))
}

pub(crate) fn fix(cx: &DfCx, f: &Finding, _s: &FixSettings) -> FixResult {
    let span = f.span.ok_or("no location")?;
    let (stage_idx, run_instr) = cx.instruction_at(Some(span))?;
    let InstrKind::Run(run) = &run_instr.kind else {
        return Err("not a RUN".into());
    };
    if run.exec.is_some() {
        return Err("exec-form RUN".into());
    }
    let loc = locate(&run.scripts, span)
        .ok_or("the chown is not a plain top-level command of its RUN")?;
    let cmd = loc.cmd;
    if !cmd.assignments.is_empty()
        || !cmd.redirects.is_empty()
        || cmd.words.first().and_then(|w| w.literal()).as_deref() != Some("chown")
    {
        return Err("the chown runs with redirections, variables or a wrapper".into());
    }
    // Options: -R and verbosity only.
    let mut recursive = false;
    let mut operands = Vec::new();
    let mut only_operands = false;
    for w in &cmd.words[1..] {
        let t = w
            .literal()
            .ok_or("the chown has words with variables or quotes")?;
        if cx.slice(w.span) != t {
            return Err("the chown's words are quoted".into());
        }
        if only_operands || !t.starts_with('-') || t == "-" {
            operands.push(t);
            continue;
        }
        match t.as_str() {
            "--" => only_operands = true,
            "--recursive" => recursive = true,
            "--verbose" | "--changes" | "--silent" | "--quiet" => {}
            s if !s.starts_with("--") && s[1..].bytes().all(|b| b"Rvcf".contains(&b)) => {
                recursive |= s.contains('R');
            }
            other => return Err(format!("the chown option `{other}` changes what it does")),
        }
    }
    let [owner, target] = operands.as_slice() else {
        return Err("the chown does not name exactly one owner and one path".into());
    };
    if target.contains(['*', '?', '[', '$', '~']) {
        return Err(format!("the path `{target}` is a pattern"));
    }
    let (owner_spec, names) = copy_owner(owner)?;

    // Walk the image's stages as the rule does, up to the RUN.
    let chain = final_chain(cx.spec);
    let stage = cx.spec.stages.get(stage_idx).ok_or("stage not found")?;
    let mut workdir = "/".to_string();
    // (instruction, copy, workdir at the copy) of this stage; every RUN before, with its workdir.
    let mut copies: Vec<(&Instruction, &CopyInstr, String)> = Vec::new();
    let mut other_copies: Vec<(&Instruction, String)> = Vec::new();
    let mut runs_before: Vec<(&Instruction, String)> = Vec::new();
    let mut workdirs: Vec<(&Instruction, String)> = Vec::new();
    let mut run_workdir = None;
    'walk: for st in &chain {
        for ins in &st.instructions {
            if std::ptr::eq(ins, run_instr) {
                run_workdir = Some(workdir.clone());
                break 'walk;
            }
            match &ins.kind {
                InstrKind::Workdir(w) => {
                    let v = w.value.known().ok_or("a WORKDIR has unknown variables")?;
                    workdir = normalize_path(v, &workdir);
                    workdirs.push((ins, workdir.clone()));
                }
                InstrKind::Copy(c) => {
                    let dest = c
                        .dest
                        .as_ref()
                        .and_then(|d| d.value.known())
                        .map(|d| normalize_path(d, &workdir))
                        .unwrap_or_else(|| "/".into());
                    other_copies.push((ins, dest));
                    if st.index == stage.index && c.chown.is_none() {
                        copies.push((ins, c, workdir.clone()));
                    }
                }
                InstrKind::Run(_) => runs_before.push((ins, workdir.clone())),
                _ => {}
            }
        }
    }
    let run_workdir = run_workdir.ok_or("the RUN is not part of the image's stages")?;
    let target_norm = normalize_path(target, &run_workdir);

    // Commands before the chown in its RUN must leave the files alone.
    let rs = RunScripts::new(run_instr, run);
    for rc in rs.commands() {
        if rc.cmd.span == span {
            break;
        }
        let name = effective(rc.cmd).map(|(n, _, _)| n).unwrap_or_default();
        if !HARMLESS.contains(&name.as_str()) {
            return Err(format!("`{name}` runs before the chown in the same RUN"));
        }
    }

    // The copy the rule matched: the last one that wrote the path.
    let mut matched = None;
    for (ins, c, wd) in copies.iter().rev() {
        let Some(dest) = c.dest.as_ref().and_then(|d| d.value.known()) else {
            continue;
        };
        let base = normalize_path(dest, wd);
        let file_like = |src: &str| {
            let name = src.trim_end_matches('/').rsplit('/').next().unwrap_or("");
            if src.ends_with('/') || name.is_empty() || name == "." || name.contains('*') {
                return None;
            }
            let on_disk = cx
                .spec
                .context_dir
                .as_ref()
                .filter(|_| c.from.is_none())
                .map(|d| d.join(src.trim_start_matches("./")))
                .and_then(|p| std::fs::symlink_metadata(p).ok());
            let is_file = match on_disk {
                Some(m) => m.is_file(),
                None => name.contains('.') && !name.starts_with('.'),
            };
            Some((name.to_string(), is_file))
        };
        if base == target_norm {
            // A single file copied to a file name, or a directory's contents.
            let single_file = c.sources.len() == 1
                && !dest.ends_with('/')
                && c.heredocs.is_empty()
                && c.sources[0]
                    .value
                    .known()
                    .and_then(file_like)
                    .is_some_and(|(_, f)| f);
            matched = Some((*ins, *c, !single_file));
            break;
        }
        if dest.ends_with('/') || c.sources.len() > 1 {
            for s in &c.sources {
                if let Some((name, is_file)) = s.value.known().and_then(file_like)
                    && format!("{}/{name}", base.trim_end_matches('/')) == target_norm
                {
                    if !is_file {
                        return Err(format!(
                            "`{name}` may be a directory, whose contents COPY puts elsewhere"
                        ));
                    }
                    matched = Some((*ins, *c, false));
                    break;
                }
            }
            if matched.is_some() {
                break;
            }
        }
    }
    let (copy_instr, copy, is_dir) = matched.ok_or("the copy that wrote the path was not found")?;
    if copy.is_add {
        return Err("ADD may unpack archives, whose owners --chown does not set".into());
    }

    // Owners must exist when the COPY runs.
    for n in &names {
        let created = runs_before.iter().any(|(ins, _)| {
            ins.span.start < copy_instr.span.start
                && matches!(&ins.kind, InstrKind::Run(r) if RunScripts::new(ins, r).commands().iter().any(|rc| {
                    effective(rc.cmd).is_some_and(|(name, _, args)| {
                        matches!(name.as_str(), "useradd" | "adduser" | "groupadd" | "addgroup")
                            && args.iter().any(|a| a.literal().as_deref() == Some(n.as_str()))
                    })
                }))
        });
        if !created {
            return Err(format!(
                "`{n}` may not exist yet when the COPY runs (use a numeric id, or create it before the COPY)"
            ));
        }
    }

    // COPY creates missing parents of what it writes with the --chown
    // owner (builders differ there): the parent must already exist.
    let scratch = chain
        .first()
        .is_some_and(|s| matches!(s.from.base, stockade_core::BaseImage::Scratch));
    let made_by_workdir = |p: &str| {
        workdirs
            .iter()
            .any(|(ins, wd)| ins.span.start < copy_instr.span.start && under(wd, p))
    };
    let exists_before =
        |p: &str| p == "/" || (!scratch && ALWAYS.contains(&p)) || made_by_workdir(p);
    let mut keep_dir_chown = false;
    if is_dir {
        if !recursive {
            return Err("a non-recursive chown of a directory changes only the directory".into());
        }
        if is_system(&target_norm) {
            return Err(format!(
                "`{target_norm}` may hold files from the base image that `chown -R` also changes"
            ));
        }
        for (ins, dest) in &other_copies {
            if std::ptr::eq(*ins, copy_instr) {
                continue;
            }
            if under(dest, &target_norm) || under(&target_norm, dest) {
                return Err(format!(
                    "another COPY/ADD also writes into `{target_norm}`, which `chown -R` changes too"
                ));
            }
        }
        for (ins, wd) in &runs_before {
            let mentions = cx.slice(ins.span).contains(target_norm.as_str())
                || cx.slice(ins.span).contains(target.as_str());
            if under(wd, &target_norm) || mentions {
                return Err(format!(
                    "an earlier RUN may create files in `{target_norm}`, which `chown -R` changes too"
                ));
            }
        }
        for (_, wd) in &workdirs {
            if wd != &target_norm && under(wd, &target_norm) {
                return Err(format!(
                    "a WORKDIR creates a directory inside `{target_norm}`"
                ));
            }
        }
        keep_dir_chown = workdirs
            .iter()
            .any(|(ins, wd)| wd == &target_norm && ins.span.start < copy_instr.span.start);
    }
    if !keep_dir_chown && !exists_before(parent(&target_norm)) {
        return Err(format!(
            "COPY would create `{}` too, and may give it the new owner",
            parent(&target_norm)
        ));
    }

    let mut edits = vec![cx.flag_after_keyword(copy_instr, &format!("--chown={owner_spec}"))];
    if keep_dir_chown {
        edits.push(Edit::replace(
            cx.file.id,
            span.start as usize,
            span.end as usize,
            format!("chown {owner} {target}"),
        ));
    } else {
        edits.push(remove_command(cx, run_instr, run, &loc)?);
    }
    let copy_line = cx
        .slice(copy_instr.line_span)
        .lines()
        .next()
        .unwrap_or("")
        .trim()
        .to_string();
    Ok((
        edits,
        format!(
            "moved the owner onto `{copy_line}` as `--chown={owner_spec}`{}",
            if keep_dir_chown {
                " (the RUN keeps a chown of the directory itself)"
            } else {
                " and removed the chown"
            }
        ),
    ))
}

/// Deletes the chown command from its RUN: the whole instruction when it
/// is the only command, else the command with its `&&` or separator.
fn remove_command(
    cx: &DfCx,
    instr: &Instruction,
    run: &stockade_core::RunInstr,
    loc: &Located,
) -> Result<Edit, String> {
    let file = cx.file.id;
    let item = &loc.script.items[loc.item];
    let no_comment = |s: usize, e: usize| -> Result<Edit, String> {
        let t = cx.text.get(s..e).ok_or("bad range")?;
        if t.lines().skip(1).any(|l| l.trim_start().starts_with('#')) {
            return Err("a comment line sits inside the chown's text".into());
        }
        Ok(Edit::delete(file, s, e))
    };
    if !item.rest.is_empty() {
        let pipes: Vec<(Option<Connector>, Span)> = std::iter::once((None, item.first.span))
            .chain(item.rest.iter().map(|(c, p)| (Some(*c), p.span)))
            .collect();
        let i = loc.pipeline;
        if i == 0 {
            if pipes[1].0 != Some(Connector::And) {
                return Err("the chown is joined with `||`".into());
            }
            return no_comment(pipes[0].1.start as usize, pipes[1].1.start as usize);
        }
        if pipes[i].0 != Some(Connector::And)
            || pipes
                .get(i + 1)
                .is_some_and(|p| p.0 != Some(Connector::And))
        {
            return Err("the chown is joined with `||`".into());
        }
        return no_comment(pipes[i - 1].1.end as usize, pipes[i].1.end as usize);
    }
    let items = &loc.script.items;
    if items.len() > 1 {
        return if loc.item + 1 < items.len() {
            no_comment(
                item.span.start as usize,
                items[loc.item + 1].span.start as usize,
            )
        } else {
            no_comment(
                items[loc.item - 1].span.end as usize,
                item.span.end as usize,
            )
        };
    }
    // The chown is the whole script: drop the instruction if it is the RUN's only script.
    if run.scripts.len() != 1 || !run.heredocs.is_empty() {
        return Err("the RUN runs other scripts too".into());
    }
    let node = cx.node(instr.span).ok_or("instruction not found")?;
    if node
        .lines
        .iter()
        .any(|l| l.kind == stockade_dockerfile::LineKind::Comment)
    {
        return Err("the RUN holds comment lines".into());
    }
    let s = node.lines.first().ok_or("no lines")?.span.start as usize;
    let e = node.lines.last().ok_or("no lines")?.span.end as usize;
    Ok(Edit::delete(file, s, e))
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{check, declines};

    #[test]
    fn folds_into_copy() {
        // WORKDIR made /app before the COPY: its own owner is kept by a plain chown.
        check(
            "SKD162",
            "FROM python:3.13-slim\nWORKDIR /app\nCOPY . .\nRUN chown -R 10001:10001 /app\n",
            "FROM python:3.13-slim\nWORKDIR /app\nCOPY --chown=10001:10001 . .\nRUN chown 10001:10001 /app\n",
        );
        // COPY creates /srv/app itself: the chown goes entirely.
        check(
            "SKD162",
            "FROM python:3.13-slim\nCOPY src/ /srv/app/\n# owners\nRUN chown -R 10001 /srv/app\nCMD [\"python\"]\n",
            "FROM python:3.13-slim\nCOPY --chown=10001:0 src/ /srv/app/\n# owners\nCMD [\"python\"]\n",
        );
        // A copied file, with other commands around the chown.
        check(
            "SKD162",
            "FROM debian:12\nRUN useradd -r app\nCOPY run.sh /usr/local/bin/\nRUN chown app:app /usr/local/bin/run.sh \\\n && chmod 0755 /usr/local/bin/run.sh\n",
            "FROM debian:12\nRUN useradd -r app\nCOPY --chown=app:app run.sh /usr/local/bin/\nRUN chmod 0755 /usr/local/bin/run.sh\n",
        );
        check(
            "SKD162",
            "FROM debian:12\nCOPY app.jar /opt/app.jar\nRUN groupadd -g 10001 app && useradd -u 10001 -g app app && chown 10001:10001 /opt/app.jar\n",
            "FROM debian:12\nCOPY --chown=10001:10001 app.jar /opt/app.jar\nRUN groupadd -g 10001 app && useradd -u 10001 -g app app\n",
        );
    }

    #[test]
    fn declines_when_not_provably_the_same() {
        // The user is created after the COPY.
        declines(
            "SKD162",
            "FROM python:3.13\nCOPY . /app\nRUN useradd app && chown -R app:app /app\n",
            "may not exist yet",
        );
        // npm install put node_modules in /app: chown -R changes them too.
        declines(
            "SKD162",
            "FROM node:22\nWORKDIR /app\nCOPY package.json .\nRUN npm install\nCOPY . .\nRUN chown -R 1000:1000 /app\n",
            "writes into",
        );
        declines(
            "SKD162",
            "FROM node:22\nWORKDIR /app\nRUN npm init -y\nCOPY . .\nRUN chown -R 1000:1000 /app\n",
            "earlier RUN",
        );
        // COPY would create /opt/app as well.
        declines(
            "SKD162",
            "FROM debian:12\nCOPY app.jar /opt/app/app.jar\nRUN chown 10001:10001 /opt/app/app.jar\n",
            "would create `/opt/app`",
        );
        // Not recursive on a directory.
        declines(
            "SKD162",
            "FROM python:3.13\nCOPY . /app\nRUN chown 1000 /app\n",
            "non-recursive",
        );
        // A system directory may hold the base image's files.
        declines(
            "SKD162",
            "FROM nginx:1.27\nCOPY site/ /usr/share/nginx/html/\nRUN chown -R 101:101 /usr/share/nginx/html\n",
            "base image",
        );
        // `||` and options that change what chown does.
        declines(
            "SKD162",
            "FROM python:3.13\nCOPY . /app\nRUN chown -R 1000 /app || true\n",
            "`||`",
        );
        declines(
            "SKD162",
            "FROM python:3.13\nCOPY . /app\nRUN chown -hR 1000 /app\n",
            "changes what it does",
        );
    }
}
