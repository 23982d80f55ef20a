//! `seccompose syscalls`: the catalog, filtered by a fuzzy query, group or category.

use super::{Failure, Format};
use crate::catalog::{self, Arch, search::search};
use clap::Args;
use serde_json::json;

#[derive(Debug, Args)]
pub struct SyscallsArgs {
    /// Fuzzy query over names (and words in summaries, categories and groups).
    pub query: Option<String>,
    /// Architecture whose numbers to show (default: this machine's).
    #[arg(long, value_parser = super::arch_parser(), hide_possible_values = true)]
    pub arch: Option<Arch>,
    /// Only this systemd group (`@mount`) or category (`network`).
    #[arg(long, value_name = "G")]
    pub group: Option<String>,
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
}

pub fn run(args: &SyscallsArgs) -> Result<i32, Failure> {
    let arch = args.arch.unwrap_or_else(Arch::host);
    let group_filter = match &args.group {
        Some(g) => Some(resolve_group(g)?),
        None => None,
    };
    let query = args.query.as_deref().unwrap_or("");
    let mut hits: Vec<_> = search(query)
        .into_iter()
        .filter(|h| group_filter.as_ref().is_none_or(|members| members.contains(&h.info.name)))
        .collect();
    // Without a query there is no ranking to keep: a listing reads best by name.
    if query.trim().is_empty() {
        hits.sort_by_key(|h| h.info.name);
    }
    if args.format == Format::Json {
        let rows: Vec<_> = hits
            .iter()
            .map(|h| {
                let groups: Vec<&str> = catalog::groups_of(h.info.name).iter().map(|g| g.name).collect();
                json!({
                    "name": h.info.name,
                    "number": catalog::number(arch, h.info.name),
                    "category": h.info.category.id,
                    "groups": groups,
                    "summary": h.info.summary,
                    "risk": h.info.risk.map(|r| r.note),
                })
            })
            .collect();
        println!(
            "{}",
            serde_json::to_string_pretty(
                &json!({"schema": super::JSON_SCHEMA, "arch": arch.short_name(), "syscalls": rows})
            )
            .expect("serializable")
        );
        return Ok(0);
    }
    if hits.is_empty() {
        eprintln!("no syscall matches");
        return Ok(1);
    }
    println!("{:<24} {:>10}  {:<14} summary", "name", arch.short_name(), "category");
    for h in &hits {
        let nr = catalog::number(arch, h.info.name).map_or_else(|| "-".to_string(), |n| n.to_string());
        let risk = if h.info.risk.is_some() { " [risk]" } else { "" };
        println!("{:<24} {:>10}  {:<14} {}{risk}", h.info.name, nr, h.info.category.id, h.info.summary);
    }
    Ok(0)
}

fn resolve_group(g: &str) -> Result<Vec<&'static str>, Failure> {
    if let Some(group) = catalog::group(g) {
        return Ok(group.members.clone());
    }
    if let Some(cat) = catalog::category(g) {
        return Ok(catalog::all().iter().filter(|i| i.category == cat).map(|i| i.name).collect());
    }
    let groups: Vec<&str> = catalog::groups().iter().map(|g| g.name).collect();
    let cats: Vec<&str> = catalog::CATEGORIES.iter().map(|c| c.id).collect();
    Err(Failure::unusable(format!(
        "unknown group \"{g}\"; groups: {}; categories: {}",
        groups.join(" "),
        cats.join(" ")
    )))
}
