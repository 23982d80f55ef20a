//! Classic BPF instructions (`struct sock_filter`) and the `seccomp_data` layout.

/// One `struct sock_filter`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Insn {
    pub code: u16,
    pub jt: u8,
    pub jf: u8,
    pub k: u32,
}

// Instruction classes and fields (linux/filter.h, linux/bpf_common.h).
pub const LD: u16 = 0x00;
pub const LDX: u16 = 0x01;
pub const ST: u16 = 0x02;
pub const STX: u16 = 0x03;
pub const ALU: u16 = 0x04;
pub const JMP: u16 = 0x05;
pub const RET: u16 = 0x06;
pub const MISC: u16 = 0x07;

pub const W: u16 = 0x00;
pub const ABS: u16 = 0x20;
pub const IMM: u16 = 0x00;
pub const MEM: u16 = 0x60;
pub const LEN: u16 = 0x80;

pub const ADD: u16 = 0x00;
pub const SUB: u16 = 0x10;
pub const MUL: u16 = 0x20;
pub const DIV: u16 = 0x30;
pub const OR: u16 = 0x40;
pub const AND: u16 = 0x50;
pub const LSH: u16 = 0x60;
pub const RSH: u16 = 0x70;
pub const NEG: u16 = 0x80;
pub const MOD: u16 = 0x90;
pub const XOR: u16 = 0xa0;

pub const JA: u16 = 0x00;
pub const JEQ: u16 = 0x10;
pub const JGT: u16 = 0x20;
pub const JGE: u16 = 0x30;
pub const JSET: u16 = 0x40;

pub const K: u16 = 0x00;
pub const X: u16 = 0x08;
/// `BPF_RET | BPF_A`
pub const RET_A: u16 = 0x10;
pub const TAX: u16 = 0x00;
pub const TXA: u16 = 0x80;

/// The kernel refuses filters longer than this (`BPF_MAXINSNS`).
pub const MAX_INSNS: usize = 4096;

/// `struct seccomp_data` offsets.
pub const OFF_NR: u32 = 0;
pub const OFF_ARCH: u32 = 4;
pub const OFF_IP: u32 = 8;
pub const OFF_ARGS: u32 = 16;
pub const SECCOMP_DATA_SIZE: u32 = 64;

impl Insn {
    pub const fn stmt(code: u16, k: u32) -> Insn {
        Insn { code, jt: 0, jf: 0, k }
    }

    pub const fn jump(code: u16, k: u32, jt: u8, jf: u8) -> Insn {
        Insn { code, jt, jf, k }
    }

    pub fn class(&self) -> u16 {
        self.code & 0x07
    }

    /// A conditional jump (`jt`/`jf` used).
    pub fn is_cond_jump(&self) -> bool {
        self.class() == JMP && self.code & 0xf0 != JA
    }

    /// The 8 bytes of `struct sock_filter` in the given byte order.
    pub fn to_bytes(self, little_endian: bool) -> [u8; 8] {
        let mut out = [0u8; 8];
        let (code, k) = if little_endian {
            (self.code.to_le_bytes(), self.k.to_le_bytes())
        } else {
            (self.code.to_be_bytes(), self.k.to_be_bytes())
        };
        out[0..2].copy_from_slice(&code);
        out[2] = self.jt;
        out[3] = self.jf;
        out[4..8].copy_from_slice(&k);
        out
    }

    pub fn from_bytes(b: &[u8; 8], little_endian: bool) -> Insn {
        let code = [b[0], b[1]];
        let k = [b[4], b[5], b[6], b[7]];
        if little_endian {
            Insn { code: u16::from_le_bytes(code), jt: b[2], jf: b[3], k: u32::from_le_bytes(k) }
        } else {
            Insn { code: u16::from_be_bytes(code), jt: b[2], jf: b[3], k: u32::from_be_bytes(k) }
        }
    }
}

/// Offset of the low or high 32-bit word of argument `index` in `seccomp_data`.
pub fn arg_offset(index: u32, high: bool, little_endian: bool) -> u32 {
    let base = OFF_ARGS + 8 * index;
    if high == little_endian { base + 4 } else { base }
}

/// Decodes a whole program from raw bytes (8 per instruction).
pub fn decode_program(bytes: &[u8], little_endian: bool) -> Option<Vec<Insn>> {
    if bytes.len() % 8 != 0 {
        return None;
    }
    Some(bytes.chunks_exact(8).map(|c| Insn::from_bytes(c.try_into().expect("8 bytes"), little_endian)).collect())
}

/// Encodes a whole program as raw bytes.
pub fn encode_program(prog: &[Insn], little_endian: bool) -> Vec<u8> {
    prog.iter().flat_map(|i| i.to_bytes(little_endian)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoding_round_trips() {
        let i = Insn::jump(JMP | JGE | K, 0x4000_0000, 3, 200);
        assert_eq!(Insn::from_bytes(&i.to_bytes(true), true), i);
        assert_eq!(i.to_bytes(true), [0x35, 0, 3, 200, 0, 0, 0, 0x40]);
        assert_eq!(decode_program(&encode_program(&[i, i], false), false).unwrap(), vec![i, i]);
    }

    #[test]
    fn argument_words() {
        assert_eq!(arg_offset(0, false, true), 16);
        assert_eq!(arg_offset(0, true, true), 20);
        assert_eq!(arg_offset(5, true, false), 56);
    }
}
