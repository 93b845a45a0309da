// The mobile-id bindings from Swift: compiled and run where swiftc exists (macOS, Linux with a
// Swift toolchain); the same scenarios as Kotlin and Python.
import Foundation
import MobileId

final class SimChannel: ApduChannel {
    let sim: VirtualSimCard
    init(_ sim: VirtualSimCard) { self.sim = sim }
    func transmit(command: Data) throws -> Data { try sim.transmit(command: command) }
}

let sim = try VirtualSimCard.newInMemory(p384: false)
let session = try SimSession(channel: SimChannel(sim), applet: .projectSimP256, logicalChannel: 0, appletSelectedByHost: false)
let verifier = try Verifier(anchors: [try sim.caCertificate()])
precondition(try session.pinState(pin: .pin1).retriesLeft == 3)
do {
    try session.verifyPin(pin: .pin1, value: "0000")
    fatalError("a wrong PIN was accepted")
} catch MobileIdError.PinIncorrect(let left) {
    precondition(left == 2)
}
let doc = Data("a contract".utf8)
let signer = Signer.forSim(session: session, key: .signing, pin: "12345")
let cms = try signer.signCms(content: doc, attached: false)
precondition(try verifier.verifyCms(signature: cms, content: doc, time: nil).passed)
let portal = LoginPortal(verifier: verifier)
let challenge = try portal.issueChallenge()
let answer = try answerLogin(session: session, pin1: "1234", challenge: challenge.hash)
let who = try portal.validate(challengeId: challenge.id, signature: answer.signature, certificate: answer.certificate)
precondition(who.givenName == "AYSEL")
// A PDF signed on the SIM and verified; a changed byte breaks it.
let original = samplePdf(lines: ["A contract signed from Swift"])
let signedPdf = try signer.signPdf(pdf: original, options: PdfSigningOptions(field: "Citizen", reason: "Agreed"), timestamper: nil)
let pdfVerdict = try verifier.verifyPdf(pdf: signedPdf, time: nil)
precondition(pdfVerdict.passed && pdfVerdict.signatures[0].coverage == .wholeFile && pdfVerdict.signatures[0].indication == .totalPassed)
var tampered = signedPdf
if let at = tampered.range(of: Data("Swift".utf8)) { tampered[at.lowerBound] = UInt8(ascii: "J") }
precondition(!(try verifier.verifyPdf(pdf: tampered, time: nil).passed))
// A PDF session resumed from bytes.
let dir = FileManager.default.temporaryDirectory
let input = dir.appendingPathComponent("mobile-id-in.pdf")
try original.write(to: input)
let out = dir.appendingPathComponent("mobile-id-resumed.pdf").path
let state = try PdfSigningSession.prepare(inputPath: input.path, outputPath: out, certificate: try signer.certificate(), chain: [], options: PdfSigningOptions()).toBytes()
let resumed = try PdfSigningSession.resume(state: state, outputPath: out)
try resumed.finish(signature: try signer.signDigest(digest: resumed.digest()), timestamper: nil)
precondition(try verifier.verifyPdfFile(path: out, time: nil).passed)
print("swift: 6 passed, 0 failed")
