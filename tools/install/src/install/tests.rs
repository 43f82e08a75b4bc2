//! Unit tests of the installer, on wheels crafted with the `zip` crate.

use super::*;
use std::path::Path;

use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

const WHEEL_NAME: &str = "demo-1.0-py3-none-any.whl";

/// (archive path, content, unix mode); a mode with `S_IFLNK` makes a symlink to `content`.
type Files = Vec<(String, Vec<u8>, u32)>;

fn good_files() -> Files {
    let file = |name: &str, content: &str, mode: u32| {
        (name.to_string(), content.as_bytes().to_vec(), mode)
    };
    vec![
        file("demo/__init__.py", "from demo.cli import main\n", 0o644),
        file("demo/cli.py", "def main():\n    print('hi')\n", 0o644),
        file("demo/_native.so", "\x7fELF pretend", 0o755),
        file("demo-1.0.data/scripts/demo-tool", "#!python\nprint('tool')\n", 0o644),
        file("demo-1.0.data/scripts/demo.sh", "#!/bin/sh\necho hi\n", 0o755),
        file("demo-1.0.data/headers/demo.h", "int demo(void);\n", 0o644),
        file("demo-1.0.data/data/share/demo/readme.txt", "read me\n", 0o644),
        file("demo-1.0.data/platlib/demo_plat.py", "X = 1\n", 0o644),
        file("demo-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n", 0o644),
        file("demo-1.0.dist-info/WHEEL", "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n", 0o644),
        file(
            "demo-1.0.dist-info/entry_points.txt",
            "[console_scripts]\ndemo = demo.cli:main\n\n[gui_scripts]\ndemo-gui = demo.cli:main [gui]\n",
            0o644,
        ),
    ]
}

fn record_rows(files: &Files) -> Vec<String> {
    let mut rows: Vec<String> = files
        .iter()
        .map(|(name, content, _)| {
            format!(
                "{},{},{}",
                csv_field(name),
                hash_string(&Sha256::digest(content)),
                content.len()
            )
        })
        .collect();
    rows.push("demo-1.0.dist-info/RECORD,,".to_string());
    rows
}

/// Writes `files` and then `record` (as `demo-1.0.dist-info/RECORD`) into `path`.
fn write_wheel(path: &Path, files: &Files, record: &[String]) {
    let mut zip = ZipWriter::new(File::create(path).unwrap());
    for (name, content, mode) in files {
        let options = SimpleFileOptions::default()
            .compression_method(CompressionMethod::Deflated)
            .unix_permissions(*mode & 0o7777);
        if mode & S_IFMT == S_IFLNK {
            zip.add_symlink(name.as_str(), String::from_utf8_lossy(content), options)
                .unwrap();
        } else {
            zip.start_file(name.as_str(), options).unwrap();
            zip.write_all(content).unwrap();
        }
    }
    let options = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
    let record_path = record
        .iter()
        .find_map(|row| row.strip_suffix(",,").filter(|p| p.ends_with("/RECORD")))
        .unwrap_or("demo-1.0.dist-info/RECORD");
    zip.start_file(record_path, options).unwrap();
    zip.write_all((record.join("\n") + "\n").as_bytes())
        .unwrap();
    zip.finish().unwrap();
}

/// A wheel made of `good_files()` after `edit(files, record)`; the record is
/// computed before `edit` runs.
fn build(dir: &Path, edit: impl FnOnce(&mut Files, &mut Vec<String>)) -> PathBuf {
    let mut files = good_files();
    let mut record = record_rows(&files);
    edit(&mut files, &mut record);
    let path = dir.join(WHEEL_NAME);
    write_wheel(&path, &files, &record);
    path
}

/// Every file and directory below `root` as `path mode size`, sorted.
fn tree(root: &Path) -> String {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let meta = fs::symlink_metadata(&path).unwrap();
            let rel = path
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            #[cfg(unix)]
            let mode = {
                use std::os::unix::fs::PermissionsExt;
                format!("{:o}", meta.permissions().mode() & 0o7777)
            };
            #[cfg(not(unix))]
            let mode = "-";
            if meta.is_dir() {
                out.push(format!("{rel}/ {mode}"));
                walk(root, &path, out);
            } else {
                out.push(format!("{rel} {mode} {}", meta.len()));
            }
        }
    }
    let mut out = Vec::new();
    walk(root, root, &mut out);
    out.sort();
    out.join("\n")
}

/// Installs a wheel built by `build(edit)` with `opts`, expects failure, checks
/// that nothing was left next to the output directory and returns the message.
fn install_err_with(
    opts: &InstallOptions,
    edit: impl FnOnce(&mut Files, &mut Vec<String>),
) -> String {
    let tmp = tempfile::tempdir().unwrap();
    let wheel = build(tmp.path(), edit);
    let parent = tmp.path().join("install");
    fs::create_dir(&parent).unwrap();
    let err = install(&wheel, &parent.join("out"), opts)
        .unwrap_err()
        .to_string();
    assert_eq!(tree(&parent), "", "install left files behind after: {err}");
    err
}

fn install_err(edit: impl FnOnce(&mut Files, &mut Vec<String>)) -> String {
    install_err_with(&InstallOptions::default(), edit)
}

fn add(files: &mut Files, record: &mut Vec<String>, name: &str, content: &[u8], mode: u32) {
    files.push((name.to_string(), content.to_vec(), mode));
    record.push(format!(
        "{name},{},{}",
        hash_string(&Sha256::digest(content)),
        content.len()
    ));
}

#[test]
fn installs_good_wheel() {
    let tmp = tempfile::tempdir().unwrap();
    let wheel = build(tmp.path(), |_, _| {});
    let out = tmp.path().join("out");
    let report = install(&wheel, &out, &InstallOptions::default()).unwrap();
    insta::assert_snapshot!(tree(&out), @r#"
        bin/ 755
        bin/demo 755 211
        bin/demo-gui 755 211
        bin/demo-tool 755 37
        bin/demo.sh 755 18
        data/ 755
        data/share/ 755
        data/share/demo/ 755
        data/share/demo/readme.txt 644 8
        include/ 755
        include/demo/ 755
        include/demo/demo.h 644 16
        site-packages/ 755
        site-packages/demo-1.0.dist-info/ 755
        site-packages/demo-1.0.dist-info/INSTALLER 644 7
        site-packages/demo-1.0.dist-info/METADATA 644 46
        site-packages/demo-1.0.dist-info/RECORD 644 1072
        site-packages/demo-1.0.dist-info/WHEEL 644 75
        site-packages/demo-1.0.dist-info/entry_points.txt 644 85
        site-packages/demo/ 755
        site-packages/demo/__init__.py 644 26
        site-packages/demo/_native.so 755 12
        site-packages/demo/cli.py 644 28
        site-packages/demo_plat.py 644 6
    "#);
    assert_eq!(report.files, 15);
    let read = |rel: &str| fs::read_to_string(out.join(rel)).unwrap();
    insta::assert_snapshot!(read("site-packages/demo-1.0.dist-info/RECORD"), @r#"
        ../bin/demo,sha256=R2KAa-tU8-PtkTFKttX6h6HtRmJ6jP_DI-AM23J33GQ,211
        ../bin/demo-gui,sha256=R2KAa-tU8-PtkTFKttX6h6HtRmJ6jP_DI-AM23J33GQ,211
        ../bin/demo-tool,sha256=QQvy6Pd7uoY04yGzeshvAJQ3woA9PmfkjvCzyEe_VeM,37
        ../bin/demo.sh,sha256=KZABho-4wC_UMcM2xtBY9VWMXf9bWvXm_gS4cKapy7o,18
        ../data/share/demo/readme.txt,sha256=Zc4B_MPiLni2NBnvD0STsJUNqsfO6XMptCj1yv05XNo,8
        ../include/demo/demo.h,sha256=lEFI_Y_qYu7W6gfT4RtfziYpp_YP4u9a6JUuhcBf5Dg,16
        demo-1.0.dist-info/INSTALLER,sha256=sC8_wApZ1NOE6US4DWumhOMlUUXcfhASMHmR1K09wwQ,7
        demo-1.0.dist-info/METADATA,sha256=NKonpgZPlYtBt4GiF_KQ_Qq1-WUeK25Kzas0G3uTwwU,46
        demo-1.0.dist-info/RECORD,,
        demo-1.0.dist-info/WHEEL,sha256=GOJWfGKy_s7ZRMtmrMyJFvIHxzo0gLZVhGWWyTqB6uo,75
        demo-1.0.dist-info/entry_points.txt,sha256=W85HLX4aAWgY1nm1uay4OLMXwLFBOpsip9HZfT2ZLOo,85
        demo/__init__.py,sha256=P6ddqLdxiP9LgdG4eGFOF7gshrmvn8EonWsLTSqKFNA,26
        demo/_native.so,sha256=GuVgTSz4YlqrtsZcLR4HcWlucWdaqVCo8g4RG7snpT4,12
        demo/cli.py,sha256=Apxw9IvaEL1FRj4Mc5jXeGBbUmKjv5w-CRAAyXjoeoo,28
        demo_plat.py,sha256=Crrh4K5yghbuRJk8Wjp1X4scOH2Uf8TE9yyrDkqEIUs,6
    "#);
    insta::assert_snapshot!(read("bin/demo"), @r#"
        #!/usr/bin/env python3
        # -*- coding: utf-8 -*-
        import re
        import sys
        from demo.cli import main
        if __name__ == '__main__':
            sys.argv[0] = re.sub(r'(-script\.pyw|\.exe)?$', '', sys.argv[0])
            sys.exit(main())
    "#);
    assert_eq!(
        read("bin/demo-tool"),
        "#!/usr/bin/env python3\nprint('tool')\n"
    );
    assert_eq!(
        read("site-packages/demo-1.0.dist-info/INSTALLER"),
        "ofiuco\n"
    );
    let total: u64 = read("site-packages/demo-1.0.dist-info/RECORD")
        .lines()
        .filter_map(|l| l.rsplit(',').next()?.parse::<u64>().ok())
        .sum();
    assert_eq!(
        report.bytes,
        total + read("site-packages/demo-1.0.dist-info/RECORD").len() as u64
    );
    // Nothing but the output next to it.
    let siblings: Vec<_> = fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(siblings.len(), 2, "{siblings:?}");
}

#[test]
fn installs_into_empty_existing_dir_and_is_deterministic() {
    let tmp = tempfile::tempdir().unwrap();
    let wheel = build(tmp.path(), |_, _| {});
    let first = tmp.path().join("first");
    install(&wheel, &first, &InstallOptions::default()).unwrap();
    let second = tmp.path().join("second");
    fs::create_dir(&second).unwrap();
    // The default picks one thread for this small wheel; force several.
    let opts = InstallOptions {
        threads: 4,
        ..InstallOptions::default()
    };
    install(&wheel, &second, &opts).unwrap();
    assert_eq!(tree(&first), tree(&second));
    let record =
        |root: &Path| fs::read(root.join("site-packages/demo-1.0.dist-info/RECORD")).unwrap();
    assert_eq!(record(&first), record(&second));
}

#[test]
fn thread_count_follows_the_work() {
    let plan = |sizes: &[u64]| Plan {
        entries: sizes
            .iter()
            .enumerate()
            .map(|(index, &size)| Entry {
                index,
                name: format!("f{index}"),
                dest: format!("site-packages/f{index}"),
                size,
                compressed: size,
                executable: false,
                script: false,
                expected: None,
            })
            .collect(),
        dist_info: "demo-1.0.dist-info".to_string(),
        launchers: Vec::new(),
    };
    let available = std::thread::available_parallelism()
        .map_or(1, std::num::NonZero::get)
        .min(MAX_THREADS);
    // A few small files, or one big file and little else: one thread.
    assert_eq!(auto_threads(&plan(&[1000; 10])), 1);
    assert_eq!(auto_threads(&plan(&[100 << 20, 1000, 1000])), 1);
    // Much work besides the largest file: as many threads as there are cores.
    assert_eq!(auto_threads(&plan(&[1 << 20; 100])), available);
    assert_eq!(auto_threads(&plan(&[10_000; 2000])), available);
}

#[test]
fn refuses_non_empty_output() {
    let tmp = tempfile::tempdir().unwrap();
    let wheel = build(tmp.path(), |_, _| {});
    let out = tmp.path().join("out");
    fs::create_dir(&out).unwrap();
    fs::write(out.join("stale.txt"), "x").unwrap();
    let err = install(&wheel, &out, &InstallOptions::default())
        .unwrap_err()
        .to_string();
    let err = err.replace(&tmp.path().display().to_string(), "[TMP]");
    insta::assert_snapshot!(err, @r#"
        cannot install `demo-1.0-py3-none-any.whl` into `[TMP]/out`: the directory is not empty
        hint: install each wheel into a new or empty directory
    "#);
    assert_eq!(tree(&out), "stale.txt 644 1");
}

#[test]
fn refuses_parent_dir_component() {
    insta::assert_snapshot!(install_err(|f, r| add(f, r, "demo/../../evil.py", b"x", 0o644)), @r#"
        wheel `demo-1.0-py3-none-any.whl` is unsafe: entry `demo/../../evil.py` has a `..` component, which would escape the install directory
        hint: nothing was installed; the wheel is malformed or malicious, report it to the package's maintainers
    "#);
}

#[test]
fn refuses_backslash_escape() {
    insta::assert_snapshot!(install_err(|f, r| add(f, r, "demo\\..\\..\\evil.py", b"x", 0o644)), @r#"
        wheel `demo-1.0-py3-none-any.whl` is unsafe: entry `demo\\..\\..\\evil.py` has a `..` component, which would escape the install directory
        hint: nothing was installed; the wheel is malformed or malicious, report it to the package's maintainers
    "#);
}

#[test]
fn refuses_absolute_paths() {
    insta::assert_snapshot!(install_err(|f, r| add(f, r, "/etc/evil", b"x", 0o644)), @r#"
        wheel `demo-1.0-py3-none-any.whl` is unsafe: entry `/etc/evil` is an absolute path
        hint: nothing was installed; the wheel is malformed or malicious, report it to the package's maintainers
    "#);
    insta::assert_snapshot!(install_err(|f, r| add(f, r, "C:/evil", b"x", 0o644)), @r#"
        wheel `demo-1.0-py3-none-any.whl` is unsafe: entry `C:/evil` starts with a drive letter
        hint: nothing was installed; the wheel is malformed or malicious, report it to the package's maintainers
    "#);
}

#[test]
fn refuses_symlink() {
    insta::assert_snapshot!(install_err(|f, r| add(f, r, "demo/link", b"/etc/passwd", S_IFLNK | 0o777)), @r#"
        wheel `demo-1.0-py3-none-any.whl` is unsafe: entry `demo/link` is a symbolic link; wheels may only contain regular files
        hint: nothing was installed; the wheel is malformed or malicious, report it to the package's maintainers
    "#);
}

#[test]
fn refuses_hash_mismatch() {
    let err = install_err(|files, _| files[1].1 = b"def main():\n    print('HI')\n".to_vec());
    insta::assert_snapshot!(err, @r#"
        wheel `demo-1.0-py3-none-any.whl` is corrupt: `demo/cli.py` has hash `sha256=sALadYDkO22Ylmiz6Bwj166DO5praVsx4-h0DD8W3PQ`, but RECORD says `sha256=Apxw9IvaEL1FRj4Mc5jXeGBbUmKjv5w-CRAAyXjoeoo`
        hint: nothing was installed; the wheel was modified after it was built, download or rebuild it
    "#);
}

#[test]
fn refuses_size_mismatch() {
    let err = install_err(|_, record| record[1] = record[1].replace(",28", ",29"));
    insta::assert_snapshot!(err, @r#"
        wheel `demo-1.0-py3-none-any.whl` is corrupt: `demo/cli.py` has 28 bytes, but RECORD says 29
        hint: nothing was installed; the wheel was modified after it was built, download or rebuild it
    "#);
}

#[test]
fn refuses_file_missing_from_record() {
    insta::assert_snapshot!(install_err(|_, record| { record.remove(2); }), @r#"
        wheel `demo-1.0-py3-none-any.whl` is invalid: `demo/_native.so` is not listed in RECORD
        hint: nothing was installed; the wheel was modified after it was built, download or rebuild it
    "#);
}

#[test]
fn refuses_record_entry_missing_from_archive() {
    insta::assert_snapshot!(install_err(|files, _| { files.remove(2); }), @r#"
        wheel `demo-1.0-py3-none-any.whl` is invalid: RECORD lists `demo/_native.so`, which is not in the archive
        hint: nothing was installed; the wheel was modified after it was built, download or rebuild it
    "#);
}

#[test]
fn refuses_record_without_hash() {
    insta::assert_snapshot!(install_err(|_, record| record[0] = "demo/__init__.py,,".to_string()), @r#"
        wheel `demo-1.0-py3-none-any.whl` is invalid: RECORD entry for `demo/__init__.py` has no hash
        hint: nothing was installed; the wheel is malformed, report it to the package's maintainers
    "#);
}

#[test]
fn refuses_duplicate_after_normalization() {
    insta::assert_snapshot!(install_err(|f, _| {
        let again = f[1].clone();
        f.push(("./demo/cli.py".to_string(), again.1, again.2));
    }), @r#"
        wheel `demo-1.0-py3-none-any.whl` is invalid: entry `./demo/cli.py` occurs more than once
        hint: nothing was installed; the wheel is malformed, report it to the package's maintainers
    "#);
}

#[test]
fn refuses_exact_duplicate_entries() {
    let tmp = tempfile::tempdir().unwrap();
    // Two entries of equal name length, then rename the second to the first in
    // place: the zip writer refuses to write duplicates itself.
    let wheel = build(tmp.path(), |f, r| {
        add(
            f,
            r,
            "demo/cla.py",
            b"def main():\n    print('hi')\n",
            0o644,
        );
    });
    let bytes = fs::read(&wheel).unwrap();
    let (from, to) = (b"demo/cla.py", b"demo/cli.py");
    let mut patched = bytes.clone();
    for i in 0..bytes.len() - from.len() {
        if &bytes[i..i + from.len()] == from {
            patched[i..i + to.len()].copy_from_slice(to);
        }
    }
    fs::write(&wheel, patched).unwrap();
    let out = tmp.path().join("out");
    let err = install(&wheel, &out, &InstallOptions::default())
        .unwrap_err()
        .to_string();
    insta::assert_snapshot!(err, @r#"
        wheel `demo-1.0-py3-none-any.whl` is invalid: entry `demo/cli.py` occurs more than once
        hint: nothing was installed; the wheel is malformed, report it to the package's maintainers
    "#);
    assert!(!out.exists());
}

#[test]
fn refuses_too_large() {
    let opts = InstallOptions {
        max_unpacked_bytes: 100,
        ..InstallOptions::default()
    };
    insta::assert_snapshot!(install_err_with(&opts, |_, _| {}), @r#"
        wheel `demo-1.0-py3-none-any.whl` unpacks to 1264 bytes, more than the limit of 100 bytes
        hint: if the wheel is trustworthy, raise the limit with `--max-unpacked-bytes`
    "#);
}

#[test]
fn refuses_compression_bomb() {
    let opts = InstallOptions {
        bomb_min_size: 1 << 20,
        ..InstallOptions::default()
    };
    let zeros = vec![0; 2 << 20];
    insta::assert_snapshot!(install_err_with(&opts, |f, r| add(f, r, "demo/zeros.bin", &zeros, 0o644)), @r#"
        wheel `demo-1.0-py3-none-any.whl` looks like a compression bomb: entry `demo/zeros.bin` expands 2049 bytes to 2097152 bytes, more than 100 times
        hint: if the wheel is trustworthy, raise the limit with `--max-compression-ratio`
    "#);
}

#[test]
fn accepts_padded_libraries_below_the_bomb_floor() {
    // Like pillow's patchelf-padded `libXau`: 2 MiB that deflate ~220 times.
    let tmp = tempfile::tempdir().unwrap();
    let mut lib = vec![0u8; 2 << 20];
    lib[..4].copy_from_slice(b"\x7fELF");
    let wheel = build(tmp.path(), |f, r| {
        add(f, r, "demo.libs/libpadded.so", &lib, 0o755);
    });
    install(&wheel, &tmp.path().join("out"), &InstallOptions::default()).unwrap();
}

#[test]
fn refuses_wheel_version_2() {
    let err = install_err(|files, record| {
        let wheel = b"Wheel-Version: 2.0\nRoot-Is-Purelib: true\n".to_vec();
        record[9] = format!(
            "demo-1.0.dist-info/WHEEL,{},{}",
            hash_string(&Sha256::digest(&wheel)),
            wheel.len()
        );
        files[9].1 = wheel;
    });
    insta::assert_snapshot!(err, @r#"
        wheel `demo-1.0-py3-none-any.whl` has `Wheel-Version: 2.0`, but only version 1.x is supported
        hint: use a wheel built for Wheel-Version 1.0 (the current standard)
    "#);
}

#[test]
fn refuses_mismatched_dist_info() {
    let err = install_err(|files, record| {
        for (name, _, _) in files.iter_mut() {
            *name = name.replace("demo-1.0.dist-info", "demo-1.1.dist-info");
        }
        for row in record.iter_mut() {
            *row = row.replace("demo-1.0.dist-info", "demo-1.1.dist-info");
        }
    });
    insta::assert_snapshot!(err, @r#"
        wheel `demo-1.0-py3-none-any.whl` is invalid: its metadata directory `demo-1.1.dist-info` does not match the filename; expected `demo-1.0.dist-info`
        hint: nothing was installed; the wheel is malformed, report it to the package's maintainers
    "#);
}

#[test]
fn refuses_unknown_data_dir() {
    insta::assert_snapshot!(install_err(|f, r| add(f, r, "demo-1.0.data/lib/x.py", b"x", 0o644)), @r#"
        wheel `demo-1.0-py3-none-any.whl` is invalid: `demo-1.0.data/lib/x.py` is in the unknown data directory `lib`
        hint: a wheel's `.data` directory may only contain `purelib`, `platlib`, `scripts`, `headers` and `data`
    "#);
}

#[test]
fn refuses_conflicting_destinations() {
    insta::assert_snapshot!(install_err(|f, r| add(f, r, "demo-1.0.data/purelib/demo/cli.py", b"x", 0o644)), @r#"
        wheel `demo-1.0-py3-none-any.whl` is invalid: `demo/cli.py` and `demo-1.0.data/purelib/demo/cli.py` would both be installed as `site-packages/demo/cli.py`
        hint: nothing was installed; the wheel is malformed, report it to the package's maintainers
    "#);
}

#[test]
fn refuses_names_that_differ_only_in_case() {
    insta::assert_snapshot!(install_err(|f, r| add(f, r, "demo/CLI.py", b"x", 0o644)), @r#"
        wheel `demo-1.0-py3-none-any.whl` is invalid: `demo/CLI.py` and `demo/cli.py` would be installed as `site-packages/demo/CLI.py` and `site-packages/demo/cli.py`, which differ only in case: one path on a case-insensitive file system (macOS, Windows)
        hint: nothing was installed; the wheel would install differently on such hosts, report it to the package's maintainers
        "#);
    // A file where another entry needs a directory, once case is ignored.
    insta::assert_snapshot!(install_err(|f, r| add(f, r, "Demo", b"x", 0o644)), @r#"
        wheel `demo-1.0-py3-none-any.whl` is invalid: `Demo` and `demo/__init__.py` would be installed as `site-packages/Demo` and `site-packages/demo/__init__.py`, which differ only in case: one path on a case-insensitive file system (macOS, Windows)
        hint: nothing was installed; the wheel would install differently on such hosts, report it to the package's maintainers
        "#);
}

#[test]
fn entry_paths() {
    assert_eq!(normalize_entry("./a//b/./c.py"), Ok("a/b/c.py".to_string()));
    assert_eq!(normalize_entry("a/"), Ok("a".to_string()));
    assert!(normalize_entry("a/../../b").is_err());
    assert!(normalize_entry("a\\..\\..\\b").is_err());
    assert!(normalize_entry("/etc/passwd").is_err());
    assert!(normalize_entry("C:/x").is_err());
    assert_eq!(normalize_entry("a\\b"), Ok("a\\b".to_string()));
}

#[test]
fn csv() {
    let rows = parse_csv("a,b,c\r\n\"x,y\",\"q\"\"\",1\nlast,,").unwrap();
    assert_eq!(
        rows,
        [
            vec!["a", "b", "c"],
            vec!["x,y", "q\"", "1"],
            vec!["last", "", ""]
        ]
    );
    assert!(parse_csv("\"open,1").is_err());
    assert_eq!(csv_field("a,b"), "\"a,b\"");
    assert_eq!(csv_field("plain"), "plain");
}

#[test]
fn entry_points() {
    let cx = Cx {
        wheel: "w.whl".to_string(),
    };
    let text = "[console_scripts]\nfoo = foo.cli:main [extra]\nbar=bar:app.run\n\
                [gui_scripts]\ngui = g:main\n[other]\nx = y:z\n";
    assert_eq!(
        parse_entry_points(&cx, text).unwrap(),
        [
            ("bar".into(), "bar".into(), "app.run".into()),
            ("foo".into(), "foo.cli".into(), "main".into()),
            ("gui".into(), "g".into(), "main".into()),
        ]
    );
    let err = |text: &str| parse_entry_points(&cx, text).unwrap_err().to_string();
    insta::assert_snapshot!(err("[console_scripts]\n../evil = a:b\n"), @r#"
        wheel `w.whl` has an invalid entry point `../evil = a:b`: the script name must be a plain file name
        hint: nothing was installed; the wheel is malformed, report it to the package's maintainers
    "#);
    insta::assert_snapshot!(err("[console_scripts]\nx = a\n"), @r#"
        wheel `w.whl` has an invalid entry point `x = a`: expected `module:function`
        hint: nothing was installed; the wheel is malformed, report it to the package's maintainers
    "#);
    insta::assert_snapshot!(err("[console_scripts]\nx = a:b; rm -rf\n"), @r#"
        wheel `w.whl` has an invalid entry point `x = a:b; rm -rf`: expected `module:function` with Python identifiers
        hint: nothing was installed; the wheel is malformed, report it to the package's maintainers
    "#);
}

/// Sets the uncompressed size that the local and central headers of `name`
/// declare in the zip `bytes` (the lie of a crafted wheel).
fn patch_declared_size(bytes: &mut [u8], name: &str, size: u32) {
    let mut patched = 0;
    for i in 0..bytes.len().saturating_sub(46) {
        let (sig, name_at, size_at, len_at) = match &bytes[i..i + 4] {
            b"PK\x03\x04" => ("local", 30, 22, 26),
            b"PK\x01\x02" => ("central", 46, 24, 28),
            _ => continue,
        };
        let len = u16::from_le_bytes([bytes[i + len_at], bytes[i + len_at + 1]]) as usize;
        if bytes.get(i + name_at..i + name_at + len) == Some(name.as_bytes()) {
            bytes[i + size_at..i + size_at + 4].copy_from_slice(&size.to_le_bytes());
            patched += 1;
            let _ = sig;
        }
    }
    assert_eq!(patched, 2, "{name}: local and central header");
}

#[test]
fn refuses_metadata_that_unpacks_to_more_than_declared() {
    // A WHEEL file that inflates to 8 MiB while its headers declare 75 bytes:
    // reading stops after 76 bytes.
    let tmp = tempfile::tempdir().unwrap();
    let mut wheel_text =
        b"Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n".to_vec();
    wheel_text.resize(8 << 20, b'\n');
    let wheel = build(tmp.path(), |files, _| files[9].1 = wheel_text);
    let mut bytes = fs::read(&wheel).unwrap();
    patch_declared_size(&mut bytes, "demo-1.0.dist-info/WHEEL", 75);
    fs::write(&wheel, bytes).unwrap();
    let out = tmp.path().join("out");
    let err = install(&wheel, &out, &InstallOptions::default()).unwrap_err();
    insta::assert_snapshot!(err, @r#"
        wheel `demo-1.0-py3-none-any.whl` is corrupt: entry `demo-1.0.dist-info/WHEEL` does not unpack to the 75 bytes its zip header declares
        hint: the file is damaged; download it again
    "#);
    assert!(!out.exists());
}

#[test]
fn refuses_metadata_over_the_cap() {
    let mut wheel_text = b"Wheel-Version: 1.0\nRoot-Is-Purelib: true\n".to_vec();
    wheel_text.resize(MAX_METADATA_BYTES as usize + 1, b'\n');
    let err = install_err(|files, record| {
        record[9] = format!(
            "demo-1.0.dist-info/WHEEL,{},{}",
            hash_string(&Sha256::digest(&wheel_text)),
            wheel_text.len()
        );
        files[9].1 = wheel_text;
    });
    insta::assert_snapshot!(err, @r#"
        wheel `demo-1.0-py3-none-any.whl` is invalid: `demo-1.0.dist-info/WHEEL` declares 1048577 bytes, more than the 1048576 bytes ofiuco reads for it
        hint: nothing was installed; the wheel is malformed or malicious, report it to the package's maintainers
    "#);
}

/// Builds a wheel named `wheel_name` whose entries are `files` and a RECORD
/// (at `record_path`) listing them all.
fn build_named(dir: &Path, wheel_name: &str, files: &Files, record_path: &str) -> PathBuf {
    let mut record: Vec<String> = files
        .iter()
        .map(|(name, content, _)| {
            format!(
                "{},{},{}",
                csv_field(name),
                hash_string(&Sha256::digest(content)),
                content.len()
            )
        })
        .collect();
    record.push(format!("{record_path},,"));
    let path = dir.join(wheel_name);
    write_wheel(&path, files, &record);
    path
}

#[test]
fn refuses_a_distribution_name_of_dot_dot() {
    // Issue 7: with the name `..`, `.data/headers/x` went to `include/../x`,
    // i.e. the root of the tree, and could replace `site-packages/pkg/__init__.py`.
    let tmp = tempfile::tempdir().unwrap();
    let file = |name: &str, content: &str| (name.to_string(), content.as_bytes().to_vec(), 0o644);
    let files = vec![
        file("pkg/__init__.py", "good = True\n"),
        file(
            "..-1.0.data/headers/site-packages/pkg/__init__.py",
            "evil = True\n",
        ),
        file(
            "..-1.0.dist-info/METADATA",
            "Metadata-Version: 2.1\nName: ..\nVersion: 1.0\n",
        ),
        file(
            "..-1.0.dist-info/WHEEL",
            "Wheel-Version: 1.0\nRoot-Is-Purelib: true\n",
        ),
    ];
    let wheel = build_named(
        tmp.path(),
        "..-1.0-py3-none-any.whl",
        &files,
        "..-1.0.dist-info/RECORD",
    );
    let out = tmp.path().join("out");
    let err = install(&wheel, &out, &InstallOptions::default()).unwrap_err();
    insta::assert_snapshot!(err, @r#"
        wheel `..-1.0-py3-none-any.whl` is invalid: its distribution name `..` is not a valid package name: a name must start and end with a letter or digit
        hint: nothing was installed; the wheel is malformed, report it to the package's maintainers
    "#);
    assert!(!out.exists());
}

#[test]
fn headers_go_below_the_normalized_name() {
    let tmp = tempfile::tempdir().unwrap();
    let file = |name: &str, content: &str| (name.to_string(), content.as_bytes().to_vec(), 0o644);
    let files = vec![
        file("zope/__init__.py", ""),
        file("Zope.Interface-1.0.data/headers/zi.h", "int zi;\n"),
        file(
            "Zope.Interface-1.0.dist-info/METADATA",
            "Metadata-Version: 2.1\nName: Zope.Interface\nVersion: 1.0\n",
        ),
        file(
            "Zope.Interface-1.0.dist-info/WHEEL",
            "Wheel-Version: 1.0\nRoot-Is-Purelib: true\n",
        ),
    ];
    let wheel = build_named(
        tmp.path(),
        "Zope.Interface-1.0-py3-none-any.whl",
        &files,
        "Zope.Interface-1.0.dist-info/RECORD",
    );
    let out = tmp.path().join("out");
    install(&wheel, &out, &InstallOptions::default()).unwrap();
    assert_eq!(
        fs::read_to_string(out.join("include/zope-interface/zi.h")).unwrap(),
        "int zi;\n"
    );
}

#[test]
fn refuses_a_file_where_a_directory_is_needed() {
    insta::assert_snapshot!(install_err(|f, r| add(f, r, "demo-1.0.data/purelib/demo/cli.py/x.py", b"x", 0o644)), @r#"
        wheel `demo-1.0-py3-none-any.whl` is invalid: `demo/cli.py` would be installed as the file `site-packages/demo/cli.py`, but `demo-1.0.data/purelib/demo/cli.py/x.py` would be installed inside it
        hint: nothing was installed; the wheel is malformed, report it to the package's maintainers
    "#);
    insta::assert_snapshot!(install_err(|f, r| add(f, r, "demo-1.0.data/scripts/demo/x", b"x", 0o644)), @r#"
        wheel `demo-1.0-py3-none-any.whl` is invalid: `entry point demo` would be installed as the file `bin/demo`, but `demo-1.0.data/scripts/demo/x` would be installed inside it
        hint: nothing was installed; the wheel is malformed, report it to the package's maintainers
    "#);
}

#[test]
fn refuses_a_launcher_over_a_script() {
    insta::assert_snapshot!(install_err(|f, r| add(f, r, "demo-1.0.data/scripts/demo", b"#!/bin/sh\n", 0o755)), @r#"
        wheel `demo-1.0-py3-none-any.whl` is invalid: its entry point `demo` and `demo-1.0.data/scripts/demo` would both be installed as `bin/demo`
        hint: nothing was installed; the wheel is malformed, report it to the package's maintainers
    "#);
}

#[test]
fn messages_escape_and_cut_untrusted_names() {
    // An entry name that would clear the terminal, and a RECORD row of 4 MiB.
    let err = install_err(|files, _| {
        files.push((
            "demo/\u{1b}[2J\u{1b}[H.py".to_string(),
            b"x".to_vec(),
            0o644,
        ));
    });
    assert!(!err.contains('\u{1b}'), "{err}");
    insta::assert_snapshot!(err, @r#"
        wheel `demo-1.0-py3-none-any.whl` is invalid: `demo/\u{1b}[2J\u{1b}[H.py` is not listed in RECORD
        hint: nothing was installed; the wheel was modified after it was built, download or rebuild it
    "#);
    let long = format!("demo/{}.py", "a".repeat(4 << 20));
    let err = install_err(|_, record| record.push(format!("{long},sha256=x,1")));
    assert!(err.len() < 1000, "{} bytes", err.len());
    assert!(
        err.contains(&format!("…[{} more bytes]", long.len() - 200)),
        "{err}"
    );
}

#[test]
fn refuses_a_record_row_that_escapes() {
    insta::assert_snapshot!(install_err(|_, record| record.push("../../evil.py,sha256=x,1".into())), @r#"
        wheel `demo-1.0-py3-none-any.whl` is unsafe: RECORD row `../../evil.py` has a `..` component, which would escape the install directory
        hint: nothing was installed; the wheel is malformed or malicious, report it to the package's maintainers
    "#);
}

#[test]
fn filename_errors_are_shown_escaped() {
    let tmp = tempfile::tempdir().unwrap();
    let err = install(
        &tmp.path().join("demo\u{1b}[2J-1.0.tar.gz"),
        &tmp.path().join("out"),
        &InstallOptions::default(),
    )
    .unwrap_err();
    insta::assert_snapshot!(err, @r"invalid wheel filename `demo\u{1b}[2J-1.0.tar.gz`: it must end in `.whl`");
}
