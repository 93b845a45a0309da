//! A small, valid PDF (ISO 32000-1 §7.5 file structure with a classic cross-reference table)
//! for demos, tests and benchmarks: one page per line of text, and optionally an embedded
//! file stream of `padding` bytes to reach a given size.

use std::fmt::Write as _;

/// Builds the document. `padding` adds an unreferenced-free embedded file of that many bytes
/// (attached to the catalog's `/Names`), so large inputs are real PDFs.
pub fn sample_document(lines: &[&str], padding: usize) -> Vec<u8> {
    let mut objects: Vec<Vec<u8>> = Vec::new();
    let page_count = lines.len().max(1);
    // 1 catalog, 2 pages, 3 font, then per page: page + content; then padding stream.
    let first_page = 4;
    let kids: String = (0..page_count).fold(String::new(), |mut s, i| {
        let _ = write!(s, "{} 0 R ", first_page + 2 * i);
        s
    });
    let padding_num = first_page + 2 * page_count;
    let names = if padding > 0 { format!("/Names<</EmbeddedFiles<</Names[(padding.bin)<</Type/Filespec/F(padding.bin)/EF<</F {padding_num} 0 R>>>>]>>>>") } else { String::new() };
    objects.push(format!("<</Type/Catalog/Pages 2 0 R{names}>>").into_bytes());
    objects.push(format!("<</Type/Pages/Kids[{}]/Count {page_count}>>", kids.trim_end()).into_bytes());
    objects.push(b"<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>".to_vec());
    for i in 0..page_count {
        let text = lines.get(i).copied().unwrap_or("");
        let escaped: String = text.chars().filter(|c| c.is_ascii() && !c.is_ascii_control()).map(|c| if matches!(c, '(' | ')' | '\\') { format!("\\{c}") } else { c.to_string() }).collect();
        let content = format!("BT /F1 18 Tf 72 720 Td ({escaped}) Tj ET");
        objects.push(format!("<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]/Resources<</Font<</F1 3 0 R>>>>/Contents {} 0 R>>", first_page + 2 * i + 1).into_bytes());
        let mut stream = format!("<</Length {}>>\nstream\n", content.len()).into_bytes();
        stream.extend_from_slice(content.as_bytes());
        stream.extend_from_slice(b"\nendstream");
        objects.push(stream);
    }
    if padding > 0 {
        let mut stream = format!("<</Type/EmbeddedFile/Length {padding}>>\nstream\n").into_bytes();
        let pattern = b"mobile-id sample padding. ";
        stream.extend(pattern.iter().cycle().take(padding));
        stream.extend_from_slice(b"\nendstream");
        objects.push(stream);
    }
    let mut out = b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n".to_vec();
    let mut offsets = Vec::new();
    for (i, body) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
        out.extend_from_slice(body);
        out.extend_from_slice(b"\nendobj\n");
    }
    let xref = out.len();
    out.extend_from_slice(format!("xref\n0 {}\n0000000000 65535 f\r\n", objects.len() + 1).as_bytes());
    for offset in offsets {
        out.extend_from_slice(format!("{offset:010} 00000 n\r\n").as_bytes());
    }
    out.extend_from_slice(format!("trailer\n<</Size {}/Root 1 0 R/ID[<6D6F62696C652D6964> <6D6F62696C652D6964>]>>\nstartxref\n{xref}\n%%EOF\n", objects.len() + 1).as_bytes());
    out
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
