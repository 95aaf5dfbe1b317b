//! **What it finds.** A built image whose default user is root: the config
//! sets no `User` (empty or absent), or sets `root`, `0`, `0:0`,
//! `root:<group>`, or a name that the image's `/etc/passwd` maps to UID 0.
//! A named user that `/etc/passwd` does not list is reported as `info`:
//! Docker cannot resolve it, so the container does not start.
//!
//! **Why it matters.** The config's `User` is what `docker run` uses unless
//! told otherwise, and most deployments never override it. A container is
//! a process on the host kernel: root inside it is UID 0 on the host unless
//! user namespaces remap it, so any escape (a kernel bug, a mounted socket,
//! a writable host path) starts as root.
//!
//! **How to fix.** End the Dockerfile with `USER` and an unprivileged
//! numeric UID that exists for nothing else on the host (`65534` is the
//! usual choice), so that Kubernetes' `runAsNonRoot` can verify it. Give
//! that user the files it writes with `COPY --chown`.
//!
//! **Bad**
//! ```dockerfile
//! FROM debian:12-slim
//! COPY app /usr/local/bin/app
//! CMD ["app"]
//! ```
//!
//! **Good**
//! ```dockerfile
//! FROM debian:12-slim
//! COPY --chown=65534:65534 app /usr/local/bin/app
//! USER 65534:65534
//! CMD ["app"]
//! ```

use super::{file_finding, finding};
use crate::meta::{Ctx, FindingExt, FixKind, Rule, RuleMeta, Target};
use stockade_core::{Category, Finding, ImageSpec, Severity, user_is_root};

pub static META: RuleMeta = RuleMeta {
    id: "SKD301",
    title: "Image runs as root by default",
    category: Category::RootUser,
    severity: Severity::High,
    aliases: &["DS-0002", "AVD-DS-0002"],
    targets: &[Target::Image],
    fix: FixKind::None,
    source: include_str!("root_user.rs"),
};

pub struct RootUser;

impl Rule for RootUser {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_image(&self, spec: &ImageSpec, _cx: &Ctx, out: &mut Vec<Finding>) {
        let written = spec.config.user.as_deref().map(str::trim).unwrap_or("");
        if written.is_empty() {
            out.push(finding(
                &META,
                spec,
                None,
                None,
                "the image sets no user, so its containers run as root",
            ));
            return;
        }
        if user_is_root(written) {
            out.push(finding(
                &META,
                spec,
                None,
                None,
                format!("the image runs as root: `User` is `{written}`"),
            ));
            return;
        }
        let name = written.split(':').next().unwrap_or("").trim();
        if name.is_empty() || name.bytes().all(|b| b.is_ascii_digit()) {
            return;
        }
        match spec.find_user(name) {
            Some(u) if u.uid == Some(0) => {
                let msg = format!(
                    "the image runs as `{name}`, which `/etc/passwd` gives UID 0: it is root under another name"
                );
                out.push(match &spec.passwd_file {
                    Some(f) => file_finding(&META, spec, f, msg),
                    None => finding(&META, spec, None, None, msg),
                });
            }
            Some(_) => {}
            None => {
                let why = if spec.passwd_file.is_some() {
                    "`/etc/passwd` does not list it"
                } else {
                    "the image has no `/etc/passwd`"
                };
                out.push(
                    finding(
                        &META,
                        spec,
                        None,
                        None,
                        format!(
                            "cannot tell who `User {written}` is: {why}, so Docker cannot resolve the name and the container does not start; use a numeric UID"
                        ),
                    )
                    .with_severity(Severity::Info),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::image::testutil::{image, run, user, with_passwd};
    use stockade_core::PasswordState;

    #[test]
    fn flags_every_spelling_of_root() {
        for u in [
            None,
            Some(""),
            Some("root"),
            Some("0"),
            Some("0:0"),
            Some("root:app"),
        ] {
            let mut s = image();
            s.config.user = u.map(str::to_string);
            let f = run(&RootUser, &s);
            assert_eq!(f.len(), 1, "{u:?}");
            assert_eq!(f[0].severity, Severity::High);
            assert_eq!(f[0].category, Category::RootUser);
            assert!(f[0].locator.as_ref().unwrap().layer.is_none());
        }
    }

    #[test]
    fn flags_a_name_that_maps_to_uid_0() {
        let mut s = image();
        with_passwd(&mut s);
        s.users
            .push(user("toor", 0, "/bin/sh", PasswordState::Locked));
        s.config.user = Some("toor".into());
        let f = run(&RootUser, &s);
        assert_eq!(f.len(), 1);
        assert!(f[0].message.contains("UID 0"));
        assert_eq!(
            f[0].locator.as_ref().unwrap().path.as_deref(),
            Some("/etc/passwd")
        );
    }

    #[test]
    fn unknown_names_are_info() {
        let mut s = image();
        s.config.user = Some("app".into());
        let f = run(&RootUser, &s);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::Info);
        with_passwd(&mut s);
        assert_eq!(run(&RootUser, &s)[0].severity, Severity::Info);
    }

    #[test]
    fn quiet_for_unprivileged_users() {
        for u in ["65534", "1000:1000", "nobody", "nobody:nogroup", "1000:0"] {
            let mut s = image();
            with_passwd(&mut s);
            s.config.user = Some(u.into());
            assert!(run(&RootUser, &s).is_empty(), "{u}");
        }
    }
}
