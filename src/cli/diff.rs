//! `seccompose diff A B`: what the kernel does differently under two profiles (or one profile
//! under two engines). Exit 0 when equivalent, 1 when they differ, 2 when one is unusable.

use super::{ContextArgs, Failure, Format, context_json, usable_profile};
use crate::catalog::Arch;
use crate::policy::compare::{Comparison, Difference, Direction, compare};
use crate::policy::context::Engine;
use crate::policy::evaluator::Evaluator;
use crate::policy::runtime::spelling::{NodeSpec, parse_node};
use crate::profile::Document;
use crate::tui::app::App;
use crate::tui::theme::Theme;
use clap::Args;
use serde_json::{Value, json};
use std::io::IsTerminal;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// Left profile: a file or a built-in name (runtime-default, audit, violation, fine-grained, …).
    #[arg(value_hint = clap::ValueHint::FilePath)]
    pub left: PathBuf,
    /// Right profile: a file or a built-in name.
    #[arg(value_hint = clap::ValueHint::FilePath)]
    pub right: PathBuf,
    #[command(flatten)]
    pub context: ContextArgs,
    /// Engine for the left side only (default: --engine).
    #[arg(long, value_name = "E", value_parser = super::engine_parser())]
    pub left_engine: Option<Engine>,
    /// Engine for the right side only (default: --engine).
    #[arg(long, value_name = "E", value_parser = super::engine_parser())]
    pub right_engine: Option<Engine>,
    /// Runtime for the left side only: runc@1.1.5, crun@1.8.1, runc@1.1.5,libseccomp@2.5.4, or
    /// host (default: the context's). What it leaves out comes from the context.
    #[arg(long, value_name = "RUNTIME", value_parser = parse_node)]
    pub left_runtime: Option<NodeSpec>,
    /// Runtime for the right side only (as --left-runtime).
    #[arg(long, value_name = "RUNTIME", value_parser = parse_node)]
    pub right_runtime: Option<NodeSpec>,
    /// List the syscalls both sides treat alike too.
    #[arg(long)]
    pub all: bool,
    /// Text or JSON. Without it, on a terminal, the editor's compare view opens.
    #[arg(long, value_enum)]
    pub format: Option<Format>,
}

pub fn run(args: &DiffArgs) -> Result<i32, Failure> {
    let base = args.context.context();
    let side = |engine: Option<Engine>, node: &Option<NodeSpec>| {
        let mut ctx = base.clone();
        if let Some(e) = engine {
            ctx = ctx.with_engine(e);
            if args.context.caps.is_empty() {
                ctx.caps = e.default_caps().iter().map(|c| c.to_string()).collect();
            }
        }
        match node {
            Some(node) => node.apply(&ctx),
            None => ctx,
        }
    };
    let (left_doc, left) = usable_profile(&args.left, &side(args.left_engine, &args.left_runtime), None)?;
    let (right_doc, right) = usable_profile(&args.right, &side(args.right_engine, &args.right_runtime), None)?;
    let arches: Vec<Arch> = left
        .arches()
        .into_iter()
        .chain(right.arches())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let result = compare(&left, &right, &arches, args.all);
    let status = i32::from(!result.is_equivalent());
    if args.format.is_none() && std::io::stdout().is_terminal() && std::io::stdin().is_terminal() {
        // The view is for reading: its exit status is the comparison's, as without a terminal.
        return open_view(left_doc, left, right_doc, right, args.all).map(|ended| ended.unwrap_or(status));
    }
    let names = (left_doc.display_name(), right_doc.display_name());
    match args.format.unwrap_or(Format::Text) {
        Format::Text => {
            let contexts = (left.context.summary(), right.context.summary());
            print_text(&result, &names, &contexts, &(arch_names(&left), arch_names(&right)))
        }
        Format::Json => {
            let contexts = (context_json(&left.context), context_json(&right.context));
            println!("{}", serde_json::to_string_pretty(&to_json(&result, &names, &contexts)).expect("serializable"))
        }
    }
    Ok(status)
}

/// The compare view in the editor: the left profile is the one being edited; leaving the view
/// ends the program. `None` when it ended by a quit, or the status of the signal that ended it.
fn open_view(
    left_doc: Document,
    left: Evaluator,
    right_doc: Document,
    right: Evaluator,
    all: bool,
) -> Result<Option<i32>, Failure> {
    let signals = crate::tui::terminal::Signals::start().map_err(|e| Failure::unusable(format!("signals: {e}")))?;
    let theme = Theme::choose(None).map_err(Failure::unusable)?;
    let mut app = App::new(left_doc, left.context.clone(), theme);
    app.compare_only = true;
    crate::tui::app::compare::open(&mut app, right_doc);
    if let Some(view) = app.compare.as_mut() {
        view.right_ctx = right.context.clone();
        view.show_all = all;
    }
    crate::tui::app::compare::refresh(&mut app);
    let ending = crate::tui::run(app, signals).map_err(|e| Failure::unusable(format!("terminal: {e}")))?;
    Ok(match ending {
        crate::tui::Ending::Quit => None,
        signal => Some(signal.status()),
    })
}

fn arch_names(ev: &crate::policy::evaluator::Evaluator) -> String {
    ev.arches().iter().map(|a| a.short_name()).collect::<Vec<_>>().join(", ")
}

fn arch_list(d: &Difference) -> String {
    d.arches.iter().map(|a| a.short_name()).collect::<Vec<_>>().join(",")
}

fn print_text(c: &Comparison, names: &(String, String), contexts: &(String, String), arches: &(String, String)) {
    println!("left:  {} ({})", names.0, contexts.0);
    println!("right: {} ({})", names.1, contexts.1);
    if arches.0 != arches.1 {
        println!("architectures: left filters {}; right filters {} (calls from others are killed)", arches.0, arches.1);
    }
    println!("on {} (rows below list every arch):", c.native.short_name());
    if c.default_left != c.default_right {
        println!("default action: {} → {}", c.default_left, c.default_right);
    }
    if c.is_equivalent() {
        println!("equivalent: the kernel does the same for all {} syscalls compared", c.compared);
    }
    for (direction, verb) in
        [(Direction::RightAllowsMore, "right also allows"), (Direction::RightAllowsLess, "right no longer allows")]
    {
        for (category, syscalls) in c.by_category(direction) {
            println!("{category}: {verb} {}", syscalls.join(", "));
        }
    }
    let risk = c.risk_delta();
    if !risk.is_empty() {
        let list = |more: bool| -> Vec<String> {
            risk.iter().filter(|r| r.2 == more).map(|(n, level, _)| format!("{n} ({level:?})")).collect()
        };
        for (more, verb) in [(true, "newly allowed on the right"), (false, "newly denied on the right")] {
            let items = list(more);
            if !items.is_empty() {
                println!("risk: {verb}: {}", items.join(", "));
            }
        }
    }
    if !c.differences.is_empty() || !c.equal.is_empty() {
        println!();
        println!("{:<22} {:<18} {:<40} right", "syscall", "arch", "left");
    }
    for d in c.differences.iter().chain(&c.equal) {
        let mark = match d.direction {
            Direction::RightAllowsMore => "+",
            Direction::RightAllowsLess => "-",
            Direction::Changed => "~",
            Direction::Same => "=",
        };
        println!("{mark} {:<20} {:<18} {:<40} {}", d.syscall, arch_list(d), d.left.words, d.right.words);
    }
    let count = |dir| c.differences.iter().filter(|d| d.direction == dir).count();
    println!(
        "{}: {} allowed only on the right, {} only on the left, {} changed",
        crate::text::count(c.differences.len(), "difference"),
        count(Direction::RightAllowsMore),
        count(Direction::RightAllowsLess),
        count(Direction::Changed)
    );
}

fn to_json(c: &Comparison, names: &(String, String), contexts: &(Value, Value)) -> Value {
    let row = |d: &Difference| {
        json!({
            "syscall": d.syscall,
            "arches": d.arches.iter().map(|a| a.short_name()).collect::<Vec<_>>(),
            "left": {"action": d.left.action.to_string(), "words": d.left.words},
            "right": {"action": d.right.action.to_string(), "words": d.right.words},
            "direction": match d.direction {
                Direction::RightAllowsMore => "right-allows-more",
                Direction::RightAllowsLess => "right-allows-less",
                Direction::Changed => "changed",
                Direction::Same => "same",
            },
        })
    };
    let rollup = |dir| -> serde_json::Value {
        c.by_category(dir).into_iter().map(|(cat, names)| json!({"category": cat, "syscalls": names})).collect()
    };
    json!({
        "schema": super::JSON_SCHEMA,
        "left": {"profile": names.0, "context": contexts.0, "default": c.default_left.to_string()},
        "right": {"profile": names.1, "context": contexts.1, "default": c.default_right.to_string()},
        "equivalent": c.is_equivalent(),
        "compared": c.compared,
        "differences": c.differences.iter().map(row).collect::<Vec<_>>(),
        "equal": c.equal.iter().map(row).collect::<Vec<_>>(),
        "right_allows_more": rollup(Direction::RightAllowsMore),
        "right_allows_less": rollup(Direction::RightAllowsLess),
        "risk": c.risk_delta().iter().map(|(n, l, more)| json!({"syscall": n, "level": format!("{l:?}").to_lowercase(), "newly": if *more {"allowed"} else {"denied"}})).collect::<Vec<_>>(),
    })
}
