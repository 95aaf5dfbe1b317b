//! The values fixes and hardening write.

/// Values written by fixes that add settings (`[fix]` in `.stockade.toml`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FixSettings {
    /// The unprivileged user (`uid:gid`, numeric so that no passwd entry
    /// is needed and Kubernetes' `runAsNonRoot` can check it).
    pub user: String,
    /// Memory limit, as Compose and `docker run --memory` write it.
    pub memory: String,
    /// CPU limit, as a decimal number of CPUs.
    pub cpus: String,
    /// Process-count limit.
    pub pids_limit: i64,
}

impl Default for FixSettings {
    fn default() -> Self {
        FixSettings {
            user: "65534:65534".into(),
            memory: "512m".into(),
            cpus: "1.0".into(),
            pids_limit: 256,
        }
    }
}

impl FixSettings {
    /// Checks the values (a config file may hold anything).
    pub fn validate(&self) -> Result<(), String> {
        let m = self.memory.trim();
        let digits = m.trim_end_matches(|c: char| c.is_ascii_alphabetic());
        let unit = &m[digits.len()..];
        let unit_ok = matches!(
            unit.to_ascii_lowercase().as_str(),
            "" | "b" | "k" | "kb" | "m" | "mb" | "g" | "gb"
        );
        if digits
            .parse::<f64>()
            .map_or(true, |v| v.is_nan() || v <= 0.0 || !v.is_finite())
            || !unit_ok
        {
            return Err(format!(
                "fix.memory `{}`: expected a size such as 512m or 1g",
                self.memory
            ));
        }
        match self.cpus.trim().parse::<f64>() {
            Ok(v) if v > 0.0 && v.is_finite() && v <= 1e6 => {}
            _ => {
                return Err(format!(
                    "fix.cpus `{}`: expected a positive number such as 1.0",
                    self.cpus
                ));
            }
        }
        if self.pids_limit <= 0 {
            return Err(format!(
                "fix.pids-limit {}: expected a positive number",
                self.pids_limit
            ));
        }
        let (u, g) = self.user.split_once(':').unwrap_or((&self.user, "0"));
        let numeric = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if !numeric(u) || !numeric(g) || u.trim_start_matches('0').is_empty() {
            return Err(format!(
                "fix.user `{}`: expected a numeric non-root uid[:gid] such as 65534:65534",
                self.user
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validates() {
        assert!(FixSettings::default().validate().is_ok());
        for bad in [
            FixSettings {
                memory: "lots".into(),
                ..Default::default()
            },
            FixSettings {
                memory: "0m".into(),
                ..Default::default()
            },
            FixSettings {
                cpus: "-1".into(),
                ..Default::default()
            },
            FixSettings {
                pids_limit: 0,
                ..Default::default()
            },
            FixSettings {
                user: "root".into(),
                ..Default::default()
            },
            FixSettings {
                user: "0:0".into(),
                ..Default::default()
            },
        ] {
            assert!(bad.validate().is_err(), "{bad:?}");
        }
        let ok = FixSettings {
            memory: "1g".into(),
            cpus: "0.5".into(),
            pids_limit: 100,
            user: "10001".into(),
        };
        assert!(ok.validate().is_ok());
    }
}
