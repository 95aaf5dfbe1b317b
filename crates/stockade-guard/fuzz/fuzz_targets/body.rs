//! The body decoders and the decision on them: strict JSON against every
//! shape the guard judges, the engine's strict create parser and
//! conversion, and the whole judge for create, exec, update, volume and
//! network bodies against a fake daemon where every lookup is "not found".
//!
//! Properties: nothing panics; a body the strict decoder accepts has no
//! duplicate keys (re-serialising and re-parsing gives the same value).
#![no_main]

use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;
use stockade_engine::strict;
use stockade_guard::canon::canonicalize;
use stockade_guard::decide::{Found, Judge, Lookup, Refusal, Req};
use stockade_guard::routes::route;
use stockade_guard::Profile;

struct NotFound;

impl Lookup for NotFound {
    fn get(&self, _: &str) -> impl std::future::Future<Output = Result<Found, Refusal>> + Send {
        async { Ok(Found::No(404, Bytes::from_static(b"{\"message\":\"no such object\"}"))) }
    }
}

const ROUTES: [(&str, &str); 6] = [
    ("POST", "/v1.41/containers/create?name=f"),
    ("POST", "/v1.41/containers/x/exec"),
    ("POST", "/v1.41/containers/x/update"),
    ("POST", "/v1.41/volumes/create"),
    ("POST", "/v1.41/networks/create"),
    ("POST", "/v1.41/exec/x/start"),
];

fuzz_target!(|data: &[u8]| {
    let Some((&sel, body)) = data.split_first() else {
        return;
    };
    for shape in [
        &strict::CONTAINER_CREATE,
        &strict::EXEC_CREATE,
        &strict::EXEC_START,
        &strict::UPDATE,
        &strict::VOLUME_CREATE,
        &strict::NETWORK_CREATE,
        &strict::NETWORK_CONNECT,
    ] {
        if let Ok(v) = strict::parse_strict(body, shape) {
            let again = strict::parse_strict(v.to_string().as_bytes(), shape)
                .expect("a value the decoder built decodes again");
            assert_eq!(again, v);
        }
    }
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    static CTX: OnceLock<stockade_rules::Ctx> = OnceLock::new();
    let rt = RT.get_or_init(|| tokio::runtime::Builder::new_current_thread().build().unwrap());
    let ctx = CTX.get_or_init(stockade_rules::Ctx::default);
    let profile = Profile::builtin(if sel & 0x80 == 0 { "ci" } else { "read-only" }).unwrap();
    let (method, target) = ROUTES[sel as usize % ROUTES.len()];
    let t = canonicalize(target).unwrap();
    let m = route(method, &t.path).unwrap();
    let protected = vec!["/var/run/docker.sock".to_string()];
    let judge = Judge {
        profile: &profile,
        lookup: &NotFound,
        ctx,
        protected: &protected,
    };
    let req = Req {
        matched: &m,
        query: &t.query,
        body: Some(body),
        upgrade: sel & 0x40 != 0,
    };
    if let Err(r) = rt.block_on(judge.judge(&req)) {
        assert!(!r.rule.is_empty());
        let _ = r.body();
    }
});
