//! `ofiuco check-wheel` and `ofiuco sdist-info` run as processes: on real
//! wheels built from the crcmod 1.7 sdist, on wheels assembled around real
//! ELF files (from PyPI wheels, or built by the host's gcc), on real sdists
//! from PyPI, and on crafted hostile archives. Fixtures: tools/build/testdata
//! (its README says where each comes from).

use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use base64::Engine as _;
use sha2::{Digest, Sha256};

fn ofiuco(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ofiuco"))
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap()
}

/// Runs `ofiuco`, expects success and no output at all.
fn ok(dir: &Path, args: &[&str]) {
    let output = ofiuco(dir, args);
    assert!(output.status.success(), "{args:?}: {}", stderr(&output));
    assert_eq!(stderr(&output), "", "{args:?} printed to stderr");
    assert!(output.stdout.is_empty(), "{args:?} printed to stdout");
}

/// Runs `ofiuco`, expects exit code 1; returns stderr.
fn fails(dir: &Path, args: &[&str]) -> String {
    let output = ofiuco(dir, args);
    assert_eq!(
        output.status.code(),
        Some(1),
        "{args:?} should fail: {}",
        stderr(&output)
    );
    stderr(&output).replace(&dir.display().to_string(), "[TMP]")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn testdata(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../build/testdata")
        .join(rel)
}

/// An ELF fixture, unpacked if it is gzipped.
fn elf(name: &str) -> Vec<u8> {
    let bytes = fs::read(testdata(&format!("elf/{name}"))).unwrap();
    if name.ends_with(".gz") {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(&bytes[..])
            .read_to_end(&mut out)
            .unwrap();
        out
    } else {
        bytes
    }
}

fn record_hash(bytes: &[u8]) -> String {
    format!(
        "sha256={}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(bytes))
    )
}

/// A wheel `pkg-1.0-<tag>.whl` as a backend writes it: `files`, then WHEEL
/// and RECORD (with correct hashes).
fn make_wheel(dir: &Path, tag: &str, files: &[(&str, Vec<u8>)]) -> PathBuf {
    let path = dir.join(format!("pkg-1.0-{tag}.whl"));
    let mut zip = zip::ZipWriter::new(fs::File::create(&path).unwrap());
    let options = zip::write::SimpleFileOptions::default();
    let mut record = String::new();
    let purelib = tag.ends_with("-any");
    // One `Tag:` line per tag of the compressed sets, as backends write them.
    let parts: Vec<&str> = tag.split('-').collect();
    let mut tag_lines = String::new();
    for python in parts[0].split('.') {
        for abi in parts[1].split('.') {
            for platform in parts[2].split('.') {
                tag_lines.push_str(&format!("Tag: {python}-{abi}-{platform}\n"));
            }
        }
    }
    let wheel =
        format!("Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: {purelib}\n{tag_lines}\n");
    let mut all: Vec<(String, Vec<u8>)> = files
        .iter()
        .map(|(n, b)| (n.to_string(), b.clone()))
        .collect();
    all.push(("pkg/__init__.py".into(), b"".to_vec()));
    all.push((
        "pkg-1.0.dist-info/METADATA".into(),
        b"Metadata-Version: 2.1\nName: pkg\nVersion: 1.0\n".to_vec(),
    ));
    all.push(("pkg-1.0.dist-info/WHEEL".into(), wheel.into_bytes()));
    for (name, bytes) in &all {
        zip.start_file(name.as_str(), options).unwrap();
        zip.write_all(bytes).unwrap();
        record.push_str(&format!("{name},{},{}\n", record_hash(bytes), bytes.len()));
    }
    record.push_str("pkg-1.0.dist-info/RECORD,,\n");
    zip.start_file("pkg-1.0.dist-info/RECORD", options).unwrap();
    zip.write_all(record.as_bytes()).unwrap();
    zip.finish().unwrap();
    path
}

/// `check-wheel` arguments for a target, writing into the directory `out`.
fn check_args<'a>(wheel: &'a str, cpu: &'a str, glibc: &'a str, python: &'a str) -> Vec<&'a str> {
    vec![
        "check-wheel",
        "--wheel",
        wheel,
        "--output",
        "out",
        "--os",
        "linux",
        "--cpu",
        cpu,
        "--glibc",
        glibc,
        "--python",
        python,
    ]
}

fn entries_of(path: &Path) -> Vec<(String, Vec<u8>)> {
    let mut zip = zip::ZipArchive::new(fs::File::open(path).unwrap()).unwrap();
    (0..zip.len())
        .map(|i| {
            let mut f = zip.by_index(i).unwrap();
            let mut bytes = Vec::new();
            f.read_to_end(&mut bytes).unwrap();
            (f.name().to_string(), bytes)
        })
        .collect()
}

fn text(entries: &[(String, Vec<u8>)], name: &str) -> String {
    let (_, bytes) = entries.iter().find(|(n, _)| n == name).unwrap();
    String::from_utf8(bytes.clone()).unwrap()
}

fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn retags_a_real_crcmod_build_reproducibly() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let input = testdata("wheels/crcmod-1.7-cp311-cp311-linux_x86_64.whl");
    let input = input.to_str().unwrap();
    for out in ["out", "out2"] {
        fs::create_dir(dir.join(out)).unwrap();
        let mut args = check_args(input, "x86_64", "2.26", "3.11");
        args[4] = out;
        args.push("--native");
        ok(dir, &args);
    }
    let name = "crcmod-1.7-cp311-cp311-manylinux_2_26_x86_64.whl";
    assert_eq!(listing(&dir.join("out")), [name]);
    let written = fs::read(dir.join("out").join(name)).unwrap();
    assert_eq!(written, fs::read(dir.join("out2").join(name)).unwrap());

    let before = entries_of(Path::new(input));
    let after = entries_of(&dir.join("out").join(name));
    let wheel = text(&after, "crcmod-1.7.dist-info/WHEEL");
    assert_eq!(
        wheel,
        "Wheel-Version: 1.0\nGenerator: setuptools (84.2.1)\nRoot-Is-Purelib: false\nTag: cp311-cp311-manylinux_2_26_x86_64\n\n"
    );
    let record = text(&after, "crcmod-1.7.dist-info/RECORD");
    assert!(record.contains(&format!(
        "crcmod-1.7.dist-info/WHEEL,{},{}\n",
        record_hash(wheel.as_bytes()),
        wheel.len()
    )));
    // Every other file is unchanged; RECORD comes last, after the dist-info.
    for (name, bytes) in &before {
        if !name.ends_with("/WHEEL") && !name.ends_with("/RECORD") {
            assert_eq!(
                after.iter().find(|(n, _)| n == name).map(|(_, b)| b),
                Some(bytes),
                "{name}"
            );
        }
    }
    let names: Vec<&str> = after.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names.last(), Some(&"crcmod-1.7.dist-info/RECORD"));
    assert!(names[0].starts_with("crcmod/"));
    let mut zip =
        zip::ZipArchive::new(fs::File::open(dir.join("out").join(name)).unwrap()).unwrap();
    for i in 0..zip.len() {
        let f = zip.by_index(i).unwrap();
        assert_eq!(
            f.last_modified(),
            Some(zip::DateTime::default()),
            "{}",
            f.name()
        );
        assert!(
            matches!(f.unix_mode(), Some(0o100644 | 0o100755)),
            "{}: {:o}",
            f.name(),
            f.unix_mode().unwrap()
        );
    }
    // The result installs (RECORD verified file by file).
    ok(
        dir,
        &[
            "install",
            "--wheel",
            &format!("out/{name}"),
            "--output",
            "installed",
        ],
    );
    assert!(dir
        .join("installed/site-packages/crcmod/_crcfunext.cpython-311-x86_64-linux-gnu.so")
        .is_file());
}

#[test]
fn output_file_named_for_its_tags() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let input = testdata("wheels/crcmod-1.7-cp311-cp311-linux_x86_64.whl");
    let input = input.to_str().unwrap();
    let mut args = check_args(input, "x86_64", "2.34", "3.11");
    args[4] = "crcmod-1.7-cp311-cp311-manylinux_2_34_x86_64.whl";
    ok(dir, &args);
    assert!(dir.join(args[4]).is_file());
    args[4] = "crcmod-1.7-cp311-cp311-manylinux_2_26_x86_64.whl";
    insta::assert_snapshot!(check_fails(dir, &args), @r"
    error: `[CARGO_DIR]/wheels/crcmod-1.7-cp311-cp311-linux_x86_64.whl` becomes `crcmod-1.7-cp311-cp311-manylinux_2_34_x86_64.whl` once retagged, but --output names `crcmod-1.7-cp311-cp311-manylinux_2_26_x86_64.whl`
    hint: name the output after the wheel's tags, or pass an existing directory as --output
    ");
}

/// stderr of a failing check, with the testdata directory filtered.
fn check_fails(dir: &Path, args: &[&str]) -> String {
    let out = fails(dir, args).replace(
        &testdata("")
            .display()
            .to_string()
            .trim_end_matches('/')
            .to_string(),
        "[CARGO_DIR]",
    );
    assert!(
        !dir.join("out").exists() || listing(&dir.join("out")).is_empty(),
        "output left behind"
    );
    out
}

#[test]
fn pure_fallback_is_refused_when_native() {
    // crcmod 1.7 built with a failing compiler (CC=false): setup.py falls back to pure Python.
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    fs::create_dir(dir.join("out")).unwrap();
    let input = testdata("wheels/crcmod-1.7-py3-none-any.whl");
    let mut args = check_args(input.to_str().unwrap(), "aarch64", "2.26", "3.11");
    args.push("--native");
    insta::assert_snapshot!(check_fails(dir, &args), @r"
    error: `[CARGO_DIR]/wheels/crcmod-1.7-py3-none-any.whl` has no compiled code (no ELF file) and is tagged `py3-none-any`, but the package must be native
    hint: the backend fell back to pure Python, most likely because the extension failed to compile: look for the compiler error in the backend's output
    ");
    // Without --native a pure wheel is fine and keeps its name.
    args.pop();
    ok(dir, &args);
    assert_eq!(listing(&dir.join("out")), ["crcmod-1.7-py3-none-any.whl"]);
}

#[test]
fn build_machine_runpath_is_refused() {
    // crcmod 1.7 built by a pyenv CPython: its LDSHARED adds -Wl,-rpath to its own lib dir.
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let input = testdata("wheels/pyenv-runpath/crcmod-1.7-cp311-cp311-linux_x86_64.whl");
    let args = check_args(input.to_str().unwrap(), "x86_64", "2.26", "3.11");
    insta::assert_snapshot!(check_fails(dir, &args), @r"
    error: `[CARGO_DIR]/wheels/pyenv-runpath/crcmod-1.7-cp311-cp311-linux_x86_64.whl`: `crcmod/_crcfunext.cpython-311-x86_64-linux-gnu.so` has the RPATH/RUNPATH entry `/root/.pyenv/versions/3.11.7/lib`, a directory of the build machine
    hint: only `$ORIGIN`-relative entries work on the target; drop `-Wl,-rpath` from the link (it often comes from the build interpreter's LDSHARED or LDFLAGS)
    ");
}

#[test]
fn aarch64_elf_files_from_pypi_wheels() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    fs::create_dir(dir.join("out")).unwrap();
    // pillow 11.0.0's _imagingmorph (GLIBC_2.17), libXau (needs the loader),
    // murmurhash 1.0.16's mrmr (libstdc++, libgcc_s).
    let wheel = make_wheel(
        dir,
        "cp311-cp311-linux_aarch64",
        &[
            (
                "pkg/_imagingmorph.cpython-311-aarch64-linux-gnu.so",
                elf("_imagingmorph.cpython-311-aarch64-linux-gnu.so.gz"),
            ),
            (
                "pkg.libs/libXau-7926f62a.so.6.0.0",
                elf("libXau-7926f62a.so.6.0.0.gz"),
            ),
            (
                "pkg/mrmr.cpython-311-aarch64-linux-gnu.so",
                elf("mrmr.cpython-311-aarch64-linux-gnu.so.gz"),
            ),
        ],
    );
    let wheel = wheel.to_str().unwrap();
    let mut args = check_args(wheel, "aarch64", "2.17", "3.11");
    args.push("--native");
    ok(dir, &args);
    assert_eq!(
        listing(&dir.join("out")),
        ["pkg-1.0-cp311-cp311-manylinux_2_17_aarch64.whl"]
    );
    fs::remove_dir_all(dir.join("out")).unwrap();
    fs::create_dir(dir.join("out")).unwrap();

    insta::assert_snapshot!(check_fails(dir, &check_args(wheel, "x86_64", "2.26", "3.11")), @r"
    error: `[TMP]/pkg-1.0-cp311-cp311-linux_aarch64.whl` has the platform tag `linux_aarch64`, but the target is linux x86_64
    hint: the build ran for another platform; make the backend target x86_64 (e.g. `_PYTHON_HOST_PLATFORM=linux-x86_64`)
    ");
    insta::assert_snapshot!(check_fails(dir, &check_args(wheel, "aarch64", "2.26", "3.12")), @r"
    error: `[TMP]/pkg-1.0-cp311-cp311-linux_aarch64.whl`: `pkg/_imagingmorph.cpython-311-aarch64-linux-gnu.so` is named for `cpython-311-aarch64-linux-gnu`, but the target is `cpython-312-aarch64-linux-gnu`
    hint: the build used the exec interpreter's EXT_SUFFIX; point `_PYTHON_SYSCONFIGDATA_NAME` at the target's sysconfig data
    ");
}

#[test]
fn aarch64_elf_file_above_the_ceiling() {
    // pillow 11.0.0 (manylinux_2_28_aarch64) bundles libsharpyuv, which needs GLIBC_2.27.
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let wheel = make_wheel(
        dir,
        "cp311-cp311-linux_aarch64",
        &[(
            "pkg.libs/libsharpyuv-e45e7682.so.0.1.0",
            elf("libsharpyuv-e45e7682.so.0.1.0.gz"),
        )],
    );
    let wheel = wheel.to_str().unwrap();
    insta::assert_snapshot!(check_fails(dir, &check_args(wheel, "aarch64", "2.26", "3.11")), @r"
    error: `[TMP]/pkg-1.0-cp311-cp311-linux_aarch64.whl`: `pkg.libs/libsharpyuv-e45e7682.so.0.1.0` needs `GLIBC_2.27` (symbol `expf` from libm.so.6), but the target's glibc is 2.26
    hint: target a newer glibc (a platform with a higher `@ofiuco//python/libc` ceiling), or build with a compiler that links against glibc 2.26 (e.g. `zig cc -target aarch64-linux-gnu.2.26`)
    ");
    fs::create_dir(dir.join("out")).unwrap();
    ok(dir, &check_args(wheel, "aarch64", "2.28", "3.11"));
    // The x86_64 Lambda preset's CPU: the wrong machine is named.
    let wheel = make_wheel(
        dir,
        "cp311-cp311-linux_x86_64",
        &[(
            "pkg.libs/libsharpyuv-e45e7682.so.0.1.0",
            elf("libsharpyuv-e45e7682.so.0.1.0.gz"),
        )],
    );
    let wheel = wheel.to_str().unwrap();
    fs::remove_dir_all(dir.join("out")).unwrap();
    insta::assert_snapshot!(check_fails(dir, &check_args(wheel, "x86_64", "2.28", "3.11")), @r"
    error: `[TMP]/pkg-1.0-cp311-cp311-linux_x86_64.whl`: `pkg.libs/libsharpyuv-e45e7682.so.0.1.0` is an ELF file for aarch64, but the target CPU is x86_64
    hint: the extension was compiled for the wrong CPU; point CC, CXX and LDSHARED at a compiler for the target (e.g. `zig cc -target x86_64-linux-gnu.2.28`)
    ");
}

#[test]
fn x86_64_libstdcxx_above_the_policy() {
    // Built by the host's g++ 12: needs GLIBCXX_3.4.29 (std::from_chars for double).
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let wheel = make_wheel(
        dir,
        "cp311-abi3-linux_x86_64",
        &[("pkg/libneeds_glibcxx.so", elf("libneeds_glibcxx.x86_64.so"))],
    );
    let wheel = wheel.to_str().unwrap();
    insta::assert_snapshot!(check_fails(dir, &check_args(wheel, "x86_64", "2.28", "3.11")), @r"
    error: `[TMP]/pkg-1.0-cp311-abi3-linux_x86_64.whl`: `pkg/libneeds_glibcxx.so` needs `GLIBCXX_3.4.29` (symbol `_ZSt10from_charsPKcS0_RdSt12chars_format` from libstdc++.so.6), but the manylinux_2_28 policy allows GLIBCXX_3.4.24 at most
    hint: the C++ runtime it was linked against is newer than the target's: link it statically (`-static-libstdc++`, or `zig cc -target x86_64-linux-gnu.2.28`, which links LLVM's libc++ statically), or target a newer glibc
    ");
    // AL2023 (glibc 2.34, manylinux_2_34: GLIBCXX_3.4.29), for CPython 3.13 (abi3).
    fs::create_dir(dir.join("out")).unwrap();
    ok(dir, &check_args(wheel, "x86_64", "2.34", "3.13"));
    assert_eq!(
        listing(&dir.join("out")),
        ["pkg-1.0-cp311-abi3-manylinux_2_34_x86_64.whl"]
    );
}

#[test]
fn needed_libraries() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    fs::create_dir(dir.join("out")).unwrap();
    let ext = (
        "pkg/_ext.cpython-311-x86_64-linux-gnu.so",
        elf("_ext.cpython-311-x86_64-linux-gnu.so"),
    );
    // Bundled through `$ORIGIN/../pkg.libs`: fine.
    let wheel = make_wheel(
        dir,
        "cp311-cp311-linux_x86_64",
        &[
            ext.clone(),
            (
                "pkg.libs/libbundled-1a2b3c4d.so.1",
                elf("libbundled-1a2b3c4d.so.1"),
            ),
        ],
    );
    ok(
        dir,
        &check_args(wheel.to_str().unwrap(), "x86_64", "2.17", "3.11"),
    );
    fs::remove_dir_all(dir.join("out")).unwrap();
    // The same extension without its library.
    let wheel = make_wheel(dir, "cp311-cp311-linux_x86_64", &[ext]);
    let err = check_fails(
        dir,
        &check_args(wheel.to_str().unwrap(), "x86_64", "2.17", "3.11"),
    );
    assert!(err.starts_with("error: `[TMP]/pkg-1.0-cp311-cp311-linux_x86_64.whl`: `pkg/_ext.cpython-311-x86_64-linux-gnu.so` needs `libbundled-1a2b3c4d.so.1`, which is neither on the manylinux list of system libraries nor bundled in the wheel\nhint: link it statically, or bundle it"), "{err}");
    let wheel = make_wheel(
        dir,
        "cp311-cp311-linux_x86_64",
        &[(
            "pkg/_links_libpython.cpython-311-x86_64-linux-gnu.so",
            elf("_links_libpython.cpython-311-x86_64-linux-gnu.so"),
        )],
    );
    insta::assert_snapshot!(check_fails(dir, &check_args(wheel.to_str().unwrap(), "x86_64", "2.17", "3.11")), @r"
    error: `[TMP]/pkg-1.0-cp311-cp311-linux_x86_64.whl`: `pkg/_links_libpython.cpython-311-x86_64-linux-gnu.so` links libpython (`libpython3.11.so.1.0`)
    hint: extension modules must not link libpython (the interpreter provides its symbols): build without `-lpython3.X` (empty `LIBS`/`LDLIBRARY` in the target's sysconfig)
    ");
    let wheel = make_wheel(
        dir,
        "cp311-cp311-linux_x86_64",
        &[(
            "pkg/_needs_libssl.cpython-311-x86_64-linux-gnu.so",
            elf("_needs_libssl.cpython-311-x86_64-linux-gnu.so"),
        )],
    );
    let err = check_fails(
        dir,
        &check_args(wheel.to_str().unwrap(), "x86_64", "2.17", "3.11"),
    );
    assert!(
        err.contains("needs `libssl.so.3`, which is neither on the manylinux list"),
        "{err}"
    );
}

#[test]
fn tags_and_archives() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let markupsafe = elf("_speedups.cpython-311-x86_64-linux-gnu.so.gz");
    let wheel = make_wheel(
        dir,
        "cp310-cp310-linux_x86_64",
        &[("pkg/_speedups.so", markupsafe.clone())],
    );
    insta::assert_snapshot!(check_fails(dir, &check_args(wheel.to_str().unwrap(), "x86_64", "2.17", "3.11")), @r"
    error: `[TMP]/pkg-1.0-cp310-cp310-linux_x86_64.whl` is tagged `cp310-cp310-manylinux_2_17_x86_64`, which CPython 3.11 on linux x86_64 does not install
    hint: build it with a CPython 3.11 interpreter (and the target's headers and sysconfig), or target the Python version it was built for
    ");
    let wheel = make_wheel(
        dir,
        "cp311-cp311-linux_x86_64",
        &[("pkg/../../evil.so", markupsafe.clone())],
    );
    insta::assert_snapshot!(check_fails(dir, &check_args(wheel.to_str().unwrap(), "x86_64", "2.17", "3.11")), @r"
    error: `[TMP]/pkg-1.0-cp311-cp311-linux_x86_64.whl`: `pkg/../../evil.so` has a `..` component (path traversal)
    hint: the build backend wrote an unsafe wheel; nothing was written
    ");
    // An older file at --output is gone after a failure.
    fs::write(dir.join("pkg.whl"), "old").unwrap();
    let mut args = check_args(wheel.to_str().unwrap(), "x86_64", "2.17", "3.11");
    args[4] = "pkg.whl";
    fails(dir, &args);
    assert!(!dir.join("pkg.whl").exists());
    assert!(
        listing(dir).iter().all(|n| !n.starts_with(".ofiuco-tmp")),
        "{:?}",
        listing(dir)
    );
    // The input's file name does not matter (a build rule names it before
    // the build runs): the name comes from `.dist-info`, the tags from WHEEL.
    fs::copy(
        make_wheel(dir, "py2.py3-none-any", &[]),
        dir.join("raw.whl"),
    )
    .unwrap();
    fs::create_dir(dir.join("out")).unwrap();
    ok(dir, &check_args("raw.whl", "aarch64", "2.17", "3.11"));
    assert_eq!(listing(&dir.join("out")), ["pkg-1.0-py2.py3-none-any.whl"]);
}

// ---- sdist-info -------------------------------------------------------------

fn sdist_info(dir: &Path, args: &[&str]) -> String {
    let mut all = vec!["sdist-info"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--output", "info.json"]);
    ok(dir, &all);
    fs::read_to_string(dir.join("info.json")).unwrap()
}

fn real_sdist(dir: &Path, name: &str) -> String {
    crates_summarized(&sdist_info(
        dir,
        &[
            "--sdist",
            testdata(&format!("sdists/{name}")).to_str().unwrap(),
        ],
    ))
}

/// The JSON (keys in their order) with a long `cargo_crates` list, the last
/// key, cut to its length and first crate.
fn crates_summarized(json: &str) -> String {
    let (head, tail) = json.split_once("\"cargo_crates\": ").unwrap();
    let list = tail.trim_end().strip_suffix('}').unwrap();
    let crates: Vec<serde_json::Value> = serde_json::from_str(list).unwrap();
    if crates.len() <= 1 {
        return json.to_string();
    }
    let first = &crates[0];
    format!(
        "{head}\"cargo_crates\": \"{} crates, the first {} {} sha256 {}\"\n}}\n",
        crates.len(),
        first["name"].as_str().unwrap(),
        first["version"].as_str().unwrap(),
        first["checksum"].as_str().unwrap()
    )
}

#[test]
fn real_sdists() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    // No pyproject.toml: PEP 517's legacy setuptools backend.
    insta::assert_snapshot!(real_sdist(dir, "crcmod-1.7.tar.gz"), @r#"
    {
      "name": "crcmod",
      "version": "1.7",
      "backend": "setuptools.build_meta:__legacy__",
      "backend_path": [],
      "requires": [
        "setuptools>=40.8.0"
      ],
      "cargo_lock": null,
      "cargo_manifest": null,
      "root": "crcmod-1.7",
      "cxx": false,
      "cargo_crates": []
    }
    "#);
    insta::assert_snapshot!(real_sdist(dir, "cwcwidth-0.1.9.tar.gz"), @r#"
    {
      "name": "cwcwidth",
      "version": "0.1.9",
      "backend": "setuptools.build_meta",
      "backend_path": [],
      "requires": [
        "setuptools >= 43",
        "Cython >= 0.28"
      ],
      "cargo_lock": null,
      "cargo_manifest": null,
      "root": "cwcwidth-0.1.9",
      "cxx": false,
      "cargo_crates": []
    }
    "#);
    insta::assert_snapshot!(real_sdist(dir, "rpds_py-0.20.0.tar.gz"), @r#"
    {
      "name": "rpds-py",
      "version": "0.20.0",
      "backend": "maturin",
      "backend_path": [],
      "requires": [
        "maturin>=1.2,<2.0"
      ],
      "cargo_lock": "Cargo.lock",
      "cargo_manifest": "Cargo.toml",
      "root": "rpds_py-0.20.0",
      "cxx": false,
      "cargo_crates": "25 crates, the first archery 1.2.0 sha256 8967cd1cc9e9e1954f644e14fbd6042fe9a37da96c52a67e44a2ac18261f8561"
    }
    "#);
    let iniconfig = real_sdist(dir, "iniconfig-2.0.0.tar.gz");
    assert!(
        iniconfig.contains("\"backend\": \"hatchling.build\""),
        "{iniconfig}"
    );
    let tomli = real_sdist(dir, "tomli-2.0.1.tar.gz");
    assert!(
        tomli.contains("\"backend\": \"flit_core.buildapi\""),
        "{tomli}"
    );
    assert!(tomli.contains("\"flit_core>=3.2.0,<4\""), "{tomli}");
    // A zip sdist (2014), no pyproject.toml.
    let wincertstore = real_sdist(dir, "wincertstore-0.2.zip");
    assert!(
        wincertstore.contains("\"name\": \"wincertstore\""),
        "{wincertstore}"
    );
    assert!(
        wincertstore.contains("\"root\": \"wincertstore-0.2\""),
        "{wincertstore}"
    );
}

#[test]
fn source_directory_with_cxx_files() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let src = dir.join("src");
    fs::create_dir_all(src.join("lib/native")).unwrap();
    fs::create_dir_all(src.join(".git")).unwrap();
    fs::write(
        src.join("pyproject.toml"),
        "[build-system]\nrequires = [\"setuptools\"]\nbuild-backend = \"setuptools.build_meta\"\n",
    )
    .unwrap();
    fs::write(src.join("lib/native/a.c"), "int a;").unwrap();
    // A C++ file only under a hidden directory does not count.
    fs::write(src.join(".git/x.cpp"), "").unwrap();
    let info = sdist_info(dir, &["--dir", src.to_str().unwrap()]);
    assert!(info.contains("\"cxx\": false"), "{info}");
    fs::write(src.join("lib/native/b.CC"), "int b;").unwrap();
    let info = sdist_info(dir, &["--dir", src.to_str().unwrap()]);
    assert!(info.contains("\"cxx\": true"), "{info}");
    // A link to a C++ file, as a local directory's repository holds them.
    fs::remove_file(src.join("lib/native/b.CC")).unwrap();
    fs::write(dir.join("real.cpp"), "int c;").unwrap();
    std::os::unix::fs::symlink(dir.join("real.cpp"), src.join("lib/native/c.cpp")).unwrap();
    let info = sdist_info(dir, &["--dir", src.to_str().unwrap()]);
    assert!(info.contains("\"cxx\": true"), "{info}");
    fs::remove_file(src.join("lib/native/c.cpp")).unwrap();
    // pybind11 in the build requirements is C++ too.
    fs::write(src.join("pyproject.toml"), "[build-system]\nrequires = [\"setuptools\", \"pybind11>=2.6\"]\nbuild-backend = \"setuptools.build_meta\"\n").unwrap();
    let info = sdist_info(dir, &["--dir", src.to_str().unwrap()]);
    assert!(info.contains("\"cxx\": true"), "{info}");
}

#[test]
fn source_directory_with_a_maturin_manifest_path() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let src = dir.join("src");
    fs::create_dir_all(src.join("rust")).unwrap();
    fs::write(
        src.join("pyproject.toml"),
        "[build-system]\nrequires = [\"maturin>=1,<2\"]\nbuild-backend = \"maturin\"\n[project]\nname = \"Demo_Pkg\"\nversion = \"0.3.1\"\n[tool.maturin]\nmanifest-path = \"rust/Cargo.toml\"\n",
    )
    .unwrap();
    fs::write(src.join("rust/Cargo.toml"), "[package]\nname = \"demo\"\n").unwrap();
    fs::write(src.join("rust/Cargo.lock"), "version = 3\n").unwrap();
    insta::assert_snapshot!(sdist_info(dir, &["--dir", "src"]), @r#"
    {
      "name": "Demo_Pkg",
      "version": "0.3.1",
      "backend": "maturin",
      "backend_path": [],
      "requires": [
        "maturin>=1,<2"
      ],
      "cargo_lock": "rust/Cargo.lock",
      "cargo_manifest": "rust/Cargo.toml",
      "root": null,
      "cxx": false,
      "cargo_crates": []
    }
    "#);
}

/// A .tar.gz of `entries` (name, content or link target, entry type).
fn tar_gz(path: &Path, entries: &[(&str, &[u8], tar::EntryType)]) {
    let gz =
        flate2::write::GzEncoder::new(fs::File::create(path).unwrap(), flate2::Compression::fast());
    let mut builder = tar::Builder::new(gz);
    for (name, data, kind) in entries {
        let mut header = tar::Header::new_gnu();
        header.set_entry_type(*kind);
        header.set_mode(0o644);
        // Names are written raw, so that `..` and absolute paths reach the reader.
        let bytes = name.as_bytes();
        header.as_old_mut().name[..bytes.len()].copy_from_slice(bytes);
        if kind.is_symlink() || kind.is_hard_link() {
            header
                .set_link_name(std::str::from_utf8(data).unwrap())
                .unwrap();
            header.set_size(0);
            header.set_cksum();
            builder.append(&header, &[][..]).unwrap();
        } else {
            header.set_size(data.len() as u64);
            header.set_cksum();
            builder.append(&header, *data).unwrap();
        }
    }
    builder.into_inner().unwrap().finish().unwrap();
}

fn sdist_fails(dir: &Path, file: &str) -> String {
    let err = fails(
        dir,
        &["sdist-info", "--sdist", file, "--output", "info.json"],
    );
    assert!(!dir.join("info.json").exists(), "output left behind");
    err
}

const PYPROJECT: &[u8] =
    b"[build-system]\nrequires = [\"setuptools\"]\nbuild-backend = \"setuptools.build_meta\"\n";

#[test]
fn hostile_sdists() {
    use tar::EntryType::{Regular, Symlink};
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    tar_gz(
        &dir.join("traversal.tar.gz"),
        &[
            ("a-1.0/pyproject.toml", PYPROJECT, Regular),
            ("a-1.0/../../evil", b"x", Regular),
        ],
    );
    insta::assert_snapshot!(sdist_fails(dir, "traversal.tar.gz"), @r"
    error: sdist `traversal.tar.gz`: entry `a-1.0/../../evil` has a `..` component (path traversal)
    hint: the archive could write outside its directory when unpacked; nothing was read from it
    ");
    tar_gz(
        &dir.join("absolute.tar.gz"),
        &[("/etc/cron.d/x", b"x", Regular)],
    );
    assert!(
        sdist_fails(dir, "absolute.tar.gz").contains("entry `/etc/cron.d/x` is an absolute path")
    );
    tar_gz(
        &dir.join("link.tar.gz"),
        &[
            ("a-1.0/setup.py", b"", Regular),
            ("a-1.0/data", b"../../../etc", Symlink),
        ],
    );
    insta::assert_snapshot!(sdist_fails(dir, "link.tar.gz"), @r"
    error: sdist `link.tar.gz`: entry `a-1.0/data` is a link to `../../../etc`, outside the sdist's directory
    hint: the archive could write outside its directory when unpacked; nothing was read from it
    ");
    tar_gz(
        &dir.join("two.tar.gz"),
        &[
            ("a-1.0/setup.py", b"", Regular),
            ("b-1.0/setup.py", b"", Regular),
        ],
    );
    insta::assert_snapshot!(sdist_fails(dir, "two.tar.gz"), @r"
    error: sdist `two.tar.gz`: entries lie in more than one top-level directory (`a-1.0` and `b-1.0`); an sdist has one, `name-version/`
    hint: the file is not a usable sdist; check the lock's hash and the package's files on its index
    ");
    let huge = format!(
        "{}\n[build-system]\nrequires = []\n",
        "# padding\n".repeat(200_000)
    );
    tar_gz(
        &dir.join("huge.tar.gz"),
        &[("a-1.0/pyproject.toml", huge.as_bytes(), Regular)],
    );
    insta::assert_snapshot!(sdist_fails(dir, "huge.tar.gz"), @r"
    error: sdist `huge.tar.gz`: `pyproject.toml` is 2000030 bytes, more than the 1048576 bytes allowed
    hint: fix `pyproject.toml` (PEP 517/518 `[build-system]`), or use another version of the package
    ");
    tar_gz(
        &dir.join("bad-req.tar.gz"),
        &[(
            "a-1.0/pyproject.toml",
            b"[build-system]\nrequires = [\"setuptools\", \"cython; os_name ==\"]\n",
            Regular,
        )],
    );
    let err = sdist_fails(dir, "bad-req.tar.gz");
    assert!(err.starts_with("error: sdist `bad-req.tar.gz`: `build-system.requires` has the invalid requirement `cython; os_name ==`: "), "{err}");
    // pep508_rs 0.9 panics on an extra that ends in `_` (exit 101): found by
    // fuzzing, refused with a message.
    tar_gz(
        &dir.join("bad-extra.tar.gz"),
        &[(
            "a-1.0/pyproject.toml",
            b"[build-system]\nrequires = [\"Typing_Extensions[x, y_ ]\"]\n",
            Regular,
        )],
    );
    insta::assert_snapshot!(sdist_fails(dir, "bad-extra.tar.gz"), @r"
    error: sdist `bad-extra.tar.gz`: `build-system.requires` has the invalid requirement `Typing_Extensions[x, y_ ]`: an extra ends with `-`, `_` or `.`
    hint: fix `pyproject.toml` (PEP 517/518 `[build-system]`), or use another version of the package
    ");
    tar_gz(
        &dir.join("escape.tar.gz"),
        &[(
            "a-1.0/pyproject.toml",
            b"[build-system]\nrequires = []\nbuild-backend = \"x\\u001b[2J\"\n",
            Regular,
        )],
    );
    insta::assert_snapshot!(sdist_fails(dir, "escape.tar.gz"), @r"
    error: sdist `escape.tar.gz`: `build-system.build-backend` is `x\u{1b}[2J`, not a PEP 517 object reference such as `setuptools.build_meta` or `module:object`
    hint: fix `pyproject.toml` (PEP 517/518 `[build-system]`), or use another version of the package
    ");
    fs::write(dir.join("not-an-archive.tar.gz"), "hello").unwrap();
    assert!(sdist_fails(dir, "not-an-archive.tar.gz")
        .contains("neither a gzip-compressed tar (`.tar.gz`) nor a zip archive"));
}

#[test]
fn decompression_bomb() {
    // A tar entry of 256 MiB of zeros as 256 gzip members of 1 MiB each
    // (about 1 KiB apiece; concatenated members are one gzip stream): past
    // 64 MiB the ratio limit (200) stops it, without inflating the rest.
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let mut header = tar::Header::new_gnu();
    header.set_path("a-1.0/zeros").unwrap();
    header.set_size(256 << 20);
    header.set_mode(0o644);
    header.set_cksum();
    let member = |data: &[u8]| {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        gz.write_all(data).unwrap();
        gz.finish().unwrap()
    };
    let zeros = vec![0u8; 1 << 20];
    let mut bomb = member(header.as_bytes());
    let block = member(&zeros);
    for _ in 0..256 {
        bomb.extend_from_slice(&block);
    }
    bomb.extend_from_slice(&member(&[0u8; 1024]));
    fs::write(dir.join("bomb.tar.gz"), &bomb).unwrap();
    let err = sdist_fails(dir, "bomb.tar.gz");
    assert!(
        err.contains("this looks like a decompression bomb; nothing was unpacked"),
        "{err}"
    );
}

#[test]
fn hostile_zip_sdist() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let mut zip = zip::ZipWriter::new(fs::File::create(dir.join("evil.zip")).unwrap());
    let options = zip::write::SimpleFileOptions::default();
    zip.start_file("a-1.0/PKG-INFO", options).unwrap();
    zip.write_all(b"Name: a\nVersion: 1.0\n\n").unwrap();
    zip.start_file("a-1.0/..\\..\\evil.bat", options).unwrap();
    zip.finish().unwrap();
    insta::assert_snapshot!(sdist_fails(dir, "evil.zip"), @r"
    error: sdist `evil.zip`: entry `a-1.0/..\\..\\evil.bat` has a `..` component (path traversal)
    hint: the archive could write outside its directory when unpacked; nothing was read from it
    ");
}

#[test]
fn targets_outside_the_policies() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let wheel = make_wheel(dir, "py3-none-any", &[]);
    let wheel = wheel.to_str().unwrap();
    insta::assert_snapshot!(check_fails(dir, &check_args(wheel, "x86_64", "2.12", "3.11")), @r"
    error: cannot check `[TMP]/pkg-1.0-py3-none-any.whl`: glibc 2.12 has no manylinux policy here; the oldest ceiling checked is 2.17 (manylinux2014)
    hint: target glibc 2.17 or newer
    ");
    // Only Linux is checked so far: a usage error (exit code 2) from the parser.
    let mut args = check_args(wheel, "x86_64", "2.17", "3.11");
    args[6] = "macos";
    let output = ofiuco(dir, &args);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("invalid value 'macos' for '--os <OS>'"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn source_directory_without_pyproject() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    fs::create_dir(dir.join("src")).unwrap();
    fs::write(
        dir.join("src/setup.py"),
        "from setuptools import setup\nsetup()\n",
    )
    .unwrap();
    let info = sdist_info(dir, &["--dir", "src"]);
    assert!(
        info.contains("\"backend\": \"setuptools.build_meta:__legacy__\""),
        "{info}"
    );
    assert!(info.contains("\"name\": null"), "{info}");
    let output = ofiuco(dir, &["sdist-info", "--output", "x.json"]);
    assert_eq!(
        output.status.code(),
        Some(2),
        "--sdist or --dir is required"
    );
}
