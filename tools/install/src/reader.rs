//! Reading the wheel from its file, never whole: positional reads through a
//! small buffer, so that each worker thread has its own position in one
//! shared file and peak memory does not grow with the wheel.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::sync::Arc;

/// Bytes read by the first positional read at a new place (after a seek):
/// the local header and data of most wheel entries fit in it.
const FIRST_READ: usize = 16 << 10;
/// Each further read at the end of the last one reads twice as much, up to this.
const BUFFER: usize = 256 << 10;

/// A reader over a shared file with its own position (positional reads, no
/// shared cursor). Clones share the file and start with an empty buffer.
pub struct SharedFile {
    file: Arc<File>,
    len: u64,
    pos: u64,
    buf: Vec<u8>,
    /// File offset of `buf[0]`.
    buf_start: u64,
    /// Valid bytes in `buf`.
    filled: usize,
    /// Bytes the next refill reads: [`FIRST_READ`] after a seek, doubling
    /// while reads are sequential.
    next_read: usize,
}

impl SharedFile {
    pub fn new(file: File) -> io::Result<Self> {
        let len = file.metadata()?.len();
        Ok(SharedFile {
            file: Arc::new(file),
            len,
            pos: 0,
            buf: Vec::new(),
            buf_start: 0,
            filled: 0,
            next_read: FIRST_READ,
        })
    }

    /// Fills `out` from `offset`, short only at the end of the file.
    fn read_at(&self, out: &mut [u8], offset: u64) -> io::Result<usize> {
        let mut done = 0;
        while done < out.len() {
            let at = offset.checked_add(done as u64).ok_or_else(overflow)?;
            match read_at(&self.file, &mut out[done..], at) {
                Ok(0) => break,
                Ok(n) => done += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(done)
    }
}

impl Clone for SharedFile {
    fn clone(&self) -> Self {
        SharedFile {
            file: Arc::clone(&self.file),
            len: self.len,
            pos: self.pos,
            buf: Vec::new(),
            buf_start: 0,
            filled: 0,
            next_read: FIRST_READ,
        }
    }
}

impl Read for SharedFile {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if out.is_empty() || self.pos >= self.len {
            return Ok(0);
        }
        let in_buffer =
            self.pos >= self.buf_start && self.pos - self.buf_start < self.filled as u64;
        if !in_buffer {
            if out.len() >= BUFFER {
                let n = self.read_at(out, self.pos)?;
                self.pos += n as u64;
                return Ok(n);
            }
            let sequential = self.filled > 0 && self.pos == self.buf_start + self.filled as u64;
            self.next_read = if sequential {
                (self.next_read * 2).min(BUFFER)
            } else {
                FIRST_READ
            };
            if self.buf.len() != BUFFER {
                self.buf = vec![0; BUFFER];
            }
            let mut buf = std::mem::take(&mut self.buf);
            let filled = self.read_at(&mut buf[..self.next_read], self.pos);
            self.buf = buf;
            self.filled = filled?;
            self.buf_start = self.pos;
            if self.filled == 0 {
                return Ok(0);
            }
        }
        // In the buffer: `pos - buf_start < filled <= BUFFER`.
        let from = (self.pos - self.buf_start) as usize;
        let n = out.len().min(self.filled - from);
        out[..n].copy_from_slice(&self.buf[from..from + n]);
        self.pos += n as u64;
        Ok(n)
    }
}

impl Seek for SharedFile {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        let pos = match to {
            SeekFrom::Start(n) => Some(n),
            SeekFrom::End(d) => self.len.checked_add_signed(d),
            SeekFrom::Current(d) => self.pos.checked_add_signed(d),
        };
        self.pos = pos.ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                "seek before the start of the file",
            )
        })?;
        Ok(self.pos)
    }
}

fn overflow() -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, "offset overflow")
}

#[cfg(unix)]
fn read_at(file: &File, out: &mut [u8], offset: u64) -> io::Result<usize> {
    std::os::unix::fs::FileExt::read_at(file, out, offset)
}

#[cfg(windows)]
fn read_at(file: &File, out: &mut [u8], offset: u64) -> io::Result<usize> {
    // Moves the shared cursor, which no reader relies on.
    std::os::windows::fs::FileExt::seek_read(file, out, offset)
}

#[cfg(not(any(unix, windows)))]
fn read_at(_file: &File, _out: &mut [u8], _offset: u64) -> io::Result<usize> {
    Err(io::Error::new(
        io::ErrorKind::Unsupported,
        "positional reads are not supported on this platform",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn reads_and_seeks_like_a_file() {
        let mut tmp = tempfile::tempfile().unwrap();
        let data: Vec<u8> = (0..(3 * BUFFER + 17)).map(|i| (i % 251) as u8).collect();
        tmp.write_all(&data).unwrap();
        let mut r = SharedFile::new(tmp).unwrap();
        let mut all = Vec::new();
        r.read_to_end(&mut all).unwrap();
        assert_eq!(all, data);

        let mut small = [0u8; 10];
        r.seek(SeekFrom::Start(BUFFER as u64 - 5)).unwrap();
        r.read_exact(&mut small).unwrap();
        assert_eq!(small, data[BUFFER - 5..BUFFER + 5]);
        let mut clone = r.clone();
        clone.seek(SeekFrom::End(-3)).unwrap();
        let mut tail = Vec::new();
        clone.read_to_end(&mut tail).unwrap();
        assert_eq!(tail, data[data.len() - 3..]);
        // The original keeps its own position.
        r.read_exact(&mut small).unwrap();
        assert_eq!(small, data[BUFFER + 5..BUFFER + 15]);
        assert!(r
            .seek(SeekFrom::Current(-10 * i64::try_from(BUFFER).unwrap()))
            .is_err());
        r.seek(SeekFrom::Start(u64::MAX)).unwrap();
        assert_eq!(r.read(&mut small).unwrap(), 0);
    }
}
