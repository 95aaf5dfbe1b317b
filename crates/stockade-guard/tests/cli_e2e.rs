//! The real docker CLI through the guard (`DOCKER_HOST=unix://…/guard.sock`)
//! against this machine's Docker Engine: the `ci` profile behaves exactly
//! like the daemon for legitimate work, the `read-only` profile refuses
//! every write.
//!
//! `docker exec -it` needs a terminal: it runs under `script` (a pty), so
//! it works without one in CI; `docker exec -i` with piped stdin checks the
//! half-close (stdin EOF must reach the container while output flows).

mod common;

use common::*;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn hardened_run(label: &str) -> Vec<String> {
    [
        "--label",
        label,
        "--read-only",
        "--cap-drop",
        "ALL",
        "--security-opt",
        "no-new-privileges",
        "--user",
        "65534:65534",
        "--memory",
        "64m",
        "--cpus",
        "0.5",
        "--pids-limit",
        "64",
        "--network",
        "none",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

fn ok(o: &std::process::Output, what: &str) -> String {
    assert!(
        o.status.success(),
        "{what} failed ({}): {}{}",
        o.status,
        text(o),
        errtext(o)
    );
    text(o)
}

#[test]
fn ci_profile_works_like_direct() {
    if !docker() {
        return;
    }
    let img = test_image();
    let run = format!("e{}", std::process::id());
    let label = format!("{LABEL}={run}");
    let _clean = Cleanup(run.clone());
    let g = Guard::start("ci");
    let host = g.host();
    let via = |args: &[&str]| docker_cmd(Some(&host), args, None);

    // version and ps: the same answers.
    let fmt = "{{.Server.Version}} {{.Server.APIVersion}} {{.Server.Os}}";
    assert_eq!(
        ok(&via(&["version", "--format", fmt]), "version via guard"),
        ok(&direct(&["version", "--format", fmt]), "version direct")
    );

    // run --rm of a hardened container: same output both ways.
    let mut args: Vec<String> = vec!["run".into(), "--rm".into()];
    args.extend(hardened_run(&label));
    args.extend([
        img.to_string(),
        "echo".into(),
        "hello from a hardened container".into(),
    ]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let through = ok(&via(&args), "run --rm via guard");
    assert_eq!(through, "hello from a hardened container\n");
    assert_eq!(through, ok(&direct(&args), "run --rm direct"));

    // logs -f: follows until the container exits.
    let mut args: Vec<String> = vec!["run".into(), "-d".into()];
    args.extend(hardened_run(&label));
    args.extend([
        img.to_string(),
        "sh".into(),
        "-c".into(),
        "echo one; sleep 1; echo two".into(),
    ]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let id = ok(&via(&args), "run -d via guard").trim().to_string();
    let t = Instant::now();
    let logs = ok(&via(&["logs", "-f", &id]), "logs -f via guard");
    assert_eq!(logs, "one\ntwo\n");
    assert!(
        t.elapsed() >= Duration::from_millis(500),
        "logs -f did not follow"
    );
    assert_eq!(logs, ok(&direct(&["logs", "-f", &id]), "logs -f direct"));

    // exec through the upgrade: -i with piped stdin (half-close), -it under a pty.
    let mut args: Vec<String> = vec!["run".into(), "-d".into()];
    args.extend(hardened_run(&label));
    args.extend([img.to_string(), "sleep".into(), "120".into()]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let sleeper = ok(&via(&args), "run -d sleeper").trim().to_string();
    // ps: the same list (this test's containers; others run concurrently).
    let filter = format!("label={label}");
    let ps = [
        "ps",
        "-a",
        "--no-trunc",
        "--filter",
        &filter,
        "--format",
        "{{.ID}} {{.Names}} {{.Image}} {{.Command}}",
    ];
    let listed = ok(&via(&ps), "ps via guard");
    assert!(
        listed.contains(&sleeper) && listed.contains(&id),
        "{listed}"
    );
    assert_eq!(listed, ok(&direct(&ps), "ps direct"));
    let o = docker_cmd(
        Some(&host),
        &["exec", "-i", &sleeper, "cat"],
        Some(b"piped through the guard\n"),
    );
    assert_eq!(ok(&o, "exec -i via guard"), "piped through the guard\n");
    let o = docker_cmd(
        None,
        &["exec", "-i", &sleeper, "cat"],
        Some(b"piped through the guard\n"),
    );
    assert_eq!(ok(&o, "exec -i direct"), "piped through the guard\n");
    if Command::new("script").arg("--version").output().is_ok() {
        let pty = |h: Option<&str>| {
            let cmd = format!("docker exec -it {sleeper} sh -c 'echo tty-ok; tty'");
            let mut c = Command::new("script");
            c.args(["-qec", &cmd, "/dev/null"]);
            match h {
                Some(h) => c.env("DOCKER_HOST", h),
                None => c.env_remove("DOCKER_HOST"),
            };
            let o = c.stdin(Stdio::null()).output().unwrap();
            // `script` may echo a NUL from the pty as `^@`, anywhere.
            ok(&o, "exec -it under script")
                .replace('\0', "")
                .replace("^@", "")
        };
        let through = pty(Some(&host));
        assert!(through.contains("tty-ok\r\n/dev/pts/"), "{through:?}");
        let straight = pty(None);
        assert_eq!(through.trim_end(), straight.trim_end());
    } else {
        eprintln!("`script` is missing: exec -it not checked (exec -i was)");
    }
    // A refused exec says why, the way the daemon's errors read.
    let o = via(&["exec", "-u", "0", &sleeper, "id"]);
    assert!(!o.status.success());
    assert!(
        errtext(&o).contains("Error response from daemon: stockade guard: SKG012:"),
        "{}",
        errtext(&o)
    );

    // events: a stream through the guard sees a container made directly.
    let ev_label = format!("{LABEL}.events={run}");
    let mut events = Command::new("docker")
        .args([
            "events",
            "--filter",
            &format!("label={ev_label}"),
            "--format",
            "{{.Action}}",
        ])
        .env("DOCKER_HOST", &host)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let out = events.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    // The subscription takes a moment: make events until one arrives.
    let mut got = Err(std::sync::mpsc::RecvTimeoutError::Timeout);
    for _ in 0..10 {
        ok(
            &direct(&[
                "create", "--label", &ev_label, "--label", &label, img, "true",
            ]),
            "create for events",
        );
        got = rx.recv_timeout(Duration::from_secs(2));
        if got.is_ok() {
            break;
        }
    }
    if got.is_err() {
        let _ = events.kill();
        let o = events.wait_with_output().unwrap();
        for l in g.audit_lines() {
            eprintln!("{l}");
        }
        panic!("no event through the guard: {}", errtext(&o));
    }
    assert_eq!(got.as_deref(), Ok("create"));
    let _ = events.kill();
    let _ = events.wait();

    // build: a small image, then run it.
    let ctx = TempDir::new("build");
    std::fs::write(
        ctx.0.join("Dockerfile"),
        format!(
            "FROM {img}\nRUN echo built-through-the-guard > /tmp/marker\nLABEL {LABEL}={run}\n"
        ),
    )
    .unwrap();
    let tag = format!("stockade-guard-test/built-{run}:1");
    let o = via(&[
        "build",
        "--force-rm",
        "-q",
        "-t",
        &tag,
        ctx.0.to_str().unwrap(),
    ]);
    ok(&o, "build via guard");
    let mut args: Vec<String> = vec!["run".into(), "--rm".into()];
    args.extend(hardened_run(&label));
    args.extend([tag.clone(), "cat".into(), "/tmp/marker".into()]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    assert_eq!(
        ok(&via(&args), "run the built image"),
        "built-through-the-guard\n"
    );
    // Building over an existing tag is refused (ci protects existing tags).
    let o = via(&[
        "build",
        "--force-rm",
        "-q",
        "-t",
        &tag,
        ctx.0.to_str().unwrap(),
    ]);
    assert!(
        errtext(&o).contains("stockade guard: SKG011"),
        "{}",
        errtext(&o)
    );
    ok(&direct(&["rmi", "-f", &tag]), "rmi");

    // save: byte for byte what the daemon exports directly.
    let a = ctx.0.join("via.tar");
    let b = ctx.0.join("direct.tar");
    ok(
        &via(&["save", "-o", a.to_str().unwrap(), img]),
        "save via guard",
    );
    ok(
        &direct(&["save", "-o", b.to_str().unwrap(), img]),
        "save direct",
    );
    let (a, b) = (std::fs::read(a).unwrap(), std::fs::read(b).unwrap());
    assert!(a.len() > 1_000_000);
    assert!(a == b, "docker save differs through the guard");

    // stop and remove through the guard.
    ok(&via(&["rm", "-f", &sleeper, &id]), "rm -f via guard");
    let audit = g.audit_lines();
    assert!(
        audit
            .iter()
            .any(|l| l["route"] == "containers.create" && l["decision"] == "allow")
    );
    assert!(
        audit
            .iter()
            .any(|l| l["route"] == "exec.start" && l["decision"] == "allow")
    );
    assert!(
        audit
            .iter()
            .any(|l| l["route"] == "containers.exec" && l["decision"] == "deny")
    );
}

#[test]
fn read_only_refuses_every_write() {
    if !docker() {
        return;
    }
    let img = test_image();
    let run = format!("r{}", std::process::id());
    let label = format!("{LABEL}={run}");
    let _clean = Cleanup(run.clone());
    let mut args = vec!["run".to_string(), "-d".to_string()];
    args.extend(hardened_run(&label));
    args.extend([img.to_string(), "sleep".into(), "120".into()]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let id = ok(&direct(&args), "run -d direct").trim().to_string();
    let g = Guard::start("read-only");
    let via = |args: &[&str]| g.docker(args);

    // Reads work.
    ok(&via(&["version"]), "version");
    ok(&via(&["ps", "-a"]), "ps");
    ok(&via(&["images"]), "images");
    ok(&via(&["inspect", &id]), "inspect");
    ok(&via(&["logs", &id]), "logs");
    ok(&via(&["top", &id]), "top");
    ok(&via(&["stats", "--no-stream", &id]), "stats");
    ok(&via(&["volume", "ls"]), "volume ls");
    ok(&via(&["network", "ls"]), "network ls");
    ok(&via(&["system", "df"]), "system df");

    let ctx = TempDir::new("ro-build");
    std::fs::write(ctx.0.join("Dockerfile"), format!("FROM {img}\n")).unwrap();
    let file = ctx.0.join("f.txt");
    std::fs::write(&file, "x").unwrap();
    let cp_src = file.to_str().unwrap().to_string();
    let cp_dst = format!("{id}:/tmp/f.txt");
    let writes: Vec<Vec<&str>> = vec![
        vec!["run", "--rm", img, "true"],
        vec!["create", img, "true"],
        vec!["start", &id],
        vec!["stop", &id],
        vec!["kill", &id],
        vec!["restart", &id],
        vec!["pause", &id],
        vec!["rename", &id, "renamed"],
        vec!["update", "--memory", "128m", &id],
        vec!["exec", &id, "true"],
        vec!["cp", &cp_src, &cp_dst],
        vec!["cp", &cp_dst, "-"],
        vec!["export", &id],
        vec!["rm", "-f", &id],
        vec!["commit", &id, "sg-ro-commit:1"],
        vec!["build", "-q", ctx.0.to_str().unwrap()],
        vec!["pull", "busybox:1.36"],
        vec!["tag", img, "sg-ro-tag:1"],
        vec!["rmi", img],
        vec!["save", img],
        vec!["volume", "create", "sg-ro-vol"],
        vec!["network", "create", "sg-ro-net"],
        vec!["container", "prune", "-f"],
        vec!["image", "prune", "-f"],
        vec![
            "plugin",
            "install",
            "--grant-all-permissions",
            "vieux/sshfs",
        ],
        vec!["swarm", "init"],
    ];
    let mut not_refused = Vec::new();
    for w in &writes {
        let o = via(w);
        if o.status.success() || !errtext(&o).contains("stockade guard: SKG003") {
            not_refused.push(format!(
                "docker {}: {}{}",
                w.join(" "),
                text(&o),
                errtext(&o)
            ));
        }
    }
    assert!(
        not_refused.is_empty(),
        "not refused:\n{}",
        not_refused.join("\n")
    );

    // Nothing changed: the container still runs, the image still exists.
    let state = ok(
        &direct(&["inspect", "-f", "{{.State.Running}} {{.Name}}", &id]),
        "inspect",
    );
    assert!(state.starts_with("true /"), "{state}");
    assert!(!state.contains("renamed"));
    ok(&direct(&["image", "inspect", img]), "image still there");
    for gone in ["sg-ro-commit:1", "sg-ro-tag:1"] {
        assert!(
            !direct(&["image", "inspect", gone]).status.success(),
            "{gone} exists"
        );
    }
    assert!(!direct(&["volume", "inspect", "sg-ro-vol"]).status.success());
    assert!(
        !direct(&["network", "inspect", "sg-ro-net"])
            .status
            .success()
    );
    let denies = g
        .audit_lines()
        .iter()
        .filter(|l| l["decision"] == "deny")
        .count();
    assert!(
        denies >= writes.len(),
        "{denies} deny lines for {} writes",
        writes.len()
    );
}
