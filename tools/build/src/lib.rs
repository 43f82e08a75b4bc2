//! Checks and metadata for built and buildable distributions.
//!
//! * [`wheel`]: `ofiuco check-wheel` verifies a freshly built wheel against
//!   its target (ELF machine, symbol versions within the manylinux
//!   [`policy`], needed libraries, no libpython, tags) and writes it
//!   retagged `manylinux_<X>_<Y>_<arch>`, reproducibly.
//! * [`sdist`]: `ofiuco sdist-info` reads what building an sdist or source
//!   tree needs: its PEP 517 backend, PEP 518 requirements, name and version,
//!   and its `Cargo.lock`'s crates ([`cargo`]), without extracting anything.
//!
//! Outputs are written to a temporary file beside them and renamed into
//! place, so an error leaves nothing behind.

pub mod cargo;
pub mod policy;
pub mod sdist;
pub mod wheel;

use std::fs::File;
use std::io::{self, Write};
use std::path::Path;

pub use sdist::{sdist_info, SdistError, SdistInfo, Source};
pub use wheel::{check_wheel, CheckError, CheckOptions, PythonTarget};

/// Writes `path` through a temporary file beside it, renamed into place
/// when `write` succeeds; on failure the temporary file is removed.
pub fn write_atomically(
    path: &Path,
    write: impl FnOnce(&mut File) -> io::Result<()>,
) -> io::Result<()> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".ofiuco-tmp-")
        .tempfile_in(dir)?;
    write(tmp.as_file_mut())?;
    tmp.as_file_mut().flush()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// Reads an sdist or source tree and writes its [`SdistInfo`] as JSON.
pub fn write_sdist_info(source: Source<'_>, output: &Path) -> Result<SdistInfo, SdistError> {
    let info = sdist_info(source)?;
    let mut json = serde_json::to_vec_pretty(&info).map_err(|e| SdistError::Write {
        path: output.to_path_buf(),
        source: io::Error::other(e),
    })?;
    json.push(b'\n');
    write_atomically(output, |f| f.write_all(&json)).map_err(|source| SdistError::Write {
        path: output.to_path_buf(),
        source,
    })?;
    Ok(info)
}
