from partnership.refusals import refused

__all__ = ["refused"]
