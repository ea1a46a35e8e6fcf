"""Signed open credentials: an Open Badges 3.0 `OpenBadgeCredential` (a W3C Verifiable
Credential) secured as a JWT (`vc+jwt`) with an Ed25519 signature (JWS `EdDSA`).

The public key is published as a JWK set at `/.well-known/jwks.json`; docs/certificates.md shows
how to verify a downloaded credential with standard tools. Changing one byte breaks the signature.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import uuid
from functools import cache
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from certificates.models import Certificate


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@cache
def signing_key() -> Ed25519PrivateKey:
    """From CERTIFICATE_SIGNING_KEY (PEM) in production; in development a key is made once and
    kept in var/keys/ (never committed)."""
    pem = getattr(settings, "CERTIFICATE_SIGNING_KEY", None)
    if pem:
        key = serialization.load_pem_private_key(pem.encode(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ImproperlyConfigured("CERTIFICATE_SIGNING_KEY must be an Ed25519 private key (PEM).")
        return key
    if not settings.DEBUG and not getattr(settings, "CERTIFICATE_DEV_KEY_ALLOWED", False):
        raise ImproperlyConfigured("環境変数 CERTIFICATE_SIGNING_KEY（Ed25519 の秘密鍵 PEM）が必要です。")
    path = Path(settings.BASE_DIR) / "var" / "keys" / "certificate-ed25519.pem"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        key = Ed25519PrivateKey.generate()
        pem_bytes = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(pem_bytes)
    return serialization.load_pem_private_key(path.read_bytes(), password=None)


def public_jwk() -> dict:
    raw = signing_key().public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return {"kty": "OKP", "crv": "Ed25519", "x": _b64url(raw), "kid": key_id(), "use": "sig", "alg": "EdDSA"}


def key_id() -> str:
    raw = signing_key().public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def credential(certificate: Certificate) -> dict:
    """The Open Badges 3.0 credential (W3C VC data model 2.0) for one certificate."""
    site = settings.SITE_URL.rstrip("/")
    return {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        ],
        "id": f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, site + '/certificates/' + certificate.code)}",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": f"修了証：{certificate.course_title}",
        "issuer": {"id": site, "type": ["Profile"], "name": "つながりサポーター学習プラットフォーム", "url": site},
        "validFrom": f"{certificate.issued_on.isoformat()}T00:00:00+09:00",
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "name": certificate.holder_name,
            "achievement": {
                "id": f"{site}/courses/{certificate.course_id}/{certificate.curriculum_version}",
                "type": ["Achievement"],
                "name": certificate.course_title,
                "description": (
                    "つながりサポーター講座の修了（本プラットフォームの講座の修了記録であり、公的な資格ではありません）。"
                ),
                "criteria": {"narrative": "すべての必須レッスンを終え、確認テストに合格すること。"},
                "version": certificate.curriculum_version,
            },
        },
        "credentialStatus": {
            "id": f"{site}/api/v1/certificates/{certificate.code}",
            "type": "TsunagariVerificationAPI",
        },
    }


def signed_jwt(certificate: Certificate) -> str:
    header = {"alg": "EdDSA", "typ": "vc+jwt", "kid": key_id()}
    payload = credential(certificate)
    signing_input = ".".join(
        _b64url(json.dumps(part, ensure_ascii=False, separators=(",", ":")).encode()) for part in (header, payload)
    )
    signature = signing_key().sign(signing_input.encode())
    return f"{signing_input}.{_b64url(signature)}"


def verify_jwt(token: str, jwk: dict | None = None) -> dict:
    """Check the signature against the published key; return the credential or raise ValueError."""
    jwk = jwk or public_jwk()
    try:
        header_b64, payload_b64, signature_b64 = token.strip().split(".")
        public = Ed25519PublicKey.from_public_bytes(_b64url_decode(jwk["x"]))
        public.verify(_b64url_decode(signature_b64), f"{header_b64}.{payload_b64}".encode())
        return json.loads(_b64url_decode(payload_b64))
    except Exception as error:
        raise ValueError("signature does not verify") from error
