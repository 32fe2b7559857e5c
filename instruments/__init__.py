"""Questionnaire definitions: schema, loader and the YAML files in ``data/``."""
from instruments.loader import bundled, digest, get, load_file, parse_instrument
from instruments.schema import Instrument, InstrumentError, Item, Node

__all__ = [
    "Instrument", "InstrumentError", "Item", "Node",
    "bundled", "digest", "get", "load_file", "parse_instrument",
]
