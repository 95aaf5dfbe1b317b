//! One self-contained HTML page: a summary with charts of the findings by
//! severity and by category, client-side filters (severity, category,
//! rule, file), every finding with its source snippet and its rule's
//! documentation, and the input errors.
//!
//! The page loads nothing: the style sheet and the script are inline, the
//! charts are inline SVG, and a Content-Security-Policy with
//! `default-src 'none'` (the style and script allowed by their SHA-256
//! hashes) stops the browser from fetching anything or running any other
//! script, so even a bug in escaping could not make it phone home. All
//! text from scanned input is escaped; the script reads the filter values
//! from `data-` attributes, never from markup it builds.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io;

use sha2::{Digest, Sha256};
use stockade_core::{Category, Finding, Severity};

use crate::mdhtml::{self, escape, escape_into};
use crate::{Located, Report, describe_locator, locate, plural};

/// Findings beyond this many are listed without their snippet (the page
/// must stay openable; the JSON report has everything).
const MAX_SNIPPETS: usize = 2_000;
/// Lines of a span shown; the rest are elided.
const MAX_SPAN_LINES: usize = 12;
/// Lines of context above and below the span.
const CONTEXT_LINES: usize = 1;
/// A longer line is cut around the highlighted part (bytes).
const MAX_LINE_BYTES: usize = 400;
/// Characters of context kept before the highlight on a cut line (bytes).
const CUT_CONTEXT: usize = 120;

const STYLE: &str = r#"
:root{--fg:#1d232a;--muted:#5b6570;--bg:#fff;--panel:#f5f7f9;--line:#d8dee4;--mark:#ffe08a;
--critical:#7b1fa2;--high:#c62828;--medium:#e65100;--low:#0277bd;--info:#2e7d32}
*{box-sizing:border-box}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
header,main{max-width:1100px;margin:0 auto;padding:0 20px}
header{padding-top:20px}
h1{font-size:1.6em;margin:.2em 0}
h2{font-size:1.25em;margin:1.4em 0 .5em;border-bottom:1px solid var(--line);padding-bottom:.2em}
.meta{color:var(--muted);margin:0}
.verdict{font-weight:600;margin:.5em 0}
.verdict.fail{color:var(--high)}
.verdict.pass{color:var(--info)}
.charts{display:flex;flex-wrap:wrap;gap:24px}
.chart{background:var(--panel);border:1px solid var(--line);border-radius:6px;padding:10px 14px;flex:1 1 420px}
.chart h3{margin:0 0 6px;font-size:1em}
.chart svg{display:block;max-width:100%;height:auto}
.chart .bar{cursor:pointer}
.chart .bar:hover rect.fill{opacity:.8}
.chart text{font:13px system-ui,sans-serif;fill:var(--fg)}
.filters{display:flex;flex-wrap:wrap;gap:12px;align-items:end;background:var(--panel);border:1px solid var(--line);border-radius:6px;padding:10px 14px}
.filters label{display:flex;flex-direction:column;font-size:.85em;color:var(--muted)}
.filters select,.filters input{font:inherit;font-size:1rem;padding:3px 6px;min-width:150px}
.filters button{font:inherit;padding:4px 10px}
.count{margin-left:auto;color:var(--muted)}
.finding{border:1px solid var(--line);border-left:6px solid var(--line);border-radius:6px;margin:12px 0;padding:8px 14px}
.finding[data-severity=critical]{border-left-color:var(--critical)}
.finding[data-severity=high]{border-left-color:var(--high)}
.finding[data-severity=medium]{border-left-color:var(--medium)}
.finding[data-severity=low]{border-left-color:var(--low)}
.finding[data-severity=info]{border-left-color:var(--info)}
.finding h3{font-size:1em;margin:0;display:flex;flex-wrap:wrap;gap:8px;align-items:baseline}
.sev{color:#fff;border-radius:4px;padding:0 6px;font-size:.8em;text-transform:uppercase;font-weight:700;letter-spacing:.03em}
.sev.critical{background:var(--critical)}.sev.high{background:var(--high)}.sev.medium{background:var(--medium)}.sev.low{background:var(--low)}.sev.info{background:var(--info)}
.rule{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-weight:600}
.where{color:var(--muted);font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.9em;word-break:break-all}
.tags{color:var(--muted);font-size:.85em;margin:2px 0}
pre{background:var(--panel);border:1px solid var(--line);border-radius:4px;padding:8px 10px;overflow-x:auto;font:13px/1.45 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;margin:.5em 0}
.snippet .ln{display:inline-block;min-width:3.5em;padding-right:1em;text-align:right;color:var(--muted);user-select:none}
.snippet .hit{background:#fff6d6;display:inline-block;min-width:100%}
.snippet mark{background:var(--mark);color:inherit;border-bottom:2px solid var(--high)}
details.doc>summary{cursor:pointer;color:var(--low)}
.doc-body{border-top:1px dashed var(--line);margin-top:6px}
.doc-body h4,.doc-body h5,.doc-body h6{margin:.8em 0 .3em}
.doc-body table{border-collapse:collapse;margin:.5em 0}
.doc-body th,.doc-body td{border:1px solid var(--line);padding:3px 8px;text-align:left;vertical-align:top}
.doc-body th.right,.doc-body td.right{text-align:right}
.doc-body th.center,.doc-body td.center{text-align:center}
code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.92em;background:var(--panel);padding:0 3px;border-radius:3px}
pre code{background:none;padding:0}
.rules-list section{border-top:1px solid var(--line);padding:6px 0}
.errors li{margin:.3em 0}
.empty{color:var(--muted);font-style:italic}
[hidden]{display:none!important}
footer{max-width:1100px;margin:30px auto;padding:0 20px;color:var(--muted);font-size:.85em}
"#;

const SCRIPT: &str = r##"
(function(){
"use strict";
var order={critical:4,high:3,medium:2,low:1,info:0};
function el(id){return document.getElementById(id);}
var sev=el("f-severity"),cat=el("f-category"),rule=el("f-rule"),file=el("f-file"),shown=el("shown");
var fields={severity:sev,category:cat,rule:rule,file:file};
var rows=Array.prototype.slice.call(document.querySelectorAll("section.finding"));
function has(select,v){return Array.prototype.some.call(select.options,function(o){return o.value===v;});}
function fromHash(){
var h=location.hash.replace(/^#/,"");
h.split("&").forEach(function(kv){
var i=kv.indexOf("="),k,v;if(i<0){return;}
k=kv.slice(0,i);
try{v=decodeURIComponent(kv.slice(i+1));}catch(e){return;}
var f=fields[k];
if(!f){return;}
if(f.tagName==="SELECT"&&!has(f,v)){return;}
f.value=v;
});
}
function toHash(){
var parts=[];
Object.keys(fields).forEach(function(k){var v=fields[k].value;if(v){parts.push(k+"="+encodeURIComponent(v));}});
try{history.replaceState(null,"",parts.length?"#"+parts.join("&"):location.pathname+location.search);}catch(e){}
}
function apply(){
var s=sev.value,c=cat.value,r=rule.value,f=file.value.toLowerCase(),n=0;
rows.forEach(function(e){
var ok=(!s||order[e.getAttribute("data-severity")]>=order[s])&&
(!c||e.getAttribute("data-category")===c)&&
(!r||e.getAttribute("data-rule")===r)&&
(!f||e.getAttribute("data-file").toLowerCase().indexOf(f)>=0);
e.hidden=!ok;if(ok){n++;}
});
shown.textContent=String(n);
}
function changed(){apply();toHash();}
[sev,cat,rule].forEach(function(e){e.addEventListener("change",changed);});
file.addEventListener("input",changed);
el("f-reset").addEventListener("click",function(){sev.value="";cat.value="";rule.value="";file.value="";changed();});
Array.prototype.forEach.call(document.querySelectorAll(".chart .bar"),function(b){
b.addEventListener("click",function(){
var which=b.getAttribute("data-filter"),v=b.getAttribute("data-value");
if(fields[which]&&has(fields[which],v)){fields[which].value=v;}
changed();el("findings").scrollIntoView();
});
});
Array.prototype.forEach.call(document.querySelectorAll("details.doc"),function(d){
d.addEventListener("toggle",function(){
if(!d.open||d.getAttribute("data-filled")){return;}
d.setAttribute("data-filled","1");
var doc=el("rule-"+d.getAttribute("data-rule"));
var body=doc&&doc.querySelector(".doc-body");
if(body){d.appendChild(body.cloneNode(true));}
});
});
window.addEventListener("hashchange",function(){fromHash();apply();});
fromHash();
apply();
document.documentElement.setAttribute("data-ready","1");
})();
"##;

/// `sha256-…` source expression for a CSP, over the exact text of an
/// inline element.
fn csp_hash(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    format!("'sha256-{}'", base64(&digest))
}

/// Standard base64 with padding.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for k in 0..4 {
            if k <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * k)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The Content-Security-Policy of the page.
pub(crate) fn content_security_policy() -> String {
    format!(
        "default-src 'none'; style-src {}; script-src {}; img-src data:; base-uri 'none'; form-action 'none'",
        csp_hash(STYLE),
        csp_hash(SCRIPT)
    )
}

fn severity_color(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "#7b1fa2",
        Severity::High => "#c62828",
        Severity::Medium => "#e65100",
        Severity::Low => "#0277bd",
        Severity::Info => "#2e7d32",
    }
}

/// One bar of a chart.
struct Bar<'a> {
    label: &'a str,
    value: usize,
    color: &'a str,
    filter: &'a str,
}

/// A horizontal bar chart as inline SVG. Labels are our own vocabulary
/// (severities, categories) but are escaped all the same.
fn bar_chart(out: &mut String, title: &str, bars: &[Bar]) {
    const ROW: usize = 26;
    const LABEL_W: usize = 140;
    const BAR_W: usize = 300;
    const WIDTH: usize = LABEL_W + BAR_W + 60;
    let max = bars.iter().map(|b| b.value).max().unwrap_or(0).max(1);
    let height = (bars.len().max(1)) * ROW + 6;
    let _ = write!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{WIDTH}\" height=\"{height}\" viewBox=\"0 0 {WIDTH} {height}\" role=\"img\" aria-label=\"{}\"><title>{}</title>",
        escape(title),
        escape(title)
    );
    if bars.is_empty() {
        let _ = write!(out, "<text x=\"0\" y=\"18\">no findings</text></svg>");
        return;
    }
    for (i, b) in bars.iter().enumerate() {
        let y = i * ROW + 3;
        let w = if b.value == 0 {
            0
        } else {
            (b.value * BAR_W / max).max(2)
        };
        let _ = write!(
            out,
            "<g class=\"bar\" data-filter=\"{}\" data-value=\"{}\"><title>{}: {}</title>\
<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>\
<rect class=\"track\" x=\"{LABEL_W}\" y=\"{y}\" width=\"{BAR_W}\" height=\"{}\" fill=\"#e8ecf0\" rx=\"3\"/>\
<rect class=\"fill\" x=\"{LABEL_W}\" y=\"{y}\" width=\"{w}\" height=\"{}\" fill=\"{}\" rx=\"3\"/>\
<text x=\"{}\" y=\"{}\">{}</text></g>",
            escape(b.filter),
            escape(b.label),
            escape(b.label),
            b.value,
            LABEL_W - 8,
            y + 15,
            escape(b.label),
            ROW - 6,
            ROW - 6,
            escape(b.color),
            LABEL_W + w + 6,
            y + 15,
            b.value
        );
    }
    out.push_str("</svg>");
}

/// The file path a finding is filtered by: its source path, else its locator.
fn finding_file(f: &Finding, located: Option<&Located>) -> String {
    match located {
        Some(l) => l.path().to_string(),
        None => f
            .locator
            .as_deref()
            .map(describe_locator)
            .filter(|d| !d.is_empty())
            .unwrap_or_else(|| f.subject.clone()),
    }
}

/// Appends `line[a..b]` escaped, with `[ha..hb]` (clipped) inside `<mark>`.
fn marked_segment(out: &mut String, line: &str, a: usize, b: usize, ha: usize, hb: usize) {
    let ha = ha.clamp(a, b);
    let hb = hb.clamp(ha, b);
    escape_into(out, &line[a..ha]);
    if hb > ha {
        out.push_str("<mark>");
        escape_into(out, &line[ha..hb]);
        out.push_str("</mark>");
    }
    escape_into(out, &line[hb..b]);
}

/// The source lines around a located span, with the span highlighted.
fn snippet(out: &mut String, l: &Located) {
    let file = &l.file;
    let first = l.start.line.saturating_sub(1) as usize;
    let last = (l.end.line.saturating_sub(1) as usize).max(first);
    let shown_last = last.min(first + MAX_SPAN_LINES - 1);
    let from = first.saturating_sub(CONTEXT_LINES);
    let to = (shown_last + CONTEXT_LINES).min(file.line_count().saturating_sub(1).max(first));
    out.push_str("<pre class=\"snippet\"><code>");
    for idx in from..=to {
        let range = file.line_range(idx);
        let line = &file.text[range.clone()];
        let in_span = idx >= first && idx <= last;
        // Highlight bounds within this line.
        let (ha, hb) = if in_span {
            let ha = if idx == first {
                l.start_byte.saturating_sub(range.start)
            } else {
                0
            };
            let hb = if idx == last {
                l.end_byte.saturating_sub(range.start)
            } else {
                line.len()
            };
            (
                crate::text::floor_boundary(line, ha),
                crate::text::ceil_boundary(line, hb.max(ha)),
            )
        } else {
            (0, 0)
        };
        if in_span {
            out.push_str("<span class=\"hit\">");
        }
        let _ = write!(out, "<span class=\"ln\">{}</span>", idx + 1);
        // Cut long lines around the highlight.
        let (a, b) = if line.len() <= MAX_LINE_BYTES {
            (0, line.len())
        } else {
            let a = crate::text::floor_boundary(line, ha.saturating_sub(CUT_CONTEXT));
            let b = crate::text::ceil_boundary(line, a + MAX_LINE_BYTES);
            (a, b)
        };
        if a > 0 {
            out.push('…');
        }
        marked_segment(out, line, a, b, ha, hb);
        if b < line.len() {
            out.push('…');
        }
        if in_span {
            out.push_str("</span>");
        }
        out.push('\n');
        if idx == shown_last && shown_last < last {
            let _ = writeln!(
                out,
                "<span class=\"ln\">…</span>({} more lines)",
                last - shown_last
            );
        }
    }
    out.push_str("</code></pre>\n");
}

fn option(out: &mut String, value: &str, label: &str) {
    out.push_str("<option value=\"");
    escape_into(out, value);
    out.push_str("\">");
    escape_into(out, label);
    out.push_str("</option>");
}

pub(crate) fn render(report: &Report, out: &mut dyn io::Write) -> io::Result<()> {
    let mut h = String::with_capacity(64 * 1024);
    let counts = report.counts();
    let n = report.findings.len();
    let failing = report.failing();

    h.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    let _ = writeln!(
        h,
        "<meta http-equiv=\"Content-Security-Policy\" content=\"{}\">",
        escape(&content_security_policy())
    );
    h.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    h.push_str("<meta name=\"referrer\" content=\"no-referrer\">\n");
    let _ = writeln!(
        h,
        "<meta name=\"generator\" content=\"{} {}\">",
        crate::TOOL_NAME,
        escape(report.tool_version)
    );
    let _ = writeln!(
        h,
        "<title>stockade report: {}</title>",
        escape(&plural(n, "finding", "findings"))
    );
    let _ = writeln!(h, "<style>{STYLE}</style>\n</head>\n<body>");

    // Header and verdict.
    h.push_str("<header>\n<h1>stockade report</h1>\n");
    let _ = writeln!(
        h,
        "<p class=\"meta\">{} in {}{} &middot; stockade {}</p>",
        escape(&plural(n, "finding", "findings")),
        escape(&plural(report.files_scanned, "file", "files")),
        if report.errors.is_empty() {
            String::new()
        } else {
            format!(
                ", {}",
                escape(&plural(report.errors.len(), "input error", "input errors"))
            )
        },
        escape(report.tool_version)
    );
    if failing > 0 {
        let _ = writeln!(
            h,
            "<p class=\"verdict fail\" id=\"verdict\">Failing: {} at or above {}.</p>",
            escape(&plural(failing, "finding", "findings")),
            report.fail_on
        );
    } else {
        let _ = writeln!(
            h,
            "<p class=\"verdict pass\" id=\"verdict\">Nothing at or above {}.</p>",
            report.fail_on
        );
    }
    h.push_str("</header>\n<main>\n");

    // Summary charts.
    h.push_str("<h2 id=\"summary\">Summary</h2>\n<div class=\"charts\">\n");
    let sev_bars: Vec<Bar> = Severity::ALL
        .iter()
        .map(|&s| Bar {
            label: s.as_str(),
            value: counts.get(s),
            color: severity_color(s),
            filter: "severity",
        })
        .collect();
    h.push_str("<div class=\"chart\" id=\"chart-severity\"><h3>By severity</h3>");
    bar_chart(&mut h, "Findings by severity", &sev_bars);
    h.push_str("</div>\n");
    let mut by_cat: BTreeMap<&'static str, usize> = BTreeMap::new();
    for f in report.findings {
        *by_cat.entry(f.category.as_str()).or_insert(0) += 1;
    }
    let mut cats: Vec<(&str, usize)> = by_cat.into_iter().collect();
    cats.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let cat_bars: Vec<Bar> = cats
        .iter()
        .map(|&(c, v)| Bar {
            label: c,
            value: v,
            color: "#455a64",
            filter: "category",
        })
        .collect();
    h.push_str("<div class=\"chart\" id=\"chart-category\"><h3>By category</h3>");
    bar_chart(&mut h, "Findings by category", &cat_bars);
    h.push_str("</div>\n</div>\n");

    // Locate every finding once.
    let located: Vec<Option<Located>> = report
        .findings
        .iter()
        .map(|f| f.span.and_then(|s| locate(report.sources, s)))
        .collect();

    // Filters.
    h.push_str("<h2 id=\"findings\">Findings</h2>\n");
    h.push_str("<form class=\"filters\" id=\"filters\" autocomplete=\"off\">\n");
    h.push_str("<label>Severity at least<select id=\"f-severity\">");
    option(&mut h, "", "any");
    for s in Severity::ALL {
        option(&mut h, s.as_str(), s.as_str());
    }
    h.push_str("</select></label>\n<label>Category<select id=\"f-category\">");
    option(&mut h, "", "any");
    for c in Category::ALL {
        if cats.iter().any(|(name, _)| *name == c.as_str()) {
            option(&mut h, c.as_str(), c.as_str());
        }
    }
    h.push_str("</select></label>\n<label>Rule<select id=\"f-rule\">");
    option(&mut h, "", "any");
    let mut rule_ids: Vec<&str> = report.findings.iter().map(|f| f.rule).collect();
    rule_ids.sort_unstable();
    rule_ids.dedup();
    for id in &rule_ids {
        let label = match report.rule(id) {
            Some(r) if !r.title.is_empty() => format!("{id}: {}", r.title),
            _ => id.to_string(),
        };
        option(&mut h, id, &crate::text::truncate_chars(&label, 80));
    }
    h.push_str("</select></label>\n<label>File contains<input id=\"f-file\" type=\"search\" placeholder=\"path\"></label>\n");
    h.push_str("<button type=\"button\" id=\"f-reset\">Reset</button>\n");
    let _ = writeln!(
        h,
        "<span class=\"count\">showing <b id=\"shown\">{n}</b> of {n}</span>\n</form>"
    );

    if n == 0 {
        h.push_str("<p class=\"empty\" id=\"no-findings\">No findings.</p>\n");
    }
    for (i, (f, l)) in report.findings.iter().zip(&located).enumerate() {
        let file = finding_file(f, l.as_ref());
        let _ = write!(
            h,
            "<section class=\"finding\" id=\"finding-{}\" data-severity=\"{}\" data-category=\"{}\" data-rule=\"",
            i + 1,
            f.severity.as_str(),
            f.category.as_str()
        );
        escape_into(&mut h, f.rule);
        h.push_str("\" data-file=\"");
        escape_into(&mut h, &file);
        h.push_str("\">\n<h3>");
        let _ = write!(
            h,
            "<span class=\"sev {0}\">{0}</span><span class=\"rule\">",
            f.severity.as_str()
        );
        escape_into(&mut h, f.rule);
        h.push_str("</span><span class=\"msg\">");
        let message = if f.message.trim().is_empty() {
            f.title
        } else {
            f.message.as_str()
        };
        h.push_str(&mdhtml::message_to_html(message));
        h.push_str("</span></h3>\n<div class=\"where\">");
        match l {
            Some(l) => {
                escape_into(&mut h, l.path());
                let _ = write!(h, ":{}:{}", l.start.line, l.start.column);
            }
            None => escape_into(&mut h, &file),
        }
        h.push_str("</div>\n<div class=\"tags\">");
        let _ = write!(h, "{}", f.category.as_str());
        if !f.title.is_empty() {
            h.push_str(" &middot; ");
            escape_into(&mut h, f.title);
        }
        if !f.subject.is_empty() {
            h.push_str(" &middot; ");
            escape_into(&mut h, &f.subject);
        }
        if !f.aliases.is_empty() {
            h.push_str(" &middot; also ");
            escape_into(&mut h, &f.aliases.join(", "));
        }
        h.push_str("</div>\n");
        if let Some(l) = l
            && i < MAX_SNIPPETS
        {
            snippet(&mut h, l);
        }
        if let Some(fix) = report.rule(f.rule).and_then(|r| r.fix) {
            h.push_str("<div class=\"tags\">fix: ");
            h.push_str(&mdhtml::message_to_html(fix));
            h.push_str("</div>\n");
        }
        if report
            .rule(f.rule)
            .is_some_and(|r| !r.doc.trim().is_empty())
        {
            h.push_str("<details class=\"doc\" data-rule=\"");
            escape_into(&mut h, f.rule);
            h.push_str("\"><summary>About ");
            escape_into(&mut h, f.rule);
            h.push_str("</summary><a href=\"#rule-");
            escape_into(&mut h, f.rule);
            h.push_str("\">rule documentation</a></details>\n");
        }
        h.push_str("</section>\n");
    }
    if n > MAX_SNIPPETS {
        let _ = writeln!(
            h,
            "<p class=\"empty\">Snippets are shown for the first {MAX_SNIPPETS} findings; the JSON report has every location.</p>"
        );
    }

    // Input errors.
    if !report.errors.is_empty() {
        h.push_str("<h2 id=\"errors\">Input errors</h2>\n<ul class=\"errors\">\n");
        for e in report.errors {
            h.push_str("<li><span class=\"where\">");
            escape_into(&mut h, &e.path);
            if let Some(l) = e.span.and_then(|s| locate(report.sources, s)) {
                let _ = write!(h, ":{}:{}", l.start.line, l.start.column);
            }
            h.push_str("</span> ");
            escape_into(&mut h, &e.message);
            h.push_str("</li>\n");
        }
        h.push_str("</ul>\n");
    }

    // The documentation of each rule that has findings, once.
    let documented: Vec<&crate::RuleInfo> = rule_ids
        .iter()
        .filter_map(|id| report.rule(id))
        .filter(|r| !r.doc.trim().is_empty())
        .collect();
    if !documented.is_empty() {
        h.push_str("<h2 id=\"rules\">Rules</h2>\n<div class=\"rules-list\">\n");
        for r in documented {
            h.push_str("<section class=\"rule-doc\" id=\"rule-");
            escape_into(&mut h, r.id);
            h.push_str("\"><h3><span class=\"rule\">");
            escape_into(&mut h, r.id);
            h.push_str("</span> ");
            escape_into(&mut h, r.title);
            let _ = write!(
                h,
                "</h3>\n<div class=\"tags\">{} &middot; default severity {}",
                r.category.as_str(),
                r.severity.as_str()
            );
            if !r.aliases.is_empty() {
                h.push_str(" &middot; also ");
                escape_into(&mut h, &r.aliases.join(", "));
            }
            h.push_str("</div>\n<div class=\"doc-body\">\n");
            h.push_str(&mdhtml::to_html(r.doc));
            h.push_str("</div>\n</section>\n");
        }
        h.push_str("</div>\n");
    }

    h.push_str("</main>\n<footer>Generated by stockade ");
    escape_into(&mut h, report.tool_version);
    h.push_str(". This page loads nothing from the network.</footer>\n");
    let _ = writeln!(h, "<script>{SCRIPT}</script>\n</body>\n</html>");
    out.write_all(h.as_bytes())?;
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc4648_vectors() {
        let cases = [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ];
        for (i, o) in cases {
            assert_eq!(base64(i.as_bytes()), o);
        }
    }

    #[test]
    fn csp_hashes_the_exact_inline_text() {
        // sha256("") in base64, a published value.
        assert_eq!(
            csp_hash(""),
            "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='"
        );
        let csp = content_security_policy();
        assert!(csp.starts_with("default-src 'none'; "));
        assert!(csp.contains(&csp_hash(SCRIPT)));
        assert!(!csp.contains("unsafe-inline"));
    }
}
