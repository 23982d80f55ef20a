//! `seccompose explain`: the action for one call, and the rule that decided it.

use super::{ContextArgs, Failure, Format, open_profile};
use crate::catalog::{self, Arch};
use crate::policy::context::{Context, Engine};
use crate::policy::describe::{action_text, decided_by, rule_note};
use crate::policy::evaluator::{Decision, Evaluator, Source};
use crate::profile::{Action, Document};
use clap::Args;
use serde_json::json;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// Profile file (JSON), or a built-in profile name such as runtime-default.
    #[arg(value_hint = clap::ValueHint::FilePath)]
    pub file: PathBuf,
    /// Syscall name (or number on the call's arch).
    pub syscall: String,
    /// Up to six argument values, decimal or 0x hex (missing ones are 0). Negative numbers are
    /// two's complement (`-100` is AT_FDCWD): on 64 bits, or 32 for a 32-bit ABI.
    #[arg(value_name = "ARG", num_args = 0..=6, value_parser = parse_arg, allow_negative_numbers = true)]
    pub args: Vec<i128>,
    #[command(flatten)]
    pub context: ContextArgs,
    /// ABI of the call (default: the host's); `--arch x86` asks about an `int 0x80` call.
    #[arg(long, value_parser = super::arch_parser(), hide_possible_values = true)]
    pub arch: Option<Arch>,
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
}

/// An argument as typed: decimal or 0x hex, optionally negative (-2^63 to 2^64-1).
fn parse_arg(s: &str) -> Result<i128, String> {
    let t = s.trim().replace('_', "");
    let (negative, digits) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t.as_str()),
    };
    let parsed = match digits.strip_prefix("0x").or_else(|| digits.strip_prefix("0X")) {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => digits.parse::<u64>(),
    };
    let value = parsed.map(|v| if negative { -i128::from(v) } else { i128::from(v) });
    match value {
        Ok(v) if v >= i128::from(i64::MIN) => Ok(v),
        _ => Err(format!("\"{s}\" is not a number (use decimal or 0x hex, -2^63 to 2^64-1)")),
    }
}

/// The register value the filter sees: a negative number in two's complement on the call's
/// width (seccomp compares 64-bit values; a 32-bit ABI's upper half is zero).
fn register(value: i128, arch: Arch) -> Result<u64, Failure> {
    if value >= 0 {
        return Ok(value as u64);
    }
    if arch.is_64bit() {
        return Ok(value as i64 as u64);
    }
    i32::try_from(value)
        .map(|v| u64::from(v as u32))
        .map_err(|_| Failure::unusable(format!("\"{value}\" does not fit a 32-bit argument on {arch}")))
}

pub fn run(args: &ExplainArgs) -> Result<i32, Failure> {
    let doc = open_profile(&args.file)?;
    if doc.has_errors() {
        let first = doc.findings.iter().find(|f| f.level == crate::profile::Level::Error).expect("has errors");
        return Err(Failure::unusable(format!(
            "{}: the profile has errors; run `seccompose check` (first: {})",
            doc.display_name(),
            super::color::finding(&doc.display_name(), first, super::color::Stream::Stderr)
        )));
    }
    let ctx = args.context.context();
    let arch = args.arch.unwrap_or(ctx.native);
    let (name, nr) = resolve_syscall(&args.syscall, arch)?;
    let mut call_args = [0u64; 6];
    for (slot, value) in call_args.iter_mut().zip(&args.args) {
        *slot = register(*value, arch)?;
    }
    let evaluator = Evaluator::new(doc.effective_profile(), &ctx).map_err(|e| {
        Failure::unusable(format!("{}: under {} the container would not start: {e}", doc.display_name(), ctx.engine))
    })?;
    let call = Call { arch, name, nr, args: call_args };
    let decision = evaluator.decide(arch, nr, &call_args);
    let others = other_engines(&doc, &ctx, &call);
    match args.format {
        Format::Json => print_json(&doc, &evaluator, &call, decision, &others),
        Format::Text => print_text(&doc, &evaluator, &call, decision, &others),
    }
    Ok(0)
}

/// The call being explained.
struct Call {
    arch: Arch,
    name: String,
    nr: u32,
    args: [u64; 6],
}

fn resolve_syscall(text: &str, arch: Arch) -> Result<(String, u32), Failure> {
    if let Ok(nr) = text.parse::<u32>() {
        let name = catalog::name_of(arch, nr).map_or_else(|| format!("#{nr}"), str::to_string);
        return Ok((name, nr));
    }
    match catalog::number(arch, text) {
        Some(nr) => Ok((text.to_string(), nr)),
        None if catalog::is_known_anywhere(text) => {
            Err(Failure::unusable(format!("{text} is not a syscall on {arch}; pick another ABI with --arch")))
        }
        None => {
            let hint = catalog::suggest(text).map(|s| format!("; did you mean {s}?")).unwrap_or_default();
            Err(Failure::unusable(format!("unknown syscall \"{text}\"{hint}")))
        }
    }
}

fn other_engines(doc: &Document, ctx: &Context, call: &Call) -> Vec<(Engine, Result<Action, String>)> {
    Engine::ALL
        .into_iter()
        .filter(|e| *e != ctx.engine)
        .map(|engine| {
            let other = ctx.with_engine(engine);
            let result = Evaluator::new(doc.effective_profile(), &other)
                .map(|ev| ev.decide(call.arch, call.nr, &call.args).action)
                .map_err(|e| e.to_string());
            (engine, result)
        })
        .collect()
}

fn print_text(doc: &Document, ev: &Evaluator, call: &Call, d: Decision, others: &[(Engine, Result<Action, String>)]) {
    println!("{}", d.action);
    let shown: Vec<String> = call.args.iter().map(|a| if *a > 9 { format!("{a:#x}") } else { a.to_string() }).collect();
    println!("  call:       {} on {} (nr {}), args {}", call.name, call.arch, call.nr, shown.join(" "));
    println!("  decided by: {}", decided_by(doc, ev, d, call.arch, call.nr, &call.name));
    println!("  result:     {}", action_text(d.action));
    for rule in doc.profile.rules.iter().filter(|r| r.all_names().any(|n| n == call.name)) {
        if d.source == Source::Rule(rule.index) {
            continue;
        }
        println!("  also:       {}", rule_note(ev, rule, &call.name));
    }
    println!("  context:    {}", ev.context.summary());
    let rest: Vec<String> = others
        .iter()
        .map(|(e, r)| match r {
            Ok(a) => format!("{e} {a}"),
            Err(_) => format!("{e} refuses the profile"),
        })
        .collect();
    println!("  engines:    {}", rest.join(", "));
}

fn print_json(doc: &Document, ev: &Evaluator, call: &Call, d: Decision, others: &[(Engine, Result<Action, String>)]) {
    let ctx = &ev.context;
    let source = match d.source {
        Source::Rule(i) => json!({"kind": "rule", "rule": i}),
        Source::Default => json!({"kind": "default"}),
        Source::MergedConditions => json!({"kind": "merged-conditions"}),
        Source::BadArch => json!({"kind": "bad-arch"}),
        Source::EnosysStub => json!({"kind": "enosys-stub"}),
    };
    let engines: serde_json::Map<String, serde_json::Value> = others
        .iter()
        .map(|(e, r)| {
            (e.name().to_string(), r.as_ref().map_or_else(|err| json!({"error": err}), |a| json!(a.to_string())))
        })
        .collect();
    let out = json!({
        "schema": super::JSON_SCHEMA,
        "file": doc.display_name(),
        "action": d.action.to_string(),
        "syscall": call.name, "arch": call.arch.short_name(), "nr": call.nr, "args": call.args,
        "source": source,
        "decided_by": decided_by(doc, ev, d, call.arch, call.nr, &call.name),
        "engine": ctx.engine.name(),
        "context": super::context_json(ctx),
        "other_engines": engines,
    });
    println!("{}", serde_json::to_string_pretty(&out).expect("serializable"));
}
