//! Thumbnails of PNG, JPEG, GIF (the first frame) and WebP files, made on
//! the first request for a size
//! and kept in the storage next to the file (`{account}/thumbs/{name}/{size}`).
//! At most a few are made at once (a semaphore, one permit per core), each
//! decoded under limits (dimensions and memory: a small file that claims a
//! huge image is refused, not decoded) and resized with `fast_image_resize`.
//!
//! Sizes, as in PocketBase: `WxH` (cover, cropped to the center), `WxHt`
//! (cropped from the top), `WxHb` (from the bottom), `WxHf` (fit inside,
//! not cropped), `0xH` and `Wx0` (one side, keeping the aspect).

use std::io::Cursor;
use std::sync::Arc;

use axum::body::Bytes;
use fast_image_resize::images::{Image, ImageRef};
use fast_image_resize::{PixelType, ResizeOptions, Resizer};
use futures_util::TryStreamExt as _;
use tokio::sync::Semaphore;

use super::key::{Key, Segment};
use super::storage::Storage;
use crate::auth::AccountId;
use crate::error::{ApiError, ApiResult};

/// The widest or tallest image decoded, in pixels.
const MAX_SIDE: u32 = 12_000;
/// The most memory one decode may allocate.
const MAX_ALLOC: u64 = 256 * 1024 * 1024;

/// How a thumbnail is cut.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Center,
    Top,
    Bottom,
    Fit,
}

/// A requested thumbnail size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThumbSize {
    width: u32,
    height: u32,
    mode: Mode,
    text: String,
}

impl ThumbSize {
    /// `WxH`, `WxHt`, `WxHb`, `WxHf`, `0xH`, `Wx0`; sides up to 2000.
    pub fn parse(raw: &str) -> Option<Self> {
        let (size, mode) = match raw.as_bytes().last()? {
            b't' => (&raw[..raw.len() - 1], Mode::Top),
            b'b' => (&raw[..raw.len() - 1], Mode::Bottom),
            b'f' => (&raw[..raw.len() - 1], Mode::Fit),
            _ => (raw, Mode::Center),
        };
        let (w, h) = size.split_once('x')?;
        let side = |s: &str| -> Option<u32> {
            (!s.is_empty() && s.len() <= 4 && s.bytes().all(|b| b.is_ascii_digit()))
                .then(|| s.parse().ok())
                .flatten()
        };
        let (width, height) = (side(w)?, side(h)?);
        if width > 2000 || height > 2000 || (width == 0 && height == 0) {
            return None;
        }
        Some(Self {
            width,
            height,
            mode,
            text: raw.to_string(),
        })
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The crop of a `w`×`h` source (left, top, width, height) and the
    /// thumbnail's own size.
    fn plan(&self, w: u32, h: u32) -> ((f64, f64, f64, f64), (u32, u32)) {
        let (wf, hf) = (f64::from(w), f64::from(h));
        let whole = (0.0, 0.0, wf, hf);
        let scaled = |v: f64| (v.round() as u32).max(1);
        if self.width == 0 {
            return (
                whole,
                (scaled(wf * f64::from(self.height) / hf), self.height),
            );
        }
        if self.height == 0 {
            return (whole, (self.width, scaled(hf * f64::from(self.width) / wf)));
        }
        let (tw, th) = (f64::from(self.width), f64::from(self.height));
        if self.mode == Mode::Fit {
            let s = (tw / wf).min(th / hf);
            return (whole, (scaled(wf * s), scaled(hf * s)));
        }
        let s = (tw / wf).max(th / hf);
        let (cw, ch) = (tw / s, th / s);
        let left = (wf - cw) / 2.0;
        let top = match self.mode {
            Mode::Top => 0.0,
            Mode::Bottom => hf - ch,
            _ => (hf - ch) / 2.0,
        };
        ((left, top, cw, ch), (self.width, self.height))
    }
}

/// Bounds how many thumbnails are made at once.
#[derive(Clone)]
pub struct Thumbnailer {
    permits: Arc<Semaphore>,
}

impl Default for Thumbnailer {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Self {
            permits: Arc::new(Semaphore::new(cores.max(1))),
        }
    }
}

/// The key of a thumbnail of `name`.
pub fn key_of(account: &AccountId, name: &Segment, size: &ThumbSize) -> Option<Key> {
    let size = Segment::parse(size.as_str()).ok()?;
    Key::parse(&format!("{account}/thumbs/{name}/{size}"))
        .ok()
        .map(|(k, _)| k)
}

/// Whether the type can be thumbnailed (other files are served as they are).
pub fn supports(mime: &str) -> bool {
    matches!(
        mime,
        "image/png" | "image/jpeg" | "image/gif" | "image/webp"
    )
}

/// The type of a thumbnail of a file of type `mime`: JPEG of JPEG, PNG of
/// the others (lossless, alpha kept).
pub fn output_mime(mime: &str) -> &'static str {
    if mime == "image/jpeg" {
        "image/jpeg"
    } else {
        "image/png"
    }
}

/// The thumbnail at `thumb` of the image at `source`: made and stored if it
/// is not stored yet. Returns its size in bytes.
pub async fn ensure(
    thumbnailer: &Thumbnailer,
    storage: &Storage,
    source: &Key,
    mime: &str,
    thumb: &Key,
    size: &ThumbSize,
) -> ApiResult<u64> {
    if let Ok(n) = storage.size(thumb).await {
        return Ok(n);
    }
    let _permit = thumbnailer
        .permits
        .acquire()
        .await
        .map_err(ApiError::internal)?;
    // Made by another request while this one waited.
    if let Ok(n) = storage.size(thumb).await {
        return Ok(n);
    }
    let bytes: Vec<Bytes> = storage.read(source, None).await?.try_collect().await?;
    let input: Vec<u8> = bytes.concat();
    let (size, jpeg) = (size.clone(), mime == "image/jpeg");
    let output = tokio::task::spawn_blocking(move || render(&input, &size, jpeg))
        .await
        .map_err(ApiError::internal)??;
    let length = output.len() as u64;
    let mut upload = storage.upload(thumb);
    upload.write(Bytes::from(output)).await?;
    upload.finish().await?;
    Ok(length)
}

fn refused(why: impl std::fmt::Display) -> ApiError {
    ApiError::invalid(
        "thumb",
        "image_not_thumbnailable",
        format!("No thumbnail can be made of this image: {why}"),
    )
}

/// Decoded pixels in one of the layouts `fast_image_resize` takes.
struct Decoded {
    w: u32,
    h: u32,
    pixels: Vec<u8>,
    kind: PixelType,
}

/// Decodes under limits, resizes, encodes as JPEG (of a JPEG) or PNG.
fn render(input: &[u8], size: &ThumbSize, jpeg: bool) -> ApiResult<Vec<u8>> {
    let decoded = match jpeg {
        true => decode_jpeg_scaled(input, size)?,
        false => None,
    };
    let Decoded { w, h, pixels, kind } = match decoded {
        Some(decoded) => decoded,
        None => decode_any(input)?,
    };
    let (crop, (dw, dh)) = size.plan(w, h);
    let src = ImageRef::new(w, h, &pixels, kind).map_err(refused)?;
    let mut dst = Image::new(dw, dh, kind);
    Resizer::new()
        .resize(
            &src,
            &mut dst,
            &ResizeOptions::new().crop(crop.0, crop.1, crop.2, crop.3),
        )
        .map_err(refused)?;
    let wrong = || refused("the resized buffer has the wrong size");
    let raw = dst.into_vec();
    let image = match kind {
        PixelType::U8 => image::GrayImage::from_raw(dw, dh, raw).map(image::DynamicImage::from),
        PixelType::U8x3 => image::RgbImage::from_raw(dw, dh, raw).map(image::DynamicImage::from),
        _ => image::RgbaImage::from_raw(dw, dh, raw).map(image::DynamicImage::from),
    }
    .ok_or_else(wrong)?;
    let mut out = Cursor::new(Vec::new());
    let (image, format) = match jpeg {
        false => (image, image::ImageFormat::Png),
        // JPEG has no alpha.
        true if kind == PixelType::U8x4 => (image.into_rgb8().into(), image::ImageFormat::Jpeg),
        true => (image, image::ImageFormat::Jpeg),
    };
    image
        .write_to(&mut out, format)
        .map_err(ApiError::internal)?;
    Ok(out.into_inner())
}

/// Any supported image, decoded whole (under the limits) as RGBA; of an
/// animated GIF or WebP, the first frame.
fn decode_any(input: &[u8]) -> ApiResult<Decoded> {
    let mut reader = image::ImageReader::new(Cursor::new(input))
        .with_guessed_format()
        .map_err(refused)?;
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_ALLOC);
    reader.limits(limits);
    let decoded = reader.decode().map_err(refused)?.into_rgba8();
    let (w, h) = decoded.dimensions();
    Ok(Decoded {
        w,
        h,
        pixels: decoded.into_raw(),
        kind: PixelType::U8x4,
    })
}

/// A JPEG decoded in the DCT at the smallest of 1/8, 1/4, 1/2 or full scale
/// that still gives the thumbnail all its pixels: a 4000×3000 photo for a
/// 400×300 thumbnail decodes as 500×375, a fraction of the work and memory
/// of a full decode. `None` for the layouts this path does not take (CMYK,
/// 16 bits), which are decoded whole.
fn decode_jpeg_scaled(input: &[u8], size: &ThumbSize) -> ApiResult<Option<Decoded>> {
    let mut decoder = jpeg_decoder::Decoder::new(Cursor::new(input));
    decoder.set_max_decoding_buffer_size(MAX_ALLOC as usize);
    decoder.read_info().map_err(refused)?;
    let info = decoder.info().ok_or_else(|| refused("no JPEG frame"))?;
    let (w, h) = (u32::from(info.width), u32::from(info.height));
    if w > MAX_SIDE || h > MAX_SIDE {
        return Err(refused(format!(
            "the image is {w}×{h}; at most {MAX_SIDE} pixels a side are decoded"
        )));
    }
    if !matches!(
        info.pixel_format,
        jpeg_decoder::PixelFormat::RGB24 | jpeg_decoder::PixelFormat::L8
    ) {
        return Ok(None);
    }
    // The part of the image the thumbnail shows must keep at least the
    // thumbnail's pixels after scaling.
    let (crop, (dw, dh)) = size.plan(w, h);
    let need = |side: u32, out: u32, part: f64| {
        ((f64::from(side) * f64::from(out) / part.max(1.0)).ceil() as u32).clamp(1, side)
    };
    let (sw, sh) = decoder
        .scale(need(w, dw, crop.2) as u16, need(h, dh, crop.3) as u16)
        .map_err(refused)?;
    let pixels = decoder.decode().map_err(refused)?;
    let kind = match info.pixel_format {
        jpeg_decoder::PixelFormat::L8 => PixelType::U8,
        _ => PixelType::U8x3,
    };
    Ok(Some(Decoded {
        w: u32::from(sw),
        h: u32::from(sh),
        pixels,
        kind,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_as_pocketbase_names_them() {
        for ok in [
            "100x100", "0x300", "300x0", "200x200t", "200x200b", "200x200f",
        ] {
            assert!(ThumbSize::parse(ok).is_some(), "{ok}");
        }
        for bad in [
            "0x0", "x100", "100", "100x100q", "5000x10", "-1x10", "1e3x10", "",
        ] {
            assert!(ThumbSize::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn plans_cover_crop_or_fit() {
        let s = |raw| ThumbSize::parse(raw).unwrap();
        // 400×200 into 100×100: the centre 200×200, cropped.
        assert_eq!(
            s("100x100").plan(400, 200),
            ((100.0, 0.0, 200.0, 200.0), (100, 100))
        );
        assert_eq!(s("100x100f").plan(400, 200).1, (100, 50));
        assert_eq!(s("0x50").plan(400, 200).1, (100, 50));
        assert_eq!(s("200x0").plan(400, 200).1, (200, 100));
        // 200×400 into 100×100 from the top / bottom.
        assert_eq!(s("100x100t").plan(200, 400).0, (0.0, 0.0, 200.0, 200.0));
        assert_eq!(s("100x100b").plan(200, 400).0, (0.0, 200.0, 200.0, 200.0));
    }
}
