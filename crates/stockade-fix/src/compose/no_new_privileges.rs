//! SKD215: `no-new-privileges:true` in `security_opt` (safe: only setuid
//! and file-capability gains on `execve` are refused).

use super::{ComposeCx, FixResult};
use crate::edit::Edit;
use crate::settings::FixSettings;
use crate::yaml::{YNode, quote};
use saphyr_parser::ScalarStyle;
use stockade_core::{ContainerSpec, Finding};

const ON: &str = "no-new-privileges:true";

pub(crate) fn fix(
    cx: &ComposeCx,
    _spec: &ContainerSpec,
    svc: &YNode,
    f: &Finding,
    _s: &FixSettings,
) -> FixResult {
    // An entry on the service that turns it off: turn it on, in its quoting.
    if let (Some(list), Some(span)) = (svc.get("security_opt"), f.span) {
        for item in list.items().unwrap_or(&[]) {
            let hit = item.start <= span.start as usize
                && (span.start as usize) < item.end.max(item.start + 1);
            let Some(text) = item.scalar() else { continue };
            if !hit || !is_nnp(text) {
                continue;
            }
            if cx.doc.is_shared(item) {
                return Err("the entry is an anchor that other nodes reuse".into());
            }
            let style = item.style().unwrap_or(ScalarStyle::Plain);
            let new = match style {
                ScalarStyle::DoubleQuoted | ScalarStyle::SingleQuoted => quote(ON, style),
                _ if list.is_flow() => quote(ON, ScalarStyle::DoubleQuoted),
                _ => ON.to_string(),
            };
            return Ok((
                vec![Edit::replace(cx.file, item.start, item.end, new)],
                format!("turned `{text}` into `{ON}`"),
            ));
        }
    }
    let edits = cx.add_item(svc, "security_opt", ON)?;
    Ok((edits, format!("added `{ON}` to `security_opt`")))
}

fn is_nnp(s: &str) -> bool {
    let key = s.split([':', '=']).next().unwrap_or("");
    key.trim().eq_ignore_ascii_case("no-new-privileges")
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{check, declines, fix_rule};

    #[test]
    fn adds_or_flips_the_option() {
        check(
            "SKD215",
            "services:\n  app:\n    image: example/app:1.0\n    user: \"10001\"\n",
            "services:\n  app:\n    image: example/app:1.0\n    user: \"10001\"\n    security_opt:\n      - no-new-privileges:true\n",
        );
        check(
            "SKD215",
            "services:\n  app:\n    image: example/app:1.0\n    security_opt:\n    - seccomp=./p.json\n    - 'no-new-privileges:false'   # why\n    ports: [\"8080:80\"]\n",
            "services:\n  app:\n    image: example/app:1.0\n    security_opt:\n    - seccomp=./p.json\n    - 'no-new-privileges:true'   # why\n    ports: [\"8080:80\"]\n",
        );
        check(
            "SKD215",
            "services:\n  app:\n    image: example/app:1.0\n    security_opt:\n      - \"seccomp=./p.json\"\n    restart: always\n",
            "services:\n  app:\n    image: example/app:1.0\n    security_opt:\n      - \"seccomp=./p.json\"\n      - \"no-new-privileges:true\"\n    restart: always\n",
        );
    }

    #[test]
    fn inherited_options_are_copied_onto_the_service() {
        check(
            "SKD215",
            "x-base: &base\n  security_opt:\n    - seccomp=./p.json\nservices:\n  app:\n    <<: *base\n    image: example/app:1.0\n  other:\n    <<: *base\n    image: example/other:1.0\n    security_opt: [no-new-privileges]\n",
            "x-base: &base\n  security_opt:\n    - seccomp=./p.json\nservices:\n  app:\n    <<: *base\n    image: example/app:1.0\n    security_opt:\n      - seccomp=./p.json\n      - no-new-privileges:true\n  other:\n    <<: *base\n    image: example/other:1.0\n    security_opt: [no-new-privileges]\n",
        );
    }

    #[test]
    fn never_edits_a_shared_anchor() {
        // `app` is the anchor `copy` merges: only `copy` is fixed.
        let (out, plan) = fix_rule(
            "services:\n  app: &app\n    image: example/app:1.0\n  copy:\n    <<: *app\n",
            "SKD215",
        );
        assert_eq!(
            out,
            "services:\n  app: &app\n    image: example/app:1.0\n  copy:\n    <<: *app\n    security_opt:\n      - no-new-privileges:true\n"
        );
        assert_eq!(plan.not_fixed.len(), 1);
        assert_eq!(plan.not_fixed[0].subject, "app");
        assert!(plan.not_fixed[0].reason.contains("anchor"));
        // An alias of a shared list is replaced on the service by its
        // items plus the option; the anchor stays as written.
        check(
            "SKD215",
            "x-opts: &opts\n  - seccomp=./p.json\nservices:\n  app:\n    image: example/app:1.0\n    security_opt: *opts\n  b:\n    image: example/app:1.0\n    security_opt: *opts\n",
            "x-opts: &opts\n  - seccomp=./p.json\nservices:\n  app:\n    image: example/app:1.0\n    security_opt: [seccomp=./p.json, \"no-new-privileges:true\"]\n  b:\n    image: example/app:1.0\n    security_opt: [seccomp=./p.json, \"no-new-privileges:true\"]\n",
        );
        // A list that is itself an anchor other services alias is not edited.
        let out = declines(
            "SKD215",
            "services:\n  app:\n    image: example/app:1.0\n    security_opt: &o\n      - seccomp=./p.json\n  b:\n    image: example/app:1.0\n    security_opt: *o\n",
            "anchor",
        );
        assert!(
            out.contains("security_opt: &o\n      - seccomp=./p.json\n  b:"),
            "{out}"
        );
    }
}
