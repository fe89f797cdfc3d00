"""Files are encrypted before they reach storage, and come back whole, or not at all."""

import base64
import io
import os

import pytest
from django.core.files.base import ContentFile

from tawasul.core.storage import (
    CHUNK,
    DecryptionError,
    EncryptedFileSystemStorage,
    decrypt_stream,
    encrypt_stream,
    master_keys,
)

PLAIN = ("Name,Phone\nAl Noor Trading,0501234567\nالنور للتجارة,0551234567\n" * 3000).encode()


@pytest.fixture
def storage(tmp_path):
    return EncryptedFileSystemStorage(location=tmp_path)


def _key() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


@pytest.mark.parametrize("size", [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK + 7, len(PLAIN)])
def test_round_trip_of_every_size(storage, size):
    data = (PLAIN * 2)[:size]
    name = storage.save("imports/x.csv", ContentFile(data))
    with storage.open(name) as handle:
        assert handle.read() == data
    assert storage.size(name) == len(data)


def test_nothing_readable_on_disk(storage, tmp_path):
    name = storage.save("imports/secret.csv", ContentFile(PLAIN))
    raw = (tmp_path / name).read_bytes()
    assert raw.startswith(b"TWE1")
    assert b"Noor" not in raw and "النور".encode() not in raw and b"0501234567" not in raw
    assert len(raw) < len(PLAIN) + 1000  # chunk overhead only


def _sealed(data: bytes) -> bytes:
    out = io.BytesIO()
    encrypt_stream(io.BytesIO(data), out)
    return out.getvalue()


@pytest.mark.parametrize("damage", ["flip a byte", "cut the end", "drop a chunk", "add bytes"])
def test_altered_files_are_refused(damage):
    sealed = bytearray(_sealed(PLAIN))
    if damage == "flip a byte":
        sealed[len(sealed) // 2] ^= 1
    elif damage == "cut the end":
        del sealed[-100:]
    elif damage == "drop a chunk":
        head = 4 + 1 + 8 + 12 + 48
        (first,) = __import__("struct").unpack(">I", sealed[head : head + 4])
        del sealed[head : head + 4 + 12 + first]
    else:
        sealed += b"more"
    with pytest.raises(DecryptionError):
        decrypt_stream(io.BytesIO(bytes(sealed)), io.BytesIO())


def test_keys_rotate_and_an_unknown_key_is_refused(settings):
    old, new = _key(), _key()
    settings.FILE_ENCRYPTION_KEYS = [old]
    sealed_with_old = _sealed(b"kept for years")
    settings.FILE_ENCRYPTION_KEYS = [new, old]  # the new key first: current; the old still opens
    out = io.BytesIO()
    decrypt_stream(io.BytesIO(sealed_with_old), out)
    assert out.getvalue() == b"kept for years"
    assert _sealed(b"x")[5:13] == next(iter(master_keys())).encode()  # new files: new key id
    settings.FILE_ENCRYPTION_KEYS = [new]
    with pytest.raises(DecryptionError):
        decrypt_stream(io.BytesIO(sealed_with_old), io.BytesIO())


def test_files_from_before_encryption_are_read_as_they_are(storage, tmp_path):
    (tmp_path / "old.csv").write_bytes(b"plain,old\n")
    with storage.open("old.csv") as handle:
        assert handle.read() == b"plain,old\n"


def test_the_default_storage_encrypts(settings, tmp_path):
    from django.core.files.storage import default_storage

    assert isinstance(default_storage, EncryptedFileSystemStorage)


@pytest.mark.parametrize("bad", [[], ["not base64 at all!"], [base64.b64encode(b"short").decode()]])
def test_missing_or_malformed_keys_are_a_configuration_error(settings, bad):
    from django.core.exceptions import ImproperlyConfigured

    settings.FILE_ENCRYPTION_KEYS = bad
    with pytest.raises(ImproperlyConfigured):
        _sealed(b"x")
