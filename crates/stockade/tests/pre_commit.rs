//! The pre-commit hooks of `.pre-commit-hooks.yaml`, run for real with
//! `pre-commit try-repo` (pre-commit from PyPI, installed into a virtualenv
//! under the target directory on first use) on a sample repository:
//! `scripts/test-pre-commit.sh` checks that the Dockerfile hook fails on an
//! insecure Dockerfile and names the rule and file, passes after hardening,
//! and that the Compose hooks pass on a hardened Compose file. The hooks use
//! this build's binary (`STOCKADE_HOOK_BIN`); the script without it also
//! exercises the hook's own cargo build.
//!
//! A clean clone of this repository is what pre-commit clones, so the test
//! commits nothing: it points try-repo at the checkout, whose HEAD is used.

use std::path::Path;
use std::process::Command;

#[test]
fn hooks_run_with_pre_commit_try_repo() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap();
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let out = Command::new("sh")
        .arg(repo.join("scripts/test-pre-commit.sh"))
        .env("STOCKADE_HOOK_BIN", env!("CARGO_BIN_EXE_stockade"))
        .env(
            "PRE_COMMIT_VENV",
            std::env::var_os("PRE_COMMIT_VENV")
                .unwrap_or_else(|| tmp.join("pre-commit-venv").into()),
        )
        .env("PRE_COMMIT_HOME", tmp.join("pre-commit-home"))
        .env("TMPDIR", tmp)
        .output()
        .expect("run scripts/test-pre-commit.sh");
    let text = format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "pre-commit hooks failed:\n{text}");
    // Every check of the script ran and reported.
    for what in [
        "stockade-dockerfile on an insecure Dockerfile: exit 1 (want 1)",
        "stockade-compose on a hardened Compose file: exit 0 (want 0)",
        "stockade-dockerfile-system on the insecure Dockerfile: exit 1 (want 1)",
        "stockade-dockerfile after hardening: exit 0 (want 0)",
        "stockade-compose-system: exit 0 (want 0)",
        "pre-commit hooks: ok",
    ] {
        assert!(text.contains(what), "missing `{what}` in:\n{text}");
    }
}
