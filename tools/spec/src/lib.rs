//! The Python packaging specs ofiuco models: package names, wheel and sdist
//! filenames, compatibility tags (PEP 425) and their ranking, and target
//! environments (the tags and PEP 508 markers of a CPython on any platform,
//! independent of the host).
//!
//! This crate knows nothing about lock files or installing; the installer
//! (`ofiuco-install`), the lock readers (`ofiuco-lock`) and the hub
//! (`ofiuco-hub`) build on it.

mod env;
mod filename;
mod name;
pub mod paths;
pub mod pep508_guard;
mod rank;
mod tags;
pub mod text;

pub use env::{
    python_full_version, standard_envs, Arch, Libc, Os, TargetEnv, TargetEnvError, STANDARD_GLIBC,
    STANDARD_PYTHONS,
};
pub use filename::{is_sdist, WheelFilename, WheelFilenameError};
pub use name::{dist_info_name, normalize_name, NameProblem, PackageName, PackageNameError};
pub use rank::{Interner, RankedWheel, Ranker};
pub use tags::{Tag, TagOrder};
