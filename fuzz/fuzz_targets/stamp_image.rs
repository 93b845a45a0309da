//! A visible signature's inputs from arbitrary bytes: PNG and JPEG images (through the png and
//! jpeg-decoder crates, with this library's size and pixel limits) and rectangles as text.
//! Never a panic; an accepted image is within the limits.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mobile_id::pdf::{MAX_IMAGE_PIXELS, Rect, StampImage};

fuzz_target!(|data: &[u8]| {
    if let Ok(image) = StampImage::from_bytes(data) {
        let (w, h) = image.size();
        assert!(w > 0 && h > 0 && u64::from(w) * u64::from(h) <= MAX_IMAGE_PIXELS);
    }
    if let Ok(text) = std::str::from_utf8(data)
        && let Ok(rect) = Rect::parse(text)
    {
        assert!(rect.width() >= 1.0 && rect.height() >= 1.0);
    }
});
