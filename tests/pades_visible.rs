//! Visible signatures: the stamp is drawn where it was asked for and nowhere else (pixels from
//! poppler's `pdftoppm`), its Azerbaijani and Cyrillic text extracts as written (`pdftotext`),
//! a second visible signature keeps the first valid in mobile-id, pyHanko, pdfsig and qpdf,
//! existing empty fields (merged with their widget, or with widget kids) are stamped in place,
//! and a stamp that would hide what a signed page shows is refused at signing and caught by the
//! change analysis when made another way.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::io::Cursor;
use std::path::Path;

use common::{Pki, run};
use mobile_id::pdf::object::Dictionary;
use mobile_id::pdf::write::{Body, Update};
use mobile_id::pdf::{self, Object, PadesError, PdfReader, PdfSignOptions, Rect, Stamp, StampImage};

/// Rendering resolution: one pixel per PDF unit.
const DPI: &str = "72";

/// A gray rendering of page 1: (width, height, pixels top to bottom).
fn render(dir: &Path, name: &str, bytes: &[u8]) -> (usize, usize, Vec<u8>) {
    let file = dir.join(format!("{name}.pdf"));
    std::fs::write(&file, bytes).unwrap();
    let (ok, out) = run(dir, "pdftoppm", &["-gray", "-r", DPI, "-f", "1", "-l", "1", file.to_str().unwrap(), name]);
    assert!(ok, "pdftoppm: {out}");
    let pgm = std::fs::read(dir.join(format!("{name}-1.pgm"))).unwrap();
    // P5 <width> <height> 255 <bytes>
    let mut fields = Vec::new();
    let mut at = 0;
    while fields.len() < 4 {
        while pgm[at].is_ascii_whitespace() {
            at += 1;
        }
        let start = at;
        while !pgm[at].is_ascii_whitespace() {
            at += 1;
        }
        fields.push(String::from_utf8(pgm[start..at].to_vec()).unwrap());
    }
    let (w, h): (usize, usize) = (fields[1].parse().unwrap(), fields[2].parse().unwrap());
    (w, h, pgm[at + 1..].to_vec())
}

/// Pixels that differ between two renderings inside and outside `rect` (PDF units, a page
/// `page_height` tall), with a margin of two pixels around the rectangle for anti-aliasing.
fn differences(a: &(usize, usize, Vec<u8>), b: &(usize, usize, Vec<u8>), rect: [f64; 4], page_height: f64) -> (usize, usize) {
    assert_eq!((a.0, a.1), (b.0, b.1));
    let (mut inside, mut outside) = (0, 0);
    for y in 0..a.1 {
        for x in 0..a.0 {
            if a.2[y * a.0 + x] == b.2[y * a.0 + x] {
                continue;
            }
            let (px, py) = (x as f64 + 0.5, page_height - (y as f64 + 0.5));
            if px > rect[0] - 2.0 && px < rect[2] + 2.0 && py > rect[1] - 2.0 && py < rect[3] + 2.0 {
                inside += 1;
            } else {
                outside += 1;
            }
        }
    }
    (inside, outside)
}

fn png(width: u32, height: u32) -> Vec<u8> {
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, width, height);
    encoder.set_color(png::ColorType::Rgba);
    let mut writer = encoder.write_header().unwrap();
    let pixels: Vec<u8> = (0..width * height).flat_map(|i| [(i % 255) as u8, 40, 160, if i % 3 == 0 { 0 } else { 255 }]).collect();
    writer.write_image_data(&pixels).unwrap();
    writer.finish().unwrap();
    out
}

fn visible(rect: [f64; 4]) -> PdfSignOptions {
    let mut options = PdfSignOptions::new(common::now());
    options.stamp = Some(Stamp::at(Rect::new(rect[0], rect[1], rect[2], rect[3]).unwrap()));
    options
}

fn all_valid(pki: &Pki, signed: &[u8]) {
    let report = pki.verify(signed);
    assert!(report.passed(), "{report:#?}");
}

#[test]
fn the_stamp_is_drawn_where_asked_and_nothing_else_changes() {
    let pki = Pki::new();
    let original = pdf::sample_document(&["A contract", "to be signed"], 0);
    let rect = [330.0, 60.0, 580.0, 140.0];
    let mut options = visible(rect);
    options.stamp.as_mut().unwrap().image = Some(StampImage::from_bytes(&png(40, 30)).unwrap());
    options.reason = Some("Müqavilə ilə razıyam".into());
    options.location = Some("Bakı, Azərbaycan".into());
    let signed = pki.sign(&original, "signer", &options);
    all_valid(&pki, &signed);
    // A one-page document with a text stamp and a small image stays small.
    assert!(signed.len() - original.len() < 16 * 1024, "{} bytes added", signed.len() - original.len());

    let dir = tempfile::tempdir().unwrap();
    let before = render(dir.path(), "before", &original);
    let after = render(dir.path(), "after", &signed);
    let (inside, outside) = differences(&before, &after, rect, 792.0);
    assert_eq!(outside, 0, "the page changed outside the stamp");
    assert!(inside > 500, "the stamp drew only {inside} pixels");

    let file = dir.path().join("after.pdf");
    let (ok, text) = run(dir.path(), "pdftotext", &[file.to_str().unwrap(), "-"]);
    assert!(ok, "{text}");
    for line in ["Reason: Müqavilə ilə razıyam", "Location: Bakı, Azərbaycan", "Digitally signed by"] {
        assert!(text.contains(line), "{line:?} is not in the extracted text:\n{text}");
    }
    let (ok, fonts) = run(dir.path(), "pdffonts", &[file.to_str().unwrap()]);
    assert!(ok && fonts.contains("+DejaVuSans") && fonts.contains("CID TrueType"), "{fonts}");
    let (ok, out) = common::pyhanko_validate(&file, &pki.path("ca.pem"));
    assert!(ok && out.contains("INTACT:TRUSTED,UNTOUCHED"), "{out}");
    assert!(common::pdfsig(&file, &pki.path("ca.pem")).contains("Signature is Valid"));
    let (ok, out) = common::qpdf_check(&file);
    assert!(ok, "{out}");
}

#[test]
fn a_second_visible_signature_keeps_the_first_valid_everywhere() {
    let pki = Pki::new();
    let original = pdf::sample_document(&["Two parties"], 0);
    let once = pki.sign(&original, "signer", &visible([40.0, 60.0, 280.0, 130.0]));
    let mut options = visible([330.0, 60.0, 570.0, 130.0]);
    options.stamp.as_mut().unwrap().template.lines = vec!["Подписал: {name}".into(), "{time}".into()];
    let twice = pki.sign(&once, "signer2", &options);
    let report = pki.verify(&twice);
    assert!(report.passed(), "{report:#?}");
    let first = &report.signatures[0];
    assert!(first.changes.iter().flat_map(|r| &r.changes).any(|c| c.allowed && c.what.contains("visible appearance")), "{first:#?}");

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("twice.pdf");
    std::fs::write(&file, &twice).unwrap();
    let (ok, out) = common::pyhanko_validate(&file, &pki.path("ca.pem"));
    assert!(ok, "{out}");
    assert!(out.lines().filter(|l| l.contains(":INTACT:TRUSTED")).count() == 2, "{out}");
    let pdfsig = common::pdfsig(&file, &pki.path("ca.pem"));
    assert_eq!(pdfsig.matches("Signature is Valid").count(), 2, "{pdfsig}");
    let (ok, out) = common::qpdf_check(&file);
    assert!(ok, "{out}");
    let (ok, text) = run(dir.path(), "pdftotext", &[file.to_str().unwrap(), "-"]);
    assert!(ok && text.contains("Подписал:"), "{text}");
}

/// Adds an empty signature field named `name` at `rect` on page 1: merged with its widget, or
/// as a parent whose widget is a kid.
fn with_empty_field(doc: &[u8], name: &str, rect: [i64; 4], as_kid: bool) -> Vec<u8> {
    let mut reader = PdfReader::open(Cursor::new(doc)).unwrap();
    let mut update = Update::new(&reader).unwrap();
    let (root, mut catalog) = pdf::document::catalog(&mut reader).unwrap();
    let page = pdf::document::pages(&mut reader, &catalog).unwrap()[0];
    let mut page_dict = reader.object(page).unwrap().as_dict().unwrap().clone();
    let entry = |k: &str, v: Object| (k.as_bytes().to_vec(), v);
    let rect = Object::Array(rect.iter().map(|v| Object::Integer(*v)).collect());
    let widget_fields = vec![
        entry("Type", Object::Name(b"Annot".to_vec())),
        entry("Subtype", Object::Name(b"Widget".to_vec())),
        entry("Rect", rect),
        entry("F", Object::Integer(4)),
        entry("P", Object::Reference(page, 0)),
    ];
    let field = update.allocate();
    let widget = if as_kid {
        let widget = update.allocate();
        let mut kid = Dictionary(widget_fields);
        kid.0.push(entry("Parent", Object::Reference(field, 0)));
        update.put(widget, Body::Object(Object::Dictionary(kid)));
        let parent = Dictionary(vec![
            entry("FT", Object::Name(b"Sig".to_vec())),
            entry("T", Object::String(name.as_bytes().to_vec())),
            entry("Kids", Object::Array(vec![Object::Reference(widget, 0)])),
        ]);
        update.put(field, Body::Object(Object::Dictionary(parent)));
        widget
    } else {
        let mut merged = Dictionary(widget_fields);
        merged.0.push(entry("FT", Object::Name(b"Sig".to_vec())));
        merged.0.push(entry("T", Object::String(name.as_bytes().to_vec())));
        update.put(field, Body::Object(Object::Dictionary(merged)));
        field
    };
    // The page's annotations and the form's fields keep what they had (both are direct arrays
    // in the sample and in what this library writes).
    let mut annots = page_dict.get(b"Annots").and_then(Object::as_array).map(<[Object]>::to_vec).unwrap_or_default();
    annots.push(Object::Reference(widget, 0));
    page_dict.0.retain(|(k, _)| k != b"Annots");
    page_dict.0.push(entry("Annots", Object::Array(annots)));
    update.put_existing(&reader, page, Body::Object(Object::Dictionary(page_dict)));
    let form_ref = match catalog.get(b"AcroForm") {
        Some(Object::Reference(n, _)) => Some(*n),
        _ => None,
    };
    let mut form = match form_ref {
        Some(n) => reader.object(n).unwrap().as_dict().unwrap().clone(),
        None => Dictionary::default(),
    };
    let mut fields = form.get(b"Fields").and_then(Object::as_array).map(<[Object]>::to_vec).unwrap_or_default();
    fields.push(Object::Reference(field, 0));
    form.0.retain(|(k, _)| k != b"Fields");
    form.0.push(entry("Fields", Object::Array(fields)));
    match form_ref {
        Some(n) => update.put_existing(&reader, n, Body::Object(Object::Dictionary(form))),
        None => {
            catalog.0.retain(|(k, _)| k != b"AcroForm");
            catalog.0.push(entry("AcroForm", Object::Dictionary(form)));
            update.put_existing(&reader, root, Body::Object(Object::Dictionary(catalog)));
        }
    }
    let mut out = doc.to_vec();
    out.extend_from_slice(&update.write().bytes);
    out
}

#[test]
fn existing_empty_fields_are_stamped_in_place() {
    let pki = Pki::new();
    let original = pdf::sample_document(&["A form with a signature box"], 0);
    let dir = tempfile::tempdir().unwrap();
    let blank = render(dir.path(), "blank", &original);
    for as_kid in [false, true] {
        let rect = [100, 200, 340, 270];
        let with_field = with_empty_field(&original, "Approval", rect, as_kid);
        let mut options = PdfSignOptions::new(common::now());
        options.field = Some("Approval".into());
        options.reason = Some("Approved".into());
        let signed = pki.sign(&with_field, "signer", &options);
        all_valid(&pki, &signed);
        let report = pki.verify(&signed);
        assert_eq!(report.signatures[0].field, "Approval");
        let stamped = render(dir.path(), if as_kid { "kid" } else { "merged" }, &signed);
        let (inside, outside) = differences(&blank, &stamped, rect.map(|v| v as f64), 792.0);
        assert!(inside > 300 && outside == 0, "kid {as_kid}: {inside} pixels inside, {outside} outside");
        let file = dir.path().join("field.pdf");
        std::fs::write(&file, &signed).unwrap();
        let (ok, out) = common::pyhanko_validate(&file, &pki.path("ca.pem"));
        assert!(ok, "{out}");
        // The field keeps its own rectangle: a second one is refused.
        options.stamp = Some(Stamp::at(Rect::new(1.0, 1.0, 50.0, 50.0).unwrap()));
        let mut out = Cursor::new(Vec::new());
        let refused = pdf::sign(&mut Cursor::new(&with_field), &mut out, &mut pki.signer("signer"), &options, None);
        assert!(matches!(refused, Err(PadesError::InvalidInput(_))), "{refused:?}");
    }
    // A field made by pyHanko (`sign addfields`), as a user would bring one.
    let made = dir.path().join("pyhanko-field.pdf");
    std::fs::write(dir.path().join("plain.pdf"), &original).unwrap();
    let (ok, out) = run(
        dir.path(),
        common::pyhanko().to_str().unwrap(),
        &["sign", "addfields", "--field", "1/100,300,350,380/Witness", "plain.pdf", made.to_str().unwrap()],
    );
    assert!(ok, "{out}");
    let mut options = PdfSignOptions::new(common::now());
    options.field = Some("Witness".into());
    let signed = pki.sign(&std::fs::read(&made).unwrap(), "signer", &options);
    all_valid(&pki, &signed);
    let (inside, outside) = differences(&blank, &render(dir.path(), "witness", &signed), [100.0, 300.0, 350.0, 380.0], 792.0);
    assert!(inside > 300 && outside == 0, "pyHanko's field: {inside} pixels inside, {outside} outside");
    // An invisible existing field stays invisible: nothing on the page changes.
    let hidden = with_empty_field(&original, "Hidden", [0, 0, 0, 0], false);
    let mut options = PdfSignOptions::new(common::now());
    options.field = Some("Hidden".into());
    let signed = pki.sign(&hidden, "signer", &options);
    all_valid(&pki, &signed);
    let (inside, outside) = differences(&blank, &render(dir.path(), "hidden", &signed), [0.0; 4], 792.0);
    assert_eq!((inside, outside), (0, 0));
}

#[test]
fn a_stamp_over_signed_content_is_refused_and_caught() {
    let pki = Pki::new();
    let original = pdf::sample_document(&["Signed once"], 0);
    let once = pki.sign(&original, "signer", &visible([300.0, 60.0, 560.0, 140.0]));
    // At signing time: over the first stamp, or larger than a quarter of the page.
    for rect in [[320.0, 80.0, 500.0, 120.0], [0.0, 0.0, 612.0, 400.0]] {
        let mut out = Cursor::new(Vec::new());
        let refused = pdf::sign(&mut Cursor::new(&once), &mut out, &mut pki.signer("signer2"), &visible(rect), None);
        assert!(matches!(refused, Err(PadesError::StampCovers(_))), "{rect:?}: {refused:?}");
    }
    // Made another way (an empty field added over the first stamp after it was signed, then
    // signed in place), the change analysis catches it.
    let covering = with_empty_field(&once, "Cover", [310, 70, 550, 130], false);
    let mut options = PdfSignOptions::new(common::now());
    options.field = Some("Cover".into());
    let twice = pki.sign(&covering, "signer2", &options);
    let report = pki.verify(&twice);
    assert!(!report.passed(), "{report:#?}");
    let refused: Vec<_> = report.signatures[0].changes.iter().flat_map(|r| &r.changes).filter(|c| !c.allowed).collect();
    assert!(refused.iter().any(|c| c.what.contains("over annotation")), "{refused:#?}");
}

/// A field whose widget is a kid can be signed as the document's first signature (above), but
/// not after another one: the change analysis judges later signatures by their merged field
/// and widget, so the earlier signature would fail. Signing refuses it up front.
#[test]
fn an_existing_field_with_a_widget_kid_after_another_signature_is_refused() {
    let pki = Pki::new();
    let original = pdf::sample_document(&["Two signers, one prepared field"], 0);
    let with_field = with_empty_field(&original, "Second", [100, 200, 340, 270], true);
    let once = pki.sign(&with_field, "signer", &PdfSignOptions::new(common::now()));
    let mut options = PdfSignOptions::new(common::now());
    options.field = Some("Second".into());
    let mut out = Cursor::new(Vec::new());
    let refused = pdf::sign(&mut Cursor::new(&once), &mut out, &mut pki.signer("signer2"), &options, None);
    assert!(matches!(refused, Err(PadesError::Unsupported(_))), "{refused:?}");
    assert!(out.get_ref().is_empty(), "something was written");
}
