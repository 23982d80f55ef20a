//! `seccompose check`: load errors and lint findings, as text or JSON.

use super::check_runtimes;
use super::color::{Stream, finding};
use super::{
    ContextArgs, Failure, Format, JSON_SCHEMA, STDIN_NAME, context_json, error_json, is_stdin, open_profile, read_stdin,
};
use crate::policy::context::Context;
use crate::policy::lint::{lint, tally};
use crate::profile::Document;
use crate::profile::finding::Level;
use crate::text::count;
use clap::Args;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Profile files (JSON or SPO YAML), `-` for standard input, or built-in profile names such
    /// as runtime-default. The exit status is the worst of them.
    #[arg(value_hint = clap::ValueHint::FilePath, required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    #[command(flatten)]
    pub context: ContextArgs,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
    /// Also evaluate under the runtimes in common use (runc 1.1.x / 1.2+ / crun with libseccomp
    /// 2.5.4 / 2.5.5 / 2.6.0) and list the syscalls they treat differently; a runtime that
    /// refuses the profile makes the exit status 1.
    #[arg(long)]
    pub all_runtimes: bool,
}

pub fn run(args: &CheckArgs) -> Result<i32, Failure> {
    let ctx = args.context.context();
    if let [file] = args.files.as_slice() {
        let (code, mut value) = check_file(file, &ctx, args)?;
        print_json(args.format, || {
            value["schema"] = json!(JSON_SCHEMA);
            value
        });
        return Ok(code);
    }
    let mut worst = 0;
    let mut reports = Vec::new();
    for (i, file) in args.files.iter().enumerate() {
        if i > 0 && args.format == Format::Text {
            println!();
        }
        // One unusable file does not stop the others: its error is its report.
        let (code, value) = check_file(file, &ctx, args).unwrap_or_else(|failure| {
            eprintln!("seccompose: {}", failure.message);
            (failure.code, json!({"file": file, "error": error_json(&failure)["error"]}))
        });
        worst = worst.max(code);
        reports.push(value);
    }
    print_json(args.format, || json!({"schema": JSON_SCHEMA, "files": reports}));
    Ok(worst)
}

fn print_json(format: Format, value: impl FnOnce() -> Value) {
    if format == Format::Json {
        println!("{}", serde_json::to_string_pretty(&value()).expect("reports serialize"));
    }
}

/// Checks every profile of one file (a YAML file may hold several SeccompProfiles): the worst
/// exit status and the JSON report (one profile's, or `{"file", "profiles": [...]}`).
fn check_file(file: &Path, ctx: &Context, args: &CheckArgs) -> Result<(i32, Value), Failure> {
    let docs = if is_stdin(file) {
        Document::parse_all(&read_stdin()?, STDIN_NAME).map_err(|e| Failure::unusable(e.to_string()))?
    } else {
        match open_profile(file)? {
            doc if doc.path.is_some() && doc.is_spo() => {
                Document::open_all(file).map_err(|e| Failure::unusable(e.to_string()))?
            }
            doc => vec![doc],
        }
    };
    if let [doc] = docs.as_slice() {
        return Ok(check_one(doc, ctx, args));
    }
    let results: Vec<(i32, Value)> = docs.iter().map(|d| check_one(d, ctx, args)).collect();
    let all: Vec<&Value> = results.iter().map(|(_, v)| v).collect();
    let code = results.iter().map(|(code, _)| *code).max().unwrap_or(0);
    Ok((code, json!({"file": docs[0].display_name(), "profiles": all})))
}

/// Checks one profile: prints the text report (for text output) and returns the exit status
/// and the JSON report.
fn check_one(doc: &Document, ctx: &Context, args: &CheckArgs) -> (i32, Value) {
    let format = args.format;
    let findings = lint(doc, ctx);
    let (errors, warnings, infos) = tally(&findings);
    let name = doc.display_name();
    let mut out = json!({
        "file": name,
        "resource": doc.kind_text(),
        "context": context_json(ctx),
        "findings": findings,
        "summary": {"errors": errors, "warnings": warnings, "info": infos},
    });
    if format == Format::Text {
        let kind = doc.kind_text().map(|k| format!(" ({k})")).unwrap_or_default();
        println!("{name}{kind}: checked for {}", ctx.summary());
        for f in &findings {
            println!("{}", finding(&name, f, Stream::Stdout));
        }
        let verdict = if errors > 0 { "the profile has errors" } else { "no errors" };
        println!("{}, {}, {infos} info: {verdict}", count(errors, "error"), count(warnings, "warning"));
    }
    let mut code = i32::from(findings.iter().any(|f| f.level == Level::Error));
    if args.all_runtimes && !doc.has_errors() {
        let matrix = check_runtimes::report(doc, ctx);
        match format {
            Format::Text => check_runtimes::print_text(&matrix),
            Format::Json => out["all_runtimes"] = check_runtimes::to_json(&matrix),
        }
        code = code.max(i32::from(check_runtimes::any_refuses(&matrix)));
    }
    (code, out)
}
