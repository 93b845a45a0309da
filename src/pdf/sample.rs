//! A small, valid PDF (ISO 32000-1 §7.5 file structure with a classic cross-reference table)
//! for demos, tests and benchmarks: one page per line of text, and optionally an embedded
//! file stream of `padding` bytes to reach a given size.

use std::fmt::Write as _;

/// Builds the document in memory. `padding` adds an embedded file of that many bytes
/// (attached through the catalog's `/Names`), so large inputs are real PDFs.
pub fn sample_document(lines: &[&str], padding: usize) -> Vec<u8> {
    let mut out = Vec::new();
    // Writing to a Vec cannot fail.
    let _ = write_sample_document(&mut out, lines, padding as u64);
    out
}

/// Writes the document to `out`, streaming the padding in 64 KiB pieces (a 100 MiB sample
/// never sits in memory).
///
/// # Errors
/// I/O errors from `out`.
pub fn write_sample_document(out: &mut dyn std::io::Write, lines: &[&str], padding: u64) -> std::io::Result<()> {
    let page_count = lines.len().max(1);
    // 1 catalog, 2 pages, 3 font, then per page: page + content; then the padding stream.
    let first_page = 4;
    let kids: String = (0..page_count).fold(String::new(), |mut s, i| {
        let _ = write!(s, "{} 0 R ", first_page + 2 * i);
        s
    });
    let padding_num = first_page + 2 * page_count;
    let names = if padding > 0 {
        format!("/Names<</EmbeddedFiles<</Names[(padding.bin)<</Type/Filespec/F(padding.bin)/EF<</F {padding_num} 0 R>>>>]>>>>")
    } else {
        String::new()
    };
    let mut objects: Vec<Vec<u8>> = Vec::new();
    objects.push(format!("<</Type/Catalog/Pages 2 0 R{names}>>").into_bytes());
    objects.push(format!("<</Type/Pages/Kids[{}]/Count {page_count}>>", kids.trim_end()).into_bytes());
    objects.push(b"<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>".to_vec());
    for i in 0..page_count {
        let text = lines.get(i).copied().unwrap_or("");
        let escaped: String = text
            .chars()
            .filter(|c| c.is_ascii() && !c.is_ascii_control())
            .map(|c| if matches!(c, '(' | ')' | '\\') { format!("\\{c}") } else { c.to_string() })
            .collect();
        let content = format!("BT /F1 18 Tf 72 720 Td ({escaped}) Tj ET");
        objects.push(
            format!("<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]/Resources<</Font<</F1 3 0 R>>>>/Contents {} 0 R>>", first_page + 2 * i + 1).into_bytes(),
        );
        let mut stream = format!("<</Length {}>>\nstream\n", content.len()).into_bytes();
        stream.extend_from_slice(content.as_bytes());
        stream.extend_from_slice(b"\nendstream");
        objects.push(stream);
    }
    let mut out = Counting { inner: out, written: 0 };
    out.emit(b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n")?;
    let mut offsets = Vec::new();
    for (i, body) in objects.iter().enumerate() {
        offsets.push(out.written);
        out.emit(format!("{} 0 obj\n", i + 1).as_bytes())?;
        out.emit(body)?;
        out.emit(b"\nendobj\n")?;
    }
    if padding > 0 {
        offsets.push(out.written);
        out.emit(format!("{padding_num} 0 obj\n<</Type/EmbeddedFile/Length {padding}>>\nstream\n").as_bytes())?;
        let piece: Vec<u8> = b"mobile-id sample padding. ".iter().copied().cycle().take(64 * 1024).collect();
        let mut left = padding;
        while left > 0 {
            let n = left.min(piece.len() as u64) as usize;
            out.emit(piece.get(..n).unwrap_or_default())?;
            left -= n as u64;
        }
        out.emit(b"\nendstream\nendobj\n")?;
    }
    let xref = out.written;
    let size = offsets.len() + 1;
    out.emit(format!("xref\n0 {size}\n0000000000 65535 f\r\n").as_bytes())?;
    for offset in offsets {
        out.emit(format!("{offset:010} 00000 n\r\n").as_bytes())?;
    }
    out.emit(format!("trailer\n<</Size {size}/Root 1 0 R/ID[<6D6F62696C652D6964> <6D6F62696C652D6964>]>>\nstartxref\n{xref}\n%%EOF\n").as_bytes())?;
    Ok(())
}

/// A writer that counts what passed through it.
struct Counting<'a> {
    inner: &'a mut dyn std::io::Write,
    written: u64,
}

impl Counting<'_> {
    fn emit(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.written += bytes.len() as u64;
        self.inner.write_all(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pdf::PdfReader;

    #[test]
    fn the_sample_reads_back() {
        let bytes = sample_document(&["one", "two (2)"], 1000);
        let mut reader = PdfReader::open(std::io::Cursor::new(bytes)).unwrap();
        let (_, cat) = crate::pdf::document::catalog(&mut reader).unwrap();
        assert_eq!(crate::pdf::document::pages(&mut reader, &cat).unwrap().len(), 2);
    }
}
