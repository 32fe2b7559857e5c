"""Keyed hashes for values hailong must recognise but never keep (dossier codes, API keys)."""
import hashlib
import hmac

from flask import current_app


def keyed_hash(value, purpose):
    """HMAC-SHA256 of ``value`` under the configured hash key, separated by ``purpose``."""
    key = current_app.config["HASH_KEY"].encode("utf-8")
    message = f"{purpose}\x00{value}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def client_key():
    """A short keyed hash of the client's address, its salt rotating daily.

    Rate limits need to recognise a client for an hour or a day; they never need the
    address itself, so none is kept (not even in the limiter's storage).
    """
    from datetime import date

    from flask_limiter.util import get_remote_address

    return keyed_hash(get_remote_address() or "", f"ip:{date.today().isoformat()}")[:20]
