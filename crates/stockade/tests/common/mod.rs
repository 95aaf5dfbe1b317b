//! Helpers shared by the end-to-end tests of the `stockade` binary (each
//! test file is its own crate and uses what it needs).
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// The binary, with a fixed "today" and no colour settings inherited.
pub fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_stockade"));
    c.env("STOCKADE_TODAY", "2026-11-28")
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE");
    c
}

/// A fresh, empty directory for one test (unique per test process).
pub fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("stockade-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Writes `text` at `dir/rel`, creating the directories on the way.
pub fn write(dir: &Path, rel: &str, text: &str) -> PathBuf {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(&p, text).unwrap();
    p
}
