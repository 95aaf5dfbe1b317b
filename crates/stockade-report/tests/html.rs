//! HTML output: one self-contained page. The structural tests read the
//! markup; the browser test opens the page in headless Chromium, checks
//! the DOM after the script ran (filters, count, CSP-allowed script) and
//! that the screenshot shows the findings.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;
use stockade_core::{Severity, SourceMap, Span};
use stockade_report::{Format, Report};

fn html(report: &Report) -> String {
    render_to_string(report, Format::Html, plain())
}

fn count(hay: &str, needle: &str) -> usize {
    hay.matches(needle).count()
}

#[test]
fn page_is_self_contained() {
    let fx = Fixture::full();
    let page = html(&fx.report());
    assert!(page.starts_with("<!DOCTYPE html>\n<html lang=\"en\">"));
    assert!(page.trim_end().ends_with("</html>"));
    // Nothing is loaded: no external resources of any kind.
    for banned in [
        "<link", "<img", "<iframe", "<object", "<embed", " src=", "url(", "@import", "<base",
    ] {
        assert!(!page.contains(banned), "page contains `{banned}`");
    }
    // No attribute holds a URL except the SVG namespace (an identifier,
    // never fetched); URLs in scanned text are only text.
    for (i, _) in page
        .match_indices("=\"http")
        .chain(page.match_indices("='http"))
    {
        let rest = &page[i..];
        assert!(
            rest.starts_with("=\"http://www.w3.org/2000/svg\""),
            "unexpected URL attribute: {}",
            &rest[..rest.len().min(60)]
        );
    }
    let csp = page
        .split("http-equiv=\"Content-Security-Policy\" content=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .expect("a CSP meta tag");
    assert!(csp.starts_with("default-src &#39;none&#39;;"), "{csp}");
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    assert_eq!(count(&page, "<script>"), 1);
    assert_eq!(count(&page, "<style>"), 1);
}

#[test]
fn every_finding_has_a_row_snippet_and_doc() {
    let fx = Fixture::full();
    let page = html(&fx.report());
    assert_eq!(
        count(&page, "<section class=\"finding\""),
        fx.findings.len()
    );
    assert!(page.contains(
        "<section class=\"finding\" id=\"finding-2\" data-severity=\"high\" data-category=\"root-user\" data-rule=\"SKD101\" data-file=\"./Dockerfile\">"
    ));
    // The snippet shows the flagged line marked, with a line of context.
    assert!(
        page.contains(
            "<span class=\"hit\"><span class=\"ln\">11</span><mark>USER root</mark></span>"
        ),
        "{page}"
    );
    assert!(page.contains("<span class=\"ln\">10</span># final user\n"));
    // A multi-line span marks every line it covers.
    assert!(page.contains("<mark>curl \\</mark>"));
    assert!(
        page.contains("<mark>    &amp;&amp; curl -fsSL https"),
        "{page}"
    );
    // Image findings name the locator instead of a file.
    assert!(
        page.contains(
            "data-file=\"image alpine:3.19, layer sha256:4abcf2066143, path /etc/shadow\""
        )
    );
    // Wide characters and tabs survive.
    assert!(page.contains("ウェブ"));
    // The rule docs are rendered once, as HTML, and linked from findings.
    assert_eq!(
        count(&page, "<section class=\"rule-doc\" id=\"rule-SKD101\">"),
        1
    );
    assert!(page.contains("<h4>Image runs as root</h4>"));
    assert!(page.contains("<pre><code class=\"language-dockerfile\">USER root</code></pre>"));
    assert!(
        page.contains(
            "<details class=\"doc\" data-rule=\"SKD101\"><summary>About SKD101</summary>"
        )
    );
    // Fix hints get their code spans.
    assert!(
        page.contains("fix: remove <code>privileged: true</code>"),
        "{page}"
    );
    // A rule without a doc gets no doc section.
    assert!(!page.contains("id=\"rule-SKD302\""));
    // Input errors are listed.
    assert!(page.contains("<h2 id=\"errors\">Input errors</h2>"));
    assert!(page.contains("deploy/tabs.yaml:2:1</span> tabs are not allowed"));
}

#[test]
fn summary_charts_and_filters() {
    let fx = Fixture::full();
    let page = html(&fx.report());
    assert_eq!(count(&page, "<svg "), 2);
    let counts = fx.report().counts();
    for s in Severity::ALL {
        let n = counts.get(s);
        assert!(n > 0);
        assert!(
            page.contains(&format!(
                "<g class=\"bar\" data-filter=\"severity\" data-value=\"{s}\"><title>{s}: {n}</title>"
            )),
            "severity bar {s}"
        );
    }
    assert!(
        page.contains(
            "data-filter=\"category\" data-value=\"root-user\"><title>root-user: 1</title>"
        )
    );
    assert!(
        !page.contains("data-value=\"secrets\""),
        "only categories with findings"
    );
    for id in ["f-severity", "f-category", "f-rule", "f-file", "f-reset"] {
        assert!(page.contains(&format!("id=\"{id}\"")), "{id}");
    }
    assert!(page.contains("<option value=\"SKD101\">SKD101: Image runs as root</option>"));
    assert!(page.contains("Failing: 2 findings at or above high."));
}

#[test]
fn hostile_text_is_escaped_everywhere() {
    let sources = SourceMap::new();
    let evil = "FROM x\nUSER \"><script>alert(1)</script>\n";
    let file = sources.add(
        "a\"><img src=x onerror=alert(1)>/Dockerfile",
        None,
        evil.into(),
    );
    let start = evil.find("USER").unwrap();
    let mut f = finding(
        "SKD101",
        Severity::High,
        Some(Span::new(file.id, start, evil.len())),
        "<script>alert('m')</script>",
        "<b>stage</b>",
    );
    f.message.push('\u{202e}');
    let findings = vec![f];
    let report = Report {
        findings: &findings,
        errors: &[],
        sources: &sources,
        rules: RULES,
        files_scanned: 1,
        tool_version: "<v>",
        fail_on: Severity::High,
    };
    let page = html(&report);
    assert_eq!(count(&page, "<script"), 1, "only our own script element");
    assert!(!page.contains("<img"));
    assert!(!page.contains("<b>stage"));
    assert!(page.contains("&lt;script&gt;alert(&#39;m&#39;)&lt;/script&gt;\u{fffd}"));
    assert!(
        page.contains("data-file=\"a&quot;&gt;&lt;img src=x onerror=alert(1)&gt;/Dockerfile\"")
    );
    assert!(page.contains("stockade &lt;v&gt;"));
    assert!(!page.contains('\u{202e}'));
    // Code spans in messages become <code>, with their content escaped.
    let mut f = findings[0].clone();
    f.message = "user `<root>` set".into();
    let findings = vec![f];
    let page = html(&Report {
        findings: &findings,
        ..report
    });
    assert!(page.contains("user <code>&lt;root&gt;</code> set"));
}

#[test]
fn empty_report_says_so() {
    let fx = Fixture::empty();
    let page = html(&fx.report());
    assert!(page.contains("<p class=\"empty\" id=\"no-findings\">No findings.</p>"));
    assert!(page.contains("Nothing at or above high."));
    assert!(!page.contains("<section class=\"finding\""));
    assert!(page.contains("<text x=\"0\" y=\"18\">no findings</text>"));
}

#[test]
fn huge_lines_are_cut_around_the_highlight() {
    let sources = SourceMap::new();
    let line = format!("{}USER root{}", "a".repeat(100_000), "b".repeat(100_000));
    let file = sources.add("Dockerfile", None, line.clone());
    let start = line.find("USER").unwrap();
    let findings = vec![finding(
        "SKD101",
        Severity::High,
        Some(Span::new(file.id, start, start + 9)),
        "root",
        "s",
    )];
    let report = Report {
        findings: &findings,
        errors: &[],
        sources: &sources,
        rules: RULES,
        files_scanned: 1,
        tool_version: "0",
        fail_on: Severity::High,
    };
    let page = html(&report);
    assert!(page.len() < 40_000, "page is {} bytes", page.len());
    assert!(page.contains("…aaaa"));
    assert!(page.contains("<mark>USER root</mark>bbbb"));
}

// ---------------------------------------------------------------- browser

/// Finds Chromium, installing the Debian package when it is missing (this
/// test runs on the project's CI machine, where apt works).
fn chromium() -> Option<PathBuf> {
    if std::env::var_os("STOCKADE_SKIP_BROWSER").is_some_and(|v| v == "1") {
        return None;
    }
    let find = || {
        ["chromium", "chromium-browser", "google-chrome"]
            .iter()
            .find_map(|name| {
                std::env::var_os("PATH").and_then(|paths| {
                    std::env::split_paths(&paths)
                        .map(|d| d.join(name))
                        .find(|p| p.is_file())
                })
            })
    };
    if let Some(p) = find() {
        return Some(p);
    }
    let status = Command::new("apt-get")
        .args(["install", "-y", "--no-install-recommends", "chromium"])
        .env("DEBIAN_FRONTEND", "noninteractive")
        .status();
    match status {
        Ok(s) if s.success() => {}
        other => panic!(
            "Chromium is not installed and `apt-get install chromium` failed ({other:?}); \
             install it or set STOCKADE_SKIP_BROWSER=1"
        ),
    }
    Some(find().expect("chromium on PATH after apt-get install"))
}

fn headless(browser: &Path, profile: &Path, extra: &[String], url: &str) -> std::process::Output {
    let out = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--hide-scrollbars",
            "--force-device-scale-factor=1",
            "--virtual-time-budget=3000",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(extra)
        .arg(url)
        .output()
        .expect("run chromium");
    assert!(
        out.status.success(),
        "chromium failed: {}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

struct Shot {
    width: u32,
    height: u32,
    rgb: Vec<[u8; 3]>,
}

impl Shot {
    fn load(path: &Path) -> Shot {
        let file = std::fs::File::open(path).expect("screenshot written");
        let mut decoder = png::Decoder::new(std::io::BufReader::new(file));
        decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
        let mut reader = decoder.read_info().expect("PNG header");
        let mut buf = vec![0; reader.output_buffer_size().expect("size")];
        let info = reader.next_frame(&mut buf).expect("PNG frame");
        let channels = info.color_type.samples();
        let rgb = buf[..info.buffer_size()]
            .chunks(channels)
            .map(|p| match channels {
                1 | 2 => [p[0], p[0], p[0]],
                _ => [p[0], p[1], p[2]],
            })
            .collect();
        Shot {
            width: info.width,
            height: info.height,
            rgb,
        }
    }

    fn count(&self, color: [u8; 3]) -> usize {
        self.rgb.iter().filter(|&&p| p == color).count()
    }

    fn non_white(&self) -> usize {
        self.rgb
            .iter()
            .filter(|p| p.iter().any(|&c| c < 240))
            .count()
    }
}

fn hex(s: &str) -> [u8; 3] {
    let v = u32::from_str_radix(s.trim_start_matches('#'), 16).unwrap();
    [(v >> 16) as u8, (v >> 8) as u8, v as u8]
}

#[test]
fn chromium_renders_the_findings() {
    let Some(browser) = chromium() else {
        eprintln!("STOCKADE_SKIP_BROWSER=1: browser test skipped");
        return;
    };
    let dir = std::env::temp_dir().join(format!("stockade-html-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let fx = Fixture::full();
    let page_path = dir.join("report.html");
    std::fs::write(&page_path, html(&fx.report())).unwrap();
    let empty_path = dir.join("empty.html");
    std::fs::write(&empty_path, html(&Fixture::empty().report())).unwrap();
    let url = format!("file://{}", page_path.display());

    // The DOM after the script ran: the script was allowed by the CSP (it
    // marks the document), every finding row is there and counted.
    let dom = headless(&browser, &dir.join("p1"), &["--dump-dom".into()], &url);
    let dom = String::from_utf8_lossy(&dom.stdout);
    assert!(
        dom.contains("data-ready=\"1\""),
        "the inline script did not run:\n{dom}"
    );
    assert_eq!(count(&dom, "<section class=\"finding\""), 6, "{dom}");
    assert!(dom.contains("<b id=\"shown\">6</b>"));
    assert!(!dom.contains("class=\"finding\" id=\"finding-1\" data-severity=\"medium\" data-category=\"provenance\" data-rule=\"SKD201\" data-file=\"./Dockerfile\" hidden"));

    // Filters from the URL: only the critical finding stays visible.
    let dom = headless(
        &browser,
        &dir.join("p2"),
        &["--dump-dom".into()],
        &format!("{url}#severity=critical"),
    );
    let dom = String::from_utf8_lossy(&dom.stdout);
    assert!(dom.contains("<b id=\"shown\">1</b>"), "{dom}");
    assert_eq!(
        count(&dom, "\" hidden=\"\">"),
        5,
        "five rows hidden:\n{dom}"
    );
    let dom = headless(
        &browser,
        &dir.join("p3"),
        &["--dump-dom".into()],
        &format!("{url}#file=tabs&rule=SKD301"),
    );
    let dom = String::from_utf8_lossy(&dom.stdout);
    assert!(dom.contains("<b id=\"shown\">1</b>"), "{dom}");
    // A value the select does not offer is ignored, not applied.
    let dom = headless(
        &browser,
        &dir.join("p4"),
        &["--dump-dom".into()],
        &format!("{url}#rule=%3Cnope%3E"),
    );
    assert!(String::from_utf8_lossy(&dom.stdout).contains("<b id=\"shown\">6</b>"));

    // The screenshot shows the page: mostly drawn, with the severity
    // colours of the chart bars and badges present.
    let shot_path = dir.join("report.png");
    headless(
        &browser,
        &dir.join("p5"),
        &[
            format!("--screenshot={}", shot_path.display()),
            "--window-size=1280,1800".into(),
        ],
        &url,
    );
    let shot = Shot::load(&shot_path);
    assert_eq!((shot.width, shot.height), (1280, 1800));
    assert!(
        shot.non_white() > 40_000,
        "screenshot is nearly blank ({} drawn pixels)",
        shot.non_white()
    );
    for color in [
        "#7b1fa2", "#c62828", "#e65100", "#0277bd", "#2e7d32", "#455a64",
    ] {
        assert!(
            shot.count(hex(color)) > 200,
            "colour {color} missing from the screenshot ({} pixels)",
            shot.count(hex(color))
        );
    }
    // The empty report has no bars: none of the severity colours as
    // solid areas.
    let empty_shot = dir.join("empty.png");
    headless(
        &browser,
        &dir.join("p6"),
        &[
            format!("--screenshot={}", empty_shot.display()),
            "--window-size=1280,1800".into(),
        ],
        &format!("file://{}", empty_path.display()),
    );
    let empty = Shot::load(&empty_shot);
    assert!(empty.count(hex("#7b1fa2")) < 50 && empty.count(hex("#c62828")) < 50);
    if std::env::var_os("STOCKADE_KEEP_SCREENSHOT").is_some() {
        eprintln!("screenshot kept in {}", dir.display());
    } else {
        let _ = std::fs::remove_dir_all(&dir);
    }
}
