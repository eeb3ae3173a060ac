"""pycoral.adapters."""
