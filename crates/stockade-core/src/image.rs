//! `ImageSpec`: a built image as rules see it: its config, its history, its
//! layers, and the facts read from its final filesystem (OS, packages,
//! users, special files, candidate secrets).
//!
//! The model holds no IO types. `stockade-image` fills it from `docker save`
//! archives and OCI layouts. Images have no source text, so every
//! finding-worthy item carries a locator instead of a span: the digest of the
//! layer it came from and its path inside the image (no leading `/`).

use crate::finding::Locator;
use serde::Serialize;

/// One image read from an archive or layout.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ImageSpec {
    /// The archive or layout path as scanned.
    pub source: String,
    /// The most useful name: the first tag, else the config digest.
    pub reference: String,
    /// All names the archive gives the image (`RepoTags`, OCI ref names).
    pub tags: Vec<String>,
    /// The image id: `sha256:` digest of the config blob.
    pub config_digest: Option<String>,
    /// Digest of the OCI/Docker manifest, when the image came from an index.
    pub manifest_digest: Option<String>,
    /// The manifest's media type, when known.
    pub manifest_media_type: Option<String>,
    /// Platform as given by the index descriptor (may differ from the
    /// config's own fields in broken images).
    pub index_platform: Option<Platform>,
    pub config: ImageConfig,
    pub history: Vec<HistoryEntry>,
    /// Lowest layer first.
    pub layers: Vec<ImageLayer>,
    /// The layout the image was found in.
    pub layout: ArchiveLayout,

    /// Facts about the final filesystem (after whiteouts).
    pub os_release: Option<OsRelease>,
    /// Installed OS packages from every package database that was read.
    pub packages: Vec<OsPackage>,
    /// Every package database found, read or not.
    pub package_dbs: Vec<PackageDb>,
    /// `/etc/passwd` entries, with the password state from `/etc/shadow`.
    pub users: Vec<UserEntry>,
    pub groups: Vec<GroupEntry>,
    /// Where `/etc/passwd`, `/etc/group`, `/etc/shadow` were (None = absent).
    pub passwd_file: Option<FileRef>,
    pub group_file: Option<FileRef>,
    pub shadow_file: Option<FileRef>,
    /// `/etc/sudoers` and `/etc/sudoers.d/*` as text (capped).
    pub sudoers: Vec<TextFile>,
    pub setid_files: Vec<SetIdFile>,
    pub world_writable: Vec<WorldWritable>,
    /// Candidate secrets from every layer, including files a later layer
    /// deleted or replaced (they are still in the archive).
    pub secrets: Vec<SecretCandidate>,
    /// Files of interest in the final filesystem: shells, package managers,
    /// network and privilege tools, remote-access daemons, and build or
    /// editor leftovers (`.git`, `Dockerfile`, ...). Capped.
    pub notable_files: Vec<NotableFile>,
    /// Odd or hostile things in the layers that did not stop reading
    /// (`..` entries, absolute names, links leaving the tree, ...).
    pub anomalies: Vec<LayerAnomaly>,
    pub stats: ImageStats,
}

impl ImageSpec {
    /// A locator for an item found in this image.
    pub fn locator(&self, layer_digest: Option<&str>, path: Option<&str>) -> Locator {
        Locator {
            image: Some(self.reference.clone()),
            layer: layer_digest.map(str::to_string),
            path: path.map(|p| format!("/{}", p.trim_start_matches('/'))),
            ..Locator::default()
        }
    }

    /// The user the image runs as by default: `config.user`, with an empty
    /// or absent value meaning root (uid 0).
    pub fn effective_user(&self) -> &str {
        match self.config.user.as_deref() {
            Some(u) if !u.is_empty() => u,
            _ => "root",
        }
    }

    /// Looks up a user by name or numeric uid in `/etc/passwd`.
    pub fn find_user(&self, name_or_uid: &str) -> Option<&UserEntry> {
        match name_or_uid.parse::<u32>() {
            Ok(uid) => self.users.iter().find(|u| u.uid == Some(uid)),
            Err(_) => self.users.iter().find(|u| u.name == name_or_uid),
        }
    }

    /// The layer at `index`, if any.
    pub fn layer(&self, index: usize) -> Option<&ImageLayer> {
        self.layers.get(index)
    }
}

/// How the image was stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ArchiveLayout {
    /// `docker save` before Docker 25: `manifest.json` + `<id>/layer.tar`.
    #[default]
    DockerLegacy,
    /// Docker 25+: OCI `index.json` + `blobs/` beside a legacy `manifest.json`.
    DockerOciHybrid,
    /// A tar of an OCI image layout.
    OciArchive,
    /// An OCI image layout directory.
    OciDirectory,
}

/// `os/architecture[/variant]`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Platform {
    pub os: String,
    pub architecture: String,
    pub variant: Option<String>,
    pub os_version: Option<String>,
}

impl Platform {
    /// `linux/arm64/v8` style.
    pub fn display(&self) -> String {
        match &self.variant {
            Some(v) if !v.is_empty() => format!("{}/{}/{}", self.os, self.architecture, v),
            _ => format!("{}/{}", self.os, self.architecture),
        }
    }
}

/// The image config (`config` object plus the top-level fields).
#[derive(Debug, Clone, Default, Serialize)]
pub struct ImageConfig {
    /// `User` as written; `None` when the key is absent. Empty means root.
    pub user: Option<String>,
    /// `ExposedPorts` keys (`80/tcp`), sorted.
    pub exposed_ports: Vec<String>,
    pub env: Vec<EnvEntry>,
    pub entrypoint: Option<Vec<String>>,
    pub cmd: Option<Vec<String>>,
    /// `Volumes` keys, sorted.
    pub volumes: Vec<String>,
    /// Labels, sorted by key.
    pub labels: Vec<(String, String)>,
    pub healthcheck: Option<ImageHealthcheck>,
    pub working_dir: Option<String>,
    pub stop_signal: Option<String>,
    pub shell: Option<Vec<String>>,
    pub on_build: Vec<String>,
    /// `created` as written (RFC 3339).
    pub created: Option<String>,
    /// `created` as days since 1970-01-01 (UTC), when it parses.
    pub created_days: Option<i64>,
    pub author: Option<String>,
    pub architecture: Option<String>,
    pub os: Option<String>,
    pub variant: Option<String>,
    pub os_version: Option<String>,
    /// `rootfs.diff_ids`, lowest first.
    pub diff_ids: Vec<String>,
}

impl ImageConfig {
    /// The config's own platform, when `os` and `architecture` are set.
    pub fn platform(&self) -> Option<Platform> {
        Some(Platform {
            os: self.os.clone()?,
            architecture: self.architecture.clone()?,
            variant: self.variant.clone(),
            os_version: self.os_version.clone(),
        })
    }

    /// The value of an environment variable (last one wins).
    pub fn env_value(&self, name: &str) -> Option<&str> {
        self.env
            .iter()
            .rev()
            .find(|e| e.name == name)
            .map(|e| e.value.as_str())
    }
}

/// One `Env` entry, split at the first `=`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct EnvEntry {
    pub name: String,
    pub value: String,
    /// `false` for an entry without `=`.
    pub has_value: bool,
}

/// The config's `Healthcheck`. Durations are nanoseconds as in the config.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct ImageHealthcheck {
    /// `["NONE"]` disables an inherited check; `["CMD", ...]`,
    /// `["CMD-SHELL", "..."]`; empty inherits.
    pub test: Vec<String>,
    pub interval_ns: Option<i64>,
    pub timeout_ns: Option<i64>,
    pub start_period_ns: Option<i64>,
    pub start_interval_ns: Option<i64>,
    pub retries: Option<i64>,
}

impl ImageHealthcheck {
    /// `true` when the check is explicitly disabled (`NONE`).
    pub fn is_disabled(&self) -> bool {
        self.test.first().is_some_and(|t| t == "NONE")
    }
}

/// One `history` entry.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct HistoryEntry {
    pub created: Option<String>,
    pub created_by: Option<String>,
    pub author: Option<String>,
    pub comment: Option<String>,
    pub empty_layer: bool,
    /// Index into [`ImageSpec::layers`] of the layer this step made
    /// (`None` for empty-layer steps, or when history and layers disagree).
    pub layer: Option<usize>,
    /// That layer's diff id.
    pub layer_digest: Option<String>,
}

/// Compression detected from a layer's first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Compression {
    #[default]
    None,
    Gzip,
    Zstd,
}

/// One layer, lowest first.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct ImageLayer {
    pub index: usize,
    /// Digest of the blob as stored (OCI), when known.
    pub digest: Option<String>,
    /// `sha256:` of the uncompressed tar (verified while streaming).
    pub diff_id: Option<String>,
    /// Where the layer was in the archive (member path or blob path).
    pub member: String,
    pub media_type: Option<String>,
    pub compression: Compression,
    /// Stored size in bytes.
    pub compressed_size: u64,
    /// Uncompressed tar size in bytes.
    pub uncompressed_size: u64,
    /// Tar entries in the layer.
    pub entries: u64,
}

impl ImageLayer {
    /// The id to show in locators: the diff id, else the blob digest, else
    /// the archive member.
    pub fn id(&self) -> &str {
        self.diff_id
            .as_deref()
            .or(self.digest.as_deref())
            .unwrap_or(&self.member)
    }
}

/// A file in the final filesystem: the layer it came from and its path.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct FileRef {
    /// Path inside the image, without a leading `/`.
    pub path: String,
    pub layer: usize,
    pub layer_digest: String,
}

/// A small text file kept for rules (sudoers).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct TextFile {
    pub file: FileRef,
    /// Lossy UTF-8, capped.
    pub text: String,
    /// `true` when the file was longer than the cap.
    pub truncated: bool,
}

/// `/etc/os-release` (or the distribution's own release file).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct OsRelease {
    /// `ID` (`debian`, `alpine`, `ubuntu`, ...).
    pub id: Option<String>,
    pub id_like: Vec<String>,
    pub version_id: Option<String>,
    pub version_codename: Option<String>,
    pub pretty_name: Option<String>,
    /// The file it was read from.
    pub file: FileRef,
    /// Other release files found (`etc/alpine-release`, `etc/debian_version`),
    /// with their first line.
    pub extra: Vec<(FileRef, String)>,
}

/// Package manager of an OS package database.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PackageManager {
    Dpkg,
    Apk,
    Rpm,
}

/// One package database found in the image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PackageDb {
    pub manager: PackageManager,
    pub file: FileRef,
    /// Whether its packages are in [`ImageSpec::packages`].
    pub read: bool,
    /// Why not, when not.
    pub note: Option<String>,
}

/// One installed OS package.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OsPackage {
    pub manager: PackageManager,
    pub name: String,
    pub version: String,
    /// Source package (dpkg `Source:`, apk `o:`), when different or given.
    pub source: Option<String>,
    pub arch: Option<String>,
    /// The database file it was listed in.
    pub db_path: String,
}

/// State of a password field (`/etc/shadow` when the user is there, else
/// `/etc/passwd`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PasswordState {
    /// Empty field: login without a password.
    Empty,
    /// `!`, `*`, `!!`, `!*`... : no password login.
    Locked,
    /// A hash (or anything else) is present.
    Hash,
    /// `x` in passwd but no shadow entry was found.
    Unknown,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UserEntry {
    pub name: String,
    /// `None` when the field is not a number.
    pub uid: Option<u32>,
    pub gid: Option<u32>,
    pub gecos: String,
    pub home: String,
    pub shell: String,
    pub password: PasswordState,
    /// 1-based line in `/etc/passwd`.
    pub line: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GroupEntry {
    pub name: String,
    pub gid: Option<u32>,
    pub members: Vec<String>,
    pub line: u32,
}

/// A file with the setuid or setgid bit in the final filesystem.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SetIdFile {
    pub file: FileRef,
    /// Full mode bits as in the tar header (permission + special bits).
    pub mode: u32,
    pub uid: u64,
    pub gid: u64,
    pub setuid: bool,
    pub setgid: bool,
}

/// A world-writable file or directory in the final filesystem.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WorldWritable {
    pub file: FileRef,
    pub mode: u32,
    pub is_dir: bool,
    /// Sticky bit set (normal for `/tmp`).
    pub sticky: bool,
}

/// The type of a filesystem entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FileType {
    #[default]
    File,
    Dir,
    Symlink,
    CharDevice,
    BlockDevice,
    Fifo,
}

/// Why a file is notable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum NotableKind {
    /// `sh`, `bash`, `ash`, `dash`, `zsh`, `busybox` in a bin directory.
    Shell,
    /// `apt`, `apt-get`, `dpkg`, `apk`, `yum`, `dnf`, `microdnf`, `rpm`,
    /// `pip`, `pip3`, `npm`, `gem`.
    PackageManager,
    /// `curl`, `wget`, `nc`, `ncat`, `netcat`, `socat`, `telnet`, `ftp`.
    NetworkTool,
    /// `sudo`, `su`, `doas`.
    PrivilegeTool,
    /// `sshd`, `dropbear`, `telnetd`.
    RemoteAccess,
    /// `.git`, `.svn`, `Dockerfile`, `docker-compose.yml`, `compose.yaml`,
    /// `.DS_Store`, `.vscode`, `.idea`: files that are rarely meant to ship.
    BuildLeftover,
}

/// A notable entry of the final filesystem.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NotableFile {
    pub file: FileRef,
    pub kind: NotableKind,
    pub file_type: FileType,
    pub mode: u32,
}

/// What a candidate secret looks like.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "kind", content = "format")]
pub enum SecretKind {
    /// `id_rsa`, `id_ed25519`, ... holding a private key (or too big to check).
    SshPrivateKey,
    /// `*.pem` / `*.key` with a `PRIVATE KEY` block.
    PrivateKey,
    /// `.aws/credentials`.
    AwsCredentials,
    /// gcloud `application_default_credentials.json`, `credentials.db`.
    GcloudCredentials,
    /// `.azure/accessTokens.json`, `msal_token_cache.json`.
    AzureCredentials,
    /// A `.env` file.
    DotEnv,
    /// `.npmrc` with an auth token.
    Npmrc,
    /// `.pypirc` with a password.
    Pypirc,
    /// `.git-credentials` with a credential URL.
    GitCredentials,
    /// `.docker/config.json` with `auth` entries.
    DockerConfig,
    /// A known token format in a small text file (`aws-access-key-id`,
    /// `github-pat`, `private-key-block`, ...).
    Token(String),
}

impl SecretKind {
    /// A short stable name (`ssh-private-key`, `token:github-pat`, ...).
    pub fn name(&self) -> String {
        match self {
            SecretKind::SshPrivateKey => "ssh-private-key".into(),
            SecretKind::PrivateKey => "private-key".into(),
            SecretKind::AwsCredentials => "aws-credentials".into(),
            SecretKind::GcloudCredentials => "gcloud-credentials".into(),
            SecretKind::AzureCredentials => "azure-credentials".into(),
            SecretKind::DotEnv => "dotenv".into(),
            SecretKind::Npmrc => "npmrc".into(),
            SecretKind::Pypirc => "pypirc".into(),
            SecretKind::GitCredentials => "git-credentials".into(),
            SecretKind::DockerConfig => "docker-config".into(),
            SecretKind::Token(f) => format!("token:{f}"),
        }
    }
}

/// A file that probably holds a secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SecretCandidate {
    /// The layer the file is in (not necessarily visible in the final view).
    pub file: FileRef,
    pub size: u64,
    pub kind: SecretKind,
    /// 1-based line of the first match, when the content was checked.
    pub line: Option<u32>,
    /// The first match, redacted (a short prefix and the length), never the
    /// secret itself.
    pub redacted: Option<String>,
    /// `true` when a later layer deleted or replaced the file: it is not in
    /// the final filesystem but still in the archive.
    pub deleted_in_later_layer: bool,
}

/// Something odd or hostile in a layer that did not stop reading.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LayerAnomaly {
    pub layer: usize,
    pub layer_digest: String,
    /// The entry name as written (lossy UTF-8, capped).
    pub path: String,
    pub kind: AnomalyKind,
    pub detail: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum AnomalyKind {
    /// An entry name with `..` that leaves the image root (Docker refuses
    /// such a layer; the entry was skipped).
    PathTraversal,
    /// An absolute entry name (`/etc/passwd`); read relative to the root.
    AbsolutePath,
    /// A symlink whose target climbs above the image root with `..`
    /// (clamped at the root, as the kernel does inside the container).
    SymlinkEscapesRoot,
    /// A hardlink whose target leaves the tree (skipped).
    HardlinkEscapesRoot,
    /// A hardlink whose target does not exist in this or a lower layer.
    HardlinkTargetMissing,
    /// A character or block device node.
    DeviceNode,
    /// The same path twice in one layer (last wins).
    DuplicateEntry,
    /// A file that was too big to read for a check.
    Oversized,
    /// An entry with an empty or unusable name.
    InvalidName,
}

/// Sizes and counts.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct ImageStats {
    /// Sum of stored layer sizes.
    pub compressed_size: u64,
    /// Sum of uncompressed layer tar sizes.
    pub uncompressed_size: u64,
    /// Bytes of regular files in the final filesystem.
    pub final_size: u64,
    /// Entries of every kind in the final filesystem (the root excluded).
    pub file_count: u64,
    pub regular_files: u64,
    pub directories: u64,
    pub symlinks: u64,
    /// Entries over all layers (including whiteouts and deleted files).
    pub layer_entries: u64,
}

/// Days since 1970-01-01 of an RFC 3339 timestamp's date (the UTC offset
/// is applied). `None` when it does not parse.
pub fn rfc3339_days(s: &str) -> Option<i64> {
    let b = s.trim().as_bytes();
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let t = b.get(r)?;
        if t.is_empty() || !t.iter().all(u8::is_ascii_digit) {
            return None;
        }
        std::str::from_utf8(t).ok()?.parse().ok()
    };
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    let mut secs_of_day = 0i64;
    let mut offset = 0i64;
    if b.len() > 10 {
        if !matches!(b[10], b'T' | b't' | b' ') || b.len() < 19 {
            return None;
        }
        let (hh, mm, ss) = (num(11..13)?, num(14..16)?, num(17..19)?);
        if hh > 23 || mm > 59 || ss > 60 {
            return None;
        }
        secs_of_day = hh * 3600 + mm * 60 + ss;
        let mut i = 19;
        if b.get(i) == Some(&b'.') {
            i += 1;
            while b.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
        }
        match b.get(i) {
            Some(b'Z' | b'z') if i + 1 == b.len() => {}
            Some(&c @ (b'+' | b'-')) if b.len() == i + 6 && b[i + 3] == b':' => {
                let oh = num(i + 1..i + 3)?;
                let om = num(i + 4..i + 6)?;
                let o = oh * 3600 + om * 60;
                offset = if c == b'+' { o } else { -o };
            }
            _ => return None,
        }
    }
    // Days from civil (proleptic Gregorian).
    let y2 = if m <= 2 { y - 1 } else { y };
    let era = y2.div_euclid(400);
    let yoe = y2 - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some((days * 86_400 + secs_of_day - offset).div_euclid(86_400))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_days_parses() {
        assert_eq!(rfc3339_days("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(rfc3339_days("1970-01-02"), Some(1));
        assert_eq!(rfc3339_days("2000-03-01T00:00:00Z"), Some(11_017));
        assert_eq!(
            rfc3339_days("2024-01-15T10:20:30.123456789Z"),
            rfc3339_days("2024-01-15")
        );
        // An offset moves the instant across midnight.
        assert_eq!(rfc3339_days("1970-01-02T01:00:00+02:00"), Some(0));
        assert_eq!(rfc3339_days("1969-12-31T23:00:00-02:00"), Some(0));
        assert_eq!(rfc3339_days("not a date"), None);
        assert_eq!(rfc3339_days("2024-13-01T00:00:00Z"), None);
        assert_eq!(rfc3339_days("2024-01-01T00:00:00"), None);
    }

    #[test]
    fn user_lookup_and_effective_user() {
        let mut spec = ImageSpec::default();
        assert_eq!(spec.effective_user(), "root");
        spec.config.user = Some("65534".into());
        assert_eq!(spec.effective_user(), "65534");
        spec.users.push(UserEntry {
            name: "nobody".into(),
            uid: Some(65534),
            gid: Some(65534),
            gecos: String::new(),
            home: "/".into(),
            shell: "/sbin/nologin".into(),
            password: PasswordState::Locked,
            line: 1,
        });
        assert_eq!(spec.find_user("65534").unwrap().name, "nobody");
        assert_eq!(spec.find_user("nobody").unwrap().uid, Some(65534));
        assert!(spec.find_user("root").is_none());
        let loc = spec.locator(Some("sha256:ab"), Some("etc/passwd"));
        assert_eq!(loc.path.as_deref(), Some("/etc/passwd"));
    }

    #[test]
    fn healthcheck_none_is_disabled() {
        let h = ImageHealthcheck {
            test: vec!["NONE".into()],
            ..ImageHealthcheck::default()
        };
        assert!(h.is_disabled());
        assert!(!ImageHealthcheck::default().is_disabled());
    }
}
