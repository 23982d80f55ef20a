//! Disassembly a person can read: labels, syscall and argument names, actions.

use super::insn::*;
use crate::catalog::{self, Arch, X32_SYSCALL_BIT};
use crate::profile::Action;
use std::collections::BTreeSet;
use std::fmt::Write;

/// What the accumulator holds, as far as the disassembler can tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Acc {
    Unknown,
    Arch,
    Nr { audit: Option<u32> },
    Word { offset: u32 },
}

/// One line per instruction, with labels on jump targets and comments saying what is compared.
pub fn disassemble(prog: &[Insn], little_endian: bool) -> String {
    let targets = jump_targets(prog);
    let states = accumulator_states(prog);
    let mut out = String::new();
    for (pc, ins) in prog.iter().enumerate() {
        if let Some(arch) = arch_header(prog, &states, pc) {
            let _ = writeln!(out, "; --- {arch} ---");
        }
        if targets.contains(&pc) {
            let _ = writeln!(out, "L{pc}:");
        }
        let (text, comment) = describe(pc, ins, states[pc], little_endian);
        if comment.is_empty() {
            let _ = writeln!(out, "  {pc:>4}: {text}");
        } else {
            let _ = writeln!(out, "  {pc:>4}: {text:<32} ; {comment}");
        }
    }
    out
}

fn jump_targets(prog: &[Insn]) -> BTreeSet<usize> {
    let mut set = BTreeSet::new();
    for (pc, ins) in prog.iter().enumerate() {
        if ins.class() == JMP {
            // Falling through to the next instruction needs no label.
            let offsets =
                if ins.code & 0xf0 == JA { vec![ins.k as usize] } else { vec![ins.jt as usize, ins.jf as usize] };
            set.extend(offsets.into_iter().filter(|&o| o > 0).map(|o| pc + 1 + o));
        }
    }
    set
}

/// The accumulator state on entry to each instruction, merged over all paths to it; also which
/// arch a block is for (learnt from the `jeq #AUDIT_ARCH_*` that leads to it).
fn accumulator_states(prog: &[Insn]) -> Vec<Acc> {
    let mut incoming: Vec<Option<Acc>> = vec![None; prog.len() + 1];
    incoming[0] = Some(Acc::Unknown);
    let mut arch_of: Vec<Option<u32>> = vec![None; prog.len() + 1];
    let mut states = vec![Acc::Unknown; prog.len()];
    let merge = |slot: &mut Option<Acc>, v: Acc| {
        *slot = Some(match *slot {
            None => v,
            Some(prev) if prev == v => v,
            Some(_) => Acc::Unknown,
        })
    };
    for (pc, ins) in prog.iter().enumerate() {
        let state = incoming[pc].unwrap_or(Acc::Unknown);
        states[pc] = state;
        let audit = arch_of[pc];
        let out = match ins.class() {
            LD if ins.code & 0xe0 == ABS => match ins.k {
                OFF_ARCH => Acc::Arch,
                OFF_NR => Acc::Nr { audit },
                k => Acc::Word { offset: k },
            },
            LD | LDX | ALU | MISC => {
                if ins.class() == ALU && ins.code & 0xf0 == AND {
                    state
                } else {
                    Acc::Unknown
                }
            }
            _ => state,
        };
        let mut flow = |to: usize, taken_arch: Option<u32>| {
            if to < incoming.len() {
                merge(&mut incoming[to], out);
                let a = taken_arch.or(audit);
                arch_of[to] = match arch_of[to] {
                    None => a,
                    Some(prev) if Some(prev) == a => a,
                    Some(_) => None,
                };
            }
        };
        match ins.class() {
            JMP if ins.code & 0xf0 == JA => flow(pc + 1 + ins.k as usize, None),
            JMP => {
                let taken = (out == Acc::Arch && ins.code & 0xf0 == JEQ).then_some(ins.k);
                flow(pc + 1 + ins.jt as usize, taken);
                flow(pc + 1 + ins.jf as usize, None);
            }
            RET => {}
            _ => flow(pc + 1, None),
        }
    }
    states
}

/// The arch a block starts for: the instruction loads the number right after an arch check.
fn arch_header(prog: &[Insn], states: &[Acc], pc: usize) -> Option<&'static str> {
    let ins = prog[pc];
    let loads_nr = ins.class() == LD && ins.code & 0xe0 == ABS && ins.k == OFF_NR;
    let came_from_arch_check = states[pc] == Acc::Arch;
    if !(loads_nr && came_from_arch_check) {
        return None;
    }
    // Which arch check jumps here when true?
    prog[..pc].iter().enumerate().find_map(|(from, j)| {
        let is_arch_jeq = j.class() == JMP && j.code & 0xf0 == JEQ && states[from] == Acc::Arch;
        (is_arch_jeq && from + 1 + j.jt as usize == pc).then(|| arch_name(j.k)).flatten()
    })
}

fn word_name(offset: u32, little_endian: bool) -> String {
    match offset {
        OFF_NR => "nr".into(),
        OFF_ARCH => "arch".into(),
        8 | 12 => "instruction_pointer".into(),
        o if (OFF_ARGS..SECCOMP_DATA_SIZE).contains(&o) => {
            let index = (o - OFF_ARGS) / 8;
            let high = arg_offset(index, true, little_endian) == o;
            format!("arg{index}.{}", if high { "hi" } else { "lo" })
        }
        o => format!("[{o}]"),
    }
}

fn arch_name(audit: u32) -> Option<&'static str> {
    Arch::all().find(|a| a.audit_value() == audit && *a != Arch::X32).map(Arch::short_name)
}

fn syscall_name(audit: Option<u32>, nr: u32) -> Option<String> {
    let audit = audit?;
    let arch = if audit == Arch::X86_64.audit_value() && nr & X32_SYSCALL_BIT != 0 {
        Arch::X32
    } else {
        Arch::all().find(|a| a.audit_value() == audit && *a != Arch::X32)?
    };
    catalog::name_of(arch, nr).map(str::to_string)
}

fn describe(pc: usize, ins: &Insn, acc: Acc, little_endian: bool) -> (String, String) {
    let target = |off: u32| format!("L{}", pc + 1 + off as usize);
    match ins.class() {
        LD if ins.code & 0xe0 == ABS => (format!("ld  [{}]", ins.k), word_name(ins.k, little_endian)),
        LD if ins.code & 0xe0 == IMM => (format!("ld  #{:#x}", ins.k), String::new()),
        LD if ins.code & 0xe0 == LEN => ("ld  #len".into(), String::new()),
        ALU if ins.code & 0xf0 == AND => (format!("and #{:#x}", ins.k), String::new()),
        ALU => (format!("alu {:#06x} #{:#x}", ins.code, ins.k), String::new()),
        RET if ins.code & 0x18 == RET_A => ("ret a".into(), String::new()),
        RET => {
            let action = Action::from_ret_value(ins.k).map_or_else(|| format!("{:#x}", ins.k), |a| a.to_string());
            (format!("ret {action}"), String::new())
        }
        JMP if ins.code & 0xf0 == JA => (format!("ja  {}", target(ins.k)), String::new()),
        JMP => {
            let (op, symbol) = match ins.code & 0xf0 {
                JEQ => ("jeq", "=="),
                JGT => ("jgt", ">"),
                JGE => ("jge", ">="),
                _ => ("jset", "&"),
            };
            let value = match acc {
                Acc::Nr { .. } if ins.k < X32_SYSCALL_BIT => ins.k.to_string(),
                _ => format!("{:#x}", ins.k),
            };
            let branch = |off: u8| if off == 0 { "next".to_string() } else { target(u32::from(off)) };
            let text = format!("{op} #{value:<10} true: {:<6} false: {}", branch(ins.jt), branch(ins.jf));
            let comment = match acc {
                Acc::Arch => format!("arch == {}", arch_name(ins.k).unwrap_or("unknown arch")),
                Acc::Nr { audit } => match syscall_name(audit, ins.k) {
                    Some(name) => format!("nr {symbol} {value} ({name})"),
                    None => format!("nr {symbol} {value}"),
                },
                Acc::Word { offset } => format!("{} {symbol} {:#x}", word_name(offset, little_endian), ins.k),
                Acc::Unknown => String::new(),
            };
            (text, comment)
        }
        _ => (format!("{:#06x} {} {} {:#x}", ins.code, ins.jt, ins.jf, ins.k), String::new()),
    }
}
