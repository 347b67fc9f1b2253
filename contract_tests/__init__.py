"""The GetSnapshot contract suite: schemathesis over the spec and hypothesis properties through
the typed client, against the emulator (in-process and over HTTP) or any COS-compatible bucket.
See README.md in this directory."""
