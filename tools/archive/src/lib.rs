//! Deterministic archives for the ofiuco rules.
//!
//! * [`fragment`] packs one installed package tree (the output of `ofiuco
//!   install`) into a compressed *fragment* zip, optionally checking every ELF
//!   file against a target CPU and glibc ceiling ([`elf`]).
//! * [`wheel`] makes the same fragment straight from a wheel, copying its
//!   compressed entries (inflated once, to verify them) instead of unpacking
//!   and recompressing them.
//! * [`assemble`] copies the compressed entries of many fragments, plus a few
//!   application files, into a byte-reproducible AWS Lambda zip (function or
//!   layer layout), applying `exclude` globs ([`exclude`]) and Lambda's size
//!   limits, and reports sizes per package.
//! * [`layer`] writes deterministic OCI image layers (tar + gzip) of
//!   installed trees and application files, with their digests.
//! * [`venv`] merges several installed trees into one (for `py_venv`).
//!
//! Every output is written to a temporary file or directory beside it and
//! renamed into place at the end, so an error leaves no partial output.

pub mod assemble;
mod data;
pub mod elf;
mod error;
pub mod exclude;
pub mod fragment;
pub mod layer;
mod pipeline;
pub use ofiuco_spec::text;
mod tree;
pub mod venv;
pub mod wheel;
mod zipout;

pub use assemble::{assemble, AppFile, AssembleOptions, Layout, LimitMode, Limits, Report};
pub use elf::{Cpu, ElfCheck, GlibcVersion};
pub use error::ArchiveError;
pub use exclude::Excludes;
pub use fragment::{pack_fragment, FragmentManifest, FragmentOptions};
pub use layer::{write_layer, LayerDescriptor, LayerOptions, LayerTree};
pub use venv::{merge_venv, VenvReport};
pub use wheel::pack_wheel_fragment;

/// The timestamp of every entry: 1980-01-01 00:00:00, the zip epoch.
pub fn fixed_time() -> zip::DateTime {
    zip::DateTime::default()
}

/// The comment `ofiuco fragment` writes, `ofiuco-fragment/2 crc32=XXXXXXXX
/// package=NAME`, up to the checksum: the CRC-32 of the fragment up to its end
/// records (every header and all data), in hex.
pub(crate) const FRAGMENT_COMMENT_V2: &str = "ofiuco-fragment/2 crc32=";
/// The comment of fragments written by earlier releases, without a checksum;
/// the package name follows.
pub(crate) const FRAGMENT_COMMENT_V1: &str = "ofiuco-fragment/1 package=";

/// Zip modes are normalized: 0755 if any execute bit is set, else 0644.
pub fn normalized_mode(executable: bool) -> u32 {
    if executable {
        0o755
    } else {
        0o644
    }
}
