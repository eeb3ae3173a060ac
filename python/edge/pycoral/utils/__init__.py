"""pycoral.utils."""
