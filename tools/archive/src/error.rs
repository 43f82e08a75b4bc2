use std::io;
use std::path::PathBuf;

use crate::assemble::LimitsExceeded;
use crate::elf::GlibcVersion;
use crate::text::{shown, shown_path};

/// Everything that can go wrong while packing, assembling or merging. Each
/// variant carries the input that was bad; messages end in a `hint:` line
/// where there is something to do about it. Paths and names from trees and
/// fragments are shown through [`crate::text::shown`] (control characters
/// escaped, long values cut).
#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    #[error("failed to {action} `{path}`", path = shown_path(.path))]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("failed to {action} `{path}`", path = shown_path(.path))]
    Zip {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: zip::result::ZipError,
    },
    #[error(
        "`{path}` is not valid UTF-8\n\
         hint: zip entries need UTF-8 names; rename the file",
        path = shown_path(.path)
    )]
    NonUtf8Path { path: PathBuf },
    #[error(
        "tree `{tree}` has no `{prefix}` directory\n\
         hint: pass a tree written by `ofiuco install` (site-packages/, bin/, ...)",
        tree = shown_path(.tree), prefix = shown(.prefix)
    )]
    MissingPrefix { tree: PathBuf, prefix: String },
    #[error(
        "`{path}` is a symbolic link to a directory that contains it\n\
         hint: a link cycle has no end; remove the link from the tree",
        path = shown_path(.path)
    )]
    SymlinkCycle { path: PathBuf },
    #[error(
        "tree `{root}` has more than {limit} files and directories (counting those reached through \
         symbolic links every time)\n\
         hint: check the tree for links that reach the same directories over and over",
        root = shown_path(.root)
    )]
    TooManyFiles { root: PathBuf, limit: u64 },
    #[error(
        "package `{package}`: `{path}` differs between tree `{first}` and tree `{second}`\n\
         hint: each path may come from one tree only, or from several with identical content",
        package = shown(.package), path = shown(.path),
        first = shown_path(.first), second = shown_path(.second)
    )]
    TreeConflict {
        package: String,
        path: String,
        first: PathBuf,
        second: PathBuf,
    },
    #[error(
        "`{first}` in {first_owner} and `{second}` in {second_owner} differ only in case: \
         one path on a case-insensitive file system (macOS, Windows), where one would replace the other\n\
         hint: nothing was written; drop or exclude one of them",
        first = shown(.first), second = shown(.second)
    )]
    CaseConflict {
        first: String,
        /// Who provides it, e.g. "package `a`" or "tree `t`".
        first_owner: String,
        second: String,
        second_owner: String,
    },
    #[error(
        "`{file}` is a file in {file_owner}, but {inside_owner} has `{inside}` inside it: \
         a path cannot be both a file and a directory\n\
         hint: nothing was written; drop or exclude one of them",
        file = shown(.file), inside = shown(.inside)
    )]
    FileDirectoryConflict {
        file: String,
        /// Who provides the file, e.g. "package `a`" or "tree `t`".
        file_owner: String,
        /// A path below `file`.
        inside: String,
        inside_owner: String,
    },
    #[error(
        "`{path}` in package `{package}` is an ELF file for {found}, but the target CPU is {expected}\n\
         hint: the package was installed from a wheel for another CPU; pick a wheel built for {expected} \
         (check the target platform's `@platforms//cpu` constraint)",
        path = shown(.path), package = shown(.package)
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
        ceiling.minor,
        path = shown(.path), package = shown(.package), requirement = shown(.requirement)
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
         hint: the file is damaged, or not meant to be loaded; report it to the package's maintainers",
        path = shown(.path), package = shown(.package), message = shown(.message)
    )]
    ElfParse {
        package: String,
        path: String,
        message: String,
    },
    #[error(
        "`{path}` in package `{package}` is an ELF file of {size} bytes, too large to check (the limit is {limit})\n\
         hint: the file is damaged or not a library; report it to the package's maintainers",
        path = shown(.path), package = shown(.package)
    )]
    ElfTooLarge {
        package: String,
        path: String,
        size: u64,
        limit: u64,
    },
    #[error(
        "`{path}` changed while it was being packed\n\
         hint: inputs must not change during the build",
        path = shown_path(.path)
    )]
    FileChanged { path: PathBuf },
    #[error("invalid exclude pattern `{pattern}`: {message}", pattern = shown(.pattern), message = shown(.message))]
    InvalidExclude { pattern: String, message: String },
    #[error("invalid archive path `{path}` for {owner}: {reason}", path = shown(.path))]
    InvalidArchivePath {
        path: String,
        /// Written by this crate, untrusted parts shown safely.
        owner: String,
        reason: &'static str,
    },
    #[error(
        "`{path}` is not an ofiuco fragment\n\
         hint: pack installed packages with `ofiuco fragment` and pass its output to --fragment",
        path = shown_path(.path)
    )]
    NotAFragment { path: PathBuf },
    #[error(
        "fragment `{fragment}` is invalid: entry `{path}` {reason}\n\
         hint: nothing was written; rebuild the fragment with `ofiuco fragment`",
        fragment = shown_path(.fragment), path = shown(.path)
    )]
    BadFragmentEntry {
        fragment: PathBuf,
        path: String,
        /// Written by this crate, untrusted parts shown safely.
        reason: String,
    },
    #[error(
        "fragment `{fragment}` does not match its checksum (CRC-32 {actual:08x}, written as {expected:08x})\n\
         hint: nothing was written; the file was changed or damaged after `ofiuco fragment` wrote it, rebuild it",
        fragment = shown_path(.fragment)
    )]
    FragmentChecksum {
        fragment: PathBuf,
        expected: u32,
        actual: u32,
    },
    #[error(
        "conflicting files at `{path}` in the archive: {first} and {second} provide different content\n\
         hint: exclude one of them with an `exclude` glob, or drop one of the packages",
        path = shown(.path)
    )]
    ArchiveConflict {
        path: String,
        /// Written by this crate, untrusted parts shown safely.
        first: String,
        second: String,
    },
    #[error("{0}")]
    Limits(Box<LimitsExceeded>),
    #[error(
        "conflicting files at `{path}` in the venv: package `{first}` and package `{second}` provide different content\n\
         hint: nothing was written; drop one of the packages from the venv",
        path = shown(.path), first = shown(.first), second = shown(.second)
    )]
    VenvConflict {
        path: String,
        first: String,
        second: String,
    },
    #[error(
        "output directory `{path}` is not empty\n\
         hint: write into a new or empty directory",
        path = shown_path(.path)
    )]
    OutputNotEmpty { path: PathBuf },
    /// A wheel refused as `ofiuco install` refuses it (`fragment --wheel`).
    #[error(transparent)]
    Wheel(#[from] ofiuco_install::InstallError),
    #[error(
        "internal error: a worker thread panicked\n\
         hint: nothing was written; this is a bug in ofiuco, please report it"
    )]
    WorkerPanicked,
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
