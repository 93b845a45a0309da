//! The attack classes on PDF signatures (Mladenov et al., "1 Trillion Dollar Refund", 2019;
//! Mainka et al., "Shadow Attacks", 2021), each written here as a file, and each caught:
//! universal signature forgery, incremental saving, signature wrapping, shadow hide / replace
//! / hide-and-replace, bytes after %%EOF; plus DocMDP rules, and a second signature in an
//! algorithm the library does not implement (INDETERMINATE, not failed).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::io::Cursor;

use common::{Pki, now, openssl};
use mobile_id::pdf::object::Dictionary;
use mobile_id::pdf::write::{Body, Update};
use mobile_id::pdf::{self, DocMdp, LaterChanges, Object, PdfReader, PdfReport, PdfSignOptions};
use mobile_id::report::{Indication, SubIndication};

/// Appends an incremental update built by `edit` to `doc`.
fn append(doc: &[u8], edit: impl FnOnce(&mut PdfReader<Cursor<&[u8]>>, &mut Update)) -> Vec<u8> {
    let mut reader = PdfReader::open(Cursor::new(doc)).unwrap();
    let mut update = Update::new(&reader).unwrap();
    edit(&mut reader, &mut update);
    let mut out = doc.to_vec();
    out.extend_from_slice(&update.write().bytes);
    out
}

fn dict(entries: &[(&str, Object)]) -> Dictionary {
    Dictionary(entries.iter().map(|(k, v)| (k.as_bytes().to_vec(), v.clone())).collect())
}

fn name(n: &str) -> Object {
    Object::Name(n.as_bytes().to_vec())
}

fn reference(n: u32) -> Object {
    Object::Reference(n, 0)
}

/// The object number of page 1's content stream and of page 1 itself.
fn page_one(reader: &mut PdfReader<Cursor<&[u8]>>) -> (u32, Dictionary) {
    let (_, cat) = pdf::document::catalog(reader).unwrap();
    let page = pdf::document::pages(reader, &cat).unwrap()[0];
    (page, reader.object(page).unwrap().as_dict().unwrap().clone())
}

fn content_of(page: &Dictionary) -> u32 {
    match page.get(b"Contents") {
        Some(Object::Reference(n, _)) => *n,
        other => panic!("{other:?}"),
    }
}

fn assert_caught(report: &PdfReport, what: &str) {
    assert!(!report.passed(), "{what} was not caught: {report:#?}");
}

fn first_disallowed(report: &PdfReport, index: usize) -> String {
    let s = &report.signatures[index];
    assert_eq!(s.later_changes, LaterChanges::Disallowed, "{s:#?}");
    assert_ne!(s.indication, Indication::TotalPassed);
    s.changes.iter().flat_map(|r| r.changes.iter()).find(|c| !c.allowed).unwrap().what.clone()
}

/// Universal signature forgery: a signature field whose value lacks, empties or fakes
/// /ByteRange and /Contents.
#[test]
fn universal_signature_forgery() {
    let pki = Pki::new();
    let doc = pdf::sample::sample_document(&["Forged"], 0);
    let genuine = pki.sign(&doc, "signer", &PdfSignOptions::new(now()));
    let real_cms = {
        let mut r = PdfReader::open(Cursor::new(&genuine)).unwrap();
        let (_, cat) = pdf::document::catalog(&mut r).unwrap();
        let field = &pdf::document::signature_fields(&mut r, &cat).unwrap()[0];
        match r.object(field.value.unwrap()).unwrap().as_dict().unwrap().get(b"Contents") {
            Some(Object::String(s)) => hex::encode(s),
            _ => unreachable!(),
        }
    };
    let variants: Vec<(&str, String)> = vec![
        ("no /ByteRange", format!("<</Type/Sig/Filter/Adobe.PPKLite/SubFilter/ETSI.CAdES.detached/Contents<{real_cms}>>>")),
        ("no /Contents", "<</Type/Sig/Filter/Adobe.PPKLite/SubFilter/ETSI.CAdES.detached/ByteRange[0 10 20 30]>>".into()),
        ("empty /Contents", "<</Type/Sig/SubFilter/ETSI.CAdES.detached/ByteRange[0 10 20 30]/Contents<>>>".into()),
        ("/ByteRange null", format!("<</Type/Sig/SubFilter/ETSI.CAdES.detached/ByteRange null/Contents<{real_cms}>>>")),
        ("/ByteRange [0 0 0 0]", format!("<</Type/Sig/SubFilter/ETSI.CAdES.detached/ByteRange[0 0 0 0]/Contents<{real_cms}>>>")),
        ("/ByteRange [-1 ...]", format!("<</Type/Sig/SubFilter/ETSI.CAdES.detached/ByteRange[-1 10 20 30]/Contents<{real_cms}>>>")),
        ("/ByteRange of three", format!("<</Type/Sig/SubFilter/ETSI.CAdES.detached/ByteRange[0 10 20]/Contents<{real_cms}>>>")),
        ("zeros as /Contents", format!("<</Type/Sig/SubFilter/ETSI.CAdES.detached/ByteRange[0 10 20 30]/Contents<{}>>>", "0".repeat(64))),
    ];
    for (what, sig) in variants {
        let forged = append(&doc, |reader, update| {
            let (page, mut page_dict) = page_one(reader);
            let (root, mut cat) = pdf::document::catalog(reader).unwrap();
            let sig_num = update.allocate();
            update.put(sig_num, Body::Raw(sig.clone().into_bytes()));
            let field = update.allocate();
            update.put(
                field,
                Body::Object(Object::Dictionary(dict(&[
                    ("Type", name("Annot")),
                    ("Subtype", name("Widget")),
                    ("FT", name("Sig")),
                    ("T", Object::String(b"Forged".to_vec())),
                    ("V", reference(sig_num)),
                    ("Rect", Object::Array(vec![Object::Integer(0); 4])),
                    ("P", reference(page)),
                ]))),
            );
            page_dict.0.push((b"Annots".to_vec(), Object::Array(vec![reference(field)])));
            update.put(page, Body::Object(Object::Dictionary(page_dict)));
            cat.0
                .push((b"AcroForm".to_vec(), Object::Dictionary(dict(&[("Fields", Object::Array(vec![reference(field)])), ("SigFlags", Object::Integer(3))]))));
            update.put(root, Body::Object(Object::Dictionary(cat)));
        });
        let report = pki.verify(&forged);
        assert_caught(&report, what);
        assert_eq!(report.signatures.len(), 1, "{what}");
        assert_eq!(report.signatures[0].sub_indication, Some(SubIndication::FormatFailure), "{what}: {report:#?}");
    }
    // A genuine CMS with a /ByteRange that does fit this file's own /Contents is still bound
    // to other bytes: the digest fails.
    let transplanted = {
        let mut options = PdfSignOptions::new(now());
        options.field = Some("Forged".into());
        let mut out = Cursor::new(Vec::new());
        let certificate = pki.cert("signer.pem");
        let (_, prepared) = pdf::prepare(&mut Cursor::new(&doc), &mut out, &certificate, &[], &options).unwrap();
        let cms = hex::decode(&real_cms).unwrap();
        prepared.embed(&mut out, mobile_id::cms::leading_value(&cms).unwrap()).unwrap();
        out.into_inner()
    };
    let report = pki.verify(&transplanted);
    assert_caught(&report, "a transplanted CMS");
    assert_eq!(report.signatures[0].sub_indication, Some(SubIndication::HashFailure));
    assert_eq!(report.signatures[0].intact, Some(false));
}

/// Incremental saving attack: a revision after the signature changes the page content, adds a
/// page, or points the catalog elsewhere.
#[test]
fn incremental_saving_attacks() {
    let pki = Pki::new();
    let doc = pdf::sample::sample_document(&["Pay 100 EUR"], 0);
    let signed = pki.sign(&doc, "signer", &PdfSignOptions::new(now()));
    assert!(pki.verify(&signed).passed());

    let new_content = append(&signed, |reader, update| {
        let (_, page) = page_one(reader);
        update.put(content_of(&page), Body::Stream(Dictionary::default(), b"BT /F1 18 Tf 72 720 Td (Pay 999 EUR) Tj ET".to_vec()));
    });
    let report = pki.verify(&new_content);
    assert_caught(&report, "changed page content");
    assert!(first_disallowed(&report, 0).contains("stream"), "{report:#?}");
    // The maths still holds: the signed bytes are intact; only the analysis catches it.
    assert_eq!(report.signatures[0].intact, Some(true));
    assert_eq!(report.signatures[0].signature_valid, Some(true));

    let new_page = append(&signed, |reader, update| {
        let (_, cat) = pdf::document::catalog(reader).unwrap();
        let pages_num = match cat.get(b"Pages") {
            Some(Object::Reference(n, _)) => *n,
            _ => unreachable!(),
        };
        let mut pages = reader.object(pages_num).unwrap().as_dict().unwrap().clone();
        let (page, page_dict) = page_one(reader);
        let copy = update.allocate();
        update.put(copy, Body::Object(Object::Dictionary(page_dict)));
        pages.0.retain(|(k, _)| k != b"Kids" && k != b"Count");
        pages.0.push((b"Kids".to_vec(), Object::Array(vec![reference(page), reference(copy)])));
        pages.0.push((b"Count".to_vec(), Object::Integer(2)));
        update.put(pages_num, Body::Object(Object::Dictionary(pages)));
    });
    assert_caught(&pki.verify(&new_page), "a new page");

    let open_action = append(&signed, |reader, update| {
        let (root, mut cat) = pdf::document::catalog(reader).unwrap();
        let js = update.allocate();
        update.put(js, Body::Object(Object::Dictionary(dict(&[("S", name("JavaScript")), ("JS", Object::String(b"app.alert(1)".to_vec()))]))));
        cat.0.push((b"OpenAction".to_vec(), reference(js)));
        update.put(root, Body::Object(Object::Dictionary(cat)));
    });
    let report = pki.verify(&open_action);
    assert_caught(&report, "an OpenAction");
    assert!(first_disallowed(&report, 0).contains("/OpenAction"), "{report:#?}");

    // Bytes after the final %%EOF (which pyHanko accepts) are reported and refused.
    let mut trailing = signed.clone();
    let appended = b"1 0 obj\n<</Type/Catalog>>\nendobj\n";
    trailing.extend_from_slice(appended);
    let report = pki.verify(&trailing);
    assert_caught(&report, "trailing bytes");
    assert_eq!(report.trailing_bytes, appended.len() as u64);
    // Whitespace padding after %%EOF is reported, not refused.
    let mut padded = signed.clone();
    padded.extend_from_slice(b"\r\n\n  \n");
    let report = pki.verify(&padded);
    assert!(report.passed(), "{report:#?}");
    assert_eq!(report.trailing_bytes, 6);
    assert_eq!(report.signatures[0].later_changes, LaterChanges::Allowed);
}

/// Signature wrapping: the signature dictionary is redefined in a later revision, keeping the
/// original /ByteRange and /Contents (so the digest still matches) while the content changes.
#[test]
fn signature_wrapping() {
    let pki = Pki::new();
    let doc = pdf::sample::sample_document(&["Original"], 0);
    let signed = pki.sign(&doc, "signer", &PdfSignOptions::new(now()));
    let mut reader = PdfReader::open(Cursor::new(&signed)).unwrap();
    let (_, cat) = pdf::document::catalog(&mut reader).unwrap();
    let field = pdf::document::signature_fields(&mut reader, &cat).unwrap().remove(0);
    let sig_num = field.value.unwrap();
    let pdf::XrefEntry::InFile { offset, .. } = reader.entry(sig_num).unwrap() else { unreachable!() };
    let sig_object = {
        let tail = &signed[offset as usize..];
        let end = tail.windows(6).position(|w| w == b"endobj").unwrap();
        let body = &tail[..end];
        let start = body.windows(2).position(|w| w == b"<<").unwrap();
        body[start..].to_vec()
    };
    drop(reader);
    let wrapped = append(&signed, |reader, update| {
        update.put(sig_num, Body::Raw(sig_object.clone()));
        let (_, page) = page_one(reader);
        update.put(content_of(&page), Body::Stream(Dictionary::default(), b"BT /F1 18 Tf 72 720 Td (Wrapped) Tj ET".to_vec()));
    });
    let report = pki.verify(&wrapped);
    assert_caught(&report, "signature wrapping");
    assert_eq!(report.signatures[0].sub_indication, Some(SubIndication::FormatFailure), "{report:#?}");

    // A /ByteRange moved to uncover part of the content (the gap is no longer exactly the
    // /Contents string) is caught even when written in place.
    let text = String::from_utf8_lossy(&signed).into_owned();
    let at = text.find("/ByteRange[0 ").unwrap();
    let close = at + text[at..].find(']').unwrap();
    let numbers: Vec<u64> = text[at + 11..close].split_whitespace().map(|n| n.parse().unwrap()).collect();
    let moved = format!("[0 {} {} {}]", numbers[1] - 20, numbers[2], numbers[3]);
    let mut tampered = signed.clone();
    let slot = &mut tampered[at + 10..at + 10 + moved.len()];
    slot.copy_from_slice(moved.as_bytes());
    let report = pki.verify(&tampered);
    assert_caught(&report, "a moved /ByteRange");
}

/// A document prepared by an attacker before signing: page 1 draws an overlay form XObject,
/// and an unused content stream waits in the file.
fn shadow_document() -> (Vec<u8>, u32, u32) {
    let doc = pdf::sample::sample_document(&["Visible text"], 0);
    let mut overlay = 0;
    let mut hidden = 0;
    let prepared = append(&doc, |reader, update| {
        let (page, mut page_dict) = page_one(reader);
        overlay = update.allocate();
        update.put(
            overlay,
            Body::Stream(
                dict(&[
                    ("Type", name("XObject")),
                    ("Subtype", name("Form")),
                    ("BBox", Object::Array(vec![Object::Integer(0), Object::Integer(0), Object::Integer(612), Object::Integer(792)])),
                ]),
                b"1 1 1 rg 0 0 612 792 re f".to_vec(),
            ),
        );
        hidden = update.allocate();
        update.put(hidden, Body::Stream(Dictionary::default(), b"BT /F1 18 Tf 72 720 Td (Hidden replacement) Tj ET".to_vec()));
        let content = update.allocate();
        update.put(content, Body::Stream(Dictionary::default(), b"q /Cover Do Q".to_vec()));
        let old = page_dict.get(b"Contents").cloned().unwrap();
        page_dict.0.retain(|(k, _)| k != b"Contents" && k != b"Resources");
        page_dict.0.push((b"Contents".to_vec(), Object::Array(vec![old, reference(content)])));
        page_dict.0.push((b"Resources".to_vec(), Object::Dictionary(dict(&[("XObject", Object::Dictionary(dict(&[("Cover", reference(overlay))])))]))));
        update.put(page, Body::Object(Object::Dictionary(page_dict)));
    });
    (prepared, overlay, hidden)
}

#[test]
fn shadow_attacks_hide_replace_and_hide_and_replace() {
    let pki = Pki::new();
    let (doc, overlay, hidden) = shadow_document();
    let signed = pki.sign(&doc, "signer", &PdfSignOptions::new(now()));
    assert!(pki.verify(&signed).passed());

    // Hide: the overlay is emptied, uncovering what it hid.
    let hide = append(&signed, |_, update| {
        update.put(
            overlay,
            Body::Stream(dict(&[("Type", name("XObject")), ("Subtype", name("Form")), ("BBox", Object::Array(vec![Object::Integer(0); 4]))]), Vec::new()),
        );
    });
    let report = pki.verify(&hide);
    assert_caught(&report, "shadow hide");
    assert!(first_disallowed(&report, 0).contains(&format!("stream {overlay}")), "{report:#?}");

    // Replace: the page's resources now name another object for /Cover.
    let replace = append(&signed, |reader, update| {
        let (page, mut page_dict) = page_one(reader);
        page_dict.0.retain(|(k, _)| k != b"Resources");
        page_dict.0.push((b"Resources".to_vec(), Object::Dictionary(dict(&[("XObject", Object::Dictionary(dict(&[("Cover", reference(hidden))])))]))));
        update.put(page, Body::Object(Object::Dictionary(page_dict)));
    });
    let report = pki.verify(&replace);
    assert_caught(&report, "shadow replace");
    assert!(first_disallowed(&report, 0).contains("/Resources"), "{report:#?}");

    // Hide-and-replace: an update of nothing but a cross-reference section points the content
    // object's number at the hidden stream's bytes already inside the signed revision.
    let (content_num, hidden_offset) = {
        let mut reader = PdfReader::open(Cursor::new(signed.as_slice())).unwrap();
        let (_, page) = page_one(&mut reader);
        let first_content = match page.get(b"Contents") {
            Some(Object::Array(items)) => match items[0] {
                Object::Reference(n, _) => n,
                _ => unreachable!(),
            },
            _ => unreachable!(),
        };
        let pdf::XrefEntry::InFile { offset, .. } = reader.entry(hidden).unwrap() else { unreachable!() };
        (first_content, offset)
    };
    let prev = {
        let text = String::from_utf8_lossy(&signed);
        let at = text.rfind("startxref").unwrap();
        text[at + 9..].split_whitespace().next().unwrap().parse::<u64>().unwrap()
    };
    let mut xref_only = signed.clone();
    let xref_at = xref_only.len();
    let size = PdfReader::open(Cursor::new(&signed)).unwrap().size();
    xref_only.extend_from_slice(
        format!("xref\n{content_num} 1\n{hidden_offset:010} 00000 n\r\ntrailer\n<</Size {size}/Root 1 0 R/Prev {prev}>>\nstartxref\n{xref_at}\n%%EOF\n")
            .as_bytes(),
    );
    let report = pki.verify(&xref_only);
    assert_caught(&report, "shadow hide-and-replace");
}

/// DocMDP: P=1 forbids a later signature; P=2 allows form filling, as an approval signature
/// in an uncertified document does; P=3 allows annotations.
#[test]
fn docmdp_levels_govern_later_changes() {
    let pki = Pki::new();
    // A document with a text field.
    let doc = append(&pdf::sample::sample_document(&["Form"], 0), |reader, update| {
        let (page, mut page_dict) = page_one(reader);
        let (root, mut cat) = pdf::document::catalog(reader).unwrap();
        let field = update.allocate();
        update.put(
            field,
            Body::Object(Object::Dictionary(dict(&[
                ("Type", name("Annot")),
                ("Subtype", name("Widget")),
                ("FT", name("Tx")),
                ("T", Object::String(b"Amount".to_vec())),
                ("V", Object::String(b"100".to_vec())),
                ("Rect", Object::Array(vec![Object::Integer(72), Object::Integer(600), Object::Integer(300), Object::Integer(620)])),
                ("P", reference(page)),
            ]))),
        );
        page_dict.0.push((b"Annots".to_vec(), Object::Array(vec![reference(field)])));
        update.put(page, Body::Object(Object::Dictionary(page_dict)));
        cat.0.push((b"AcroForm".to_vec(), Object::Dictionary(dict(&[("Fields", Object::Array(vec![reference(field)]))]))));
        update.put(root, Body::Object(Object::Dictionary(cat)));
    });
    let fill = |signed: &[u8]| {
        append(signed, |reader, update| {
            let (_, cat) = pdf::document::catalog(reader).unwrap();
            let (_, num, mut field, _) = pdf::document::fields(reader, &cat).unwrap().into_iter().find(|f| f.0 == "Amount").unwrap();
            field.0.retain(|(k, _)| k != b"V");
            field.0.push((b"V".to_vec(), Object::String(b"999".to_vec())));
            update.put(num, Body::Object(Object::Dictionary(field)));
        })
    };
    let annotate = |signed: &[u8]| {
        append(signed, |reader, update| {
            let (page, mut page_dict) = page_one(reader);
            let note = update.allocate();
            update.put(
                note,
                Body::Object(Object::Dictionary(dict(&[
                    ("Type", name("Annot")),
                    ("Subtype", name("Text")),
                    ("Rect", Object::Array(vec![Object::Integer(0), Object::Integer(0), Object::Integer(20), Object::Integer(20)])),
                    ("Contents", Object::String(b"note".to_vec())),
                ]))),
            );
            let mut annots = page_dict.get(b"Annots").and_then(Object::as_array).unwrap().to_vec();
            annots.push(reference(note));
            page_dict.0.retain(|(k, _)| k != b"Annots");
            page_dict.0.push((b"Annots".to_vec(), Object::Array(annots)));
            update.put(page, Body::Object(Object::Dictionary(page_dict)));
        })
    };
    let certify = |level: DocMdp| {
        let mut options = PdfSignOptions::new(now());
        options.certify = Some(level);
        pki.sign(&doc, "signer", &options)
    };

    let p1 = certify(DocMdp::NoChanges);
    assert!(pki.verify(&p1).passed());
    let p1_then_signed = pki.sign(&p1, "signer2", &PdfSignOptions::new(now()));
    let report = pki.verify(&p1_then_signed);
    assert!(first_disallowed(&report, 0).contains("certification allows no signatures"), "{report:#?}");
    assert!(report.signatures[1].passed());

    let p2 = certify(DocMdp::FormFilling);
    let report = pki.verify(&fill(&p2));
    assert!(report.passed(), "{report:#?}");
    assert_eq!(report.signatures[0].later_changes, LaterChanges::Allowed);
    assert!(first_disallowed(&pki.verify(&annotate(&p2)), 0).contains("annotation"));

    let p3 = certify(DocMdp::Annotations);
    assert!(pki.verify(&annotate(&p3)).passed());

    // An approval signature in a document that is not certified allows form filling, as
    // Acrobat and pyHanko do, but not annotations.
    let approval = pki.sign(&doc, "signer", &PdfSignOptions::new(now()));
    let report = pki.verify(&fill(&approval));
    assert!(report.passed(), "{report:#?}");
    assert!(report.signatures[0].changes.iter().flat_map(|c| c.changes.iter()).any(|c| c.allowed && c.what.contains("form field Amount filled in")));
    assert!(!pki.verify(&annotate(&approval)).passed());
    // A certification must be the first signature.
    let mut options = PdfSignOptions::new(now());
    options.certify = Some(DocMdp::FormFilling);
    let mut out = Cursor::new(Vec::new());
    assert!(pdf::sign(&mut Cursor::new(&approval), &mut out, &mut pki.signer("signer2"), &options, None).is_err());
}

/// A second signature made with Ed448 (not implemented here) is INDETERMINATE with the
/// maths unknown; the first signature and the change analysis are still judged. One made with
/// Ed25519 (RFC 8419) verifies.
#[test]
fn an_unimplemented_algorithm_is_indeterminate_not_failed() {
    for (algorithm, implemented) in [("ed448", false), ("ed25519", true)] {
        second_signature_with(algorithm, implemented);
    }
}

fn second_signature_with(algorithm: &str, implemented: bool) {
    let pki = Pki::new();
    let d = pki.dir.path();
    assert!(openssl(d, &["genpkey", "-algorithm", algorithm, "-out", "ed.key"]));
    assert!(openssl(d, &["req", "-new", "-key", "ed.key", "-subj", "/CN=ed25519 signer", "-out", "ed.csr"]));
    assert!(openssl(
        d,
        &["x509", "-req", "-in", "ed.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-days", "30", "-extfile", "signer.ext", "-out", "ed.pem"]
    ));
    let doc = pdf::sample::sample_document(&["Two algorithms"], 0);
    let first = pki.sign(&doc, "signer", &PdfSignOptions::new(now()));
    std::fs::write(d.join("first.pdf"), &first).unwrap();
    // OpenSSL 3.0 cannot make Ed25519 CMS; pyHanko can.
    let out = std::process::Command::new(common::pyhanko())
        .current_dir(d)
        .args(["sign", "addsig", "--field", "Ed", "pemder", "--key", "ed.key", "--cert", "ed.pem", "--chain", "ca.pem", "--no-pass", "first.pdf", "both.pdf"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let both = std::fs::read(d.join("both.pdf")).unwrap();
    let report = pki.verify(&both);
    assert!(report.signatures[0].passed(), "{report:#?}");
    assert_eq!(report.signatures[0].later_changes, LaterChanges::Allowed);
    let second = &report.signatures[1];
    if implemented {
        assert_eq!(second.signature_valid, Some(true), "{second:#?}");
        assert!(report.passed(), "{report:#?}");
    } else {
        assert!(!report.passed());
        assert_eq!(second.indication, Indication::Indeterminate, "{second:#?}");
        assert_eq!(second.signature_valid, None);
    }
}

/// Bypasses found in review, each written as a file: metadata roles taken over, a visible or
/// unsigned signature widget, the form swapped, a dangling reference filled in, a dictionary
/// with a key twice, content reached through the DSS.
#[test]
fn review_bypasses_are_caught() {
    let pki = Pki::new();
    let doc = pdf::sample::sample_document(&["Reviewed"], 0);
    let signed = pki.sign(&doc, "signer", &PdfSignOptions::new(now()));
    let content = {
        let mut r = PdfReader::open(Cursor::new(signed.as_slice())).unwrap();
        content_of(&page_one(&mut r).1)
    };
    let evil = || Body::Stream(Dictionary::default(), b"BT /F1 18 Tf 72 720 Td (Evil) Tj ET".to_vec());

    // The content stream declared the document information dictionary.
    let info = append(&signed, |_, update| {
        update.put(content, evil());
        update.set_trailer(b"Info", reference(content));
    });
    assert!(first_disallowed(&pki.verify(&info), 0).contains(&format!("stream {content}")));

    // A later signature widget made visible over the whole page: a cover, not a stamp.
    let visible = {
        let mut options = PdfSignOptions::new(now());
        options.field = Some("Overlay".into());
        let twice = pki.sign(&signed, "signer2", &options);
        append(&twice, |reader, update| {
            let (_, cat) = pdf::document::catalog(reader).unwrap();
            let (_, num, mut widget, _) = pdf::document::fields(reader, &cat).unwrap().into_iter().find(|f| f.0 == "Overlay").unwrap();
            widget.0.retain(|(k, _)| k != b"Rect");
            widget.0.push((b"Rect".to_vec(), Object::Array(vec![Object::Integer(0), Object::Integer(0), Object::Integer(612), Object::Integer(792)])));
            update.put(num, Body::Object(Object::Dictionary(widget)));
        })
    };
    let report = pki.verify(&visible);
    assert!(!report.signatures[0].passed(), "{report:#?}");

    // An unsigned signature field added with an appearance.
    let unsigned = append(&signed, |reader, update| {
        let (page, mut page_dict) = page_one(reader);
        let field = update.allocate();
        update.put(
            field,
            Body::Object(Object::Dictionary(dict(&[
                ("Type", name("Annot")),
                ("Subtype", name("Widget")),
                ("FT", name("Sig")),
                ("T", Object::String(b"Empty".to_vec())),
                ("Rect", Object::Array(vec![Object::Integer(0), Object::Integer(0), Object::Integer(612), Object::Integer(792)])),
                ("P", reference(page)),
            ]))),
        );
        let mut annots = page_dict.get(b"Annots").and_then(Object::as_array).unwrap().to_vec();
        annots.push(reference(field));
        page_dict.0.retain(|(k, _)| k != b"Annots");
        page_dict.0.push((b"Annots".to_vec(), Object::Array(annots)));
        update.put(page, Body::Object(Object::Dictionary(page_dict)));
    });
    assert_caught(&pki.verify(&unsigned), "an unsigned signature widget");

    // The form swapped for one without the signature.
    let swapped = append(&signed, |reader, update| {
        let (root, mut cat) = pdf::document::catalog(reader).unwrap();
        let form = update.allocate();
        update.put(form, Body::Object(Object::Dictionary(dict(&[("Fields", Object::Array(vec![])), ("SigFlags", Object::Integer(3))]))));
        cat.0.retain(|(k, _)| k != b"AcroForm");
        cat.0.push((b"AcroForm".to_vec(), reference(form)));
        update.put(root, Body::Object(Object::Dictionary(cat)));
        update.put(content, evil());
    });
    let report = pki.verify(&swapped);
    assert!(!report.passed(), "{report:#?}");

    // A dangling reference in the signed page, filled in later (also disguised as an object
    // stream).
    let dangling_doc = append(&doc, |reader, update| {
        let (page, mut page_dict) = page_one(reader);
        let old = page_dict.get(b"Contents").cloned().unwrap();
        page_dict.0.retain(|(k, _)| k != b"Contents");
        page_dict.0.push((b"Contents".to_vec(), Object::Array(vec![old, reference(90)])));
        update.put(page, Body::Object(Object::Dictionary(page_dict)));
    });
    let dangling_signed = pki.sign(&dangling_doc, "signer", &PdfSignOptions::new(now()));
    assert!(pki.verify(&dangling_signed).passed());
    for disguise in [Dictionary::default(), dict(&[("Type", name("ObjStm")), ("N", Object::Integer(0)), ("First", Object::Integer(0))])] {
        let filled = append(&dangling_signed, |_, update| update.put(90, Body::Stream(disguise.clone(), b"BT /F1 18 Tf 72 700 Td (Added) Tj ET".to_vec())));
        let report = pki.verify(&filled);
        assert_caught(&report, "a dangling reference filled in");
    }

    // A page dictionary with /Contents twice: once the signed stream and once another one
    // (readers disagree which counts) is caught; the signed stream twice says one thing to
    // every reader and is no change.
    let contents_twice = |second: Option<Body>| {
        append(&signed, |reader, update| {
            let (page, page_dict) = page_one(reader);
            let target = match second {
                Some(body) => {
                    let other = update.allocate();
                    update.put(other, body);
                    other
                }
                None => content,
            };
            let mut raw = Vec::new();
            pdf::write::write_dictionary(&mut raw, &page_dict);
            raw.truncate(raw.len() - 2);
            raw.extend_from_slice(format!("/Contents {target} 0 R>>").as_bytes());
            update.put(page, Body::Raw(raw));
        })
    };
    assert_caught(&pki.verify(&contents_twice(Some(evil()))), "a duplicated key");
    assert!(pki.verify(&contents_twice(None)).passed());

    // A page content stream the original also named as the catalog's XMP metadata.
    let xmp_doc = append(&doc, |reader, update| {
        let (root, mut cat) = pdf::document::catalog(reader).unwrap();
        let (_, page) = page_one(reader);
        let c = content_of(&page);
        update.put(c, Body::Stream(dict(&[("Type", name("Metadata")), ("Subtype", name("XML"))]), b"BT /F1 18 Tf 72 720 Td (Reviewed) Tj ET".to_vec()));
        cat.0.push((b"Metadata".to_vec(), reference(c)));
        update.put(root, Body::Object(Object::Dictionary(cat)));
    });
    let xmp_signed = pki.sign(&xmp_doc, "signer", &PdfSignOptions::new(now()));
    let through_xmp = append(&xmp_signed, |_, update| {
        update.put(content, Body::Stream(dict(&[("Type", name("Metadata")), ("Subtype", name("XML"))]), b"BT /F1 18 Tf 72 720 Td (Evil) Tj ET".to_vec()));
    });
    assert_caught(&pki.verify(&through_xmp), "content changed as XMP metadata");

    // Content listed in a DSS the original document carried, changed after signing.
    let dss_doc = append(&doc, |reader, update| {
        let (root, mut cat) = pdf::document::catalog(reader).unwrap();
        let (_, page) = page_one(reader);
        cat.0.push((b"DSS".to_vec(), Object::Dictionary(dict(&[("Certs", Object::Array(vec![reference(content_of(&page))]))]))));
        update.put(root, Body::Object(Object::Dictionary(cat)));
    });
    let dss_signed = pki.sign(&dss_doc, "signer", &PdfSignOptions::new(now()));
    let through_dss = append(&dss_signed, |_, update| update.put(content, evil()));
    assert_caught(&pki.verify(&through_dss), "content changed through the DSS");
}

/// A cross-reference section hidden inside a string of the signed document, which a later
/// section's /Prev points at, skipping the signer's own section: the object it redefines is
/// never listed after the signature, so only the check that the chain up to the signature is
/// the one the signer saw can catch it.
#[test]
fn a_hidden_cross_reference_section_is_caught() {
    let pki = Pki::new();
    let doc = pdf::sample::sample_document(&["Hidden section"], 0);
    let (content, x0) = {
        let mut r = PdfReader::open(Cursor::new(doc.as_slice())).unwrap();
        (content_of(&page_one(&mut r).1), r.revisions()[0].xref_offset)
    };
    let size = PdfReader::open(Cursor::new(doc.as_slice())).unwrap().size();
    let fake = format!("xref\n{content} 1\n0000000009 00000 n\r\ntrailer\n<</Size {size}/Root 1 0 R/Prev {x0}>>\n");
    let prepared = append(&doc, |reader, update| {
        let (page, page_dict) = page_one(reader);
        let mut raw = Vec::new();
        pdf::write::write_dictionary(&mut raw, &page_dict);
        raw.truncate(raw.len() - 2);
        raw.extend_from_slice(format!("/J ({fake})>>").as_bytes());
        update.put(page, Body::Raw(raw));
    });
    let signed = pki.sign(&prepared, "signer", &PdfSignOptions::new(now()));
    assert!(pki.verify(&signed).passed());
    let hidden_at = signed.windows(fake.len()).position(|w| w == fake.as_bytes()).unwrap();
    let reader = PdfReader::open(Cursor::new(signed.as_slice())).unwrap();
    let mut section = String::from("xref\n");
    for n in 1..reader.size() {
        if n == content {
            continue;
        }
        if let Some(pdf::XrefEntry::InFile { offset, .. }) = reader.entry(n) {
            section.push_str(&format!("{n} 1\n{offset:010} 00000 n\r\n"));
        }
    }
    let mut attacked = signed.clone();
    let x3 = attacked.len();
    attacked.extend_from_slice(format!("{section}trailer\n<</Size {}/Root 1 0 R/Prev {hidden_at}>>\nstartxref\n{x3}\n%%EOF\n", reader.size()).as_bytes());
    let report = pki.verify(&attacked);
    assert_caught(&report, "a hidden cross-reference section");
    // Skipping the signer's section leaves the signature ending nowhere in the chain.
    assert_eq!(report.signatures[0].sub_indication, Some(SubIndication::FormatFailure), "{report:#?}");
}
