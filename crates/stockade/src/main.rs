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

// mimalloc: a scan allocates many small, short-lived values per file on
// several threads, and glibc's malloc/free took about a fifth of the
// 5,000-Dockerfile bench (perf). Built without transparent huge pages
// (`no_thp`): with them its arenas raised peak RSS from 32 MB to 64 MB.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_purge_delay` in mimalloc.h (the same number in its v2 and v3).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Pages freed go back to the OS at once instead of after 10 ms: findings
/// are made on worker threads and freed on the main one, and with the delay
/// the 5,000-file Compose bench peaked at 83 MB instead of 56 MB, for no
/// measurable speed.
fn tune_allocator() {
    // SAFETY: a plain option setter; mimalloc reads the option when it
    // purges, and no other thread exists yet.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 0) };
}

fn main() {
    tune_allocator();
    std::process::exit(cli::main());
}
