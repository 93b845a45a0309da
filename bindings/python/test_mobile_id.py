"""The mobile-id bindings from Python (pytest): the same scenarios as Kotlin, with an
ExternalSigner backed by the `cryptography` package, and a memory check across the boundary."""

import base64
import datetime
import json
import pathlib
import resource
import socket
import subprocess
import time

import pytest
import redis
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, utils
from cryptography import x509

import mobile_id as m


class SimChannel(m.ApduChannel):
    def __init__(self, sim):
        self.sim = sim

    def transmit(self, command):
        return self.sim.transmit(command)


class LostTag(m.ApduChannel):
    def transmit(self, command):
        raise RuntimeError("tag lost")


class CryptographySigner(m.ExternalSigner):
    def __init__(self, key, cert):
        self.key, self.cert = key, cert

    def certificate(self):
        return self.cert

    def chain(self):
        return []

    def sign_digest(self, digest):
        return self.key.sign(digest, ec.ECDSA(utils.Prehashed(hashes.SHA256())))


@pytest.fixture(scope="module")
def sim():
    return m.VirtualSimCard.new_in_memory(False)


@pytest.fixture(scope="module")
def session(sim):
    return m.SimSession(SimChannel(sim), m.AppletKind.PROJECT_SIM_P256, 0, False)


@pytest.fixture(scope="module")
def verifier(sim):
    return m.Verifier([sim.ca_certificate()])


DOC = b"a contract"


def test_certificates_and_counters(session):
    assert len(session.read_certificate(m.KeyKind.AUTHENTICATION)) > 200
    assert session.pin_state(m.PinId.PUK).retries_left == 10


def test_wrong_then_right_pin(session):
    with pytest.raises(m.MobileIdError.PinIncorrect) as wrong:
        session.verify_pin(m.PinId.PIN2, "99999")
    assert wrong.value.retries_left == 2
    session.verify_pin(m.PinId.PIN2, "12345")
    assert session.pin_state(m.PinId.PIN2).retries_left == 3


def test_a_malformed_pin_costs_no_try(session):
    with pytest.raises(m.MobileIdError.PinFormat):
        session.verify_pin(m.PinId.PIN1, "12")
    assert session.pin_state(m.PinId.PIN1).retries_left == 3


def test_cms_on_the_sim(session, verifier):
    signer = m.Signer.for_sim(session, m.KeyKind.SIGNING, "12345")
    cms = signer.sign_cms(DOC, False)
    verdict = verifier.verify_cms(cms, DOC, None)
    assert verdict.passed, verdict
    assert verdict.signers[0].given_name == "AYSEL"
    bad = verifier.verify_cms(cms, b"changed", None)
    assert not bad.passed and bad.signers[0].sub_indication == m.SubIndication.HASH_FAILURE


def test_an_algorithm_policy_from_the_caller(session, sim):
    signer = m.Signer.for_sim(session, m.KeyKind.SIGNING, "12345")
    cms = signer.sign_cms(DOC, False)
    policy = json.loads(m.default_algorithm_policy())
    policy["ec_min_bits"] = 384
    strict = m.Verifier.with_algorithm_policy([sim.ca_certificate()], json.dumps(policy))
    verdict = strict.verify_cms(cms, DOC, None)
    assert not verdict.passed and verdict.signers[0].sub_indication == m.SubIndication.CRYPTO_CONSTRAINTS_FAILURE_NO_POE, verdict
    with pytest.raises(m.MobileIdError.InvalidInput):
        m.Verifier.with_algorithm_policy([sim.ca_certificate()], '{"digests": {"sha9": null}}')


def test_chain(session, verifier):
    cert = session.read_certificate(m.KeyKind.AUTHENTICATION)
    assert verifier.verify_chain(cert, [], m.CertificatePurpose.AUTHENTICATION, None).valid
    assert verifier.verify_chain(cert, [], m.CertificatePurpose.SIGNING, None).code == "key-usage"
    # PEM works like DER; bytes that are no certificate are a verdict, not an exception.
    pem = x509.load_der_x509_certificate(cert).public_bytes(serialization.Encoding.PEM)
    assert verifier.verify_chain(pem, [], m.CertificatePurpose.AUTHENTICATION, None).valid
    broken = verifier.verify_chain(b"\x30\x03\x02\x01\x00", [], m.CertificatePurpose.ANY, None)
    assert not broken.valid and broken.code == "malformed"


def test_external_signer(sim, verifier):
    key = ec.generate_private_key(ec.SECP256R1())
    spki = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    cert = sim.issue_signing_certificate(spki)
    signer = m.Signer.for_host(CryptographySigner(key, cert))
    assert verifier.verify_cms(signer.sign_cms(DOC, True), None, None).passed


def test_login(session, verifier):
    portal = m.LoginPortal(verifier)
    challenge = portal.issue_challenge()
    answer = m.answer_login(session, "1234", challenge.hash)
    assert answer.verification_code == challenge.verification_code
    who = portal.validate(challenge.id, answer.signature, answer.certificate)
    assert (who.given_name, who.country) == ("AYSEL", "AZ")
    with pytest.raises(m.MobileIdError.Untrusted):
        portal.validate(challenge.id, answer.signature, answer.certificate)


class PhoneService(m.MobileIdServiceTransport):
    """The Mobile-ID REST API as a service answers it, with the virtual SIM as the person's
    phone: the host's side of a portal's login (its HTTP stack would carry these)."""

    def __init__(self, session, outcome="OK", pin1="1234"):
        self.session, self.outcome, self.pin1, self.requests = session, outcome, pin1, []
        self.fail_next_poll = False

    def execute(self, method, path, body):
        if method == "GET" and self.fail_next_poll:
            self.fail_next_poll = False
            raise ConnectionError("the network dropped")
        self.requests.append((method, path.split("?")[0]))
        if (method, path) == ("POST", "/authentication"):
            request = json.loads(body)
            assert request["relyingPartyName"] == "Portal" and request["hashType"] == "SHA256"
            self.answer = m.answer_login(self.session, self.pin1, base64.b64decode(request["hash"]))
            return m.ServiceAnswer(status=200, body=b'{"sessionID": "s-1"}')
        if method == "GET" and path.startswith("/authentication/session/s-1?timeoutMs="):
            if len(self.requests) == 2:
                return m.ServiceAnswer(status=200, body=b'{"state": "RUNNING"}')
            status = {"state": "COMPLETE", "result": self.outcome}
            if self.outcome == "OK":
                status["signature"] = {"value": base64.b64encode(self.answer.signature).decode(), "algorithm": "SHA256WithECEncryption"}
                status["cert"] = base64.b64encode(self.answer.certificate).decode()
            return m.ServiceAnswer(status=200, body=json.dumps(status).encode())
        return m.ServiceAnswer(status=404, body=b"{}")


class ServiceDown(m.MobileIdServiceTransport):
    def execute(self, method, path, body):
        raise ConnectionError("no route to the service")


def test_login_through_the_mobile_id_service(session, verifier):
    portal = m.LoginPortal(verifier)
    phone = PhoneService(session)
    service = m.MobileIdService("00000000-0000-0000-0000-000000000000", "Portal", phone)
    login = portal.start_service_login(service, "+99450000001", "60001019906", "Log in to the portal")
    assert len(login.verification_code()) == 4 and phone.answer.verification_code == login.verification_code()
    # The host's network fails once: the login is not lost, finish is called again.
    phone.fail_next_poll = True
    with pytest.raises(m.MobileIdError.HostError):
        login.finish()
    who = login.finish()
    assert (who.given_name, who.country) == ("AYSEL", "AZ")
    assert phone.requests == [("POST", "/authentication"), ("GET", "/authentication/session/s-1"), ("GET", "/authentication/session/s-1")]
    with pytest.raises(m.MobileIdError.InvalidInput):
        login.finish()
    # A refusal on the phone, a result the portal cannot accept, a service the host cannot reach.
    cancelled = portal.start_service_login(service, "+99450000001", "60001019906", None)
    phone.outcome = "USER_CANCELLED"
    with pytest.raises(m.MobileIdError.UserCancelled):
        cancelled.finish()
    phone.outcome = "NOT_MID_CLIENT"
    with pytest.raises(m.MobileIdError.Untrusted, match="NOT_MID_CLIENT"):
        portal.start_service_login(service, "+99450000001", "60001019906", None).finish()
    down = m.MobileIdService("00000000-0000-0000-0000-000000000000", "Portal", ServiceDown())
    with pytest.raises(m.MobileIdError.HostError):
        portal.start_service_login(down, "+99450000001", "60001019906", None)
    with pytest.raises(m.MobileIdError.InvalidInput):
        portal.start_service_login(service, "37200000766", "60001019906", None)


class RedisChallenges(m.SharedChallengeStore):
    """The host's own Redis client (redis-py) as a portal instance's challenge store."""

    def __init__(self, port):
        self.redis = redis.Redis(host="127.0.0.1", port=port, socket_timeout=2)

    def put_new(self, key, record, ttl_seconds):
        return bool(self.redis.set(key, record, nx=True, ex=ttl_seconds))

    def take(self, key):
        value = self.redis.getdel(key)
        return None if value is None else value.decode()


@pytest.fixture
def redis_server():
    """A redis-server of the test's own on a free loopback port, without persistence."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    try:
        for _ in range(200):
            try:
                redis.Redis(host="127.0.0.1", port=port).ping()
                break
            except redis.ConnectionError:
                time.sleep(0.025)
        else:
            raise RuntimeError(f"redis-server did not start on port {port}")
        yield port, server
    finally:
        server.kill()
        server.wait()


def test_portal_instances_share_challenges_through_the_hosts_redis(session, verifier, redis_server):
    port, server = redis_server
    first = m.LoginPortal.with_shared_store(verifier, RedisChallenges(port))
    second = m.LoginPortal.with_shared_store(verifier, RedisChallenges(port))
    look = redis.Redis(host="127.0.0.1", port=port)
    challenge = first.issue_challenge()
    # The library's own key and record, as its Rust Redis store writes them; expiring with
    # the challenge.
    key = "mobile-id:challenge:" + challenge.id
    record = json.loads(look.get(key))
    assert record["hash"] == challenge.hash.hex() and 290 <= look.ttl(key) <= 300
    assert abs(record["expires_at"] - challenge.expires_at.timestamp()) < 1
    answer = m.answer_login(session, "1234", challenge.hash)
    who = second.validate(challenge.id, answer.signature, answer.certificate)
    assert (who.given_name, who.country) == ("AYSEL", "AZ")
    assert not look.exists(key)
    # Taken once: a replay at either instance is refused.
    for portal in (first, second):
        with pytest.raises(m.MobileIdError.Untrusted):
            portal.validate(challenge.id, answer.signature, answer.certificate)
    # A record damaged in the store refuses the login, and is gone.
    damaged = first.issue_challenge()
    look.set("mobile-id:challenge:" + damaged.id, b"{not json")
    answer = m.answer_login(session, "1234", damaged.hash)
    with pytest.raises(m.MobileIdError.HostError, match="does not read"):
        second.validate(damaged.id, answer.signature, answer.certificate)
    assert not look.exists("mobile-id:challenge:" + damaged.id)
    # Redis stops with a login in flight: the login fails with the host's error, never passes.
    pending = first.issue_challenge()
    answer = m.answer_login(session, "1234", pending.hash)
    server.kill()
    server.wait()
    with pytest.raises(m.MobileIdError.HostError, match="challenge store"):
        second.validate(pending.id, answer.signature, answer.certificate)
    with pytest.raises(m.MobileIdError.HostError):
        first.issue_challenge()


def test_host_exception_is_a_typed_error():
    broken = m.SimSession(LostTag(), m.AppletKind.PROJECT_SIM_P256, 0, False)
    with pytest.raises(m.MobileIdError.HostError):
        broken.read_certificate(m.KeyKind.SIGNING)


def test_resumed_signing_session(session, verifier):
    signer = m.Signer.for_sim(session, m.KeyKind.SIGNING, "12345")
    state = m.CmsSigningSession.prepare(DOC, signer.certificate(), [], False).to_bytes()
    resumed = m.CmsSigningSession.resume(state)
    cms = resumed.finish(signer.sign_digest(resumed.digest()))
    assert verifier.verify_cms(cms, DOC, None).passed


def test_codes():
    assert m.mobile_id_verification_code(bytes.fromhex("2f665f6a6999e0ef0752e00ec9f453adf59d8cb6")) == "1462"
    assert m.smart_id_verification_code(bytes.fromhex("7f83b1657ff1fc53b92dc18148a1d65dfc2d4b1fa3d677284addd200126d9069")) == "7712"


def test_memory_stays_flat_across_many_calls(session, verifier):
    signer = m.Signer.for_sim(session, m.KeyKind.SIGNING, "12345")
    cms = signer.sign_cms(DOC, False)
    signed_pdf = signer.sign_pdf(m.sample_pdf(["memory"]), m.PdfSigningOptions(), None)

    def round(n):
        for i in range(n):
            portal = m.LoginPortal(verifier)
            challenge = portal.issue_challenge()
            m.mobile_id_verification_code(challenge.hash)
            m.CmsSigningSession.resume(m.CmsSigningSession.prepare(DOC, signer.certificate(), [], False).to_bytes())
            if i % 20 == 0:
                assert verifier.verify_cms(cms, DOC, None).passed
            if i % 100 == 0:
                assert verifier.verify_pdf(signed_pdf, None).passed

    round(2_000)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    round(20_000)
    grown_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert grown_kib < 16 * 1024, f"RSS grew by {grown_kib} KiB over 20,000 iterations"


class OpensslTsa(m.TimestampFetcher):
    """`openssl ts -reply` as the TSA behind the host's fetcher."""

    def __init__(self, directory):
        self.dir = directory

    def fetch(self, request):
        import subprocess

        (self.dir / "req.tsq").write_bytes(request)
        subprocess.run(["openssl", "ts", "-reply", "-config", "tsa.cnf", "-queryfile", "req.tsq", "-out", "resp.tsr"],
                       cwd=self.dir, check=True, capture_output=True)
        return (self.dir / "resp.tsr").read_bytes()


def test_timestamp_through_a_host_fetcher(session, sim, tmp_path):
    import subprocess

    def openssl(*args):
        subprocess.run(["openssl", *args], cwd=tmp_path, check=True, capture_output=True)

    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "root.key",
            "-subj", "/CN=TSA Root", "-days", "30", "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign", "-out", "root.pem")
    (tmp_path / "tsa.ext").write_text("keyUsage=critical,digitalSignature\nextendedKeyUsage=critical,timeStamping\n")
    openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "tsa.key", "-subj", "/CN=TSA", "-out", "tsa.csr")
    openssl("x509", "-req", "-in", "tsa.csr", "-CA", "root.pem", "-CAkey", "root.key", "-CAcreateserial", "-days", "30",
            "-extfile", "tsa.ext", "-out", "tsa.pem")
    (tmp_path / "tsa.cnf").write_text("[ tsa ]\ndefault_tsa = t\n[ t ]\ndir = .\nserial = ./tsaserial\nsigner_cert = ./tsa.pem\n"
                                      "certs = ./root.pem\nsigner_key = ./tsa.key\nsigner_digest = sha256\n"
                                      "default_policy = 1.3.6.1.4.1.4146.2.3\ndigests = sha256\ness_cert_id_alg = sha256\n")
    (tmp_path / "tsaserial").write_text("01\n")
    signer = m.Signer.for_sim(session, m.KeyKind.SIGNING, "12345")
    stamped = m.add_signature_timestamp(signer.sign_cms(DOC, False), OpensslTsa(tmp_path))
    verifier = m.Verifier([sim.ca_certificate(), (tmp_path / "root.pem").read_bytes()])
    verdict = verifier.verify_cms(stamped, DOC, None)
    assert verdict.passed, verdict
    assert verdict.signers[0].timestamp_time is not None
    # Without trusting the TSA, the timestamp cannot count.
    assert not m.Verifier([sim.ca_certificate()]).verify_cms(stamped, DOC, None).passed

    # PAdES B-T, then B-LT and B-LTA, through the same host fetcher.
    pdf_path = tmp_path / "lta.pdf"
    pdf_path.write_bytes(signer.sign_pdf(m.sample_pdf(["Long-term"]), m.PdfSigningOptions(), OpensslTsa(tmp_path)))
    m.pdf_add_validation_data(str(pdf_path), [sim.ca_certificate()], [], [])
    m.pdf_add_document_timestamp(str(pdf_path), OpensslTsa(tmp_path))
    lta = verifier.verify_pdf_file(str(pdf_path), None)
    assert lta.passed, lta
    assert [s.kind for s in lta.signatures] == [m.SignatureKind.SIGNATURE, m.SignatureKind.DOCUMENT_TIMESTAMP]
    assert lta.signatures[0].timestamp_time is not None
    assert any(c.allowed and c.kind == m.ChangeKind.VALIDATION_MATERIAL for c in lta.signatures[0].changes), lta


def test_pdf_on_the_sim_in_memory(session, verifier):
    signer = m.Signer.for_sim(session, m.KeyKind.SIGNING, "12345")
    original = m.sample_pdf(["A contract signed from Python"])
    signed = signer.sign_pdf(original, m.PdfSigningOptions(field="Citizen", reason="Agreed"), None)
    assert signed.startswith(original)
    verdict = verifier.verify_pdf(signed, None)
    assert verdict.passed, verdict
    s = verdict.signatures[0]
    assert (s.field, s.indication, s.intact, s.signature_valid, s.trusted) == ("Citizen", m.Indication.TOTAL_PASSED, True, True, True)
    assert (s.coverage, s.later_changes, verdict.trailing_bytes) == (m.Coverage.WHOLE_FILE, m.LaterChanges.NONE, 0)
    assert s.semantics_identifier == "PNOAZ-7TEST01"
    # A second, visible signature keeps the first valid; a changed byte breaks it.
    stamp = m.VisibleStamp(rect=[330, 60, 580, 130], lines=["İmzalayan: {name}", "{time}"])
    twice = signer.sign_pdf(signed, m.PdfSigningOptions(stamp=stamp), None)
    both = verifier.verify_pdf(twice, None)
    assert both.passed and [x.coverage for x in both.signatures] == [m.Coverage.REVISION, m.Coverage.WHOLE_FILE]
    text = subprocess.run(["pdftotext", "-", "-"], input=twice, capture_output=True, check=True).stdout.decode()
    assert "İmzalayan: AYSEL MAMMADOVA" in text, text
    with pytest.raises(m.MobileIdError.InvalidInput):
        signer.sign_pdf(original, m.PdfSigningOptions(stamp=m.VisibleStamp(rect=[1, 2, 3])), None)
    tampered = bytearray(signed)
    at = tampered.index(b"Python")
    tampered[at] = ord("J")
    bad = verifier.verify_pdf(bytes(tampered), None)
    assert not bad.passed and bad.signatures[0].sub_indication == m.SubIndication.HASH_FAILURE and bad.signatures[0].intact is False
    with pytest.raises(m.MobileIdError.InvalidInput):
        verifier.verify_pdf(b"not a pdf", None)


def test_pdf_revocation_from_the_host(session, sim, verifier):
    signer = m.Signer.for_sim(session, m.KeyKind.SIGNING, "12345")
    signed = signer.sign_pdf(m.sample_pdf(["Revocation"]), m.PdfSigningOptions(), None)
    # Required revocation fails without data and passes with the CA's current CRL.
    assert not verifier.verify_pdf_with_revocation(signed, [], [], True, None).passed
    verdict = verifier.verify_pdf_with_revocation(signed, [sim.ca_crl()], [], True, None)
    assert verdict.passed, verdict
    with pytest.raises(m.MobileIdError.InvalidInput):
        verifier.verify_pdf_with_revocation(signed, [b"not a crl"], [], True, None)

    # Online: the host's fetcher is asked for what the document lacks, per certificate.
    class HostFetcher(m.RevocationFetcher):
        def __init__(self, answers):
            self.answers, self.asked = answers, []

        def fetch(self, certificate, issuer):
            self.asked.append(x509.load_der_x509_certificate(certificate).subject.rfc4514_string())
            return self.answers

    fetcher = HostFetcher([sim.ca_crl()])
    assert verifier.verify_pdf_online(signed, fetcher, None).passed
    assert fetcher.asked and fetcher.asked[0].startswith("CN=MAMMADOVA")
    assert not verifier.verify_pdf_online(signed, HostFetcher([]), None).passed
    assert not verifier.verify_pdf_online(signed, HostFetcher([b"neither OCSP nor CRL"]), None).passed


def test_pdf_with_an_external_signer_and_a_resumed_file_session(sim, verifier, tmp_path):
    key = ec.generate_private_key(ec.SECP256R1())
    spki = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    cert = sim.issue_signing_certificate(spki)
    (tmp_path / "in.pdf").write_bytes(m.sample_pdf(["Host key"]))
    signer = m.Signer.for_host(CryptographySigner(key, cert))
    signer.sign_pdf_file(tmp_path / "in.pdf", tmp_path / "out.pdf", m.PdfSigningOptions(certify=2), None)
    verdict = verifier.verify_pdf_file(tmp_path / "out.pdf", None)
    assert verdict.passed and verdict.signatures[0].certification == 2, verdict
    # Two phases across a "restart": only bytes and the output file carry the session.
    state = m.PdfSigningSession.prepare(str(tmp_path / "in.pdf"), str(tmp_path / "resumed.pdf"), cert, [], m.PdfSigningOptions()).to_bytes()
    resumed = m.PdfSigningSession.resume(state, str(tmp_path / "resumed.pdf"))
    digest = resumed.digest()
    resumed.finish(key.sign(digest, ec.ECDSA(utils.Prehashed(hashes.SHA256()))), None)
    assert verifier.verify_pdf_file(str(tmp_path / "resumed.pdf"), None).passed
    with pytest.raises(m.MobileIdError.InvalidInput):
        resumed.finish(key.sign(digest, ec.ECDSA(utils.Prehashed(hashes.SHA256()))), None)


def test_records_print_compare_and_convert(session, verifier):
    signer = m.Signer.for_sim(session, m.KeyKind.SIGNING, "12345")
    signed = signer.sign_pdf(m.sample_pdf(["Records"]), m.PdfSigningOptions(reason="Agreed"), None)
    verdict = verifier.verify_pdf(signed, None)
    s = verdict.signatures[0]
    # repr names every field; equal records compare equal.
    assert repr(s).startswith("PdfSignatureVerdict(field='Signature1', kind=<SignatureKind.SIGNATURE"), repr(s)
    assert verifier.verify_pdf(signed, None) == verdict
    # Times are datetimes in UTC; the signer's names and certificate are there.
    assert s.claimed_signing_time.tzinfo is not None
    assert abs((datetime.datetime.now(datetime.timezone.utc) - s.claimed_signing_time).total_seconds()) < 600
    assert (s.given_name, s.surname) == ("AYSEL", "MAMMADOVA")
    assert x509.load_der_x509_certificate(s.signer_certificate).subject.rfc4514_string().startswith("CN=MAMMADOVA")
    # to_dict / to_json give the command line's JSON shape.
    d = verdict.to_dict()
    one = d["signatures"][0]
    assert (one["indication"], one["sub_indication"], one["coverage"], one["later_changes"], one["kind"]) == (
        "TOTAL-PASSED",
        None,
        "whole-file",
        "none",
        "signature",
    )
    assert one["claimed_signing_time"].endswith("Z") and one["signer_certificate"] == s.signer_certificate.hex()
    assert json.loads(verdict.to_json()) == d
    tampered = bytearray(signed)
    tampered[tampered.index(b"Records")] = ord("r")
    bad = verifier.verify_pdf(bytes(tampered), None).to_dict()["signatures"][0]
    assert (bad["indication"], bad["sub_indication"]) == ("TOTAL-FAILED", "HASH_FAILURE")
    # Validation times are datetimes too.
    past = datetime.datetime(2001, 1, 1, tzinfo=datetime.timezone.utc)
    old = verifier.verify_pdf(signed, past).signatures[0]
    assert old.indication != m.Indication.TOTAL_PASSED


def test_the_package_is_typed_and_installed():
    import importlib.resources

    assert importlib.resources.files("mobile_id").joinpath("py.typed").is_file()
    # Installed from the wheel into this venv, not found on a path beside the sources.
    assert "site-packages" in m.__file__, m.__file__


def readme_blocks(path, language):
    text = (pathlib.Path(__file__).resolve().parents[2] / path).read_text()
    blocks, inside = [], None
    for line in text.splitlines():
        if inside is None and line.strip() == "```" + language:
            inside = []
        elif inside is not None and line.strip() == "```":
            blocks.append("\n".join(inside))
            inside = None
        elif inside is not None:
            inside.append(line)
    return blocks


@pytest.mark.parametrize("path", ["README.md", "bindings/python/README.md"])
def test_readme_snippets_run_as_written(path, capsys):
    blocks = readme_blocks(path, "python")
    assert blocks, f"no Python snippet in {path}"
    for block in blocks:
        exec(compile(block, path, "exec"), {})
    assert "TOTAL" in capsys.readouterr().out
