"""File storage that encrypts every file before it reaches the disk (or any storage backend).

Envelope encryption with AES-256-GCM:
- each file gets its own random data key; the file's bytes are encrypted with it in chunks of
  64 KiB, each chunk sealed with its own nonce and authenticated together with its position and
  whether it is the last one (so chunks cannot be dropped, reordered or cut off unnoticed);
- the data key is stored at the head of the file, itself encrypted ("wrapped") with a master key
  named by a short key id, so master keys can be rotated: new files use the first key of
  `FILE_ENCRYPTION_KEYS`, old files still open with the key they name.

Layout: b"TWE1" | key id (1 byte length + ascii) | wrap nonce (12) | wrapped data key (32 + 16)
| chunks, each: length of sealed chunk (4, big-endian) | nonce (12) | sealed chunk.

Files written before encryption was turned on (no b"TWE1" head) are read as they are, so an
existing installation keeps working and its files are encrypted as they are rewritten.
Names stay whatever the caller chose (uploads use opaque random names).
"""

import base64
import hashlib
import io
import os
import struct
import tempfile

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, SuspiciousFileOperation
from django.core.files import File
from django.core.files.storage import FileSystemStorage

MAGIC = b"TWE1"
CHUNK = 64 * 1024
NONCE = 12
TAG = 16


class DecryptionError(SuspiciousFileOperation):
    """A stored file cannot be decrypted: unknown key, or altered or truncated content."""


def master_keys() -> dict[str, bytes]:
    """Key id → 32-byte master key, the current (first) one first.

    `FILE_ENCRYPTION_KEYS` lists base64 keys, comma-separated; a key's id is the first 8 hex
    digits of its SHA-256, so nothing but the keys themselves needs configuring.
    """
    raw = getattr(settings, "FILE_ENCRYPTION_KEYS", None) or []
    keys: dict[str, bytes] = {}
    for item in raw:
        try:
            key = base64.urlsafe_b64decode(item.strip() + "=" * (-len(item.strip()) % 4))
        except ValueError:
            key = b""
        if len(key) != 32:
            raise ImproperlyConfigured("Each of FILE_ENCRYPTION_KEYS must be 32 bytes, base64.")
        keys[hashlib.sha256(key).hexdigest()[:8]] = key
    if not keys:
        raise ImproperlyConfigured("FILE_ENCRYPTION_KEYS is empty (see docs/operator.md).")
    return keys


def _aad(index: int, last: bool) -> bytes:
    return struct.pack(">Q?", index, last)


def encrypt_stream(source, target) -> None:
    """Encrypt the file-like `source` into the file-like `target`."""
    key_id, master = next(iter(master_keys().items()))
    data_key = AESGCM.generate_key(bit_length=256)
    wrap_nonce = os.urandom(NONCE)
    wrapped = AESGCM(master).encrypt(wrap_nonce, data_key, MAGIC + key_id.encode())
    ident = key_id.encode()
    target.write(MAGIC + bytes([len(ident)]) + ident + wrap_nonce + wrapped)
    cipher = AESGCM(data_key)
    index = 0
    chunk = source.read(CHUNK)
    while True:
        following = source.read(CHUNK)
        last = not following
        nonce = os.urandom(NONCE)
        sealed = cipher.encrypt(nonce, chunk or b"", _aad(index, last))
        target.write(struct.pack(">I", len(sealed)) + nonce + sealed)
        if last:
            return
        chunk, index = following, index + 1


def decrypt_stream(source, target) -> None:
    """Decrypt the file-like `source` (written by `encrypt_stream`) into `target`."""
    if source.read(len(MAGIC)) != MAGIC:
        raise DecryptionError("Not an encrypted file.")
    length = source.read(1)
    ident = source.read(length[0]) if length else b""
    master = master_keys().get(ident.decode("ascii", "replace"))
    if master is None:
        raise DecryptionError(f"No master key with id {ident!r} is configured.")
    wrap_nonce = source.read(NONCE)
    wrapped = source.read(32 + TAG)
    try:
        data_key = AESGCM(master).decrypt(wrap_nonce, wrapped, MAGIC + ident)
        cipher = AESGCM(data_key)
        index = 0
        while True:
            head = source.read(4)
            if len(head) != 4:
                raise DecryptionError("The file is cut short.")
            (size,) = struct.unpack(">I", head)
            nonce = source.read(NONCE)
            sealed = source.read(size)
            if len(sealed) != size:
                raise DecryptionError("The file is cut short.")
            try:
                target.write(cipher.decrypt(nonce, sealed, _aad(index, False)))
            except InvalidTag:
                target.write(cipher.decrypt(nonce, sealed, _aad(index, True)))
                if source.read(1):
                    raise DecryptionError("Data follows the last chunk.") from None
                return
            index += 1
    except InvalidTag as exc:
        raise DecryptionError("The file was altered or the key is wrong.") from exc


class EncryptedFileSystemStorage(FileSystemStorage):
    """The local folder storage, with every file encrypted at rest (see the module's notes)."""

    def _save(self, name, content):
        sealed = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
        if hasattr(content, "seek"):
            content.seek(0)
        encrypt_stream(content, sealed)
        sealed.seek(0)
        return super()._save(name, File(sealed, name=name))

    def _open(self, name, mode="rb"):
        if any(flag in mode for flag in "wa+"):
            raise ValueError("Encrypted files are written through save(), not opened for writing.")
        stored = super()._open(name, "rb")
        head = stored.read(len(MAGIC))
        stored.seek(0)
        if head != MAGIC:  # written before encryption was turned on: read as it is
            return stored
        plain = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
        try:
            decrypt_stream(stored, plain)
        finally:
            stored.close()
        plain.seek(0)
        return File(plain, name=name)

    def size(self, name):
        """The plain size, read from the chunk headers (nothing is decrypted)."""
        with super()._open(name, "rb") as stored:
            if stored.read(len(MAGIC)) != MAGIC:
                return super().size(name)
            length = stored.read(1)[0]
            stored.seek(length + NONCE + 32 + TAG, io.SEEK_CUR)
            total = 0
            while head := stored.read(4):
                (size,) = struct.unpack(">I", head)
                stored.seek(NONCE + size, io.SEEK_CUR)
                total += size - TAG
            return total
