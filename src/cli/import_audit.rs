//! `seccompose import-audit`: seccomp audit records from logs -> a summary and an allow-list.

use super::record::ProfileFormat;
use super::{Failure, Format, parse_arch, write_output};
use crate::catalog::Arch;
use crate::profile::audit_import::{Filter, Import, Program, native_for};
use crate::profile::audit_log::Loss;
use crate::profile::generate::Dialect;
use crate::profile::limits;
use clap::Args;
use serde_json::{Value, json};
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

#[derive(Debug, Args)]
pub struct ImportAuditArgs {
    /// Log files: audit.log, syslog or kern.log, saved `dmesg` or `journalctl -k` output
    /// (none, or `-`: standard input).
    #[arg(value_name = "LOG")]
    pub logs: Vec<PathBuf>,
    /// Keep only records of this program (the kernel's 15-byte comm; repeatable).
    #[arg(long = "comm", value_name = "NAME")]
    pub comms: Vec<String>,
    /// Keep only records of this process id (repeatable).
    #[arg(long = "pid", value_name = "PID")]
    pub pids: Vec<u32>,
    /// Write the profile here (default: standard output, as `record` does; the summary always
    /// goes to standard error).
    #[arg(short, long, value_name = "OUT")]
    pub output: Option<PathBuf>,
    /// Profile dialect to write.
    #[arg(long, value_enum, default_value = "oci")]
    pub dialect: ProfileFormat,
    /// Native architecture of the profile (default: the 64-bit arch that runs every ABI seen).
    #[arg(long, value_name = "ARCH", value_parser = parse_arch)]
    pub native: Option<Arch>,
    /// Summary format (on standard error).
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
}

pub fn run(args: &ImportAuditArgs) -> Result<i32, Failure> {
    let mut import = Import::new(Filter { comms: args.comms.clone(), pids: args.pids.clone() });
    let stdin = [PathBuf::from("-")];
    let logs = if args.logs.is_empty() { &stdin[..] } else { &args.logs[..] };
    for log in logs {
        read_log(log, &mut import)?;
    }
    let native = args.native.unwrap_or_else(|| native_for(&import.arches()));
    let written = if import.records > 0 { Some(write_profile(args, &import, native)?) } else { None };
    match args.format {
        Format::Json => eprintln!("{}", summary_json(&import, written.as_ref(), native)),
        Format::Text => print_summary(&import, written.as_ref(), native),
    }
    if import.records == 0 {
        return Err(Failure::unusable(nothing_found(&import)));
    }
    Ok(0)
}

/// Reads a log line by line: invalid UTF-8 (binary junk in a syslog) is replaced, not fatal.
fn read_log(path: &Path, import: &mut Import) -> Result<(), Failure> {
    let (name, reader): (String, Box<dyn Read>) = if path == Path::new("-") {
        ("stdin".into(), Box::new(std::io::stdin()))
    } else {
        let file = crate::fsutil::open_regular(path)
            .map_err(|e| Failure::unusable(format!("{}: cannot read: {e}", path.display())))?;
        (path.display().to_string(), Box::new(file))
    };
    // Bounded memory on any input: one line of at most MAX_LOG_LINE bytes at a time, and no
    // more than the log limit in all (`/dev/zero` ends at once, with a message).
    let limit = limits::log_limit();
    let mut reader = BufReader::new(reader.take(limit.saturating_add(1)));
    let mut buf = Vec::new();
    let mut total: u64 = 0;
    for line in 1.. {
        match limits::read_line_limited(&mut reader, &mut buf, limits::MAX_LOG_LINE) {
            Ok(0) => return Ok(()),
            Ok(n) => {
                total += n as u64;
                if total > limit {
                    let err = limits::LimitError::TooLarge { size: None, limit, what: "audit logs" };
                    return Err(Failure::unusable(format!("{name} {err}")));
                }
                import.add_line(&name, line, String::from_utf8_lossy(&buf).trim_end_matches('\r'))
            }
            Err(e) => return Err(Failure::unusable(format!("{name}:{line}: cannot read: {e}"))),
        }
    }
    Ok(())
}

/// What was written where: the output path (or `None` for stdout) and the profile.
struct Written {
    path: Option<PathBuf>,
    syscalls: usize,
    arches: Vec<Arch>,
}

fn write_profile(args: &ImportAuditArgs, import: &Import, native: Arch) -> Result<Written, Failure> {
    let dialect = if args.dialect == ProfileFormat::Docker { Dialect::Docker } else { Dialect::Oci };
    let text = serde_json::to_string_pretty(&import.profile(native, dialect)).expect("serializable") + "\n";
    match &args.output {
        Some(path) => write_output(path, text.as_bytes())?,
        None => print!("{text}"),
    }
    let mut arches = vec![native];
    arches.extend(import.arches().into_iter().filter(|a| *a != native));
    Ok(Written { path: args.output.clone(), syscalls: import.names().len(), arches })
}

fn nothing_found(import: &Import) -> String {
    if import.filtered_out > 0 {
        return format!(
            "no seccomp record matched --comm/--pid ({} records of other programs were skipped)",
            import.filtered_out
        );
    }
    if !import.problems.is_empty() {
        let malformed = import.problems.len() as u64 + import.more_problems;
        return format!("no usable seccomp record: {malformed} malformed (listed above)");
    }
    "no seccomp audit record found. Was the profile's defaultAction SCMP_ACT_LOG? Does \
     /proc/sys/kernel/seccomp/actions_logged include `log`? With auditd running, records go to \
     /var/log/audit/audit.log, not to syslog."
        .into()
}

fn print_summary(import: &Import, written: Option<&Written>, native: Arch) {
    for p in &import.problems {
        eprintln!("seccompose: {p}");
    }
    if import.more_problems > 0 {
        eprintln!("seccompose: … and {} more malformed records", import.more_problems);
    }
    eprintln!(
        "seccompose: {} from {}{}",
        crate::text::count(import.records as usize, "seccomp record"),
        crate::text::count(import.programs.len(), "program"),
        if import.filtered_out > 0 {
            format!(" ({} others skipped by --comm/--pid)", import.filtered_out)
        } else {
            String::new()
        }
    );
    for program in import.programs.values() {
        print_program(program);
    }
    eprintln!();
    if let Some(warning) = loss_warning(import) {
        eprintln!("seccompose: warning: {warning}");
    }
    if let Some(w) = written {
        let arches: Vec<&str> = w.arches.iter().map(|a| a.short_name()).collect();
        let place = w.path.as_ref().map_or_else(|| "standard output".into(), |p| p.display().to_string());
        eprintln!(
            "seccompose: wrote an allow-list of {} syscalls for {} (native {native}) to {place}",
            w.syscalls,
            arches.join(", ")
        );
    }
}

fn print_program(p: &Program) {
    let pids: Vec<String> = p.pids.iter().map(u32::to_string).collect();
    let pids = match pids.len() {
        0 => "no pid".to_string(),
        1 => format!("pid {}", pids[0]),
        _ => format!("pids {}", pids.join(" ")),
    };
    let actions: Vec<String> = p.actions.iter().map(|(a, n)| format!("{a} ×{n}")).collect();
    eprintln!("\n{} ({}): {} records, {pids}, actions {}", p.comm, p.exe, p.records, actions.join(", "));
    let width = p.syscalls.keys().map(|n| n.len()).max().unwrap_or(0);
    for (name, tally) in p.by_count() {
        let arches: Vec<&str> = tally.arches.iter().map(|a| a.short_name()).collect();
        eprintln!("  {name:<width$} {:>6}  {}", tally.count, arches.join(", "));
    }
    for ((arch, nr), count) in &p.unknown {
        eprintln!(
            "  unknown syscall {nr} on {arch} ×{count}: the catalog has no name for it, so it is not in the profile"
        );
    }
}

/// The warning when the logs show dropped records: the allow-list may then be incomplete.
fn loss_warning(import: &Import) -> Option<String> {
    let first = import.losses.first()?;
    let how = match (import.suppressed(), import.audit_lost()) {
        (0, None) => "the kernel reported an audit rate or backlog limit".to_string(),
        (n, None) => format!("at least {n} records were suppressed by the kernel's printk rate limit"),
        (0, Some(lost)) => format!("the kernel counts {lost} lost audit records"),
        (n, Some(lost)) => format!("at least {n} records were suppressed and the kernel counts {lost} lost"),
    };
    Some(format!(
        "records were lost ({how}; first sign at {}:{}): the allow-list may miss syscalls. \
         `seccompose record -- CMD` sees every syscall, with no log and no rate limit.",
        first.source, first.line
    ))
}

fn summary_json(import: &Import, written: Option<&Written>, native: Arch) -> Value {
    let programs: Vec<Value> = import.programs.values().map(program_json).collect();
    let problems: Vec<Value> =
        import.problems.iter().map(|p| json!({"file": p.source, "line": p.line, "message": p.message})).collect();
    let losses: Vec<Value> =
        import.losses.iter().map(|l| json!({"file": l.source, "line": l.line, "kind": loss_kind(l.loss)})).collect();
    json!({
        "records": import.records,
        "filtered_out": import.filtered_out,
        "programs": programs,
        "problems": problems,
        "lost": {"suppressed": import.suppressed(), "audit_lost": import.audit_lost(), "signs": losses, "warning": loss_warning(import)},
        "profile": written.map(|w| json!({
            "path": w.path.as_ref().map(|p| p.display().to_string()),
            "syscalls": w.syscalls,
            "native": native.short_name(),
            "arches": w.arches.iter().map(|a| a.short_name()).collect::<Vec<_>>(),
        })),
    })
}

fn program_json(p: &Program) -> Value {
    let syscalls: Vec<Value> = p
        .by_count()
        .iter()
        .map(|(name, t)| json!({"name": name, "count": t.count, "arches": t.arches.iter().map(|a| a.short_name()).collect::<Vec<_>>()}))
        .collect();
    let unknown: Vec<Value> =
        p.unknown.iter().map(|((a, nr), n)| json!({"arch": a.short_name(), "number": nr, "count": n})).collect();
    json!({"comm": p.comm, "exe": p.exe, "pids": p.pids, "records": p.records, "actions": p.actions, "syscalls": syscalls, "unknown": unknown})
}

fn loss_kind(loss: Loss) -> Value {
    match loss {
        Loss::Suppressed(n) => json!({"suppressed": n}),
        Loss::Lost(n) => json!({"audit_lost": n}),
        Loss::Limit => json!("limit"),
    }
}
