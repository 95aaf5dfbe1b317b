//! The request parser: canonicalisation, routing, query parsing, the
//! upstream path rebuilt from the canonical form, and the framing watch.
//!
//! Properties: nothing panics; a canonical target re-encoded for the daemon
//! canonicalises to the same target (what is judged is what is routed);
//! the framing watch gives the same answer whatever the read sizes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use stockade_guard::canon::{MAX_TARGET, canonicalize};
use stockade_guard::framing::{Flags, Scanner};
use stockade_guard::routes::route;

const METHODS: [&str; 6] = ["GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS"];

fn scan(data: &[u8], split: usize) -> usize {
    let flags = Arc::new(Flags::default());
    let mut s = Scanner::new(flags.clone());
    let split = split.min(data.len());
    s.feed(&data[..split]);
    for chunk in data[split..].chunks(7) {
        s.feed(chunk);
    }
    flags.te_and_cl.load(Ordering::SeqCst)
}

fuzz_target!(|data: &[u8]| {
    let Some((&m, rest)) = data.split_first() else {
        return;
    };
    let method = METHODS[m as usize % METHODS.len()];
    let target = String::from_utf8_lossy(rest);
    if let Ok(t) = canonicalize(&target) {
        assert!(t.path.starts_with('/'));
        assert!(!t.path.contains("//") && !t.path.contains("/../") && !t.path.ends_with("/.."));
        let _ = t.query.repeated();
        let _ = t.query.bool("stdin");
        if let Some(mt) = route(method, &t.path) {
            let path = t.path.clone();
            let up = t.upstream_path(&path);
            // Re-encoding may lengthen a target past the guard's own input
            // limit (the daemon has none); compare the rest.
            if up.len() <= MAX_TARGET {
                let again = canonicalize(&up).expect("the upstream form canonicalises");
                assert_eq!(again, t, "{target:?} -> {up:?}");
                assert_eq!(route(method, &again.path).map(|r| r.route.name), Some(mt.route.name));
            }
        }
    }
    // The framing watch: the same verdict for any read pattern.
    let a = scan(data, data.len());
    let b = scan(data, (m as usize) % (data.len() + 1));
    assert_eq!(a, b);
});
