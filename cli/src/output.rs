//! Files the command line writes: built in a temporary file beside the target and renamed into
//! place only when complete and synced, so that an interrupted run (a crash, a kill, a full
//! disk) never leaves a partial file at the path the user named.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use super::Failure;

/// Whether an existing file at the target may be replaced.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Existing {
    /// Refuse (the user did not pass `--force`).
    Refuse,
    /// Replace it once the new one is complete.
    Replace,
}

/// An output being written; dropped without [`PendingOutput::commit`], it leaves nothing.
pub struct PendingOutput {
    file: File,
    temporary: PathBuf,
    target: PathBuf,
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

fn failure(path: &Path, what: &str, e: &std::io::Error) -> Failure {
    Failure::Input(format!("cannot {what} {}: {}", path.display(), e.kind()))
}

impl PendingOutput {
    /// Starts writing `target`: a new temporary file in the same directory (so the final
    /// rename stays on one file system), readable and writable.
    pub fn create(target: &Path, existing: Existing) -> Result<Self, Failure> {
        if existing == Existing::Refuse && target.exists() {
            return Err(Failure::Input(format!("{} exists; pass --force to replace it", target.display())));
        }
        let name = target.file_name().ok_or_else(|| Failure::Input(format!("{} is not a file name", target.display())))?;
        let dir = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let mut temporary_name = std::ffi::OsString::from(".");
        temporary_name.push(name);
        temporary_name.push(format!(".{}.{}.partial", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed)));
        let temporary = dir.join(temporary_name);
        let file = OpenOptions::new().read(true).write(true).create_new(true).open(&temporary).map_err(|e| failure(target, "write", &e))?;
        Ok(Self { file, temporary, target: target.to_path_buf() })
    }

    /// The file being written.
    pub fn file(&mut self) -> &mut File {
        &mut self.file
    }

    /// Syncs the data, renames the temporary file onto the target and syncs the directory.
    pub fn commit(mut self) -> Result<(), Failure> {
        self.file.sync_all().map_err(|e| failure(&self.target, "write", &e))?;
        std::fs::rename(&self.temporary, &self.target).map_err(|e| failure(&self.target, "write", &e))?;
        #[cfg(unix)]
        if let Some(dir) = self.target.parent().filter(|p| !p.as_os_str().is_empty()) {
            File::open(dir).and_then(|d| d.sync_all()).map_err(|e| failure(&self.target, "write", &e))?;
        }
        self.temporary = PathBuf::new();
        Ok(())
    }
}

impl Drop for PendingOutput {
    fn drop(&mut self) {
        if !self.temporary.as_os_str().is_empty() {
            let _ = std::fs::remove_file(&self.temporary);
        }
    }
}

/// Writes `bytes` to `target` the same way.
pub fn write_file(target: &Path, bytes: &[u8], existing: Existing) -> Result<(), Failure> {
    let mut output = PendingOutput::create(target, existing)?;
    output.file().write_all(bytes).map_err(|e| failure(target, "write", &e))?;
    output.commit()
}

/// Whether two paths name the same file (same device and inode on Unix, the same canonical
/// path elsewhere): signing a file onto itself would replace the original it reads.
pub fn same_file(a: &Path, b: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if let (Ok(x), Ok(y)) = (std::fs::metadata(a), std::fs::metadata(b)) {
            return x.dev() == y.dev() && x.ino() == y.ino();
        }
    }
    matches!((std::fs::canonicalize(a), std::fs::canonicalize(b)), (Ok(x), Ok(y)) if x == y)
}
