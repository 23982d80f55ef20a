//! Opening input files: a FIFO, device or socket planted where a profile, manifest or log is
//! expected must not hang the program or be read from (opening a device can itself act).

use super::kind_name;
use std::fs::{File, OpenOptions};
use std::io;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

/// Opens `path` for reading if it is a regular file (symlinks to one are fine); anything else
/// is refused with "not a regular file (a FIFO)". The file type is checked before opening, so a
/// device is never opened, and again on the open file, with `O_NONBLOCK` so that a FIFO swapped
/// in between cannot block the open.
///
/// The caller's own descriptors (`/dev/stdin`, `/dev/fd/N`, `/proc/self/fd/N`, as in
/// `diff <(git show HEAD:p.json) p.json`) are read as they are: nobody else can plant those.
pub fn open_regular(path: &Path) -> io::Result<File> {
    if is_own_descriptor(path) {
        return File::open(path);
    }
    let before = std::fs::metadata(path)?;
    if !before.is_file() {
        return Err(not_regular(before.file_type()));
    }
    let file = OpenOptions::new().read(true).custom_flags(libc::O_NONBLOCK).open(path)?;
    let opened = file.metadata()?;
    if !opened.is_file() {
        return Err(not_regular(opened.file_type()));
    }
    Ok(file)
}

/// Reads a whole regular file (see [`open_regular`]).
pub fn read_regular(path: &Path) -> io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    io::Read::read_to_end(&mut open_regular(path)?, &mut bytes)?;
    Ok(bytes)
}

/// Reads a whole regular file as UTF-8 text (see [`open_regular`]).
pub fn read_text(path: &Path) -> io::Result<String> {
    let mut text = String::new();
    io::Read::read_to_string(&mut open_regular(path)?, &mut text)?;
    Ok(text)
}

fn not_regular(t: std::fs::FileType) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, format!("not a regular file ({})", kind_name(t)))
}

fn is_own_descriptor(path: &Path) -> bool {
    path == Path::new("/dev/stdin") || path.starts_with("/dev/fd/") || path.starts_with("/proc/self/fd/")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    fn dir(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("seccompose-read-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn a_fifo_is_refused_at_once() {
        let dir = dir("fifo");
        let fifo = dir.join("p.json");
        rustix::fs::mkfifoat(rustix::fs::CWD, &fifo, rustix::fs::Mode::from_raw_mode(0o600)).unwrap();
        let link = dir.join("link.json");
        std::os::unix::fs::symlink(&fifo, &link).unwrap();
        let start = Instant::now();
        for path in [&fifo, &link] {
            let e = open_regular(path).unwrap_err();
            assert_eq!(e.to_string(), "not a regular file (a FIFO)");
        }
        assert!(start.elapsed() < Duration::from_secs(5));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn devices_and_directories_are_refused_and_regular_files_read() {
        assert_eq!(
            open_regular(Path::new("/dev/null")).unwrap_err().to_string(),
            "not a regular file (a character device)"
        );
        assert_eq!(open_regular(Path::new("/")).unwrap_err().to_string(), "not a regular file (a directory)");
        let dir = dir("regular");
        let file = dir.join("a.json");
        std::fs::write(&file, "{}").unwrap();
        assert_eq!(read_regular(&file).unwrap(), b"{}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
