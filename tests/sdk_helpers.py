"""The official SDK (cos-python-sdk-v5) pointed at the shipped emulator, unchanged."""

from __future__ import annotations

import httpx2
from qcloud_cos import CosConfig, CosS3Client

from cos_snapshot.testing.pytest_plugin import CosEmulator


def official_sdk(cos_emulator: CosEmulator, secret_key: str | None = None) -> CosS3Client:
    """A ``CosS3Client`` in IP mode on the emulator's port, with its credentials (or another
    ``secret_key`` for its key id), no retries."""
    url = httpx2.URL(cos_emulator.endpoint_url)
    credentials = cos_emulator.credentials
    assert credentials is not None
    conf = CosConfig(
        Scheme="http",
        IP="127.0.0.1",
        Port=url.port,
        Region=cos_emulator.region,
        SecretId=credentials.secret_id,
        SecretKey=credentials.secret_key if secret_key is None else secret_key,
    )
    return CosS3Client(conf, retry=0)
