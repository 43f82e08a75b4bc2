//! Entry data: compressing files (in memory when small, through a temporary
//! spool file when big), reading byte ranges of input files without moving a
//! shared cursor, verifying compressed data against its CRC and size, and
//! copying it into an output. Nothing here holds more than one small file or
//! a fixed buffer in memory.

use std::fs::File;
use std::io::{self, BufWriter, Read, Write};
use std::path::Path;

use flate2::{Compression, Crc, Decompress, FlushDecompress, Status};

use crate::zipout::Method;

/// Read and copy buffer.
pub(crate) const CHUNK: usize = 1 << 20;
/// Files up to this size are compressed in memory; bigger ones are streamed
/// through a temporary spool file, so a 5 GiB file never is in memory.
pub(crate) const IN_MEMORY_MAX: u64 = 16 << 20;

/// One entry's compressed data and what its headers say.
#[derive(Debug)]
pub(crate) struct Compressed {
    pub method: Method,
    pub crc32: u32,
    pub size: u64,
    #[allow(clippy::struct_field_names, reason = "the zip headers' name for it")]
    pub compressed_size: u64,
    pub data: Data,
}

#[derive(Debug)]
pub(crate) enum Data {
    Memory(Vec<u8>),
    /// An unnamed temporary file holding the compressed bytes.
    Spool(File),
    /// Stored: the bytes are the source file's, copied (and their CRC checked
    /// again) when written.
    Source,
}

pub(crate) fn crc32(data: &[u8]) -> u32 {
    let mut crc = Crc::new();
    crc.update(data);
    crc.sum()
}

/// Deflates `data` at `level` (0 stores); stores it when deflate does not
/// save a byte.
pub(crate) fn compress_bytes(data: Vec<u8>, level: i64) -> io::Result<Compressed> {
    let crc32 = crc32(&data);
    let size = data.len() as u64;
    if level > 0 && !data.is_empty() {
        let mut encoder = flate2::write::DeflateEncoder::new(
            Vec::with_capacity(data.len() / 2 + 64),
            compression(level),
        );
        encoder.write_all(&data)?;
        let deflated = encoder.finish()?;
        if (deflated.len() as u64) < size {
            return Ok(Compressed {
                method: Method::Deflated,
                crc32,
                size,
                compressed_size: deflated.len() as u64,
                data: Data::Memory(deflated),
            });
        }
    }
    Ok(Compressed {
        method: Method::Stored,
        crc32,
        size,
        compressed_size: size,
        data: Data::Memory(data),
    })
}

fn compression(level: i64) -> Compression {
    Compression::new(u32::try_from(level.clamp(0, 9)).expect("0..=9 fits a u32"))
}

/// Why a file could not be compressed.
#[derive(Debug)]
pub(crate) enum CompressError {
    Io(io::Error),
    /// The file did not have the size it had when it was listed.
    Changed,
}

impl From<io::Error> for CompressError {
    fn from(e: io::Error) -> Self {
        CompressError::Io(e)
    }
}

/// Deflates the `size` bytes of `file` (read from its start, in fixed
/// chunks: deflate's output depends on how its input is cut, and must not
/// depend on how reads return) into an unnamed spool file in `spool_dir`.
/// When deflate saves nothing (or `level` is 0) the entry is stored and its
/// data is the source file's.
pub(crate) fn compress_file(
    file: &File,
    size: u64,
    level: i64,
    spool_dir: &Path,
) -> Result<Compressed, CompressError> {
    let mut crc = Crc::new();
    let mut buf = vec![0u8; CHUNK];
    let mut reader = RangeReader::new(file, 0, u64::MAX);
    let mut read: u64 = 0;
    let mut encoder = if level > 0 && size > 0 {
        let spool = tempfile::tempfile_in(spool_dir)?;
        Some(flate2::write::DeflateEncoder::new(
            BufWriter::with_capacity(CHUNK, spool),
            compression(level),
        ))
    } else {
        None
    };
    loop {
        let n = fill(&mut reader, &mut buf)?;
        if n == 0 {
            break;
        }
        read += n as u64;
        if read > size {
            return Err(CompressError::Changed);
        }
        crc.update(&buf[..n]);
        if let Some(encoder) = encoder.as_mut() {
            encoder.write_all(&buf[..n])?;
        }
    }
    if read != size {
        return Err(CompressError::Changed);
    }
    if let Some(mut encoder) = encoder {
        encoder.try_finish()?;
        let compressed_size = encoder.total_out();
        let spool = encoder
            .finish()?
            .into_inner()
            .map_err(std::io::IntoInnerError::into_error)?;
        if compressed_size < size {
            return Ok(Compressed {
                method: Method::Deflated,
                crc32: crc.sum(),
                size,
                compressed_size,
                data: Data::Spool(spool),
            });
        }
    }
    Ok(Compressed {
        method: Method::Stored,
        crc32: crc.sum(),
        size,
        compressed_size: size,
        data: Data::Source,
    })
}

/// A writer that keeps the CRC-32 of what went through it.
pub(crate) struct CrcWriter<W> {
    pub inner: W,
    pub crc: Crc,
}

impl<W> CrcWriter<W> {
    pub(crate) fn new(inner: W) -> Self {
        CrcWriter {
            inner,
            crc: Crc::new(),
        }
    }
}

impl<W: Write> Write for CrcWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.crc.update(&buf[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// The CRC-32 of the first `len` bytes of `file`.
pub(crate) fn crc32_of_range(file: &File, len: u64) -> io::Result<u32> {
    let mut reader = RangeReader::new(file, 0, len);
    let mut buf = vec![0u8; CHUNK];
    let mut crc = Crc::new();
    let mut total = 0;
    loop {
        let n = fill(&mut reader, &mut buf)?;
        if n == 0 {
            break;
        }
        crc.update(&buf[..n]);
        total += n as u64;
    }
    if total != len {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "the file is shorter than its central directory says",
        ));
    }
    Ok(crc.sum())
}

/// Reads until `buf` is full or the input ends.
pub(crate) fn fill<R: Read + ?Sized>(reader: &mut R, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

/// Reads `file` from `offset`, short only at the end of the file.
pub(crate) fn read_at(file: &File, out: &mut [u8], offset: u64) -> io::Result<usize> {
    let mut done = 0;
    while done < out.len() {
        let at = offset
            .checked_add(done as u64)
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "offset overflow"))?;
        match platform_read_at(file, &mut out[done..], at) {
            Ok(0) => break,
            Ok(n) => done += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(done)
}

#[cfg(unix)]
fn platform_read_at(file: &File, out: &mut [u8], offset: u64) -> io::Result<usize> {
    std::os::unix::fs::FileExt::read_at(file, out, offset)
}

#[cfg(windows)]
fn platform_read_at(file: &File, out: &mut [u8], offset: u64) -> io::Result<usize> {
    // Moves the file's cursor, which no reader here relies on.
    std::os::windows::fs::FileExt::seek_read(file, out, offset)
}

#[cfg(not(any(unix, windows)))]
fn platform_read_at(_file: &File, _out: &mut [u8], _offset: u64) -> io::Result<usize> {
    Err(io::Error::new(
        io::ErrorKind::Unsupported,
        "positional reads are not supported on this platform",
    ))
}

/// The bytes `[start, end)` of a file shared with other readers.
pub(crate) struct RangeReader<'a> {
    file: &'a File,
    pos: u64,
    end: u64,
}

impl<'a> RangeReader<'a> {
    pub(crate) fn new(file: &'a File, start: u64, end: u64) -> Self {
        RangeReader {
            file,
            pos: start,
            end,
        }
    }
}

impl Read for RangeReader<'_> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let left = self.end.saturating_sub(self.pos);
        let want = out.len().min(usize::try_from(left).unwrap_or(usize::MAX));
        if want == 0 {
            return Ok(0);
        }
        let n = platform_read_at(self.file, &mut out[..want], self.pos)?;
        self.pos += n as u64;
        Ok(n)
    }
}

/// Copies `len` bytes of `file` from `start` to `out`; an input that ends
/// early is an error. Returns `len`.
pub(crate) fn copy_range(
    file: &File,
    start: u64,
    len: u64,
    out: &mut impl Write,
    buf: &mut [u8],
) -> io::Result<u64> {
    let mut reader = RangeReader::new(file, start, start.saturating_add(len));
    let mut copied = 0;
    while copied < len {
        let n = fill(&mut reader, buf)?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the file ended before the entry's data",
            ));
        }
        out.write_all(&buf[..n])?;
        copied += n as u64;
    }
    Ok(copied)
}

/// Copies `file` whole to `out`, checking that it still has `size` bytes and
/// the CRC `crc32` (a stored entry's data is its source file's).
pub(crate) fn copy_source(
    file: &File,
    size: u64,
    crc32: u32,
    out: &mut impl Write,
    buf: &mut [u8],
) -> Result<u64, CompressError> {
    let mut reader = RangeReader::new(file, 0, u64::MAX);
    let mut crc = Crc::new();
    let mut copied: u64 = 0;
    loop {
        let n = fill(&mut reader, buf)?;
        if n == 0 {
            break;
        }
        copied += n as u64;
        if copied > size {
            return Err(CompressError::Changed);
        }
        crc.update(&buf[..n]);
        out.write_all(&buf[..n])?;
    }
    if copied != size || crc.sum() != crc32 {
        return Err(CompressError::Changed);
    }
    Ok(copied)
}

/// Why an entry's compressed data does not match its headers.
#[derive(Debug)]
pub(crate) enum VerifyError {
    Io(io::Error),
    Bad(String),
}

impl From<io::Error> for VerifyError {
    fn from(e: io::Error) -> Self {
        VerifyError::Io(e)
    }
}

/// Checks that `reader` (exactly the entry's `compressed_size` bytes)
/// decompresses to `size` bytes with the CRC `crc32`, and, for deflate,
/// that the stream ends exactly at the end of the data. Reads in fixed
/// chunks; memory does not depend on the entry.
pub(crate) fn verify(
    reader: &mut impl Read,
    method: Method,
    compressed_size: u64,
    size: u64,
    crc32: u32,
) -> Result<(), VerifyError> {
    let mut crc = Crc::new();
    let mut input = vec![0u8; 256 << 10];
    let produced = match method {
        Method::Stored => {
            if compressed_size != size {
                return Err(VerifyError::Bad(format!(
                    "is stored, but its headers say {compressed_size} bytes stored for {size} bytes"
                )));
            }
            let mut total: u64 = 0;
            loop {
                let n = fill(reader, &mut input)?;
                if n == 0 {
                    break;
                }
                crc.update(&input[..n]);
                total += n as u64;
            }
            if total != compressed_size {
                return Err(VerifyError::Bad(
                    "has less data than its headers say".into(),
                ));
            }
            total
        }
        Method::Deflated => inflate_counting(reader, compressed_size, &mut crc, &mut input)?,
    };
    if produced != size {
        return Err(VerifyError::Bad(format!(
            "unpacks to {produced} bytes, but its headers say {size}"
        )));
    }
    if crc.sum() != crc32 {
        return Err(VerifyError::Bad(format!(
            "has the CRC {:08x}, but its headers say {crc32:08x}",
            crc.sum()
        )));
    }
    Ok(())
}

/// Inflates the raw deflate stream in `reader` into nothing, updating `crc`;
/// returns the bytes it unpacks to.
fn inflate_counting(
    reader: &mut impl Read,
    compressed_size: u64,
    crc: &mut Crc,
    input: &mut [u8],
) -> Result<u64, VerifyError> {
    let mut inflater = Decompress::new(false);
    let mut output = vec![0u8; 256 << 10];
    let (mut have, mut used) = (0usize, 0usize);
    let mut eof = false;
    loop {
        if used == have && !eof {
            have = fill(reader, input)?;
            used = 0;
            eof = have < input.len();
        }
        let (in_before, out_before) = (inflater.total_in(), inflater.total_out());
        let flush = if eof {
            FlushDecompress::Finish
        } else {
            FlushDecompress::None
        };
        let status = inflater
            .decompress(&input[used..have], &mut output, flush)
            .map_err(|e| VerifyError::Bad(format!("is not valid deflate data: {e}")))?;
        used += (inflater.total_in() - in_before) as usize;
        let out = (inflater.total_out() - out_before) as usize;
        crc.update(&output[..out]);
        let progressed = inflater.total_in() != in_before || out > 0;
        match status {
            Status::StreamEnd => break,
            // Input left (or none to come) and no progress: the stream is cut.
            _ if !progressed && (eof || used < have) => {
                return Err(VerifyError::Bad(
                    "has a deflate stream that does not end within its data".into(),
                ));
            }
            _ => {}
        }
    }
    if inflater.total_in() != compressed_size || used != have || !eof && fill(reader, input)? > 0 {
        return Err(VerifyError::Bad(
            "has data after the end of its deflate stream".into(),
        ));
    }
    Ok(inflater.total_out())
}

/// A reader of an entry's uncompressed content, from its compressed bytes.
pub(crate) fn content<'a>(compressed: impl Read + 'a, method: Method) -> Box<dyn Read + 'a> {
    match method {
        Method::Stored => Box::new(compressed),
        Method::Deflated => Box::new(flate2::read::DeflateDecoder::new(compressed)),
    }
}

/// Whether two readers yield the same bytes.
pub(crate) fn same_bytes(a: &mut dyn Read, b: &mut dyn Read) -> io::Result<bool> {
    let (mut buf_a, mut buf_b) = (vec![0u8; 64 << 10], vec![0u8; 64 << 10]);
    loop {
        let len_a = fill(a, &mut buf_a)?;
        let len_b = fill(b, &mut buf_b)?;
        if len_a != len_b || buf_a[..len_a] != buf_b[..len_b] {
            return Ok(false);
        }
        if len_a == 0 {
            return Ok(true);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Cursor, Seek, SeekFrom};

    fn text(n: usize) -> Vec<u8> {
        (0..n)
            .map(|i| b"abcdefgh\n"[i % 9] ^ (i / 7919) as u8 & 3)
            .collect()
    }

    fn file_with(data: &[u8]) -> File {
        let mut f = tempfile::tempfile().unwrap();
        f.write_all(data).unwrap();
        f.seek(SeekFrom::Start(0)).unwrap();
        f
    }

    fn spooled(c: &Compressed) -> Vec<u8> {
        match &c.data {
            Data::Spool(f) => {
                let mut out = Vec::new();
                RangeReader::new(f, 0, u64::MAX)
                    .read_to_end(&mut out)
                    .unwrap();
                out
            }
            Data::Memory(v) => v.clone(),
            Data::Source => panic!("stored"),
        }
    }

    #[test]
    fn streaming_compression_is_deterministic_and_round_trips() {
        let data = text(3 * CHUNK + 12345);
        let dir = tempfile::tempdir().unwrap();
        let file = file_with(&data);
        let streamed = compress_file(&file, data.len() as u64, 6, dir.path()).unwrap();
        let again = compress_file(&file, data.len() as u64, 6, dir.path()).unwrap();
        assert_eq!(streamed.method, Method::Deflated);
        assert_eq!(streamed.crc32, crc32(&data));
        assert_eq!(spooled(&streamed), spooled(&again));
        let deflated = spooled(&streamed);
        assert_eq!(deflated.len() as u64, streamed.compressed_size);
        verify(
            &mut Cursor::new(&deflated),
            Method::Deflated,
            streamed.compressed_size,
            data.len() as u64,
            streamed.crc32,
        )
        .unwrap();
        // A file that changed size since it was listed.
        assert!(matches!(
            compress_file(&file, data.len() as u64 - 1, 6, dir.path()),
            Err(CompressError::Changed)
        ));
    }

    #[test]
    fn incompressible_files_are_stored() {
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let noise: Vec<u8> = (0..4096)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                (state >> 24) as u8
            })
            .collect();
        let dir = tempfile::tempdir().unwrap();
        let c = compress_file(&file_with(&noise), 4096, 6, dir.path()).unwrap();
        assert_eq!((c.method, c.compressed_size), (Method::Stored, 4096));
        assert!(matches!(c.data, Data::Source));
        let mut out = Vec::new();
        let mut buf = vec![0; 100];
        copy_source(&file_with(&noise), 4096, c.crc32, &mut out, &mut buf).unwrap();
        assert_eq!(out, noise);
        assert!(matches!(
            copy_source(
                &file_with(&noise),
                4096,
                c.crc32 ^ 1,
                &mut Vec::new(),
                &mut buf
            ),
            Err(CompressError::Changed)
        ));
        let c = compress_bytes(noise.clone(), 6).unwrap();
        assert_eq!(c.method, Method::Stored);
    }

    #[test]
    fn verifies_crc_size_and_stream_end() {
        let data = text(700_000);
        let c = compress_bytes(data.clone(), 6).unwrap();
        let deflated = spooled(&c);
        let check = |bytes: &[u8], size: u64, crc: u32| {
            verify(
                &mut Cursor::new(bytes),
                Method::Deflated,
                bytes.len() as u64,
                size,
                crc,
            )
        };
        check(&deflated, c.size, c.crc32).unwrap();
        let err = |r: Result<(), VerifyError>| match r {
            Err(VerifyError::Bad(m)) => m,
            other => panic!("{other:?}"),
        };
        insta::assert_snapshot!(err(check(&deflated, c.size, c.crc32 ^ 1)), @"has the CRC 117c088f, but its headers say 117c088e");
        insta::assert_snapshot!(err(check(&deflated, c.size + 1, c.crc32)), @"unpacks to 700000 bytes, but its headers say 700001");
        let mut trailing = deflated.clone();
        trailing.extend_from_slice(b"junk");
        insta::assert_snapshot!(err(check(&trailing, c.size, c.crc32)), @"has data after the end of its deflate stream");
        insta::assert_snapshot!(err(check(&deflated[..deflated.len() - 10], c.size, c.crc32)), @"has a deflate stream that does not end within its data");
        let stored = verify(
            &mut Cursor::new(&data[..]),
            Method::Stored,
            700_000,
            700_000,
            c.crc32,
        );
        stored.unwrap();
        insta::assert_snapshot!(err(verify(&mut Cursor::new(&data[..10]), Method::Stored, 700_000, 700_000, c.crc32)), @"has less data than its headers say");
    }

    #[test]
    fn compares_content() {
        let data = text(200_000);
        let c = compress_bytes(data.clone(), 9).unwrap();
        let deflated = spooled(&c);
        let mut a = content(Cursor::new(&deflated[..]), Method::Deflated);
        let mut b = content(Cursor::new(&data[..]), Method::Stored);
        assert!(same_bytes(&mut a, &mut b).unwrap());
        let mut a = content(Cursor::new(&deflated[..]), Method::Deflated);
        let mut b = content(Cursor::new(&data[1..]), Method::Stored);
        assert!(!same_bytes(&mut a, &mut b).unwrap());
    }
}
