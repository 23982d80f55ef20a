//! Kernel audit records for seccomp (`type=SECCOMP`, `type=1326`) as audit.log, syslog, dmesg
//! and journald write them: one line in, one typed record (or a reason it is malformed) out.

use crate::catalog::{self, Arch, X32_SYSCALL_BIT};
use crate::profile::Action;

/// One seccomp audit record: which program made which syscall, and what the filter did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub pid: Option<u32>,
    /// The task name, at most 15 bytes (the kernel truncates it); `?` when absent.
    pub comm: String,
    /// The executable's path; `?` when absent.
    pub exe: String,
    pub arch: Arch,
    pub number: u32,
    /// `None` when the catalog has no name for `number` on `arch`.
    pub name: Option<&'static str>,
    /// The filter's `SECCOMP_RET_*` value; `None` when the record has no `code=`.
    pub code: Option<u32>,
}

impl Record {
    /// The action taken, as the profile would spell it (`LOG`, `ERRNO(1)`), or the raw code.
    pub fn action_label(&self) -> String {
        match self.code {
            Some(code) => Action::from_ret_value(code).map_or_else(|| format!("code {code:#x}"), |a| a.to_string()),
            None => "no code".into(),
        }
    }
}

/// A sign that the kernel dropped audit records before they reached the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Loss {
    /// `kauditd_printk_skb: N callbacks suppressed`: N records not printed (printk rate limit).
    Suppressed(u64),
    /// `audit: audit_lost=N …`: the kernel's running count of lost records.
    Lost(u64),
    /// `audit: rate limit exceeded`, `audit: backlog limit exceeded`, `audit_backlog=…`.
    Limit,
}

/// What one log line is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Line {
    Seccomp(Result<Record, String>),
    Loss(Loss),
    Other,
}

/// Classifies one line of any supported log format.
pub fn parse_line(line: &str) -> Line {
    if let Some(body) = seccomp_body(line) {
        return Line::Seccomp(parse_record(body));
    }
    loss(line).map_or(Line::Other, Line::Loss)
}

/// The fields after the record type, wherever the line's prefix (syslog, dmesg, ISO time) ends.
fn seccomp_body(line: &str) -> Option<&str> {
    // auditd names the type; the kernel's printk and old auditd versions give the number.
    for marker in ["type=SECCOMP ", "type=1326 ", "type=UNKNOWN[1326] "] {
        if let Some(at) = line.find(marker) {
            return Some(&line[at + marker.len()..]);
        }
    }
    // journald's own audit reader: `host audit[1234]: SECCOMP auid=…`.
    let at = line.find("]: SECCOMP ")?;
    line[..at].contains("audit[").then(|| &line[at + "]: SECCOMP ".len()..])
}

fn parse_record(body: &str) -> Result<Record, String> {
    let fields = Fields::new(body);
    let arch_text = fields.get("arch").ok_or("no arch= field")?;
    let syscall = fields.get("syscall").ok_or("no syscall= field")?;
    let audit_arch = parse_hex(arch_text).ok_or_else(|| format!("arch={arch_text} is not a hex AUDIT_ARCH value"))?;
    let number = syscall.parse::<u32>().map_err(|_| format!("syscall={syscall} is not a number"))?;
    let arch = call_arch(audit_arch, number)?;
    let pid = match fields.get("pid") {
        Some(p) => Some(p.parse::<u32>().map_err(|_| format!("pid={p} is not a process id"))?),
        None => None,
    };
    let code = match fields.get("code") {
        Some(c) => Some(parse_hex(c).ok_or_else(|| format!("code={c} is not a hex number"))?),
        None => None,
    };
    let text = |key| fields.get(key).map_or_else(|| "?".to_string(), untrusted_string);
    let name = catalog::name_of(arch, number);
    Ok(Record { pid, comm: text("comm"), exe: text("exe"), arch, number, name, code })
}

/// The ABI of a call. x32 shares x86_64's AUDIT_ARCH value and marks its numbers with bit
/// 0x40000000 instead.
fn call_arch(audit_arch: u32, number: u32) -> Result<Arch, String> {
    let base = Arch::all()
        .find(|a| a.audit_value() == audit_arch && *a != Arch::X32)
        .ok_or_else(|| format!("arch={audit_arch:x} is not an architecture seccompose knows"))?;
    Ok(if base == Arch::X86_64 && number & X32_SYSCALL_BIT != 0 { Arch::X32 } else { base })
}

fn parse_hex(text: &str) -> Option<u32> {
    let digits = text.strip_prefix("0x").unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    u32::from_str_radix(digits, 16).ok()
}

/// Audit writes a string field quoted, or as bare hex when it holds a space, a quote or a byte
/// outside printable ASCII (`comm=6D7920617070` is "my app").
fn untrusted_string(raw: &str) -> String {
    if let Some(quoted) = raw.strip_prefix('"') {
        return quoted.strip_suffix('"').unwrap_or(quoted).to_string();
    }
    match decode_hex(raw) {
        Some(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        None => raw.to_string(),
    }
}

fn decode_hex(raw: &str) -> Option<Vec<u8>> {
    if raw.is_empty() || raw.len() % 2 != 0 || !raw.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    (0..raw.len()).step_by(2).map(|i| u8::from_str_radix(&raw[i..i + 2], 16).ok()).collect()
}

/// `key=value` pairs of a record body, in order. Values never hold spaces (audit hex-encodes
/// those); the enriched format appends `\x1d` and upper-case copies (`ARCH=x86_64`), which
/// do not collide with the lower-case keys looked up here.
struct Fields<'a>(Vec<(&'a str, &'a str)>);

impl<'a> Fields<'a> {
    fn new(body: &'a str) -> Fields<'a> {
        let pairs = body.split(|c: char| c.is_whitespace() || c == '\x1d').filter_map(|token| token.split_once('='));
        Fields(pairs.collect())
    }

    /// The first value of `key`.
    fn get(&self, key: &str) -> Option<&'a str> {
        self.0.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
    }
}

fn loss(line: &str) -> Option<Loss> {
    if let Some(at) = line.find(" callbacks suppressed") {
        // Other subsystems rate-limit their messages too; only the audit printer drops records.
        let before = &line[..at];
        let count = before.rsplit(' ').next().and_then(|n| n.parse().ok());
        return if before.contains("kauditd_printk_skb") || before.contains("audit") {
            count.map(Loss::Suppressed)
        } else {
            None
        };
    }
    if let Some(at) = line.find("audit_lost=") {
        let digits: String = line[at + "audit_lost=".len()..].chars().take_while(char::is_ascii_digit).collect();
        return digits.parse().ok().map(Loss::Lost);
    }
    let limit = line.contains("audit: rate limit exceeded")
        || line.contains("audit: backlog limit exceeded")
        || line.contains("audit_backlog=");
    limit.then_some(Loss::Limit)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(line: &str) -> Record {
        match parse_line(line) {
            Line::Seccomp(Ok(r)) => r,
            other => panic!("{line}: {other:?}"),
        }
    }

    const AUDIT_LOG: &str = "type=SECCOMP msg=audit(1700000000.123:456): auid=4294967295 uid=0 gid=0 ses=4294967295 subj=unconfined pid=1234 comm=\"ls\" exe=\"/usr/bin/ls\" sig=0 arch=c000003e syscall=59 compat=0 ip=0x7f3a2b1c4d5e code=0x7ffc0000";

    #[test]
    fn reads_an_audit_log_record() {
        let r = record(AUDIT_LOG);
        assert_eq!((r.pid, r.comm.as_str(), r.exe.as_str()), (Some(1234), "ls", "/usr/bin/ls"));
        assert_eq!((r.arch, r.number, r.name), (Arch::X86_64, 59, Some("execve")));
        assert_eq!(r.action_label(), "LOG");
    }

    #[test]
    fn reads_syslog_dmesg_journal_and_iso_prefixes() {
        let fields = "audit(1700000000.123:456): auid=4294967295 uid=0 gid=0 ses=4294967295 pid=7 comm=\"cat\" exe=\"/bin/cat\" sig=0 arch=c000003e syscall=1 compat=0 ip=0x4a code=0x50001";
        for prefix in [
            "Nov 29 10:00:00 node1 kernel: [  123.456789] audit: type=1326 ",
            "2023-11-29T10:00:00.123456+00:00 node1 kernel: [  123.456789] audit: type=1326 ",
            "[  123.456789] audit: type=1326 ",
            "Nov 29 10:00:00 node1 kernel: audit: type=1326 ",
        ] {
            let r = record(&format!("{prefix}{fields}"));
            assert_eq!(
                (r.name, r.comm.as_str(), r.action_label()),
                (Some("write"), "cat", "ERRNO(1)".into()),
                "{prefix}"
            );
        }
        let journald = "Nov 29 10:00:00 node1 audit[7]: SECCOMP auid=1000 uid=1000 gid=1000 ses=2 pid=7 comm=\"cat\" exe=\"/bin/cat\" sig=0 arch=c000003e syscall=0 compat=0 ip=0x4a code=0x7ffc0000";
        assert_eq!(record(journald).name, Some("read"));
    }

    #[test]
    fn decodes_hex_strings_arches_and_actions() {
        let r = record(
            "type=SECCOMP msg=audit(1.0:1): pid=9 comm=6D7920617070 exe=2F6F70742F6D79206170702F62696E sig=0 arch=40000003 syscall=4 compat=1 ip=0x1 code=0x80000000",
        );
        assert_eq!((r.comm.as_str(), r.exe.as_str()), ("my app", "/opt/my app/bin"));
        assert_eq!((r.arch, r.name, r.action_label()), (Arch::X86, Some("write"), "KILL_PROCESS".into()));
        let x32 = record("type=SECCOMP msg=audit(1.0:1): pid=9 comm=\"a\" arch=c000003e syscall=1073741825 code=0x0");
        assert_eq!((x32.arch, x32.name, x32.action_label()), (Arch::X32, Some("write"), "KILL_THREAD".into()));
        let arm = record("type=1326 audit(1.0:1): pid=9 comm=\"a\" arch=c00000b7 syscall=64 code=0x7fc00000");
        assert_eq!((arm.arch, arm.name, arm.action_label()), (Arch::Aarch64, Some("write"), "NOTIFY".into()));
        let unknown = record("type=1326 audit(1.0:1): pid=9 comm=\"a\" arch=c000003e syscall=999 code=0x30000");
        assert_eq!((unknown.number, unknown.name, unknown.action_label()), (999, None, "TRAP".into()));
        let odd = record("type=1326 audit(1.0:1): comm=\"a\" arch=c000003e syscall=0 code=0x12340000");
        assert_eq!((odd.pid, odd.action_label()), (None, "code 0x12340000".into()));
    }

    #[test]
    fn reads_enriched_audit_log_records() {
        let r = record(
            "type=SECCOMP msg=audit(1.0:1): pid=9 comm=\"a\" arch=c000003e syscall=2 code=0x7ffc0000\x1dARCH=x86_64 SYSCALL=open AUID=\"unset\"",
        );
        assert_eq!(r.name, Some("open"));
    }

    #[test]
    fn malformed_records_say_why() {
        let reason = |line: &str| match parse_line(line) {
            Line::Seccomp(Err(e)) => e,
            other => panic!("{line}: {other:?}"),
        };
        assert_eq!(reason("type=1326 audit(1.0:1): pid=9 comm=\"a\" arch=c000003e code=0x0"), "no syscall= field");
        assert_eq!(reason("type=1326 audit(1.0:1): pid=9 syscall=1"), "no arch= field");
        assert!(reason("type=1326 audit(1.0:1): arch=deadbeef syscall=1").contains("not an architecture"));
        assert!(reason("type=1326 audit(1.0:1): arch=c000003e syscall=frob").contains("not a number"));
        assert!(reason("type=1326 audit(1.0:1): pid=x arch=c000003e syscall=1").contains("pid=x"));
        assert!(reason("type=1326 audit(1.0:1): arch=c000003e syscall=1 code=zz").contains("code=zz"));
    }

    #[test]
    fn notices_lost_records_and_ignores_the_rest() {
        let p = |l: &str| parse_line(l);
        assert_eq!(
            p("Nov 29 10:00:05 node1 kernel: [  128.1] kauditd_printk_skb: 23 callbacks suppressed"),
            Line::Loss(Loss::Suppressed(23))
        );
        assert_eq!(p("[  9.1] net_ratelimit: 5 callbacks suppressed"), Line::Other);
        assert_eq!(
            p("[ 9.1] audit: audit_lost=17 audit_rate_limit=0 audit_backlog_limit=64"),
            Line::Loss(Loss::Lost(17))
        );
        assert_eq!(p("[ 9.1] audit: rate limit exceeded"), Line::Loss(Loss::Limit));
        assert_eq!(p("[ 9.1] audit: audit_backlog=65 > audit_backlog_limit=64"), Line::Loss(Loss::Limit));
        assert_eq!(p("type=SYSCALL msg=audit(1.0:1): arch=c000003e syscall=59 success=yes"), Line::Other);
        assert_eq!(p(""), Line::Other);
        assert_eq!(
            p("type=1326 \u{e9}\u{1F600} arch=\"\" syscall="),
            Line::Seccomp(Err("arch=\"\" is not a hex AUDIT_ARCH value".into()))
        );
    }
}
