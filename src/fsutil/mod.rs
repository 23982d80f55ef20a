//! Safe file I/O for every front end: atomic writes that no planted symlink or FIFO can
//! redirect or hang, reads that refuse FIFOs and devices, and writes confined beneath a root.

pub mod beneath;
pub mod read;
pub mod write;

pub use read::open_regular;
pub use write::{Saved, WriteError, write_file};

use std::fs::FileType;
use std::os::unix::fs::FileTypeExt;

/// An OS error as words for a message: "permission denied", without "(os error 13)" or the
/// path that `tempfile` appends (the message names the path itself).
pub fn reason(e: &std::io::Error) -> String {
    let text = e.to_string();
    let text = text.split(" (os error").next().unwrap_or(&text);
    let text = text.split(" at path \"").next().unwrap_or(text);
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => text.to_string(),
    }
}

/// What a file is, for "not a regular file (a FIFO)".
pub fn kind_name(t: FileType) -> &'static str {
    if t.is_file() {
        "a regular file"
    } else if t.is_dir() {
        "a directory"
    } else if t.is_symlink() {
        "a symbolic link"
    } else if t.is_fifo() {
        "a FIFO"
    } else if t.is_block_device() {
        "a block device"
    } else if t.is_char_device() {
        "a character device"
    } else if t.is_socket() {
        "a socket"
    } else {
        "not a file"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_are_words_without_codes_or_paths() {
        let denied = std::io::Error::from_raw_os_error(13);
        assert_eq!(reason(&denied), "permission denied");
        let wrapped = std::io::Error::new(denied.kind(), format!("{denied} at path \"/x/.y.tmp\""));
        assert_eq!(reason(&wrapped), "permission denied");
    }
}
