"""The client core (private): options, the sync and async clients, signing of requests,
retries, the snapshot parameters, responses, media info and times relative to a video.

Users import from :mod:`cos_snapshot`, whose ``__all__`` names everything public; nothing
outside the client core and the package face imports these modules directly.
"""
