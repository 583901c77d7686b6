from django.apps import AppConfig
from django.db.models.signals import post_save, pre_delete


class AssessmentsConfig(AppConfig):
    name = "assessments"
    verbose_name = "Assessments"

    def ready(self):
        from partnership.models import NetworkOrganisation

        # Every kind of document registers itself with partnership.documents on import: here,
        # so the task queue's workers know them all as the web process does.
        from . import documents  # noqa: F401
        from .casestudies import documents as casestudy_documents  # noqa: F401
        from .crosswalks import documents as crosswalk_documents  # noqa: F401
        from .rollup import counts
        from .rollup import documents as rollup_documents  # noqa: F401
        from .surveys import documents as survey_documents  # noqa: F401

        # Joining or leaving a network changes what the network's pre-aggregated gap map counts.
        post_save.connect(counts.membership_saved, sender=NetworkOrganisation)
        pre_delete.connect(counts.membership_deleted, sender=NetworkOrganisation)
