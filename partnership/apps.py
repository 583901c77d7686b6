from django.apps import AppConfig


class PartnershipConfig(AppConfig):
    name = "partnership"
    verbose_name = "Partnership"

    def ready(self):
        # The forums' and facility time's documents register with partnership.documents on
        # import: here, so the task queue's workers know them as the web process does.
        from .facility_time import documents as facility_time_documents  # noqa: F401
        from .forums import documents as forum_documents  # noqa: F401
