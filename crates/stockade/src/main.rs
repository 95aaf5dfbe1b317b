//! `stockade`: audit Dockerfiles, Compose files, `docker run` lines, images
//! and live Docker hosts against one container-security rule catalog.

mod cli;
mod config;
mod discover;
mod docs_cmd;
mod fix_cmd;
mod guard_cmd;
mod harden_cmd;
mod host_cmd;
mod images;
mod projects;
mod rules_cmd;
mod scan;

fn main() {
    std::process::exit(cli::main());
}
