//! Documentation generated from the code, so it cannot drift:
//!
//! - `stockade completions bash|zsh|fish`: shell completions (clap_complete);
//! - `stockade man`: the man page (clap_mangen, plus sections of our own);
//! - `stockade docs [--check]`: writes (or checks) `docs/rules/<ID>.md` from
//!   the rule files, the README's rule table and `docs/stockade.1`;
//! - `stockade rules --aliases`: peers' ids mapped to ours.

use crate::cli::{Cli, EXIT_ERROR, EXIT_FINDINGS, EXIT_OK};
use clap::{Args, CommandFactory, ValueEnum};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use stockade_rules::{FixKind, RuleMeta, Target, catalog};

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
}

#[derive(Args, Debug)]
pub struct CompletionsArgs {
    /// The shell to write completions for.
    #[arg(value_enum)]
    pub shell: Shell,
}

#[derive(Args, Debug)]
pub struct DocsArgs {
    /// The repository root (where `README.md` and `docs/` are).
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub root: PathBuf,
    /// Write nothing; exit 1 when a generated file is missing or differs.
    #[arg(long)]
    pub check: bool,
}

/// `stockade completions SHELL`.
pub fn completions(a: CompletionsArgs) -> i32 {
    let mut out = Vec::new();
    let mut cmd = Cli::command();
    match a.shell {
        Shell::Bash => {
            clap_complete::generate(clap_complete::Shell::Bash, &mut cmd, "stockade", &mut out)
        }
        Shell::Zsh => {
            clap_complete::generate(clap_complete::Shell::Zsh, &mut cmd, "stockade", &mut out)
        }
        Shell::Fish => {
            clap_complete::generate(clap_complete::Shell::Fish, &mut cmd, "stockade", &mut out)
        }
    }
    write_stdout(&out)
}

/// `stockade man`.
pub fn man() -> i32 {
    match man_page() {
        Ok(page) => write_stdout(page.as_bytes()),
        Err(e) => {
            eprintln!("stockade: cannot render the man page: {e}");
            EXIT_ERROR
        }
    }
}

fn write_stdout(bytes: &[u8]) -> i32 {
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(bytes).and_then(|_| stdout.flush()) {
        Ok(()) => EXIT_OK,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => EXIT_OK,
        Err(e) => {
            eprintln!("stockade: {e}");
            EXIT_ERROR
        }
    }
}

/// Escapes text for roff: backslashes, and a leading `.` or `'` that would
/// read as a request.
fn roff_text(s: &str) -> String {
    let s = s.replace('\\', "\\e").replace('-', "\\-");
    if s.starts_with('.') || s.starts_with('\'') {
        format!("\\&{s}")
    } else {
        s
    }
}

/// The man page: clap_mangen's sections for the command and each
/// subcommand (with its options), then exit status, files, environment.
pub fn man_page() -> std::io::Result<String> {
    let mut cmd = Cli::command();
    cmd.build();
    let man = clap_mangen::Man::new(cmd.clone())
        .title("STOCKADE")
        .section("1")
        .manual("stockade manual");
    let mut buf: Vec<u8> = Vec::new();
    man.render_title(&mut buf)?;
    man.render_name_section(&mut buf)?;
    man.render_synopsis_section(&mut buf)?;
    man.render_description_section(&mut buf)?;
    man.render_options_section(&mut buf)?;
    // One page: the subcommands are listed here and described below
    // (clap_mangen's own list points at one page per subcommand).
    writeln!(buf, ".SH COMMANDS")?;
    for sub in cmd
        .get_subcommands()
        .filter(|s| !s.is_hide_set() && s.get_name() != "help")
    {
        let about = sub.get_about().map(|a| a.to_string()).unwrap_or_default();
        writeln!(
            buf,
            ".TP\n\\fBstockade {}\\fR\n{}",
            roff_text(sub.get_name()),
            roff_text(&about)
        )?;
    }
    for sub in cmd
        .get_subcommands()
        .filter(|s| !s.is_hide_set() && s.get_name() != "help")
    {
        let name = sub.get_bin_name().unwrap_or(sub.get_name()).to_uppercase();
        writeln!(buf, ".SH \"{}\"", name.replace('"', ""))?;
        let sub_man = clap_mangen::Man::new(sub.clone());
        let mut part: Vec<u8> = Vec::new();
        sub_man.render_synopsis_section(&mut part)?;
        sub_man.render_description_section(&mut part)?;
        if sub.get_arguments().any(|a| !a.is_hide_set()) {
            sub_man.render_options_section(&mut part)?;
        }
        // Nest the subcommand's sections under its heading.
        for line in String::from_utf8_lossy(&part).lines() {
            if let Some(rest) = line.strip_prefix(".SH ") {
                let title = rest.trim_matches('"');
                let title = title[..1].to_uppercase() + &title[1..].to_lowercase();
                writeln!(buf, ".SS \"{title}\"")?;
            } else {
                writeln!(buf, "{line}")?;
            }
        }
    }
    let mut extra = String::new();
    extra.push_str(".SH \"EXIT STATUS\"\n");
    for (code, what) in [
        ("0", "no finding at or above the failure threshold"),
        (
            "1",
            "findings at or above the failure threshold (--fail-on, default low)",
        ),
        (
            "2",
            "usage or input errors (every other input is still scanned and reported)",
        ),
    ] {
        let _ = write!(extra, ".TP\n\\fB{code}\\fR\n{}\n", roff_text(what));
    }
    extra.push_str(".SH FILES\n");
    for (file, what) in [
        (
            ".stockade.toml",
            "configuration, found by walking up from each scanned path (or given with --config): select, ignore, fail-on, exclude, trusted-registries, max-image-age-days, [severity]",
        ),
        (
            ".hadolint.yaml",
            "read instead when no .stockade.toml applies (also .hadolint.yml): ignored, trustedRegistries, override, failure-threshold",
        ),
        (
            ".stockadeignore",
            "paths not to scan, in .gitignore syntax (.gitignore and .ignore are honoured too)",
        ),
    ] {
        let _ = write!(
            extra,
            ".TP\n\\fI{}\\fR\n{}\n",
            roff_text(file),
            roff_text(what)
        );
    }
    extra.push_str(".SH ENVIRONMENT\n");
    for (var, what) in [
        (
            "NO_COLOR",
            "when set and not empty, the human report is not coloured",
        ),
        (
            "CLICOLOR_FORCE",
            "when set and not 0, the human report is coloured even when not writing to a terminal",
        ),
    ] {
        let _ = write!(extra, ".TP\n\\fB{var}\\fR\n{}\n", roff_text(what));
    }
    extra.push_str(".SH \"SEE ALSO\"\n");
    extra.push_str(&roff_text(
        "stockade rules ID prints a rule's documentation; docs/rules/ in the source repository holds the same text.",
    ));
    extra.push('\n');
    buf.extend_from_slice(extra.as_bytes());
    man.render_version_section(&mut buf)?;
    let text = String::from_utf8(buf)
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))?;
    // Each rendered part starts with the same two-line string definition;
    // keep the first.
    let mut out = String::with_capacity(text.len());
    let mut seen_preamble = false;
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        if line.starts_with(".ie \\n(.g .ds Aq")
            && lines.peek().is_some_and(|l| l.starts_with(".el .ds Aq"))
        {
            let second = lines.next().unwrap_or_default();
            if !seen_preamble {
                seen_preamble = true;
                out.push_str(line);
                out.push('\n');
                out.push_str(second);
                out.push('\n');
            }
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    Ok(out)
}

/// The tool a peer id comes from, told by its shape.
pub fn alias_tool(alias: &str) -> &'static str {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let after = |p: &str| alias.strip_prefix(p).filter(|r| digits(r)).is_some();
    if after("DL") {
        "hadolint"
    } else if after("SC") {
        "ShellCheck"
    } else if after("AVD-DS-") || after("DS-") || after("DS") {
        "Trivy"
    } else if (alias.starts_with("CKV_") || alias.starts_with("CKV2_"))
        && alias
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
    {
        "Checkov"
    } else if alias.contains('_')
        && alias
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    {
        "KICS"
    } else if alias.starts_with(|c: char| c.is_ascii_uppercase())
        && alias.bytes().all(|b| b.is_ascii_alphanumeric())
        && alias.bytes().any(|b| b.is_ascii_lowercase())
        && alias.bytes().skip(1).any(|b| b.is_ascii_uppercase())
    {
        "Docker build checks"
    } else {
        "other"
    }
}

/// Order of tools in listings.
const TOOL_ORDER: [&str; 7] = [
    "hadolint",
    "ShellCheck",
    "Trivy",
    "Checkov",
    "KICS",
    "Docker build checks",
    "other",
];

fn tool_rank(tool: &str) -> usize {
    TOOL_ORDER
        .iter()
        .position(|t| *t == tool)
        .unwrap_or(TOOL_ORDER.len())
}

/// Sorts ids with their digits compared as numbers (`DS-0002` < `DS-0010`, `CKV2_DOCKER_2` < `CKV2_DOCKER_12`).
fn natural_key(s: &str) -> Vec<(String, u64)> {
    let mut out = Vec::new();
    let mut text = String::new();
    let mut num: Option<u64> = None;
    for c in s.chars() {
        if let Some(d) = c.to_digit(10) {
            num = Some(
                num.unwrap_or(0)
                    .saturating_mul(10)
                    .saturating_add(u64::from(d)),
            );
        } else {
            if let Some(n) = num.take() {
                out.push((std::mem::take(&mut text), n));
            }
            text.push(c);
        }
    }
    out.push((text, num.unwrap_or(0)));
    out
}

/// Every peer id with the tool it belongs to and the rules that answer to it.
pub fn alias_table() -> Vec<(&'static str, &'static str, Vec<&'static str>)> {
    let mut map: BTreeMap<&'static str, Vec<&'static str>> = BTreeMap::new();
    for r in catalog() {
        let m = r.meta();
        for a in m.aliases {
            let rules = map.entry(a).or_default();
            if !rules.contains(&m.id) {
                rules.push(m.id);
            }
        }
    }
    let mut rows: Vec<_> = map
        .into_iter()
        .map(|(alias, rules)| (alias_tool(alias), alias, rules))
        .collect();
    rows.sort_by(|a, b| {
        tool_rank(a.0)
            .cmp(&tool_rank(b.0))
            .then_with(|| natural_key(a.1).cmp(&natural_key(b.1)))
    });
    rows
}

/// `stockade rules --aliases [--json]`.
pub fn print_aliases(json: bool) -> i32 {
    let rows = alias_table();
    let mut out = String::new();
    if json {
        let v: Vec<_> = rows
            .iter()
            .map(|(tool, alias, rules)| serde_json::json!({"tool": tool, "alias": alias, "rules": rules}))
            .collect();
        out = serde_json::to_string_pretty(&v).unwrap_or_default();
        out.push('\n');
    } else {
        let width = rows.iter().map(|r| r.1.len()).max().unwrap_or(5).max(5);
        let _ = writeln!(out, "{:<20} {:<width$} RULES", "TOOL", "ALIAS");
        for (tool, alias, rules) in &rows {
            let _ = writeln!(out, "{tool:<20} {alias:<width$} {}", rules.join(", "));
        }
        let _ = writeln!(
            out,
            "\n{} peer ids. Each works wherever a rule id does: --select, --ignore, the config file and ignore comments.",
            rows.len()
        );
    }
    write_stdout(out.as_bytes())
}

fn judges(t: &[Target]) -> String {
    t.iter()
        .map(|t| match t {
            Target::Build => "Dockerfiles",
            Target::Container => "containers (Compose, docker run, live, guard)",
            Target::Image => "images",
            Target::Host => "Docker hosts",
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// `docs/rules/<ID>.md` for one rule.
pub fn rule_markdown(m: &RuleMeta) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "<!-- Generated by `stockade docs` from the rule's source file. Do not edit. -->\n"
    );
    let _ = writeln!(s, "# {}: {}\n", m.id, m.title);
    s.push_str("| | |\n|---|---|\n");
    let _ = writeln!(s, "| Category | `{}` |", m.category.as_str());
    let _ = writeln!(s, "| Default severity | {} |", m.severity.as_str());
    let _ = writeln!(s, "| Judges | {} |", judges(m.targets));
    let fix = match m.fix {
        FixKind::None => "none",
        FixKind::Safe => "safe (`stockade fix`)",
        FixKind::Unsafe => "unsafe (`stockade fix --unsafe-fixes`)",
    };
    let _ = writeln!(s, "| Fix | {fix} |");
    if !m.aliases.is_empty() {
        let mut by_tool: Vec<(&str, Vec<&str>)> = Vec::new();
        for a in m.aliases {
            let tool = alias_tool(a);
            match by_tool.iter_mut().find(|(t, _)| *t == tool) {
                Some((_, list)) => list.push(a),
                None => by_tool.push((tool, vec![a])),
            }
        }
        by_tool.sort_by_key(|(t, _)| tool_rank(t));
        let cell = by_tool
            .iter()
            .map(|(t, ids)| {
                format!(
                    "{t}: {}",
                    ids.iter()
                        .map(|i| format!("`{i}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            })
            .collect::<Vec<_>>()
            .join("; ");
        let _ = writeln!(s, "| Also known as | {cell} |");
    }
    s.push('\n');
    s.push_str(m.doc().trim());
    s.push('\n');
    s
}

pub const README_BEGIN: &str = "<!-- rules:begin -->";
pub const README_END: &str = "<!-- rules:end -->";

/// The README's rule table (what goes between the markers).
pub fn readme_table() -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "<!-- Generated by `stockade docs` from the rule files. Do not edit. -->\n"
    );
    s.push_str("| Rule | Severity | Category | Judges | What it finds |\n");
    s.push_str("|---|---|---|---|---|\n");
    for r in catalog() {
        let m = r.meta();
        let short = m
            .targets
            .iter()
            .map(|t| match t {
                Target::Build => "Dockerfile",
                Target::Container => "container",
                Target::Image => "image",
                Target::Host => "host",
            })
            .collect::<Vec<_>>()
            .join(", ");
        let _ = writeln!(
            s,
            "| [{id}](docs/rules/{id}.md) | {} | `{}` | {short} | {} |",
            m.severity.as_str(),
            m.category.as_str(),
            m.title.replace('|', "\\|"),
            id = m.id
        );
    }
    let _ = writeln!(
        s,
        "\n{} rules (catalog {}).",
        catalog().len(),
        stockade_rules::CATALOG_VERSION
    );
    s
}

/// Replaces the text between the README's markers.
fn with_table(readme: &str) -> Result<String, String> {
    let start = readme
        .find(README_BEGIN)
        .ok_or_else(|| format!("README.md has no `{README_BEGIN}` marker"))?;
    let after = start + README_BEGIN.len();
    let end = readme[after..]
        .find(README_END)
        .map(|e| e + after)
        .ok_or_else(|| format!("README.md has no `{README_END}` marker after `{README_BEGIN}`"))?;
    Ok(format!(
        "{}\n{}{}",
        &readme[..after],
        readme_table(),
        &readme[end..]
    ))
}

/// Every generated file: (path relative to the root, content).
pub fn generated(root: &Path) -> Result<Vec<(PathBuf, String)>, String> {
    let mut files = Vec::new();
    for r in catalog() {
        let m = r.meta();
        files.push((
            PathBuf::from(format!("docs/rules/{}.md", m.id)),
            rule_markdown(m),
        ));
    }
    files.push((
        PathBuf::from("docs/stockade.1"),
        man_page().map_err(|e| e.to_string())?,
    ));
    let readme_path = root.join("README.md");
    let readme = std::fs::read_to_string(&readme_path)
        .map_err(|e| format!("{}: {e}", readme_path.display()))?;
    files.push((PathBuf::from("README.md"), with_table(&readme)?));
    Ok(files)
}

/// `docs/rules/*.md` files that no rule generates (a rule was removed or renamed).
fn stale_rule_docs(root: &Path, files: &[(PathBuf, String)]) -> Vec<PathBuf> {
    let Ok(dir) = std::fs::read_dir(root.join("docs/rules")) else {
        return Vec::new();
    };
    let mut stale: Vec<PathBuf> = dir
        .flatten()
        .map(|e| PathBuf::from("docs/rules").join(e.file_name()))
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .filter(|p| !files.iter().any(|(f, _)| f == p))
        .collect();
    stale.sort();
    stale
}

/// `stockade docs [--check] [--root DIR]`.
pub fn docs(a: DocsArgs) -> i32 {
    let files = match generated(&a.root) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("stockade: {e}");
            return EXIT_ERROR;
        }
    };
    let stale = stale_rule_docs(&a.root, &files);
    let mut differing = Vec::new();
    for (rel, content) in &files {
        let path = a.root.join(rel);
        let current = std::fs::read_to_string(&path).ok();
        if current.as_deref() == Some(content.as_str()) {
            continue;
        }
        differing.push(rel.clone());
        if !a.check {
            if let Some(dir) = path.parent()
                && let Err(e) = std::fs::create_dir_all(dir)
            {
                eprintln!("stockade: {}: {e}", dir.display());
                return EXIT_ERROR;
            }
            if let Err(e) = std::fs::write(&path, content) {
                eprintln!("stockade: {}: {e}", path.display());
                return EXIT_ERROR;
            }
        }
    }
    if a.check {
        if differing.is_empty() && stale.is_empty() {
            println!("{} generated files are up to date.", files.len());
            return EXIT_OK;
        }
        for d in &differing {
            eprintln!("out of date: {}", d.display());
        }
        for s in &stale {
            eprintln!("no rule generates: {}", s.display());
        }
        eprintln!("run `cargo run -p stockade -- docs` to regenerate");
        return EXIT_FINDINGS;
    }
    for s in &stale {
        if let Err(e) = std::fs::remove_file(a.root.join(s)) {
            eprintln!("stockade: {}: {e}", s.display());
            return EXIT_ERROR;
        }
    }
    println!(
        "{} generated files: {} written, {} removed.",
        files.len(),
        differing.len(),
        stale.len()
    );
    EXIT_OK
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliases_are_classified_by_shape() {
        for (alias, tool) in [
            ("DL3002", "hadolint"),
            ("SC2086", "ShellCheck"),
            ("DS-0002", "Trivy"),
            ("DS002", "Trivy"),
            ("AVD-DS-0002", "Trivy"),
            ("CKV_DOCKER_8", "Checkov"),
            ("CKV2_DOCKER_12", "Checkov"),
            ("last_user_is_root", "KICS"),
            ("SecretsUsedInArgOrEnv", "Docker build checks"),
            ("DL", "other"),
            ("DSX1", "other"),
            ("CKV_docker", "other"),
            ("root", "other"),
            ("", "other"),
        ] {
            assert_eq!(alias_tool(alias), tool, "{alias}");
        }
    }

    #[test]
    fn every_catalog_alias_has_a_known_tool() {
        let rows = alias_table();
        assert!(!rows.is_empty());
        for (tool, alias, rules) in &rows {
            assert_ne!(*tool, "other", "unclassified alias {alias}");
            assert!(!rules.is_empty());
        }
        // Ordered by tool, then naturally by id.
        let ranks: Vec<usize> = rows.iter().map(|r| tool_rank(r.0)).collect();
        assert!(ranks.windows(2).all(|w| w[0] <= w[1]));
        assert!(natural_key("DS-0002") < natural_key("DS-0010"));
        assert!(natural_key("CKV2_DOCKER_2") < natural_key("CKV2_DOCKER_12"));
    }

    #[test]
    fn readme_table_replaces_only_between_markers() {
        let readme = format!("intro\n{README_BEGIN}\nold table\n{README_END}\noutro\n");
        let new = with_table(&readme).unwrap();
        assert!(new.starts_with(&format!("intro\n{README_BEGIN}\n<!-- Generated")));
        assert!(new.ends_with(&format!("{README_END}\noutro\n")));
        assert!(!new.contains("old table"));
        assert!(new.contains("| [SKD101](docs/rules/SKD101.md) | high | `root-user` |"));
        // Idempotent.
        assert_eq!(with_table(&new).unwrap(), new);
        assert!(with_table("no markers").is_err());
        assert!(with_table(&format!("{README_END} {README_BEGIN}")).is_err());
    }

    #[test]
    fn rule_markdown_has_facts_and_doc() {
        let m = stockade_rules::find_rule("SKD101").unwrap().meta();
        let md = rule_markdown(m);
        assert!(md.contains("# SKD101: "));
        assert!(md.contains("| Category | `root-user` |"));
        assert!(md.contains("hadolint: `DL3002`"));
        assert!(md.contains("**What it finds.**"));
        assert!(md.ends_with("```\n"));
    }

    #[test]
    fn man_page_covers_subcommands_and_escapes() {
        let page = man_page().unwrap();
        assert!(
            page.lines()
                .nth(2)
                .is_some_and(|l| l.starts_with(".TH STOCKADE 1")),
            "{page}"
        );
        assert_eq!(page.matches(".ds Aq").count(), 2, "one string definition");
        assert!(page.contains(".TP\n\\fBstockade scan\\fR\nScan files"));
        assert!(!page.contains("stockade\\-scan(1)"));
        assert!(!page.contains("STOCKADE HELP"));
        for section in [
            ".SH NAME",
            ".SH SYNOPSIS",
            ".SH COMMANDS",
            ".SH \"STOCKADE SCAN\"",
            ".SS \"Options\"",
            ".SH \"EXIT STATUS\"",
            ".SH FILES",
        ] {
            assert!(page.contains(section), "{section}");
        }
        assert!(page.contains("\\-\\-format"));
        assert!(page.contains("html"));
        assert_eq!(roff_text(".hidden"), "\\&.hidden");
        assert_eq!(roff_text("a\\b-c"), "a\\eb\\-c");
    }
}
