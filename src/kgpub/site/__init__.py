"""What a page says, for one published snapshot (no web framework here)."""
