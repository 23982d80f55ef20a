/* syscall-probe: makes raw system calls and prints what the kernel answered, one line per call.
 *
 * Built static by the real-runtime tests (tests/it/real_runtime/) and run inside runc and crun
 * containers, so what it prints is what the runtime's seccomp filter did.
 *
 * Usage: syscall-probe CALL...   where CALL is ABI:NR[:ARG,ARG,...]
 *   ABI  64  the `syscall` instruction (x86_64; add 0x40000000 to NR for an x32 call)
 *        32  `int $0x80` (the i386 ABI; at most five arguments)
 *   NR and ARGs: decimal or 0x hex; a negative number is two's complement.
 *
 * Each call is made in a child forked for it, so a call the filter kills ends only that child.
 * Output, per call: `CALL ok RET`, `CALL errno N`, `CALL trap` (SIGSYS caught: SCMP_ACT_TRAP),
 * `CALL signal N` (the child died of signal N: SIGSYS 31 for SCMP_ACT_KILL*), or
 * `CALL exit N` (the child ended otherwise; never expected).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#if !defined(__x86_64__)
#error "syscall-probe supports x86_64 only"
#endif

enum { PENDING = 0, RETURNED = 1, TRAPPED = 2 };

/* Shared with the children: what the call returned. */
struct result {
    volatile int state;
    volatile long ret;
};

static struct result *shared;

static long raw64(unsigned long nr, const unsigned long a[6]) {
    long ret;
    register unsigned long r10 __asm__("r10") = a[3];
    register unsigned long r8 __asm__("r8") = a[4];
    register unsigned long r9 __asm__("r9") = a[5];
    __asm__ volatile("syscall"
                     : "=a"(ret)
                     : "a"(nr), "D"(a[0]), "S"(a[1]), "d"(a[2]), "r"(r10), "r"(r8), "r"(r9)
                     : "rcx", "r11", "memory");
    return ret;
}

static long raw32(unsigned long nr, const unsigned long a[6]) {
    unsigned int eax = (unsigned int)nr;
    __asm__ volatile("int $0x80"
                     : "+a"(eax)
                     : "b"((unsigned int)a[0]), "c"((unsigned int)a[1]), "d"((unsigned int)a[2]),
                       "S"((unsigned int)a[3]), "D"((unsigned int)a[4])
                     : "r8", "r9", "r10", "r11", "memory");
    return (long)(int)eax;
}

/* SCMP_ACT_TRAP delivers a catchable SIGSYS; the KILL actions reset the handler first. */
static void on_sigsys(int sig, siginfo_t *info, void *ucontext) {
    (void)sig;
    (void)info;
    (void)ucontext;
    shared->state = TRAPPED;
    unsigned long none[6] = {0};
    raw64(SYS_exit_group, none);
}

static int parse(const char *spec, int *abi, unsigned long *nr, unsigned long a[6]) {
    char *end;
    *abi = (int)strtol(spec, &end, 10);
    if ((*abi != 64 && *abi != 32) || *end != ':') return -1;
    *nr = strtoull(end + 1, &end, 0);
    for (int i = 0; i < 6; i++) a[i] = 0;
    if (*end == '\0') return 0;
    if (*end != ':') return -1;
    for (int i = 0; i < 6 && *end != '\0'; i++) {
        a[i] = strtoull(end + 1, &end, 0);
        if (*end != ',' && *end != '\0') return -1;
    }
    return *end == '\0' ? 0 : -1;
}

static void probe(const char *spec) {
    int abi;
    unsigned long nr, a[6];
    if (parse(spec, &abi, &nr, a) != 0) {
        printf("%s bad-spec\n", spec);
        return;
    }
    shared->state = PENDING;
    fflush(stdout);
    unsigned long none[6] = {0};
    long pid = raw64(SYS_fork, none);
    if (pid < 0) {
        printf("%s fork-failed %ld\n", spec, -pid);
        return;
    }
    if (pid == 0) {
        long ret = abi == 64 ? raw64(nr, a) : raw32(nr, a);
        shared->ret = ret;
        shared->state = RETURNED;
        raw64(SYS_exit_group, none);
    }
    int status;
    if (waitpid((pid_t)pid, &status, 0) < 0) {
        printf("%s wait-failed\n", spec);
    } else if (shared->state == TRAPPED) {
        printf("%s trap\n", spec);
    } else if (shared->state == RETURNED) {
        long ret = shared->ret;
        if (ret < 0 && ret >= -4095)
            printf("%s errno %ld\n", spec, -ret);
        else
            printf("%s ok %ld\n", spec, ret);
    } else if (WIFSIGNALED(status)) {
        printf("%s signal %d\n", spec, WTERMSIG(status));
    } else {
        printf("%s exit %d\n", spec, WEXITSTATUS(status));
    }
}

int main(int argc, char **argv) {
    shared = mmap(NULL, sizeof *shared, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (shared == MAP_FAILED) {
        perror("syscall-probe: mmap");
        return 2;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_sigsys;
    sa.sa_flags = SA_SIGINFO;
    if (sigaction(SIGSYS, &sa, NULL) != 0) {
        perror("syscall-probe: sigaction");
        return 2;
    }
    for (int i = 1; i < argc; i++) probe(argv[i]);
    fflush(stdout);
    return 0;
}
