//! Writing zips whose entries are already compressed: fragments and Lambda
//! zips. Every header is written here, from the entry's known sizes and CRC,
//! so nothing is copied from an input but compressed bytes.
//!
//! The format is what the `zip` crate writes for the same entries (so
//! outputs are byte-identical to those of earlier releases), with zip64 done
//! right for entries of 4 GiB or more and for offsets past 4 GiB: the zip
//! crate's raw copy wrote zip64 sizes of 0 there.
//!
//! * Local header: version needed 10 (stored) / 20 (deflate) / 45 (zip64),
//!   bit 11 for non-ASCII names, the fixed timestamp (1980-01-01 00:00:00),
//!   CRC and sizes (0xFFFFFFFF and a zip64 extra field with both sizes when
//!   either is 4 GiB or more), no other extra fields.
//! * Central header: made by Unix (3) at the version needed, external
//!   attributes `S_IFREG | 0644/0755`, a zip64 extra field with the sizes
//!   and/or the local header offset when they don't fit 32 bits.
//! * End: a zip64 end record and locator when there are 65,535 entries or
//!   more or the central directory starts or ends past 4 GiB; then the
//!   classic end record and the comment.

use std::io::{self, Write};

/// Sizes and offsets from here on need zip64.
pub(crate) const ZIP64_LIMIT: u64 = 0xFFFF_FFFF;
/// Entry counts from here on need zip64.
const ZIP64_ENTRIES: u64 = 0xFFFF;
/// Zip names and comments are at most this long.
pub(crate) const MAX_NAME_BYTES: usize = 0xFFFF;

const S_IFREG: u32 = 0o100_000;
/// 1980-01-01 00:00:00 in MS-DOS date and time.
const DOS_DATE: u16 = (1 << 5) | 1;
const DOS_TIME: u16 = 0;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Method {
    Stored,
    Deflated,
}

impl Method {
    fn code(self) -> u16 {
        match self {
            Method::Stored => 0,
            Method::Deflated => 8,
        }
    }

    pub(crate) fn manifest_name(self) -> &'static str {
        match self {
            Method::Stored => "store",
            Method::Deflated => "deflate",
        }
    }
}

/// What the headers of one entry say.
#[derive(Debug, Clone, Copy)]
pub(crate) struct EntryMeta<'a> {
    pub name: &'a str,
    pub method: Method,
    pub crc32: u32,
    pub compressed_size: u64,
    pub size: u64,
    pub executable: bool,
}

impl EntryMeta<'_> {
    fn zip64_sizes(&self) -> bool {
        self.size >= ZIP64_LIMIT || self.compressed_size >= ZIP64_LIMIT
    }

    fn version_needed(&self, zip64: bool) -> u16 {
        if zip64 {
            45
        } else if self.method == Method::Deflated {
            20
        } else {
            10
        }
    }

    fn flags(&self) -> u16 {
        if self.name.is_ascii() {
            0
        } else {
            1 << 11
        }
    }

    /// The local header's length, the entry's data excluded.
    pub(crate) fn local_header_len(&self) -> u64 {
        30 + self.name.len() as u64 + if self.zip64_sizes() { 20 } else { 0 }
    }

    /// The central header's length when the local header is at `offset`.
    fn central_header_len(&self, offset: u64) -> u64 {
        let fields = 2 * u64::from(self.zip64_sizes()) + u64::from(offset >= ZIP64_LIMIT);
        46 + self.name.len() as u64 + if fields > 0 { 4 + 8 * fields } else { 0 }
    }
}

/// Why an entry or a comment cannot be written.
pub(crate) fn too_long(what: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("{what} is longer than {MAX_NAME_BYTES} bytes, the most a zip can hold"),
    )
}

/// A zip being written to `out`, entry by entry.
pub(crate) struct ZipOut<W: Write> {
    out: W,
    /// Bytes written so far.
    offset: u64,
    /// The central directory, written at the end (a few dozen bytes per entry).
    central: Vec<u8>,
    entries: u64,
}

impl<W: Write> ZipOut<W> {
    pub(crate) fn new(out: W) -> Self {
        ZipOut {
            out,
            offset: 0,
            central: Vec::new(),
            entries: 0,
        }
    }

    /// Adds the entry `meta`; `write_data` writes its compressed bytes to the
    /// output and returns how many it wrote, which must be
    /// `meta.compressed_size`.
    pub(crate) fn add(
        &mut self,
        meta: &EntryMeta<'_>,
        write_data: impl FnOnce(&mut W) -> io::Result<u64>,
    ) -> io::Result<()> {
        if meta.name.len() > MAX_NAME_BYTES {
            return Err(too_long("an entry name"));
        }
        let header_start = self.offset;
        let zip64 = meta.zip64_sizes();
        let mut header = Vec::with_capacity(meta.local_header_len() as usize);
        put32(&mut header, 0x0403_4b50);
        put16(&mut header, meta.version_needed(zip64));
        put16(&mut header, meta.flags());
        put16(&mut header, meta.method.code());
        put16(&mut header, DOS_TIME);
        put16(&mut header, DOS_DATE);
        put32(&mut header, meta.crc32);
        put32(&mut header, clamp(meta.compressed_size, zip64));
        put32(&mut header, clamp(meta.size, zip64));
        put16(&mut header, meta.name.len() as u16);
        put16(&mut header, if zip64 { 20 } else { 0 });
        header.extend_from_slice(meta.name.as_bytes());
        if zip64 {
            put16(&mut header, 0x0001);
            put16(&mut header, 16);
            put64(&mut header, meta.size);
            put64(&mut header, meta.compressed_size);
        }
        self.out.write_all(&header)?;
        let written = write_data(&mut self.out)?;
        if written != meta.compressed_size {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "wrote {written} bytes of data for `{}`, whose header says {}",
                    crate::text::shown(meta.name),
                    meta.compressed_size
                ),
            ));
        }
        self.offset = header_start
            .checked_add(header.len() as u64)
            .and_then(|o| o.checked_add(written))
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "archive too large"))?;
        self.add_central(meta, header_start);
        self.entries += 1;
        Ok(())
    }

    fn add_central(&mut self, meta: &EntryMeta<'_>, header_start: u64) {
        let zip64 = meta.zip64_sizes();
        let far = header_start >= ZIP64_LIMIT;
        let version = meta.version_needed(zip64 || far);
        let c = &mut self.central;
        put32(c, 0x0201_4b50);
        put16(c, (3 << 8) | version);
        put16(c, version);
        put16(c, meta.flags());
        put16(c, meta.method.code());
        put16(c, DOS_TIME);
        put16(c, DOS_DATE);
        put32(c, meta.crc32);
        put32(c, clamp(meta.compressed_size, zip64));
        put32(c, clamp(meta.size, zip64));
        put16(c, meta.name.len() as u16);
        let extra = (meta.central_header_len(header_start) - 46 - meta.name.len() as u64) as u16;
        put16(c, extra);
        put16(c, 0); // comment
        put16(c, 0); // disk
        put16(c, 0); // internal attributes
        let mode = if meta.executable { 0o755 } else { 0o644 };
        put32(c, (S_IFREG | mode) << 16);
        put32(c, clamp(header_start, far));
        c.extend_from_slice(meta.name.as_bytes());
        if extra > 0 {
            put16(c, 0x0001);
            put16(c, extra - 4);
            if zip64 {
                put64(c, meta.size);
                put64(c, meta.compressed_size);
            }
            if far {
                put64(c, header_start);
            }
        }
    }

    /// Writes the central directory and the end records with `comment`;
    /// returns the output and the archive's length.
    pub(crate) fn finish(self, comment: &[u8]) -> io::Result<(W, u64)> {
        self.finish_with(|_| comment.to_vec())
    }

    /// Like [`ZipOut::finish`], with the comment made by `comment` from the
    /// output once the central directory is written (e.g. a checksum of
    /// everything so far).
    pub(crate) fn finish_with(
        mut self,
        comment: impl FnOnce(&mut W) -> Vec<u8>,
    ) -> io::Result<(W, u64)> {
        let central_start = self.offset;
        let central_len = self.central.len() as u64;
        self.out.write_all(&self.central)?;
        let comment = comment(&mut self.out);
        if comment.len() > MAX_NAME_BYTES {
            return Err(too_long("the zip comment"));
        }
        let central_end = central_start + central_len;
        let mut end = Vec::with_capacity(22 + 76 + comment.len());
        let zip64 = needs_zip64_end(self.entries, central_start, central_len);
        if zip64 {
            put32(&mut end, 0x0606_4b50);
            put64(&mut end, 44);
            put16(&mut end, 45);
            put16(&mut end, 45);
            put32(&mut end, 0);
            put32(&mut end, 0);
            put64(&mut end, self.entries);
            put64(&mut end, self.entries);
            put64(&mut end, central_len);
            put64(&mut end, central_start);
            put32(&mut end, 0x0706_4b50);
            put32(&mut end, 0);
            put64(&mut end, central_end);
            put32(&mut end, 1);
        }
        let entries = self.entries.min(ZIP64_ENTRIES) as u16;
        put32(&mut end, 0x0605_4b50);
        put16(&mut end, 0);
        put16(&mut end, 0);
        put16(&mut end, entries);
        put16(&mut end, entries);
        put32(&mut end, central_len.min(ZIP64_LIMIT) as u32);
        put32(&mut end, central_start.min(ZIP64_LIMIT) as u32);
        put16(&mut end, comment.len() as u16);
        end.extend_from_slice(&comment);
        self.out.write_all(&end)?;
        Ok((self.out, central_end + end.len() as u64))
    }
}

fn needs_zip64_end(entries: u64, central_start: u64, central_len: u64) -> bool {
    entries >= ZIP64_ENTRIES
        || central_start >= ZIP64_LIMIT
        || central_start + central_len >= ZIP64_LIMIT
}

/// The length of the zip that [`ZipOut`] writes for `entries` (in order)
/// with a comment of `comment_len` bytes, computed before writing it.
pub(crate) fn archive_len<'a>(
    entries: impl IntoIterator<Item = EntryMeta<'a>>,
    comment_len: usize,
) -> u64 {
    let (mut offset, mut central, mut count) = (0u64, 0u64, 0u64);
    for meta in entries {
        central = central.saturating_add(meta.central_header_len(offset));
        offset = offset
            .saturating_add(meta.local_header_len())
            .saturating_add(meta.compressed_size);
        count += 1;
    }
    let end = 22
        + comment_len as u64
        + if needs_zip64_end(count, offset, central) {
            76
        } else {
            0
        };
    offset.saturating_add(central).saturating_add(end)
}

fn clamp(value: u64, zip64: bool) -> u32 {
    if zip64 {
        ZIP64_LIMIT as u32
    } else {
        value as u32
    }
}

fn put16(out: &mut Vec<u8>, v: u16) {
    out.extend_from_slice(&v.to_le_bytes());
}

fn put32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_le_bytes());
}

fn put64(out: &mut Vec<u8>, v: u64) {
    out.extend_from_slice(&v.to_le_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Cursor, Read, Seek, SeekFrom};

    use zip::write::SimpleFileOptions;
    use zip::{CompressionMethod, ZipArchive, ZipWriter};

    fn deflate(data: &[u8]) -> Vec<u8> {
        let mut enc = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::new(6));
        enc.write_all(data).unwrap();
        enc.finish().unwrap()
    }

    fn crc(data: &[u8]) -> u32 {
        let mut c = flate2::Crc::new();
        c.update(data);
        c.sum()
    }

    /// The same entries through the zip crate, the way fragments were written
    /// before: one single-entry zip per file, raw-copied into the output.
    fn with_zip_crate(files: &[(&str, &[u8], bool, bool)], comment: &str) -> Vec<u8> {
        let mut out = ZipWriter::new(Cursor::new(Vec::new()));
        out.set_comment(comment);
        for (name, data, executable, deflated) in files {
            let mut one = ZipWriter::new(Cursor::new(Vec::new()));
            let options = SimpleFileOptions::default()
                .last_modified_time(zip::DateTime::default())
                .unix_permissions(if *executable { 0o755 } else { 0o644 })
                .compression_method(if *deflated {
                    CompressionMethod::Deflated
                } else {
                    CompressionMethod::Stored
                })
                .compression_level(deflated.then_some(6));
            one.start_file(*name, options).unwrap();
            one.write_all(data).unwrap();
            let bytes = one.finish().unwrap().into_inner();
            let mut archive = ZipArchive::new(Cursor::new(bytes)).unwrap();
            out.raw_copy_file(archive.by_index_raw(0).unwrap()).unwrap();
        }
        out.finish().unwrap().into_inner()
    }

    fn with_zip_out(files: &[(&str, &[u8], bool, bool)], comment: &str) -> Vec<u8> {
        let mut zip = ZipOut::new(Vec::new());
        let mut metas = Vec::new();
        for (name, data, executable, deflated) in files {
            let stored;
            let bytes: &[u8] = if *deflated {
                stored = deflate(data);
                &stored
            } else {
                data
            };
            let meta = EntryMeta {
                name,
                method: if *deflated {
                    Method::Deflated
                } else {
                    Method::Stored
                },
                crc32: crc(data),
                compressed_size: bytes.len() as u64,
                size: data.len() as u64,
                executable: *executable,
            };
            zip.add(&meta, |out| {
                out.write_all(bytes)?;
                Ok(bytes.len() as u64)
            })
            .unwrap();
            metas.push(meta);
        }
        let (out, len) = zip.finish(comment.as_bytes()).unwrap();
        assert_eq!(len, out.len() as u64);
        assert_eq!(archive_len(metas, comment.len()), len);
        out
    }

    #[test]
    fn same_bytes_as_the_zip_crate() {
        let text = "def f():\n    return 1\n".repeat(5000);
        let files: [(&str, &[u8], bool, bool); 4] = [
            ("pkg/__init__.py", b"", false, false),
            ("pkg/big.py", text.as_bytes(), false, true),
            ("pkg/run.sh", b"#!/bin/sh\n", true, false),
            ("pkg/caf\u{e9}.txt", "déjà vu".as_bytes(), false, false),
        ];
        let comment = "ofiuco-fragment/1 package=pkg";
        assert_eq!(
            with_zip_out(&files, comment),
            with_zip_crate(&files, comment)
        );
    }

    /// The zip64 header logic without writing 4 GiB: entries that declare
    /// 5 GiB (sizes in the zip64 extra fields), and an entry whose local
    /// header lies past 4 GiB (the output skips over a hole).
    #[test]
    fn zip64_sizes_and_offsets_round_trip() {
        struct Sparse(std::fs::File);
        impl Write for Sparse {
            fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
                self.0.write(buf)
            }
            fn flush(&mut self) -> io::Result<()> {
                self.0.flush()
            }
        }
        let file = tempfile::tempfile().unwrap();
        let mut zip = ZipOut::new(Sparse(file));
        let huge = 5u64 << 30;
        let big = EntryMeta {
            name: "big.bin",
            method: Method::Deflated,
            crc32: 0x1234_5678,
            compressed_size: huge,
            size: huge + 1,
            executable: false,
        };
        zip.add(&big, |out| {
            // A hole instead of 5 GiB of data.
            out.0
                .seek(SeekFrom::Current(i64::try_from(huge).unwrap()))?;
            Ok(huge)
        })
        .unwrap();
        let small = EntryMeta {
            name: "after.py",
            method: Method::Stored,
            crc32: crc(b"x = 1\n"),
            compressed_size: 6,
            size: 6,
            executable: true,
        };
        zip.add(&small, |out| {
            out.write_all(b"x = 1\n")?;
            Ok(6)
        })
        .unwrap();
        let (Sparse(mut file), len) = zip.finish(b"").unwrap();
        assert_eq!(archive_len([big, small], 0), len);
        file.flush().unwrap();
        assert_eq!(file.seek(SeekFrom::End(0)).unwrap(), len);

        let mut archive = ZipArchive::new(file).unwrap();
        let first = archive.by_index_raw(0).unwrap();
        assert_eq!(
            (
                first.name(),
                first.size(),
                first.compressed_size(),
                first.crc32()
            ),
            ("big.bin", huge + 1, huge, 0x1234_5678)
        );
        drop(first);
        let mut second = archive.by_index(1).unwrap();
        assert!(second.header_start() > ZIP64_LIMIT);
        assert_eq!(second.unix_mode().unwrap() & 0o777, 0o755);
        let mut text = String::new();
        second.read_to_string(&mut text).unwrap();
        assert_eq!(text, "x = 1\n");
    }

    #[test]
    fn many_entries_use_the_zip64_end_record() {
        let mut zip = ZipOut::new(Vec::new());
        for i in 0..70_000u32 {
            let name = format!("{i}");
            let meta = EntryMeta {
                name: &name,
                method: Method::Stored,
                crc32: 0,
                compressed_size: 0,
                size: 0,
                executable: false,
            };
            zip.add(&meta, |_| Ok(0)).unwrap();
        }
        let (out, _) = zip.finish(b"c").unwrap();
        let archive = ZipArchive::new(Cursor::new(out)).unwrap();
        assert_eq!(archive.len(), 70_000);
        assert_eq!(archive.comment(), b"c");
    }

    #[test]
    fn refuses_data_that_does_not_match_the_header() {
        let mut zip = ZipOut::new(Vec::new());
        let meta = EntryMeta {
            name: "a",
            method: Method::Stored,
            crc32: 0,
            compressed_size: 3,
            size: 3,
            executable: false,
        };
        let err = zip
            .add(&meta, |out| out.write_all(b"ab").map(|()| 2))
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "wrote 2 bytes of data for `a`, whose header says 3"
        );
        let name = "x".repeat(MAX_NAME_BYTES + 1);
        let meta = EntryMeta {
            name: &name,
            ..meta
        };
        assert!(zip.add(&meta, |_| Ok(3)).is_err());
    }
}
