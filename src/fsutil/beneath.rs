//! Files beneath a root directory (the kubelet's seccomp root) that nothing planted inside the
//! root can redirect: every component is opened relative to its parent without following
//! symlinks, missing directories are made with mkdirat, and the file is replaced by a temp file
//! renamed within the same open directory.

use super::write::keep_owner_and_mode;
use super::{kind_name, reason};
use rustix::fs::{AtFlags, Mode, OFlags, ResolveFlags};
use rustix::io::Errno;
use std::ffi::OsStr;
use std::fs::{File, Metadata};
use std::io::{self, Read, Write};
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::path::{Path, PathBuf};

/// Why nothing was written (or read) beneath the root.
#[derive(Debug, thiserror::Error)]
pub enum BeneathError {
    #[error(
        "{} is a symbolic link (to {}): refusing to follow it; everything is written beneath {} itself",
        path.display(),
        to.display(),
        root.display()
    )]
    Symlink { path: PathBuf, to: PathBuf, root: PathBuf },
    #[error("{}: not a directory ({kind})", path.display())]
    NotDirectory { path: PathBuf, kind: &'static str },
    #[error("{}: not a regular file ({kind}); refusing to write to it", path.display())]
    NotRegular { path: PathBuf, kind: &'static str },
    #[error("{}: cannot create a temporary file in {}: {}", path.display(), dir.display(), reason(source))]
    TempFile { path: PathBuf, dir: PathBuf, source: io::Error },
    #[error("{}: {}", path.display(), reason(source))]
    Io { path: PathBuf, source: io::Error },
    #[error("{0}")]
    Write(#[from] super::WriteError),
}

/// A root directory, open. The root's own path may contain symlinks (`/var/lib/kubelet` is
/// often one): that is the administrator's choice. Nothing below it is followed.
pub struct Root {
    fd: OwnedFd,
    path: PathBuf,
}

/// A directory beneath the root, open, and how to name it in messages.
pub struct Dir {
    fd: OwnedFd,
    path: PathBuf,
    root: PathBuf,
}

impl Root {
    pub fn open(path: &Path) -> Result<Root, BeneathError> {
        let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC;
        let fd = rustix::fs::open(path, flags, Mode::empty())
            .map_err(|e| BeneathError::Io { path: path.to_path_buf(), source: e.into() })?;
        Ok(Root { fd, path: path.to_path_buf() })
    }

    /// The directory `parts` names beneath the root; missing ones are created when `create`,
    /// else `None`.
    pub fn dir(&self, parts: &[&OsStr], create: bool) -> Result<Option<Dir>, BeneathError> {
        let mut dir =
            Dir { fd: self.fd.try_clone().map_err(|e| self.io(e))?, path: self.path.clone(), root: self.path.clone() };
        for name in parts {
            match dir.open_dir(name, create)? {
                Some(next) => dir = next,
                None => return Ok(None),
            }
        }
        Ok(Some(dir))
    }

    fn io(&self, source: io::Error) -> BeneathError {
        BeneathError::Io { path: self.path.clone(), source }
    }
}

/// One path component beneath `dirfd`, opened with `openat2(RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS)`;
/// kernels before 5.6 (ENOSYS), and seccomp profiles that deny openat2 (EPERM), get `openat`
/// with O_NOFOLLOW, which is the same for a single component.
fn open_component(dirfd: BorrowedFd, name: &OsStr, flags: OFlags) -> Result<OwnedFd, Errno> {
    let flags = flags | OFlags::NOFOLLOW | OFlags::CLOEXEC;
    let resolve = ResolveFlags::BENEATH | ResolveFlags::NO_SYMLINKS;
    match rustix::fs::openat2(dirfd, name, flags, Mode::empty(), resolve) {
        Err(Errno::NOSYS | Errno::PERM) => rustix::fs::openat(dirfd, name, flags, Mode::empty()),
        other => other,
    }
}

/// What is at a name in a directory (without following it), if anything.
pub enum Existing {
    Missing,
    /// A regular file: its content and metadata.
    Regular(Vec<u8>, Metadata),
}

impl Dir {
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn open_dir(&self, name: &OsStr, create: bool) -> Result<Option<Dir>, BeneathError> {
        let path = self.path.join(name);
        let open = || open_component(self.fd.as_fd(), name, OFlags::RDONLY | OFlags::DIRECTORY);
        let fd = match open() {
            Ok(fd) => fd,
            Err(Errno::NOENT) if !create => return Ok(None),
            Err(Errno::NOENT) => {
                match rustix::fs::mkdirat(self.fd.as_fd(), name, Mode::from_raw_mode(0o755)) {
                    Ok(()) | Err(Errno::EXIST) => {}
                    Err(e) => return Err(BeneathError::Io { path, source: e.into() }),
                }
                open().map_err(|e| self.refusal(name, e))?
            }
            Err(e) => return Err(self.refusal(name, e)),
        };
        Ok(Some(Dir { fd, path, root: self.root.clone() }))
    }

    /// Why `name` could not be opened: a symlink or the wrong kind of file, said as such.
    fn refusal(&self, name: &OsStr, e: Errno) -> BeneathError {
        let path = self.path.join(name);
        if !matches!(e, Errno::LOOP | Errno::NOTDIR | Errno::XDEV) {
            return BeneathError::Io { path, source: e.into() };
        }
        match rustix::fs::statat(self.fd.as_fd(), name, AtFlags::SYMLINK_NOFOLLOW) {
            Ok(st) => {
                let kind = rustix::fs::FileType::from_raw_mode(st.st_mode);
                if kind == rustix::fs::FileType::Symlink {
                    let to = rustix::fs::readlinkat(self.fd.as_fd(), name, Vec::new())
                        .map(|c| PathBuf::from(c.to_string_lossy().into_owned()))
                        .unwrap_or_else(|_| PathBuf::from("?"));
                    BeneathError::Symlink { path, to, root: self.root.clone() }
                } else {
                    BeneathError::NotDirectory { path, kind: kind_of(kind) }
                }
            }
            Err(e) => BeneathError::Io { path, source: e.into() },
        }
    }

    /// What is at `name`: nothing, or a regular file (read). A symlink, FIFO, device or
    /// directory is refused without being opened.
    pub fn existing(&self, name: &OsStr) -> Result<Existing, BeneathError> {
        let path = self.path.join(name);
        match rustix::fs::statat(self.fd.as_fd(), name, AtFlags::SYMLINK_NOFOLLOW) {
            Err(Errno::NOENT) => return Ok(Existing::Missing),
            Err(e) => return Err(BeneathError::Io { path, source: e.into() }),
            Ok(st) => {
                let kind = rustix::fs::FileType::from_raw_mode(st.st_mode);
                if kind == rustix::fs::FileType::Symlink {
                    return Err(self.refusal(name, Errno::LOOP));
                }
                if kind != rustix::fs::FileType::RegularFile {
                    return Err(BeneathError::NotRegular { path, kind: kind_of(kind) });
                }
            }
        }
        // O_NONBLOCK: if a FIFO was swapped in since the check, the open does not wait for a writer.
        let fd = open_component(self.fd.as_fd(), name, OFlags::RDONLY | OFlags::NONBLOCK)
            .map_err(|e| self.refusal(name, e))?;
        let mut file = File::from(fd);
        let io_error = |source| BeneathError::Io { path: path.clone(), source };
        let meta = file.metadata().map_err(io_error)?;
        if !meta.is_file() {
            return Err(BeneathError::NotRegular { path, kind: kind_name(meta.file_type()) });
        }
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes).map_err(io_error)?;
        Ok(Existing::Regular(bytes, meta))
    }

    /// Replaces (or creates) `name` with `bytes` atomically, within this open directory.
    ///
    /// `tempfile` only works with paths, and a path (even `/proc/self/fd/N/…`) would be
    /// resolved again at rename time and needs /proc mounted; so the temp file is made here
    /// with O_CREAT|O_EXCL|O_NOFOLLOW and a random name, and renamed with renameat in the same
    /// directory descriptor: no path is ever resolved twice.
    pub fn replace(&self, name: &OsStr, bytes: &[u8], existing: Option<&Metadata>) -> Result<(), BeneathError> {
        let target = self.path.join(name);
        let (temp_name, mut file) = self.create_temp(name, existing.is_some())?;
        let result = (|| {
            if let Some(meta) = existing {
                keep_owner_and_mode(&file, meta, &target)?;
            }
            let io_error = |source| BeneathError::Io { path: target.clone(), source };
            file.write_all(bytes).map_err(io_error)?;
            file.sync_all().map_err(io_error)?;
            rustix::fs::renameat(self.fd.as_fd(), &temp_name, self.fd.as_fd(), name).map_err(|e| io_error(e.into()))?;
            Ok(())
        })();
        if result.is_err() {
            let _ = rustix::fs::unlinkat(self.fd.as_fd(), &temp_name, AtFlags::empty());
            return result;
        }
        match rustix::fs::fsync(self.fd.as_fd()) {
            Ok(()) | Err(Errno::INVAL) => Ok(()),
            Err(e) => Err(BeneathError::Io { path: self.path.clone(), source: e.into() }),
        }
    }

    fn create_temp(&self, name: &OsStr, private: bool) -> Result<(PathBuf, File), BeneathError> {
        let temp_error = |source| BeneathError::TempFile { path: self.path.join(name), dir: self.path.clone(), source };
        // 0666 less the umask for a new file, as File::create; private until it has the old
        // file's owner and mode.
        let mode = Mode::from_raw_mode(if private { 0o600 } else { 0o666 });
        let flags = OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC;
        for _ in 0..100 {
            let mut random = [0u8; 8];
            rustix::rand::getrandom(&mut random, rustix::rand::GetRandomFlags::empty())
                .map_err(|e| temp_error(e.into()))?;
            let hex: String = random.iter().map(|b| format!("{b:02x}")).collect();
            let temp_name = PathBuf::from(format!(".{}.{hex}.tmp", name.to_string_lossy()));
            match rustix::fs::openat(self.fd.as_fd(), &temp_name, flags, mode) {
                Ok(fd) => return Ok((temp_name, File::from(fd))),
                Err(Errno::EXIST) => continue,
                Err(e) => return Err(temp_error(e.into())),
            }
        }
        Err(temp_error(io::Error::from(io::ErrorKind::AlreadyExists)))
    }
}

fn kind_of(t: rustix::fs::FileType) -> &'static str {
    use rustix::fs::FileType as T;
    match t {
        T::RegularFile => "a regular file",
        T::Directory => "a directory",
        T::Symlink => "a symbolic link",
        T::Fifo => "a FIFO",
        T::Socket => "a socket",
        T::CharacterDevice => "a character device",
        T::BlockDevice => "a block device",
        T::Unknown => "not a file",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    fn root(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("seccompose-beneath-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("root")).unwrap();
        dir
    }

    #[test]
    fn missing_directories_are_created_and_symlinked_ones_refused() {
        let base = root("dirs");
        let r = Root::open(&base.join("root")).unwrap();
        let made = r.dir(&[OsStr::new("a"), OsStr::new("b")], true).unwrap().unwrap();
        assert_eq!(made.path(), base.join("root/a/b"));
        assert!(base.join("root/a/b").is_dir());
        assert!(r.dir(&[OsStr::new("c")], false).unwrap().is_none());
        std::fs::create_dir(base.join("outside")).unwrap();
        symlink(base.join("outside"), base.join("root/profiles")).unwrap();
        let Err(e) = r.dir(&[OsStr::new("profiles")], true) else { panic!("followed the link") };
        assert!(matches!(e, BeneathError::Symlink { .. }), "{e}");
        std::fs::write(base.join("root/file"), "").unwrap();
        let Err(e) = r.dir(&[OsStr::new("file"), OsStr::new("x")], true) else { panic!("a file as a dir") };
        assert_eq!(e.to_string(), format!("{}: not a directory (a regular file)", base.join("root/file").display()));
        std::fs::remove_dir_all(&base).unwrap();
    }

    #[test]
    fn replacing_leaves_no_temp_file_and_keeps_the_mode() {
        let base = root("replace");
        let r = Root::open(&base.join("root")).unwrap();
        let dir = r.dir(&[], false).unwrap().unwrap();
        let name = OsStr::new("p.json");
        dir.replace(name, b"one", None).unwrap();
        std::fs::set_permissions(base.join("root/p.json"), std::os::unix::fs::PermissionsExt::from_mode(0o600))
            .unwrap();
        let Existing::Regular(bytes, meta) = dir.existing(name).unwrap() else { panic!("missing") };
        assert_eq!(bytes, b"one");
        dir.replace(name, b"two", Some(&meta)).unwrap();
        assert_eq!(std::fs::read(base.join("root/p.json")).unwrap(), b"two");
        let mode = std::os::unix::fs::MetadataExt::mode(&std::fs::metadata(base.join("root/p.json")).unwrap());
        assert_eq!(mode & 0o777, 0o600);
        let entries: Vec<_> = std::fs::read_dir(base.join("root")).unwrap().collect();
        assert_eq!(entries.len(), 1);
        std::fs::remove_dir_all(&base).unwrap();
    }
}
