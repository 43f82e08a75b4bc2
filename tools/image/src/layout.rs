//! Reading OCI image layouts: a directory, or an uncompressed tar of one
//! (what `skopeo copy ... oci-archive:FILE` writes), read in place.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use oci_spec::image::{Descriptor, ImageConfiguration, ImageIndex, ImageManifest, MediaType};
use sha2::{Digest as _, Sha256};

use crate::error::{io_err, ImageError};

/// JSON documents of a layout (index, manifests, configs) larger than this are refused.
pub const MAX_JSON_BYTES: u64 = 16 << 20;
/// How deep indexes may nest.
const MAX_INDEX_DEPTH: usize = 4;

/// A reader of one file of a layout and the file's size.
type FileReader = (Box<dyn Read>, u64);

enum Source {
    Dir(PathBuf),
    /// Offset and size of each regular file of the tar, by path.
    Tar(HashMap<String, (u64, u64)>),
}

/// An OCI image layout opened for reading.
pub struct Layout {
    /// The path as given, for messages.
    pub path: PathBuf,
    source: Source,
}

impl Layout {
    pub fn open(path: &Path) -> Result<Layout, ImageError> {
        let meta = match std::fs::metadata(path) {
            Ok(meta) => meta,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Err(ImageError::MissingBase {
                    path: path.to_path_buf(),
                })
            }
            Err(e) => return Err(io_err("read", path)(e)),
        };
        let source = if meta.is_dir() {
            Source::Dir(path.to_path_buf())
        } else {
            Source::Tar(index_tar(path)?)
        };
        let layout = Layout {
            path: path.to_path_buf(),
            source,
        };
        let marker = layout.read_json_file("oci-layout")?;
        let version = serde_json::from_slice::<serde_json::Value>(&marker)
            .ok()
            .and_then(|v| v.get("imageLayoutVersion")?.as_str().map(str::to_string));
        if version.as_deref() != Some("1.0.0") {
            return Err(ImageError::NotALayout {
                path: path.to_path_buf(),
                reason: "`oci-layout` does not say `imageLayoutVersion: 1.0.0`".into(),
            });
        }
        Ok(layout)
    }

    fn not_a_layout(&self, reason: String) -> ImageError {
        ImageError::NotALayout {
            path: self.path.clone(),
            reason,
        }
    }

    /// The bytes of a small file of the layout (`oci-layout`, `index.json`).
    pub fn read_json_file(&self, name: &str) -> Result<Vec<u8>, ImageError> {
        let (mut reader, size) = self
            .open_file(name)?
            .ok_or_else(|| self.not_a_layout(format!("it has no `{name}`")))?;
        if size > MAX_JSON_BYTES {
            return Err(self.not_a_layout(format!(
                "`{name}` has {size} bytes, more than the {MAX_JSON_BYTES} ofiuco reads"
            )));
        }
        let mut data = Vec::new();
        reader
            .read_to_end(&mut data)
            .map_err(io_err("read", self.path.join(name)))?;
        Ok(data)
    }

    fn open_file(&self, name: &str) -> Result<Option<FileReader>, ImageError> {
        match &self.source {
            Source::Dir(dir) => {
                let path = dir.join(name);
                match File::open(&path) {
                    Ok(file) => {
                        let size = file.metadata().map_err(io_err("read", &path))?.len();
                        Ok(Some((Box::new(file), size)))
                    }
                    Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
                    Err(e) => Err(io_err("read", path)(e)),
                }
            }
            Source::Tar(entries) => {
                let Some(&(offset, size)) = entries.get(name) else {
                    return Ok(None);
                };
                let mut file = File::open(&self.path).map_err(io_err("read", &self.path))?;
                file.seek(SeekFrom::Start(offset))
                    .map_err(io_err("read", &self.path))?;
                Ok(Some((Box::new(file.take(size)), size)))
            }
        }
    }

    fn blob_name(&self, digest: &oci_spec::image::Digest) -> Result<String, ImageError> {
        let hex = digest.digest();
        if digest.algorithm().as_ref() != "sha256"
            || hex.len() != 64
            || !hex
                .bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
        {
            return Err(ImageError::BlobMismatch {
                layout: self.path.clone(),
                digest: digest.to_string(),
                problem: "ofiuco reads sha256 digests only".into(),
            });
        }
        Ok(format!("blobs/sha256/{hex}"))
    }

    /// A JSON blob, checked against its descriptor (size and digest).
    pub fn read_json_blob(&self, desc: &Descriptor) -> Result<Vec<u8>, ImageError> {
        if desc.size() > MAX_JSON_BYTES {
            return Err(self.mismatch(
                desc,
                format!("a JSON document of {} bytes is too large", desc.size()),
            ));
        }
        let mut data = Vec::new();
        self.copy_blob(desc, &mut data)?;
        Ok(data)
    }

    fn mismatch(&self, desc: &Descriptor, problem: String) -> ImageError {
        ImageError::BlobMismatch {
            layout: self.path.clone(),
            digest: desc.digest().to_string(),
            problem,
        }
    }

    /// Copies a blob into `out`, checking its size and sha256 on the way;
    /// on a mismatch `out` holds garbage and the error says so.
    pub fn copy_blob(&self, desc: &Descriptor, out: &mut dyn Write) -> Result<(), ImageError> {
        let name = self.blob_name(desc.digest())?;
        let (mut reader, size) = self
            .open_file(&name)?
            .ok_or_else(|| ImageError::MissingBlob {
                layout: self.path.clone(),
                digest: desc.digest().to_string(),
            })?;
        if size != desc.size() {
            return Err(self.mismatch(
                desc,
                format!("it has {size} bytes, the descriptor says {}", desc.size()),
            ));
        }
        let mut hasher = Sha256::new();
        let mut buf = vec![0u8; 1 << 16];
        loop {
            let n = reader
                .read(&mut buf)
                .map_err(io_err("read", self.path.join(&name)))?;
            if n == 0 {
                break;
            }
            hasher.update(&buf[..n]);
            out.write_all(&buf[..n])
                .map_err(io_err("write a copy of", self.path.join(&name)))?;
        }
        let actual = ofiuco_archive::layer::hex(&hasher.finalize());
        if actual != desc.digest().digest() {
            return Err(self.mismatch(desc, format!("its sha256 is {actual}")));
        }
        Ok(())
    }

    pub fn parse<T: serde::de::DeserializeOwned>(
        &self,
        file: &str,
        data: &[u8],
    ) -> Result<T, ImageError> {
        serde_json::from_slice(data).map_err(|e| ImageError::BadJson {
            layout: self.path.clone(),
            file: file.to_string(),
            message: e.to_string(),
        })
    }

    /// Every image manifest the layout's `index.json` reaches (through
    /// nested indexes), with the descriptor that names it.
    pub fn manifests(&self) -> Result<Vec<Descriptor>, ImageError> {
        let index: ImageIndex = self.parse("index.json", &self.read_json_file("index.json")?)?;
        let mut out = Vec::new();
        self.collect_manifests(index.manifests(), 0, &mut out)?;
        Ok(out)
    }

    fn collect_manifests(
        &self,
        descriptors: &[Descriptor],
        depth: usize,
        out: &mut Vec<Descriptor>,
    ) -> Result<(), ImageError> {
        for desc in descriptors {
            match desc.media_type() {
                MediaType::ImageManifest => out.push(desc.clone()),
                MediaType::ImageIndex if depth < MAX_INDEX_DEPTH => {
                    let data = self.read_json_blob(desc)?;
                    let nested: ImageIndex = self.parse(desc.digest().as_ref(), &data)?;
                    self.collect_manifests(nested.manifests(), depth + 1, out)?;
                }
                MediaType::ImageIndex => {
                    return Err(self.not_a_layout(format!(
                        "its indexes nest deeper than {MAX_INDEX_DEPTH} levels"
                    )))
                }
                other => {
                    return Err(ImageError::UnsupportedMediaType {
                        layout: self.path.clone(),
                        what: "a manifest",
                        digest: desc.digest().to_string(),
                        media_type: other.to_string(),
                    })
                }
            }
        }
        Ok(())
    }

    pub fn manifest(&self, desc: &Descriptor) -> Result<ImageManifest, ImageError> {
        let data = self.read_json_blob(desc)?;
        self.parse(desc.digest().as_ref(), &data)
    }

    /// The config of `manifest`, parsed (for checks) and as JSON (to edit
    /// without dropping fields the spec types do not know).
    pub fn config(
        &self,
        manifest: &ImageManifest,
    ) -> Result<(ImageConfiguration, serde_json::Value), ImageError> {
        let desc = manifest.config();
        if *desc.media_type() != MediaType::ImageConfig {
            return Err(ImageError::UnsupportedMediaType {
                layout: self.path.clone(),
                what: "a config",
                digest: desc.digest().to_string(),
                media_type: desc.media_type().to_string(),
            });
        }
        let data = self.read_json_blob(desc)?;
        let name = desc.digest().to_string();
        Ok((self.parse(&name, &data)?, self.parse(&name, &data)?))
    }
}

/// Lists the regular files of a tar (uncompressed) with their data offsets.
fn index_tar(path: &Path) -> Result<HashMap<String, (u64, u64)>, ImageError> {
    let mut file = File::open(path).map_err(io_err("read", path))?;
    let mut magic = [0u8; 2];
    if file.read(&mut magic).map_err(io_err("read", path))? == 2 && magic == [0x1f, 0x8b] {
        return Err(ImageError::NotALayout {
            path: path.to_path_buf(),
            reason: "it is gzip-compressed; ofiuco reads uncompressed tars (gunzip it)".into(),
        });
    }
    file.seek(SeekFrom::Start(0))
        .map_err(io_err("read", path))?;
    let mut archive = tar::Archive::new(file);
    let bad = |e: io::Error| ImageError::NotALayout {
        path: path.to_path_buf(),
        reason: format!("it is neither a directory nor a readable tar ({e})"),
    };
    let mut entries = HashMap::new();
    for entry in archive.entries().map_err(bad)? {
        let entry = entry.map_err(bad)?;
        if entry.header().entry_type() != tar::EntryType::Regular {
            continue;
        }
        let name = entry.path().map_err(bad)?.to_string_lossy().into_owned();
        let name = name.trim_start_matches("./").to_string();
        entries.insert(name, (entry.raw_file_position(), entry.size()));
    }
    Ok(entries)
}
