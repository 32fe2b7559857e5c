"""Keyed hashes for values hailong must recognise but never keep (dossier codes, API keys)."""
import hashlib
import hmac

from flask import current_app


def keyed_hash(value, purpose):
    """HMAC-SHA256 of ``value`` under the configured hash key, separated by ``purpose``."""
    key = current_app.config["HASH_KEY"].encode("utf-8")
    message = f"{purpose}\x00{value}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()
