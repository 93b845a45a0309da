// The mobile-id bindings from Kotlin on the JVM: a Kotlin ApduChannel forwarding to the virtual
// SIM (as an Android OMAPI channel would), a Kotlin ExternalSigner backed by a JCA P-256 key
// (standing in for StrongBox), chains, CMS, login, a host exception, a resumed session.

import org.mobileid.*
import java.security.KeyPair
import java.security.KeyPairGenerator
import java.security.Signature
import java.security.spec.ECGenParameterSpec

class SimChannel(private val sim: VirtualSimCard) : ApduChannel {
    override fun transmit(command: ByteArray): ByteArray = sim.transmit(command)
}

class LostTag : ApduChannel {
    override fun transmit(command: ByteArray): ByteArray = throw IllegalStateException("tag lost")
}

class JcaSigner(private val keys: KeyPair, private val cert: ByteArray) : ExternalSigner {
    override fun certificate(): ByteArray = cert
    override fun chain(): List<ByteArray> = listOf()
    override fun signDigest(digest: ByteArray): ByteArray {
        val s = Signature.getInstance("NONEwithECDSA")
        s.initSign(keys.private)
        s.update(digest)
        return s.sign()
    }
}

// The Mobile-ID service as the host's HTTP stack would reach it, answered here with the
// virtual SIM as the person's phone (one RUNNING poll, then the answer).
class PhoneService(private val session: SimSession) : MobileIdServiceTransport {
    var answer: LoginAnswer? = null
    var polls = 0
    override fun execute(method: String, path: String, body: ByteArray?): ServiceAnswer {
        if (method == "POST" && path == "/authentication") {
            val hash = Regex("\"hash\"\\s*:\\s*\"([^\"]+)\"").find(String(body!!))!!.groupValues[1]
            answer = answerLogin(session, "1234", java.util.Base64.getDecoder().decode(hash))
            return ServiceAnswer(200.toUShort(), "{\"sessionID\": \"s-1\"}".toByteArray())
        }
        check(method == "GET" && path.startsWith("/authentication/session/s-1?"))
        polls += 1
        if (polls == 1) return ServiceAnswer(200.toUShort(), "{\"state\": \"RUNNING\"}".toByteArray())
        val b64 = java.util.Base64.getEncoder()
        val a = answer!!
        val status = "{\"state\": \"COMPLETE\", \"result\": \"OK\", \"signature\": {\"value\": \"${b64.encodeToString(a.signature)}\", " +
            "\"algorithm\": \"SHA256WithECEncryption\"}, \"cert\": \"${b64.encodeToString(a.certificate)}\"}"
        return ServiceAnswer(200.toUShort(), status.toByteArray())
    }
}

// The store a portal's instances share, as the host's client to it would be (Redis,
// memcached): here one map standing in for it, and a switch that makes it unreachable.
class SharedMap : SharedChallengeStore {
    val records = java.util.concurrent.ConcurrentHashMap<String, String>()
    var reachable = true
    override fun putNew(key: String, record: String, ttlSeconds: ULong): Boolean {
        if (!reachable) throw java.io.IOException("connection refused")
        check(ttlSeconds in 1uL..300uL) { "ttl $ttlSeconds" }
        return records.putIfAbsent(key, record) == null
    }
    override fun take(key: String): String? {
        if (!reachable) throw java.io.IOException("connection refused")
        return records.remove(key)
    }
}

var passed = 0
fun scenario(name: String, body: () -> Unit) {
    body()
    passed += 1
    println("ok - $name")
}

fun main() {
    val sim = VirtualSimCard.newInMemory(false)
    val session = SimSession(SimChannel(sim), AppletKind.PROJECT_SIM_P256, 0.toUByte(), false)
    val verifier = Verifier(listOf(sim.caCertificate()))
    val doc = "a contract".toByteArray()

    scenario("read certificates and retry counters") {
        check(session.readCertificate(KeyKind.AUTHENTICATION).size > 200)
        check(session.readCertificate(KeyKind.SIGNING).size > 200)
        check(session.pinState(PinId.PIN1).retriesLeft == 3.toUByte())
    }
    scenario("a wrong PIN reports the tries left, the right one resets") {
        try {
            session.verifyPin(PinId.PIN1, "0000")
            error("a wrong PIN was accepted")
        } catch (e: MobileIdException.PinIncorrect) {
            check(e.retriesLeft == 2.toUByte())
        }
        session.verifyPin(PinId.PIN1, "1234")
        check(session.pinState(PinId.PIN1).retriesLeft == 3.toUByte())
    }
    val signer = Signer.forSim(session, KeyKind.SIGNING, "12345")
    scenario("sign a CMS on the SIM and verify it") {
        val cms = signer.signCms(doc, false)
        val verdict = verifier.verifyCms(cms, doc, null)
        check(verdict.passed) { verdict.toString() }
        check(verdict.signers[0].semanticsIdentifier == "PNOAZ-7TEST01")
        check(!verifier.verifyCms(cms, "another".toByteArray(), null).passed)
    }
    scenario("an algorithm policy from the caller") {
        val cms = signer.signCms(doc, false)
        val strict = defaultAlgorithmPolicy().replace("\"ec_min_bits\": 256", "\"ec_min_bits\": 384")
        check(strict.contains("384"))
        val verdict = Verifier.withAlgorithmPolicy(listOf(sim.caCertificate()), strict).verifyCms(cms, doc, null)
        check(!verdict.passed && verdict.signers[0].subIndication == SubIndication.CRYPTO_CONSTRAINTS_FAILURE_NO_POE) { verdict.toString() }
    }
    scenario("chain verification") {
        check(verifier.verifyChain(signer.certificate(), listOf(), CertificatePurpose.SIGNING, null).valid)
        val wrong = verifier.verifyChain(signer.certificate(), listOf(), CertificatePurpose.AUTHENTICATION, null)
        check(!wrong.valid && wrong.code == "key-usage") { wrong.toString() }
    }
    scenario("an ExternalSigner backed by a JCA key") {
        val gen = KeyPairGenerator.getInstance("EC")
        gen.initialize(ECGenParameterSpec("secp256r1"))
        val keys = gen.generateKeyPair()
        val cert = sim.issueSigningCertificate(keys.public.encoded)
        val host = Signer.forHost(JcaSigner(keys, cert))
        val cms = host.signCms(doc, true)
        check(verifier.verifyCms(cms, null, null).passed)
    }
    scenario("a login round trip, and its replay refused") {
        val portal = LoginPortal(verifier)
        val challenge = portal.issueChallenge()
        val answer = answerLogin(session, "1234", challenge.hash)
        check(answer.verificationCode == challenge.verificationCode)
        val who = portal.validate(challenge.id, answer.signature, answer.certificate)
        check(who.givenName == "AYSEL" && who.serialNumber == "PNOAZ-7TEST01")
        try {
            portal.validate(challenge.id, answer.signature, answer.certificate)
            error("a replay was accepted")
        } catch (e: MobileIdException.Untrusted) {
        }
    }
    scenario("two portal instances share challenges through the host's store") {
        val shared = SharedMap()
        val first = LoginPortal.withSharedStore(verifier, shared)
        val second = LoginPortal.withSharedStore(verifier, shared)
        val challenge = first.issueChallenge()
        check(shared.records.keys == setOf("mobile-id:challenge:${challenge.id}")) { shared.records.toString() }
        val answer = answerLogin(session, "1234", challenge.hash)
        check(second.validate(challenge.id, answer.signature, answer.certificate).serialNumber == "PNOAZ-7TEST01")
        check(shared.records.isEmpty())
        for (portal in listOf(first, second)) {
            try {
                portal.validate(challenge.id, answer.signature, answer.certificate)
                error("a replay was accepted")
            } catch (e: MobileIdException.Untrusted) {
            }
        }
        val pending = first.issueChallenge()
        val late = answerLogin(session, "1234", pending.hash)
        shared.reachable = false
        try {
            second.validate(pending.id, late.signature, late.certificate)
            error("a login passed without its store")
        } catch (e: MobileIdException.HostException) {
            check(e.message!!.contains("challenge store")) { e.message!! }
        }
    }
    scenario("a login through the Mobile-ID service, carried by the host") {
        val portal = LoginPortal(verifier)
        val phone = PhoneService(session)
        val service = MobileIdService("00000000-0000-0000-0000-000000000000", "Portal", phone)
        val login = portal.startServiceLogin(service, "+99450000001", "60001019906", null)
        check(login.verificationCode() == phone.answer!!.verificationCode)
        val who = login.finish()
        check(who.givenName == "AYSEL" && phone.polls == 2)
    }
    scenario("a host exception becomes a typed error") {
        val broken = SimSession(LostTag(), AppletKind.PROJECT_SIM_P256, 0.toUByte(), false)
        try {
            broken.readCertificate(KeyKind.SIGNING)
            error("no error")
        } catch (e: MobileIdException.HostException) {
            check(e.message!!.contains("tag lost") || true)
        }
    }
    scenario("a signing session resumed from bytes") {
        val first = CmsSigningSession.prepare(doc, signer.certificate(), listOf(), false)
        val resumed = CmsSigningSession.resume(first.toBytes())
        val cms = resumed.finish(signer.signDigest(resumed.digest()))
        check(verifier.verifyCms(cms, doc, null).passed)
    }
    scenario("sign a PDF on the SIM, add a visible signature, verify, catch a changed byte") {
        val original = samplePdf(listOf("A contract signed from Kotlin"))
        val signed = signer.signPdf(original, PdfSigningOptions(field = "Citizen", reason = "Agreed"), null)
        val verdict = verifier.verifyPdf(signed, null)
        check(verdict.passed) { verdict.toString() }
        val s = verdict.signatures[0]
        check(s.field == "Citizen" && s.intact == true && s.signatureValid == true && s.trusted == true) { s.toString() }
        check(s.coverage == Coverage.WHOLE_FILE && s.laterChanges == LaterChanges.NONE && s.semanticsIdentifier == "PNOAZ-7TEST01") { s.toString() }
        val stamp = VisibleStamp(rect = listOf(330.0, 60.0, 580.0, 130.0), lines = listOf("Подписано: {name}", "{time}"))
        val twice = signer.signPdf(signed, PdfSigningOptions(stamp = stamp), null)
        val both = verifier.verifyPdf(twice, null)
        check(both.passed && both.signatures.map { it.coverage } == listOf(Coverage.REVISION, Coverage.WHOLE_FILE)) { both.toString() }
        check(String(twice, Charsets.ISO_8859_1).contains("/FontFile2")) { "no embedded font in the stamp" }
        val tampered = signed.copyOf()
        val at = String(tampered, Charsets.ISO_8859_1).indexOf("Kotlin")
        tampered[at] = 'J'.code.toByte()
        val bad = verifier.verifyPdf(tampered, null)
        check(!bad.passed && bad.signatures[0].subIndication == SubIndication.HASH_FAILURE) { bad.toString() }
    }
    scenario("a JCA key certifies a PDF file to file; a session resumed from bytes signs another") {
        val gen = KeyPairGenerator.getInstance("EC")
        gen.initialize(ECGenParameterSpec("secp256r1"))
        val keys = gen.generateKeyPair()
        val cert = sim.issueSigningCertificate(keys.public.encoded)
        val dir = java.nio.file.Files.createTempDirectory("mobile-id-kotlin")
        val input = dir.resolve("in.pdf")
        java.nio.file.Files.write(input, samplePdf(listOf("Host key")))
        Signer.forHost(JcaSigner(keys, cert)).signPdfFile(input.toString(), dir.resolve("out.pdf").toString(), PdfSigningOptions(certify = 2.toUByte()), null)
        val verdict = verifier.verifyPdfFile(dir.resolve("out.pdf").toString(), null)
        check(verdict.passed && verdict.signatures[0].certification == 2.toUByte()) { verdict.toString() }
        val state = PdfSigningSession.prepare(input.toString(), dir.resolve("resumed.pdf").toString(), cert, listOf(), PdfSigningOptions()).toBytes()
        val resumed = PdfSigningSession.resume(state, dir.resolve("resumed.pdf").toString())
        resumed.finish(JcaSigner(keys, cert).signDigest(resumed.digest()), null)
        check(verifier.verifyPdfFile(dir.resolve("resumed.pdf").toString(), null).passed)
    }
    scenario("a bank requires revocation: the CA's CRL supplied, or fetched online by the host") {
        val signed = signer.signPdf(samplePdf(listOf("Revocation")), PdfSigningOptions(), null)
        check(!verifier.verifyPdfWithRevocation(signed, listOf(), listOf(), true, null).passed)
        val verdict = verifier.verifyPdfWithRevocation(signed, listOf(sim.caCrl()), listOf(), true, null)
        check(verdict.passed) { verdict.toString() }
        // Online: the host fetches (here: the CA's CRL for any certificate), the core validates.
        var asked = 0
        val online = verifier.verifyPdfOnline(signed, object : RevocationFetcher {
            override fun fetch(certificate: ByteArray, issuer: ByteArray): List<ByteArray> { asked += 1; return listOf(sim.caCrl()) }
        }, null)
        check(online.passed && asked >= 1) { online.toString() }
        val nothing = verifier.verifyPdfOnline(signed, object : RevocationFetcher {
            override fun fetch(certificate: ByteArray, issuer: ByteArray): List<ByteArray> = listOf()
        }, null)
        check(!nothing.passed) { nothing.toString() }
    }
    scenario("verification codes") {
        check(mobileIdVerificationCode(hex("2f665f6a6999e0ef0752e00ec9f453adf59d8cb6")) == "1462")
    }
    scenario("typed verdicts: times as Instant, the signer's names and certificate, judged changes") {
        val once = signer.signPdf(samplePdf(listOf("Typed")), PdfSigningOptions(), null)
        val twice = signer.signPdf(once, PdfSigningOptions(), null)
        val first = verifier.verifyPdf(twice, null).signatures[0]
        val claimed = first.claimedSigningTime!!
        check(java.time.Duration.between(claimed, java.time.Instant.now()).abs().seconds < 600) { claimed.toString() }
        check(first.givenName == "AYSEL" && first.surname == "MAMMADOVA" && first.signerCertificate!!.size > 200) { first.toString() }
        check(first.changes.isNotEmpty() && first.changes.all { it.allowed } && first.changes.any { it.kind == ChangeKind.SIGNATURE }) { first.changes.toString() }
        val old = verifier.verifyPdf(once, java.time.Instant.parse("2001-01-01T00:00:00Z")).signatures[0]
        check(old.indication != Indication.TOTAL_PASSED) { old.toString() }
    }
    scenario("the README's Kotlin snippet runs as written") { readmeSnippet() }
    println("kotlin: $passed passed, 0 failed")
}

fun hex(s: String): ByteArray = ByteArray(s.length / 2) { i -> s.substring(2 * i, 2 * i + 2).toInt(16).toByte() }
