//! Commands typed in the run pane, kept across sessions in the user's data dir: every
//! command (newest last) and the last one per profile.

use crate::fsutil::read::read_text;
use crate::fsutil::write_file;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Commands kept.
const LIMIT: usize = 500;

#[derive(Debug, Default, Clone, PartialEq)]
pub struct History {
    /// Where it is saved (`None`: kept in memory only, e.g. no home directory).
    dir: Option<PathBuf>,
    pub commands: Vec<String>,
    pub last_for: BTreeMap<String, String>,
}

impl History {
    /// `~/.local/share/seccompose` (or the platform's equivalent).
    pub fn load_default() -> History {
        let dir = directories::ProjectDirs::from("", "", "seccompose").map(|d| d.data_dir().to_path_buf());
        dir.map_or_else(History::default, |d| History::load(&d))
    }

    /// Reads what is there; a missing or unreadable file is an empty history.
    pub fn load(dir: &Path) -> History {
        let commands = read_text(&dir.join("history"))
            .map(|t| t.lines().filter(|l| !l.trim().is_empty()).map(str::to_string).collect())
            .unwrap_or_default();
        let last_for = read_text(&dir.join("last-commands.json"))
            .ok()
            .and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or_default();
        History { dir: Some(dir.to_path_buf()), commands, last_for }
    }

    /// Remembers `command` (run for `profile`) and saves; saving failures are reported, not fatal.
    pub fn add(&mut self, profile: &str, command: &str) -> Result<(), String> {
        self.commands.retain(|c| c != command);
        self.commands.push(command.to_string());
        let excess = self.commands.len().saturating_sub(LIMIT);
        self.commands.drain(..excess);
        self.last_for.insert(profile.to_string(), command.to_string());
        let Some(dir) = &self.dir else { return Ok(()) };
        let save = || -> std::io::Result<()> {
            std::fs::create_dir_all(dir)?;
            write_file(&dir.join("history"), (self.commands.join("\n") + "\n").as_bytes())?;
            let json = serde_json::to_string_pretty(&self.last_for).expect("a map of strings");
            write_file(&dir.join("last-commands.json"), json.as_bytes())?;
            Ok(())
        };
        save().map_err(|e| format!("command history not saved in {}: {e}", dir.display()))
    }

    /// The command `steps` back from the newest (1 = the newest).
    pub fn back(&self, steps: usize) -> Option<&str> {
        self.commands.len().checked_sub(steps).and_then(|i| self.commands.get(i)).map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_survive_a_restart_and_remember_the_profile() {
        let dir = std::env::temp_dir().join(format!("seccompose-history-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let mut h = History::load(&dir);
        h.add("/p/a.json", "ls -la /").unwrap();
        h.add("/p/b.json", "python3 -c 'import json'").unwrap();
        h.add("/p/a.json", "ls -la /").unwrap();
        let again = History::load(&dir);
        assert_eq!(again.commands, ["python3 -c 'import json'", "ls -la /"], "deduplicated, newest last");
        assert_eq!(again.last_for["/p/b.json"], "python3 -c 'import json'");
        assert_eq!(again.back(1), Some("ls -la /"));
        assert_eq!(again.back(3), None);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
