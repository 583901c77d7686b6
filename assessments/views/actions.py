"""Placeholder: being written."""


def action_plan(request, **kwargs):
    raise NotImplementedError


def add_action(request, **kwargs):
    raise NotImplementedError


def sign_plan(request, **kwargs):
    raise NotImplementedError


def action_plan_pdf(request, **kwargs):
    raise NotImplementedError


def action_plan_csv(request, **kwargs):
    raise NotImplementedError


def action_plan_xlsx(request, **kwargs):
    raise NotImplementedError


def action_detail(request, **kwargs):
    raise NotImplementedError


def edit_action(request, **kwargs):
    raise NotImplementedError


def remove_action(request, **kwargs):
    raise NotImplementedError


def post_update(request, **kwargs):
    raise NotImplementedError


def verify_plan_signature(request, **kwargs):
    raise NotImplementedError


def organisation_actions(request, **kwargs):
    raise NotImplementedError
