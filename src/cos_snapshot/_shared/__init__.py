"""Pieces the client and the emulator share (private).

Credentials, the error tree, HTTP dates, whole-file writes, counted nouns and one-line
messages. Nothing here imports the client core, the tools, the command line or the emulator:
both sides of the wire build on it. Users import these names from :mod:`cos_snapshot`.
"""
