import os

import pytest

from partnership.models import Membership
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory

# Playwright's sync API runs an event loop in the main thread; Django's async guard would then
# refuse database access from the live_server tests.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    # Playwright cannot download its own browser here: use Debian's chromium.
    return {
        **browser_type_launch_args,
        "executable_path": "/usr/bin/chromium",
        "args": [*browser_type_launch_args.get("args", []), *CHROMIUM_ARGS],
    }


@pytest.fixture(scope="session", autouse=True)
def signing_key():
    """The service's signing key (settings.SIGNING_KEY_DIR), created once per machine."""
    from partnership.signing import keys

    keys.create_key()
    return keys.current_key_id()


@pytest.fixture
def organisation(db):
    return OrganisationFactory(name="Northshire Community NHS Trust", ods_code="Z9A")


@pytest.fixture
def other_organisation(db):
    return OrganisationFactory(name="Southdale Hospitals NHS Foundation Trust", ods_code="Z9B")


def _member(organisation, side, role, email):
    user = UserFactory(email=email)
    MembershipFactory(user=user, organisation=organisation, side=side, role=role)
    return user


@pytest.fixture
def hr_lead(organisation):
    return _member(
        organisation, Membership.Side.MANAGEMENT, Membership.Role.LEAD, "hr.lead@z9a.example"
    )


@pytest.fixture
def contributor(organisation):
    return _member(
        organisation,
        Membership.Side.MANAGEMENT,
        Membership.Role.CONTRIBUTOR,
        "hr.contributor@z9a.example",
    )


@pytest.fixture
def staff_rep(organisation):
    return _member(
        organisation, Membership.Side.STAFF_SIDE, Membership.Role.LEAD, "staff.rep@z9a.example"
    )


@pytest.fixture
def viewer(organisation):
    return _member(
        organisation, Membership.Side.MANAGEMENT, Membership.Role.VIEWER, "board@z9a.example"
    )


@pytest.fixture
def outsider(other_organisation):
    return _member(
        other_organisation, Membership.Side.MANAGEMENT, Membership.Role.LEAD, "hr.lead@z9b.example"
    )


def _client_for(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def hr_lead_client(client, hr_lead):
    return _client_for(client, hr_lead)


@pytest.fixture
def staff_rep_client(client, staff_rep):
    return _client_for(client, staff_rep)


@pytest.fixture
def viewer_client(client, viewer):
    return _client_for(client, viewer)


@pytest.fixture
def outsider_client(client, outsider):
    return _client_for(client, outsider)


# --- The task queue -------------------------------------------------------------------------

# The production backend's tests use the real Redis (CI starts it: .ci/run). Each test gets its
# own queue names, so parallel runs sharing one Redis never take each other's jobs.
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def run_queued_tasks():
    """Run every queued task to the end, in this process, with the configured backend's own
    worker: django-tasks-db's for the embedded backend, RQ's (without forking) for Redis."""
    from django.tasks import default_task_backend

    if hasattr(default_task_backend, "work"):
        from rq import SimpleWorker

        default_task_backend.work(burst=True, worker_class=SimpleWorker)
        return
    from unittest import mock

    from django_tasks_db.management.commands import db_worker

    from iwl.rq_backend import release_connections

    # The worker closes "old" connections between tasks; the test's own (inside its
    # transaction) must stay open.
    with mock.patch.object(db_worker, "close_old_connections", release_connections):
        embedded_worker().run()


def embedded_worker(worker_id="pytest"):
    """django-tasks-db's worker for every queue, until no task is ready."""
    from django_tasks_db.management.commands.db_worker import Worker

    return Worker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=worker_id,
        excluded_queue_names=[],
    )


@pytest.fixture
def run_tasks(db):
    return run_queued_tasks


@pytest.fixture
def redis_tasks(settings):
    """Switch the task queue to the production backend (RQ on the real Redis)."""
    import uuid

    prefix = f"iwl-test-{uuid.uuid4().hex[:12]}:"
    settings.TASKS = {
        "default": {
            "BACKEND": "iwl.rq_backend.RQBackend",
            "OPTIONS": {"URL": TEST_REDIS_URL, "PREFIX": prefix},
        }
    }
    from django.tasks import default_task_backend

    yield default_task_backend
    for queue in default_task_backend.rq_queues():
        queue.delete(delete_jobs=True)


@pytest.fixture(params=["database", "redis"])
def task_backend(request):
    """Run the test on both backends: the embedded queue in the database, and Redis."""
    if request.param == "redis":
        request.getfixturevalue("redis_tasks")
    return request.param


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Stored files (evidence, rendered documents) go to a temporary folder, through the same
    storage settings as production."""
    root = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(root)},
        },
    }
    settings.MEDIA_ROOT = str(root)
    return root


def _read(response):
    """A streamed file response as a plain one, so tests can read ``.content``."""
    if not response.streaming:
        return response
    from django.http import HttpResponse

    plain = HttpResponse(b"".join(response.streaming_content), status=response.status_code)
    for header, value in response.items():
        plain[header] = value
    return plain


@pytest.fixture
def download(run_tasks):
    """Ask for a document prepared on the task queue as a person does: the first answer is the
    "preparing" page (202); a worker runs the job; the same address then gives the file."""

    def fetch(client, url, data=None):
        response = client.get(url, data)
        if response.status_code == 202:
            assert "Preparing your" in response.content.decode()
            run_tasks()
            response = client.get(url, data)
        return _read(response)

    return fetch


@pytest.fixture(autouse=True)
def framework_levels_cache():
    """Rating levels are read once per process (assessments.presenters.framework_levels): each
    test starts without them, so exact query counts do not depend on the order tests run in,
    and a rolled-back framework's id reused by SQLite never finds another test's levels."""
    from assessments.presenters import framework_levels

    framework_levels.cache_clear()
    yield
    framework_levels.cache_clear()
