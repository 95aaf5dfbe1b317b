//! **What it finds.** Host devices given to a container (`devices:`,
//! `--device`) and device cgroup rules (`device_cgroup_rules:`,
//! `--device-cgroup-rule`) that let it use host devices. Each is graded by
//! what the device gives:
//!
//! | device | severity |
//! |---|---|
//! | physical memory (`/dev/mem`, `/dev/kmem`, `/dev/port`), disks and partitions (`/dev/sda1`, `/dev/nvme0n1`, `/dev/vda`, `/dev/xvda`, `/dev/mmcblk0`, `/dev/dm-0`, `/dev/md0`, `/dev/mapper/…`, `/dev/disk/…`); rules `a *:* rwm`, `a`, block-device rules (except loop devices), `c 1:* …` | critical |
//! | anything not listed here (`/dev/tty0`, `/dev/console`, `/dev/sg0` …); character-device rules with a wildcard major (`c *:* rwm`) | high |
//! | `/dev/kvm`, `/dev/fuse`, `/dev/bus/usb`, `/dev/input`, `/dev/uinput`, `/dev/hidraw*`, `/dev/loop*`, `/dev/tpm*`; rules for the same majors | medium |
//! | GPUs (`/dev/dri`, `/dev/nvidia*`), sound (`/dev/snd`), cameras (`/dev/video*`, `/dev/media*`), serial adapters (`/dev/ttyUSB*`, `/dev/ttyACM*`, `/dev/ttyAMA*`, `/dev/ttyS*`), GPIO, I²C and SPI devices, `/dev/vhost-*`, `/dev/rtc*`; rules for the same majors; rules that only allow `mknod` | low |
//!
//! `/dev/net/tun` (and the rule `c 10:200`) is not flagged: the TUN device
//! is open to every user on most hosts, and creating interfaces with it
//! needs `NET_ADMIN`, which SKD208 judges. A device path that does not
//! resolve is reported as medium.
//!
//! **Why it matters.** A device node is a direct line into a host driver,
//! outside every namespace. A disk device lets the container read and write
//! the host's filesystems below any permission check; `/dev/mem` is the
//! host's memory. Lesser devices still widen the kernel attack surface or
//! let the container read input (keyboards) and hardware the host owns.
//!
//! **How to fix.** Give only the device nodes the service needs, by exact
//! path, read-only where it can work so (`/dev/video0:/dev/video0:r`), and
//! never a disk. Replace `device_cgroup_rules` wildcards with the device's
//! major and minor number.
//!
//! **Bad**
//! ```yaml
//! services:
//!   backup:
//!     image: example/backup:3.0
//!     devices:
//!       - /dev/sda:/dev/sda
//!     device_cgroup_rules:
//!       - "a *:* rwm"
//! ```
//! ```sh
//! docker run --device /dev/mem example/tool:1.0
//! ```
//!
//! **Good**
//! ```yaml
//! services:
//!   vpn:
//!     image: example/vpn:2.3
//!     cap_add: [NET_ADMIN]
//!     devices:
//!       - /dev/net/tun:/dev/net/tun
//! ```

use crate::container::support::{finding, normalize_path};
use crate::meta::{Ctx, FindingExt, FixKind, Rule, RuleMeta, Target};
use stockade_core::{Category, ContainerSpec, Finding, Severity};

pub static META: RuleMeta = RuleMeta {
    id: "SKD206",
    title: "Host device passed to the container",
    category: Category::Privileged,
    severity: Severity::High,
    aliases: &[],
    targets: &[Target::Container],
    fix: FixKind::None,
    source: include_str!("devices.rs"),
};

use Severity::{Critical as C, High as H, Low as L, Medium as M};

/// `name` is `prefix` followed by letters, then optional digits/`p`/`n` parts.
fn disk_name(name: &str) -> bool {
    let alpha_then_digits = |rest: &str| {
        let letters = rest.bytes().take_while(|b| b.is_ascii_lowercase()).count();
        letters > 0 && rest[letters..].bytes().all(|b| b.is_ascii_digit())
    };
    let digits_parts = |rest: &str| {
        !rest.is_empty()
            && rest.as_bytes()[0].is_ascii_digit()
            && rest
                .bytes()
                .all(|b| b.is_ascii_digit() || b == b'p' || b == b'n')
    };
    for p in ["sd", "hd", "vd", "xvd"] {
        if let Some(rest) = name.strip_prefix(p)
            && alpha_then_digits(rest)
        {
            return true;
        }
    }
    for p in ["nvme", "mmcblk", "dm-", "md"] {
        if let Some(rest) = name.strip_prefix(p)
            && digits_parts(rest)
        {
            return true;
        }
    }
    false
}

/// Severity and a description of a host device path (normalised).
fn classify_device(path: &str) -> Option<(Severity, &'static str)> {
    let rel = path.strip_prefix("/dev/").unwrap_or(path);
    let name = rel.rsplit('/').next().unwrap_or(rel);
    let starts = |ps: &[&str]| ps.iter().any(|p| rel.starts_with(p));
    if rel == "net/tun" {
        return None;
    }
    if matches!(rel, "mem" | "kmem" | "port") {
        return Some((C, "the host's physical memory"));
    }
    if starts(&["mapper/", "disk/"]) || (!rel.contains('/') && disk_name(name)) {
        return Some((C, "a host disk: raw access to the host's filesystems"));
    }
    if starts(&["dri", "nvidia"]) {
        return Some((L, "a GPU"));
    }
    if starts(&["snd"]) {
        return Some((L, "the sound devices"));
    }
    if starts(&["video", "media", "v4l"]) {
        return Some((L, "a camera or video device"));
    }
    if starts(&["ttyUSB", "ttyACM", "ttyAMA", "ttyS", "serial/"]) {
        return Some((L, "a serial device"));
    }
    if starts(&[
        "gpio", "i2c-", "spidev", "vchiq", "vcsm", "vhost-", "rtc", "apex_", "hwrng",
    ]) {
        return Some((L, "a hardware interface"));
    }
    if starts(&["kvm"]) {
        return Some((
            M,
            "KVM: the container can run virtual machines on the host kernel's hypervisor",
        ));
    }
    if starts(&["fuse"]) {
        return Some((M, "FUSE: user-space filesystems served to the kernel"));
    }
    if starts(&["bus/usb"]) {
        return Some((M, "raw access to every USB device"));
    }
    if starts(&["input", "uinput", "hidraw"]) {
        return Some((
            M,
            "input devices: the container can read or inject keystrokes",
        ));
    }
    if starts(&["loop", "tpm"]) {
        return Some((M, "a loop or TPM device"));
    }
    Some((H, "a host device"))
}

/// Severity and description of a device cgroup rule (`type major:minor perms`).
fn classify_rule(rule: &str) -> Option<(Severity, String)> {
    let mut parts = rule.split_whitespace();
    let kind = parts.next()?;
    if kind == "a" {
        return Some((C, "every host device".into()));
    }
    let (major, minor) = parts.next()?.split_once(':')?;
    let perms = parts.next().unwrap_or("rwm");
    if !perms.contains('r') && !perms.contains('w') {
        return Some((
            L,
            "creating device nodes (mknod), without using them".into(),
        ));
    }
    let major_n: Option<u32> = major.parse().ok();
    Some(match (kind, major_n) {
        ("b", Some(7)) => (M, "loop devices".into()),
        ("b", _) => (C, "host block devices (disks)".into()),
        ("c", None) => (H, "every kind of character device".into()),
        ("c", Some(1)) if matches!(minor, "*" | "1" | "2" | "4") => {
            (C, "the host's physical memory".into())
        }
        ("c", Some(10)) if minor == "200" => return None,
        ("c", Some(10)) if minor == "229" => (M, "FUSE".into()),
        ("c", Some(10)) if minor == "232" => (M, "KVM".into()),
        ("c", Some(13) | Some(189)) => (M, "input or USB devices".into()),
        ("c", Some(116 | 81 | 166 | 188 | 226 | 195 | 89 | 153 | 254)) => (
            L,
            format!(
                "character devices of major {major} (sound, video, serial, GPU, I²C, SPI or GPIO)"
            ),
        ),
        ("c", Some(_)) => (H, format!("character devices of major {major}")),
        _ => return None,
    })
}

pub struct Devices;

impl Rule for Devices {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_container(&self, spec: &ContainerSpec, _cx: &Ctx, out: &mut Vec<Finding>) {
        for d in &spec.devices {
            let host = d.value.host.trim();
            if host.contains('$') {
                out.push(
                    finding(
                        &META,
                        spec,
                        d.span,
                        format!("host device `{host}` did not resolve: a host device is passed in, which one cannot be told"),
                    )
                    .with_severity(M),
                );
                continue;
            }
            let path = normalize_path(host).unwrap_or_else(|| host.to_string());
            let Some((sev, what)) = classify_device(&path) else {
                continue;
            };
            out.push(
                finding(
                    &META,
                    spec,
                    d.span,
                    format!("host device `{path}` is passed to the container: {what}"),
                )
                .with_severity(sev),
            );
        }
        for r in &spec.device_cgroup_rules {
            let Some(text) = r.value.known() else {
                out.push(
                    finding(
                        &META,
                        spec,
                        r.span,
                        format!(
                            "device cgroup rule `{}` did not resolve: it allows some host devices",
                            r.value.raw
                        ),
                    )
                    .with_severity(M),
                );
                continue;
            };
            if let Some((sev, what)) = classify_rule(text.trim()) {
                out.push(
                    finding(
                        &META,
                        spec,
                        r.span,
                        format!("device cgroup rule `{}` allows {what}", text.trim()),
                    )
                    .with_severity(sev),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::container::testutil::{flagged, run_compose, run_docker, severities};

    fn devs(list: &str) -> (String, Vec<Finding>) {
        let text = format!("services:\n  a:\n    image: alpine:3.20\n{list}");
        let f = run_compose(&Devices, &text);
        (text, f)
    }

    #[test]
    fn grades_devices() {
        for (d, sev) in [
            ("/dev/sda:/dev/sda", C),
            ("/dev/nvme0n1p2", C),
            ("/dev/mem", C),
            ("/dev/mapper/root", C),
            ("/dev/xvda1:/dev/xvda1:r", C),
            ("/dev/tty0", H),
            ("/dev/kvm:/dev/kvm", M),
            ("/dev/fuse", M),
            ("/dev/bus/usb:/dev/bus/usb", M),
            ("/dev/dri:/dev/dri", L),
            ("/dev/ttyUSB0:/dev/ttyUSB0", L),
            ("/dev/snd", L),
        ] {
            let (text, f) = devs(&format!("    devices:\n      - {d}\n"));
            assert_eq!(severities(&f), vec![sev], "{d}");
            assert!(flagged(&text, &f)[0].contains(d), "{d}");
        }
    }

    #[test]
    fn grades_cgroup_rules() {
        for (r, sev) in [
            ("a *:* rwm", C),
            ("a", C),
            ("b 8:* rw", C),
            ("c *:* rwm", H),
            ("c 1:1 rw", C),
            ("c 189:* rmw", M),
            ("c 166:* rmw", L),
            ("c 42:* m", L),
            ("b 7:* rwm", M),
        ] {
            let (text, f) = devs(&format!("    device_cgroup_rules:\n      - '{r}'\n"));
            assert_eq!(severities(&f), vec![sev], "{r}");
            assert!(flagged(&text, &f)[0].contains(r), "{r}");
        }
    }

    #[test]
    fn docker_run_devices() {
        let text = "docker run --device=/dev/sdb --device-cgroup-rule='c 10:200 rwm' alpine:3.20\n";
        let f = run_docker(&Devices, text);
        assert_eq!(severities(&f), vec![C]);
    }

    #[test]
    fn quiet_without_devices() {
        let (_, f) = devs("    volumes:\n      - /srv/x:/x\n");
        assert!(f.is_empty());
        // Names that merely start like disks are not disks.
        assert_eq!(classify_device("/dev/sdx-helper").map(|c| c.0), Some(H));
        assert_eq!(classify_device("/dev/net/tun"), None);
        assert!(!disk_name("sd"));
        assert!(disk_name("sdb3"));
        assert!(disk_name("nvme1"));
        assert!(!disk_name("mdx"));
    }
}
