//! `seccompose check --all-runtimes`: where the node generations in common use (runc 1.1.x /
//! 1.2+ / crun, libseccomp 2.5.x / 2.6) treat one profile differently.

use crate::policy::context::Context;
use crate::policy::runtime::Runtime;
use crate::policy::runtime::matrix::{Disagreement, Matrix, common_runtimes, matrix};
use crate::profile::Document;
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// The runtimes compared: this context's first, then the common ones.
fn runtimes(ctx: &Context) -> Vec<Runtime> {
    let mut out = vec![ctx.runtime.clone()];
    out.extend(common_runtimes().into_iter().filter(|r| !same_behaviour(r, &ctx.runtime)));
    out
}

fn same_behaviour(a: &Runtime, b: &Runtime) -> bool {
    a.kind == b.kind && a.version == b.version && a.libseccomp == b.libseccomp
}

pub fn report(doc: &Document, ctx: &Context) -> Matrix {
    matrix(doc.effective_profile(), ctx, runtimes(ctx))
}

/// Rows with the same actions on the same arch, their syscalls together.
fn rows(m: &Matrix) -> Vec<(String, &Disagreement, Vec<String>)> {
    let mut groups: BTreeMap<(String, Vec<String>), (usize, Vec<String>)> = BTreeMap::new();
    for (order, d) in m.disagreements.iter().enumerate() {
        let name = d.name.map_or_else(|| format!("nr {} (newer than every table)", d.nr), str::to_string);
        let entry = groups.entry((d.arch.short_name().to_string(), d.actions.clone())).or_insert((order, Vec::new()));
        entry.1.push(name);
    }
    let mut out: Vec<(usize, String, &Disagreement, Vec<String>)> =
        groups.into_iter().map(|((arch, _), (order, names))| (order, arch, &m.disagreements[order], names)).collect();
    out.sort_by_key(|(order, ..)| *order);
    out.into_iter().map(|(_, arch, d, names)| (arch, d, names)).collect()
}

pub fn print_text(m: &Matrix) {
    println!();
    println!("Across runtimes ({} compared; arguments 0; [1] is this context):", m.runtimes.len());
    for (i, r) in m.runtimes.iter().enumerate() {
        let refusal = m.refusals[i].as_ref().map(|e| format!(" — refuses the profile: {e}")).unwrap_or_default();
        println!("  [{}] {r}{refusal}", i + 1);
    }
    let rows = rows(m);
    if rows.is_empty() {
        println!("  every runtime that loads the profile makes the same decisions");
        return;
    }
    let width = m.runtimes.len().to_string().len();
    let header: Vec<String> = (1..=m.runtimes.len()).map(|i| format!("{:>9}", format!("[{i:>width$}]"))).collect();
    println!("  {:<7} {}  syscalls", "arch", header.join(" "));
    for (arch, d, names) in rows {
        let cells: Vec<String> =
            d.actions.iter().map(|a| format!("{:>9}", if a.is_empty() { "-" } else { a.as_str() })).collect();
        let shown = if names.len() > 6 {
            format!("{}, … ({} in all)", names[..6].join(", "), names.len())
        } else {
            names.join(", ")
        };
        println!("  {arch:<7} {}  {shown}", cells.join(" "));
    }
}

pub fn to_json(m: &Matrix) -> Value {
    let runtimes: Vec<Value> = m
        .runtimes
        .iter()
        .zip(&m.refusals)
        .map(|(r, refusal)| {
            let mut v = super::runtime_json(r);
            v["label"] = json!(r.to_string());
            v["refuses"] = json!(refusal);
            v
        })
        .collect();
    let differences: Vec<Value> = m
        .disagreements
        .iter()
        .map(|d| {
            let actions: Vec<Value> =
                d.actions.iter().map(|a| if a.is_empty() { Value::Null } else { json!(a) }).collect();
            json!({"arch": d.arch.short_name(), "nr": d.nr, "syscall": d.name, "actions": actions})
        })
        .collect();
    json!({"runtimes": runtimes, "differences": differences})
}

/// Whether some runtime in common use refuses the profile (its containers would not start).
pub fn any_refuses(m: &Matrix) -> bool {
    m.refusals.iter().any(Option::is_some)
}
