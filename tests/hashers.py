"""Production's password hash, made once per password in the test process.

The servers the end-to-end tests start (gunicorn, nginx in front) check passwords with production's hasher, so the
users a test makes for them need production's hash: PBKDF2-SHA256 at Django's full iteration count, a third of a
second of CPU each. Every test user has one of a few passwords; this hasher gives them one salt per process and
remembers each hash it computed, so the test process computes a password's hash once and the servers still check
every sign-in against a real, full-strength hash.
"""

from functools import cache

from django.conf import global_settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.utils.crypto import get_random_string


class RememberingPBKDF2PasswordHasher(PBKDF2PasswordHasher):
    """Django's PBKDF2PasswordHasher (same algorithm name, iterations and format), one salt per process."""

    def salt(self):
        return _process_salt()

    def encode(self, password, salt, iterations=None):
        return _encode(password, salt, iterations or self.iterations)


@cache
def _process_salt():
    return get_random_string(22)


@cache
def _encode(password, salt, iterations):
    return PBKDF2PasswordHasher().encode(password, salt, iterations)


# production's hashers, the first (the one that hashes) remembering
AS_PRODUCTION = [f"{__name__}.RememberingPBKDF2PasswordHasher", *global_settings.PASSWORD_HASHERS[1:]]
assert global_settings.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.PBKDF2PasswordHasher"
