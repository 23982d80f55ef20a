//! Table tests for the evaluator: every op, overlaps, 64-bit values, each arch and engine.
//!
//! Expected values follow from the semantics in DESIGN §3 (libseccomp 2.5's rule merging,
//! runc's ENOSYS stub, each engine's preparation), worked out by hand for each line.
//! Line format: `profile context arch syscall [args…] => ACTION`, where context is an engine
//! with optional `/native-arch`, `+CAP_X` (added to the engine's default caps), `-nocaps`, `@kernel`.

use crate::support::root;
use seccompose::catalog::{self, Arch};
use seccompose::policy::context::{Context, Engine, running_kernel};
use seccompose::policy::evaluator::Evaluator;
use seccompose::profile::{Document, KernelVersion};

const OPS: &str = r#"{
  "defaultAction": "SCMP_ACT_ERRNO",
  "architectures": ["SCMP_ARCH_X86", "SCMP_ARCH_AARCH64", "SCMP_ARCH_X32"],
  "syscalls": [
    {"names": ["execve", "exit", "exit_group"], "action": "SCMP_ACT_ALLOW"},
    {"names": ["read"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 5, "op": "SCMP_CMP_EQ"}]},
    {"names": ["write"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 7, "op": "SCMP_CMP_NE"}]},
    {"names": ["close"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 10, "op": "SCMP_CMP_LT"}]},
    {"names": ["dup"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 10, "op": "SCMP_CMP_LE"}]},
    {"names": ["dup3"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 2, "value": 4294967296, "op": "SCMP_CMP_GE"}]},
    {"names": ["pipe2"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 1, "value": 4294967295, "op": "SCMP_CMP_GT"}]},
    {"names": ["fcntl"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 1, "value": 65280, "valueTwo": 4608, "op": "SCMP_CMP_MASKED_EQ"}]},
    {"names": ["lseek"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 2, "value": 64424509440, "valueTwo": 4294967296, "op": "SCMP_CMP_MASKED_EQ"}]},
    {"names": ["mmap"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 0, "op": "SCMP_CMP_EQ"}, {"index": 2, "value": 3, "op": "SCMP_CMP_EQ"}]},
    {"names": ["kill"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 1, "value": 9, "op": "SCMP_CMP_EQ"}, {"index": 1, "value": 15, "op": "SCMP_CMP_EQ"}]},
    {"names": ["getppid"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13},
    {"names": ["uname"], "action": "SCMP_ACT_TRAP"},
    {"names": ["getpid"], "action": "SCMP_ACT_KILL_PROCESS"},
    {"names": ["gettid"], "action": "SCMP_ACT_KILL"},
    {"names": ["getuid"], "action": "SCMP_ACT_LOG"},
    {"names": ["getgid"], "action": "SCMP_ACT_TRACE", "errnoRet": 3},
    {"names": ["geteuid"], "action": "SCMP_ACT_TRACE"},
    {"names": ["getegid"], "action": "SCMP_ACT_ERRNO"}
  ]
}"#;

const OVERLAP: &str = r#"{
  "defaultAction": "SCMP_ACT_ERRNO",
  "syscalls": [
    {"names": ["execve", "exit_group"], "action": "SCMP_ACT_ALLOW"},
    {"names": ["clone3"], "action": "SCMP_ACT_ALLOW"},
    {"names": ["clone3"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38},
    {"names": ["setns"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38},
    {"names": ["setns"], "action": "SCMP_ACT_ALLOW"},
    {"names": ["personality"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 8, "op": "SCMP_CMP_EQ"}]},
    {"names": ["personality"], "action": "SCMP_ACT_LOG"},
    {"names": ["ioctl"], "action": "SCMP_ACT_ALLOW"},
    {"names": ["ioctl"], "action": "SCMP_ACT_ERRNO", "errnoRet": 25, "args": [{"index": 1, "value": 21505, "op": "SCMP_CMP_EQ"}]},
    {"names": ["prctl"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_EQ"}]},
    {"names": ["prctl"], "action": "SCMP_ACT_ERRNO", "errnoRet": 5, "args": [{"index": 0, "value": 2, "op": "SCMP_CMP_EQ"}]},
    {"names": ["getppid"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_EQ"}]},
    {"names": ["getppid"], "action": "SCMP_ACT_ERRNO", "errnoRet": 9, "args": [{"index": 1, "value": 2, "op": "SCMP_CMP_EQ"}]},
    {"names": ["getpriority"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 10, "op": "SCMP_CMP_GE"}]},
    {"names": ["getpriority"], "action": "SCMP_ACT_ERRNO", "errnoRet": 7, "args": [{"index": 0, "value": 20, "op": "SCMP_CMP_GE"}]},
    {"names": ["getpgid"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 3, "op": "SCMP_CMP_EQ"}]},
    {"names": ["getpgid"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 3, "op": "SCMP_CMP_EQ"}]},
    {"names": ["mount"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}
  ]
}"#;

const NET: &str = r#"{
  "defaultAction": "SCMP_ACT_ERRNO",
  "architectures": ["SCMP_ARCH_X86"],
  "syscalls": [
    {"names": ["execve", "exit_group"], "action": "SCMP_ACT_ALLOW"},
    {"names": ["socket"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_EQ"}]},
    {"names": ["accept"], "action": "SCMP_ACT_ALLOW"},
    {"names": ["shmget"], "action": "SCMP_ACT_ALLOW"},
    {"names": ["sendto"], "action": "SCMP_ACT_ERRNO", "errnoRet": 5}
  ]
}"#;

const NAMES: &str = r#"{
  "defaultAction": "SCMP_ACT_ERRNO",
  "defaultErrno": "ENOSYS",
  "syscalls": [
    {"names": ["execve", "exit_group"], "action": "SCMP_ACT_ALLOW"},
    {"names": ["mount"], "action": "SCMP_ACT_ERRNO", "errno": "EACCES"},
    {"names": ["umount2"], "action": "SCMP_ACT_ERRNO", "errnoRet": 16, "errno": "EACCES"},
    {"name": "ptrace", "action": "SCMP_ACT_ALLOW"}
  ]
}"#;

const CASES: &str = "
# errno names are read by podman only (and win over errnoRet); the deprecated `name` by docker and podman only
names podman x86_64 mount => ERRNO(13)
names podman x86_64 umount2 => ERRNO(13)
names podman x86_64 reboot => ERRNO(38)
names podman x86_64 ptrace => ALLOW
names docker x86_64 mount => ERRNO(1)
names docker x86_64 umount2 => ERRNO(16)
names docker x86_64 reboot => ERRNO(1)
names docker x86_64 ptrace => ALLOW
names containerd x86_64 ptrace => ERRNO(1)
names containerd x86_64 mount => ERRNO(1)
names oci x86_64 umount2 => ERRNO(16)
# every op on arg0/1/2, 64-bit compare on x86_64 and aarch64, low word on x86 and x32
ops oci x86_64 read 5 => ALLOW
ops oci x86_64 read 4 => ERRNO(1)
ops oci x86_64 read 6 => ERRNO(1)
ops oci x86_64 read 0x100000005 => ERRNO(1)
ops oci x86_64 read 0xffffffff00000005 => ERRNO(1)
ops oci x86 read 5 => ALLOW
ops oci x86 read 0x100000005 => ALLOW
ops oci x86 read 4 => ERRNO(1)
ops oci aarch64 read 5 => ALLOW
ops oci aarch64 read 0x100000005 => ERRNO(1)
ops oci x32 read 5 => ALLOW
ops oci x32 read 0x100000005 => ALLOW
ops oci x32 read 6 => ERRNO(1)
ops oci x86_64 write 7 => ERRNO(1)
ops oci x86_64 write 6 => ALLOW
ops oci x86_64 write 8 => ALLOW
ops oci x86_64 write 0 => ALLOW
ops oci x86_64 write 0x100000007 => ALLOW
ops oci x86 write 0x100000007 => ERRNO(1)
ops oci x86 write 8 => ALLOW
ops oci aarch64 write 7 => ERRNO(1)
ops oci aarch64 write 0x700000007 => ALLOW
ops oci x86_64 close 9 => ALLOW
ops oci x86_64 close 0 => ALLOW
ops oci x86_64 close 10 => ERRNO(1)
ops oci x86_64 close 11 => ERRNO(1)
ops oci x86_64 close 0x100000000 => ERRNO(1)
ops oci x86_64 close 0xffffffffffffffff => ERRNO(1)
ops oci x86 close 0x100000000 => ALLOW
ops oci x86 close 10 => ERRNO(1)
ops oci aarch64 close 0x100000009 => ERRNO(1)
ops oci aarch64 close 9 => ALLOW
ops oci x86_64 dup 10 => ALLOW
ops oci x86_64 dup 9 => ALLOW
ops oci x86_64 dup 11 => ERRNO(1)
ops oci x86_64 dup 0x10000000a => ERRNO(1)
ops oci x86 dup 0x10000000a => ALLOW
ops oci x86 dup 11 => ERRNO(1)
ops oci aarch64 dup 0 => ALLOW
ops oci x86_64 dup3 0 0 0x100000000 => ALLOW
ops oci x86_64 dup3 0 0 0xffffffff => ERRNO(1)
ops oci x86_64 dup3 0 0 0x100000001 => ALLOW
ops oci x86_64 dup3 0 0 0 => ERRNO(1)
ops oci x86_64 dup3 0 0 0xffffffffffffffff => ALLOW
ops oci x86_64 dup3 0 0 0x200000000 => ALLOW
ops oci x86 dup3 0 0 0 => ALLOW
ops oci x86 dup3 0 0 7 => ALLOW
ops oci aarch64 dup3 0 0 0xffffffff => ERRNO(1)
ops oci aarch64 dup3 0 0 0x100000000 => ALLOW
ops oci x86_64 pipe2 0 0xffffffff => ERRNO(1)
ops oci x86_64 pipe2 0 0x100000000 => ALLOW
ops oci x86_64 pipe2 0 0 => ERRNO(1)
ops oci x86_64 pipe2 0 0xfffffffe => ERRNO(1)
ops oci x86_64 pipe2 0 0x1fffffffe => ALLOW
ops oci x86 pipe2 0 0x100000000 => ERRNO(1)
ops oci x86 pipe2 0 0xffffffff => ERRNO(1)
ops oci aarch64 pipe2 0 0x100000000 => ALLOW
ops oci x86_64 fcntl 0 0x1234 => ALLOW
ops oci x86_64 fcntl 0 0x12ff => ALLOW
ops oci x86_64 fcntl 0 0x1200 => ALLOW
ops oci x86_64 fcntl 0 0x1300 => ERRNO(1)
ops oci x86_64 fcntl 0 0x34 => ERRNO(1)
ops oci x86_64 fcntl 0 0x100001234 => ALLOW
ops oci x86 fcntl 0 0x1234 => ALLOW
ops oci x86 fcntl 0 0x2234 => ERRNO(1)
ops oci aarch64 fcntl 0 0xff1200 => ALLOW
ops oci x86_64 lseek 0 0 0x100000000 => ALLOW
ops oci x86_64 lseek 0 0 0x1ffffffff => ALLOW
ops oci x86_64 lseek 0 0 0x200000000 => ERRNO(1)
ops oci x86_64 lseek 0 0 0 => ERRNO(1)
ops oci x86_64 lseek 0 0 0xf100000000 => ALLOW
ops oci x86 lseek 0 0 0 => ALLOW
ops oci x86 lseek 0 0 5 => ALLOW
ops oci aarch64 lseek 0 0 0x300000000 => ERRNO(1)
ops oci x86_64 mmap 0 0 3 => ALLOW
ops oci x86_64 mmap 0 7 3 => ALLOW
ops oci x86_64 mmap 0 0 1 => ERRNO(1)
ops oci x86_64 mmap 1 0 3 => ERRNO(1)
ops oci x86_64 mmap 0x100000000 0 3 => ERRNO(1)
ops oci x86 mmap 0x100000000 0 3 => ALLOW
ops oci x86_64 kill 1 9 => ALLOW
ops oci x86_64 kill 1 15 => ALLOW
ops oci x86_64 kill 1 2 => ERRNO(1)
ops oci x86_64 kill 1 0x100000009 => ERRNO(1)
ops oci x86 kill 1 0x100000009 => ALLOW
ops oci aarch64 kill 0 15 => ALLOW
# every action, and errno defaults
ops oci x86_64 getppid => ERRNO(13)
ops oci x86_64 uname => TRAP
ops oci x86_64 getpid => KILL_PROCESS
ops oci x86_64 gettid => KILL_THREAD
ops oci x86_64 getuid => LOG
ops oci x86_64 getgid => TRACE(3)
ops oci x86_64 geteuid => TRACE(1)
ops oci x86_64 getegid => ERRNO(1)
ops oci x86_64 execve => ALLOW
ops oci x86 getppid => ERRNO(13)
ops oci aarch64 uname => TRAP
ops oci x32 getpid => KILL_PROCESS
ops podman x86_64 getppid => ERRNO(13)
ops containerd x86_64 gettid => KILL_THREAD
# architectures outside the filter are killed; x32 only when listed
ops oci arm read 5 => KILL_THREAD
ops oci riscv64 read 5 => KILL_THREAD
ops oci ppc64le read 5 => KILL_THREAD
ops oci/aarch64 x86_64 read 5 => KILL_THREAD
ops oci/aarch64 aarch64 read 5 => ALLOW
ops oci/aarch64 x86 read 5 => ALLOW
overlap oci x86 execve => KILL_THREAD
overlap oci x32 execve => KILL_THREAD
overlap oci x86_64 execve => ALLOW
# runc's ENOSYS stub: above the largest syscall the profile names (pipe2 = 293 on x86_64)
ops oci x86_64 #293 0 0x100000000 => ALLOW
ops oci x86_64 #294 => ERRNO(38)
ops oci x86_64 #300 => ERRNO(38)
ops oci x86_64 #250 => ERRNO(1)
ops oci x86_64 #1000 => ERRNO(38)
ops oci x86 #331 0 0x100000000 => ERRNO(1)
ops oci x86 #332 => ERRNO(38)
ops oci x86 #359 => ERRNO(38)
ops oci x86 #300 => ERRNO(1)
ops oci x32 #600 => ERRNO(38)
ops oci x32 #300 => ERRNO(1)
ops oci aarch64 #500 => ERRNO(38)
ops oci x86_64 #4294967295 => ERRNO(38)
ops podman x86_64 #1000 => ERRNO(1)
ops podman x86_64 #300 => ERRNO(1)
ops podman x86 #332 => ERRNO(1)
# overlapping rules: libseccomp's merge decides
overlap oci x86_64 clone3 => ALLOW
overlap oci x86_64 setns => ERRNO(38)
overlap oci x86_64 personality 8 => LOG
overlap oci x86_64 personality 0 => LOG
overlap oci x86_64 personality 1 => LOG
overlap oci x86_64 ioctl 0 21505 => ALLOW
overlap oci x86_64 ioctl 0 1 => ALLOW
overlap oci x86_64 prctl 1 => ALLOW
overlap oci x86_64 prctl 2 => ERRNO(5)
overlap oci x86_64 prctl 3 => ERRNO(1)
overlap oci x86_64 prctl 0x100000001 => ERRNO(1)
overlap oci x86_64 getppid 1 2 => ERRNO(9)
overlap oci x86_64 getppid 1 3 => ALLOW
overlap oci x86_64 getppid 0 2 => ERRNO(9)
overlap oci x86_64 getppid 0 0 => ERRNO(1)
overlap oci x86_64 getpriority 15 => ALLOW
overlap oci x86_64 getpriority 10 => ALLOW
overlap oci x86_64 getpriority 20 => ERRNO(7)
overlap oci x86_64 getpriority 25 => ERRNO(7)
overlap oci x86_64 getpriority 5 => ERRNO(1)
overlap oci x86_64 getpriority 0x100000000 => ERRNO(7)
overlap oci x86_64 getpgid 3 => ALLOW
overlap oci x86_64 getpgid 4 => ERRNO(1)
overlap oci x86_64 mount => ERRNO(1)
overlap podman x86_64 clone3 => ALLOW
overlap docker x86_64 setns => ERRNO(38)
# socket and IPC multiplexing on x86
net oci x86_64 socket 1 => ALLOW
net oci x86_64 socket 2 => ERRNO(1)
# runc's stub counts no socket/IPC name on x86 (libseccomp resolves them to pseudo-numbers),
# so the direct calls (359 and up) are above the largest named syscall: ENOSYS, and libc
# falls back to socketcall. crun (podman) has no stub and shows the rules themselves.
net oci x86 socket 1 => ERRNO(38)
net oci x86 socket 2 => ERRNO(38)
net oci x86 sendto => ERRNO(38)
net oci x86 accept4 => ERRNO(38)
net oci x86 shmget => ERRNO(38)
net podman x86 socket 1 => ALLOW
net podman x86 socket 2 => ERRNO(1)
net podman x86 sendto => ERRNO(5)
net podman x86 accept4 => ERRNO(1)
net podman x86 shmget => ALLOW
net podman x86 socket 1 0 0 0 0 0 => ALLOW
net oci x86 socketcall 1 => ALLOW
net oci x86 socketcall 1 0xdead => ALLOW
net oci x86 socketcall 2 => ERRNO(1)
net oci x86 socketcall 5 => ALLOW
net oci x86 socketcall 11 => ERRNO(5)
net oci x86_64 accept => ALLOW
net oci x86 ipc 23 => ALLOW
net oci x86 ipc 21 => ERRNO(1)
net oci x86_64 shmget => ALLOW
net oci x86_64 sendto => ERRNO(5)
net oci x86 #102 18 => ERRNO(1)
# moby's default profile (Docker's RuntimeDefault) under each engine
moby docker x86_64 mount => ERRNO(1)
moby docker x86_64 chroot => ALLOW
moby docker x86_64 personality 8 => ALLOW
moby docker x86_64 personality 0 => ALLOW
moby docker x86_64 personality 0x20000 => ALLOW
moby docker x86_64 personality 0x20008 => ALLOW
moby docker x86_64 personality 0xffffffff => ALLOW
moby docker x86_64 personality 1 => ERRNO(1)
moby docker x86_64 personality 0x100000008 => ERRNO(1)
moby docker x86 personality 0x100000008 => ALLOW
moby docker x86 personality 1 => ERRNO(1)
moby docker x86_64 socket 40 => ERRNO(1)
moby docker x86_64 socket 2 => ALLOW
moby docker x86_64 socket 16 => ALLOW
moby docker x86_64 clone3 => ERRNO(38)
moby docker x86_64 read => ALLOW
moby docker x86_64 execve => ALLOW
moby docker x86_64 ptrace => ALLOW
moby docker@4.4 x86_64 ptrace => ERRNO(1)
moby docker x86_64 bpf => ERRNO(1)
moby docker x86_64 unshare => ERRNO(1)
moby docker x86_64 kexec_load => ERRNO(1)
moby docker x86_64 reboot => ERRNO(1)
moby docker x86_64 clone 0x11 => ALLOW
moby docker x86_64 clone 0x10000011 => ERRNO(1)
moby docker x86_64 clone 0x20000 => ERRNO(1)
moby docker x86_64 arch_prctl => ALLOW
moby docker x86_64 modify_ldt => ALLOW
moby docker x86_64 open_by_handle_at => ERRNO(1)
moby docker+CAP_DAC_READ_SEARCH x86_64 open_by_handle_at => ALLOW
moby docker+CAP_SYS_ADMIN x86_64 mount => ALLOW
moby docker+CAP_SYS_ADMIN x86_64 clone3 => ALLOW
moby docker+CAP_SYS_ADMIN x86_64 bpf => ALLOW
moby docker+CAP_SYS_ADMIN x86_64 unshare => ALLOW
moby docker+CAP_SYS_ADMIN x86_64 clone 0x10000011 => ALLOW
moby docker+CAP_BPF x86_64 bpf => ALLOW
moby docker+CAP_SYS_BOOT x86_64 reboot => ALLOW
moby docker+CAP_SYS_MODULE x86_64 init_module => ALLOW
moby docker x86_64 init_module => ERRNO(1)
moby docker-nocaps x86_64 chroot => ERRNO(1)
moby docker-nocaps x86_64 read => ALLOW
moby docker x86 socketcall 1 => ALLOW
moby docker x86 mount => ERRNO(1)
moby docker x32 read => ALLOW
moby docker x32 mount => ERRNO(1)
moby docker x86_64 #1000 => ERRNO(38)
moby podman x86_64 #1000 => ERRNO(1)
moby podman x86_64 clone3 => ERRNO(38)
moby podman x86_64 mount => ERRNO(1)
moby podman@4.4 x86_64 ptrace => ALLOW
moby docker@4.4 x86_64 process_vm_readv => ERRNO(1)
moby podman/riscv64 riscv64 read => ALLOW
moby containerd x86_64 mount => ALLOW
moby containerd x86_64 clone3 => ALLOW
moby containerd x86_64 bpf => ALLOW
moby containerd x86_64 unshare => ALLOW
moby containerd x86_64 clone 0x10000011 => ALLOW
moby containerd x86_64 ptrace => ALLOW
moby containerd x86_64 open_by_handle_at => ALLOW
moby containerd x86_64 personality 1 => ERRNO(1)
moby containerd x86_64 socket 40 => ERRNO(1)
moby containerd x86 read => KILL_THREAD
moby containerd x32 read => KILL_THREAD
moby oci x86_64 mount => ALLOW
moby oci x86_64 kexec_load => ERRNO(1)
moby docker/aarch64 aarch64 personality 8 => ALLOW
moby docker/aarch64 aarch64 mount => ERRNO(1)
moby docker/aarch64 arm personality 8 => ALLOW
moby docker/aarch64 arm read => ALLOW
moby docker/aarch64 x86 read => KILL_THREAD
moby docker/aarch64 aarch64 clone3 => ERRNO(38)
moby containerd/aarch64 arm read => KILL_THREAD
# containers-common (Podman, CRI-O) with errno names
cc podman x86_64 kexec_load => ERRNO(1)
cc podman x86_64 #1000 => ERRNO(38)
cc podman x86_64 mount => ALLOW
cc podman x86_64 unshare => ALLOW
cc podman x86_64 personality 8 => ALLOW
cc podman x86_64 personality 9 => ERRNO(38)
cc podman x86_64 open_by_handle_at => ERRNO(1)
cc podman+CAP_DAC_READ_SEARCH x86_64 open_by_handle_at => ALLOW
cc podman x86_64 socket 16 3 9 => ERRNO(22)
cc podman+CAP_AUDIT_WRITE x86_64 socket 16 3 9 => ALLOW
cc docker x86_64 socket 16 3 9 => ALLOW
cc podman-nocaps x86_64 socket 16 3 9 => ERRNO(22)
cc podman-nocaps x86_64 socket 16 3 0 => ALLOW
cc podman-nocaps x86_64 socket 2 1 9 => ALLOW
cc podman-nocaps x86_64 socket 16 3 0x100000009 => ALLOW
cc podman-nocaps x86_64 bpf => ERRNO(1)
cc containerd x86_64 open_by_handle_at => ALLOW
cc containerd x86_64 socket 16 3 9 => ALLOW
cc containerd x86_64 bpf => ALLOW
cc docker x86_64 #1000 => ERRNO(38)
cc docker x86_64 kexec_load => ERRNO(1)
# the Kubernetes tutorial trio
fine oci x86_64 read => ALLOW
fine oci x86_64 execve => ALLOW
fine oci x86_64 mount => ERRNO(1)
fine oci x86_64 ptrace => ERRNO(1)
fine oci x86 read => ALLOW
fine oci aarch64 read => ALLOW
fine containerd x86_64 openat => ALLOW
violation containerd x86_64 execve => ERRNO(1)
violation containerd x86_64 #1000 => ERRNO(1)
violation docker x86_64 read => ERRNO(1)
audit containerd x86_64 mount => LOG
audit containerd x86_64 execve => LOG
audit containerd x86 read => KILL_THREAD
";

fn profile(name: &str) -> Document {
    let text = match name {
        "ops" => OPS.to_string(),
        "overlap" => OVERLAP.to_string(),
        "net" => NET.to_string(),
        "names" => NAMES.to_string(),
        "moby" => std::fs::read_to_string(root().join("tests/fixtures/reference/moby-default.json")).unwrap(),
        "cc" => {
            std::fs::read_to_string(root().join("tests/fixtures/reference/containers-common-seccomp.json")).unwrap()
        }
        "fine" => std::fs::read_to_string(root().join("profiles/fine-grained.json")).unwrap(),
        "violation" => std::fs::read_to_string(root().join("profiles/violation.json")).unwrap(),
        "audit" => std::fs::read_to_string(root().join("profiles/audit.json")).unwrap(),
        other => panic!("unknown profile {other}"),
    };
    let doc = Document::parse(&text, name).unwrap();
    assert!(!doc.has_errors(), "{name}: {:?}", doc.findings);
    doc
}

/// `docker`, `docker/aarch64`, `docker+CAP_SYS_ADMIN`, `docker-nocaps`, `docker@4.4`.
fn context(spec: &str) -> Context {
    let engine_name = spec.split(['/', '+', '-', '@']).next().unwrap();
    let mut ctx = Context {
        native: Arch::X86_64,
        kernel: running_kernel(),
        ..Context::for_engine(Engine::parse(engine_name).unwrap())
    };
    let mut rest = spec;
    if let Some((head, kernel)) = rest.split_once('@') {
        ctx.kernel = KernelVersion::parse(kernel).unwrap();
        rest = head;
    }
    if let Some(head) = rest.strip_suffix("-nocaps") {
        ctx.caps.clear();
        rest = head;
    }
    if let Some((head, cap)) = rest.split_once('+') {
        ctx.caps.insert(cap.to_string());
        rest = head;
    }
    if let Some((head, native)) = rest.split_once('/') {
        ctx.native = Arch::parse(native).unwrap();
        rest = head;
    }
    assert_eq!(ctx.engine, Engine::parse(rest).unwrap());
    ctx
}

fn number(arch: Arch, text: &str) -> u32 {
    match text.strip_prefix('#') {
        Some(n) => n.parse().unwrap(),
        None => catalog::number(arch, text).unwrap_or_else(|| panic!("{text} is not a syscall on {arch}")),
    }
}

fn parse_u64(s: &str) -> u64 {
    match s.strip_prefix("0x") {
        Some(h) => u64::from_str_radix(h, 16).unwrap(),
        None => s.parse().unwrap(),
    }
}

#[test]
fn evaluator_table() {
    let mut checked = 0;
    let mut failures = Vec::new();
    for line in CASES.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')) {
        let (call, expected) = line.split_once(" => ").unwrap();
        let words: Vec<&str> = call.split_whitespace().collect();
        let doc = profile(words[0]);
        let ctx = context(words[1]);
        let arch = Arch::parse(words[2]).unwrap();
        let nr = number(arch, words[3]);
        let mut args = [0u64; 6];
        for (i, a) in words[4..].iter().enumerate() {
            args[i] = parse_u64(a);
        }
        let ev = Evaluator::new(&doc.profile, &ctx).unwrap_or_else(|e| panic!("{line}: {e}"));
        let got = ev.decide(arch, nr, &args).action.to_string();
        if got != expected {
            failures.push(format!("{line}   (got {got})"));
        }
        checked += 1;
    }
    assert!(failures.is_empty(), "{} of {checked} cases failed:\n{}", failures.len(), failures.join("\n"));
    assert!(checked >= 200, "only {checked} cases");
}

#[test]
fn conflicting_conditional_rules_make_the_runtime_refuse() {
    let text = r#"{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
        {"names": ["getsid"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_EQ"}]},
        {"names": ["getsid"], "action": "SCMP_ACT_LOG", "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_EQ"}]}]}"#;
    let doc = Document::parse(text, "conflict").unwrap();
    let err = Evaluator::new(&doc.profile, &context("docker")).unwrap_err();
    assert!(err.to_string().contains("getsid"), "{err}");
}
