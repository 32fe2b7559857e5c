"""`python -m hailong_cli` runs the `hailong` command (e.g. under cProfile)."""
from hailong_cli import main

main(prog_name="hailong")
