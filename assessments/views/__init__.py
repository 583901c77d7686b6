from partnership.responses import refused

__all__ = ["refused"]
