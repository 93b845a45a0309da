//! The stamp's font: DejaVu Sans, cut to Latin (with Latin Extended and the IPA schwa that
//! Azerbaijani writes as `ə`), Cyrillic and common punctuation (`assets/fonts/`, made by
//! `scripts/make-stamp-font.sh`; Bitstream Vera licence with DejaVu's public-domain changes).
//! The standard 14 fonts cannot be used: their encodings cover neither Cyrillic nor `ə`/`ğ`/`ş`.
//!
//! Each stamp embeds a subset of just the glyphs it draws as a composite font (ISO 32000-1
//! §9.7): a Type0 font with `Identity-H` over a `CIDFontType2` whose CIDs are the subset's glyph
//! ids (§9.7.4.2), the subset as `FontFile2` (§9.9), widths in `/W` (§9.7.4.3), and a
//! `ToUnicode` CMap (§9.10.3) so that text extraction returns what was written.

use std::collections::BTreeMap;

use super::super::PadesError;
use super::super::object::{Dictionary, Object};
use super::super::write::{Body, Update};
use super::{compressed, dict};

/// The font file, a subset of DejaVu Sans Book.
const FONT: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans-stamp.ttf");
/// Drawn for a character the font does not have.
const FALLBACK: char = '?';

/// The stamp font and the glyphs a stamp has used.
pub(crate) struct StampFont {
    face: ttf_parser::Face<'static>,
    /// Original glyph id → (new CID, the character it stands for, advance in 1/1000 em).
    used: BTreeMap<u16, (u16, char, u32)>,
    remapper: subsetter::GlyphRemapper,
}

impl StampFont {
    pub(crate) fn new() -> Result<Self, PadesError> {
        let face = ttf_parser::Face::parse(FONT, 0).map_err(|_| PadesError::Unsupported("the built-in stamp font does not load"))?;
        let mut remapper = subsetter::GlyphRemapper::new();
        remapper.remap(0);
        Ok(Self { face, used: BTreeMap::new(), remapper })
    }

    fn glyph(&self, c: char) -> (u16, char) {
        match self.face.glyph_index(c) {
            Some(g) => (g.0, c),
            None => (self.face.glyph_index(FALLBACK).map_or(0, |g| g.0), FALLBACK),
        }
    }

    fn advance(&self, glyph: u16) -> u32 {
        let units = u32::from(self.face.units_per_em().max(1));
        u32::from(self.face.glyph_hor_advance(ttf_parser::GlyphId(glyph)).unwrap_or(0)) * 1000 / units
    }

    /// The width of `text` at a size of 1 (in text space units).
    pub(crate) fn width(&self, text: &str) -> f64 {
        text.chars().map(|c| f64::from(self.advance(self.glyph(c).0))).sum::<f64>() / 1000.0
    }

    /// Ascent above the baseline, at a size of 1.
    pub(crate) fn ascent(&self) -> f64 {
        f64::from(self.face.ascender()) / f64::from(self.face.units_per_em().max(1))
    }

    /// `text` as a hexadecimal string of two-byte CIDs for `Tj`, recording the glyphs used.
    pub(crate) fn encode(&mut self, text: &str) -> String {
        let mut out = String::from("<");
        for c in text.chars() {
            let (glyph, shown) = self.glyph(c);
            let cid = self.remapper.remap(glyph);
            let advance = self.advance(glyph);
            self.used.entry(glyph).or_insert((cid, shown, advance));
            out.push_str(&format!("{cid:04X}"));
        }
        out.push('>');
        out
    }

    /// Writes the Type0 font with its descendant, descriptor, subset file and ToUnicode map;
    /// returns the Type0 font's object number.
    pub(crate) fn write(self, update: &mut Update) -> Result<u32, PadesError> {
        let subset = subsetter::subset(FONT, 0, &self.remapper).map_err(|_| PadesError::Unsupported("the stamp font could not be subset"))?;
        // A subset's name carries a tag of six capitals (§9.6.4), here drawn from its glyphs.
        let tag: String = {
            let mut h: u32 = 0x811c_9dc5;
            for g in self.used.keys() {
                h = (h ^ u32::from(*g)).wrapping_mul(0x0100_0193);
            }
            (0..6).map(|i| char::from(b'A' + u8::try_from((h >> (i * 5)) % 26).unwrap_or(0))).collect()
        };
        let base_font = Object::Name(format!("{tag}+DejaVuSans").into_bytes());
        let units = f64::from(self.face.units_per_em().max(1));
        let scaled = |v: i16| Object::Integer(i64::from(v) * 1000 / units as i64);
        let bbox = self.face.global_bounding_box();

        let file = update.allocate();
        let mut file_dict = dict(&[(b"Length1", Object::Integer(subset.len() as i64))]);
        let data = compressed(&subset, &mut file_dict);
        update.put(file, Body::Stream(file_dict, data));

        let descriptor = update.allocate();
        update.put(
            descriptor,
            Body::Object(Object::Dictionary(dict(&[
                (b"Type", Object::Name(b"FontDescriptor".to_vec())),
                (b"FontName", base_font.clone()),
                // Symbolic (bit 3): the glyphs are reached by CID, not by a standard encoding.
                (b"Flags", Object::Integer(4)),
                (b"FontBBox", Object::Array(vec![scaled(bbox.x_min), scaled(bbox.y_min), scaled(bbox.x_max), scaled(bbox.y_max)])),
                (b"ItalicAngle", Object::Integer(0)),
                (b"Ascent", scaled(self.face.ascender())),
                (b"Descent", scaled(self.face.descender())),
                (b"CapHeight", scaled(self.face.capital_height().unwrap_or(self.face.ascender()))),
                (b"StemV", Object::Integer(80)),
                (b"FontFile2", Object::Reference(file, 0)),
            ]))),
        );

        let mut by_cid: Vec<(u16, char, u32)> = self.used.values().copied().collect();
        by_cid.sort_unstable();
        let widths: Vec<Object> =
            by_cid.iter().flat_map(|(cid, _, advance)| [Object::Integer(i64::from(*cid)), Object::Array(vec![Object::Integer(i64::from(*advance))])]).collect();
        let cid_font = update.allocate();
        update.put(
            cid_font,
            Body::Object(Object::Dictionary(dict(&[
                (b"Type", Object::Name(b"Font".to_vec())),
                (b"Subtype", Object::Name(b"CIDFontType2".to_vec())),
                (b"BaseFont", base_font.clone()),
                (
                    b"CIDSystemInfo",
                    Object::Dictionary(dict(&[
                        (b"Registry", Object::String(b"Adobe".to_vec())),
                        (b"Ordering", Object::String(b"Identity".to_vec())),
                        (b"Supplement", Object::Integer(0)),
                    ])),
                ),
                (b"FontDescriptor", Object::Reference(descriptor, 0)),
                (b"W", Object::Array(widths)),
                (b"CIDToGIDMap", Object::Name(b"Identity".to_vec())),
            ]))),
        );

        let to_unicode = update.allocate();
        let mut cmap_dict = Dictionary::default();
        let cmap = compressed(to_unicode_cmap(&by_cid).as_bytes(), &mut cmap_dict);
        update.put(to_unicode, Body::Stream(cmap_dict, cmap));

        let font = update.allocate();
        update.put(
            font,
            Body::Object(Object::Dictionary(dict(&[
                (b"Type", Object::Name(b"Font".to_vec())),
                (b"Subtype", Object::Name(b"Type0".to_vec())),
                (b"BaseFont", base_font),
                (b"Encoding", Object::Name(b"Identity-H".to_vec())),
                (b"DescendantFonts", Object::Array(vec![Object::Reference(cid_font, 0)])),
                (b"ToUnicode", Object::Reference(to_unicode, 0)),
            ]))),
        );
        Ok(font)
    }
}

/// A ToUnicode CMap (§9.10.3, Adobe TN 5411) mapping each CID to its character, UTF-16BE.
fn to_unicode_cmap(glyphs: &[(u16, char, u32)]) -> String {
    let mut out = String::from(
        "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n\
         /CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n",
    );
    for block in glyphs.chunks(100) {
        out.push_str(&format!("{} beginbfchar\n", block.len()));
        for (cid, c, _) in block {
            let mut units = [0u16; 2];
            let hex: String = c.encode_utf16(&mut units).iter().map(|u| format!("{u:04X}")).collect();
            out.push_str(&format!("<{cid:04X}> <{hex}>\n"));
        }
        out.push_str("endbfchar\n");
    }
    out.push_str("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn covers_latin_cyrillic_and_azerbaijani() {
        let font = StampFont::new().unwrap();
        for c in "AZaz ÄÖÜäöüõšž ƏəĞğİıÖöŞşÜüÇç АЯаяЁё ҒғҚқҮүҰұ №€".chars() {
            assert_eq!(font.glyph(c).1, c, "{c} is not in the stamp font");
        }
        assert_eq!(font.glyph('中').1, FALLBACK);
    }

    #[test]
    fn encoding_records_each_glyph_once() {
        let mut font = StampFont::new().unwrap();
        let first = font.encode("Əə");
        let again = font.encode("əƏ");
        assert_eq!(first.len(), 2 + 8);
        assert_eq!(&first[1..5], &again[5..9]);
        assert_eq!(font.used.len(), 2);
        let cmap = to_unicode_cmap(&font.used.values().copied().collect::<Vec<_>>());
        assert!(cmap.contains("<018F>") && cmap.contains("<0259>"), "{cmap}");
    }
}
