//! The container image of stockade itself (the repository's `Dockerfile`),
//! built with this machine's Docker Engine from a static binary and run as
//! 65534:65534 on a tree mounted read-only:
//!
//! ```sh
//! docker run --rm -v "$PWD:/src:ro" stockade scan /src
//! ```
//!
//! The static binary is `$STOCKADE_STATIC_BINARY` when set (CI can pass the
//! one `scripts/build-static.sh` made), else this test builds one for the
//! musl target, or glibc with `+crt-static` when the musl target or its C
//! compiler is missing (debug profile, in its own target directory; minutes
//! the first time, cached after). `STOCKADE_SKIP_DOCKER=1` skips the test;
//! without it, a missing Docker daemon fails the test with a clear message.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const MUSL: &str = "x86_64-unknown-linux-musl";

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("repository root")
}

fn text(o: &Output) -> String {
    format!(
        "status {}\n--- stdout\n{}\n--- stderr\n{}",
        o.status,
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn docker(args: &[&str]) -> Output {
    Command::new("docker")
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run `docker {}`: {e}", args.join(" ")))
}

/// Whether an ELF file asks for a dynamic loader (has a PT_INTERP header).
/// A static binary does not.
fn has_interpreter(elf: &[u8]) -> bool {
    assert!(elf.len() > 64 && &elf[..4] == b"\x7fELF", "not an ELF file");
    assert_eq!(elf[4], 2, "not a 64-bit ELF");
    assert_eq!(elf[5], 1, "not little-endian");
    let u16_at = |o: usize| u16::from_le_bytes([elf[o], elf[o + 1]]) as usize;
    let phoff = u64::from_le_bytes(elf[0x20..0x28].try_into().unwrap()) as usize;
    let (size, count) = (u16_at(0x36), u16_at(0x38));
    (0..count).any(|i| {
        let at = phoff + i * size;
        elf.get(at..at + 4)
            .is_some_and(|t| u32::from_le_bytes(t.try_into().unwrap()) == 3)
    })
}

fn static_binary() -> PathBuf {
    if let Some(p) = std::env::var_os("STOCKADE_STATIC_BINARY") {
        let p = PathBuf::from(p);
        assert!(
            p.is_file(),
            "STOCKADE_STATIC_BINARY={} is not a file",
            p.display()
        );
        return p;
    }
    let target_dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("static-build");
    // The musl target (what scripts/build-static.sh uses) when rustup has it
    // and a C compiler for it exists; else glibc linked statically, which
    // runs FROM scratch just as well for this test.
    let musl_cc = Command::new("x86_64-linux-musl-gcc")
        .arg("--version")
        .output()
        .is_ok();
    let musl_gcc = Command::new("musl-gcc").arg("--version").output().is_ok();
    let (target, static_flags) = if musl_installed() && (musl_cc || musl_gcc) {
        (MUSL, None)
    } else {
        (GNU, Some("-C target-feature=+crt-static"))
    };
    let mut cmd = Command::new(env!("CARGO"));
    cmd.current_dir(repo_root())
        .args(["build", "-p", "stockade", "--target", target])
        .env("CARGO_TARGET_DIR", &target_dir)
        .env_remove("RUSTFLAGS");
    if let Some(flags) = static_flags {
        cmd.env("RUSTFLAGS", flags);
    } else if !musl_cc {
        cmd.env("CC_x86_64_unknown_linux_musl", "musl-gcc");
    }
    let o = cmd.output().expect("run cargo");
    assert!(
        o.status.success(),
        "cannot build a static binary for {target}:\n{}",
        text(&o)
    );
    target_dir.join(target).join("debug/stockade")
}

const GNU: &str = "x86_64-unknown-linux-gnu";

/// Whether the toolchain has the musl standard library.
fn musl_installed() -> bool {
    let Ok(o) = Command::new("rustc").args(["--print", "sysroot"]).output() else {
        return false;
    };
    let sysroot = String::from_utf8_lossy(&o.stdout).trim().to_string();
    Path::new(&sysroot)
        .join("lib/rustlib")
        .join(MUSL)
        .join("lib")
        .is_dir()
}

#[test]
fn image_builds_from_scratch_runs_as_nobody_and_scans_a_mounted_tree() {
    if std::env::var_os("STOCKADE_SKIP_DOCKER").is_some_and(|v| v == "1") {
        eprintln!("STOCKADE_SKIP_DOCKER=1: container image test skipped");
        return;
    }
    let version = Command::new("docker")
        .args(["version", "--format", "{{.Server.Version}}"])
        .output();
    match version {
        Ok(o) if o.status.success() => {}
        Ok(o) => panic!(
            "the Docker daemon is not reachable; start it or set STOCKADE_SKIP_DOCKER=1\n{}",
            text(&o)
        ),
        Err(e) => {
            panic!("the docker CLI is not installed ({e}); set STOCKADE_SKIP_DOCKER=1 to skip")
        }
    }

    let root = repo_root();
    let binary = static_binary();
    let elf = std::fs::read(&binary).unwrap();
    assert!(!has_interpreter(&elf), "{} is not static", binary.display());

    let work = std::env::temp_dir().join(format!("stockade-image-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&work);
    let context = work.join("context");
    std::fs::create_dir_all(&context).unwrap();
    std::fs::copy(&binary, context.join("stockade")).unwrap();
    let tag = format!("stockade-test:{}", std::process::id());
    let dockerfile = root.join("Dockerfile");
    let build = docker(&[
        "build",
        "--quiet",
        "-t",
        &tag,
        "-f",
        dockerfile.to_str().unwrap(),
        context.to_str().unwrap(),
    ]);
    assert!(
        build.status.success(),
        "docker build failed:\n{}",
        text(&build)
    );

    let result = std::panic::catch_unwind(|| check_image(&tag, &root, &work));
    let _ = docker(&["rmi", "-f", &tag]);
    let _ = std::fs::remove_dir_all(&work);
    if let Err(e) = result {
        std::panic::resume_unwind(e);
    }
}

fn check_image(tag: &str, root: &Path, work: &Path) {
    // Runs as nobody, from an empty base: two layers, the binary and the
    // empty /src working directory.
    let inspect = docker(&[
        "image",
        "inspect",
        "--format",
        "{{.Config.User}}|{{json .Config.Entrypoint}}|{{len .RootFS.Layers}}",
        tag,
    ]);
    assert!(inspect.status.success(), "{}", text(&inspect));
    assert_eq!(
        String::from_utf8_lossy(&inspect.stdout).trim(),
        "65534:65534|[\"/usr/local/bin/stockade\"]|2"
    );
    let v = docker(&["run", "--rm", tag, "--version"]);
    assert!(v.status.success(), "{}", text(&v));
    assert!(String::from_utf8_lossy(&v.stdout).contains("rule catalog"));
    let id = docker(&["run", "--rm", "--entrypoint", "/bin/sh", tag, "-c", "id"]);
    assert!(!id.status.success(), "the image has no shell");

    // A clean tree: the hardened examples and the image's own Dockerfile.
    let clean = work.join("clean");
    for (from, to) in [
        ("examples/hardened/Dockerfile", "app/Dockerfile"),
        (
            "examples/compose-hardened/compose.yaml",
            "deploy/compose.yaml",
        ),
        ("Dockerfile", "Dockerfile"),
    ] {
        let dest = clean.join(to);
        std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
        std::fs::copy(root.join(from), &dest).unwrap();
    }
    let mount = format!("{}:/src:ro", clean.display());
    let o = docker(&["run", "--rm", "-v", &mount, tag, "scan", "/src"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("No findings in 3 files."),
        "{}",
        text(&o)
    );
    // The default command scans /src, also under tight confinement.
    let o = docker(&[
        "run",
        "--rm",
        "--network",
        "none",
        "--read-only",
        "--cap-drop",
        "ALL",
        "--security-opt",
        "no-new-privileges",
        "-v",
        &mount,
        tag,
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));

    // An insecure tree fails with findings at their lines.
    let bad = work.join("bad");
    std::fs::create_dir_all(&bad).unwrap();
    std::fs::copy(
        root.join("examples/insecure/Dockerfile"),
        bad.join("Dockerfile"),
    )
    .unwrap();
    let mount = format!("{}:/src:ro", bad.display());
    let o = docker(&[
        "run", "--rm", "-v", &mount, tag, "scan", "--format", "json", "/src",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON report");
    let findings = v["findings"].as_array().unwrap();
    assert!(
        findings.iter().any(|f| f["rule"] == "SKD101"),
        "{}",
        text(&o)
    );
    assert_eq!(findings[0]["location"]["path"], "/src/Dockerfile");
}

#[test]
fn the_elf_check_tells_static_from_dynamic() {
    // The test binary itself is dynamically linked (glibc).
    let me = std::fs::read(std::env::current_exe().unwrap()).unwrap();
    assert!(has_interpreter(&me));
}
