//! Structure-aware mutations: edits of a real file with tokens of its own language, so most
//! cases get past the first syntax check and reach the readers behind it.

use proptest::prelude::*;

/// One edit: where (a fraction of the length), what, with which token.
#[derive(Debug, Clone)]
pub struct Edit {
    at: u16,
    kind: u8,
    token: usize,
    len: u16,
}

pub fn edits() -> impl Strategy<Value = Vec<Edit>> {
    proptest::collection::vec(
        (any::<u16>(), 0u8..5, any::<usize>(), 0u16..200).prop_map(|(at, kind, token, len)| Edit {
            at,
            kind,
            token,
            len,
        }),
        1..6,
    )
}

/// Applies the edits to `text` (on bytes; invalid UTF-8 is replaced, as a reader would see it
/// after its own check).
pub fn apply(text: &str, edits: &[Edit], tokens: &[&str]) -> String {
    let mut bytes = text.as_bytes().to_vec();
    for e in edits {
        let at = bytes.len() * usize::from(e.at) / usize::from(u16::MAX).max(1);
        let end = (at + usize::from(e.len)).min(bytes.len());
        let token = tokens[e.token % tokens.len()].as_bytes();
        match e.kind {
            0 => drop(bytes.drain(at..end)),
            1 => {
                let copy = bytes[at..end].to_vec();
                bytes.splice(at..at, copy);
            }
            2 => drop(bytes.splice(at..at, token.iter().copied())),
            3 => drop(bytes.splice(at..end, token.iter().copied())),
            _ => {
                if let Some(b) = bytes.get_mut(at) {
                    *b ^= 1 << (e.len % 8);
                }
            }
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

pub const JSON_TOKENS: &[&str] = &[
    "{",
    "}",
    "[",
    "]",
    ",",
    ":",
    "\"",
    "\\u0000",
    "\\ud800",
    "null",
    "1e999999",
    "-0",
    "18446744073709551616",
    "\"syscalls\": [",
    "\"names\": [\"read\", \"read\"",
    "\"action\": \"SCMP_ACT_NOTIFY\"",
    "\"defaultAction\": \"SCMP_ACT_ALLOW\",",
    "{\"names\": [\"getpid\"], \"action\": \"SCMP_ACT_ALLOW\"},",
    "\"args\": [{\"index\": 7, \"value\": 1, \"valueTwo\": 2, \"op\": \"SCMP_CMP_MASKED_EQ\"}]",
    "\"includes\": {\"caps\": [\"CAP_SYS_ADMIN\"], \"minKernel\": \"99.1\"}",
    "\"errnoRet\": 4095",
    "\"architectures\": [\"SCMP_ARCH_X32\", \"SCMP_ARCH_BOGUS\"]",
    "\"baseProfileName\": \"x\"",
    "\u{feff}",
    "é",
];

pub const YAML_TOKENS: &[&str] = &[
    "  ",
    "- ",
    ": ",
    "\n",
    "[",
    "]",
    "{",
    "}",
    "---\n",
    "&a ",
    "*a",
    "!!binary ",
    "? ",
    "|\n",
    "\t",
    "\"",
    "'",
    "#",
    "baseProfileName: app\n",
    "  - names: [read, read]\n    action: SCMP_ACT_ALLOW\n",
    "defaultAction: SCMP_ACT_LOG\n",
    "x: &a [*a, *a]\n",
    "kind: SeccompProfile\n",
    "apiVersion: security-profiles-operator.x-k8s.io/v1beta1\n",
    "localhostProfile: ../../etc/passwd",
    "type: Localhost\n",
    "seccompProfile:\n",
    "0x10",
    "~",
    "é",
];

pub const LOG_TOKENS: &[&str] = &[
    " syscall=",
    "999999999999",
    " arch=c000003e",
    " arch=40000003",
    " comm=\"",
    "\"",
    " exe=",
    " pid=",
    "type=SECCOMP ",
    "audit(",
    "):",
    " sig=31",
    " code=0x7ffc0000",
    " callbacks suppressed",
    "audit_lost=",
    "\u{0}",
    "=",
    " ",
    "é",
];
