"""Business operations. Services flush; the request (or CLI command) commits once."""
