//! Every invalid fixture gives its expected message and exit status, and never a panic.
//! `NAME.expected`: `exit N`, optionally `args: …` (extra `check` flags), then lines the output must contain.

use crate::cli::seccompose;
use crate::support::root;

#[test]
fn invalid_fixtures_give_their_expected_messages() {
    let dir = root().join("tests/fixtures/invalid");
    let mut fixtures: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    fixtures.sort();
    assert!(fixtures.len() >= 20, "only {} invalid fixtures", fixtures.len());
    for path in fixtures {
        let expected = std::fs::read_to_string(path.with_extension("expected")).unwrap();
        let mut lines = expected.lines();
        let code: i32 = lines.next().and_then(|l| l.strip_prefix("exit ")).unwrap().parse().unwrap();
        let rel = path.strip_prefix(root()).unwrap().to_string_lossy().to_string();
        let mut args = vec!["check", rel.as_str()];
        let mut lines = lines.peekable();
        let extra = lines.next_if(|l| l.starts_with("args: ")).map(|l| l["args: ".len()..].to_string());
        args.extend(extra.as_deref().map(|e| e.split(' ').collect::<Vec<_>>()).unwrap_or_default());
        let out = seccompose(&args);
        let all = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        assert_eq!(out.status.code(), Some(code), "{rel}:\n{all}");
        assert!(!all.contains("panicked"), "{rel} panicked:\n{all}");
        for want in lines {
            let want = want.replace(path.file_name().unwrap().to_str().unwrap(), &rel);
            assert!(all.contains(&want), "{rel}: expected\n  {want}\ngot\n{all}");
        }
    }
}
