//! The image rules on real images: the `docker save` fixtures that
//! stockade-image's tests/build-images.sh built with this machine's Docker
//! Engine.

use std::io::Read;
use std::path::PathBuf;
use std::sync::OnceLock;
use stockade_core::{Category, Finding, ImageSpec, Severity};
use stockade_image::{ReadOptions, open, open_reader};
use stockade_rules::util::date::Date;
use stockade_rules::{Ctx, Policy, check_image};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../stockade-image/tests/fixtures")
        .join(name)
}

/// The six images of images.tar.gz, read once (gunzipped in memory: the
/// bytes docker wrote).
fn images() -> &'static [ImageSpec] {
    static ALL: OnceLock<Vec<ImageSpec>> = OnceLock::new();
    ALL.get_or_init(|| {
        let f = std::fs::File::open(fixture("images.tar.gz")).unwrap();
        let mut bytes = Vec::new();
        flate2::read::GzDecoder::new(f)
            .read_to_end(&mut bytes)
            .unwrap();
        open_reader(
            std::io::Cursor::new(bytes),
            "images.tar",
            &ReadOptions::default(),
        )
        .unwrap()
        .into_iter()
        .map(|r| r.unwrap())
        .collect()
    })
}

/// The fixtures were built on 2026-11-28.
fn ctx(today: &str) -> Ctx {
    Ctx {
        today: Date::parse(today).unwrap(),
        read_context: false,
        ..Ctx::default()
    }
}

fn judge(spec: &ImageSpec, today: &str) -> Vec<Finding> {
    check_image(spec, &ctx(today), &Policy::default())
}

fn by_tag<'a>(all: &'a [ImageSpec], tag: &str) -> &'a ImageSpec {
    all.iter()
        .find(|s| s.tags.iter().any(|t| t == tag))
        .unwrap_or_else(|| panic!("{tag} not in the fixture"))
}

fn rules(f: &[Finding]) -> Vec<&'static str> {
    f.iter().map(|f| f.rule).collect()
}

#[test]
fn every_finding_locates_into_its_image() {
    for s in images() {
        for f in judge(s, "2026-11-30") {
            assert!(f.span.is_none());
            let loc = f.locator.as_ref().unwrap();
            assert_eq!(loc.image.as_deref(), Some(s.reference.as_str()));
            assert_eq!(f.subject, s.reference);
            if let Some(layer) = &loc.layer {
                assert!(
                    s.layers.iter().any(|l| l.diff_id.as_ref() == Some(layer)),
                    "{}: layer {layer} is not one of the image's",
                    f.rule
                );
            }
        }
    }
}

#[test]
fn root_image_runs_as_root_and_nobody_image_does_not() {
    let all = images();
    let root = judge(by_tag(all, "stockade-fixture/root:1"), "2026-11-30");
    let r: Vec<&Finding> = root
        .iter()
        .filter(|f| f.category == Category::RootUser)
        .collect();
    assert_eq!(r.len(), 1);
    assert_eq!((r[0].rule, r[0].severity), ("SKD301", Severity::High));
    // The shared base ships `root::` in /etc/shadow with a login shell.
    assert_eq!(rules(&root), vec!["SKD301", "SKD312"]);
    let shadow = &root[1];
    assert_eq!(
        shadow.locator.as_ref().unwrap().path.as_deref(),
        Some("/etc/shadow")
    );

    let nobody = judge(by_tag(all, "stockade-fixture/nobody:1"), "2026-11-30");
    assert!(
        nobody.iter().all(|f| f.category != Category::RootUser),
        "{nobody:?}"
    );
    // 8080 is no administration port; only the base's empty root password.
    assert_eq!(rules(&nobody), vec!["SKD312"]);
}

#[test]
fn setuid_file_and_world_writable_dir() {
    let all = images();
    let s = by_tag(all, "stockade-fixture/setuid:1");
    let f = judge(s, "2026-11-30");
    let setuid: Vec<&Finding> = f.iter().filter(|f| f.rule == "SKD308").collect();
    assert_eq!(setuid.len(), 1);
    assert_eq!(setuid[0].category, Category::FilePermissions);
    assert_eq!(setuid[0].severity, Severity::Medium);
    let loc = setuid[0].locator.as_ref().unwrap();
    assert_eq!(loc.path.as_deref(), Some("/usr/local/bin/tool"));
    // The chmod step (layer 4) set the bit, not the COPY.
    assert_eq!(loc.layer, s.layers[3].diff_id);
    let ww: Vec<&Finding> = f.iter().filter(|f| f.rule == "SKD309").collect();
    assert_eq!(ww.len(), 1, "/tmp is sticky and fine; /shared is not");
    assert_eq!(
        ww[0].locator.as_ref().unwrap().path.as_deref(),
        Some("/shared")
    );
}

#[test]
fn deleted_key_is_reported_at_the_layer_that_holds_it() {
    let all = images();
    let s = by_tag(all, "stockade-fixture/secret:1");
    let f = judge(s, "2026-11-30");
    let keys: Vec<&Finding> = f
        .iter()
        .filter(|f| f.category == Category::Secrets)
        .collect();
    assert_eq!(keys.len(), 1);
    let k = keys[0];
    assert_eq!((k.rule, k.severity), ("SKD310", Severity::Critical));
    let loc = k.locator.as_ref().unwrap();
    assert_eq!(loc.path.as_deref(), Some("/root/.ssh/id_rsa"));
    // Layer 3 (the COPY) holds the key; layer 4 (the rm) deletes it.
    assert_eq!(loc.layer, s.layers[2].diff_id);
    assert!(
        k.message
            .contains("a later layer deletes or replaces it, but layer 3")
    );
    // The message never carries the key material.
    assert!(!k.message.contains("c3RvY2thZGU"));
}

#[test]
fn multistage_and_debian_like_images_are_clean() {
    let all = images();
    let m = judge(by_tag(all, "stockade-fixture/multistage:1"), "2026-11-30");
    assert!(m.is_empty(), "{m:?}");
    let v = open(&fixture("debianlike.tar"), &ReadOptions::default()).unwrap();
    let d = v.into_iter().next().unwrap().unwrap();
    // `User app` is UID 1000 in its /etc/passwd; Debian 12 is supported.
    let f = judge(&d, "2026-11-30");
    assert!(f.is_empty(), "{f:?}");
    // Debian 12's LTS ends 2028-06-30.
    let later = judge(&d, "2028-07-01");
    let eol: Vec<&Finding> = later.iter().filter(|f| f.rule == "SKD304").collect();
    assert_eq!(eol.len(), 1);
    assert_eq!(
        eol[0].locator.as_ref().unwrap().path.as_deref(),
        Some("/usr/lib/os-release")
    );
}

#[test]
fn old_images_are_due_for_a_rebuild() {
    for s in images() {
        let f = judge(s, "2026-12-30");
        let age: Vec<&Finding> = f.iter().filter(|f| f.rule == "SKD303").collect();
        assert_eq!(age.len(), 1, "{}", s.reference);
        assert!(age[0].message.contains("32 days ago"), "{}", age[0].message);
        assert_eq!(age[0].category, Category::Freshness);
    }
}

#[test]
fn policy_selects_image_rules() {
    let all = images();
    let s = by_tag(all, "stockade-fixture/secret:1");
    let policy = Policy {
        ignore: vec![stockade_rules::Selector::parse("secrets")],
        ..Policy::default()
    };
    let f = check_image(s, &ctx("2026-11-30"), &policy);
    assert!(f.iter().all(|f| f.category != Category::Secrets));
    assert!(!f.is_empty());
}
