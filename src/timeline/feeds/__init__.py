"""Feed watching: reading feed items and proposing candidate events from them."""
