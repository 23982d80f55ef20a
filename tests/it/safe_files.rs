//! Adversarial file tests (issue 13 §1): symlinks and FIFOs planted beside an output, a root
//! escape through `install --root`, FIFOs and devices given as input, an unwritable
//! directory. The real binary on real files, each run with a time limit so a hang fails.

use crate::support::{TempDir, root};
use std::os::unix::fs::{MetadataExt, PermissionsExt, symlink};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const LIMIT: Duration = Duration::from_secs(20);

/// Runs the binary (as `uid` when given), killing it after [`LIMIT`]: a hang is an `Err`.
fn run_limited(args: &[&str], uid: Option<u32>) -> Result<Output, String> {
    let mut command = Command::new(env!("CARGO_BIN_EXE_seccompose"));
    command.args(args).current_dir(root()).stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    if let Some(uid) = uid {
        command.uid(uid).gid(uid);
    }
    let mut child = command.spawn().expect("binary runs");
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > LIMIT {
            let _ = child.kill();
            let out = child.wait_with_output().unwrap();
            return Err(format!("hung for {LIMIT:?} (killed); stderr: {}", String::from_utf8_lossy(&out.stderr)));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Ok(child.wait_with_output().unwrap())
}

fn run(args: &[&str]) -> (Option<i32>, String, String) {
    let out = run_limited(args, None).unwrap_or_else(|e| panic!("{args:?}: {e}"));
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn mkfifo(path: &Path) {
    rustix::fs::mkfifoat(rustix::fs::CWD, path, rustix::fs::Mode::from_raw_mode(0o600)).unwrap();
}

fn euid() -> u32 {
    rustix::process::geteuid().as_raw()
}

/// The next pids the kernel will hand out (the pid namespace's last one, and on).
fn next_pids(count: u32) -> std::ops::Range<u32> {
    let last: u32 = std::fs::read_to_string("/proc/sys/kernel/ns_last_pid").unwrap().trim().parse().unwrap();
    last + 1..last + 1 + count
}

/// `compile --format hex` output: one 16-digit instruction a line.
fn is_hex_program(path: &Path) -> bool {
    let text = std::fs::read_to_string(path).unwrap();
    text.lines().count() > 10 && text.lines().all(|l| l.len() == 16 && l.chars().all(|c| c.is_ascii_hexdigit()))
}

fn compile_to(out: &Path) -> Result<Output, String> {
    run_limited(&["compile", "runtime-default", "--format", "hex", "-o", out.to_str().unwrap()], None)
}

#[test]
fn symlinks_planted_at_the_old_temp_names_cannot_redirect_an_output() {
    let dir = TempDir::new("planted-links");
    let victim = dir.path().join("victim");
    std::fs::write(&victim, "secret").unwrap();
    std::fs::set_permissions(&victim, PermissionsExt::from_mode(0o600)).unwrap();
    let out = dir.path().join("out.hex");
    // The old scheme: `.NAME.seccompose-<pid>.tmp`, opened with create+truncate, following links.
    for pid in next_pids(2000) {
        symlink(&victim, dir.path().join(format!(".out.hex.seccompose-{pid}.tmp"))).unwrap();
    }
    let result = compile_to(&out).unwrap();
    assert!(result.status.success(), "{}", String::from_utf8_lossy(&result.stderr));
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "secret", "the victim was overwritten");
    assert_eq!(std::fs::metadata(&victim).unwrap().mode() & 0o777, 0o600);
    assert!(is_hex_program(&out), "the output was written");
    let left = std::fs::read_dir(dir.path()).unwrap().count();
    assert_eq!(left, 2000 + 2, "no temp file left behind");
}

#[test]
fn fifos_planted_at_the_old_temp_names_cannot_hang_an_output() {
    let dir = TempDir::new("planted-fifos");
    let out = dir.path().join("out.hex");
    for pid in next_pids(2000) {
        mkfifo(&dir.path().join(format!(".out.hex.seccompose-{pid}.tmp")));
    }
    let result = compile_to(&out).unwrap();
    assert!(result.status.success(), "{}", String::from_utf8_lossy(&result.stderr));
    assert!(is_hex_program(&out));
}

#[test]
fn an_output_through_a_symlink_writes_its_target_and_says_so() {
    let dir = TempDir::new("through-link");
    std::fs::create_dir(dir.path().join("real")).unwrap();
    let real = dir.path().join("real/out.hex");
    std::fs::write(&real, "old").unwrap();
    std::fs::set_permissions(&real, PermissionsExt::from_mode(0o640)).unwrap();
    let link = dir.path().join("out.hex");
    symlink("real/out.hex", &link).unwrap();
    let result = compile_to(&link).unwrap();
    let stderr = String::from_utf8_lossy(&result.stderr);
    assert!(result.status.success(), "{stderr}");
    assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink(), "the link was replaced");
    assert!(is_hex_program(&real), "the target was not written");
    assert_eq!(std::fs::metadata(&real).unwrap().mode() & 0o777, 0o640, "the mode changed");
    assert!(stderr.contains(&format!("(through symlink {})", link.display())), "{stderr}");
}

#[test]
fn a_writable_file_in_an_unwritable_directory_names_the_directory() {
    let dir = TempDir::new("unwritable-dir");
    let locked = dir.path().join("locked");
    std::fs::create_dir(&locked).unwrap();
    let out = locked.join("out.hex");
    std::fs::write(&out, "old").unwrap();
    std::fs::set_permissions(&out, PermissionsExt::from_mode(0o666)).unwrap();
    std::fs::set_permissions(&locked, PermissionsExt::from_mode(0o555)).unwrap();
    // Root may write anywhere: then the binary runs as nobody (non-root: as ourselves).
    let uid = (euid() == 0).then_some(65534);
    let args = ["compile", "runtime-default", "--format", "hex", "-o", out.to_str().unwrap()];
    let result = run_limited(&args, uid).unwrap();
    let stderr = String::from_utf8_lossy(&result.stderr);
    std::fs::set_permissions(&locked, PermissionsExt::from_mode(0o755)).unwrap();
    assert_eq!(result.status.code(), Some(2), "{stderr}");
    let wanted = format!("cannot create a temporary file in {}: permission denied", locked.display());
    assert!(stderr.contains(&wanted), "{stderr}");
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "old");
}

fn install(dir: &Path, extra: &[&str]) -> (Option<i32>, String, String) {
    let mut args = vec!["install", "fine-grained", "--root", dir.to_str().unwrap()];
    args.extend_from_slice(extra);
    run(&args)
}

#[test]
fn install_does_not_follow_a_symlinked_directory_out_of_the_root() {
    let base = TempDir::new("install-escape");
    let (node, outside) = (base.path().join("root"), base.path().join("outside"));
    std::fs::create_dir_all(&node).unwrap();
    std::fs::create_dir_all(&outside).unwrap();
    symlink(&outside, node.join("profiles")).unwrap();
    let (code, stdout, stderr) = install(&node, &[]);
    assert_eq!(code, Some(2), "{stdout}{stderr}");
    assert_eq!(std::fs::read_dir(&outside).unwrap().count(), 0, "written outside the root");
    let wanted = format!("{} is a symbolic link (to {})", node.join("profiles").display(), outside.display());
    assert!(stderr.contains(&wanted), "{stderr}");
    assert!(!stdout.contains("installed"), "{stdout}");
}

#[test]
fn install_refuses_a_target_that_is_a_symlink_to_a_device() {
    let node = TempDir::new("install-device");
    std::fs::create_dir(node.path().join("profiles")).unwrap();
    let target = node.path().join("profiles/fine-grained.json");
    let mut devices = vec!["/dev/null"];
    // A block device, where there is one (the profile used to be written into it).
    devices.extend(["/dev/loop0", "/dev/loop-control"].into_iter().filter(|d| Path::new(d).exists()));
    for device in devices {
        let _ = std::fs::remove_file(&target);
        symlink(device, &target).unwrap();
        let (code, stdout, stderr) = install(node.path(), &[]);
        assert_eq!(code, Some(2), "{device}: {stdout}{stderr}");
        assert!(stderr.contains(&format!("{} is a symbolic link (to {device})", target.display())), "{stderr}");
        assert!(std::fs::symlink_metadata(&target).unwrap().file_type().is_symlink());
    }
}

#[test]
fn install_refuses_a_fifo_or_a_directory_at_the_target_without_hanging() {
    let node = TempDir::new("install-fifo");
    std::fs::create_dir(node.path().join("profiles")).unwrap();
    let target = node.path().join("profiles/fine-grained.json");
    mkfifo(&target);
    for extra in [&["--dry-run"][..], &[]] {
        let (code, stdout, stderr) = install(node.path(), extra);
        assert_eq!(code, Some(2), "{extra:?}: {stdout}{stderr}");
        assert!(stderr.contains(&format!("{}: not a regular file (a FIFO)", target.display())), "{stderr}");
    }
    std::fs::remove_file(&target).unwrap();
    std::fs::create_dir(&target).unwrap();
    let (code, _, stderr) = install(node.path(), &[]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("not a regular file (a directory)"), "{stderr}");
}

#[test]
fn check_pod_and_check_refuse_a_fifo_profile_without_hanging() {
    let node = TempDir::new("check-pod-fifo");
    std::fs::create_dir(node.path().join("profiles")).unwrap();
    let fifo = node.path().join("profiles/fifo.json");
    mkfifo(&fifo);
    let manifest = node.path().join("pod.yaml");
    std::fs::write(
        &manifest,
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  securityContext:\n    seccompProfile:\n      \
         type: Localhost\n      localhostProfile: profiles/fifo.json\n  containers:\n  - name: c\n    image: x\n",
    )
    .unwrap();
    let (code, stdout, stderr) =
        run(&["check-pod", manifest.to_str().unwrap(), "--root", node.path().to_str().unwrap()]);
    assert_eq!(code, Some(1), "{stdout}{stderr}");
    assert!(stdout.contains("not a regular file (a FIFO)"), "{stdout}{stderr}");
    let (code, stdout, stderr) = run(&["check", fifo.to_str().unwrap()]);
    assert_eq!(code, Some(2), "{stdout}{stderr}");
    assert!(stderr.contains(&format!("{}: not a regular file (a FIFO)", fifo.display())), "{stderr}");
    // A FIFO as the manifest, and as an audit log.
    let (code, _, stderr) = run(&["check-pod", fifo.to_str().unwrap(), "--root", node.path().to_str().unwrap()]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("not a regular file (a FIFO)"), "{stderr}");
    let (code, _, stderr) = run(&["import-audit", fifo.to_str().unwrap()]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("not a regular file (a FIFO)"), "{stderr}");
}

#[test]
fn process_substitution_still_reads() {
    let profile = root().join("profiles/fine-grained.json");
    let script = format!("exec \"$0\" check <(cat {})", profile.display());
    let out = Command::new("bash").args(["-c", &script, env!("CARGO_BIN_EXE_seccompose")]).output().expect("bash runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

/// Root saving a file that belongs to someone else keeps its owner; someone who may write a
/// file but not own it is refused rather than becoming its owner.
#[cfg(feature = "root-tests")]
#[test]
fn saving_keeps_the_owner_or_refuses() {
    crate::support::require_root();
    let dir = TempDir::new("owner");
    std::fs::set_permissions(dir.path(), PermissionsExt::from_mode(0o777)).unwrap();
    let out = dir.path().join("out.hex");
    std::fs::write(&out, "old").unwrap();
    std::os::unix::fs::chown(&out, Some(65534), Some(65534)).unwrap();
    std::fs::set_permissions(&out, PermissionsExt::from_mode(0o600)).unwrap();
    let result = compile_to(&out).unwrap();
    assert!(result.status.success(), "{}", String::from_utf8_lossy(&result.stderr));
    let meta = std::fs::metadata(&out).unwrap();
    assert_eq!((meta.uid(), meta.gid(), meta.mode() & 0o777), (65534, 65534, 0o600), "owner or mode changed");

    // A root-owned file writable by all, in a directory anyone may write: nobody cannot keep
    // root as the owner, so nothing is saved.
    std::os::unix::fs::chown(&out, Some(0), Some(0)).unwrap();
    std::fs::set_permissions(&out, PermissionsExt::from_mode(0o666)).unwrap();
    let args = ["compile", "runtime-default", "--format", "hex", "-o", out.to_str().unwrap()];
    let before = std::fs::read_to_string(&out).unwrap();
    let result = run_limited(&args, Some(65534)).unwrap();
    let stderr = String::from_utf8_lossy(&result.stderr);
    assert_eq!(result.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains(&format!("cannot keep the owner of {} (uid 0, gid 0)", out.display())), "{stderr}");
    let meta = std::fs::metadata(&out).unwrap();
    assert_eq!((meta.uid(), std::fs::read_to_string(&out).unwrap()), (0, before));
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1, "no temp file left behind");
}

#[test]
fn the_editor_saves_through_a_symlink_and_says_so() {
    use seccompose::policy::context::{Context, Engine};
    use seccompose::tui::app::App;
    use seccompose::tui::app::update::Effect;
    let dir = TempDir::new("editor-through-link");
    std::fs::create_dir(dir.path().join("real")).unwrap();
    let real = dir.path().join("real/p.json");
    std::fs::copy(root().join("profiles/fine-grained.json"), &real).unwrap();
    std::fs::set_permissions(&real, PermissionsExt::from_mode(0o640)).unwrap();
    let link = dir.path().join("p.json");
    symlink("real/p.json", &link).unwrap();
    let doc = seccompose::profile::Document::open(&link).unwrap();
    let theme = seccompose::tui::theme::Theme::builtin("dark").unwrap();
    let mut app = App::new(doc, Context::for_engine(Engine::Docker), theme);
    seccompose::tui::perform(&mut app, Effect::Save);
    let message = app.message.clone().unwrap_or_default();
    assert_eq!(message, format!("saved {} (through symlink {})", real.display(), link.display()));
    assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink(), "the link was replaced");
    assert_eq!(std::fs::metadata(&real).unwrap().mode() & 0o777, 0o640);
}
