"""The work behind the commands, as a library a program can call without argparse.

- :mod:`cos_snapshot.tools.batch`: many snapshots, resumable, with a failures file.
- :mod:`cos_snapshot.tools.sheet`: contact sheets.
- :mod:`cos_snapshot.tools.storyboard`: sprites and WebVTT for players' scrub previews.
- :mod:`cos_snapshot.tools.demo`: the demo (the emulator, a fixture video and the client).

Each builds on the public client (:mod:`cos_snapshot`) only. The modules are imported on
demand; this package imports nothing.
"""
