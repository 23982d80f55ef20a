//! The agreement matrix: every profile × call × runtime column, run once per test binary.

use super::bundle;
use super::cases::{CALLS, COLUMNS, Column, Prepare, ProfileCase, profiles};
use super::compare::{Expect, Verdict, explain, verdict};
use super::probe::{self, Outcome, ProbeBinary};
use super::runtime::{self, Runtime};
use crate::support::TempDir;
use serde_json::Value;
use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

/// The row that asks whether the container starts at all: runc and crun exec the program after
/// installing the filter, so a profile that denies `execve` stops every container.
pub const START_ROW: &str = "x86_64 container starts (execve)";

/// One cell: explain's answer, what the container showed, and whether they agree.
pub struct Cell {
    pub expected: String,
    pub real: String,
    /// None: not compared (the container did not start; the start row says whether it should).
    pub verdict: Option<Verdict>,
}

pub struct Row {
    pub label: String,
    pub unfiltered: String,
    pub cells: Vec<Cell>,
}

pub struct Table {
    pub profile: &'static str,
    pub rows: Vec<Row>,
}

/// Cost figures, printed (never asserted).
pub struct Costs {
    pub probe_build: Duration,
    pub start: Vec<(Runtime, String, Duration)>,
}

pub struct Matrix {
    pub tables: Vec<Table>,
    pub costs: Costs,
}

/// A disagreement's key: (profile, column, row).
pub type Key = (String, String, String);

impl Matrix {
    pub fn disagreements(&self) -> Vec<(Key, String)> {
        let mut out = Vec::new();
        for table in &self.tables {
            for row in &table.rows {
                for (cell, column) in row.cells.iter().zip(COLUMNS) {
                    if cell.verdict == Some(Verdict::Disagree) {
                        let key = (table.profile.to_string(), column.label.to_string(), row.label.clone());
                        out.push((
                            key,
                            format!("explain {} / real {} (unfiltered {})", cell.expected, cell.real, row.unfiltered),
                        ));
                    }
                }
            }
        }
        out
    }

    /// The tables as text: one per profile, a row per call, a column per runtime.
    pub fn render(&self) -> String {
        let mut s = String::new();
        let width = CALLS.iter().map(|c| c.label().len()).max().unwrap_or(0).max(START_ROW.len());
        for table in &self.tables {
            let _ = writeln!(s, "\n== {}", table.profile);
            let _ = write!(s, "{:<width$}  {:<14}", "call", "unfiltered");
            for column in COLUMNS {
                let _ = write!(s, "  {:<34}", format!("{} (explain → real)", column.label));
            }
            s.push('\n');
            for row in &table.rows {
                let _ = write!(s, "{:<width$}  {:<14}", row.label, row.unfiltered);
                for cell in &row.cells {
                    let mark = match cell.verdict {
                        Some(Verdict::Agree) => "  ",
                        Some(Verdict::Indistinct) => " ~",
                        Some(Verdict::Disagree) => " ✗",
                        None => " -",
                    };
                    let _ = write!(s, "  {:<34}", format!("{} → {}{mark}", cell.expected, cell.real));
                }
                s.push('\n');
            }
        }
        s.push_str("\n✗ disagreement   ~ agrees, but the bare kernel answers the same   - not run\n");
        s
    }
}

/// Runs everything: the probe on the host, unfiltered in each runtime, then each profile in
/// each column.
pub fn build() -> Matrix {
    for runtime in [Runtime::Runc, Runtime::Crun] {
        runtime.require();
    }
    let probe = probe::build();
    let words: Vec<String> = CALLS.iter().map(|c| c.probe_word()).collect();
    for (word, outcome) in words.iter().zip(probe::run_here(&probe.path, &words)) {
        assert!(!matches!(outcome, Outcome::Odd(_)), "the probe misbehaves on the host for {word}: {outcome:?}");
    }
    let unfiltered: Vec<(Runtime, Vec<Outcome>)> = [Runtime::Runc, Runtime::Crun]
        .into_iter()
        .map(|rt| {
            let bundle = bundle::make("unfiltered", &probe.path, &words, None);
            let run = runtime::run(rt, &bundle);
            let outcomes = probe::parse_output(&run.stdout, &words)
                .unwrap_or_else(|e| panic!("{} without a filter: {e}\n{}", rt.name(), run.stderr));
            // The profiles deny with ERRNO(1) (moby's default) among others: a call the bare
            // kernel answers EPERM could not tell ALLOW from it.
            for (word, outcome) in words.iter().zip(&outcomes) {
                assert_ne!(*outcome, Outcome::Errno(1), "{word} gets EPERM without a filter: choose other arguments");
            }
            (rt, outcomes)
        })
        .collect();
    let dir = TempDir::new("real-runtime-profiles");
    let tables = profiles(&dir).iter().map(|p| table(p, &probe, &words, &unfiltered)).collect();
    Matrix { tables, costs: costs(&probe) }
}

fn table(
    profile: &ProfileCase,
    probe: &ProbeBinary,
    words: &[String],
    unfiltered: &[(Runtime, Vec<Outcome>)],
) -> Table {
    let runs: Vec<Result<Vec<Outcome>, String>> =
        COLUMNS.iter().map(|column| run_column(profile, column, probe, words)).collect();
    let mut rows = vec![start_row(profile, &runs)];
    for (i, call) in CALLS.iter().enumerate() {
        let cells = COLUMNS
            .iter()
            .zip(&runs)
            .map(|(column, run)| {
                let base = &unfiltered.iter().find(|(rt, _)| *rt == column.runtime).unwrap().1[i];
                let explained = explain(&profile.path, call, column.explain);
                match (explained, run) {
                    (Err(e), _) => Cell { expected: format!("refused: {e}"), real: "-".into(), verdict: None },
                    (Ok(x), Err(_)) => Cell { expected: x.action, real: "not run".into(), verdict: None },
                    (Ok(x), Ok(outcomes)) => Cell {
                        verdict: Some(verdict(&x.expect, &outcomes[i], base)),
                        expected: x.action,
                        real: outcomes[i].to_string(),
                    },
                }
            })
            .collect();
        let runc_base = &unfiltered[0].1[i];
        rows.push(Row { label: call.label(), unfiltered: runc_base.to_string(), cells });
    }
    Table { profile: profile.label, rows }
}

/// Expected to start when explain lets `execve` through on the native arch.
fn start_row(profile: &ProfileCase, runs: &[Result<Vec<Outcome>, String>]) -> Row {
    let execve = super::cases::Call { abi: super::cases::Abi::X86_64, name: Some("execve"), nr: 59, args: &[] };
    let cells = COLUMNS
        .iter()
        .zip(runs)
        .map(|(column, run)| {
            let expected = match explain(&profile.path, &execve, column.explain) {
                Ok(x) if x.expect == Expect::Unfiltered => (format!("execve {}", x.action), true),
                Ok(x) => (format!("execve {}", x.action), false),
                Err(e) => (format!("refused: {e}"), false),
            };
            let started = run.is_ok();
            Cell {
                expected: expected.0,
                real: match run {
                    Ok(_) => "started".into(),
                    Err(why) => format!("failed ({})", why.split(':').next().unwrap_or("")),
                },
                verdict: Some(if started == expected.1 { Verdict::Agree } else { Verdict::Disagree }),
            }
        })
        .collect();
    Row { label: START_ROW.into(), unfiltered: "started".into(), cells }
}

/// Runs the probe under `profile` prepared for `column`. Err: the container did not run the
/// probe (what the runtime said).
fn run_column(
    profile: &ProfileCase,
    column: &Column,
    probe: &ProbeBinary,
    words: &[String],
) -> Result<Vec<Outcome>, String> {
    let seccomp = prepared(&profile.path, column.prepare);
    let bundle = bundle::make(column.label.replace('/', "-").as_str(), &probe.path, words, Some(&seccomp));
    let run = runtime::run(column.runtime, &bundle);
    if run.stdout.is_empty() && run.code != Some(0) {
        let code = run.code.map_or_else(|| "killed".to_string(), |c| format!("exit {c}"));
        return Err(format!("{code}: {}", run.stderr.trim()));
    }
    let outcomes = probe::parse_output(&run.stdout, words)
        .unwrap_or_else(|e| panic!("{} under {}: {e}\n{}", column.label, profile.label, run.stderr));
    Ok(outcomes)
}

/// The `linux.seccomp` object the column's runtime is handed.
fn prepared(path: &Path, prepare: Prepare) -> Value {
    let text = match prepare {
        Prepare::AsIs => std::fs::read_to_string(path).unwrap(),
        Prepare::Engine(engine) => {
            let out = Command::new(env!("CARGO_BIN_EXE_seccompose"))
                .arg("convert")
                .arg(path)
                .args(["--to", "oci", "--resolve", "--engine", engine])
                .output()
                .unwrap();
            assert!(out.status.success(), "convert for {engine}: {}", String::from_utf8_lossy(&out.stderr));
            String::from_utf8(out.stdout).unwrap()
        }
    };
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The probe's build time and the median of five starts of an empty probe run per runtime.
fn costs(probe: &ProbeBinary) -> Costs {
    let start = [Runtime::Runc, Runtime::Crun]
        .into_iter()
        .map(|rt| {
            let bundle = bundle::make("empty", &probe.path, &[], None);
            let mut times: Vec<Duration> = (0..5).map(|_| runtime::run(rt, &bundle).elapsed).collect();
            times.sort();
            (rt, rt.version(), times[2])
        })
        .collect();
    Costs { probe_build: probe.build_time, start }
}
