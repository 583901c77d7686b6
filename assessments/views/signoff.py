"""Placeholder: being written."""


def waiting(request, **kwargs):
    raise NotImplementedError


def sign_off(request, **kwargs):
    raise NotImplementedError


def request_reopen(request, **kwargs):
    raise NotImplementedError


def confirm_reopen(request, **kwargs):
    raise NotImplementedError


def withdraw_reopen(request, **kwargs):
    raise NotImplementedError


def history(request, **kwargs):
    raise NotImplementedError
