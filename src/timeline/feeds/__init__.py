"""Feed watching: fetch, parse, extract candidate events, review them."""
