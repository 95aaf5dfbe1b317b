//! SKD209: `cap_drop: [ALL]` (unsafe: a service that needs a capability
//! fails until it is added back with `cap_add`).

use super::{ComposeCx, FixResult};
use crate::settings::FixSettings;
use crate::yaml::YNode;
use stockade_core::{ContainerSpec, Finding};

pub(crate) fn fix(
    cx: &ComposeCx,
    _spec: &ContainerSpec,
    svc: &YNode,
    _f: &Finding,
    _s: &FixSettings,
) -> FixResult {
    let edits = cx.add_item(svc, "cap_drop", "ALL")?;
    Ok((edits, "added `ALL` to `cap_drop`".into()))
}

#[cfg(test)]
mod tests {
    use super::super::testutil::check;

    #[test]
    fn adds_all() {
        check(
            "SKD209",
            "services:\n  web:\n    image: nginx:1.27\n",
            "services:\n  web:\n    image: nginx:1.27\n    cap_drop:\n      - ALL\n",
        );
        // Flow style: appended inside the brackets.
        check(
            "SKD209",
            "services:\n  web:\n    image: nginx:1.27\n    cap_drop: [NET_RAW]\n    cap_add: [CHOWN]\n",
            "services:\n  web:\n    image: nginx:1.27\n    cap_drop: [NET_RAW, ALL]\n    cap_add: [CHOWN]\n",
        );
        check(
            "SKD209",
            "services:\n  web: {image: nginx:1.27, cap_drop: []}\n",
            "services:\n  web: {image: nginx:1.27, cap_drop: [ALL]}\n",
        );
        check(
            "SKD209",
            "services:\n  web: {image: nginx:1.27}\n",
            "services:\n  web: {image: nginx:1.27, cap_drop: [ALL]}\n",
        );
        // A list item that is a single value on its own.
        check(
            "SKD209",
            "services:\n  web:\n    image: nginx:1.27\n    cap_drop: NET_RAW\n",
            "services:\n  web:\n    image: nginx:1.27\n    cap_drop: [NET_RAW, ALL]\n",
        );
    }

    #[test]
    fn inherited_through_a_merge_key() {
        check(
            "SKD209",
            "x-d: &d\n  cap_drop: [NET_RAW]\nservices:\n  web:\n    image: nginx:1.27\n    <<: *d\n",
            "x-d: &d\n  cap_drop: [NET_RAW]\nservices:\n  web:\n    image: nginx:1.27\n    <<: *d\n    cap_drop:\n      - NET_RAW\n      - ALL\n",
        );
    }
}
