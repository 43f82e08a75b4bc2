use std::io;
use std::path::PathBuf;

use crate::assemble::LimitsExceeded;
use crate::elf::GlibcVersion;

/// Everything that can go wrong while packing, assembling or merging. Each
/// variant carries the input that was bad; messages end in a `hint:` line
/// where there is something to do about it.
#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    #[error("failed to {action} `{}`", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("failed to {action} `{}`", path.display())]
    Zip {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: zip::result::ZipError,
    },
    #[error(
        "`{}` is not valid UTF-8\n\
         hint: zip entries need UTF-8 names; rename the file",
        path.display()
    )]
    NonUtf8Path { path: PathBuf },
    #[error(
        "tree `{}` has no `{prefix}` directory\n\
         hint: pass a tree written by `ofiuco install` (site-packages/, bin/, ...)",
        tree.display()
    )]
    MissingPrefix { tree: PathBuf, prefix: String },
    #[error(
        "package `{package}`: `{path}` differs between tree `{}` and tree `{}`\n\
         hint: each path may come from one tree only, or from several with identical content",
        first.display(),
        second.display()
    )]
    TreeConflict {
        package: String,
        path: String,
        first: PathBuf,
        second: PathBuf,
    },
    #[error(
        "`{path}` in package `{package}` is an ELF file for {found}, but the target CPU is {expected}\n\
         hint: the package was installed from a wheel for another CPU; pick a wheel built for {expected} \
         (check the target platform's `@platforms//cpu` constraint)"
    )]
    ElfMachine {
        package: String,
        path: String,
        found: String,
        expected: String,
    },
    #[error(
        "`{path}` in package `{package}` needs GLIBC_{needed} ({requirement}), but the target's glibc is {ceiling}\n\
         hint: pick a wheel built for manylinux_{}_{} or older (another version of `{package}`), \
         or target a runtime with glibc {needed} or newer (AWS Lambda: python3.10/3.11 have glibc 2.26, python3.12 and newer have 2.34)",
        ceiling.major,
        ceiling.minor
    )]
    ElfGlibc {
        package: String,
        path: String,
        needed: GlibcVersion,
        /// What asks for it, e.g. "symbol `pthread_create` from libc.so.6".
        requirement: String,
        ceiling: GlibcVersion,
    },
    #[error(
        "`{path}` in package `{package}` starts with the ELF magic but cannot be parsed: {message}\n\
         hint: the file is damaged, or not meant to be loaded; report it to the package's maintainers"
    )]
    ElfParse {
        package: String,
        path: String,
        message: String,
    },
    #[error("invalid exclude pattern `{pattern}`: {message}")]
    InvalidExclude { pattern: String, message: String },
    #[error("invalid archive path `{path}` for {owner}: {reason}")]
    InvalidArchivePath {
        path: String,
        owner: String,
        reason: &'static str,
    },
    #[error(
        "`{}` is not an ofiuco fragment\n\
         hint: pack installed packages with `ofiuco fragment` and pass its output to --fragment",
        path.display()
    )]
    NotAFragment { path: PathBuf },
    #[error(
        "conflicting files at `{path}` in the archive: {first} and {second} provide different content\n\
         hint: exclude one of them with an `exclude` glob, or drop one of the packages"
    )]
    ArchiveConflict {
        path: String,
        first: String,
        second: String,
    },
    #[error("{0}")]
    Limits(Box<LimitsExceeded>),
    #[error(
        "conflicting files at `{path}` in the venv: package `{first}` and package `{second}` provide different content\n\
         hint: nothing was written; drop one of the packages from the venv"
    )]
    VenvConflict {
        path: String,
        first: String,
        second: String,
    },
    #[error(
        "output directory `{}` is not empty\n\
         hint: write into a new or empty directory",
        path.display()
    )]
    OutputNotEmpty { path: PathBuf },
}

pub(crate) fn io_err(
    action: &'static str,
    path: impl Into<PathBuf>,
) -> impl FnOnce(io::Error) -> ArchiveError {
    let path = path.into();
    move |source| ArchiveError::Io {
        action,
        path,
        source,
    }
}

pub(crate) fn zip_err(
    action: &'static str,
    path: impl Into<PathBuf>,
) -> impl FnOnce(zip::result::ZipError) -> ArchiveError {
    let path = path.into();
    move |source| ArchiveError::Zip {
        action,
        path,
        source,
    }
}
