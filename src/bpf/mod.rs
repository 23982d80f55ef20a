//! Seccomp BPF: the compiler (profile -> cBPF), emulator, disassembler and kernel-limit checks.

pub mod alphabetic;
pub mod args;
pub mod compile;
pub mod disasm;
pub mod emulator;
pub mod graph;
pub mod insn;
pub mod layout;
#[cfg(feature = "oracle")]
pub mod reference;
pub mod stats;
pub mod thread;

pub use compile::{CompileError, Compiled, compile};
pub use emulator::{Run, SeccompData, run};
pub use insn::Insn;
