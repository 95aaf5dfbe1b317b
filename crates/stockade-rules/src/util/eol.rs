//! End-of-life dates of common official images, and a parser for their
//! tags (`3.8-slim-buster`, `18-alpine3.15`, `bullseye-slim`, `22.04`,
//! `jammy`, `7.4-fpm`) into the parts each have a life cycle: the product
//! version and the distribution underneath.
//!
//! Dates are the end of security support (for Debian the end of the LTS
//! project's support; for Ubuntu the end of standard support, not paid
//! ESM). Each table says when it was last checked against endoflife.date
//! (its API and its `products/*.md` release data) and the projects' own
//! announcements. A version missing from a table, or marked `None`
//! (still supported, or no date announced), is never reported.

use super::date::Date;
use stockade_core::ImageRef;

/// A product with a life cycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Product {
    Debian,
    Ubuntu,
    Alpine,
    CentOs,
    CentOsStream,
    Fedora,
    Python,
    Node,
    Go,
    Ruby,
    Php,
    Postgres,
    MySql,
    Redis,
    Nginx,
}

impl Product {
    pub fn name(self) -> &'static str {
        match self {
            Product::Debian => "Debian",
            Product::Ubuntu => "Ubuntu",
            Product::Alpine => "Alpine Linux",
            Product::CentOs => "CentOS Linux",
            Product::CentOsStream => "CentOS Stream",
            Product::Fedora => "Fedora",
            Product::Python => "Python",
            Product::Node => "Node.js",
            Product::Go => "Go",
            Product::Ruby => "Ruby",
            Product::Php => "PHP",
            Product::Postgres => "PostgreSQL",
            Product::MySql => "MySQL",
            Product::Redis => "Redis",
            Product::Nginx => "nginx",
        }
    }

    /// Release cycles and their end-of-life dates (`None`: not announced
    /// or still supported).
    fn table(self) -> &'static [Row] {
        match self {
            Product::Debian => DEBIAN,
            Product::Ubuntu => UBUNTU,
            Product::Alpine => ALPINE,
            Product::CentOs => CENTOS,
            Product::CentOsStream => CENTOS_STREAM,
            Product::Fedora => FEDORA,
            Product::Python => PYTHON,
            Product::Node => NODE,
            Product::Go => GO,
            Product::Ruby => RUBY,
            Product::Php => PHP,
            Product::Postgres => POSTGRES,
            Product::MySql => MYSQL,
            Product::Redis => REDIS,
            Product::Nginx => NGINX,
        }
    }
}

type Row = (&'static str, Option<(i64, u32, u32)>);

// Debian: end of Debian LTS (checked 2026-11 against endoflife.date
// `debian` and wiki.debian.org/LTS). 13 trixie: LTS until 2030-06-30.
const DEBIAN: &[Row] = &[
    ("7", Some((2018, 5, 31))),
    ("8", Some((2020, 6, 30))),
    ("9", Some((2022, 6, 30))),
    ("10", Some((2024, 6, 30))),
    ("11", Some((2026, 8, 31))),
    ("12", Some((2028, 6, 30))),
    ("13", Some((2030, 6, 30))),
    ("14", None),
];

const DEBIAN_CODENAMES: &[(&str, &str)] = &[
    ("wheezy", "7"),
    ("jessie", "8"),
    ("stretch", "9"),
    ("buster", "10"),
    ("bullseye", "11"),
    ("bookworm", "12"),
    ("trixie", "13"),
    ("forky", "14"),
];

// Ubuntu: end of standard support ("Maintenance & Security Support"),
// checked 2026-11 against endoflife.date `ubuntu`.
const UBUNTU: &[Row] = &[
    ("12.04", Some((2017, 4, 28))),
    ("14.04", Some((2019, 4, 2))),
    ("16.04", Some((2021, 4, 2))),
    ("17.10", Some((2018, 7, 19))),
    ("18.04", Some((2023, 5, 31))),
    ("18.10", Some((2019, 7, 18))),
    ("19.04", Some((2020, 1, 23))),
    ("19.10", Some((2020, 7, 6))),
    ("20.04", Some((2025, 5, 31))),
    ("20.10", Some((2021, 7, 22))),
    ("21.04", Some((2022, 1, 20))),
    ("21.10", Some((2022, 7, 14))),
    ("22.04", Some((2027, 4, 1))),
    ("22.10", Some((2023, 7, 20))),
    ("23.04", Some((2024, 1, 20))),
    ("23.10", Some((2024, 7, 12))),
    ("24.04", Some((2029, 5, 31))),
    ("24.10", Some((2025, 7, 10))),
    ("25.04", Some((2026, 1, 17))),
    ("25.10", Some((2026, 7, 1))),
    ("26.04", Some((2031, 4, 30))),
];

const UBUNTU_CODENAMES: &[(&str, &str)] = &[
    ("precise", "12.04"),
    ("trusty", "14.04"),
    ("xenial", "16.04"),
    ("artful", "17.10"),
    ("bionic", "18.04"),
    ("cosmic", "18.10"),
    ("disco", "19.04"),
    ("eoan", "19.10"),
    ("focal", "20.04"),
    ("groovy", "20.10"),
    ("hirsute", "21.04"),
    ("impish", "21.10"),
    ("jammy", "22.04"),
    ("kinetic", "22.10"),
    ("lunar", "23.04"),
    ("mantic", "23.10"),
    ("noble", "24.04"),
    ("oracular", "24.10"),
    ("plucky", "25.04"),
    ("questing", "25.10"),
    ("resolute", "26.04"),
];

// Alpine: per branch, about two years; checked 2026-11 against
// endoflife.date `alpine-linux` (alpinelinux.org/releases).
const ALPINE: &[Row] = &[
    ("3.5", Some((2018, 11, 1))),
    ("3.6", Some((2019, 5, 1))),
    ("3.7", Some((2019, 11, 1))),
    ("3.8", Some((2020, 5, 1))),
    ("3.9", Some((2020, 11, 1))),
    ("3.10", Some((2021, 5, 1))),
    ("3.11", Some((2021, 11, 1))),
    ("3.12", Some((2022, 5, 1))),
    ("3.13", Some((2022, 11, 1))),
    ("3.14", Some((2023, 5, 1))),
    ("3.15", Some((2023, 11, 1))),
    ("3.16", Some((2024, 5, 23))),
    ("3.17", Some((2024, 11, 22))),
    ("3.18", Some((2025, 5, 9))),
    ("3.19", Some((2025, 11, 1))),
    ("3.20", Some((2026, 4, 1))),
    ("3.21", Some((2026, 11, 1))),
    ("3.22", Some((2027, 5, 1))),
    ("3.23", Some((2027, 11, 1))),
];

// CentOS Linux: every release is past its end (checked 2026-11,
// endoflife.date `centos`). Docker Hub's `centos` repository only ever had
// CentOS Linux; its `latest` is 8.
const CENTOS: &[Row] = &[
    ("5", Some((2017, 3, 31))),
    ("6", Some((2020, 11, 30))),
    ("7", Some((2024, 6, 30))),
    ("8", Some((2021, 12, 31))),
];

// CentOS Stream (quay.io/centos/centos:streamN), checked 2026-11.
const CENTOS_STREAM: &[Row] = &[
    ("8", Some((2024, 5, 31))),
    ("9", Some((2027, 5, 31))),
    ("10", None),
];

// Fedora, checked 2026-11 against endoflife.date `fedora`.
const FEDORA: &[Row] = &[
    ("30", Some((2020, 5, 26))),
    ("31", Some((2020, 11, 24))),
    ("32", Some((2021, 5, 25))),
    ("33", Some((2021, 11, 30))),
    ("34", Some((2022, 6, 7))),
    ("35", Some((2022, 12, 13))),
    ("36", Some((2023, 5, 16))),
    ("37", Some((2023, 12, 5))),
    ("38", Some((2024, 5, 21))),
    ("39", Some((2024, 11, 26))),
    ("40", Some((2025, 5, 13))),
    ("41", Some((2025, 12, 15))),
    ("42", Some((2026, 5, 13))),
    ("43", Some((2026, 12, 9))),
];

// Python, checked 2026-11 against endoflife.date/api/python.json.
const PYTHON: &[Row] = &[
    ("2.6", Some((2013, 10, 29))),
    ("2.7", Some((2020, 1, 1))),
    ("3.3", Some((2017, 9, 29))),
    ("3.4", Some((2019, 3, 18))),
    ("3.5", Some((2020, 9, 13))),
    ("3.6", Some((2021, 12, 23))),
    ("3.7", Some((2023, 6, 27))),
    ("3.8", Some((2024, 10, 7))),
    ("3.9", Some((2025, 10, 31))),
    ("3.10", Some((2026, 10, 31))),
    ("3.11", Some((2027, 10, 31))),
    ("3.12", Some((2028, 10, 31))),
    ("3.13", Some((2029, 10, 31))),
    ("3.14", Some((2030, 10, 31))),
];

// Node.js majors, checked 2026-11 (endoflife.date `nodejs`, nodejs/Release).
const NODE: &[Row] = &[
    ("4", Some((2018, 4, 30))),
    ("5", Some((2016, 6, 30))),
    ("6", Some((2019, 4, 30))),
    ("7", Some((2017, 6, 30))),
    ("8", Some((2019, 12, 31))),
    ("9", Some((2018, 6, 30))),
    ("10", Some((2021, 4, 30))),
    ("11", Some((2019, 6, 30))),
    ("12", Some((2022, 4, 30))),
    ("13", Some((2020, 6, 1))),
    ("14", Some((2023, 4, 30))),
    ("15", Some((2021, 6, 1))),
    ("16", Some((2023, 9, 11))),
    ("17", Some((2022, 6, 1))),
    ("18", Some((2025, 4, 30))),
    ("19", Some((2023, 6, 1))),
    ("20", Some((2026, 4, 30))),
    ("21", Some((2024, 6, 1))),
    ("22", Some((2027, 4, 30))),
    ("23", Some((2025, 6, 1))),
    ("24", Some((2028, 4, 30))),
    ("25", Some((2026, 6, 1))),
];

/// Node.js LTS codenames used as image tags (`node:hydrogen-alpine`).
const NODE_CODENAMES: &[(&str, &str)] = &[
    ("argon", "4"),
    ("boron", "6"),
    ("carbon", "8"),
    ("dubnium", "10"),
    ("erbium", "12"),
    ("fermium", "14"),
    ("gallium", "16"),
    ("hydrogen", "18"),
    ("iron", "20"),
    ("jod", "22"),
    ("krypton", "24"),
];

// Go: a release is supported until two newer ones are out; checked
// 2026-11 against endoflife.date/api/go.json.
const GO: &[Row] = &[
    ("1.10", Some((2019, 2, 25))),
    ("1.11", Some((2019, 9, 3))),
    ("1.12", Some((2020, 2, 25))),
    ("1.13", Some((2020, 8, 11))),
    ("1.14", Some((2021, 2, 16))),
    ("1.15", Some((2021, 8, 16))),
    ("1.16", Some((2022, 3, 15))),
    ("1.17", Some((2022, 8, 2))),
    ("1.18", Some((2023, 2, 1))),
    ("1.19", Some((2023, 9, 6))),
    ("1.20", Some((2024, 2, 6))),
    ("1.21", Some((2024, 8, 13))),
    ("1.22", Some((2025, 2, 11))),
    ("1.23", Some((2025, 8, 12))),
    ("1.24", Some((2026, 2, 11))),
    ("1.25", None),
    ("1.26", None),
];

// Ruby, checked 2026-11 against endoflife.date `ruby`.
const RUBY: &[Row] = &[
    ("2.1", Some((2017, 3, 31))),
    ("2.2", Some((2018, 3, 31))),
    ("2.3", Some((2019, 3, 31))),
    ("2.4", Some((2020, 3, 31))),
    ("2.5", Some((2021, 3, 31))),
    ("2.6", Some((2022, 3, 31))),
    ("2.7", Some((2023, 3, 31))),
    ("3.0", Some((2024, 4, 23))),
    ("3.1", Some((2025, 3, 31))),
    ("3.2", Some((2026, 3, 31))),
    ("3.3", Some((2027, 3, 31))),
    ("3.4", Some((2028, 3, 31))),
    ("4.0", Some((2029, 3, 31))),
];

// PHP, end of security support; checked 2026-11 against endoflife.date `php`.
const PHP: &[Row] = &[
    ("5.3", Some((2014, 8, 14))),
    ("5.4", Some((2015, 9, 14))),
    ("5.5", Some((2016, 7, 21))),
    ("5.6", Some((2018, 12, 31))),
    ("7.0", Some((2019, 1, 10))),
    ("7.1", Some((2019, 12, 1))),
    ("7.2", Some((2020, 11, 30))),
    ("7.3", Some((2021, 12, 6))),
    ("7.4", Some((2022, 11, 28))),
    ("8.0", Some((2023, 11, 26))),
    ("8.1", Some((2025, 12, 31))),
    ("8.2", Some((2026, 12, 31))),
    ("8.3", Some((2027, 12, 31))),
    ("8.4", Some((2028, 12, 31))),
    ("8.5", Some((2029, 12, 31))),
];

// PostgreSQL majors (five years each), checked 2026-11 against
// endoflife.date `postgresql` and postgresql.org/support/versioning.
const POSTGRES: &[Row] = &[
    ("9.3", Some((2018, 11, 8))),
    ("9.4", Some((2020, 2, 13))),
    ("9.5", Some((2021, 2, 11))),
    ("9.6", Some((2021, 11, 11))),
    ("10", Some((2022, 11, 10))),
    ("11", Some((2023, 11, 9))),
    ("12", Some((2024, 11, 21))),
    ("13", Some((2025, 11, 13))),
    ("14", Some((2026, 11, 12))),
    ("15", Some((2027, 11, 11))),
    ("16", Some((2028, 11, 9))),
    ("17", Some((2029, 11, 8))),
    ("18", None),
];

// MySQL, end of extended support (LTS) or next release (innovation);
// checked 2026-11 against endoflife.date `mysql`.
const MYSQL: &[Row] = &[
    ("5.5", Some((2018, 12, 31))),
    ("5.6", Some((2021, 2, 28))),
    ("5.7", Some((2023, 10, 31))),
    ("8.0", Some((2026, 4, 30))),
    ("8.1", Some((2023, 10, 25))),
    ("8.2", Some((2023, 12, 14))),
    ("8.3", Some((2024, 4, 10))),
    ("8.4", Some((2032, 4, 30))),
    ("9.0", Some((2024, 10, 15))),
    ("9.1", Some((2025, 1, 21))),
    ("9.2", Some((2025, 4, 15))),
    ("9.3", Some((2025, 7, 22))),
    ("9.4", Some((2025, 10, 21))),
    ("9.5", Some((2026, 1, 20))),
    ("9.6", Some((2026, 4, 21))),
    ("9.7", None),
];

// Redis, checked 2026-11 against endoflife.date `redis` (6.2, 7.2 and 7.4
// are still listed as supported by github.com/redis/redis/security).
const REDIS: &[Row] = &[
    ("5.0", Some((2022, 4, 27))),
    ("6.0", Some((2022, 5, 31))),
    ("6.2", None),
    ("7.0", Some((2024, 7, 29))),
    ("7.2", None),
    ("7.4", None),
    ("8.0", Some((2026, 2, 11))),
    ("8.2", None),
    ("8.4", None),
    ("8.6", None),
];

// nginx: each branch ends when the next of its kind (stable/mainline)
// ships, eol(x) = release(x+2); checked 2026-11 against
// endoflife.date/api/nginx.json and `products/nginx.md`. The older
// mainline rows (1.11–1.17) are derived the same way from the release
// dates of 1.13.0, 1.15.0, 1.17.0 and 1.19.0.
const NGINX: &[Row] = &[
    ("1.8", Some((2016, 4, 26))),
    ("1.10", Some((2017, 4, 12))),
    ("1.11", Some((2017, 4, 25))),
    ("1.12", Some((2018, 4, 17))),
    ("1.13", Some((2018, 6, 5))),
    ("1.14", Some((2019, 4, 23))),
    ("1.15", Some((2019, 5, 21))),
    ("1.16", Some((2020, 4, 20))),
    ("1.17", Some((2020, 5, 26))),
    ("1.18", Some((2021, 4, 20))),
    ("1.19", Some((2021, 5, 25))),
    ("1.20", Some((2022, 5, 24))),
    ("1.21", Some((2022, 6, 21))),
    ("1.22", Some((2023, 4, 11))),
    ("1.23", Some((2023, 5, 23))),
    ("1.24", Some((2024, 4, 23))),
    ("1.25", Some((2024, 5, 29))),
    ("1.26", Some((2025, 4, 23))),
    ("1.27", Some((2025, 6, 24))),
    ("1.28", Some((2026, 4, 14))),
    ("1.29", Some((2026, 5, 13))),
    ("1.30", None),
    ("1.31", None),
];

/// One part of an image tag that has a life cycle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagPart {
    pub product: Product,
    /// The release cycle as the table names it (`3.8`, `10`, `22.04`).
    pub cycle: String,
    /// The tag text it was read from (`3.8.10`, `buster`, `alpine3.15`).
    pub written: String,
}

/// A tag part whose product has reached its end of life.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EolHit {
    pub part: TagPart,
    pub eol: Date,
}

impl EolHit {
    /// `Python 3.8 (end of life 2024-10-07)`; for a cycle older than the
    /// table, `Alpine Linux 3.3 (end of life by 2018-11-01)`.
    pub fn describe(&self) -> String {
        format!(
            "{} {} (end of life {}{})",
            self.part.product.name(),
            self.part.cycle,
            if older_than_table(self.part.product, &self.part.cycle) {
                "by "
            } else {
                ""
            },
            self.eol
        )
    }
}

/// Which product an image repository is, for official images (Docker Hub
/// `library/…`, also through the common mirrors `…/library/…`) and a few
/// well-known vendor repositories.
pub fn product_of(r: &ImageRef) -> Option<Product> {
    let repo = r.repository.as_str();
    let name = if let Some(n) = repo.strip_prefix("library/") {
        n
    } else if let Some((_, n)) = repo.rsplit_once("/library/") {
        n
    } else {
        return match (r.registry.as_str(), repo) {
            ("quay.io", "centos/centos") => Some(Product::CentOsStream),
            ("registry.fedoraproject.org", "fedora") | ("quay.io", "fedora/fedora") => {
                Some(Product::Fedora)
            }
            _ => None,
        };
    };
    Some(match name {
        "debian" => Product::Debian,
        "ubuntu" => Product::Ubuntu,
        "alpine" => Product::Alpine,
        "centos" => Product::CentOs,
        "fedora" => Product::Fedora,
        "python" => Product::Python,
        "node" => Product::Node,
        "golang" => Product::Go,
        "ruby" => Product::Ruby,
        "php" => Product::Php,
        "postgres" => Product::Postgres,
        "mysql" => Product::MySql,
        "redis" => Product::Redis,
        "nginx" => Product::Nginx,
        _ => return None,
    })
}

fn is_version(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 32
        && s.split('.').count() <= 4
        && s.split('.')
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}

/// Cuts `3.8.10` to the cycle the product's table uses.
fn cycle_of(product: Product, version: &str) -> String {
    let parts: Vec<&str> = version.split('.').collect();
    let major_only = match product {
        Product::Node
        | Product::Fedora
        | Product::Debian
        | Product::CentOs
        | Product::CentOsStream => true,
        Product::Postgres => parts[0].parse::<u32>().is_ok_and(|m| m >= 10),
        _ => false,
    };
    if major_only || parts.len() == 1 {
        parts[0].to_string()
    } else {
        format!("{}.{}", parts[0], parts[1])
    }
}

/// Splits a tag into the parts that have life cycles. `repo_product` is the
/// image's own product (from [`product_of`]).
pub fn parse_tag(repo_product: Product, tag: &str) -> Vec<TagPart> {
    let tag = tag.trim();
    let mut out = Vec::new();
    if tag.is_empty() || tag.len() > 128 {
        return out;
    }
    let tokens: Vec<&str> = tag.split('-').collect();
    let first = tokens[0];
    let lower_first = first.to_ascii_lowercase();
    let mut push = |product: Product, cycle: String, written: &str| {
        out.push(TagPart {
            product,
            cycle,
            written: written.to_string(),
        })
    };
    match repo_product {
        Product::Debian => {
            if let Some(v) = codename(DEBIAN_CODENAMES, &lower_first) {
                push(Product::Debian, v.to_string(), first);
            } else if is_version(first) {
                push(Product::Debian, cycle_of(Product::Debian, first), first);
            }
        }
        Product::Ubuntu => {
            if let Some(v) = codename(UBUNTU_CODENAMES, &lower_first) {
                push(Product::Ubuntu, v.to_string(), first);
            } else if is_version(first) && first.contains('.') {
                let p: Vec<&str> = first.split('.').collect();
                push(Product::Ubuntu, format!("{}.{}", p[0], p[1]), first);
            }
        }
        Product::Alpine => {
            if is_version(first) && first.contains('.') {
                push(Product::Alpine, cycle_of(Product::Alpine, first), first);
            }
        }
        Product::CentOs => {
            let v = lower_first.strip_prefix("centos").unwrap_or(&lower_first);
            if is_version(v) {
                push(Product::CentOs, cycle_of(Product::CentOs, v), first);
            } else if v == "latest" {
                push(Product::CentOs, "8".to_string(), first);
            }
        }
        Product::CentOsStream => {
            if let Some(v) = lower_first.strip_prefix("stream")
                && is_version(v)
            {
                push(Product::CentOsStream, v.to_string(), first);
            }
        }
        Product::Fedora => {
            if is_version(first) {
                push(Product::Fedora, cycle_of(Product::Fedora, first), first);
            }
        }
        app => {
            if is_version(first) {
                push(app, cycle_of(app, first), first);
            } else if app == Product::Node
                && let Some(v) = codename(NODE_CODENAMES, &lower_first)
            {
                push(Product::Node, v.to_string(), first);
            }
            // The distribution underneath: `-buster`, `-alpine3.15`, `-focal`.
            for t in &tokens[1..] {
                let lt = t.to_ascii_lowercase();
                if let Some(v) = codename(DEBIAN_CODENAMES, &lt) {
                    push(Product::Debian, v.to_string(), t);
                } else if let Some(v) = codename(UBUNTU_CODENAMES, &lt) {
                    push(Product::Ubuntu, v.to_string(), t);
                } else if let Some(v) = lt.strip_prefix("alpine")
                    && is_version(v)
                    && v.contains('.')
                {
                    push(Product::Alpine, cycle_of(Product::Alpine, v), t);
                }
            }
            // `python:buster`, `node:alpine3.12`: a distro-only tag.
            if !is_version(first) {
                if let Some(v) = codename(DEBIAN_CODENAMES, &lower_first) {
                    push(Product::Debian, v.to_string(), first);
                } else if let Some(v) = lower_first.strip_prefix("alpine")
                    && is_version(v)
                    && v.contains('.')
                {
                    push(Product::Alpine, cycle_of(Product::Alpine, v), first);
                }
            }
        }
    }
    out
}

fn codename<'a>(table: &'a [(&str, &'a str)], name: &str) -> Option<&'a str> {
    table.iter().find(|(n, _)| *n == name).map(|(_, v)| *v)
}

fn to_date(d: (i64, u32, u32)) -> Date {
    Date::from_ymd(d.0, d.1, d.2)
}

/// The end-of-life date of a release cycle, when known. A major-only cycle
/// of a product versioned by minor (`python:2`, `php:7`) has an end only
/// when a later major exists, at the latest end of its minors, and only if
/// every minor has one.
pub fn end_of_life(product: Product, cycle: &str) -> Option<Date> {
    let table = product.table();
    if let Some((_, d)) = table.iter().find(|(c, _)| *c == cycle) {
        return d.map(to_date);
    }
    if older_than_table(product, cycle) {
        // Ended no later than the oldest cycle the table lists.
        return table.first().and_then(|(_, d)| d.map(to_date));
    }
    if cycle.contains('.') {
        return None;
    }
    let major: u32 = cycle.parse().ok()?;
    let major_of = |c: &str| c.split('.').next().and_then(|m| m.parse::<u32>().ok());
    let rows: Vec<&Row> = table
        .iter()
        .filter(|(c, _)| c.contains('.') && major_of(c) == Some(major))
        .collect();
    let later_major = table
        .iter()
        .any(|(c, _)| major_of(c).is_some_and(|m| m > major));
    if rows.is_empty() || !later_major {
        return None;
    }
    let mut latest: Option<Date> = None;
    for (_, d) in rows {
        let d = to_date((*d)?);
        latest = Some(latest.map_or(d, |l: Date| l.max(d)));
    }
    latest
}

/// Whether a numeric cycle (`3.3`, `1.8`) is older than every cycle the
/// product's table lists, compared part by part with the same number of
/// parts (`alpine:3.3` before `3.5`; `python:2` is not compared with `2.7`).
fn older_than_table(product: Product, cycle: &str) -> bool {
    let nums = |c: &str| -> Option<Vec<u32>> { c.split('.').map(|p| p.parse().ok()).collect() };
    let Some(first) = product.table().first() else {
        return false;
    };
    match (nums(cycle), nums(first.0)) {
        (Some(a), Some(b)) => a.len() == b.len() && a < b,
        _ => false,
    }
}

/// Whether the reference names an official image (Docker Hub `library/…`,
/// also through the common mirrors), whose tags follow the official
/// naming of the distribution underneath (`-bookworm`, `-alpine3.20`).
fn is_official_like(r: &ImageRef) -> bool {
    r.repository.starts_with("library/") || r.repository.contains("/library/")
}

/// The distribution parts of any official image's tag (`openjdk:8-jdk-buster`,
/// `rust:bullseye`, `eclipse-temurin:17-jre-focal`).
pub fn distro_parts(tag: &str) -> Vec<TagPart> {
    let mut out = Vec::new();
    if tag.len() > 128 {
        return out;
    }
    for t in tag.split('-') {
        let lt = t.to_ascii_lowercase();
        let part = if let Some(v) = codename(DEBIAN_CODENAMES, &lt) {
            Some((Product::Debian, v.to_string()))
        } else if let Some(v) = codename(UBUNTU_CODENAMES, &lt) {
            Some((Product::Ubuntu, v.to_string()))
        } else {
            lt.strip_prefix("alpine")
                .filter(|v| is_version(v) && v.contains('.'))
                .map(|v| (Product::Alpine, cycle_of(Product::Alpine, v)))
        };
        if let Some((product, cycle)) = part {
            out.push(TagPart {
                product,
                cycle,
                written: t.to_string(),
            });
        }
    }
    out
}

/// The parts of the image's tag that are past their end of life on `today`.
pub fn judge(r: &ImageRef, today: Date) -> Vec<EolHit> {
    let Some(product) = product_of(r) else {
        let Some(tag) = r.tag.as_deref().filter(|_| is_official_like(r)) else {
            return Vec::new();
        };
        return distro_parts(tag)
            .into_iter()
            .filter_map(|part| {
                let eol = end_of_life(part.product, &part.cycle)?;
                (today > eol).then_some(EolHit { part, eol })
            })
            .collect();
    };
    let tag = match (&r.tag, &r.digest) {
        (Some(t), _) => t.as_str(),
        // An untagged CentOS Linux image is `latest`, which is 8.
        (None, None) if product == Product::CentOs => "latest",
        _ => return Vec::new(),
    };
    parse_tag(product, tag)
        .into_iter()
        .filter_map(|part| {
            let eol = end_of_life(part.product, &part.cycle)?;
            (today > eol).then_some(EolHit { part, eol })
        })
        .collect()
}

/// The release cycle an image's `/etc/os-release` names (`ID`,
/// `VERSION_ID`, `VERSION_CODENAME`, `NAME`/`PRETTY_NAME`), for the
/// distributions the tables cover. Debian testing and sid, Alpine edge and
/// distributions without a table give `None`.
pub fn os_release_part(
    id: &str,
    version_id: Option<&str>,
    version_codename: Option<&str>,
    name: Option<&str>,
) -> Option<TagPart> {
    let id = id.trim().to_ascii_lowercase();
    let version = version_id.map(str::trim).filter(|v| is_version(v));
    let part = |product: Product, cycle: String, written: String| TagPart {
        product,
        cycle,
        written,
    };
    match id.as_str() {
        "debian" => {
            if let Some(v) = version {
                let c = cycle_of(Product::Debian, v);
                return Some(part(Product::Debian, c, format!("VERSION_ID={v}")));
            }
            let code = version_codename?.trim().to_ascii_lowercase();
            codename(DEBIAN_CODENAMES, &code).map(|c| {
                part(
                    Product::Debian,
                    c.to_string(),
                    format!("VERSION_CODENAME={code}"),
                )
            })
        }
        "ubuntu" => {
            let v = version.filter(|v| v.contains('.'))?;
            let p: Vec<&str> = v.split('.').collect();
            Some(part(
                Product::Ubuntu,
                format!("{}.{}", p[0], p[1]),
                format!("VERSION_ID={v}"),
            ))
        }
        "alpine" => {
            let v = version.filter(|v| v.contains('.'))?;
            Some(part(
                Product::Alpine,
                cycle_of(Product::Alpine, v),
                format!("VERSION_ID={v}"),
            ))
        }
        "centos" => {
            let v = version?;
            let stream = name.is_some_and(|n| n.to_ascii_lowercase().contains("stream"));
            let product = if stream {
                Product::CentOsStream
            } else {
                Product::CentOs
            };
            Some(part(
                product,
                cycle_of(product, v),
                format!("VERSION_ID={v}"),
            ))
        }
        "fedora" => {
            let v = version?;
            Some(part(
                Product::Fedora,
                cycle_of(Product::Fedora, v),
                format!("VERSION_ID={v}"),
            ))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        Date::parse(s).unwrap()
    }

    fn hits(image: &str, today: &str) -> Vec<String> {
        judge(&ImageRef::parse(image).unwrap(), d(today))
            .iter()
            .map(|h| format!("{} {}", h.part.product.name(), h.part.cycle))
            .collect()
    }

    #[test]
    fn reads_os_releases() {
        let c = |id, v, code, name| os_release_part(id, v, code, name).map(|p| p.cycle);
        assert_eq!(
            c("debian", Some("12"), Some("bookworm"), None).as_deref(),
            Some("12")
        );
        assert_eq!(
            c("debian", None, Some("trixie"), None).as_deref(),
            Some("13")
        );
        assert_eq!(c("debian", None, None, None), None);
        assert_eq!(
            c("ubuntu", Some("18.04"), None, None).as_deref(),
            Some("18.04")
        );
        assert_eq!(
            c("alpine", Some("3.15.11"), None, None).as_deref(),
            Some("3.15")
        );
        assert_eq!(c("alpine", Some("3.21_alpha20240807"), None, None), None);
        let p = os_release_part("centos", Some("8"), None, Some("CentOS Stream")).unwrap();
        assert_eq!((p.product, p.cycle.as_str()), (Product::CentOsStream, "8"));
        let p = os_release_part("centos", Some("7"), None, Some("CentOS Linux")).unwrap();
        assert_eq!((p.product, p.cycle.as_str()), (Product::CentOs, "7"));
        assert_eq!(c("fedora", Some("39"), None, None).as_deref(), Some("39"));
        assert_eq!(c("rhel", Some("9.4"), None, None), None);
        let d = end_of_life(Product::Debian, "10").unwrap();
        assert_eq!(d, Date::parse("2024-06-30").unwrap());
    }

    #[test]
    fn parses_tags() {
        let p = parse_tag(Product::Python, "3.8-slim-buster");
        assert_eq!(p.len(), 2);
        assert_eq!(
            (p[0].product, p[0].cycle.as_str()),
            (Product::Python, "3.8")
        );
        assert_eq!((p[1].product, p[1].cycle.as_str()), (Product::Debian, "10"));
        let p = parse_tag(Product::Node, "18-alpine3.15");
        assert_eq!((p[0].product, p[0].cycle.as_str()), (Product::Node, "18"));
        assert_eq!(
            (p[1].product, p[1].cycle.as_str()),
            (Product::Alpine, "3.15")
        );
        let p = parse_tag(Product::Debian, "bullseye-slim");
        assert_eq!((p[0].product, p[0].cycle.as_str()), (Product::Debian, "11"));
        assert_eq!(parse_tag(Product::Ubuntu, "22.04")[0].cycle, "22.04");
        assert_eq!(
            parse_tag(Product::Ubuntu, "jammy-20240911")[0].cycle,
            "22.04"
        );
        assert_eq!(parse_tag(Product::Postgres, "9.6-alpine")[0].cycle, "9.6");
        assert_eq!(parse_tag(Product::Postgres, "13.4-bullseye")[0].cycle, "13");
        assert_eq!(parse_tag(Product::Node, "hydrogen-alpine")[0].cycle, "18");
        assert_eq!(parse_tag(Product::Php, "7.4-fpm-alpine3.16").len(), 2);
        assert!(parse_tag(Product::Python, "slim").is_empty());
        assert!(parse_tag(Product::Node, "lts-alpine").is_empty());
    }

    #[test]
    fn judges_against_today() {
        assert_eq!(
            hits("python:3.8-slim-buster", "2026-11-28"),
            vec!["Python 3.8", "Debian 10"]
        );
        assert!(hits("python:3.12-slim-bookworm", "2026-11-28").is_empty());
        assert_eq!(hits("python:3.10", "2026-11-28"), vec!["Python 3.10"]);
        assert!(hits("python:3.10", "2026-10-31").is_empty());
        assert_eq!(
            hits("node:18-alpine3.15", "2026-11-28"),
            vec!["Node.js 18", "Alpine Linux 3.15"]
        );
        assert_eq!(hits("debian:buster", "2026-11-28"), vec!["Debian 10"]);
        assert!(hits("debian:bookworm-slim", "2026-11-28").is_empty());
        assert_eq!(hits("ubuntu:18.04", "2026-11-28"), vec!["Ubuntu 18.04"]);
        assert!(hits("ubuntu:jammy", "2026-11-28").is_empty());
        assert_eq!(hits("centos:7", "2026-11-28"), vec!["CentOS Linux 7"]);
        assert_eq!(hits("centos", "2026-11-28"), vec!["CentOS Linux 8"]);
        assert_eq!(hits("golang:1.19-alpine", "2026-11-28"), vec!["Go 1.19"]);
        assert!(hits("golang:1.25", "2026-11-28").is_empty());
        assert_eq!(hits("php:7.4-apache", "2026-11-28"), vec!["PHP 7.4"]);
        assert_eq!(hits("php:7", "2026-11-28"), vec!["PHP 7"]);
        assert!(hits("php:8", "2026-11-28").is_empty());
        assert!(hits("redis:6", "2026-11-28").is_empty());
        assert_eq!(hits("redis:5-alpine", "2026-11-28"), vec!["Redis 5"]);
        assert_eq!(hits("mysql:5.7", "2026-11-28"), vec!["MySQL 5.7"]);
        assert_eq!(
            hits("nginx:1.21.6-alpine", "2026-11-28"),
            vec!["nginx 1.21"]
        );
        assert!(hits("nginx:stable-alpine", "2026-11-28").is_empty());
        assert!(hits("python", "2026-11-28").is_empty());
        assert!(hits("ghcr.io/acme/python:3.6", "2026-11-28").is_empty());
        assert_eq!(hits("nginx:1.13-alpine", "2026-11-28"), vec!["nginx 1.13"]);
        assert_eq!(
            hits("eclipse-temurin:17-jre-focal", "2026-11-28"),
            vec!["Ubuntu 20.04"]
        );
        assert_eq!(hits("rust:buster", "2026-11-28"), vec!["Debian 10"]);
        assert!(hits("rust:1.64", "2026-11-28").is_empty());
        assert!(hits("acme/tool:buster", "2026-11-28").is_empty());
        assert_eq!(
            hits("public.ecr.aws/docker/library/python:3.6", "2026-11-28"),
            vec!["Python 3.6"]
        );
        assert_eq!(
            hits("quay.io/centos/centos:stream8", "2026-11-28"),
            vec!["CentOS Stream 8"]
        );
        assert_eq!(hits("alpine:3.21", "2026-11-28"), vec!["Alpine Linux 3.21"]);
        // Cycles older than the tables are past their end too.
        assert_eq!(hits("alpine:3.3", "2026-11-28"), vec!["Alpine Linux 3.3"]);
        assert_eq!(hits("golang:1.8-alpine", "2026-11-28"), vec!["Go 1.8"]);
        let r = ImageRef::parse("alpine:3.3").unwrap();
        let today = Date::from_ymd(2026, 11, 28);
        assert!(
            judge(&r, today)[0]
                .describe()
                .contains("end of life by 2018-11-01")
        );
        // A major-only tag is not compared with the table's minors.
        assert!(hits("alpine:3", "2026-11-28").is_empty());
        assert!(hits("alpine:3.22", "2026-11-28").is_empty());
    }
}
