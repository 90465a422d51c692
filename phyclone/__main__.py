"""``python -m phyclone`` runs the ``phy`` command line."""

from phyclone.apps.cli import phycli

phycli()
