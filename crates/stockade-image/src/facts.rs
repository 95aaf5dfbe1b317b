//! Facts read from the final filesystem: OS release, packages, users,
//! special files, sizes.

use crate::layer::Kind;
use crate::tree::Tree;
use stockade_core::{
    FileRef, FileType, GroupEntry, ImageSpec, ImageStats, NotableFile, NotableKind, OsPackage,
    OsRelease, PackageDb, PackageManager, PasswordState, SetIdFile, TextFile, UserEntry,
    WorldWritable,
};

/// Caps on what facts keep, so a hostile file cannot blow up the model.
const MAX_RECORDS: usize = 200_000;
const MAX_LISTED: usize = 10_000;

pub(crate) fn fill(spec: &mut ImageSpec, tree: &Tree) {
    let fref = |n: u32| -> FileRef {
        let layer = tree.nodes[n as usize].layer as usize;
        FileRef {
            path: tree.path_of(n),
            layer,
            layer_digest: spec
                .layers
                .get(layer)
                .map(|l| l.id().to_string())
                .unwrap_or_default(),
        }
    };
    let text = |path: &str| -> Option<(FileRef, String)> {
        let (n, c) = tree.file(path)?;
        let c = c?;
        Some((fref(n), String::from_utf8_lossy(&c.bytes).into_owned()))
    };

    // OS release.
    let release = text("etc/os-release").or_else(|| text("usr/lib/os-release"));
    let mut extra = Vec::new();
    for p in [
        "etc/alpine-release",
        "etc/debian_version",
        "etc/redhat-release",
    ] {
        if let Some((f, t)) = text(p) {
            extra.push((f, t.lines().next().unwrap_or("").trim().to_string()));
        }
    }
    spec.os_release = match release {
        Some((file, t)) => {
            let mut r = parse_os_release(&t);
            r.file = file;
            r.extra = extra;
            Some(r)
        }
        None if !extra.is_empty() => {
            let (file, first) = extra[0].clone();
            let (id, version) = match file.path.as_str() {
                "etc/alpine-release" => ("alpine", Some(first)),
                "etc/debian_version" => ("debian", Some(first)),
                _ => ("rhel", None),
            };
            Some(OsRelease {
                id: Some(id.to_string()),
                version_id: version,
                file,
                extra,
                ..OsRelease::default()
            })
        }
        None => None,
    };

    // Packages.
    if let Some((n, c)) = tree.file("var/lib/dpkg/status") {
        let f = fref(n);
        match c {
            Some(c) => {
                parse_dpkg(
                    &String::from_utf8_lossy(&c.bytes),
                    &f.path,
                    &mut spec.packages,
                );
                spec.package_dbs.push(PackageDb {
                    manager: PackageManager::Dpkg,
                    file: f,
                    read: true,
                    note: c
                        .truncated
                        .then(|| "truncated at the size limit".to_string()),
                });
            }
            None => spec
                .package_dbs
                .push(unread(PackageManager::Dpkg, f, "content not captured")),
        }
    }
    for name in tree
        .list_dir("var/lib/dpkg/status.d")
        .into_iter()
        .take(MAX_LISTED)
    {
        if name.ends_with(".md5sums") {
            continue;
        }
        let p = format!("var/lib/dpkg/status.d/{name}");
        if let Some((n, c)) = tree.file(&p) {
            let f = fref(n);
            match c {
                Some(c) => {
                    parse_dpkg(
                        &String::from_utf8_lossy(&c.bytes),
                        &f.path,
                        &mut spec.packages,
                    );
                    spec.package_dbs.push(PackageDb {
                        manager: PackageManager::Dpkg,
                        file: f,
                        read: true,
                        note: None,
                    });
                }
                None => {
                    spec.package_dbs
                        .push(unread(PackageManager::Dpkg, f, "content not captured"))
                }
            }
        }
    }
    if let Some((n, c)) = tree.file("lib/apk/db/installed") {
        let f = fref(n);
        match c {
            Some(c) => {
                parse_apk(
                    &String::from_utf8_lossy(&c.bytes),
                    &f.path,
                    &mut spec.packages,
                );
                spec.package_dbs.push(PackageDb {
                    manager: PackageManager::Apk,
                    file: f,
                    read: true,
                    note: c
                        .truncated
                        .then(|| "truncated at the size limit".to_string()),
                });
            }
            None => spec
                .package_dbs
                .push(unread(PackageManager::Apk, f, "content not captured")),
        }
    }
    for p in [
        "var/lib/rpm/rpmdb.sqlite",
        "var/lib/rpm/Packages",
        "var/lib/rpm/Packages.db",
        "usr/lib/sysimage/rpm/rpmdb.sqlite",
        "usr/lib/sysimage/rpm/Packages",
        "usr/lib/sysimage/rpm/Packages.db",
    ] {
        if let Some((n, _)) = tree.file(p) {
            spec.package_dbs.push(unread(
                PackageManager::Rpm,
                fref(n),
                "rpm database present, not read",
            ));
        }
    }

    // Users and groups.
    let shadow = text("etc/shadow");
    let shadow_map: Vec<(String, String)> = shadow
        .as_ref()
        .map(|(_, t)| {
            t.lines()
                .take(MAX_RECORDS)
                .filter_map(|l| {
                    let mut it = l.split(':');
                    Some((it.next()?.to_string(), it.next()?.to_string()))
                })
                .collect()
        })
        .unwrap_or_default();
    spec.shadow_file = shadow.map(|(f, _)| f);
    if let Some((f, t)) = text("etc/passwd") {
        spec.users = parse_passwd(&t, &shadow_map);
        spec.passwd_file = Some(f);
    }
    if let Some((f, t)) = text("etc/group") {
        spec.groups = parse_group(&t);
        spec.group_file = Some(f);
    }
    let mut sudo = Vec::new();
    if let Some((n, c)) = tree.file("etc/sudoers") {
        sudo.push((n, c));
    }
    for name in tree.list_dir("etc/sudoers.d").into_iter().take(MAX_LISTED) {
        if let Some((n, c)) = tree.file(&format!("etc/sudoers.d/{name}")) {
            sudo.push((n, c));
        }
    }
    for (n, c) in sudo {
        if let Some(c) = c {
            spec.sudoers.push(TextFile {
                file: fref(n),
                text: String::from_utf8_lossy(&c.bytes).into_owned(),
                truncated: c.truncated,
            });
        }
    }

    // Walk the final view once for special files and stats.
    let live = tree.liveness();
    let mut st = ImageStats {
        compressed_size: spec.layers.iter().map(|l| l.compressed_size).sum(),
        uncompressed_size: spec.layers.iter().map(|l| l.uncompressed_size).sum(),
        layer_entries: spec.layers.iter().map(|l| l.entries).sum(),
        ..ImageStats::default()
    };
    for (i, node) in tree.nodes.iter().enumerate().skip(1) {
        if !live[i] {
            continue;
        }
        st.file_count += 1;
        match node.kind {
            Kind::File => {
                st.regular_files += 1;
                st.final_size = st.final_size.saturating_add(node.size);
            }
            Kind::Dir => st.directories += 1,
            Kind::Symlink => st.symlinks += 1,
            _ => {}
        }
        if spec.notable_files.len() < MAX_LISTED
            && let Some(kind) = notable(tree, i as u32, node.kind)
        {
            spec.notable_files.push(NotableFile {
                file: fref(i as u32),
                kind,
                file_type: file_type(node.kind),
                mode: node.mode,
            });
        }
        if node.kind == Kind::Symlink {
            continue;
        }
        let m = node.mode;
        if node.kind == Kind::File && m & 0o6000 != 0 && spec.setid_files.len() < MAX_LISTED {
            spec.setid_files.push(SetIdFile {
                file: fref(i as u32),
                mode: m,
                uid: u64::from(node.uid),
                gid: u64::from(node.gid),
                setuid: m & 0o4000 != 0,
                setgid: m & 0o2000 != 0,
            });
        }
        if m & 0o002 != 0
            && matches!(node.kind, Kind::File | Kind::Dir)
            && spec.world_writable.len() < MAX_LISTED
        {
            spec.world_writable.push(WorldWritable {
                file: fref(i as u32),
                mode: m,
                is_dir: node.kind == Kind::Dir,
                sticky: m & 0o1000 != 0,
            });
        }
    }
    spec.notable_files
        .sort_by(|a, b| a.file.path.cmp(&b.file.path));
    spec.setid_files
        .sort_by(|a, b| a.file.path.cmp(&b.file.path));
    spec.world_writable
        .sort_by(|a, b| a.file.path.cmp(&b.file.path));
    spec.stats = st;
}

fn file_type(k: Kind) -> FileType {
    match k {
        Kind::File | Kind::Hardlink => FileType::File,
        Kind::Dir => FileType::Dir,
        Kind::Symlink => FileType::Symlink,
        Kind::Char => FileType::CharDevice,
        Kind::Block => FileType::BlockDevice,
        Kind::Fifo => FileType::Fifo,
    }
}

const BIN_DIRS: &[&str] = &[
    "bin",
    "sbin",
    "usr/bin",
    "usr/sbin",
    "usr/local/bin",
    "usr/local/sbin",
];

/// Whether a live node is notable, from its name and where it is.
fn notable(tree: &Tree, n: u32, kind: Kind) -> Option<NotableKind> {
    let name = tree.name(n);
    let by_name = match name {
        "sh" | "bash" | "ash" | "dash" | "zsh" | "busybox" => Some(NotableKind::Shell),
        "apt" | "apt-get" | "dpkg" | "apk" | "yum" | "dnf" | "microdnf" | "rpm" | "pip"
        | "pip3" | "npm" | "gem" => Some(NotableKind::PackageManager),
        "curl" | "wget" | "nc" | "ncat" | "netcat" | "socat" | "telnet" | "ftp" => {
            Some(NotableKind::NetworkTool)
        }
        "sudo" | "su" | "doas" => Some(NotableKind::PrivilegeTool),
        "sshd" | "dropbear" | "telnetd" => Some(NotableKind::RemoteAccess),
        _ => None,
    };
    if let Some(k) = by_name {
        if kind == Kind::Dir {
            return None;
        }
        let parent = tree.nodes[n as usize].parent;
        let dir = tree.path_of(parent);
        return BIN_DIRS.contains(&dir.as_str()).then_some(k);
    }
    let leftover = match name {
        ".git" | ".svn" | ".hg" | ".vscode" | ".idea" => kind == Kind::Dir,
        "Dockerfile"
        | "docker-compose.yml"
        | "docker-compose.yaml"
        | "compose.yml"
        | "compose.yaml"
        | ".DS_Store"
        | ".dockerignore" => kind != Kind::Dir,
        _ => false,
    };
    if !leftover {
        return None;
    }
    // Vendored and packaged trees are noise.
    let path = tree.path_of(n);
    let noisy = path.starts_with("usr/share/")
        || path.starts_with("usr/lib/")
        || path.contains("/node_modules/")
        || path.contains("/vendor/")
        || path.contains("/site-packages/");
    (!noisy).then_some(NotableKind::BuildLeftover)
}

fn unread(manager: PackageManager, file: FileRef, note: &str) -> PackageDb {
    PackageDb {
        manager,
        file,
        read: false,
        note: Some(note.to_string()),
    }
}

fn unquote(v: &str) -> String {
    let v = v.trim();
    let inner = if v.len() >= 2
        && ((v.starts_with('"') && v.ends_with('"')) || (v.starts_with('\'') && v.ends_with('\'')))
    {
        &v[1..v.len() - 1]
    } else {
        v
    };
    inner
        .replace("\\\"", "\"")
        .replace("\\$", "$")
        .replace("\\\\", "\\")
}

pub(crate) fn parse_os_release(t: &str) -> OsRelease {
    let mut r = OsRelease::default();
    for line in t.lines().take(1000) {
        let line = line.trim();
        if line.starts_with('#') {
            continue;
        }
        let Some((k, v)) = line.split_once('=') else {
            continue;
        };
        let v = unquote(v);
        match k.trim() {
            "ID" => r.id = Some(v),
            "ID_LIKE" => r.id_like = v.split_whitespace().map(str::to_string).collect(),
            "VERSION_ID" => r.version_id = Some(v),
            "VERSION_CODENAME" => r.version_codename = Some(v),
            "PRETTY_NAME" => r.pretty_name = Some(v),
            _ => {}
        }
    }
    r
}

pub(crate) fn parse_dpkg(t: &str, db: &str, out: &mut Vec<OsPackage>) {
    let flush = |fields: &mut Vec<(&str, &str)>, out: &mut Vec<OsPackage>| {
        let get = |k: &str| {
            fields
                .iter()
                .find(|(fk, _)| fk.eq_ignore_ascii_case(k))
                .map(|(_, v)| v.trim())
        };
        let installed = get("Status").is_none_or(|s| {
            let w: Vec<&str> = s.split_whitespace().collect();
            w.last().is_some_and(|st| {
                *st == "installed" || *st == "half-configured" || *st == "unpacked"
            }) && !w.contains(&"deinstall")
                && !w.contains(&"purge")
        });
        if let (Some(name), Some(version)) = (get("Package"), get("Version"))
            && installed
            && out.len() < MAX_RECORDS
        {
            out.push(OsPackage {
                manager: PackageManager::Dpkg,
                name: name.to_string(),
                version: version.to_string(),
                // `Source: name (version)`
                source: get("Source").map(|s| s.split_whitespace().next().unwrap_or(s).to_string()),
                arch: get("Architecture").map(str::to_string),
                db_path: db.to_string(),
            });
        }
        fields.clear();
    };
    let mut fields: Vec<(&str, &str)> = Vec::new();
    for line in t.lines() {
        if line.trim().is_empty() {
            flush(&mut fields, out);
            continue;
        }
        if line.starts_with([' ', '\t']) {
            continue; // continuation of a multi-line field
        }
        if let Some((k, v)) = line.split_once(':') {
            fields.push((k, v));
        }
    }
    flush(&mut fields, out);
}

pub(crate) fn parse_apk(t: &str, db: &str, out: &mut Vec<OsPackage>) {
    let (mut name, mut ver, mut origin, mut arch) = (None, None, None, None);
    let flush = |name: &mut Option<&str>,
                 ver: &mut Option<&str>,
                 origin: &mut Option<&str>,
                 arch: &mut Option<&str>,
                 out: &mut Vec<OsPackage>| {
        if let (Some(n), Some(v)) = (name.take(), ver.take())
            && out.len() < MAX_RECORDS
        {
            out.push(OsPackage {
                manager: PackageManager::Apk,
                name: n.to_string(),
                version: v.to_string(),
                source: origin.map(str::to_string),
                arch: arch.map(str::to_string),
                db_path: db.to_string(),
            });
        }
        *origin = None;
        *arch = None;
    };
    for line in t.lines() {
        if line.is_empty() {
            flush(&mut name, &mut ver, &mut origin, &mut arch, out);
            continue;
        }
        match line.split_at_checked(2) {
            Some(("P:", v)) => name = Some(v),
            Some(("V:", v)) => ver = Some(v),
            Some(("o:", v)) => origin = Some(v),
            Some(("A:", v)) => arch = Some(v),
            _ => {}
        }
    }
    flush(&mut name, &mut ver, &mut origin, &mut arch, out);
}

fn password_state(field: &str) -> PasswordState {
    if field.is_empty() {
        PasswordState::Empty
    } else if field.starts_with('!') || field.starts_with('*') {
        PasswordState::Locked
    } else {
        PasswordState::Hash
    }
}

pub(crate) fn parse_passwd(t: &str, shadow: &[(String, String)]) -> Vec<UserEntry> {
    let mut out = Vec::new();
    for (i, line) in t.lines().enumerate().take(MAX_RECORDS) {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let f: Vec<&str> = line.split(':').collect();
        if f.len() < 3 {
            continue;
        }
        let name = f[0].to_string();
        let pw = f.get(1).copied().unwrap_or("");
        let password = match shadow.iter().find(|(n, _)| *n == name) {
            Some((_, s)) => password_state(s),
            None if pw == "x" => PasswordState::Unknown,
            None => password_state(pw),
        };
        out.push(UserEntry {
            uid: f.get(2).and_then(|v| v.trim().parse().ok()),
            gid: f.get(3).and_then(|v| v.trim().parse().ok()),
            gecos: f.get(4).unwrap_or(&"").to_string(),
            home: f.get(5).unwrap_or(&"").to_string(),
            shell: f.get(6).unwrap_or(&"").to_string(),
            password,
            name,
            line: u32::try_from(i + 1).unwrap_or(u32::MAX),
        });
    }
    out
}

pub(crate) fn parse_group(t: &str) -> Vec<GroupEntry> {
    let mut out = Vec::new();
    for (i, line) in t.lines().enumerate().take(MAX_RECORDS) {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let f: Vec<&str> = line.split(':').collect();
        if f.len() < 3 {
            continue;
        }
        out.push(GroupEntry {
            name: f[0].to_string(),
            gid: f[2].trim().parse().ok(),
            members: f
                .get(3)
                .map(|m| {
                    m.split(',')
                        .filter(|s| !s.is_empty())
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default(),
            line: u32::try_from(i + 1).unwrap_or(u32::MAX),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn os_release() {
        let r = parse_os_release(
            "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\nVERSION_ID=\"12\"\nID_LIKE='rhel fedora'\n",
        );
        assert_eq!(r.id.as_deref(), Some("debian"));
        assert_eq!(r.version_id.as_deref(), Some("12"));
        assert_eq!(
            r.pretty_name.as_deref(),
            Some("Debian GNU/Linux 12 (bookworm)")
        );
        assert_eq!(r.id_like, vec!["rhel", "fedora"]);
    }

    #[test]
    fn dpkg() {
        let mut out = Vec::new();
        parse_dpkg(
            "Package: libc6\nStatus: install ok installed\nVersion: 2.36-9\nSource: glibc (2.36-9)\nDescription: x\n more\n\nPackage: gone\nStatus: deinstall ok config-files\nVersion: 1\n\nPackage: noversion\n",
            "var/lib/dpkg/status",
            &mut out,
        );
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].name, "libc6");
        assert_eq!(out[0].source.as_deref(), Some("glibc"));
    }

    #[test]
    fn apk() {
        let mut out = Vec::new();
        parse_apk(
            "C:Q1abc\nP:musl\nV:1.2.4-r2\nA:x86_64\no:musl\n\nP:busybox\nV:1.36.1-r5\n",
            "lib/apk/db/installed",
            &mut out,
        );
        assert_eq!(out.len(), 2);
        assert_eq!(
            (out[1].name.as_str(), out[1].version.as_str()),
            ("busybox", "1.36.1-r5")
        );
        assert_eq!(out[1].source, None);
    }

    #[test]
    fn passwd_and_shadow() {
        let shadow = vec![
            ("root".to_string(), "".to_string()),
            ("daemon".to_string(), "*".to_string()),
            ("app".to_string(), "$6$salt$hash".to_string()),
        ];
        let u = parse_passwd(
            "root:x:0:0:root:/root:/bin/sh\ndaemon:x:1:1::/:/usr/sbin/nologin\napp:x:1000:1000::/home/app:/bin/sh\nghost:x:7:7::/:/bin/false\nbad\nnopw::9:9::/:/bin/sh\n",
            &shadow,
        );
        assert_eq!(u.len(), 5);
        assert_eq!(u[0].password, PasswordState::Empty);
        assert_eq!(u[1].password, PasswordState::Locked);
        assert_eq!(u[2].password, PasswordState::Hash);
        assert_eq!(u[3].password, PasswordState::Unknown);
        assert_eq!(u[4].password, PasswordState::Empty);
        assert_eq!(u[4].line, 6);
        let g = parse_group("root:x:0:\nsudo:x:27:a,b\n");
        assert_eq!(g[1].members, vec!["a", "b"]);
    }
}
