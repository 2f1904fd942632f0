"""The static export: every document of a snapshot as files, and an nginx configuration that
serves them as ``kgpub serve`` does."""
