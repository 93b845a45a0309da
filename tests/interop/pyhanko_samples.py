#!/usr/bin/env python3
"""Generate pyHanko-signed PAdES sample PDFs for interop tests.

Usage: python pyhanko_samples.py OUTDIR

Creates, in OUTDIR:
  root.pem                 ECDSA P-256 self-signed root CA
  signer.pem, signer-key.pem   ECDSA P-256 signer leaf (digitalSignature+nonRepudiation)
  tsa.pem, tsa-key.pem     RSA-2048 TSA cert (EKU timeStamping, critical), issued by root
  input.pdf                one-page unsigned PDF, classic xref table
  bb.pdf                   PAdES B-B, field Sig1 (incremental on input.pdf)
  bt.pdf                   PAdES B-T (signature timestamp from an in-process TSA), field Sig1
  two.pdf                  bb.pdf + second approval signature in field Sig2
  certified.pdf            certification signature, DocMDP P=2 (FILL_FORMS), field Sig1
and prints a JSON object with the absolute paths of all files.

Only `cryptography` and pyHanko's Python API are used.
"""

import datetime
import json
import os
import sys

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper
from pyhanko_certvalidator.registry import SimpleCertificateStore

# Fixed validity window (covers "now" for years either way) so the PKI
# does not depend on the clock beyond that.
NOT_BEFORE = datetime.datetime(2020, 1, 1, tzinfo=datetime.timezone.utc)
NOT_AFTER = datetime.datetime(2045, 1, 1, tzinfo=datetime.timezone.utc)


def _name(cn, ou=None):
    attrs = [
        x509.NameAttribute(NameOID.COUNTRY_NAME, "EE"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Interop Test PKI"),
    ]
    if ou:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, ou))
    attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, cn))
    return x509.Name(attrs)


def _key_usage(**on):
    base = dict(
        digital_signature=False,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=False,
        crl_sign=False,
        encipher_only=False,
        decipher_only=False,
    )
    base.update(on)
    return x509.KeyUsage(**base)


def make_pki():
    root_key = ec.generate_private_key(ec.SECP256R1())
    root_name = _name("Interop Test Root CA")
    root = (
        x509.CertificateBuilder()
        .subject_name(root_name)
        .issuer_name(root_name)
        .public_key(root_key.public_key())
        .serial_number(0x1001)
        .not_valid_before(NOT_BEFORE)
        .not_valid_after(NOT_AFTER)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(_key_usage(key_cert_sign=True, crl_sign=True), critical=True)
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(root_key.public_key()),
            critical=False,
        )
        .sign(root_key, hashes.SHA256())
    )
    aki = x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key())

    signer_key = ec.generate_private_key(ec.SECP256R1())
    signer = (
        x509.CertificateBuilder()
        .subject_name(
            x509.Name(
                [
                    x509.NameAttribute(NameOID.COUNTRY_NAME, "EE"),
                    x509.NameAttribute(NameOID.SURNAME, "TESTNUMBER"),
                    x509.NameAttribute(NameOID.GIVEN_NAME, "INTEROP"),
                    x509.NameAttribute(NameOID.SERIAL_NUMBER, "PNOEE-30303039914"),
                    x509.NameAttribute(NameOID.COMMON_NAME, "TESTNUMBER,INTEROP,30303039914"),
                ]
            )
        )
        .issuer_name(root_name)
        .public_key(signer_key.public_key())
        .serial_number(0x2002)
        .not_valid_before(NOT_BEFORE)
        .not_valid_after(NOT_AFTER)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            _key_usage(digital_signature=True, content_commitment=True), critical=True
        )
        .add_extension(aki, critical=False)
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(signer_key.public_key()),
            critical=False,
        )
        .sign(root_key, hashes.SHA256())
    )

    tsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    tsa = (
        x509.CertificateBuilder()
        .subject_name(_name("Interop Test TSA", ou="Timestamping"))
        .issuer_name(root_name)
        .public_key(tsa_key.public_key())
        .serial_number(0x3003)
        .not_valid_before(NOT_BEFORE)
        .not_valid_after(NOT_AFTER)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            _key_usage(digital_signature=True, content_commitment=True), critical=True
        )
        .add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True
        )
        .add_extension(aki, critical=False)
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(tsa_key.public_key()),
            critical=False,
        )
        .sign(root_key, hashes.SHA256())
    )
    return root, signer, signer_key, tsa, tsa_key


def _pem_cert(c):
    return c.public_bytes(serialization.Encoding.PEM)


def _pem_key(k):
    return k.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _asn1_cert(c):
    return asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER))


def _asn1_key(k):
    return asn1_keys.PrivateKeyInfo.load(
        k.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )


def make_input_pdf() -> bytes:
    """Hand-written one-page PDF 1.7 with visible text and a classic xref."""
    content = (
        b"BT /F1 24 Tf 72 720 Td (Interop test document) Tj ET\n"
        b"BT /F1 12 Tf 72 690 Td (Signed by pyHanko for PAdES interop tests.) Tj ET\n"
    )
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"endstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Producer (pyhanko_samples.py) >>",
    ]
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objs, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref_pos = len(out)
    out += b"xref\n0 %d\n" % (len(objs) + 1)
    out += b"0000000000 65535 f \n"
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    doc_id = b"<5069484B53414D504C455331494E5055>"  # fixed 16-byte ID
    out += (
        b"trailer\n<< /Size %d /Root 1 0 R /Info 6 0 R /ID [%s %s] >>\n"
        % (len(objs) + 1, doc_id, doc_id)
    )
    out += b"startxref\n%d\n%%%%EOF\n" % xref_pos
    return bytes(out)


def sign_incremental(in_path, out_path, signer, field_name, timestamper=None, certify=False):
    meta = signers.PdfSignatureMetadata(
        field_name=field_name,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        reason="Interop test",
        location="Tallinn",
        certify=certify,
        docmdp_permissions=fields.MDPPerm.FILL_FORMS,
    )
    with open(in_path, "rb") as inf:
        w = IncrementalPdfFileWriter(inf)
        pdf_signer = signers.PdfSigner(
            meta,
            signer=signer,
            timestamper=timestamper,
            new_field_spec=fields.SigFieldSpec(sig_field_name=field_name),
        )
        with open(out_path, "wb") as outf:
            pdf_signer.sign_pdf(w, output=outf)


def main(argv):
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    outdir = os.path.abspath(argv[1])
    os.makedirs(outdir, exist_ok=True)
    p = lambda name: os.path.join(outdir, name)  # noqa: E731

    root, signer_cert, signer_key, tsa, tsa_key = make_pki()
    with open(p("root.pem"), "wb") as f:
        f.write(_pem_cert(root))
    with open(p("signer.pem"), "wb") as f:
        f.write(_pem_cert(signer_cert))
    with open(p("signer-key.pem"), "wb") as f:
        f.write(_pem_key(signer_key))
    with open(p("tsa.pem"), "wb") as f:
        f.write(_pem_cert(tsa))
    with open(p("tsa-key.pem"), "wb") as f:
        f.write(_pem_key(tsa_key))
    with open(p("input.pdf"), "wb") as f:
        f.write(make_input_pdf())

    root_a = _asn1_cert(root)
    signer = signers.SimpleSigner(
        signing_cert=_asn1_cert(signer_cert),
        signing_key=_asn1_key(signer_key),
        cert_registry=SimpleCertificateStore.from_certs([root_a]),
    )
    timestamper = DummyTimeStamper(
        tsa_cert=_asn1_cert(tsa),
        tsa_key=_asn1_key(tsa_key),
        certs_to_embed=SimpleCertificateStore.from_certs([root_a]),
    )

    sign_incremental(p("input.pdf"), p("bb.pdf"), signer, "Sig1")
    sign_incremental(p("input.pdf"), p("bt.pdf"), signer, "Sig1", timestamper=timestamper)
    sign_incremental(p("bb.pdf"), p("two.pdf"), signer, "Sig2")
    sign_incremental(p("input.pdf"), p("certified.pdf"), signer, "Sig1", certify=True)

    names = {
        "root": "root.pem",
        "signer": "signer.pem",
        "signer_key": "signer-key.pem",
        "tsa": "tsa.pem",
        "tsa_key": "tsa-key.pem",
        "input": "input.pdf",
        "bb": "bb.pdf",
        "bt": "bt.pdf",
        "two": "two.pdf",
        "certified": "certified.pdf",
    }
    print(json.dumps({k: p(v) for k, v in names.items()}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
