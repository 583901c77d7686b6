"""Placeholder: being written."""


def submit(request, **kwargs):
    raise NotImplementedError


def staff_sign(request, **kwargs):
    raise NotImplementedError


def staff_rating(request, **kwargs):
    raise NotImplementedError


def comment(request, **kwargs):
    raise NotImplementedError


def verify(request, **kwargs):
    raise NotImplementedError
