//! Response APDUs, command APDUs and BER-TLV from arbitrary bytes: never a panic; what parses
//! re-encodes to the same bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mobile_id::apdu::{CommandApdu, ResponseApdu, TlvReader};

fuzz_target!(|data: &[u8]| {
    if let Ok(response) = ResponseApdu::parse(data) {
        assert_eq!(response.to_bytes(), data);
        let _ = response.sw.meaning();
    }
    if let Ok(command) = CommandApdu::parse(data) {
        let again = command.to_bytes().expect("a parsed command encodes");
        assert_eq!(CommandApdu::parse(&again).expect("and parses again"), command);
    }
    for tlv in TlvReader::new(data) {
        let Ok(tlv) = tlv else { break };
        if tlv.is_constructed() {
            for inner in TlvReader::new(tlv.value) {
                if inner.is_err() {
                    break;
                }
            }
        }
    }
    let _ = TlvReader::find_path(data, &[0x70, 0xBF8101, 0xA0, 0x9B]);
    let _ = TlvReader::find_path(data, &[0x62, 0x80]);
});
