use super::*;
use ofiuco_archive::{write_layer, AppFile, ElfCheck, Excludes, LayerOptions};

/// Writes a base layout for `arch` with one layer (`etc/os-release`) in `dir`.
fn base_layout(dir: &Path, arch: &str) -> PathBuf {
    let src = dir.join("os-release");
    fs::write(&src, "ID=test\n").unwrap();
    let layer_path = dir.join("base-layer.tar.gz");
    let layer = write_layer(
        &LayerOptions {
            trees: vec![],
            site_packages: String::new(),
            files: vec![AppFile {
                archive_path: "etc/os-release".into(),
                source: src,
            }],
            app_root: String::new(),
            app_trees: vec![],
            excludes: Excludes::new::<&str>(&[]).unwrap(),
            check: ElfCheck::default(),
        },
        &layer_path,
    )
    .unwrap();
    let root = dir.join(format!("base-{arch}"));
    let blobs = root.join("blobs/sha256");
    fs::create_dir_all(&blobs).unwrap();
    let put = |data: &[u8]| {
        let hex = hex(&Sha256::digest(data));
        fs::write(blobs.join(&hex), data).unwrap();
        (format!("sha256:{hex}"), data.len())
    };
    let (layer_digest, layer_size) = put(&fs::read(&layer_path).unwrap());
    let config = json!({
        "architecture": arch, "os": "linux", "created": "2024-05-01T10:00:00Z",
        "config": {"Env": ["PATH=/usr/bin:/bin", "LANG=C.UTF-8"], "Cmd": ["/bin/sh"],
                   "Labels": {"base": "yes"}, "Healthcheck": {"Test": ["NONE"]}},
        "rootfs": {"type": "layers", "diff_ids": [layer.diff_id]},
        "history": [{"created_by": "base"}],
    });
    let (config_digest, config_size) = put(config.to_string().as_bytes());
    let manifest = json!({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                   "digest": config_digest, "size": config_size},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                    "digest": layer_digest, "size": layer_size}],
    });
    let (manifest_digest, manifest_size) = put(manifest.to_string().as_bytes());
    let index = json!({"schemaVersion": 2, "manifests": [
        {"mediaType": "application/vnd.oci.image.manifest.v1+json",
         "digest": manifest_digest, "size": manifest_size,
         "annotations": {REF_NAME: "latest"}}]});
    fs::write(root.join("index.json"), index.to_string()).unwrap();
    fs::write(
        root.join("oci-layout"),
        r#"{"imageLayoutVersion": "1.0.0"}"#,
    )
    .unwrap();
    root
}

fn app_layer(dir: &Path, content: &str) -> ImageLayer {
    let src = dir.join("main.py");
    fs::write(&src, content).unwrap();
    let blob = dir.join("app.tar.gz");
    let descriptor = write_layer(
        &LayerOptions {
            trees: vec![],
            site_packages: "opt/python".into(),
            files: vec![AppFile {
                archive_path: "var/task/main.py".into(),
                source: src,
            }],
            app_root: "var/task".into(),
            app_trees: vec![],
            excludes: Excludes::new::<&str>(&[]).unwrap(),
            check: ElfCheck::default(),
        },
        &blob,
    )
    .unwrap();
    ImageLayer { blob, descriptor }
}

fn options(base: PathBuf, layer: ImageLayer, platform: &str) -> ImageOptions {
    ImageOptions {
        base,
        layers: vec![layer],
        platform: platform.parse().unwrap(),
        entrypoint: Some(vec!["/usr/bin/python3".into(), "/var/task/main.py".into()]),
        cmd: None,
        env: vec![
            ("PYTHONPATH".into(), "/var/task:/opt/python".into()),
            ("LANG".into(), "C".into()),
        ],
        workdir: Some("/var/task".into()),
        labels: vec![("z".into(), "1".into()), ("a".into(), "2".into())],
        tag: "latest".into(),
    }
}

fn read_json(dir: &Path, digest: &str) -> (Vec<u8>, Value) {
    let data = fs::read(
        dir.join("blobs/sha256")
            .join(digest.strip_prefix("sha256:").unwrap()),
    )
    .unwrap();
    assert_eq!(format!("sha256:{}", hex(&Sha256::digest(&data))), digest);
    let value = serde_json::from_slice(&data).unwrap();
    (data, value)
}

#[test]
fn image_on_a_base_directory_and_tar() {
    let tmp = tempfile::tempdir().unwrap();
    let base = base_layout(tmp.path(), "arm64");
    let layer = app_layer(tmp.path(), "print('hi')\n");
    let out = tmp.path().join("image");
    let written = build_image(
        &options(base.clone(), layer.clone(), "linux/arm64/v8"),
        &out,
    )
    .unwrap();
    assert_eq!(written.platforms, ["linux/arm64/v8"]);
    let index: Value = serde_json::from_slice(&fs::read(out.join("index.json")).unwrap()).unwrap();
    assert_eq!(index["manifests"][0]["digest"], json!(written.digest));
    assert_eq!(
        index["manifests"][0]["platform"],
        json!({"architecture": "arm64", "os": "linux", "variant": "v8"})
    );
    assert_eq!(
        index["manifests"][0]["annotations"][REF_NAME],
        json!("latest")
    );
    let (manifest_bytes, manifest) = read_json(&out, &written.digest);
    // Sorted keys, no whitespace.
    assert!(
        manifest_bytes.starts_with(br#"{"config":{"digest":"sha256:"#),
        "{}",
        String::from_utf8_lossy(&manifest_bytes)
    );
    assert_eq!(manifest["layers"].as_array().unwrap().len(), 2);
    assert_eq!(
        manifest["layers"][1]["digest"],
        json!(layer.descriptor.digest)
    );
    let (_, config) = read_json(&out, manifest["config"]["digest"].as_str().unwrap());
    assert_eq!(config["created"], json!(EPOCH));
    assert_eq!(config["variant"], json!("v8"));
    assert_eq!(
        config["rootfs"]["diff_ids"][1],
        json!(layer.descriptor.diff_id)
    );
    assert_eq!(config["history"].as_array().unwrap().len(), 2);
    let c = &config["config"];
    assert_eq!(
        c["Env"],
        json!([
            "PATH=/usr/bin:/bin",
            "LANG=C",
            "PYTHONPATH=/var/task:/opt/python"
        ])
    );
    assert_eq!(
        c["Entrypoint"],
        json!(["/usr/bin/python3", "/var/task/main.py"])
    );
    assert_eq!(c.get("Cmd"), None, "a new entrypoint drops the base's cmd");
    assert_eq!(c["WorkingDir"], json!("/var/task"));
    assert_eq!(c["Labels"], json!({"a": "2", "base": "yes", "z": "1"}));
    assert_eq!(
        c["Healthcheck"],
        json!({"Test": ["NONE"]}),
        "unknown fields are kept"
    );
    for blob in manifest["layers"].as_array().unwrap() {
        read_json_digest_only(&out, blob["digest"].as_str().unwrap());
    }

    // The same base as a tar gives the same bytes; a second build too.
    let tar_path = tmp.path().join("base.tar");
    let mut builder = tar::Builder::new(File::create(&tar_path).unwrap());
    builder.append_dir_all(".", &base).unwrap();
    builder.finish().unwrap();
    drop(builder);
    let out2 = tmp.path().join("image2");
    let again = build_image(&options(tar_path, layer, "linux/arm64/v8"), &out2).unwrap();
    assert_eq!(again, written);
    assert_eq!(
        fs::read(out.join("index.json")).unwrap(),
        fs::read(out2.join("index.json")).unwrap()
    );
}

fn read_json_digest_only(dir: &Path, digest: &str) {
    let data = fs::read(
        dir.join("blobs/sha256")
            .join(digest.strip_prefix("sha256:").unwrap()),
    )
    .unwrap();
    assert_eq!(format!("sha256:{}", hex(&Sha256::digest(&data))), digest);
}

#[test]
fn wrong_platform_missing_base_and_damaged_blobs_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let base = base_layout(tmp.path(), "amd64");
    let layer = app_layer(tmp.path(), "x = 1\n");
    let out = tmp.path().join("image");
    let err = build_image(
        &options(base.clone(), layer.clone(), "linux/arm64/v8"),
        &out,
    )
    .unwrap_err()
    .to_string()
    .replace(&tmp.path().display().to_string(), "[TMP]");
    insta::assert_snapshot!(err, @r"
    base `[TMP]/base-amd64` has no image for linux/arm64/v8: it has linux/amd64
    hint: give a base layout for linux/arm64/v8 (e.g. `skopeo copy --override-arch ARCH docker://IMAGE oci:DIR`), or build for the base's platform
    ");
    assert!(!out.exists());
    let err = build_image(
        &options(tmp.path().join("nope"), layer.clone(), "linux/amd64"),
        &out,
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("nope` does not exist"), "{err}");
    // A base layer whose bytes changed.
    let manifests = Layout::open(&base).unwrap().manifests().unwrap();
    let manifest = Layout::open(&base)
        .unwrap()
        .manifest(&manifests[0])
        .unwrap();
    let blob = base
        .join("blobs/sha256")
        .join(manifest.layers()[0].digest().digest());
    let mut data = fs::read(&blob).unwrap();
    let last = data.len() - 1;
    data[last] ^= 1;
    fs::write(&blob, data).unwrap();
    let err = build_image(&options(base, layer, "linux/amd64"), &out)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("does not match its descriptor: its sha256 is"),
        "{err}"
    );
    assert!(!out.exists());
    assert_eq!(
        fs::read_dir(tmp.path())
            .unwrap()
            .filter(|e| e
                .as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .starts_with(".ofiuco"))
            .count(),
        0
    );
}

#[test]
fn index_of_two_platforms() {
    let tmp = tempfile::tempdir().unwrap();
    let mut images = Vec::new();
    for (arch, platform) in [("amd64", "linux/amd64"), ("arm64", "linux/arm64/v8")] {
        let dir = tmp.path().join(arch);
        fs::create_dir_all(&dir).unwrap();
        let base = base_layout(&dir, arch);
        let layer = app_layer(&dir, "print(1)\n");
        let out = dir.join("image");
        build_image(&options(base, layer, platform), &out).unwrap();
        images.push(out);
    }
    let out = tmp.path().join("index");
    let written = build_index(&images, "v1", &out).unwrap();
    assert_eq!(written.platforms, ["linux/amd64", "linux/arm64/v8"]);
    let top: Value = serde_json::from_slice(&fs::read(out.join("index.json")).unwrap()).unwrap();
    assert_eq!(
        top["manifests"][0]["mediaType"],
        json!("application/vnd.oci.image.index.v1+json")
    );
    assert_eq!(top["manifests"][0]["annotations"][REF_NAME], json!("v1"));
    let (_, index) = read_json(&out, &written.digest);
    let manifests = index["manifests"].as_array().unwrap();
    assert_eq!(manifests[1]["platform"]["architecture"], json!("arm64"));
    // Every blob each manifest needs is there; the index reads back.
    let layout = Layout::open(&out).unwrap();
    assert_eq!(layout.manifests().unwrap().len(), 2);
    for desc in layout.manifests().unwrap() {
        let m = layout.manifest(&desc).unwrap();
        layout.config(&m).unwrap();
        for l in m.layers() {
            layout.copy_blob(l, &mut std::io::sink()).unwrap();
        }
    }
    let err = build_index(
        &[images[0].clone(), images[0].clone()],
        "v1",
        &tmp.path().join("dup"),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("are both for linux/amd64"), "{err}");
}
