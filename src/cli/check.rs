//! `seccompose check`: load errors and lint findings, as text or JSON.

use super::{ContextArgs, Failure, Format, open_profile};
use crate::policy::context::Context;
use crate::policy::lint::{lint, tally};
use crate::profile::Document;
use crate::profile::finding::{Level, format_finding};
use clap::Args;
use serde_json::{Value, json};
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Profile file (JSON), or a built-in profile name such as runtime-default.
    #[arg(value_hint = clap::ValueHint::FilePath)]
    pub file: PathBuf,
    #[command(flatten)]
    pub context: ContextArgs,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
}

pub fn run(args: &CheckArgs) -> Result<i32, Failure> {
    // A YAML file may hold several SeccompProfiles: each is checked.
    let docs = match open_profile(&args.file)? {
        doc if doc.path.is_some() && doc.is_spo() => {
            Document::open_all(&args.file).map_err(|e| Failure::unusable(e.to_string()))?
        }
        doc => vec![doc],
    };
    let ctx = args.context.context();
    if docs.len() > 1 {
        let results: Vec<(i32, Value)> = docs.iter().map(|d| check_one(d, &ctx, args.format)).collect();
        if args.format == Format::Json {
            let all: Vec<&Value> = results.iter().map(|(_, v)| v).collect();
            println!(
                "{}",
                serde_json::to_string_pretty(&json!({"file": args.file, "profiles": all})).expect("serializes")
            );
        }
        return Ok(results.iter().map(|(code, _)| *code).max().unwrap_or(0));
    }
    let (code, value) = check_one(&docs[0], &ctx, args.format);
    if args.format == Format::Json {
        println!("{}", serde_json::to_string_pretty(&value).expect("findings serialize"));
    }
    Ok(code)
}

/// Checks one profile: prints the text report (for text output) and returns the exit status
/// and the JSON report.
fn check_one(doc: &Document, ctx: &Context, format: Format) -> (i32, Value) {
    let findings = lint(doc, ctx);
    let (errors, warnings, infos) = tally(&findings);
    let name = doc.display_name();
    let out = json!({
        "file": name,
        "resource": doc.kind_text(),
        "context": {
            "engine": ctx.engine.name(),
            "native": ctx.native.short_name(),
            "caps": ctx.caps,
            "kernel": ctx.kernel.to_string(),
        },
        "findings": findings,
        "summary": {"errors": errors, "warnings": warnings, "info": infos},
    });
    if format == Format::Text {
        let kind = doc.kind_text().map(|k| format!(" ({k})")).unwrap_or_default();
        println!("{name}{kind}: checked for {}", ctx.summary());
        for f in &findings {
            println!("{}", format_finding(&name, f));
        }
        let verdict = if errors > 0 { "the profile has errors" } else { "no errors" };
        println!("{errors} error(s), {warnings} warning(s), {infos} info: {verdict}");
    }
    (i32::from(findings.iter().any(|f| f.level == Level::Error)), out)
}
