//! Linux capability names: the ones a container's bounding set can hold, and reading a list
//! of them as users type it (`sys_admin,NET_RAW`, `CAP_KILL`, `none`).

use super::context::normalize_cap;
use std::collections::BTreeSet;

/// Every capability of Linux 5.9+ (include/uapi/linux/capability.h, 0 to CAP_LAST_CAP = 40).
pub const ALL_CAPS: [&str; 41] = [
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_DAC_READ_SEARCH",
    "CAP_FOWNER",
    "CAP_FSETID",
    "CAP_KILL",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETPCAP",
    "CAP_LINUX_IMMUTABLE",
    "CAP_NET_BIND_SERVICE",
    "CAP_NET_BROADCAST",
    "CAP_NET_ADMIN",
    "CAP_NET_RAW",
    "CAP_IPC_LOCK",
    "CAP_IPC_OWNER",
    "CAP_SYS_MODULE",
    "CAP_SYS_RAWIO",
    "CAP_SYS_CHROOT",
    "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT",
    "CAP_SYS_ADMIN",
    "CAP_SYS_BOOT",
    "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE",
    "CAP_SYS_TIME",
    "CAP_SYS_TTY_CONFIG",
    "CAP_MKNOD",
    "CAP_LEASE",
    "CAP_AUDIT_WRITE",
    "CAP_AUDIT_CONTROL",
    "CAP_SETFCAP",
    "CAP_MAC_OVERRIDE",
    "CAP_MAC_ADMIN",
    "CAP_SYSLOG",
    "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND",
    "CAP_AUDIT_READ",
    "CAP_PERFMON",
    "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE",
];

/// One capability name, normalised (`sys_admin` → `CAP_SYS_ADMIN`), or why it is not one,
/// with the closest real name.
pub fn parse_cap(text: &str) -> Result<String, String> {
    let cap = normalize_cap(text);
    if ALL_CAPS.contains(&cap.as_str()) {
        return Ok(cap);
    }
    let hint = crate::text::did_you_mean(&cap, ALL_CAPS).map(|c| format!("; did you mean {c}?")).unwrap_or_default();
    Err(format!("unknown capability \"{}\"{hint}", text.trim()))
}

/// A list of capabilities separated by commas or spaces; `none` (or nothing) is the empty set.
pub fn parse_caps(text: &str) -> Result<BTreeSet<String>, String> {
    text.split([',', ' '])
        .map(str::trim)
        .filter(|c| !c.is_empty() && !c.eq_ignore_ascii_case("none"))
        .map(parse_cap)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_normalised_and_checked() {
        assert_eq!(parse_cap("sys_admin").unwrap(), "CAP_SYS_ADMIN");
        let err = parse_cap("CAP_SYS_ADMN").unwrap_err();
        assert!(err.contains("did you mean CAP_SYS_ADMIN?"), "{err}");
        assert!(parse_caps("none").unwrap().is_empty());
        assert_eq!(parse_caps("kill, net_raw").unwrap().len(), 2);
        assert!(parse_caps("kill,bogus_thing_entirely").is_err());
    }
}
