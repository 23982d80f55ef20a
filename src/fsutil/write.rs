//! The one way the program writes a file: an exclusive, randomly named temp file beside the
//! target, fsync, rename over it, fsync the directory. A crash leaves the old file or the new
//! one; a symlink or FIFO planted under any name in the directory cannot redirect or hang it.

use super::{kind_name, reason};
use std::fs::{self, File, Metadata, OpenOptions, Permissions};
use std::io::{self, Write};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// The Linux limit on symlinks followed in one path resolution.
const MAX_LINKS: usize = 40;

/// Why a file was not written. Each message names what was wrong: the file, or the directory
/// when only the directory is the problem. The target is unchanged in every case.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// The file may well be writable: it is the directory that refuses (a save is a rename).
    #[error("{}: cannot create a temporary file in {}: {}", path.display(), dir.display(), reason(source))]
    TempFile { path: PathBuf, dir: PathBuf, source: io::Error },
    #[error("cannot write {}: {}", path.display(), reason(source))]
    Io { path: PathBuf, source: io::Error },
    #[error(
        "cannot keep the owner of {} (uid {uid}, gid {gid}): {}; not saved (save it elsewhere, or as its owner)",
        path.display(),
        reason(source)
    )]
    Owner { path: PathBuf, uid: u32, gid: u32, source: io::Error },
    #[error("cannot write {}: not a regular file ({kind})", path.display())]
    NotRegular { path: PathBuf, kind: &'static str },
    #[error("cannot write {}: it is a FIFO and nothing is reading from it", path.display())]
    NoReader { path: PathBuf },
}

impl From<WriteError> for io::Error {
    fn from(e: WriteError) -> io::Error {
        io::Error::other(e.to_string())
    }
}

/// What a save did besides writing the bytes, for the caller to tell the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Saved {
    /// The file written: the path given, or the end of its chain of symlinks.
    pub target: PathBuf,
    /// The symlink the given path was, when the write went through one.
    pub link: Option<PathBuf>,
    /// How many other names (hard links) the replaced file had: they keep the old content.
    pub other_links: u64,
}

impl Saved {
    /// "TARGET", or "TARGET (through symlink LINK)".
    pub fn describe(&self) -> String {
        match &self.link {
            Some(link) => format!("{} (through symlink {})", self.target.display(), link.display()),
            None => self.target.display().to_string(),
        }
    }

    /// What the user should know: a hard link that the save split.
    pub fn warnings(&self) -> Vec<String> {
        if self.other_links == 0 {
            return Vec::new();
        }
        vec![format!(
            "{} had {} other hard link(s); they keep the old content (the save wrote a new file)",
            self.target.display(),
            self.other_links
        )]
    }

    /// [`Saved::describe`] with the warnings, for a status line.
    pub fn summary(&self) -> String {
        std::iter::once(self.describe()).chain(self.warnings()).collect::<Vec<_>>().join("; ")
    }
}

/// Writes `bytes` to `path` atomically (see the module). A symlink is followed to the file it
/// names, which keeps its owner, group and mode. A device or pipe (`-o /dev/stdout`,
/// `-o /dev/null`) is written to in place; a FIFO without a reader is an error, not a hang.
pub fn write_file(path: &Path, bytes: &[u8]) -> Result<Saved, WriteError> {
    if let Ok(meta) = fs::metadata(path) {
        if !meta.is_file() {
            write_in_place(path, &meta, bytes)?;
            return Ok(Saved { target: path.to_path_buf(), link: None, other_links: 0 });
        }
    }
    let target = resolve(path).map_err(|source| WriteError::Io { path: path.to_path_buf(), source })?;
    let existing = match fs::symlink_metadata(&target) {
        Ok(meta) if meta.is_file() => Some(meta),
        // Replaced by something else since the check above: refuse rather than guess.
        Ok(meta) => return Err(WriteError::NotRegular { path: target, kind: kind_name(meta.file_type()) }),
        Err(e) if e.kind() == io::ErrorKind::NotFound => None,
        Err(source) => return Err(WriteError::Io { path: target, source }),
    };
    replace(&target, existing.as_ref(), bytes)?;
    let link = (target != path).then(|| path.to_path_buf());
    let other_links = existing.map_or(0, |m| m.nlink().saturating_sub(1));
    Ok(Saved { target, link, other_links })
}

/// Follows `path` while it is a symlink; a dangling link resolves to the file it would create.
fn resolve(path: &Path) -> io::Result<PathBuf> {
    let mut current = path.to_path_buf();
    for _ in 0..MAX_LINKS {
        match fs::symlink_metadata(&current) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let to = fs::read_link(&current)?;
                // A relative link is relative to its own directory; an absolute one replaces it.
                current = current.parent().unwrap_or(Path::new("")).join(to);
            }
            _ => return Ok(current),
        }
    }
    Err(io::Error::from_raw_os_error(libc::ELOOP))
}

/// The directory a temp file for `target` goes in.
pub fn dir_of(target: &Path) -> &Path {
    target.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."))
}

fn replace(target: &Path, existing: Option<&Metadata>, bytes: &[u8]) -> Result<(), WriteError> {
    let dir = dir_of(target);
    let name = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let prefix = format!(".{name}.");
    // A new file gets 0666 less the umask, as `File::create` would; a replacement starts
    // private and gets the old file's owner and mode before it is renamed into place.
    let mode = if existing.is_some() { 0o600 } else { 0o666 };
    // `tempfile` opens with O_CREAT|O_EXCL (which never follows a symlink and fails on a FIFO)
    // and retries with new random names; dropping it on any error path removes it.
    let mut temp = tempfile::Builder::new()
        .prefix(&prefix)
        .suffix(".tmp")
        .permissions(Permissions::from_mode(mode))
        .tempfile_in(dir)
        .map_err(|source| WriteError::TempFile { path: target.to_path_buf(), dir: dir.to_path_buf(), source })?;
    let io_error = |source| WriteError::Io { path: target.to_path_buf(), source };
    if let Some(meta) = existing {
        keep_owner_and_mode(temp.as_file(), meta, target)?;
    }
    temp.write_all(bytes).map_err(io_error)?;
    temp.as_file().sync_all().map_err(io_error)?;
    temp.persist(target).map_err(|e| io_error(e.error))?;
    sync_dir(dir).map_err(|source| WriteError::Io { path: dir.to_path_buf(), source })
}

/// Gives the temp file the replaced file's owner, group and mode (owner first: chown clears
/// set-id bits). When that is not permitted the save is refused, never silently re-owned.
pub fn keep_owner_and_mode(temp: &File, meta: &Metadata, target: &Path) -> Result<(), WriteError> {
    let ours = temp.metadata().map_err(|source| WriteError::Io { path: target.to_path_buf(), source })?;
    let (uid, gid) = (meta.uid(), meta.gid());
    if (ours.uid(), ours.gid()) != (uid, gid) {
        std::os::unix::fs::fchown(temp, Some(uid), Some(gid)).map_err(|source| WriteError::Owner {
            path: target.to_path_buf(),
            uid,
            gid,
            source,
        })?;
    }
    temp.set_permissions(Permissions::from_mode(meta.mode() & 0o7777))
        .map_err(|source| WriteError::Io { path: target.to_path_buf(), source })
}

/// Makes the rename durable. Filesystems that cannot sync a directory say EINVAL: nothing more
/// can be done there.
pub fn sync_dir(dir: &Path) -> io::Result<()> {
    match File::open(dir)?.sync_all() {
        Err(e) if e.raw_os_error() == Some(libc::EINVAL) => Ok(()),
        other => other,
    }
}

/// A device or pipe named on purpose. Opened non-blocking so a FIFO without a reader fails
/// at once (ENXIO), then switched back to blocking writes.
fn write_in_place(path: &Path, meta: &Metadata, bytes: &[u8]) -> Result<(), WriteError> {
    let t = meta.file_type();
    if t.is_dir() {
        return Err(WriteError::NotRegular { path: path.to_path_buf(), kind: kind_name(t) });
    }
    let io_error = |source| WriteError::Io { path: path.to_path_buf(), source };
    let mut file = OpenOptions::new().write(true).custom_flags(libc::O_NONBLOCK).open(path).map_err(|e| {
        if e.raw_os_error() == Some(libc::ENXIO) && std::os::unix::fs::FileTypeExt::is_fifo(&t) {
            WriteError::NoReader { path: path.to_path_buf() }
        } else {
            io_error(e)
        }
    })?;
    let flags = rustix::fs::fcntl_getfl(&file).map_err(|e| io_error(e.into()))?;
    rustix::fs::fcntl_setfl(&file, flags - rustix::fs::OFlags::NONBLOCK).map_err(|e| io_error(e.into()))?;
    file.write_all(bytes).map_err(io_error)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::{FileTypeExt, symlink};
    use std::time::{Duration, Instant};

    fn dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("seccompose-write-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> =
            fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        names.sort();
        names
    }

    #[test]
    fn planted_links_and_fifos_at_the_old_temp_names_change_nothing() {
        let dir = dir("planted");
        let victim = dir.join("victim");
        fs::write(&victim, "secret").unwrap();
        fs::set_permissions(&victim, Permissions::from_mode(0o600)).unwrap();
        let target = dir.join("p.json");
        // The old scheme's name for this very process, and its neighbours.
        let pid = std::process::id();
        for (i, p) in (pid.saturating_sub(5)..pid + 5).enumerate() {
            let planted = dir.join(format!(".p.json.seccompose-{p}.tmp"));
            if i % 2 == 0 || p == pid {
                symlink(&victim, &planted).unwrap();
            } else {
                rustix::fs::mkfifoat(rustix::fs::CWD, &planted, rustix::fs::Mode::from_raw_mode(0o600)).unwrap();
            }
        }
        let before = names(&dir);
        let start = Instant::now();
        let saved = write_file(&target, b"{}").unwrap();
        assert!(start.elapsed() < Duration::from_secs(5), "the write hung");
        assert_eq!(saved, Saved { target: target.clone(), link: None, other_links: 0 });
        assert_eq!(fs::read(&victim).unwrap(), b"secret");
        assert_eq!(fs::metadata(&victim).unwrap().mode() & 0o777, 0o600);
        assert_eq!(fs::read(&target).unwrap(), b"{}");
        let mut after = before;
        after.push("p.json".into());
        after.sort();
        assert_eq!(names(&dir), after, "no temp file is left behind");
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_symlink_is_written_through_and_the_target_keeps_its_mode() {
        let dir = dir("through");
        fs::create_dir(dir.join("real")).unwrap();
        let real = dir.join("real/p.json");
        fs::write(&real, "old").unwrap();
        fs::set_permissions(&real, Permissions::from_mode(0o640)).unwrap();
        let link = dir.join("p.json");
        symlink("real/p.json", &link).unwrap();
        let saved = write_file(&link, b"new").unwrap();
        assert_eq!(saved.target, dir.join("real/p.json"));
        assert_eq!(saved.link.as_deref(), Some(link.as_path()));
        assert_eq!(saved.describe(), format!("{} (through symlink {})", real.display(), link.display()));
        assert!(fs::symlink_metadata(&link).unwrap().file_type().is_symlink(), "the link stays a link");
        assert_eq!(fs::read(&real).unwrap(), b"new");
        assert_eq!(fs::metadata(&real).unwrap().mode() & 0o7777, 0o640);
        assert_eq!(names(&dir.join("real")), ["p.json"]);
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_dangling_symlink_creates_its_target() {
        let dir = dir("dangling");
        let link = dir.join("p.json");
        symlink("new.json", &link).unwrap();
        let saved = write_file(&link, b"x").unwrap();
        assert_eq!(saved.target, dir.join("new.json"));
        assert_eq!(fs::read(dir.join("new.json")).unwrap(), b"x");
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn splitting_a_hard_link_is_reported() {
        let dir = dir("hardlink");
        let (a, b) = (dir.join("a.json"), dir.join("b.json"));
        fs::write(&a, "old").unwrap();
        fs::hard_link(&a, &b).unwrap();
        let saved = write_file(&a, b"new").unwrap();
        assert_eq!(saved.other_links, 1);
        assert!(saved.warnings()[0].contains("1 other hard link(s)"), "{:?}", saved.warnings());
        assert_eq!(fs::read(&b).unwrap(), b"old");
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn new_files_honour_the_umask() {
        let dir = dir("umask");
        let path = dir.join("n.json");
        write_file(&path, b"x").unwrap();
        let mode = fs::metadata(&path).unwrap().mode() & 0o777;
        // What File::create gives in the same directory: 0666 less the umask.
        let reference = dir.join("reference");
        File::create(&reference).unwrap();
        assert_eq!(mode, fs::metadata(&reference).unwrap().mode() & 0o777);
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_fifo_target_without_a_reader_is_an_error_not_a_hang() {
        let dir = dir("fifo-target");
        let fifo = dir.join("out");
        rustix::fs::mkfifoat(rustix::fs::CWD, &fifo, rustix::fs::Mode::from_raw_mode(0o600)).unwrap();
        let e = write_file(&fifo, b"x").unwrap_err();
        assert!(matches!(e, WriteError::NoReader { .. }), "{e}");
        assert!(fs::symlink_metadata(&fifo).unwrap().file_type().is_fifo(), "the FIFO stays");
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn devices_are_written_in_place() {
        assert_eq!(write_file(Path::new("/dev/null"), b"x").unwrap().target, Path::new("/dev/null"));
    }

    #[test]
    fn a_missing_directory_is_named() {
        let e = write_file(Path::new("/nonexistent-seccompose-dir/p.json"), b"x").unwrap_err();
        assert_eq!(
            e.to_string(),
            "/nonexistent-seccompose-dir/p.json: cannot create a temporary file in /nonexistent-seccompose-dir: \
             no such file or directory"
        );
    }
}
