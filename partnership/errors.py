class Refused(Exception):
    """A service's rule refused a change; the message says why, for the user. Nothing was
    changed."""
