//! Runs a seccomp BPF program on a `seccomp_data`, the way the kernel does, counting steps.

use super::insn::*;

/// The input a seccomp filter sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeccompData {
    pub nr: u32,
    pub arch: u32,
    pub instruction_pointer: u64,
    pub args: [u64; 6],
}

impl SeccompData {
    pub fn new(arch: u32, nr: u32, args: [u64; 6]) -> SeccompData {
        SeccompData { nr, arch, instruction_pointer: 0, args }
    }

    /// The 32-bit word at a byte offset, as laid out in memory in the given byte order.
    fn word(&self, offset: u32, little_endian: bool) -> Option<u32> {
        // A 64-bit field occupies two words; which one comes first depends on byte order.
        let half = |v: u64, second: bool| -> u32 {
            let (first, last) = if little_endian { (v as u32, (v >> 32) as u32) } else { ((v >> 32) as u32, v as u32) };
            if second { last } else { first }
        };
        match offset {
            0 => Some(self.nr),
            4 => Some(self.arch),
            8 | 12 => Some(half(self.instruction_pointer, offset == 12)),
            16..=60 if offset % 4 == 0 => {
                let rel = offset - OFF_ARGS;
                Some(half(self.args[(rel / 8) as usize], rel % 8 == 4))
            }
            _ => None,
        }
    }
}

/// The result of running a program.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Run {
    /// The `SECCOMP_RET_*` value returned.
    pub ret: u32,
    /// Instructions executed, the return included.
    pub steps: u32,
    /// Whether any syscall argument (or the instruction pointer) was read: if not, the kernel's
    /// action cache can remember the result for this (arch, nr).
    pub read_args: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmulateError {
    #[error("instruction {0}: jump or fall-through past the end of the program")]
    OutOfBounds(usize),
    #[error("instruction {pc}: load at offset {offset} is outside seccomp_data or unaligned")]
    BadLoad { pc: usize, offset: u32 },
    #[error("instruction {pc}: opcode {code:#06x} is not allowed in seccomp filters")]
    BadOpcode { pc: usize, code: u16 },
    #[error("instruction {0}: division by zero")]
    DivByZero(usize),
}

/// Runs `prog` on `data`. The kernel's checker guarantees forward jumps only, so this ends.
pub fn run(prog: &[Insn], data: &SeccompData, little_endian: bool) -> Result<Run, EmulateError> {
    let (mut a, mut x): (u32, u32) = (0, 0);
    let mut mem = [0u32; 16];
    let mut pc = 0usize;
    let mut steps = 0u32;
    let mut read_args = false;
    loop {
        let ins = *prog.get(pc).ok_or(EmulateError::OutOfBounds(pc))?;
        steps += 1;
        let bad = || EmulateError::BadOpcode { pc, code: ins.code };
        match ins.class() {
            LD | LDX => {
                let value = match ins.code & 0xe0 {
                    ABS if ins.code & 0x18 == W => {
                        if ins.k % 4 != 0 || ins.k >= SECCOMP_DATA_SIZE {
                            return Err(EmulateError::BadLoad { pc, offset: ins.k });
                        }
                        read_args |= ins.k >= OFF_IP;
                        data.word(ins.k, little_endian).ok_or(EmulateError::BadLoad { pc, offset: ins.k })?
                    }
                    IMM => ins.k,
                    MEM => *mem.get(ins.k as usize).ok_or_else(bad)?,
                    LEN => SECCOMP_DATA_SIZE,
                    _ => return Err(bad()),
                };
                if ins.class() == LD {
                    a = value
                } else {
                    x = value
                }
                pc += 1;
            }
            ST | STX => {
                let slot = mem.get_mut(ins.k as usize).ok_or_else(bad)?;
                *slot = if ins.class() == ST { a } else { x };
                pc += 1;
            }
            ALU => {
                let operand = if ins.code & X != 0 { x } else { ins.k };
                a = match ins.code & 0xf0 {
                    ADD => a.wrapping_add(operand),
                    SUB => a.wrapping_sub(operand),
                    MUL => a.wrapping_mul(operand),
                    DIV => a.checked_div(operand).ok_or(EmulateError::DivByZero(pc))?,
                    MOD => a.checked_rem(operand).ok_or(EmulateError::DivByZero(pc))?,
                    OR => a | operand,
                    AND => a & operand,
                    XOR => a ^ operand,
                    LSH => a.checked_shl(operand).unwrap_or(0),
                    RSH => a.checked_shr(operand).unwrap_or(0),
                    NEG => a.wrapping_neg(),
                    _ => return Err(bad()),
                };
                pc += 1;
            }
            JMP => {
                let operand = if ins.code & X != 0 { x } else { ins.k };
                let taken = match ins.code & 0xf0 {
                    JA => {
                        pc = pc + 1 + ins.k as usize;
                        continue;
                    }
                    JEQ => a == operand,
                    JGT => a > operand,
                    JGE => a >= operand,
                    JSET => a & operand != 0,
                    _ => return Err(bad()),
                };
                pc = pc + 1 + if taken { ins.jt as usize } else { ins.jf as usize };
            }
            RET => {
                let ret = if ins.code & 0x18 == RET_A { a } else { ins.k };
                return Ok(Run { ret, steps, read_args });
            }
            MISC => {
                match ins.code & 0xf8 {
                    TAX => x = a,
                    TXA => a = x,
                    _ => return Err(bad()),
                }
                pc += 1;
            }
            _ => return Err(bad()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_a_small_filter() {
        // allow nr 1 when arg0's high word is 0, else ERRNO(1)
        let prog = [
            Insn::stmt(LD | W | ABS, OFF_NR),
            Insn::jump(JMP | JEQ | K, 1, 0, 3),
            Insn::stmt(LD | W | ABS, 20),
            Insn::jump(JMP | JEQ | K, 0, 0, 1),
            Insn::stmt(RET | K, 0x7fff_0000),
            Insn::stmt(RET | K, 0x0005_0001),
        ];
        let run_on = |nr, a0| run(&prog, &SeccompData::new(0, nr, [a0, 0, 0, 0, 0, 0]), true).unwrap();
        assert_eq!(run_on(1, 5), Run { ret: 0x7fff_0000, steps: 5, read_args: true });
        assert_eq!(run_on(1, 1 << 32).ret, 0x0005_0001);
        assert_eq!(run_on(2, 0), Run { ret: 0x0005_0001, steps: 3, read_args: false });
    }

    #[test]
    fn rejects_what_the_kernel_rejects() {
        let prog = [Insn::stmt(LD | W | ABS, 66), Insn::stmt(RET | K, 0)];
        assert!(matches!(run(&prog, &SeccompData::new(0, 0, [0; 6]), true), Err(EmulateError::BadLoad { .. })));
        let prog = [Insn::stmt(LD | W | ABS, 0)];
        assert!(matches!(run(&prog, &SeccompData::new(0, 0, [0; 6]), true), Err(EmulateError::OutOfBounds(1))));
    }
}
