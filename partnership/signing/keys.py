"""The signing key: Ed25519, kept outside the database.

The key directory (``settings.SIGNING_KEY_DIR``) holds:
- ``private.pem``: the current private key (PKCS#8 PEM), readable only by the service;
- ``public/<key id>.pem``: every public key ever used, so signatures made before a rotation
  still verify after it.

A key id is the first 16 hex digits of the SHA-256 of the raw public key. Anyone who can write
the database but not read this directory cannot make a signature that verifies.
"""

import hashlib
import os
from functools import cache
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

PRIVATE_NAME = "private.pem"
PUBLIC_DIR = "public"


def key_dir() -> Path:
    configured = getattr(settings, "SIGNING_KEY_DIR", None)
    if not configured:
        raise ImproperlyConfigured("SIGNING_KEY_DIR is not set: the service cannot sign anything")
    return Path(configured)


def key_id_of(public_key: Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def _write_private(path: Path, private_key: Ed25519PrivateKey) -> None:
    pem = private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    temporary = path.with_suffix(".tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
    os.replace(temporary, path)


def _write_public(directory: Path, public_key: Ed25519PublicKey) -> str:
    key_id = key_id_of(public_key)
    public = directory / PUBLIC_DIR
    public.mkdir(parents=True, exist_ok=True)
    pem = public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    (public / f"{key_id}.pem").write_bytes(pem)
    return key_id


def create_key(directory: Path | None = None) -> tuple[str, bool]:
    """Create the key directory's private key if it has none. Returns (key id, created)."""
    directory = directory or key_dir()
    directory.mkdir(parents=True, exist_ok=True)
    private_path = directory / PRIVATE_NAME
    if private_path.exists():
        return current_key_id(directory), False
    private_key = Ed25519PrivateKey.generate()
    key_id = _write_public(directory, private_key.public_key())
    _write_private(private_path, private_key)
    clear_cache()
    return key_id, True


def rotate_key(directory: Path | None = None) -> tuple[str, str | None]:
    """Replace the private key with a new one; the old public key stays for verification.
    Returns (new key id, old key id or None)."""
    directory = directory or key_dir()
    old = current_key_id(directory) if (directory / PRIVATE_NAME).exists() else None
    private_key = Ed25519PrivateKey.generate()
    key_id = _write_public(directory, private_key.public_key())
    _write_private(directory / PRIVATE_NAME, private_key)
    clear_cache()
    return key_id, old


@cache
def _private_key(directory: Path) -> Ed25519PrivateKey:
    path = directory / PRIVATE_NAME
    try:
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise ImproperlyConfigured(
            f"No signing key at {path}: run `python manage.py create_signing_key`"
        ) from exc
    key = serialization.load_pem_private_key(data, password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ImproperlyConfigured(f"{path} is not an Ed25519 private key")
    return key


@cache
def _public_key(directory: Path, key_id: str) -> Ed25519PublicKey | None:
    if not key_id or not all(c in "0123456789abcdef" for c in key_id):
        return None
    try:
        key = serialization.load_pem_public_key(
            (directory / PUBLIC_DIR / f"{key_id}.pem").read_bytes()
        )
    except FileNotFoundError:
        return None
    if not isinstance(key, Ed25519PublicKey) or key_id_of(key) != key_id:
        return None
    return key


def clear_cache() -> None:
    _private_key.cache_clear()
    _public_key.cache_clear()


def current_key_id(directory: Path | None = None) -> str:
    return key_id_of(_private_key(directory or key_dir()).public_key())


def sign(message: bytes) -> tuple[str, bytes]:
    """Sign with the current key. Returns (key id, signature)."""
    private_key = _private_key(key_dir())
    return key_id_of(private_key.public_key()), private_key.sign(message)


def verify(key_id: str, signature: bytes, message: bytes) -> bool:
    public_key = _public_key(key_dir(), key_id)
    if public_key is None:
        return False
    try:
        public_key.verify(signature, message)
    except InvalidSignature:
        return False
    return True


def known_key_ids() -> list[str]:
    public = key_dir() / PUBLIC_DIR
    return sorted(p.stem for p in public.glob("*.pem")) if public.exists() else []
