//! Shell completions and man pages: generated from the CLI definition, accepted by the real
//! shells and groff. bash is part of every Debian system, so its tests always run; zsh, fish and
//! groff are behind the `shell-tests` feature (in `system-tests`), where a missing tool fails
//! the test with the package to install, never skips it.

use crate::cli::seccompose;
use crate::support::{TempDir, require};
use clap::CommandFactory;
use seccompose::cli::Cli;
use std::path::Path;
use std::process::{Command, Output};

/// Names of the visible subcommands, straight from the clap definition (new ones included).
fn subcommands() -> Vec<String> {
    let cmd = Cli::command();
    let names: Vec<String> =
        cmd.get_subcommands().filter(|s| !s.is_hide_set()).map(|s| s.get_name().to_string()).collect();
    assert!(names.len() >= 10, "{names:?}");
    names
}

fn stdout_of(args: &[&str]) -> String {
    let out = seccompose(args);
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("UTF-8")
}

fn run_tool(tool: &str, args: &[&str]) -> Output {
    Command::new(tool).args(args).output().unwrap_or_else(|e| panic!("{tool}: {e}"))
}

/// Writes the script for `shell` into `dir` and returns its path.
fn script(shell: &str, dir: &Path) -> String {
    let path = dir.join(format!("seccompose.{shell}"));
    std::fs::write(&path, stdout_of(&["completions", shell])).unwrap();
    path.to_string_lossy().into_owned()
}

/// Sources the bash script and runs its completion function as bash would for `words` (the
/// last one is the word being completed); returns COMPREPLY.
fn bash_complete(script: &str, words: &[&str]) -> Vec<String> {
    let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    let program = format!(
        r#"source "$1" || exit 3
COMP_WORDS=({words})
COMP_CWORD={cword}
COMP_LINE="${{COMP_WORDS[*]}}"
COMP_POINT=${{#COMP_LINE}}
cur="${{COMP_WORDS[COMP_CWORD]}}"
prev="${{COMP_WORDS[COMP_CWORD-1]}}"
_seccompose seccompose "$cur" "$prev" 2>/dev/null
printf '%s\n' "${{COMPREPLY[@]}}""#,
        words = quoted.join(" "),
        cword = words.len() - 1,
    );
    let out = run_tool("bash", &["-c", &program, "bash", script]);
    assert!(out.status.success(), "{words:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).lines().filter(|l| !l.is_empty()).map(str::to_string).collect()
}

#[test]
fn bash_script_parses_and_completes_subcommands_and_values() {
    require("bash", "bash");
    let dir = TempDir::new("shell-bash");
    let script = script("bash", dir.path());
    let out = run_tool("bash", &["-n", &script]);
    assert!(out.status.success(), "bash -n: {}", String::from_utf8_lossy(&out.stderr));

    let all = bash_complete(&script, &["seccompose", ""]);
    for name in subcommands() {
        assert!(all.contains(&name), "`seccompose <TAB>` offers {name}: {all:?}");
    }
    let ch = bash_complete(&script, &["seccompose", "ch"]);
    assert!(ch.contains(&"check".to_string()), "{ch:?}");
    assert!(ch.iter().all(|c| c.starts_with("ch")), "only names starting with ch: {ch:?}");

    let engines = bash_complete(&script, &["seccompose", "check", "--engine", ""]);
    assert_eq!(engines, ["docker", "podman", "containerd", "oci"], "--engine values");
    let left = bash_complete(&script, &["seccompose", "diff", "a.json", "b.json", "--left-engine", "c"]);
    assert_eq!(left, ["containerd"]);
    let arches = bash_complete(&script, &["seccompose", "compile", "p.json", "--arch", "aa"]);
    assert_eq!(arches, ["aarch64"], "arch names are offered though --help does not list them");
    let formats = bash_complete(&script, &["seccompose", "compile", "p.json", "--format", ""]);
    assert!(formats.contains(&"disasm".to_string()), "{formats:?}");
    let shells = bash_complete(&script, &["seccompose", "completions", ""]);
    assert!(["bash", "zsh", "fish"].iter().all(|s| shells.contains(&s.to_string())), "{shells:?}");
}

#[cfg(feature = "shell-tests")]
#[test]
fn zsh_and_fish_scripts_parse() {
    require("zsh", "zsh");
    require("fish", "fish");
    let dir = TempDir::new("shell-zsh-fish");
    let zsh = script("zsh", dir.path());
    let out = run_tool("zsh", &["-n", &zsh]);
    assert!(out.status.success(), "zsh -n: {}", String::from_utf8_lossy(&out.stderr));
    let text = std::fs::read_to_string(&zsh).unwrap();
    assert!(text.starts_with("#compdef seccompose"), "zsh loads it from fpath by this line");
    assert!(text.contains("docker") && text.contains("_files"), "engine values and file completion");

    let fish = script("fish", dir.path());
    let out = run_tool("fish", &["--no-execute", &fish]);
    assert!(out.status.success(), "fish --no-execute: {}", String::from_utf8_lossy(&out.stderr));
    let text = std::fs::read_to_string(&fish).unwrap();
    for name in subcommands() {
        assert!(text.contains(&format!("-a \"{name}\"")), "fish offers {name}");
    }
    let out = run_tool("fish", &["-c", "source $argv[1]; complete -C 'seccompose check --engine '", &fish]);
    let engines = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        engines.lines().collect::<Vec<_>>(),
        ["containerd", "docker", "oci", "podman"],
        "fish completes --engine"
    );
}

#[test]
fn subcommand_names_are_not_taken_for_a_file_to_edit() {
    assert!(stdout_of(&["completions", "bash"]).contains("_seccompose()"));
    assert!(stdout_of(&["man"]).starts_with(".ie"), "roff, not the editor");
    let out = seccompose(&["completions", "tcsh"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("possible values: bash, zsh, fish"));
}

#[cfg(feature = "shell-tests")]
/// Renders roff to plain text with groff (no bold/underline, long lines: no hyphenation).
fn render(page: &Path) -> String {
    require("groff", "groff-base");
    let out = run_tool("groff", &["-man", "-Tutf8", "-P-cbu", "-rLL=250n", &page.to_string_lossy()]);
    assert!(out.status.success(), "groff: {}", String::from_utf8_lossy(&out.stderr));
    assert!(out.stderr.is_empty(), "groff warnings: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("UTF-8")
}

#[cfg(feature = "shell-tests")]
#[test]
fn man_page_renders_with_its_sections_and_subcommands() {
    let dir = TempDir::new("shell-man");
    let page = dir.path().join("seccompose.1");
    std::fs::write(&page, stdout_of(&["man"])).unwrap();
    let text = render(&page);
    for heading in ["NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "SUBCOMMANDS", "EXIT STATUS", "EXAMPLES"] {
        assert!(text.lines().any(|l| l == heading), "section {heading}:\n{text}");
    }
    assert!(text.contains("seccompose - Edit, explain"), "{text}");
    for name in subcommands() {
        assert!(text.contains(&format!("seccompose-{name}(1)")), "lists {name}:\n{text}");
    }
    assert!(text.contains("docker") && text.contains("containerd"), "engine values");
}

#[test]
fn man_dir_writes_one_page_per_subcommand() {
    let dir = TempDir::new("shell-man-dir");
    let target = dir.path().join("man1");
    let listed = stdout_of(&["man", "--dir", &target.to_string_lossy()]);
    let mut expected = vec!["seccompose.1".to_string()];
    expected.extend(subcommands().iter().map(|n| format!("seccompose-{n}.1")));
    let mut written: Vec<String> =
        std::fs::read_dir(&target).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    written.sort();
    let mut sorted = expected.clone();
    sorted.sort();
    assert_eq!(written, sorted, "one page per subcommand, no leftover temp files");
    let listed: Vec<&str> = listed.lines().collect();
    assert_eq!(listed.len(), expected.len(), "{listed:?}");
    for (line, name) in listed.iter().zip(&expected) {
        assert_eq!(Path::new(line), target.join(name), "lists what it wrote");
    }
    let check = std::fs::read_to_string(target.join("seccompose-check.1")).unwrap();
    assert!(check.contains(".TH seccompose-check 1"), "a section-1 page of its own:\n{check}");
    assert!(check.contains("Exit status: 0 without error\\-level findings"), "{check}");
}

#[cfg(feature = "shell-tests")]
#[test]
fn a_subcommand_page_renders_with_groff() {
    let dir = TempDir::new("shell-man-groff");
    let target = dir.path().join("man1");
    stdout_of(&["man", "--dir", &target.to_string_lossy()]);
    let check = render(&target.join("seccompose-check.1"));
    assert!(check.contains("seccompose-check - Check a profile"), "{check}");
    assert!(check.contains("seccompose check") && check.contains("--engine"), "{check}");
    assert!(check.contains("Exit status: 0 without error-level findings"), "{check}");
    assert!(check.contains("SEE ALSO") && check.contains("seccompose(1)"), "{check}");
}
