"""Password hashing with bcrypt (salted, cost-tuned); plain passwords are never stored or logged."""

from __future__ import annotations

from dataclasses import dataclass

import bcrypt

MIN_LENGTH = 10
MAX_BYTES = 72  # bcrypt reads no further; a longer password is refused rather than silently cut
DEFAULT_ROUNDS = 12


class WeakPassword(ValueError):
    """The password breaks a rule; the message says which."""


def check_password(password: str, name: str = "") -> None:
    """Raise WeakPassword unless `password` has 10+ characters, at most 72 UTF-8 bytes and is not the name."""
    if len(password) < MIN_LENGTH:
        raise WeakPassword(f"the password needs at least {MIN_LENGTH} characters")
    if len(password.encode("utf-8")) > MAX_BYTES:
        raise WeakPassword(f"the password may have at most {MAX_BYTES} bytes in UTF-8 (bcrypt reads no further)")
    if "\x00" in password:
        raise WeakPassword("the password may not contain a NUL character")
    if name and password.strip().lower() == name.strip().lower():
        raise WeakPassword("the password may not be the account name")


@dataclass(frozen=True)
class PasswordHasher:
    """bcrypt with `rounds` (cost 2^rounds); `verify` is constant-time and false for any unreadable hash."""

    rounds: int = DEFAULT_ROUNDS

    def hash(self, password: str) -> str:
        return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(self.rounds)).decode("ascii")

    def verify(self, password: str, hashed: str | None) -> bool:
        if not hashed:
            return False
        encoded = password.encode("utf-8")
        if len(encoded) > MAX_BYTES or b"\x00" in encoded:
            return False
        try:
            return bcrypt.checkpw(encoded, hashed.encode("ascii"))
        except ValueError:  # not a bcrypt hash
            return False

    def waste_time(self, password: str) -> None:
        """Spend what a verification costs, so an unknown name answers as slowly as a wrong password."""
        self.verify(password, _DUMMY.get(self.rounds) or _DUMMY.setdefault(self.rounds, self.hash("not a password")))


_DUMMY: dict[int, str] = {}
