//! The bounded PDF reader on files written by hand and rewritten by a real peer, qpdf (cross-
//! reference streams, object streams), on an incremental update, and on hostile variants.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::io::Cursor;
use std::process::Command;

use mobile_id::pdf::{Object, PdfError, PdfReader, XrefKind};

/// A one-page PDF with a classic cross-reference table, offsets computed as written.
fn minimal_pdf() -> Vec<u8> {
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
    ];
    let mut out = b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n".to_vec();
    let mut offsets = Vec::new();
    for (i, body) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{body}\nendobj\n", i + 1).as_bytes());
    }
    let content = b"BT /F1 12 Tf 72 712 Td (Hello) Tj ET";
    offsets.push(out.len());
    out.extend_from_slice(b"4 0 obj\n<< /Length 5 0 R >>\nstream\n");
    out.extend_from_slice(content);
    out.extend_from_slice(b"\nendstream\nendobj\n");
    offsets.push(out.len());
    out.extend_from_slice(format!("5 0 obj\n{}\nendobj\n", content.len()).as_bytes());
    let xref = out.len();
    out.extend_from_slice(format!("xref\n0 {}\n0000000000 65535 f \n", offsets.len() + 1).as_bytes());
    for o in &offsets {
        out.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(format!("trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n", offsets.len() + 1).as_bytes());
    out
}

fn page_count(reader: &mut PdfReader<Cursor<Vec<u8>>>) -> i64 {
    let root = reader.trailer().unwrap().get(b"Root").unwrap().clone();
    let catalog = reader.resolve(&root).unwrap();
    let pages = reader.resolve(catalog.as_dict().unwrap().get(b"Pages").unwrap()).unwrap();
    pages.as_dict().unwrap().integer(b"Count").unwrap()
}

#[test]
fn reads_a_classic_file_and_its_stream() {
    let mut reader = PdfReader::open(Cursor::new(minimal_pdf())).unwrap();
    assert_eq!(reader.version(), "1.7");
    assert_eq!(reader.revisions().len(), 1);
    assert_eq!(reader.revisions()[0].kind, XrefKind::Table);
    assert_eq!(page_count(&mut reader), 1);
    let Object::Stream(dict, data) = reader.object(4).unwrap() else { panic!("a stream") };
    assert_eq!(reader.decode_stream(&dict, &data).unwrap(), b"BT /F1 12 Tf 72 712 Td (Hello) Tj ET");
}

#[test]
fn reads_what_qpdf_writes() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("in.pdf"), minimal_pdf()).unwrap();
    for (name, args) in [("streams.pdf", vec!["--object-streams=generate"]), ("qdf.pdf", vec!["--qdf"]), ("linear.pdf", vec!["--linearize"])] {
        let out = dir.path().join(name);
        let status = Command::new("qpdf").args(&args).arg(dir.path().join("in.pdf")).arg(&out).status().expect("qpdf is installed by scripts/test.sh");
        assert!(status.success() || status.code() == Some(3), "{name}");
        let mut reader = PdfReader::open(Cursor::new(std::fs::read(&out).unwrap())).unwrap();
        assert_eq!(page_count(&mut reader), 1, "{name}");
        if name == "streams.pdf" {
            assert_eq!(reader.revisions()[0].kind, XrefKind::Stream);
            assert!((1..reader.size()).any(|n| matches!(reader.entry(n), Some(mobile_id::pdf::XrefEntry::Compressed { .. }))));
        }
    }
}

#[test]
fn follows_an_incremental_update() {
    let mut pdf = minimal_pdf();
    let original_xref = pdf.windows(9).rposition(|w| w == b"startxref").unwrap();
    let prev: u64 = std::str::from_utf8(&pdf[original_xref + 10..]).unwrap().split_whitespace().next().unwrap().parse().unwrap();
    let offset = pdf.len();
    pdf.extend_from_slice(b"2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 /Updated true >>\nendobj\n");
    let xref = pdf.len();
    pdf.extend_from_slice(format!("xref\n2 1\n{offset:010} 00000 n \ntrailer\n<< /Size 6 /Root 1 0 R /Prev {prev} >>\nstartxref\n{xref}\n%%EOF\n").as_bytes());
    let mut reader = PdfReader::open(Cursor::new(pdf.clone())).unwrap();
    assert_eq!(reader.revisions().len(), 2);
    let pages = reader.object(2).unwrap();
    assert_eq!(pages.as_dict().unwrap().get(b"Updated"), Some(&Object::Bool(true)));
    assert_eq!(page_count(&mut reader), 1);
    // qpdf agrees the update is well formed.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("inc.pdf"), &pdf).unwrap();
    let status = Command::new("qpdf").arg("--check").arg(dir.path().join("inc.pdf")).output().unwrap().status;
    assert!(status.success(), "qpdf --check");
}

#[test]
fn hostile_files_end_in_errors() {
    let good = minimal_pdf();
    assert!(PdfReader::open(Cursor::new(good[..good.len() / 2].to_vec())).is_err(), "truncated");
    assert!(PdfReader::open(Cursor::new(b"not a pdf at all".to_vec())).is_err());
    // A /Prev chain that loops back to itself.
    let mut looping = good.clone();
    let at = looping.windows(9).rposition(|w| w == b"startxref").unwrap();
    let xref: usize = std::str::from_utf8(&looping[at + 10..]).unwrap().split_whitespace().next().unwrap().parse().unwrap();
    let trailer = looping.windows(7).rposition(|w| w == b"trailer").unwrap();
    looping.truncate(trailer);
    looping.extend_from_slice(format!("trailer\n<< /Size 6 /Root 1 0 R /Prev {xref} >>\nstartxref\n{xref}\n%%EOF\n").as_bytes());
    assert!(matches!(PdfReader::open(Cursor::new(looping)), Err(PdfError::Malformed(_))));
    // A stream whose /Length runs past the end of the file.
    let mut long = good.clone();
    let at = long.windows(8).position(|w| w == b"5 0 obj\n").unwrap();
    long[at + 8] = b'9';
    long[at + 9] = b'9';
    let mut reader = PdfReader::open(Cursor::new(long)).unwrap();
    assert!(reader.object(4).is_err(), "a /Length past the end of the file");
    // Garbage after a valid header.
    let mut noise = b"%PDF-1.4\n".to_vec();
    noise.extend(std::iter::repeat_n(b'[', 10_000));
    noise.extend_from_slice(b"\nstartxref\n9\n%%EOF");
    assert!(PdfReader::open(Cursor::new(noise)).is_err());
}
