//! `ofiuco layer`, `ofiuco image` and `ofiuco image-index` run as processes:
//! a layer of an installed tree, an image on a base layout made here by the
//! binary itself (a layout of that layer), and an index of two platforms.

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

fn ofiuco(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ofiuco"))
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap()
}

fn ok(dir: &Path, args: &[&str]) {
    let output = ofiuco(dir, args);
    assert!(
        output.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

fn fails(dir: &Path, args: &[&str]) -> String {
    let output = ofiuco(dir, args);
    assert_eq!(output.status.code(), Some(1), "{args:?} should fail");
    String::from_utf8_lossy(&output.stderr).replace(&dir.display().to_string(), "[TMP]")
}

fn write(path: &Path, content: &str) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, content).unwrap();
}

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&fs::read(path).unwrap()).unwrap()
}

/// A layer of package `p` and an application file, then an image of it on
/// `base` for `platform`; returns the manifest digest.
fn image(dir: &Path, base: &str, platform: &str, out: &str) -> String {
    ok(
        dir,
        &[
            "image",
            "--output",
            out,
            "--base",
            base,
            "--layer",
            "l.tar.gz=l.json",
            "--platform",
            platform,
            "--entrypoint",
            r#"["/usr/bin/python3","/var/task/main.py"]"#,
            "--env",
            "PYTHONPATH=/var/task:/opt/python",
            "--label",
            "team=batch",
            "--descriptor",
            &format!("{out}.json"),
        ],
    );
    json(&dir.join(format!("{out}.json")))["digest"]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn layer_image_and_index() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write(&dir.join("p.tree/site-packages/p/__init__.py"), "X = 1\n");
    write(&dir.join("main.py"), "import p\n");
    ok(
        dir,
        &[
            "layer",
            "--output",
            "l.tar.gz",
            "--descriptor",
            "l.json",
            "--tree",
            "p=p.tree",
            "--file",
            "var/task/main.py=main.py",
            "--exclude",
            "**/__pycache__/**",
        ],
    );
    let layer = json(&dir.join("l.json"));
    assert_eq!(layer["files"], 2);
    assert_eq!(layer["packages"], serde_json::json!(["p"]));

    // A base: the same layer as a one-layer amd64 image, written by `image`
    // on an empty layout; then images on it.
    let empty = dir.join("empty");
    fs::create_dir_all(empty.join("blobs/sha256")).unwrap();
    write(
        &empty.join("oci-layout"),
        r#"{"imageLayoutVersion":"1.0.0"}"#,
    );
    write(
        &empty.join("index.json"),
        r#"{"schemaVersion":2,"manifests":[]}"#,
    );
    let err = fails(
        dir,
        &[
            "image",
            "--output",
            "x",
            "--base",
            "empty",
            "--platform",
            "linux/amd64",
        ],
    );
    assert!(
        err.starts_with("error: base `empty` has no image for linux/amd64: it has no image\n"),
        "{err}"
    );
    assert!(!dir.join("x").exists());

    let err = fails(
        dir,
        &[
            "image",
            "--output",
            "x",
            "--base",
            "missing",
            "--platform",
            "linux/amd64",
        ],
    );
    assert!(
        err.starts_with("error: base `missing` does not exist\n"),
        "{err}"
    );
    let err = fails(
        dir,
        &[
            "layer",
            "--output",
            "y.tar.gz",
            "--descriptor",
            "y.json",
            "--tree",
            "q=nowhere",
        ],
    );
    assert!(
        err.contains("tree `nowhere` has no `site-packages` directory"),
        "{err}"
    );
    assert!(!dir.join("y.tar.gz").exists());

    // Bases for two platforms, built as images on a hand-made one-image layout.
    for arch in ["amd64", "arm64"] {
        let base = dir.join(format!("base-{arch}"));
        fs::create_dir_all(base.join("blobs/sha256")).unwrap();
        let config = format!(
            r#"{{"architecture":"{arch}","os":"linux","rootfs":{{"type":"layers","diff_ids":[]}}}}"#
        );
        let put = |data: &str| {
            use sha2::Digest;
            let hex = ofiuco_archive::layer::hex(&sha2::Sha256::digest(data.as_bytes()));
            fs::write(base.join("blobs/sha256").join(&hex), data).unwrap();
            (format!("sha256:{hex}"), data.len())
        };
        let (cd, cs) = put(&config);
        let manifest = format!(
            r#"{{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"{cd}","size":{cs}}},"layers":[]}}"#
        );
        let (md, ms) = put(&manifest);
        write(
            &base.join("oci-layout"),
            r#"{"imageLayoutVersion":"1.0.0"}"#,
        );
        write(
            &base.join("index.json"),
            &format!(
                r#"{{"schemaVersion":2,"manifests":[{{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"{md}","size":{ms}}}]}}"#
            ),
        );
    }
    let amd64 = image(dir, "base-amd64", "linux/amd64", "img-amd64");
    let again = image(dir, "base-amd64", "linux/amd64", "img-amd64-again");
    assert_eq!(amd64, again, "the same inputs give the same digest");
    image(dir, "base-arm64", "linux/arm64/v8", "img-arm64");
    let err = fails(
        dir,
        &[
            "image",
            "--output",
            "x",
            "--base",
            "base-amd64",
            "--platform",
            "linux/arm64/v8",
        ],
    );
    assert!(
        err.contains("has no image for linux/arm64/v8: it has linux/amd64"),
        "{err}"
    );

    ok(
        dir,
        &[
            "image-index",
            "--output",
            "idx",
            "--image",
            "img-amd64",
            "--image",
            "img-arm64",
            "--tag",
            "v1",
            "--descriptor",
            "idx.json",
        ],
    );
    let index = json(&dir.join("idx.json"));
    assert_eq!(
        index["platforms"],
        serde_json::json!(["linux/amd64", "linux/arm64/v8"])
    );
    let top = json(&dir.join("idx/index.json"));
    assert_eq!(
        top["manifests"][0]["annotations"]["org.opencontainers.image.ref.name"],
        "v1"
    );
    assert_eq!(top["manifests"][0]["digest"], index["digest"]);
    let err = fails(
        dir,
        &[
            "image-index",
            "--output",
            "idx2",
            "--image",
            "img-amd64",
            "--image",
            "img-amd64-again",
        ],
    );
    assert!(err.contains("are both for linux/amd64"), "{err}");
}
