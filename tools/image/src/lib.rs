//! OCI image layouts for the ofiuco rules.
//!
//! * [`build_image`] writes an image layout (`oci-layout`, `index.json`,
//!   `blobs/sha256/…`) for one platform: a base image read from a layout
//!   (a directory or a tar, [`layout`]) plus layers written by `ofiuco layer`
//!   ([`ofiuco_archive::layer`]), with entrypoint, cmd, env, workdir and
//!   labels set in its config.
//! * [`build_index`] joins image layouts of different platforms into one
//!   layout whose `index.json` names a multi-platform image index.
//!
//! Every JSON document is written with sorted keys and no whitespace, and
//! every timestamp ofiuco writes is the epoch, so the same inputs give the
//! same digests. Every blob copied from an input is checked against its
//! digest and size. Outputs are written into a temporary directory beside
//! the output and moved into place at the end: an error leaves nothing.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use oci_spec::image::{
    Descriptor, DescriptorBuilder, Digest, ImageIndexBuilder, ImageManifestBuilder, MediaType,
    PlatformBuilder,
};
use serde_json::{json, Value};
use sha2::{Digest as _, Sha256};

mod error;
pub mod layout;

use error::io_err;
pub use error::ImageError;
pub use layout::Layout;
use ofiuco_archive::layer::hex;
use ofiuco_archive::LayerDescriptor;

/// The `created` time of every config and history entry ofiuco writes.
pub const EPOCH: &str = "1970-01-01T00:00:00Z";
/// The annotation that names an image in a layout's `index.json`.
pub const REF_NAME: &str = "org.opencontainers.image.ref.name";

/// An OCI platform: `linux/arm64/v8`, `linux/amd64`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetPlatform {
    pub os: String,
    pub architecture: String,
    pub variant: Option<String>,
}

impl FromStr for TargetPlatform {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let parts: Vec<&str> = s.split('/').collect();
        let ok = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_alphanumeric());
        match parts.as_slice() {
            [os, arch] if ok(os) && ok(arch) => Ok(TargetPlatform {
                os: os.to_string(),
                architecture: arch.to_string(),
                variant: None,
            }),
            [os, arch, variant] if ok(os) && ok(arch) && ok(variant) => Ok(TargetPlatform {
                os: os.to_string(),
                architecture: arch.to_string(),
                variant: Some(variant.to_string()),
            }),
            _ => Err(format!(
                "expected OS/ARCH or OS/ARCH/VARIANT (e.g. linux/arm64/v8), got `{}`",
                ofiuco_spec::text::shown(s)
            )),
        }
    }
}

impl fmt::Display for TargetPlatform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.os, self.architecture)?;
        if let Some(v) = &self.variant {
            write!(f, "/{v}")?;
        }
        Ok(())
    }
}

impl TargetPlatform {
    /// Does a config for `os`/`arch`/`variant` run here? A missing variant
    /// on either side matches (arm64 means v8 unless said otherwise).
    fn accepts(&self, os: &str, arch: &str, variant: Option<&str>) -> bool {
        self.os == os
            && self.architecture == arch
            && match (self.variant.as_deref(), variant) {
                (Some(a), Some(b)) => a == b,
                _ => true,
            }
    }

    fn oci(&self) -> Result<oci_spec::image::Platform, ImageError> {
        let mut builder = PlatformBuilder::default()
            .os(self.os.as_str())
            .architecture(self.architecture.as_str());
        if let Some(v) = &self.variant {
            builder = builder.variant(v.clone());
        }
        builder.build().map_err(|_| ImageError::InvalidArgument {
            what: "platform",
            value: self.to_string(),
            reason: "not an OCI platform",
        })
    }
}

/// A layer written by `ofiuco layer`, with its descriptor.
#[derive(Debug, Clone)]
pub struct ImageLayer {
    pub blob: PathBuf,
    pub descriptor: LayerDescriptor,
}

/// What [`build_image`] builds.
#[derive(Debug, Clone)]
pub struct ImageOptions {
    /// The base image: an OCI layout directory or tar.
    pub base: PathBuf,
    /// Layers added on top of the base's, in order.
    pub layers: Vec<ImageLayer>,
    pub platform: TargetPlatform,
    /// Replaces the base's entrypoint; the base's cmd is dropped too unless `cmd` is given.
    pub entrypoint: Option<Vec<String>>,
    pub cmd: Option<Vec<String>>,
    /// Set in the environment (replacing the base's value of the same name).
    pub env: Vec<(String, String)>,
    pub workdir: Option<String>,
    /// Added to the base's labels (replacing a label of the same name).
    pub labels: Vec<(String, String)>,
    /// The name of the image in `index.json` (e.g. `latest`).
    pub tag: String,
}

/// The descriptor of what was written: the image manifest or the index.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Written {
    #[serde(rename = "mediaType")]
    pub media_type: String,
    pub digest: String,
    pub size: u64,
    /// The platforms, `linux/arm64/v8`.
    pub platforms: Vec<String>,
}

/// Writes the image layout for `opts` into `output` (a new or empty directory).
pub fn build_image(opts: &ImageOptions, output: &Path) -> Result<Written, ImageError> {
    check_tag(&opts.tag)?;
    for (key, _) in &opts.env {
        if key.is_empty() || key.contains('=') || key.contains('\0') {
            return Err(ImageError::InvalidArgument {
                what: "environment variable name",
                value: key.clone(),
                reason: "a name is not empty and has no `=`",
            });
        }
    }
    let base = Layout::open(&opts.base)?;
    let (manifest, config_value) = pick_base(&base, &opts.platform)?;
    let mut writer = LayoutWriter::new(output)?;
    let mut layers = Vec::new();
    for desc in manifest.layers() {
        match desc.media_type() {
            MediaType::ImageLayer | MediaType::ImageLayerGzip | MediaType::ImageLayerZstd => {}
            other => {
                return Err(ImageError::UnsupportedMediaType {
                    layout: base.path.clone(),
                    what: "a layer",
                    digest: desc.digest().to_string(),
                    media_type: other.to_string(),
                })
            }
        }
        writer.copy_from(&base, desc)?;
        layers.push(desc.clone());
    }
    let mut diff_ids = Vec::new();
    let mut history = Vec::new();
    for layer in &opts.layers {
        let desc = writer.copy_layer(layer)?;
        diff_ids.push(layer.descriptor.diff_id.clone());
        history.push(json!({
            "created": EPOCH,
            "created_by": layer_history(&layer.descriptor),
        }));
        layers.push(desc);
    }
    let config = edit_config(config_value, opts, diff_ids, history);
    let config_desc = writer.add_json(MediaType::ImageConfig, &config)?;
    let manifest = ImageManifestBuilder::default()
        .schema_version(2u32)
        .media_type(MediaType::ImageManifest)
        .config(config_desc)
        .layers(layers)
        .build()
        .expect("every field of the manifest is set");
    let manifest_desc = writer.add_json(MediaType::ImageManifest, &manifest)?;
    let mut named = manifest_desc.clone();
    named.set_platform(Some(opts.platform.oci()?));
    named.set_annotations(Some(HashMap::from([(
        REF_NAME.to_string(),
        opts.tag.clone(),
    )])));
    writer.finish(vec![named], output)?;
    Ok(Written {
        media_type: MediaType::ImageManifest.to_string(),
        digest: manifest_desc.digest().to_string(),
        size: manifest_desc.size(),
        platforms: vec![opts.platform.to_string()],
    })
}

/// Joins image layouts (one platform each, as [`build_image`] writes them)
/// into one layout whose `index.json` names a multi-platform image index.
pub fn build_index(images: &[PathBuf], tag: &str, output: &Path) -> Result<Written, ImageError> {
    check_tag(tag)?;
    let mut writer = LayoutWriter::new(output)?;
    let mut manifests = Vec::new();
    let mut seen: HashMap<String, PathBuf> = HashMap::new();
    let mut platforms = Vec::new();
    for path in images {
        let layout = Layout::open(path)?;
        for desc in layout.manifests()? {
            let manifest = layout.manifest(&desc)?;
            let (config, _) = layout.config(&manifest)?;
            let platform = TargetPlatform {
                os: config.os().to_string(),
                architecture: config.architecture().to_string(),
                variant: config.variant().clone(),
            };
            if let Some(first) = seen.insert(platform.to_string(), path.clone()) {
                return Err(ImageError::DuplicatePlatform {
                    platform: platform.to_string(),
                    first,
                    second: path.clone(),
                });
            }
            writer.copy_from(&layout, manifest.config())?;
            for layer in manifest.layers() {
                writer.copy_from(&layout, layer)?;
            }
            writer.copy_from(&layout, &desc)?;
            let mut entry =
                Descriptor::new(MediaType::ImageManifest, desc.size(), desc.digest().clone());
            entry.set_platform(Some(platform.oci()?));
            manifests.push(entry);
            platforms.push(platform.to_string());
        }
    }
    let index = ImageIndexBuilder::default()
        .schema_version(2u32)
        .media_type(MediaType::ImageIndex)
        .manifests(manifests)
        .build()
        .expect("every field of the index is set");
    let index_desc = writer.add_json(MediaType::ImageIndex, &index)?;
    let mut named = index_desc.clone();
    named.set_annotations(Some(HashMap::from([(
        REF_NAME.to_string(),
        tag.to_string(),
    )])));
    writer.finish(vec![named], output)?;
    Ok(Written {
        media_type: MediaType::ImageIndex.to_string(),
        digest: index_desc.digest().to_string(),
        size: index_desc.size(),
        platforms,
    })
}

/// The first manifest of `base` whose config is for `platform`.
fn pick_base(
    base: &Layout,
    platform: &TargetPlatform,
) -> Result<(oci_spec::image::ImageManifest, Value), ImageError> {
    let mut found = Vec::new();
    for desc in base.manifests()? {
        let manifest = base.manifest(&desc)?;
        let (config, value) = base.config(&manifest)?;
        let (os, arch) = (config.os().to_string(), config.architecture().to_string());
        let variant = config.variant().as_deref();
        if platform.accepts(&os, &arch, variant) {
            return Ok((manifest, value));
        }
        found.push(match variant {
            Some(v) => format!("{os}/{arch}/{v}"),
            None => format!("{os}/{arch}"),
        });
    }
    Err(ImageError::WrongPlatform {
        base: base.path.clone(),
        target: platform.to_string(),
        found: if found.is_empty() {
            "no image".into()
        } else {
            found.join(", ")
        },
    })
}

fn check_tag(tag: &str) -> Result<(), ImageError> {
    let ok = !tag.is_empty()
        && tag.len() <= 128
        && tag
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-:/@+".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(ImageError::InvalidArgument {
            what: "tag",
            value: tag.to_string(),
            reason: "a tag is 1 to 128 letters, digits and `._-:/@+`",
        })
    }
}

fn layer_history(layer: &LayerDescriptor) -> String {
    if layer.packages.is_empty() {
        return "ofiuco py_image_layer: application files".into();
    }
    let mut names: Vec<&str> = layer.packages.iter().map(String::as_str).take(20).collect();
    if layer.packages.len() > names.len() {
        names.push("...");
    }
    format!("ofiuco py_image_layer: packages {}", names.join(", "))
}

/// The base's config with ofiuco's changes, as JSON (fields the spec types
/// do not model, such as Docker's `Healthcheck`, are kept).
fn edit_config(
    mut config: Value,
    opts: &ImageOptions,
    diff_ids: Vec<String>,
    history: Vec<Value>,
) -> Value {
    let top = config
        .as_object_mut()
        .expect("a parsed config is an object");
    top.insert("created".into(), json!(EPOCH));
    top.insert("os".into(), json!(opts.platform.os));
    top.insert("architecture".into(), json!(opts.platform.architecture));
    if let Some(v) = &opts.platform.variant {
        top.insert("variant".into(), json!(v));
    }
    let rootfs = top
        .entry("rootfs")
        .or_insert_with(|| json!({"type": "layers"}));
    if let Some(ids) = rootfs
        .as_object_mut()
        .map(|r| r.entry("diff_ids").or_insert_with(|| json!([])))
        .and_then(Value::as_array_mut)
    {
        ids.extend(diff_ids.into_iter().map(Value::from));
    }
    if let Some(h) = top
        .entry("history")
        .or_insert_with(|| json!([]))
        .as_array_mut()
    {
        h.extend(history);
    }
    let inner = top.entry("config").or_insert_with(|| json!({}));
    if !inner.is_object() {
        *inner = json!({});
    }
    let inner = inner.as_object_mut().expect("made an object above");
    if !opts.env.is_empty() {
        let mut env: Vec<String> = inner
            .get("Env")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        for (key, value) in &opts.env {
            let entry = format!("{key}={value}");
            match env.iter_mut().find(|e| e.split('=').next() == Some(key)) {
                Some(old) => *old = entry,
                None => env.push(entry),
            }
        }
        inner.insert("Env".into(), json!(env));
    }
    if let Some(entrypoint) = &opts.entrypoint {
        inner.insert("Entrypoint".into(), json!(entrypoint));
        if opts.cmd.is_none() {
            inner.remove("Cmd");
        }
    }
    if let Some(cmd) = &opts.cmd {
        inner.insert("Cmd".into(), json!(cmd));
    }
    if let Some(workdir) = &opts.workdir {
        inner.insert("WorkingDir".into(), json!(workdir));
    }
    if !opts.labels.is_empty() {
        let labels = inner.entry("Labels").or_insert_with(|| json!({}));
        if !labels.is_object() {
            *labels = json!({});
        }
        let labels = labels.as_object_mut().expect("made an object above");
        for (key, value) in &opts.labels {
            labels.insert(key.clone(), json!(value));
        }
    }
    config
}

/// JSON with sorted keys and no whitespace: the same value, the same bytes.
fn canonical_json<T: serde::Serialize>(value: &T) -> Vec<u8> {
    let value = serde_json::to_value(value).expect("image documents serialize to JSON");
    serde_json::to_vec(&value).expect("a JSON value serializes")
}

/// A layout being written in a temporary directory beside the output.
struct LayoutWriter {
    tmp: tempfile::TempDir,
    blobs: PathBuf,
    written: HashSet<String>,
}

impl LayoutWriter {
    fn new(output: &Path) -> Result<LayoutWriter, ImageError> {
        let parent = match output.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        if output.is_dir()
            && fs::read_dir(output)
                .map_err(io_err("read directory", output))?
                .next()
                .is_some()
        {
            return Err(ImageError::OutputNotEmpty {
                path: output.to_path_buf(),
            });
        }
        let tmp = tempfile::Builder::new()
            .prefix(".ofiuco-tmp")
            .tempdir_in(parent)
            .map_err(io_err("create a temporary directory in", parent))?;
        let blobs = tmp.path().join("blobs/sha256");
        fs::create_dir_all(&blobs).map_err(io_err("create", &blobs))?;
        Ok(LayoutWriter {
            tmp,
            blobs,
            written: HashSet::new(),
        })
    }

    fn copy_from(&mut self, layout: &Layout, desc: &Descriptor) -> Result<(), ImageError> {
        let hex = desc.digest().digest().to_string();
        if self.written.contains(&hex) {
            return Ok(());
        }
        let path = self.blobs.join(&hex);
        let file = File::create(&path).map_err(io_err("write", &path))?;
        let mut out = BufWriter::new(file);
        layout.copy_blob(desc, &mut out)?;
        out.flush().map_err(io_err("write", &path))?;
        self.written.insert(hex);
        Ok(())
    }

    fn copy_layer(&mut self, layer: &ImageLayer) -> Result<Descriptor, ImageError> {
        let d = &layer.descriptor;
        let mismatch = |problem: String| ImageError::BlobMismatch {
            layout: layer.blob.clone(),
            digest: d.digest.clone(),
            problem,
        };
        let digest = Digest::from_str(&d.digest)
            .map_err(|_| mismatch("the descriptor's digest is not a digest".into()))?;
        let data = fs::read(&layer.blob).map_err(io_err("read", &layer.blob))?;
        let actual = hex(&Sha256::digest(&data));
        if data.len() as u64 != d.size || actual != digest.digest() {
            return Err(mismatch(format!(
                "the layer has {} bytes and sha256 {actual}; its descriptor says {} bytes",
                data.len(),
                d.size
            )));
        }
        let path = self.blobs.join(&actual);
        if self.written.insert(actual) {
            fs::write(&path, &data).map_err(io_err("write", &path))?;
        }
        Ok(Descriptor::new(MediaType::ImageLayerGzip, d.size, digest))
    }

    fn add_json<T: serde::Serialize>(
        &mut self,
        media_type: MediaType,
        value: &T,
    ) -> Result<Descriptor, ImageError> {
        let data = canonical_json(value);
        let hex = hex(&Sha256::digest(&data));
        let path = self.blobs.join(&hex);
        fs::write(&path, &data).map_err(io_err("write", &path))?;
        self.written.insert(hex.clone());
        let digest = Digest::from_str(&format!("sha256:{hex}")).expect("a sha256 digest");
        Ok(DescriptorBuilder::default()
            .media_type(media_type)
            .size(data.len() as u64)
            .digest(digest)
            .build()
            .expect("every field of the descriptor is set"))
    }

    fn finish(self, named: Vec<Descriptor>, output: &Path) -> Result<(), ImageError> {
        let index = ImageIndexBuilder::default()
            .schema_version(2u32)
            .media_type(MediaType::ImageIndex)
            .manifests(named)
            .build()
            .expect("every field of the index is set");
        let dir = self.tmp.path();
        let write = |name: &str, data: &[u8]| {
            fs::write(dir.join(name), data).map_err(io_err("write", dir.join(name)))
        };
        write("index.json", &canonical_json(&index))?;
        write("oci-layout", br#"{"imageLayoutVersion":"1.0.0"}"#)?;
        if output.is_dir() {
            for name in ["blobs", "index.json", "oci-layout"] {
                fs::rename(dir.join(name), output.join(name))
                    .map_err(io_err("write", output.join(name)))?;
            }
        } else {
            let kept = self.tmp.keep();
            fs::rename(&kept, output).map_err(io_err("write", output))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
