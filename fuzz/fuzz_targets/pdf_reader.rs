//! The PDF reader on arbitrary bytes: open, then resolve every object the cross-reference
//! names and decode every stream. Never a panic, never unbounded work. Besides the raw input,
//! the input is also framed as `%PDF-1.7` + input + `startxref 9`, so the fuzzer starts inside a
//! cross-reference section.
#![no_main]

use std::io::Cursor;

use libfuzzer_sys::fuzz_target;
use mobile_id::pdf::{Object, PdfReader};

fn exercise(bytes: Vec<u8>) {
    let Ok(mut reader) = PdfReader::open(Cursor::new(bytes)) else { return };
    for num in 0..reader.size().min(2_000) {
        if let Ok(Object::Stream(dict, stream)) = reader.object(num) {
            let _ = reader.decode_stream(&dict, &stream);
        }
    }
}

fuzz_target!(|data: &[u8]| {
    exercise(data.to_vec());
    let mut framed = b"%PDF-1.7\n".to_vec();
    framed.extend_from_slice(data);
    framed.extend_from_slice(b"\nstartxref\n9\n%%EOF\n");
    exercise(framed);
});
