//! The disagreements between explain and the real runtimes on main before issue 16's runtime
//! context lands (runc 1.1.5, crun 1.8.1, Debian's libseccomp 2.5.4 on this machine).
//!
//! Two causes, as the issue says. Names unknown to the runtime's libseccomp (statmount,
//! listmount, mseal, setxattrat; Debian's 2.5.4 knows cachestat, fchmodat2 and futex_wake) are
//! skipped, so they get the default action (ERRNO(1), or ENOSYS from runc's stub where it
//! exists), and an ERRNO rule naming them does nothing. runc 1.1.5 builds no ENOSYS stub for a
//! profile without `architectures`, so numbers above the table get the default errno.
//!
//! Delete this file (and its test) once `explain_agrees_with_runc_and_crun` passes.

/// (profile, column, calls) where explain and the runtime disagreed on main at da8c903.
pub const BEFORE_ISSUE_16: &[(&str, &str, &[&str])] = &[
    (
        "moby default (no architectures)",
        "runc/containerd",
        &[
            "x86_64 statmount(0,0,0,0)",
            "x86_64 listmount(0,0,0,0)",
            "x86_64 mseal(0,0,0)",
            "x86_64 setxattrat(-1,0,0,0,0,0)",
            "x86_64 #470",
            "x86_64 #999",
            "x86_64 #9999",
        ],
    ),
    (
        "moby default (no architectures)",
        "runc/docker",
        &[
            "x86_64 statmount(0,0,0,0)",
            "x86_64 listmount(0,0,0,0)",
            "x86_64 mseal(0,0,0)",
            "x86_64 setxattrat(-1,0,0,0,0,0)",
            "x86 mseal(0,0,0)",
            "x32 mseal(0,0,0)",
        ],
    ),
    (
        "moby default (no architectures)",
        "crun/podman",
        &[
            "x86_64 statmount(0,0,0,0)",
            "x86_64 listmount(0,0,0,0)",
            "x86_64 mseal(0,0,0)",
            "x86_64 setxattrat(-1,0,0,0,0,0)",
            "x86 mseal(0,0,0)",
            "x32 mseal(0,0,0)",
        ],
    ),
    (
        "moby default + architectures x86_64,x86,x32",
        "runc/containerd",
        &[
            "x86_64 statmount(0,0,0,0)",
            "x86_64 listmount(0,0,0,0)",
            "x86_64 mseal(0,0,0)",
            "x86_64 setxattrat(-1,0,0,0,0,0)",
            "x86 mseal(0,0,0)",
            "x32 mseal(0,0,0)",
        ],
    ),
    (
        "moby default + architectures x86_64,x86,x32",
        "runc/docker",
        &[
            "x86_64 statmount(0,0,0,0)",
            "x86_64 listmount(0,0,0,0)",
            "x86_64 mseal(0,0,0)",
            "x86_64 setxattrat(-1,0,0,0,0,0)",
            "x86 mseal(0,0,0)",
            "x32 mseal(0,0,0)",
        ],
    ),
    (
        "moby default + architectures x86_64,x86,x32",
        "crun/podman",
        &[
            "x86_64 statmount(0,0,0,0)",
            "x86_64 listmount(0,0,0,0)",
            "x86_64 mseal(0,0,0)",
            "x86_64 setxattrat(-1,0,0,0,0,0)",
            "x86 mseal(0,0,0)",
            "x32 mseal(0,0,0)",
        ],
    ),
    (
        "moby default + defaultErrnoRet 38",
        "runc/containerd",
        &[
            "x86_64 statmount(0,0,0,0)",
            "x86_64 listmount(0,0,0,0)",
            "x86_64 mseal(0,0,0)",
            "x86_64 setxattrat(-1,0,0,0,0,0)",
        ],
    ),
    (
        "moby default + defaultErrnoRet 38",
        "runc/docker",
        &[
            "x86_64 statmount(0,0,0,0)",
            "x86_64 listmount(0,0,0,0)",
            "x86_64 mseal(0,0,0)",
            "x86_64 setxattrat(-1,0,0,0,0,0)",
            "x86 mseal(0,0,0)",
        ],
    ),
    (
        "moby default + defaultErrnoRet 38",
        "crun/podman",
        &[
            "x86_64 statmount(0,0,0,0)",
            "x86_64 listmount(0,0,0,0)",
            "x86_64 mseal(0,0,0)",
            "x86_64 setxattrat(-1,0,0,0,0,0)",
            "x86 mseal(0,0,0)",
        ],
    ),
    ("conditions.json (allow default)", "runc/containerd", &["x86_64 statmount(0,0,0,0)", "x86_64 mseal(0,0,0)"]),
    ("conditions.json (allow default)", "runc/docker", &["x86_64 statmount(0,0,0,0)", "x86_64 mseal(0,0,0)"]),
    ("conditions.json (allow default)", "crun/podman", &["x86_64 statmount(0,0,0,0)", "x86_64 mseal(0,0,0)"]),
];
