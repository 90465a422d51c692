"""``python -m phyclone.plot.gl``: print the OpenGL probe result as JSON."""

from .probe import main

main()
