//! `seccompose check`: load errors and lint findings, as text or JSON.

use super::{ContextArgs, Failure, Format, open_profile};
use crate::policy::lint::{lint, tally};
use crate::profile::finding::{Level, format_finding};
use clap::Args;
use serde_json::json;
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
    let doc = open_profile(&args.file)?;
    let ctx = args.context.context();
    let findings = lint(&doc, &ctx);
    let (errors, warnings, infos) = tally(&findings);
    let name = doc.display_name();
    match args.format {
        Format::Json => {
            let out = json!({
                "file": name,
                "context": {
                    "engine": ctx.engine.name(),
                    "native": ctx.native.short_name(),
                    "caps": ctx.caps,
                    "kernel": ctx.kernel.to_string(),
                },
                "findings": findings,
                "summary": {"errors": errors, "warnings": warnings, "info": infos},
            });
            println!("{}", serde_json::to_string_pretty(&out).expect("findings serialize"));
        }
        Format::Text => {
            let kind = doc.kind_text().map(|k| format!(" ({k})")).unwrap_or_default();
            println!("{name}{kind}: checked for {}", ctx.summary());
            for f in &findings {
                println!("{}", format_finding(&name, f));
            }
            let verdict = if errors > 0 { "the profile has errors" } else { "no errors" };
            println!("{errors} error(s), {warnings} warning(s), {infos} info: {verdict}");
        }
    }
    Ok(if findings.iter().any(|f| f.level == Level::Error) { 1 } else { 0 })
}
