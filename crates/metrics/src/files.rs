//! Small files read whole (cgroup files, a bearer token, a CA bundle): only regular files, and
//! at most a stated size. A FIFO given as one would block the read (or its `open`) until a
//! writer comes; `/dev/zero` or a huge file would be read into memory without end.

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

use oomdoc_model::bytes::exact;

/// The most a cgroup file is read: 1 MiB (`memory.stat`, the largest, is a few KB; the others
/// hold one number).
pub const MAX_CGROUP_FILE: u64 = 1 << 20;

/// The most a bearer token file may hold: 64 KiB (a service-account JWT is about 1 KB, an OIDC
/// token with many groups tens of KB; proxies refuse longer header lines well before this).
pub const MAX_TOKEN_FILE: u64 = 64 << 10;

/// The most a CA file may hold: 1 MiB (the whole Mozilla root store is about 220 KB of PEM).
pub const MAX_CA_FILE: u64 = 1 << 20;

/// Reads `path` whole when it is a regular file of at most `cap` bytes. A FIFO, socket, device
/// or directory is refused before it is opened (`ErrorKind::InvalidInput`), a longer file once
/// `cap + 1` bytes were read (`ErrorKind::InvalidData`; the size in the metadata is not trusted:
/// cgroup and proc files say 0 or 4096). Messages name the path.
pub fn read_small(path: &Path, cap: u64) -> io::Result<Vec<u8>> {
    let named = |e: io::Error| io::Error::new(e.kind(), format!("{}: {e}", path.display()));
    let not_regular = || {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{} is not a regular file", path.display()),
        )
    };
    if !std::fs::metadata(path).map_err(named)?.is_file() {
        return Err(not_regular());
    }
    let f = File::open(path).map_err(named)?;
    // Checked again on what was opened: the path may have changed in between.
    if !f.metadata().map_err(named)?.is_file() {
        return Err(not_regular());
    }
    let mut buf = Vec::new();
    f.take(cap + 1).read_to_end(&mut buf).map_err(named)?;
    if buf.len() as u64 > cap {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "{} is longer than {}, the most it may hold",
                path.display(),
                exact(cap)
            ),
        ));
    }
    Ok(buf)
}

/// [`read_small`] as UTF-8 text (else `ErrorKind::InvalidData`).
pub fn read_small_text(path: &Path, cap: u64) -> io::Result<String> {
    String::from_utf8(read_small(path, cap)?).map_err(|_| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("{} is not UTF-8 text", path.display()),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regular_files_up_to_the_cap() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("f");
        std::fs::write(&p, "12345").unwrap();
        assert_eq!(read_small(&p, 5).unwrap(), b"12345");
        let e = read_small(&p, 4).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidData);
        std::fs::write(&p, [b'x'; 1025]).unwrap();
        let e = read_small(&p, 1024).unwrap_err();
        assert!(
            e.to_string()
                .ends_with("f is longer than 1Ki, the most it may hold"),
            "{e}"
        );
        let e = read_small(d.path(), 5).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidInput);
        let e = read_small(&d.path().join("missing"), 5).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::NotFound);
        assert!(e.to_string().contains("missing: "), "{e}");
    }

    /// `/dev/zero` is endless: refused as a device, not read.
    #[test]
    fn devices_are_refused() {
        let e = read_small(Path::new("/dev/zero"), 10).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidInput, "{e}");
        assert_eq!(e.to_string(), "/dev/zero is not a regular file");
    }
}
