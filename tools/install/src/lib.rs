//! Installation of a wheel into a tree, like pip but strict and deterministic.
//! Wheel filenames and names come from `ofiuco-spec`.

mod install;
mod reader;
pub use ofiuco_spec::text;

pub use install::{
    install, CheckedWheel, InstallError, InstallOptions, InstallReport, RawEntry, StreamError,
    WheelFile, DEFAULT_BOMB_MIN_SIZE, DEFAULT_MAX_COMPRESSION_RATIO, DEFAULT_MAX_UNPACKED_BYTES,
    MAX_METADATA_BYTES, MAX_RECORD_BYTES,
};
