use std::io;
use std::path::PathBuf;

use ofiuco_spec::text::{shown, shown_path};

/// Everything that can go wrong while reading a base layout or writing an
/// image layout. Each variant names the input; text read from layouts is
/// shown through [`ofiuco_spec::text::shown`].
#[derive(Debug, thiserror::Error)]
pub enum ImageError {
    #[error("failed to {action} `{path}`", path = shown_path(.path))]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error(
        "base `{path}` does not exist\n\
         hint: give an OCI image layout, as a directory or a tar (e.g. `skopeo copy docker://IMAGE oci-archive:base.tar`)",
        path = shown_path(.path)
    )]
    MissingBase { path: PathBuf },
    #[error(
        "`{path}` is not an OCI image layout: {reason}\n\
         hint: give a directory (or an uncompressed tar) with `oci-layout`, `index.json` and `blobs/`, as `skopeo copy ... oci:DIR` or `oci-archive:FILE.tar` writes",
        path = shown_path(.path)
    )]
    NotALayout {
        path: PathBuf,
        /// Written by this crate, untrusted parts shown safely.
        reason: String,
    },
    #[error(
        "`{file}` in layout `{layout}` is not valid: {message}\n\
         hint: the layout is damaged or not an OCI image layout; write it again (e.g. with skopeo)",
        file = shown(.file), layout = shown_path(.layout), message = shown(.message)
    )]
    BadJson {
        layout: PathBuf,
        file: String,
        message: String,
    },
    #[error(
        "layout `{layout}` refers to {what} `{digest}` of media type `{media_type}`, which ofiuco does not read\n\
         hint: convert the image to OCI media types, e.g. `skopeo copy --format oci docker://IMAGE oci:DIR`",
        layout = shown_path(.layout), digest = shown(.digest), media_type = shown(.media_type)
    )]
    UnsupportedMediaType {
        layout: PathBuf,
        what: &'static str,
        digest: String,
        media_type: String,
    },
    #[error(
        "layout `{layout}` has no blob `{digest}`\n\
         hint: the layout is incomplete; copy it again (skopeo copies every blob of the image)",
        layout = shown_path(.layout), digest = shown(.digest)
    )]
    MissingBlob { layout: PathBuf, digest: String },
    #[error(
        "blob `{digest}` of layout `{layout}` does not match its descriptor: {problem}\n\
         hint: nothing was written; the layout is damaged, copy it again",
        layout = shown_path(.layout), digest = shown(.digest)
    )]
    BlobMismatch {
        layout: PathBuf,
        digest: String,
        /// Written by this crate.
        problem: String,
    },
    #[error(
        "base `{base}` has no image for {target}: it has {found}\n\
         hint: give a base layout for {target} (e.g. `skopeo copy --override-arch ARCH docker://IMAGE oci:DIR`), or build for the base's platform",
        base = shown_path(.base), found = shown(.found)
    )]
    WrongPlatform {
        base: PathBuf,
        target: String,
        found: String,
    },
    #[error(
        "images `{first}` and `{second}` are both for {platform}\n\
         hint: an index holds one image per platform; list each platform once",
        first = shown_path(.first), second = shown_path(.second)
    )]
    DuplicatePlatform {
        platform: String,
        first: PathBuf,
        second: PathBuf,
    },
    #[error("invalid {what} `{value}`: {reason}", value = shown(.value))]
    InvalidArgument {
        what: &'static str,
        value: String,
        reason: &'static str,
    },
    #[error(
        "output directory `{path}` is not empty\n\
         hint: write into a new or empty directory",
        path = shown_path(.path)
    )]
    OutputNotEmpty { path: PathBuf },
}

pub(crate) fn io_err(
    action: &'static str,
    path: impl Into<PathBuf>,
) -> impl FnOnce(io::Error) -> ImageError {
    let path = path.into();
    move |source| ImageError::Io {
        action,
        path,
        source,
    }
}
