"""``hailong analyze`` lives in ``hailong_cli.analyze`` (it needs no Flask); kept importable here."""
from hailong_cli.analyze import analyze, write_output

__all__ = ["analyze", "write_output"]
