//! SARIF 2.1.0, shaped for GitHub code scanning.
//!
//! GitHub reads `tool.driver.rules[]` (id, name, shortDescription,
//! fullDescription, help, defaultConfiguration.level, properties.tags,
//! properties.precision, properties.security-severity) and, per result,
//! ruleId, level, message.text, the first location's physicalLocation and
//! `partialFingerprints.primaryLocationLineHash`.

use std::collections::HashMap;
use std::io;

use serde::Serialize;
use stockade_core::{Finding, Locator, Severity};

use crate::{Located, Report, RuleInfo, TOOL_NAME, describe_locator, locate, text};

const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";
const SRCROOT: &str = "%SRCROOT%";
/// GitHub cuts descriptions at this many characters.
const MAX_DESCRIPTION: usize = 1024;

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: Vec<Run<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    tool: Tool<'a>,
    invocations: Vec<Invocation>,
    column_kind: &'static str,
    results: Vec<SarifResult>,
}

#[derive(Serialize)]
struct Tool<'a> {
    driver: Driver<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver<'a> {
    name: &'static str,
    version: &'a str,
    information_uri: &'static str,
    rules: Vec<Descriptor>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Descriptor {
    id: String,
    name: String,
    short_description: Message,
    full_description: Message,
    help: Help,
    default_configuration: Configuration,
    properties: RuleProperties,
}

#[derive(Serialize)]
struct Message {
    text: String,
}

#[derive(Serialize)]
struct Help {
    text: String,
    markdown: String,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
struct RuleProperties {
    tags: Vec<String>,
    #[serde(rename = "security-severity")]
    security_severity: &'static str,
    precision: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    aliases: Vec<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Invocation {
    execution_successful: bool,
    tool_execution_notifications: Vec<Notification>,
}

#[derive(Serialize)]
struct Notification {
    level: &'static str,
    message: Message,
    locations: Vec<Location>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult {
    rule_id: String,
    rule_index: usize,
    level: &'static str,
    message: Message,
    locations: Vec<Location>,
    partial_fingerprints: Fingerprints,
    properties: ResultProperties,
}

#[derive(Serialize)]
struct Fingerprints {
    #[serde(rename = "primaryLocationLineHash")]
    primary_location_line_hash: String,
}

#[derive(Serialize)]
struct ResultProperties {
    severity: Severity,
    #[serde(rename = "security-severity")]
    security_severity: &'static str,
    #[serde(skip_serializing_if = "String::is_empty")]
    subject: String,
}

#[derive(Serialize, Default)]
#[serde(rename_all = "camelCase")]
struct Location {
    #[serde(skip_serializing_if = "Option::is_none")]
    physical_location: Option<PhysicalLocation>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    logical_locations: Vec<LogicalLocation>,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<Message>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<Region>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    uri_base_id: Option<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    start_column: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_line: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_column: Option<u32>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LogicalLocation {
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    fully_qualified_name: Option<String>,
    kind: &'static str,
}

/// SARIF `level` for a severity.
pub fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

/// GitHub's `security-severity` score for a severity. GitHub maps scores
/// above 9.0 to critical, 7.0–8.9 to high, 4.0–6.9 to medium, 0.1–3.9 to
/// low, and 0.0 to "no security severity"; these sit inside the buckets.
pub fn security_severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "0.0",
    }
}

/// A path as scanned turned into a SARIF artifact URI. Relative paths stay
/// relative (to `%SRCROOT%`); absolute ones become `file://` URIs.
/// Backslashes become slashes; everything outside the URI's unreserved
/// characters, sub-delimiters, `@` and `/` is percent-encoded.
fn artifact_location(path: &str) -> ArtifactLocation {
    let mut p = path.replace('\\', "/");
    while let Some(rest) = p.strip_prefix("./") {
        p = rest.to_string();
    }
    let b = p.as_bytes();
    let drive = b.len() >= 3 && b[0].is_ascii_alphabetic() && b[1] == b':' && b[2] == b'/';
    if drive {
        let mut uri = String::from("file:///");
        uri.push(b[0] as char);
        uri.push(':');
        uri.push_str(&percent_encode(&p[2..]));
        ArtifactLocation {
            uri,
            uri_base_id: None,
        }
    } else if p.starts_with('/') {
        ArtifactLocation {
            uri: format!("file://{}", percent_encode(&p)),
            uri_base_id: None,
        }
    } else {
        ArtifactLocation {
            uri: percent_encode(&p),
            uri_base_id: Some(SRCROOT),
        }
    }
}

fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for &b in s.as_bytes() {
        let keep = b.is_ascii_alphanumeric()
            || matches!(
                b,
                b'-' | b'.'
                    | b'_'
                    | b'~'
                    | b'!'
                    | b'$'
                    | b'&'
                    | b'\''
                    | b'('
                    | b')'
                    | b'*'
                    | b'+'
                    | b','
                    | b';'
                    | b'='
                    | b'@'
                    | b'/'
            );
        if keep {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// FNV-1a, 64 bits: small, dependency-free, stable across versions and
/// platforms (which is all a fingerprint needs).
pub(crate) fn fnv1a64(parts: &[&str]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            // Separator so ("ab", "c") and ("a", "bc") differ.
            h ^= 0xff;
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        for &b in part.as_bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

/// Whitespace-insensitive text of a line: trimmed, inner runs collapsed.
fn normalize_line(line: &str) -> String {
    line.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The hash part of a finding's fingerprint: the rule, where it is (the
/// artifact, or the locator for findings without source) and the content of
/// the flagged line, but not the line number, so adding unrelated lines
/// above keeps it.
fn fingerprint_base(f: &Finding, located: Option<&Located>, uri: Option<&str>) -> String {
    let h = match (located, uri) {
        (Some(l), Some(uri)) => fnv1a64(&[f.rule, uri, &normalize_line(l.first_line_text())]),
        _ => {
            let loc = f
                .locator
                .as_deref()
                .map(describe_locator)
                .unwrap_or_default();
            fnv1a64(&[f.rule, "locator", &loc, &f.subject])
        }
    };
    format!("{h:016x}")
}

fn region(l: &Located) -> Region {
    Region {
        start_line: l.start.line,
        start_column: Some(l.start.column),
        end_line: Some(l.end.line),
        end_column: Some(l.end.column),
    }
}

/// A relative path naming what a finding without source text is about:
/// `image/<reference>/<path in the image>`, `container/<name or id>`, or
/// `subject/<subject>` (e.g. `subject/host`).
pub(crate) fn locator_path(loc: &Locator, subject: &str) -> String {
    let nonempty = |s: &Option<String>| s.clone().filter(|s| !s.trim().is_empty());
    let mut parts: Vec<String> = Vec::new();
    if let Some(image) = nonempty(&loc.image) {
        parts.push("image".into());
        parts.push(image);
        parts.extend(nonempty(&loc.path));
    } else if let Some(c) = nonempty(&loc.container).or_else(|| nonempty(&loc.container_id)) {
        parts.push("container".into());
        parts.push(c);
    } else {
        parts.push("subject".into());
        parts.push(if subject.trim().is_empty() {
            "unknown".to_string()
        } else {
            subject.trim().to_string()
        });
    }
    // Path segments only: no empty, `.` or `..` segments (the URI must
    // stay below the source root), no backslashes.
    parts
        .iter()
        .flat_map(|p| p.split(['/', '\\']))
        .filter(|seg| !seg.is_empty() && *seg != "." && *seg != "..")
        .collect::<Vec<_>>()
        .join("/")
}

/// The `primaryLocationLineHash` of every finding, in order: the hash of
/// the rule, the artifact and the flagged line's text, then `:n` for the
/// n-th finding with the same hash. Shared with the GitLab report.
pub(crate) fn fingerprints(report: &Report, located: &[Option<Located>]) -> Vec<String> {
    let mut occurrences: HashMap<String, usize> = HashMap::new();
    report
        .findings
        .iter()
        .zip(located)
        .map(|(f, l)| {
            let uri = l.as_ref().map(|l| artifact_location(l.path()).uri);
            let base = fingerprint_base(f, l.as_ref(), uri.as_deref());
            let n = occurrences.entry(base.clone()).or_insert(0);
            *n += 1;
            format!("{base}:{n}")
        })
        .collect()
}

fn logical_locations(loc: &Locator, subject: &str) -> Vec<LogicalLocation> {
    let mut out = Vec::new();
    if let Some(image) = &loc.image {
        let mut fq = image.clone();
        for part in [&loc.layer, &loc.path].into_iter().flatten() {
            fq.push_str(" > ");
            fq.push_str(part);
        }
        out.push(LogicalLocation {
            name: image.clone(),
            fully_qualified_name: (fq != *image).then_some(fq),
            kind: "resource",
        });
    }
    if let Some(name) = loc.container.as_ref().or(loc.container_id.as_ref()) {
        let fq = match (&loc.container, &loc.container_id) {
            (Some(n), Some(id)) => Some(format!("{n} ({id})")),
            _ => None,
        };
        out.push(LogicalLocation {
            name: name.clone(),
            fully_qualified_name: fq,
            kind: "resource",
        });
    }
    if out.is_empty() && !subject.is_empty() {
        out.push(LogicalLocation {
            name: subject.to_string(),
            fully_qualified_name: None,
            kind: "resource",
        });
    }
    out
}

/// An identifier-like rule name from a title: "Image runs as root" →
/// "ImageRunsAsRoot".
fn rule_name(title: &str, id: &str) -> String {
    let mut name = String::new();
    for word in title.split(|c: char| !c.is_alphanumeric()) {
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            name.extend(first.to_uppercase());
            name.push_str(chars.as_str());
        }
    }
    if name.is_empty() {
        name = id.to_string();
    }
    text::truncate_chars(&name, 255)
}

/// The first prose paragraph of a Markdown doc (headings and code skipped).
fn first_paragraph(doc: &str) -> Option<String> {
    let mut para: Vec<&str> = Vec::new();
    let mut in_fence = false;
    for line in doc.lines() {
        let t = line.trim();
        if t.starts_with("```") || t.starts_with("~~~") {
            in_fence = !in_fence;
            if !para.is_empty() {
                break;
            }
            continue;
        }
        if in_fence {
            continue;
        }
        if t.is_empty() || t.starts_with('#') {
            if !para.is_empty() {
                break;
            }
            continue;
        }
        para.push(t);
    }
    (!para.is_empty()).then(|| para.join(" "))
}

fn non_empty(s: &str, fallback: &str) -> String {
    if s.trim().is_empty() {
        fallback.to_string()
    } else {
        s.to_string()
    }
}

fn descriptor(rule: &RuleInfo) -> Descriptor {
    let title = non_empty(rule.title, rule.id);
    let full = first_paragraph(rule.doc).unwrap_or_else(|| title.clone());
    let mut help_md = non_empty(rule.doc.trim(), &title);
    let mut help_text = help_md.clone();
    if let Some(fix) = rule.fix.filter(|f| !f.trim().is_empty())
        && !rule.doc.contains(fix)
    {
        help_md.push_str(&format!("\n\n**Fix:** {fix}"));
        help_text.push_str(&format!("\n\nFix: {fix}"));
    }
    if !rule.aliases.is_empty() {
        let list = rule.aliases.join(", ");
        help_md.push_str(&format!("\n\nAlso reported by other tools as: {list}."));
        help_text.push_str(&format!("\n\nAlso reported by other tools as: {list}."));
    }
    Descriptor {
        id: rule.id.to_string(),
        name: rule_name(&title, rule.id),
        short_description: Message {
            text: text::truncate_chars(&title, MAX_DESCRIPTION),
        },
        full_description: Message {
            text: text::truncate_chars(&full, MAX_DESCRIPTION),
        },
        help: Help {
            text: help_text,
            markdown: help_md,
        },
        default_configuration: Configuration {
            level: level(rule.severity),
        },
        properties: RuleProperties {
            tags: vec![rule.category.as_str().to_string(), "security".to_string()],
            security_severity: security_severity(rule.severity),
            precision: "high",
            aliases: rule.aliases.iter().map(|a| a.to_string()).collect(),
        },
    }
}

/// A rule the CLI did not describe, rebuilt from one of its findings.
fn descriptor_from_finding(f: &Finding) -> RuleInfo {
    RuleInfo {
        id: f.rule,
        title: f.title,
        category: f.category,
        severity: f.severity,
        aliases: f.aliases,
        doc: "",
        fix: None,
    }
}

pub(crate) fn render(report: &Report, out: &mut dyn io::Write) -> io::Result<()> {
    // The rule table: every rule the CLI passed (first wins on duplicate
    // ids), then any rule that only appears in a finding.
    let mut rules: Vec<Descriptor> = Vec::new();
    let mut index: HashMap<&str, usize> = HashMap::new();
    for r in report.rules {
        if !index.contains_key(r.id) {
            index.insert(r.id, rules.len());
            rules.push(descriptor(r));
        }
    }
    for f in report.findings {
        if !index.contains_key(f.rule) {
            index.insert(f.rule, rules.len());
            rules.push(descriptor(&descriptor_from_finding(f)));
        }
    }

    let located: Vec<Option<Located>> = report
        .findings
        .iter()
        .map(|f| f.span.and_then(|s| locate(report.sources, s)))
        .collect();
    let prints = fingerprints(report, &located);
    let mut results = Vec::with_capacity(report.findings.len());
    for ((f, located), print) in report.findings.iter().zip(&located).zip(prints) {
        let mut location = Location::default();
        if let Some(l) = located {
            location.physical_location = Some(PhysicalLocation {
                artifact_location: artifact_location(l.path()),
                region: Some(region(l)),
            });
        } else {
            let loc = f.locator.clone().unwrap_or_default();
            // GitHub drops the whole upload when a result has no
            // `physicalLocation.artifactLocation.uri`, so findings without
            // source text point at a pseudo-artifact named after what they
            // are about (the image and path, the container), line 1.
            location.physical_location = Some(PhysicalLocation {
                artifact_location: artifact_location(&locator_path(&loc, &f.subject)),
                region: Some(Region {
                    start_line: 1,
                    start_column: None,
                    end_line: None,
                    end_column: None,
                }),
            });
            location.logical_locations = logical_locations(&loc, &f.subject);
            let described = describe_locator(&loc);
            location.message = Some(Message {
                text: if described.is_empty() {
                    non_empty(&f.subject, "no source location")
                } else {
                    described
                },
            });
        }
        results.push(SarifResult {
            rule_id: f.rule.to_string(),
            rule_index: index.get(f.rule).copied().unwrap_or(0),
            level: level(f.severity),
            message: Message {
                text: non_empty(&f.message, &non_empty(f.title, f.rule)),
            },
            locations: vec![location],
            partial_fingerprints: Fingerprints {
                primary_location_line_hash: print,
            },
            properties: ResultProperties {
                severity: f.severity,
                security_severity: security_severity(f.severity),
                subject: f.subject.clone(),
            },
        });
    }

    let notifications = report
        .errors
        .iter()
        .map(|e| {
            let region = e
                .span
                .and_then(|s| locate(report.sources, s))
                .map(|l| region(&l));
            Notification {
                level: "error",
                message: Message {
                    text: non_empty(&e.message, "input error"),
                },
                locations: vec![Location {
                    physical_location: Some(PhysicalLocation {
                        artifact_location: artifact_location(&e.path),
                        region,
                    }),
                    ..Location::default()
                }],
            }
        })
        .collect();

    let log = Log {
        schema: SCHEMA_URI,
        version: "2.1.0",
        runs: vec![Run {
            tool: Tool {
                driver: Driver {
                    name: TOOL_NAME,
                    version: report.tool_version,
                    information_uri: crate::INFORMATION_URI,
                    rules,
                },
            },
            invocations: vec![Invocation {
                execution_successful: report.errors.is_empty(),
                tool_execution_notifications: notifications,
            }],
            column_kind: "unicodeCodePoints",
            results,
        }],
    };
    serde_json::to_writer_pretty(&mut *out, &log)?;
    out.write_all(b"\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_are_relative_encoded_and_forward_slashed() {
        let a = artifact_location("./deploy/my app/Dockerfile");
        assert_eq!(a.uri, "deploy/my%20app/Dockerfile");
        assert_eq!(a.uri_base_id, Some(SRCROOT));
        let a = artifact_location("sub\\dir\\compose.yaml");
        assert_eq!(a.uri, "sub/dir/compose.yaml");
        let a = artifact_location("a#b?c%d:e/ü");
        assert_eq!(a.uri, "a%23b%3Fc%25d%3Ae/%C3%BC");
        let a = artifact_location("/srv/app/Dockerfile");
        assert_eq!(a.uri, "file:///srv/app/Dockerfile");
        assert_eq!(a.uri_base_id, None);
        let a = artifact_location("C:\\work\\Dockerfile");
        assert_eq!(a.uri, "file:///C:/work/Dockerfile");
    }

    #[test]
    fn fnv_is_the_reference_function() {
        // Published FNV-1a 64 test vectors.
        assert_eq!(fnv1a64(&[""]), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64(&["a"]), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a64(&["foobar"]), 0x8594_4171_f739_67e8);
        assert_ne!(fnv1a64(&["ab", "c"]), fnv1a64(&["a", "bc"]));
    }

    #[test]
    fn names_and_paragraphs() {
        assert_eq!(rule_name("Image runs as root", "X"), "ImageRunsAsRoot");
        assert_eq!(rule_name("--", "X1"), "X1");
        assert_eq!(
            first_paragraph("# Title\n\nFirst line\nsecond line.\n\nMore.").as_deref(),
            Some("First line second line.")
        );
        assert_eq!(first_paragraph("```\ncode\n```\n").as_deref(), None);
        assert_eq!(normalize_line("  USER \t root  "), "USER root");
    }

    #[test]
    fn levels_and_scores() {
        assert_eq!(level(Severity::Critical), "error");
        assert_eq!(level(Severity::Medium), "warning");
        assert_eq!(level(Severity::Info), "note");
        for s in Severity::ALL {
            let v: f64 = security_severity(s).parse().unwrap();
            let bucket = match v {
                x if x > 9.0 => Severity::Critical,
                x if x >= 7.0 => Severity::High,
                x if x >= 4.0 => Severity::Medium,
                x if x >= 0.1 => Severity::Low,
                _ => Severity::Info,
            };
            assert_eq!(bucket, s);
        }
    }
}
