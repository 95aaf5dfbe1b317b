//! Reading a hadolint configuration (`.hadolint.yaml` / `.hadolint.yml`)
//! as a stockade config, for projects migrating from hadolint. It is used
//! only where no `.stockade.toml` applies.
//!
//! | hadolint | stockade |
//! |---|---|
//! | `ignored: [DL3008, …]` | `ignore` (hadolint ids are aliases of our rules) |
//! | `trustedRegistries: [..]` (or one string) | `trusted-registries` |
//! | `override: {error, warning, info, style}` | `[severity]`: high, medium, low, info |
//! | `failure-threshold` | `fail-on`: error → high, warning → medium, info → low, style → info |
//!
//! `failure-threshold: none|ignore` and `no-fail: true` (never fail) have
//! no stockade equivalent and are reported as notes; the other hadolint
//! keys (output format, colours, label schema) do not apply.
//!
//! The YAML is read from the parser's event stream with a depth and a
//! node budget; aliases are refused (hadolint configs have no use for
//! them, and refusing them rules out alias bombs).

use super::ConfigFile;
use saphyr_parser::{Event, Parser};

/// Deepest nesting accepted (the format needs 3).
const MAX_DEPTH: usize = 16;
/// Most nodes accepted in one file.
const MAX_NODES: usize = 100_000;

/// A small YAML tree.
#[derive(Debug)]
enum Node {
    Scalar(String),
    Seq(Vec<Node>),
    Map(Vec<(String, Node)>),
}

impl Node {
    fn describe(&self) -> &'static str {
        match self {
            Node::Scalar(_) => "a scalar",
            Node::Seq(_) => "a list",
            Node::Map(_) => "a mapping",
        }
    }
}

/// A collection being built, with the key waiting for its value.
enum Frame {
    Seq(Vec<Node>),
    Map(Vec<(String, Node)>, Option<String>),
}

/// Parses the first YAML document of `text` into a tree.
fn load(text: &str) -> Result<Option<Node>, String> {
    let mut stack: Vec<Frame> = Vec::new();
    let mut nodes = 0usize;
    let mut root: Option<Node> = None;
    let mut parser = Parser::new_from_str(text);
    while let Some(item) = parser.next_event() {
        let (event, span) =
            item.map_err(|e| format!("line {}: {}", e.marker().line(), e.info()))?;
        let line = span.start.line();
        let node = match event {
            Event::StreamStart | Event::DocumentStart(_) | Event::Nothing => continue,
            Event::DocumentEnd | Event::StreamEnd => break,
            Event::Alias(_) => {
                return Err(format!("line {line}: YAML aliases are not supported here"));
            }
            Event::SequenceStart(..) | Event::MappingStart(..) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(format!("line {line}: nested too deeply"));
                }
                stack.push(if matches!(event, Event::SequenceStart(..)) {
                    Frame::Seq(Vec::new())
                } else {
                    Frame::Map(Vec::new(), None)
                });
                continue;
            }
            Event::SequenceEnd => match stack.pop() {
                Some(Frame::Seq(items)) => Node::Seq(items),
                _ => return Err(format!("line {line}: malformed sequence")),
            },
            Event::MappingEnd => match stack.pop() {
                Some(Frame::Map(entries, None)) => Node::Map(entries),
                _ => return Err(format!("line {line}: malformed mapping")),
            },
            Event::Scalar(value, ..) => Node::Scalar(value.into_owned()),
        };
        nodes += 1;
        if nodes > MAX_NODES {
            return Err("too many YAML nodes".into());
        }
        match stack.last_mut() {
            None => {
                root = Some(node);
                break;
            }
            Some(Frame::Seq(items)) => items.push(node),
            Some(Frame::Map(entries, pending)) => match pending.take() {
                None => match node {
                    Node::Scalar(k) => *pending = Some(k),
                    other => {
                        return Err(format!(
                            "line {line}: a mapping key must be a scalar, not {}",
                            other.describe()
                        ));
                    }
                },
                Some(key) => entries.push((key, node)),
            },
        }
    }
    Ok(root)
}

/// A list of strings, or one string (hadolint accepts both for
/// `trustedRegistries`; a single id is accepted for the others too).
fn strings(key: &str, node: &Node) -> Result<Vec<String>, String> {
    match node {
        Node::Scalar(s) if s.is_empty() || s == "~" || s == "null" => Ok(Vec::new()),
        Node::Scalar(s) => Ok(vec![s.clone()]),
        Node::Seq(items) => items
            .iter()
            .map(|i| match i {
                Node::Scalar(s) => Ok(s.trim().to_string()),
                other => Err(format!(
                    "`{key}`: expected strings, found {}",
                    other.describe()
                )),
            })
            .collect(),
        Node::Map(_) => Err(format!("`{key}`: expected a list, found a mapping")),
    }
}

/// hadolint's severity names as stockade severities.
fn severity_of(level: &str) -> Option<&'static str> {
    match level.to_ascii_lowercase().as_str() {
        "error" => Some("high"),
        "warning" => Some("medium"),
        "info" => Some("low"),
        "style" => Some("info"),
        _ => None,
    }
}

/// Keys hadolint knows that stockade has no use for.
const IRRELEVANT_KEYS: &[&str] = &[
    "format",
    "no-color",
    "label-schema",
    "strict-labels",
    "verbose",
    "disable-ignore-pragma",
];

/// The stockade config equivalent to a hadolint config, and notes about
/// what did not carry over.
pub(super) fn parse(text: &str) -> Result<(ConfigFile, Vec<String>), String> {
    let mut file = ConfigFile::default();
    let mut notes = Vec::new();
    let entries = match load(text)? {
        None => return Ok((file, notes)),
        Some(Node::Scalar(s)) if s.is_empty() => return Ok((file, notes)),
        Some(Node::Map(entries)) => entries,
        Some(other) => {
            return Err(format!(
                "expected a mapping at the top level, found {}",
                other.describe()
            ));
        }
    };
    for (key, value) in &entries {
        match key.as_str() {
            "ignored" => file.ignore.extend(strings(key, value)?),
            "trustedRegistries" => file.trusted_registries.extend(strings(key, value)?),
            "override" => {
                let Node::Map(levels) = value else {
                    if matches!(value, Node::Scalar(s) if s.is_empty()) {
                        continue;
                    }
                    return Err(format!(
                        "`override`: expected a mapping of error/warning/info/style lists, found {}",
                        value.describe()
                    ));
                };
                for (level, ids) in levels {
                    let Some(sev) = severity_of(level) else {
                        return Err(format!(
                            "`override.{level}`: expected error, warning, info or style"
                        ));
                    };
                    for id in strings(&format!("override.{level}"), ids)? {
                        file.severity.insert(id, sev.to_string());
                    }
                }
            }
            "failure-threshold" => {
                let Node::Scalar(level) = value else {
                    return Err(format!(
                        "`failure-threshold`: expected a level, found {}",
                        value.describe()
                    ));
                };
                match severity_of(level) {
                    Some(sev) => file.fail_on = Some(sev.to_string()),
                    None if matches!(level.to_ascii_lowercase().as_str(), "none" | "ignore") => {
                        notes.push(format!(
                            "`failure-threshold: {level}` (never fail) has no equivalent; \
                             the default threshold applies (use --fail-on critical, or a .stockade.toml)"
                        ));
                    }
                    None => {
                        return Err(format!(
                            "`failure-threshold`: unknown level `{level}` \
                             (expected error, warning, info, style, ignore or none)"
                        ));
                    }
                }
            }
            "no-fail" => {
                if matches!(value, Node::Scalar(s) if s == "true") {
                    notes.push(
                        "`no-fail: true` has no equivalent; findings still fail the run \
                         (use --fail-on critical, or a .stockade.toml)"
                            .to_string(),
                    );
                }
            }
            k if IRRELEVANT_KEYS.contains(&k) => {}
            other => notes.push(format!("unknown hadolint key `{other}` ignored")),
        }
    }
    Ok((file, notes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_every_supported_key() {
        let (f, notes) = parse(
            "failure-threshold: warning\nignored:\n  - DL3008\n  - SC2086\ntrustedRegistries:\n  - docker.io\n  - my-company.com:5000\noverride:\n  error: [DL3001]\n  warning:\n    - DL3042\n  info: [DL3032]\n  style: [DL3015]\nformat: json\nlabel-schema:\n  author: text\n",
        )
        .unwrap();
        assert!(notes.is_empty(), "{notes:?}");
        assert_eq!(f.ignore, ["DL3008", "SC2086"]);
        assert_eq!(f.trusted_registries, ["docker.io", "my-company.com:5000"]);
        assert_eq!(f.fail_on.as_deref(), Some("medium"));
        assert_eq!(f.severity["DL3001"], "high");
        assert_eq!(f.severity["DL3042"], "medium");
        assert_eq!(f.severity["DL3032"], "low");
        assert_eq!(f.severity["DL3015"], "info");
        assert!(f.select.is_empty());
    }

    #[test]
    fn single_string_registries_and_empty_files() {
        let (f, _) = parse("trustedRegistries: ghcr.io\n").unwrap();
        assert_eq!(f.trusted_registries, ["ghcr.io"]);
        let (f, notes) = parse("").unwrap();
        assert!(f.ignore.is_empty() && notes.is_empty());
        let (f, _) = parse("# only a comment\n").unwrap();
        assert!(f.fail_on.is_none());
        let (f, _) = parse("ignored:\n").unwrap();
        assert!(f.ignore.is_empty());
    }

    #[test]
    fn never_fail_settings_are_noted_not_guessed() {
        let (f, notes) = parse("failure-threshold: none\nno-fail: true\nbogus: 1\n").unwrap();
        assert!(f.fail_on.is_none());
        assert_eq!(notes.len(), 3, "{notes:?}");
        assert!(notes[0].contains("never fail"));
        assert!(notes[2].contains("`bogus`"));
    }

    #[test]
    fn malformed_input_is_an_error_not_a_panic() {
        for (text, want) in [
            ("failure-threshold: fatal\n", "unknown level"),
            ("override:\n  critical: [DL3001]\n", "override.critical"),
            ("override: [DL3001]\n", "override"),
            ("ignored: {a: b}\n", "ignored"),
            ("ignored: [[DL3001]]\n", "expected strings"),
            ("- a\n- b\n", "top level"),
            ("a: &x [1]\nb: *x\n", "aliases"),
            ("ignored: [unclosed\n", "line"),
            ("? [a]\n: b\n", "key must be a scalar"),
        ] {
            let e = parse(text).unwrap_err();
            assert!(e.contains(want), "{text:?}: {e}");
        }
        let deep = "a: ".to_string() + &"[".repeat(200) + &"]".repeat(200);
        assert!(parse(&deep).unwrap_err().contains("nested too deeply"));
        let wide = format!("ignored: [{}]\n", vec!["x"; 200_000].join(","));
        assert!(parse(&wide).unwrap_err().contains("too many"));
    }

    #[test]
    fn found_by_walking_up_only_when_no_stockade_toml_applies() {
        use super::super::{Config, ConfigFinder};
        use std::fs;
        let root = std::env::temp_dir().join(format!("stockade-hadolint-{}", std::process::id()));
        let _ = fs::remove_dir_all(&root);
        let deep = root.join("repo/app/sub");
        fs::create_dir_all(&deep).unwrap();
        fs::write(
            root.join("repo/.hadolint.yml"),
            "ignored: [DL3008]\nfailure-threshold: error\n",
        )
        .unwrap();
        let finder = ConfigFinder::default();
        let found = finder.nearest(&deep.join("Dockerfile")).unwrap();
        assert!(found.ends_with("repo/.hadolint.yml"), "{found:?}");
        let c = Config::load(&found).unwrap();
        assert_eq!(c.file.ignore, ["DL3008"]);
        let p = c.policy(&Default::default());
        assert_eq!(p.fail_on, stockade_core::Severity::High);
        assert_eq!(p.ignore.len(), 1);
        // `.yaml` wins over `.yml` in the same directory; the nearest wins.
        fs::write(root.join("repo/app/.hadolint.yaml"), "ignored: [DL3009]\n").unwrap();
        let finder = ConfigFinder::default();
        assert!(
            finder
                .nearest(&deep)
                .unwrap()
                .ends_with("repo/app/.hadolint.yaml")
        );
        // A .stockade.toml anywhere above applies, and then hadolint's is not read.
        fs::write(root.join(".stockade.toml"), "ignore = ['SKD111']\n").unwrap();
        let finder = ConfigFinder::default();
        assert!(finder.nearest(&deep).unwrap().ends_with(".stockade.toml"));
        // Malformed files are errors naming the file.
        fs::write(
            root.join("repo/app/.hadolint.yaml"),
            "failure-threshold: loud\n",
        )
        .unwrap();
        let e = Config::load(&root.join("repo/app/.hadolint.yaml")).unwrap_err();
        assert!(
            e.contains(".hadolint.yaml") && e.contains("unknown level"),
            "{e}"
        );
        let _ = fs::remove_dir_all(&root);
    }
}
