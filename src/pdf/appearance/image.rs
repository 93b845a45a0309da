//! Images on a stamp: PNG and JPEG read into image XObjects (ISO 32000-1 §8.9.5). A JPEG is
//! embedded as it is with `/DCTDecode` (§7.4.8), after its header has been read for the size
//! and colours; a PNG is decoded (bounded) and re-compressed with `/FlateDecode`, its alpha
//! channel becoming a soft mask (§11.6.5.3).

use super::super::PadesError;
use super::super::object::Object;
use super::super::write::{Body, Update};
use super::{compressed, dict};

/// The largest image file accepted.
pub const MAX_IMAGE_BYTES: usize = 16 << 20;
/// The most pixels an image may have (4096 × 4096).
pub const MAX_IMAGE_PIXELS: u64 = 1 << 24;

/// A decoded stamp image, ready to embed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StampImage {
    width: u32,
    height: u32,
    data: ImageData,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum ImageData {
    /// The JPEG file, with its colour space (`DeviceGray` or `DeviceRGB`).
    Jpeg { bytes: Vec<u8>, colour: &'static [u8] },
    /// 8-bit samples, one (gray) or three (RGB) per pixel, with optional 8-bit alpha.
    Samples { colour: &'static [u8], samples: Vec<u8>, alpha: Option<Vec<u8>> },
}

impl StampImage {
    /// Reads a PNG or JPEG file (told apart by their signatures).
    ///
    /// # Errors
    /// [`PadesError::InvalidInput`] for another format, a damaged file, or one over the limits
    /// ([`MAX_IMAGE_BYTES`], [`MAX_IMAGE_PIXELS`]); [`PadesError::Unsupported`] for a CMYK or
    /// 16-bit JPEG.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, PadesError> {
        if bytes.len() > MAX_IMAGE_BYTES {
            return Err(PadesError::InvalidInput("the image is larger than 16 MiB"));
        }
        if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Self::png(bytes)
        } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Self::jpeg(bytes)
        } else {
            Err(PadesError::InvalidInput("the image is neither PNG nor JPEG"))
        }
    }

    /// The size in pixels.
    pub fn size(&self) -> (u32, u32) {
        (self.width, self.height)
    }

    fn checked(width: u32, height: u32, data: ImageData) -> Result<Self, PadesError> {
        if width == 0 || height == 0 || u64::from(width) * u64::from(height) > MAX_IMAGE_PIXELS {
            return Err(PadesError::InvalidInput("the image has no pixels or more than 4096 × 4096"));
        }
        Ok(Self { width, height, data })
    }

    fn jpeg(bytes: &[u8]) -> Result<Self, PadesError> {
        let mut decoder = jpeg_decoder::Decoder::new(bytes);
        decoder.read_info().map_err(|_| PadesError::InvalidInput("the JPEG image is damaged"))?;
        let info = decoder.info().ok_or(PadesError::InvalidInput("the JPEG image is damaged"))?;
        // DCTDecode (ISO 32000-1 §7.4.8) is baseline and progressive DCT; lossless JPEG is not.
        if info.coding_process == jpeg_decoder::CodingProcess::Lossless {
            return Err(PadesError::Unsupported("lossless JPEG images (PDF readers cannot draw them)"));
        }
        let colour: &'static [u8] = match info.pixel_format {
            jpeg_decoder::PixelFormat::L8 => b"DeviceGray",
            jpeg_decoder::PixelFormat::RGB24 => b"DeviceRGB",
            jpeg_decoder::PixelFormat::CMYK32 => return Err(PadesError::Unsupported("CMYK JPEG images (convert it to RGB)")),
            jpeg_decoder::PixelFormat::L16 => return Err(PadesError::Unsupported("16-bit JPEG images")),
        };
        Self::checked(u32::from(info.width), u32::from(info.height), ImageData::Jpeg { bytes: bytes.to_vec(), colour })
    }

    fn png(bytes: &[u8]) -> Result<Self, PadesError> {
        let damaged = |_| PadesError::InvalidInput("the PNG image is damaged or over the limits");
        // The decoder's own allocation limit, above what the pixel limit allows.
        let limits = png::Limits { bytes: 4 * MAX_IMAGE_PIXELS as usize + (1 << 20) };
        let mut decoder = png::Decoder::new_with_limits(std::io::Cursor::new(bytes), limits);
        decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
        let mut reader = decoder.read_info().map_err(damaged)?;
        let (width, height) = (reader.info().width, reader.info().height);
        if u64::from(width) * u64::from(height) > MAX_IMAGE_PIXELS {
            return Err(PadesError::InvalidInput("the image has no pixels or more than 4096 × 4096"));
        }
        let size = reader.output_buffer_size().ok_or(PadesError::InvalidInput("the PNG image is over the limits"))?;
        let mut buffer = vec![0u8; size];
        let frame = reader.next_frame(&mut buffer).map_err(damaged)?;
        let pixels = buffer.get(..frame.buffer_size()).ok_or(PadesError::InvalidInput("the PNG image is damaged"))?;
        let split = |colour_channels: usize, with_alpha: bool| -> (Vec<u8>, Option<Vec<u8>>) {
            if !with_alpha {
                return (pixels.to_vec(), None);
            }
            let stride = colour_channels + 1;
            let colour = pixels.chunks_exact(stride).flat_map(|p| p.iter().take(colour_channels).copied()).collect();
            let alpha: Vec<u8> = pixels.chunks_exact(stride).filter_map(|p| p.get(colour_channels).copied()).collect();
            // An alpha channel that is opaque everywhere needs no mask.
            (colour, alpha.iter().any(|a| *a != 255).then_some(alpha))
        };
        let (colour, (samples, alpha)) = match frame.color_type {
            png::ColorType::Grayscale => (&b"DeviceGray"[..], split(1, false)),
            png::ColorType::GrayscaleAlpha => (&b"DeviceGray"[..], split(1, true)),
            png::ColorType::Rgb => (&b"DeviceRGB"[..], split(3, false)),
            png::ColorType::Rgba => (&b"DeviceRGB"[..], split(3, true)),
            png::ColorType::Indexed => return Err(PadesError::InvalidInput("the PNG image is damaged")),
        };
        Self::checked(width, height, ImageData::Samples { colour, samples, alpha })
    }

    /// Writes the image XObject (and its soft mask); returns its object number.
    pub(crate) fn write(&self, update: &mut Update) -> Result<u32, PadesError> {
        let header = |colour: &[u8]| {
            dict(&[
                (b"Type", Object::Name(b"XObject".to_vec())),
                (b"Subtype", Object::Name(b"Image".to_vec())),
                (b"Width", Object::Integer(i64::from(self.width))),
                (b"Height", Object::Integer(i64::from(self.height))),
                (b"ColorSpace", Object::Name(colour.to_vec())),
                (b"BitsPerComponent", Object::Integer(8)),
            ])
        };
        let image = update.allocate();
        match &self.data {
            ImageData::Jpeg { bytes, colour } => {
                let mut d = header(colour);
                d.0.push((b"Filter".to_vec(), Object::Name(b"DCTDecode".to_vec())));
                update.put(image, Body::Stream(d, bytes.clone()));
            }
            ImageData::Samples { colour, samples, alpha } => {
                let mut d = header(colour);
                if let Some(alpha) = alpha {
                    let mask = update.allocate();
                    let mut m = header(b"DeviceGray");
                    let data = compressed(alpha, &mut m);
                    update.put(mask, Body::Stream(m, data));
                    d.0.push((b"SMask".to_vec(), Object::Reference(mask, 0)));
                }
                let data = compressed(samples, &mut d);
                update.put(image, Body::Stream(d, data));
            }
        }
        Ok(image)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png_bytes(colour: png::ColorType, width: u32, height: u32, pixels: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut encoder = png::Encoder::new(&mut out, width, height);
        encoder.set_color(colour);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().unwrap();
        writer.write_image_data(pixels).unwrap();
        writer.finish().unwrap();
        out
    }

    #[test]
    fn png_with_alpha_gets_a_mask_and_opaque_png_none() {
        let rgba = png_bytes(png::ColorType::Rgba, 2, 1, &[255, 0, 0, 255, 0, 0, 255, 0]);
        let image = StampImage::from_bytes(&rgba).unwrap();
        assert_eq!(image.size(), (2, 1));
        let ImageData::Samples { samples, alpha, .. } = &image.data else { panic!("not samples") };
        assert_eq!(samples, &[255, 0, 0, 0, 0, 255]);
        assert_eq!(alpha.as_deref(), Some(&[255, 0][..]));
        let opaque = png_bytes(png::ColorType::GrayscaleAlpha, 1, 1, &[9, 255]);
        let ImageData::Samples { alpha, .. } = StampImage::from_bytes(&opaque).unwrap().data else { panic!("not samples") };
        assert_eq!(alpha, None);
    }

    #[test]
    fn refuses_what_it_cannot_embed() {
        assert!(matches!(StampImage::from_bytes(b"GIF89a"), Err(PadesError::InvalidInput(_))));
        let png = png_bytes(png::ColorType::Rgb, 1, 1, &[1, 2, 3]);
        for cut in [12, 40, png.len() - 13] {
            assert!(StampImage::from_bytes(&png[..cut]).is_err(), "a PNG cut at {cut} was taken");
        }
        assert!(StampImage::from_bytes(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 16]).is_err());
        // A header claiming 65535 × 65535 pixels is refused before any pixel is decoded.
        let mut huge = png_bytes(png::ColorType::Rgb, 1, 1, &[1, 2, 3]);
        huge[16..24].copy_from_slice(&[0, 0, 0xFF, 0xFF, 0, 0, 0xFF, 0xFF]);
        assert!(StampImage::from_bytes(&huge).is_err());
    }
}
