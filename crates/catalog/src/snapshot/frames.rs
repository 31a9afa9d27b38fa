//! How a section is compressed: zstd frames of a few MiB each, every frame stating its
//! decompressed size and carrying a checksum. Any zstd reader reads the frames one after the
//! other as one stream; this one, knowing where each frame's bytes go, decompresses them on
//! every core at once.

use std::io::Write;

use rayon::prelude::*;

/// Decompressed bytes per frame: large enough that splitting costs no ratio to speak of,
/// small enough that a 50 MB catalog makes a dozen frames to share out.
const FRAME_BYTES: usize = 4 << 20;
/// Largest section decompressed in parallel: its whole size is allocated before the first
/// frame is read (larger ones grow with the data instead).
const MAX_PARALLEL_BYTES: u64 = 256 << 20;

/// A writer that compresses what it is given into frames of `frame_bytes`.
pub(super) struct FrameWriter {
    compressor: zstd::bulk::Compressor<'static>,
    frame_bytes: usize,
    pending: Vec<u8>,
    packed: Vec<u8>,
    raw_size: u64,
    frames: usize,
}

impl FrameWriter {
    /// Frames of [`FRAME_BYTES`] at zstd `level`.
    pub(super) fn new(level: i32) -> std::io::Result<Self> {
        Self::with_frame_bytes(level, FRAME_BYTES)
    }

    fn with_frame_bytes(level: i32, frame_bytes: usize) -> std::io::Result<Self> {
        let mut compressor = zstd::bulk::Compressor::new(level)?;
        compressor.set_parameter(zstd::zstd_safe::CParameter::ChecksumFlag(true))?;
        compressor.set_parameter(zstd::zstd_safe::CParameter::ContentSizeFlag(true))?;
        Ok(FrameWriter {
            compressor,
            frame_bytes: frame_bytes.max(1),
            pending: Vec::with_capacity(frame_bytes.max(1)),
            packed: Vec::new(),
            raw_size: 0,
            frames: 0,
        })
    }

    /// The compressed bytes (at least one frame, even for no input), and how many bytes went
    /// in.
    pub(super) fn finish(mut self) -> std::io::Result<(Vec<u8>, u64)> {
        if !self.pending.is_empty() || self.frames == 0 {
            self.end_frame()?;
        }
        Ok((self.packed, self.raw_size))
    }

    fn end_frame(&mut self) -> std::io::Result<()> {
        let frame = self.compressor.compress(&self.pending)?;
        self.packed.extend_from_slice(&frame);
        self.pending.clear();
        self.frames += 1;
        Ok(())
    }
}

impl Write for FrameWriter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        let taken = bytes.len().min(self.frame_bytes - self.pending.len());
        self.pending.extend_from_slice(&bytes[..taken]);
        self.raw_size += taken as u64;
        if self.pending.len() == self.frame_bytes {
            self.end_frame()?;
        }
        Ok(taken)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Decompresses `packed` on every core when it is two or more whole frames that each state
/// their size, together `raw_size`. `None` when it is not (a single frame, a frame without
/// its size, damage, or a section too large to allocate at once): the caller then reads it
/// as one stream, which also says what is wrong with damaged bytes.
pub(super) fn decompress_in_parallel(
    packed: &[u8],
    raw_size: u64,
) -> Option<Result<Vec<u8>, String>> {
    if raw_size > MAX_PARALLEL_BYTES {
        return None;
    }
    let mut frames = Vec::new();
    let mut total = 0u64;
    let mut rest = packed;
    while !rest.is_empty() {
        let length = zstd::zstd_safe::find_frame_compressed_size(rest).ok()?;
        let size = zstd::zstd_safe::get_frame_content_size(rest).ok()??;
        total = total.checked_add(size)?;
        if total > raw_size || length == 0 || length > rest.len() {
            return None;
        }
        let (frame, after) = rest.split_at(length);
        frames.push((frame, size as usize));
        rest = after;
    }
    if frames.len() < 2 || total != raw_size {
        return None;
    }
    let mut out = vec![0u8; raw_size as usize];
    let mut slots = Vec::with_capacity(frames.len());
    let mut free = out.as_mut_slice();
    for (frame, size) in frames {
        let (slot, after) = free.split_at_mut(size);
        slots.push((frame, slot));
        free = after;
    }
    let decoded = slots.into_par_iter().try_for_each(|(frame, slot)| {
        let mut decompressor = zstd::bulk::Decompressor::new().map_err(|e| e.to_string())?;
        let written = decompressor
            .decompress_to_buffer(frame, slot)
            .map_err(|e| e.to_string())?;
        if written == slot.len() {
            Ok(())
        } else {
            Err(format!(
                "a frame holds {written} bytes, not the {} it states",
                slot.len()
            ))
        }
    });
    Some(decoded.map(|()| out))
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::*;

    fn framed(data: &[u8], frame_bytes: usize) -> (Vec<u8>, u64) {
        let mut writer = FrameWriter::with_frame_bytes(3, frame_bytes).expect("compressor");
        for piece in data.chunks(700) {
            writer.write_all(piece).expect("write");
        }
        writer.finish().expect("finish")
    }

    fn sample() -> Vec<u8> {
        (0..20_000u32)
            .flat_map(|i| {
                format!("{{\"entity\": {i}, \"name\": \"service-{}\"}}", i % 97).into_bytes()
            })
            .collect()
    }

    #[test]
    fn frames_decompress_in_parallel_and_as_one_stream() {
        let data = sample();
        let (packed, raw_size) = framed(&data, 64 << 10);
        assert_eq!(raw_size, data.len() as u64);
        let parallel = decompress_in_parallel(&packed, raw_size)
            .expect("several sized frames")
            .expect("decompressed");
        assert_eq!(parallel, data);
        let mut streamed = Vec::new();
        zstd::stream::read::Decoder::new(packed.as_slice())
            .expect("decoder")
            .read_to_end(&mut streamed)
            .expect("stream");
        assert_eq!(streamed, data);
    }

    #[test]
    fn a_single_frame_or_damaged_frames_are_left_to_the_stream_reader() {
        let data = sample();
        let (one, raw_size) = framed(&data, data.len() + 1);
        assert!(decompress_in_parallel(&one, raw_size).is_none());
        let (empty, zero) = framed(&[], 64 << 10);
        assert_eq!(zero, 0);
        assert!(!empty.is_empty(), "an empty section is still a frame");

        let (packed, raw_size) = framed(&data, 64 << 10);
        assert!(decompress_in_parallel(&packed[..packed.len() - 3], raw_size).is_none());
        assert!(decompress_in_parallel(&packed, raw_size + 1).is_none());
        let mut flipped = packed.clone();
        let middle = flipped.len() / 2;
        flipped[middle] ^= 0x40;
        match decompress_in_parallel(&flipped, raw_size) {
            None => {}
            Some(result) => assert!(result.is_err(), "a flipped byte must not decompress"),
        }
    }
}
