"""Private keys at rest: encrypted with the key-encryption key (KEK).

The tool's RSA keys and the issuer's Ed25519 keys are stored as Fernet tokens (AES-128-CBC
with HMAC-SHA256, from ``cryptography``) of their PKCS#8 PEM. The KEK is the setting
``key_encryption_key`` (``SKILLCERT_KEY_ENCRYPTION_KEY``) or else the file
``key_encryption_key`` in the instance folder (0600), written the first time a key is
stored in an empty database. Nothing here logs a key or the KEK; a :class:`KeyRing`'s repr
names only where its KEK came from.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken
from flask_babel import lazy_gettext as _l

from lti_tool.errors import SettingsError
from lti_tool.private_files import make_private, private_file_text
from lti_tool.settings import Settings

#: The KEK's file in the instance folder, used when the setting is empty.
KEK_FILE = "key_encryption_key"
KEK_SETTING = "SKILLCERT_KEY_ENCRYPTION_KEY"
#: How every PEM starts: a stored value that does is a private key in plain text.
PEM_START = "-----BEGIN"

LOST_KEK_ADVICE = _l(
    "Set SKILLCERT_KEY_ENCRYPTION_KEY, or the file key_encryption_key in the instance "
    "folder, to the key-encryption key the private keys were encrypted with (from your "
    "secret store or your backup of it). If it is lost, follow “Lost key-encryption key” "
    "in the operator guide."
)


@dataclasses.dataclass(frozen=True)
class KeyRing:
    """A KEK, ready to encrypt and decrypt private keys. Its repr shows the source only."""

    kek: bytes = dataclasses.field(repr=False)
    #: Where the KEK came from (the setting's name or the file's path), for messages.
    source: str

    def encrypt(self, pem: str) -> str:
        """A private key in PEM, encrypted: the text stored in the database."""
        return Fernet(self.kek).encrypt(pem.encode("ascii")).decode("ascii")

    def decrypt(self, stored: str) -> str:
        """The PEM of a stored private key; refuses plain text and a wrong KEK."""
        if stored.lstrip().startswith(PEM_START):
            raise SettingsError(
                _l("A private key in the database is stored in plain text, unencrypted."),
                advice=_l(
                    "Run `skillcert db upgrade`: it encrypts the stored private keys with "
                    "the key-encryption key."
                ),
            )
        try:
            return Fernet(self.kek).decrypt(stored.encode("ascii")).decode("ascii")
        except (InvalidToken, UnicodeError):
            raise SettingsError(
                _l(
                    "The key-encryption key from %(source)s does not decrypt the private "
                    "keys stored in the database: they were encrypted with another key.",
                    source=self.source,
                ),
                advice=LOST_KEK_ADVICE,
            ) from None


def new_kek() -> str:
    """A new random KEK, as text (44 characters of URL-safe base64)."""
    return Fernet.generate_key().decode("ascii")


def kek_file(settings: Settings) -> Path:
    return Path(settings.instance_path) / KEK_FILE


def from_text(text: str, source: str) -> KeyRing:
    """The KEK written in ``text``; a clear error if it is not one."""
    kek = text.strip().encode("ascii", errors="replace")
    try:
        Fernet(kek)
    except ValueError:
        raise SettingsError(
            _l(
                "The key-encryption key from %(source)s is not valid: it must be 32 bytes "
                "in URL-safe base64 (44 characters), like those `skillcert keys reencrypt` "
                "writes.",
                source=source,
            ),
            advice=LOST_KEK_ADVICE,
        ) from None
    return KeyRing(kek=kek, source=source)


def load(settings: Settings, *, create: bool = False) -> KeyRing:
    """The KEK: the setting, else the instance folder's file.

    ``create`` writes a new file (0600) when neither holds one; only the first key stored
    in an empty database may do that, so a KEK that went missing is never replaced by a
    new one that cannot read the keys already stored.
    """
    if settings.key_encryption_key:
        return from_text(settings.key_encryption_key, KEK_SETTING)
    path = kek_file(settings)
    if create:
        return from_text(private_file_text(path, new_kek()), str(path))
    try:
        text = path.read_text(encoding="ascii")
    except FileNotFoundError:
        text = None
    except (OSError, UnicodeError) as exc:
        raise SettingsError(
            _l(
                "Cannot read the key-encryption key file %(path)s: %(problem)s.",
                path=str(path),
                problem=getattr(exc, "strerror", None) or exc,
            ),
            advice=_l("Make the file readable by the user SkillCert runs as, and only by it."),
        ) from None
    else:
        make_private(path)
    if text is None:
        raise SettingsError(
            _l(
                "The private keys in the database are encrypted, but no key-encryption key "
                "was found: SKILLCERT_KEY_ENCRYPTION_KEY is empty and %(path)s does not "
                "exist.",
                path=str(path),
            ),
            advice=LOST_KEK_ADVICE,
        )
    return from_text(text, str(path))
