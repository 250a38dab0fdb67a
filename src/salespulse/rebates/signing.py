"""Ed25519 signatures over rebate confirmations, key storage and rotation, verification.

The signature is tamper-evident. It proves that the holder of the company's private key
issued the content and that the content has not changed since. It is not a CA-certified electronic
signature under China's Electronic Signature Law; ``Signer`` is the seam where a
CA-backed implementation can replace the file key (see docs/rebate-signatures.md).

Key storage: the private key is a PEM file (PKCS#8, unencrypted, mode 0600) at
``SALESPULSE_SIGNING_KEY_FILE`` when that setting or environment variable is set, else
``VAR_DIR/keys/rebate-signing-<key_id>.pem``. Every public key is kept in
``RebateSigningKey`` so documents signed before a rotation still verify.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import logging
import os
import secrets
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from salespulse.rebates.models import RebateConfirmation, RebateSigningKey

logger = logging.getLogger(__name__)

KEY_FILE_PREFIX = "rebate-signing-"
PAYLOAD_VERSION = 1


class Signer(Protocol):
    """Signs bytes with the current company key and verifies signatures by key id.

    A CA-backed implementation (e.g. a 可靠电子签名 service) implements the same three
    members and is selected with the ``SALESPULSE_REBATE_SIGNER`` setting (dotted path
    to a zero-argument factory).
    """

    key_id: str

    def sign(self, data: bytes) -> str:
        """Return the base64 signature of ``data`` under ``key_id``."""
        ...

    def verify(self, data: bytes, signature: str, key_id: str) -> bool | None:
        """Return True if valid, False if not, None if ``key_id`` is unknown."""
        ...


# --- key files -------------------------------------------------------------------------


def fingerprint(public_key: Ed25519PublicKey) -> str:
    """Return the key id of a public key: ``ed25519-`` and 16 hex digits of its SHA-256."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return "ed25519-" + hashlib.sha256(raw).hexdigest()[:16]


def public_pem(public_key: Ed25519PublicKey) -> str:
    return public_key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode(
        "ascii"
    )


def configured_key_file() -> Path | None:
    """Return the explicitly configured private key path, or None to use ``VAR_DIR/keys``."""
    value = getattr(settings, "SALESPULSE_SIGNING_KEY_FILE", None) or os.environ.get("SALESPULSE_SIGNING_KEY_FILE")
    return Path(value) if value else None


def keys_dir() -> Path:
    return Path(settings.VAR_DIR) / "keys"


def _write_private_key(path: Path, key: Ed25519PrivateKey) -> None:
    """Write ``key`` as PEM readable by the owner only; never overwrites an existing file."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(pem)


def _read_private_key(path: Path) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ImproperlyConfigured(
            f"{path} does not hold an Ed25519 private key; generate one with `salespulse rebates keygen`."
        )
    return key


def _register(key: Ed25519PrivateKey) -> RebateSigningKey:
    public = key.public_key()
    row, created = RebateSigningKey.objects.get_or_create(
        key_id=fingerprint(public), defaults={"public_key": public_pem(public)}
    )
    if created:
        logger.info("Registered rebate signing key %s", row.key_id)
    return row


def _default_key_path(key_id: str) -> Path:
    return keys_dir() / f"{KEY_FILE_PREFIX}{key_id}.pem"


def load_or_create_private_key() -> Ed25519PrivateKey:
    """Return the current private key, creating it on first use.

    With an explicit key file, that file is used (and created if missing). Otherwise the
    active ``RebateSigningKey`` row names the file under ``VAR_DIR/keys``; without an
    active row, the newest ``rebate-signing-*.pem`` there is adopted, or a key is generated.
    """
    explicit = configured_key_file()
    if explicit is not None:
        if not explicit.exists():
            _write_private_key(explicit, Ed25519PrivateKey.generate())
            logger.info("Generated rebate signing key file %s", explicit)
        key = _read_private_key(explicit)
        _register(key)
        return key

    active = RebateSigningKey.objects.filter(retired_at__isnull=True).order_by("-created_at", "-pk").first()
    if active is not None:
        path = _default_key_path(active.key_id)
        if path.exists():
            return _read_private_key(path)
        logger.warning("Private key file %s of active key %s is missing; adopting another key", path, active.key_id)

    existing = sorted(keys_dir().glob(f"{KEY_FILE_PREFIX}*.pem"), key=lambda p: p.stat().st_mtime, reverse=True)
    if existing:
        key = _read_private_key(existing[0])
    else:
        key = generate_key_file()
    RebateSigningKey.objects.filter(retired_at__isnull=True).exclude(key_id=fingerprint(key.public_key())).update(
        retired_at=timezone.now()
    )
    _register(key)
    return key


def generate_key_file() -> Ed25519PrivateKey:
    """Generate a new private key and write it to ``VAR_DIR/keys/rebate-signing-<key_id>.pem``."""
    key = Ed25519PrivateKey.generate()
    path = _default_key_path(fingerprint(key.public_key()))
    _write_private_key(path, key)
    logger.info("Generated rebate signing key file %s", path)
    return key


@transaction.atomic
def rotate_key() -> RebateSigningKey:
    """Generate a new signing key, retire the previous ones, and return the new key row.

    Retired public keys stay in the database so earlier documents still verify. With an
    explicit key file, the old file is renamed to ``<file>.<old key id>.retired`` first.
    """
    explicit = configured_key_file()
    if explicit is not None:
        if explicit.exists():
            old_id = fingerprint(_read_private_key(explicit).public_key())
            explicit.rename(explicit.with_name(f"{explicit.name}.{old_id}.retired"))
        key = Ed25519PrivateKey.generate()
        _write_private_key(explicit, key)
    else:
        key = generate_key_file()

    now = timezone.now()
    RebateSigningKey.objects.filter(retired_at__isnull=True).update(retired_at=now)
    row = _register(key)
    logger.info("Rotated rebate signing key; %s now signs", row.key_id)
    return row


class Ed25519FileSigner:
    """The default ``Signer``: a private key in a PEM file, public keys in the database."""

    def __init__(self) -> None:
        self._private_key = load_or_create_private_key()
        self.key_id = fingerprint(self._private_key.public_key())

    def sign(self, data: bytes) -> str:
        return base64.b64encode(self._private_key.sign(data)).decode("ascii")

    def verify(self, data: bytes, signature: str, key_id: str) -> bool | None:
        row = RebateSigningKey.objects.filter(key_id=key_id).first()
        if row is None:
            return None
        public = serialization.load_pem_public_key(row.public_key.encode("ascii"))
        if not isinstance(public, Ed25519PublicKey):
            return False
        try:
            public.verify(base64.b64decode(signature, validate=True), data)
        except (InvalidSignature, ValueError):
            return False
        return True


def get_signer() -> Signer:
    """Return the configured signer (``SALESPULSE_REBATE_SIGNER``) or the Ed25519 file signer."""
    factory_path = getattr(settings, "SALESPULSE_REBATE_SIGNER", None)
    if factory_path:
        return import_string(factory_path)()
    return Ed25519FileSigner()


# --- canonical payload -----------------------------------------------------------------


def new_verification_code() -> str:
    """Return 12 random base32 characters (60 bits), e.g. ``K7QW3MZP2XRA``."""
    return base64.b32encode(secrets.token_bytes(10)).decode("ascii")[:12]


def normalize_code(code: str) -> str:
    """Accept a code typed with spaces, dashes or lower case."""
    return "".join(code.split()).replace("-", "").upper()


def _money(value: Decimal) -> str:
    return f"{value:.2f}"


def _utc(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def document_payload(document: RebateConfirmation) -> dict[str, Any]:
    """Build the signed content of ``document`` from its stored fields.

    Amounts are decimal strings with two places, the rate a decimal string with six,
    dates ISO, and ``confirmed_at`` ISO UTC to the second.
    """
    products = sorted(document.products.all(), key=lambda product: product.code)
    return {
        "version": PAYLOAD_VERSION,
        "type": "rebate_confirmation",
        "number": document.number,
        "verification_code": document.verification_code,
        "customer": {"id": document.customer_id, "name": document.customer.name},
        "agreement": {"code": document.agreement.code, "version": document.agreement_version},
        "period": {"start": document.period_start.isoformat(), "end": document.period_end.isoformat()},
        "products": [{"id": product.pk, "code": product.code, "name": product.name} for product in products],
        "mode": document.mode,
        "payments": list(document.payments),
        "collected_total": _money(document.collected_total),
        "period_collected_total": _money(document.period_collected_total),
        "tier": {
            "index": document.tier_index,
            "threshold": _money(document.tier_threshold) if document.tier_threshold is not None else None,
            "rate": f"{document.rate:.6f}",
        },
        "rebate_total_for_period": _money(document.rebate_total_for_period),
        "previously_confirmed": _money(document.previously_confirmed),
        "rebate_amount": _money(document.rebate_amount),
        "reverses": document.reverses.number if document.reverses_id else None,
        "reason": document.reason,
        "confirmed_by": {"id": document.confirmed_by_id, "name": str(document.confirmed_by)},
        "confirmed_at": _utc(document.confirmed_at),
    }


# Names from master data (customer, products, agreement code, user) are signed as they
# were at signing. A later rename does not alter the document, so verification compares
# these names with the signed snapshot.
def _with_master_data_from(signed: dict[str, Any], current: dict[str, Any]) -> dict[str, Any]:
    """Return ``current`` with the master-data names taken from ``signed``."""
    merged = dict(current)
    if isinstance(signed.get("customer"), dict):
        merged["customer"] = {**current["customer"], "name": signed["customer"].get("name")}
    if isinstance(signed.get("agreement"), dict):
        merged["agreement"] = {**current["agreement"], "code": signed["agreement"].get("code")}
    if isinstance(signed.get("confirmed_by"), dict):
        merged["confirmed_by"] = {**current["confirmed_by"], "name": signed["confirmed_by"].get("name")}
    signed_products = {item.get("id"): item for item in signed.get("products", []) if isinstance(item, dict)}
    merged["products"] = [
        {**item, **{key: signed_products[item["id"]].get(key) for key in ("code", "name")}}
        if item["id"] in signed_products
        else item
        for item in current["products"]
    ]
    return merged


def signed_snapshot(document: RebateConfirmation) -> dict[str, Any]:
    """Return the signed content as stored, for showing names as they were when signed."""
    try:
        return json.loads(document.signed_payload)
    except (TypeError, ValueError):
        return {}


def canonical_json(payload: dict[str, Any]) -> str:
    """Serialize with sorted keys, no insignificant whitespace, UTF-8 text kept as is."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def sign_document(document: RebateConfirmation, signer: Signer | None = None) -> None:
    """Fill ``signed_payload``, ``signature`` and ``key_id`` of an unsaved-or-new document."""
    signer = signer or get_signer()
    document.signed_payload = canonical_json(document_payload(document))
    document.signature = signer.sign(document.signed_payload.encode("utf-8"))
    document.key_id = signer.key_id


# --- verification ----------------------------------------------------------------------

AUTHENTIC = "authentic"
TAMPERED = "tampered"
UNKNOWN = "unknown"


@dataclass(frozen=True)
class VerificationResult:
    """``status`` is authentic, tampered or unknown; ``reason`` is a translated sentence."""

    status: str
    reason: str
    document: RebateConfirmation | None = None

    @property
    def is_authentic(self) -> bool:
        return self.status == AUTHENTIC


def find_document(code_or_number: str, *, allow_number: bool = False) -> RebateConfirmation | None:
    """Return the document with this verification code (or, if allowed, number), or None.

    Public verification takes codes only: numbers are sequential, so accepting them
    would let anyone read every document's customer and amounts.
    """
    documents = RebateConfirmation.objects.select_related("customer", "agreement", "confirmed_by", "reverses")
    text = code_or_number.strip()
    document = documents.filter(verification_code=normalize_code(text)).first()
    if document is None and allow_number:
        document = documents.filter(number__iexact=text).first()
    return document


def verify(
    code_or_number: str, payload: str | None = None, *, signer: Signer | None = None, allow_number: bool = False
) -> VerificationResult:
    """Check that a document is authentic and unaltered.

    The signature is checked over ``payload`` when given (e.g. the text printed on a
    PDF), else over the stored ``signed_payload``. Then the signed content is compared
    with the document's stored fields, so an edit on either side reads as tampered.
    """
    document = find_document(code_or_number, allow_number=allow_number)
    if document is None:
        return VerificationResult(UNKNOWN, str(_("No rebate confirmation has this verification code.")))

    text = document.signed_payload if payload is None else payload
    signer = signer or _verifying_signer()
    valid = signer.verify(text.encode("utf-8"), document.signature, document.key_id)
    if valid is None:
        return VerificationResult(
            UNKNOWN,
            str(_("The signing key %(key_id)s of this document is not on record.") % {"key_id": document.key_id}),
            document,
        )
    if not valid:
        return VerificationResult(
            TAMPERED, str(_("The signature does not match the content: the document was altered.")), document
        )
    if text != canonical_json(_with_master_data_from(json.loads(text), document_payload(document))):
        return VerificationResult(
            TAMPERED,
            str(_("The stored document differs from the signed content: the document was altered.")),
            document,
        )
    return VerificationResult(
        AUTHENTIC, str(_("The document is authentic and unaltered since it was signed.")), document
    )


def _verifying_signer() -> Signer:
    """Return a signer for verification only; it never creates a private key."""
    factory_path = getattr(settings, "SALESPULSE_REBATE_SIGNER", None)
    if factory_path:
        return import_string(factory_path)()
    return PublicKeyVerifier()


class PublicKeyVerifier:
    """Verifies with the public keys on record; cannot sign."""

    key_id = ""

    def sign(self, data: bytes) -> str:
        raise ImproperlyConfigured("PublicKeyVerifier cannot sign; use get_signer().")

    verify = Ed25519FileSigner.verify
