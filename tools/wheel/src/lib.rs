//! Wheels for ofiuco: filenames, compatibility tags, target environments
//! (tags and PEP 508 markers of a CPython on any platform) and installation of
//! a wheel into a tree, like pip but strict and deterministic.

mod env;
mod filename;
mod install;
mod tags;

pub use env::{
    python_full_version, standard_envs, Arch, Libc, Os, TargetEnv, TargetEnvError, STANDARD_GLIBC,
    STANDARD_PYTHONS,
};
pub use filename::{is_sdist, normalize_name, WheelFilename, WheelFilenameError};
pub use install::{
    install, InstallError, InstallOptions, InstallReport, DEFAULT_BOMB_MIN_SIZE,
    DEFAULT_MAX_COMPRESSION_RATIO, DEFAULT_MAX_UNPACKED_BYTES,
};
pub use tags::{Tag, TagOrder, TagPriority};
