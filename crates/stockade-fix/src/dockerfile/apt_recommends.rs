//! SKD131: `--no-install-recommends` on `apt-get install` (`apt install`;
//! `--without-recommends` for aptitude). Safe: only optional packages are
//! left out.

use super::{DfCx, FixResult, after_action, find_pkg, pkg_at};
use crate::edit::Edit;
use crate::settings::FixSettings;
use stockade_core::Finding;
use stockade_rules::util::commands::PkgManager;

pub(crate) fn fix(cx: &DfCx, f: &Finding, _s: &FixSettings) -> FixResult {
    let (_, _, rs) = pkg_at(cx, f)?;
    let span = f.span.ok_or("no location")?;
    let p = find_pkg(&rs, span).ok_or("the install command was not found")?;
    let at = after_action(cx, &p)?;
    let opt = if p.manager == PkgManager::Aptitude {
        "--without-recommends"
    } else {
        "--no-install-recommends"
    };
    Ok((
        vec![Edit::insert(cx.file.id, at, format!(" {opt}"))],
        format!("added `{opt}`"),
    ))
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{check, declines};

    #[test]
    fn adds_the_option_after_install() {
        check(
            "SKD131",
            "FROM debian:12-slim\nRUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*\n",
            "FROM debian:12-slim\nRUN apt-get update && apt-get install --no-install-recommends -y curl && rm -rf /var/lib/apt/lists/*\n",
        );
        check(
            "SKD131",
            "FROM debian:12-slim\r\nRUN apt-get update \\\r\n && apt-get -y install \\\r\n      curl \\\r\n && rm -rf /var/lib/apt/lists/*\r\n",
            "FROM debian:12-slim\r\nRUN apt-get update \\\r\n && apt-get -y install --no-install-recommends \\\r\n      curl \\\r\n && rm -rf /var/lib/apt/lists/*\r\n",
        );
        check(
            "SKD131",
            "FROM debian:12\nRUN sh -c 'apt-get install -y curl'\n",
            "FROM debian:12\nRUN sh -c 'apt-get install --no-install-recommends -y curl'\n",
        );
        check(
            "SKD131",
            "FROM debian:12\nRUN <<EOF\napt-get update\naptitude install -y curl\nrm -rf /var/lib/apt/lists/*\nEOF\n",
            "FROM debian:12\nRUN <<EOF\napt-get update\naptitude install --without-recommends -y curl\nrm -rf /var/lib/apt/lists/*\nEOF\n",
        );
    }

    #[test]
    fn exec_form_is_left() {
        declines(
            "SKD131",
            "FROM debian:12\nRUN [\"apt-get\", \"install\", \"-y\", \"curl\"]\n",
            "exec-form",
        );
    }
}
