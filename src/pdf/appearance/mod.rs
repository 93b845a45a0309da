//! Visible signature stamps: the appearance stream of a signature widget (ISO 32000-1
//! §12.5.5, §12.7.4.5; ETSI EN 319 142-1 §5.3 leaves its content to the signer). A stamp is
//! a form XObject (§8.10) sized to the widget's rectangle that draws a few lines of text —
//! by default who signed, when, and the optional reason and location — in an embedded subset
//! of DejaVu Sans ([`font`]), with an optional PNG or JPEG image ([`image`]) beside or behind
//! the text, and a thin frame.

mod font;
mod image;

pub use image::{MAX_IMAGE_BYTES, MAX_IMAGE_PIXELS, StampImage};

use super::PadesError;
use super::object::{Dictionary, Object};
use super::write::{Body, Update};

/// The largest coordinate accepted in a rectangle (ISO 32000-1 Annex C: 14 400 units).
const MAX_COORDINATE: f64 = 14_400.0;

/// A rectangle in PDF user space: lower-left and upper-right corners (§7.9.5).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rect {
    /// Left.
    pub x1: f64,
    /// Bottom.
    pub y1: f64,
    /// Right.
    pub x2: f64,
    /// Top.
    pub y2: f64,
}

impl Rect {
    /// The rectangle with corners (`x1`, `y1`) and (`x2`, `y2`), in either order.
    ///
    /// # Errors
    /// [`PadesError::InvalidInput`] for a coordinate that is not finite or beyond ±14 400, or a
    /// side shorter than one unit.
    pub fn new(x1: f64, y1: f64, x2: f64, y2: f64) -> Result<Self, PadesError> {
        if ![x1, y1, x2, y2].iter().all(|v| v.is_finite() && v.abs() <= MAX_COORDINATE) {
            return Err(PadesError::InvalidInput("a rectangle's coordinates must be numbers within ±14400"));
        }
        let r = Self { x1: x1.min(x2), y1: y1.min(y2), x2: x1.max(x2), y2: y1.max(y2) };
        if r.width() < 1.0 || r.height() < 1.0 {
            return Err(PadesError::InvalidInput("a visible signature's rectangle must be at least 1 × 1 unit"));
        }
        Ok(r)
    }

    /// Parses `x1,y1,x2,y2`.
    ///
    /// # Errors
    /// As [`Self::new`], and for text that is not four comma-separated numbers.
    pub fn parse(text: &str) -> Result<Self, PadesError> {
        let numbers: Vec<f64> = text
            .split(',')
            .map(|p| p.trim().parse::<f64>())
            .collect::<Result<_, _>>()
            .map_err(|_| PadesError::InvalidInput("a rectangle is four numbers: x1,y1,x2,y2"))?;
        match numbers[..] {
            [x1, y1, x2, y2] => Self::new(x1, y1, x2, y2),
            _ => Err(PadesError::InvalidInput("a rectangle is four numbers: x1,y1,x2,y2")),
        }
    }

    /// Width.
    pub fn width(&self) -> f64 {
        self.x2 - self.x1
    }

    /// Height.
    pub fn height(&self) -> f64 {
        self.y2 - self.y1
    }

    /// A widget's `/Rect` as it is in a file ([`super::document::rectangle`]), or `None` when it
    /// has no area of at least 1 × 1 (then the widget is treated as invisible).
    pub(crate) fn of_annotation(rect: Option<&Object>) -> Option<Self> {
        let [x1, y1, x2, y2] = super::document::rectangle(rect)?;
        Self::new(x1, y1, x2, y2).ok()
    }

    pub(crate) fn to_object(self) -> Object {
        Object::Array([self.x1, self.y1, self.x2, self.y2].into_iter().map(number).collect())
    }
}

/// Where a stamp's image goes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum ImagePlacement {
    /// In the left part of the stamp (at most two fifths of its width), the text to its right.
    #[default]
    Left,
    /// Behind the text, centred and scaled to fit the stamp.
    Background,
}

/// What a stamp shows and how: text lines with placeholders, the image's place, the largest
/// font size, the frame. A line naming a placeholder that has no value (no reason given, say)
/// is left out. Placeholders: `{name}` (the signer, from the certificate's subject), `{time}`
/// (the claimed signing time, UTC), `{reason}`, `{location}`.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct StampTemplate {
    /// The lines, top to bottom.
    pub lines: Vec<String>,
    /// Where the image goes, when there is one.
    pub image_placement: ImagePlacement,
    /// The text is set at this size (points) or smaller, so that every line fits.
    pub max_font_size: f64,
    /// Draw a thin frame around the stamp.
    pub frame: bool,
}

impl Default for StampTemplate {
    fn default() -> Self {
        Self {
            lines: vec!["Digitally signed by {name}".into(), "Date: {time}".into(), "Reason: {reason}".into(), "Location: {location}".into()],
            image_placement: ImagePlacement::Left,
            max_font_size: 10.0,
            frame: true,
        }
    }
}

/// A visible signature: where, what it shows, and an optional image.
#[derive(Clone, Debug, Default, PartialEq)]
#[non_exhaustive]
pub struct Stamp {
    /// The widget's rectangle on the page ([`super::PdfSignOptions::page`]). Required for a new
    /// field; an existing field keeps its own, so this must then be `None`.
    pub rect: Option<Rect>,
    /// The text lines and layout.
    pub template: StampTemplate,
    /// An image beside or behind the text.
    pub image: Option<StampImage>,
}

impl Stamp {
    /// A stamp at `rect` with the default template and no image.
    pub fn at(rect: Rect) -> Self {
        Self { rect: Some(rect), ..Self::default() }
    }
}

/// The values a template's placeholders stand for.
pub(crate) struct StampValues<'a> {
    pub(crate) name: &'a str,
    pub(crate) time: String,
    pub(crate) reason: Option<&'a str>,
    pub(crate) location: Option<&'a str>,
}

impl StampValues<'_> {
    /// The template's lines with placeholders filled; lines whose placeholder has no value are
    /// dropped, control characters become spaces.
    fn lines(&self, template: &StampTemplate) -> Vec<String> {
        template
            .lines
            .iter()
            .filter_map(|line| {
                // One pass over the template: a value that itself contains "{time}" or
                // "{reason}" (a name, a reason) is text, not a placeholder.
                let mut out = String::new();
                let mut rest = line.as_str();
                while let Some(at) = rest.find('{') {
                    out.push_str(&rest[..at]);
                    let tail = &rest[at..];
                    let (value, len) = match ["{name}", "{time}", "{reason}", "{location}"].into_iter().find(|p| tail.starts_with(p)) {
                        Some("{name}") => (Some(self.name), 6),
                        Some("{time}") => (Some(self.time.as_str()), 6),
                        Some("{reason}") => (Some(self.reason.filter(|v| !v.trim().is_empty())?), 8),
                        Some(_) => (Some(self.location.filter(|v| !v.trim().is_empty())?), 10),
                        None => (None, 1),
                    };
                    out.push_str(value.unwrap_or("{"));
                    rest = &tail[len..];
                }
                out.push_str(rest);
                Some(out.chars().map(|c| if c.is_control() { ' ' } else { c }).collect())
            })
            .collect()
    }
}

/// Writes the appearance of a stamp of `width` × `height` (the form XObject with its font and
/// image) into `update`; returns the form's object number.
pub(crate) fn write_stamp(update: &mut Update, width: f64, height: f64, stamp: &Stamp, values: &StampValues<'_>) -> Result<u32, PadesError> {
    let template = &stamp.template;
    if !(template.max_font_size.is_finite() && (1.0..=144.0).contains(&template.max_font_size)) {
        return Err(PadesError::InvalidInput("a stamp's font size must be between 1 and 144 points"));
    }
    if template.lines.len() > 20 || template.lines.iter().any(|l| l.len() > 500) {
        return Err(PadesError::InvalidInput("a stamp has at most 20 lines of at most 500 bytes"));
    }
    let lines = values.lines(template);
    let mut font = font::StampFont::new()?;
    let pad = (width.min(height) * 0.05).clamp(1.0, 4.0);
    let mut content = String::from("q\n");
    let mut resources = Dictionary::default();

    // The image first, so that text is drawn over it.
    let mut text_left = pad;
    if let Some(image) = &stamp.image {
        let (iw, ih) = image.size();
        let (box_w, box_h) = match template.image_placement {
            ImagePlacement::Left if !lines.is_empty() => (width * 0.4 - pad, height - 2.0 * pad),
            _ => (width - 2.0 * pad, height - 2.0 * pad),
        };
        let scale = (box_w / f64::from(iw)).min(box_h / f64::from(ih)).max(0.0);
        let (draw_w, draw_h) = (f64::from(iw) * scale, f64::from(ih) * scale);
        let (x, y) = match template.image_placement {
            ImagePlacement::Left if !lines.is_empty() => {
                text_left = pad + draw_w + pad;
                (pad, (height - draw_h) / 2.0)
            }
            _ => ((width - draw_w) / 2.0, (height - draw_h) / 2.0),
        };
        let reference = image.write(update)?;
        resources.0.push((b"XObject".to_vec(), Object::Dictionary(dict(&[(b"Im1", Object::Reference(reference, 0))]))));
        content.push_str(&format!("q {} 0 0 {} {} {} cm /Im1 Do Q\n", fmt(draw_w), fmt(draw_h), fmt(x), fmt(y)));
    }

    if !lines.is_empty() {
        let text_width = (width - text_left - pad).max(1.0);
        let text_height = (height - 2.0 * pad).max(1.0);
        let widest = lines.iter().map(|l| font.width(l)).fold(0.0, f64::max);
        let leading = 1.2;
        let size = template.max_font_size.min(text_height / (lines.len() as f64 * leading)).min(if widest > 0.0 { text_width / widest } else { f64::MAX });
        // The block of lines is centred in the height left to it.
        let block = size * (leading * (lines.len() as f64 - 1.0) + font.ascent() + 0.25);
        let mut y = height - pad - (text_height - block).max(0.0) / 2.0 - font.ascent() * size;
        content.push_str(&format!("BT 0 g /F1 {} Tf\n", fmt(size)));
        let mut x_prev = 0.0;
        let mut y_prev = 0.0;
        for line in &lines {
            // Td moves relative to the start of the previous line.
            content.push_str(&format!("{} {} Td {} Tj\n", fmt(text_left - x_prev), fmt(y - y_prev), font.encode(line)));
            (x_prev, y_prev) = (text_left, y);
            y -= size * leading;
        }
        content.push_str("ET\n");
        let font_ref = font.write(update)?;
        resources.0.push((b"Font".to_vec(), Object::Dictionary(dict(&[(b"F1", Object::Reference(font_ref, 0))]))));
    }

    if template.frame {
        content.push_str(&format!("0.5 w 0.3 g 0.3 G 0.25 0.25 {} {} re S\n", fmt(width - 0.5), fmt(height - 0.5)));
    }
    content.push_str("Q\n");

    let form = update.allocate();
    let mut form_dict = dict(&[
        (b"Type", Object::Name(b"XObject".to_vec())),
        (b"Subtype", Object::Name(b"Form".to_vec())),
        (b"BBox", Object::Array(vec![Object::Integer(0), Object::Integer(0), number(width), number(height)])),
        (b"Resources", Object::Dictionary(resources)),
    ]);
    let data = compressed(content.as_bytes(), &mut form_dict);
    update.put(form, Body::Stream(form_dict, data));
    Ok(form)
}

/// An empty appearance (a zero box): what an invisible signature's widget carries.
pub(crate) fn write_empty(update: &mut Update) -> u32 {
    let form = update.allocate();
    let form_dict = dict(&[
        (b"Type", Object::Name(b"XObject".to_vec())),
        (b"Subtype", Object::Name(b"Form".to_vec())),
        (b"BBox", Object::Array(vec![Object::Integer(0); 4])),
    ]);
    update.put(form, Body::Stream(form_dict, Vec::new()));
    form
}

/// A dictionary from literal keys.
pub(crate) fn dict(entries: &[(&[u8], Object)]) -> Dictionary {
    Dictionary(entries.iter().map(|(k, v)| (k.to_vec(), v.clone())).collect())
}

/// `data` compressed with `/FlateDecode` (§7.4.4), the filter named in `dict`.
fn compressed(data: &[u8], dict: &mut Dictionary) -> Vec<u8> {
    dict.0.push((b"Filter".to_vec(), Object::Name(b"FlateDecode".to_vec())));
    miniz_oxide::deflate::compress_to_vec_zlib(data, 9)
}

/// A number for a content stream or an object: at most three decimals, no exponent.
fn fmt(v: f64) -> String {
    let s = format!("{v:.3}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.into() }
}

fn number(v: f64) -> Object {
    if v.fract() == 0.0 { Object::Integer(v as i64) } else { Object::Real((v * 1000.0).round() / 1000.0) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rectangles() {
        let r = Rect::parse("300, 50,100,100").unwrap();
        assert_eq!((r.x1, r.y1, r.x2, r.y2), (100.0, 50.0, 300.0, 100.0));
        for bad in ["1,2,3", "a,b,c,d", "0,0,0,10", "0,0,1e9,10", "NaN,0,1,1", "1,2,3,4,5"] {
            assert!(Rect::parse(bad).is_err(), "{bad} was taken");
        }
        assert_eq!(Rect::of_annotation(Some(&Object::Array(vec![Object::Integer(0); 4]))), None);
        assert_eq!(fmt(1.5), "1.5");
        assert_eq!(fmt(2.0), "2");
        assert_eq!(fmt(-0.0001), "0");
    }

    #[test]
    fn lines_without_a_value_are_left_out() {
        let values = StampValues { name: "AYSEL MƏMMƏDOVA", time: "2026-11-30 12:00:00 UTC".into(), reason: None, location: Some("Bakı") };
        let lines = values.lines(&StampTemplate::default());
        assert_eq!(lines, ["Digitally signed by AYSEL MƏMMƏDOVA", "Date: 2026-11-30 12:00:00 UTC", "Location: Bakı"]);
        // A value holding a placeholder's text stays text.
        let odd = StampValues { name: "{time} {reason}", time: "T".into(), reason: None, location: None };
        let template = StampTemplate { lines: vec!["{name} at {time} {".into()], ..StampTemplate::default() };
        assert_eq!(odd.lines(&template), ["{time} {reason} at T {"]);
    }
}
